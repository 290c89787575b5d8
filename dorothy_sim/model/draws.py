"""Named draws: every random decision and duration of a crisis has a name and a stream of its own.

A crisis's draws are read as ``crisis.draw.admit`` (a uniform on [0, 1)) and ``crisis.days.treatment``
(a duration). Each name has its own seeded stream per ICP (``crisis/<icp>/<name>``), drawn in step
with the candidate crises (``cohort.crisis_candidates``): the k-th candidate crisis of an ICP takes
the k-th value of every stream. So

- two scenarios with the same seed take each decision for the same crisis with the same draw
  (common random numbers), whatever their levers, since levers never change the candidates;
- adding a decision or a service adds a stream and leaves every other draw exactly as it was.

A service module declares its draws at import, next to the code that reads them::

    uniform("vw_outcome")                                              # crisis.draw.vw_outcome
    duration("vw_stay", lambda s: Duration(s.virtual_ward.stay_days))  # crisis.days.vw_stay

Why durations and not normals: every duration is a quantile of its own standard normal, worked out
for a whole chunk of candidates at once in numpy (a treatment's by the person's frailty level).
"""

from __future__ import annotations

from collections.abc import Callable

import cython
import numpy as np

from dorothy_sim.scenario import FRAILTY_LEVELS, Scenario
from dorothy_sim.streams import Duration, stream

DurationOf = Callable[[Scenario], "Duration | list[Duration]"]
"""How a duration's distribution comes from the scenario; a list is one per frailty level."""

_UNIFORMS: dict[str, None] = {}
_DURATIONS: dict[str, DurationOf] = {}


def uniform(name: str) -> str:
    """Declare a uniform draw read as ``crisis.draw.<name>``; returns the name."""
    _check_new(name)
    _UNIFORMS[name] = None
    return name


def duration(name: str, distribution: DurationOf) -> str:
    """Declare a duration read as ``crisis.days.<name>``, drawn from ``distribution(scenario)``."""
    _check_new(name)
    _DURATIONS[name] = distribution
    return name


def _check_new(name: str) -> None:
    if not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"a draw's name must be a Python identifier without a leading _: {name!r}")
    if name in _UNIFORMS or name in _DURATIONS:
        raise ValueError(f"the draw {name!r} is declared twice: each decision has a stream of its own")


def uniform_names() -> tuple[str, ...]:
    return tuple(_UNIFORMS)


def duration_names() -> tuple[str, ...]:
    return tuple(_DURATIONS)


class DrawColumns:
    """The draws of one chunk of candidate crises: a row per candidate, a column per name."""

    def __init__(self, values: np.ndarray, index: dict[str, int]) -> None:
        self.values = values
        self._view = values  # (compiled, a typed view: a draw is read at C speed)
        self.index = index

    def row(self, row: int) -> NamedRow:
        """Candidate ``row``'s draws, read by name (``.admit``, ``.treatment``...)."""
        return NamedRow(self, row)


class NamedRow:
    """One candidate's draws, each read by its name as an attribute.

    Why a view and not a tuple of floats: a crisis reads about eight of its draws, and making a
    Python float of each of the others (for 250,000 candidates a replication) was most of their cost.
    """

    def __init__(self, columns: DrawColumns, row: int) -> None:
        self.columns = columns
        self.row = row

    def __getattribute__(self, name: str) -> float:
        if cython.compiled:  # (C fields: no lookup)
            columns, row = self.columns, self.row
        else:
            columns = object.__getattribute__(self, "columns")
            row = object.__getattribute__(self, "row")
        column = columns.index.get(name)
        if column is None:  # not a draw: the row's own attributes and methods
            return object.__getattribute__(self, name)
        return float(columns._view[row, column])

    def __repr__(self) -> str:
        columns = object.__getattribute__(self, "columns")
        return f"NamedRow({', '.join(f'{name}={getattr(self, name):.6g}' for name in columns.index)})"


class CrisisDraws:
    """The named streams of one ICP's crises, drawn a chunk at a time in step with the candidates."""

    def __init__(self, scenario: Scenario, seed: int, icp_name: str) -> None:
        uniforms, durations = uniform_names(), duration_names()
        self._uniform_streams = [stream(seed, f"crisis/{icp_name}/{name}") for name in uniforms]
        self._duration_streams = [stream(seed, f"crisis/{icp_name}/{name}") for name in durations]
        self._distributions = [_DURATIONS[name](scenario) for name in durations]
        self._uniform_index = {name: column for column, name in enumerate(uniforms)}
        self._duration_index = {name: column for column, name in enumerate(durations)}

    def chunk(self, size: int, frailty: np.ndarray) -> tuple[DrawColumns, DrawColumns]:
        """The next ``size`` candidates' uniforms and durations; ``frailty`` is each candidate's
        frailty level."""
        uniforms = np.empty((size, len(self._uniform_streams)))
        for column, rng in enumerate(self._uniform_streams):
            uniforms[:, column] = rng.random(size)
        durations = np.empty((size, len(self._duration_streams)))
        for column, (rng, distribution) in enumerate(zip(self._duration_streams, self._distributions,
                                                         strict=True)):
            normals = rng.standard_normal(size)
            if isinstance(distribution, list):
                for level, by_level in enumerate(distribution):
                    rows = frailty == level
                    durations[rows, column] = by_level.from_normals(normals[rows])
            else:
                durations[:, column] = distribution.from_normals(normals)
        return (DrawColumns(uniforms, self._uniform_index),
                DrawColumns(durations, self._duration_index))


def by_frailty(pick: Callable[[Scenario], object]) -> DurationOf:
    """A duration whose distribution is given per frailty level (``pick(scenario)[level]``)."""
    return lambda scenario: [Duration(pick(scenario)[level]) for level in FRAILTY_LEVELS]  # type: ignore[index]
