"""An opt-in event log: every change of state of a sample of people in one replication, for watching
a run (the page's animation, drawn with vidigi) and for walking clinicians through one person's year.

How it hooks in: every change of a person's state goes through the cohort's ``move`` (at home, in a
crisis, in an acute bed, in a community bed: the states the person-time ledger books) and every
death or entry to long-term care through its ``replace`` (model/cohort.py). :func:`record_events`
builds the model, puts a recorder in front of those two for the sampled people, and runs it.

The journey's steps (rapid response, A&E, the acute bed, medically fit, the assessments, the wait for
the onward place by route, onward reablement or a package, a plug-in's care instead of the bed or
after it: the virtual ward) are recorded the same way: while a logged run runs, the module-level
functions the journeys call through their modules (:data:`STEPS`, the assessment plug-ins'
``assessment_for``, the step-down plug-ins' ``continue_at_home``) and the model's list of
``instead_of_admission`` hooks are replaced by wrappers that note (slot, now, step) for a followed
person and return the original's result unchanged (a generator function's generator: the step is
recorded when it is called); they are put back when the run ends, whatever happens. The end of
onward care at home (the last reablement episode or package a person holds ends, and they are at
home) is recorded as ``at_home`` again, so a watched person does not stay drawn in onward care.

A run without the log has nothing in front of any of them, so the log costs nothing when it is off
(no check on the per-crisis path at all), and the log never draws a random number from the model's
streams: the people sampled come from a stream of their own, so a logged run gives the same KPIs as
any other.

Memory is bounded: at most :data:`MAX_PEOPLE` people, each followed until they die or enter
long-term care, and at most :data:`MAX_EVENTS_PER_PERSON` events each.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dorothy_sim.errors import UserError
from dorothy_sim.model import acute, discharge, downstream, journey, rapid_response
from dorothy_sim.model.cohort import AT_HOME, STATE_NAMES
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.output import atomic_write
from dorothy_sim.scenario import Scenario
from dorothy_sim.streams import stream

MAX_PEOPLE = 10_000
MAX_EVENTS_PER_PERSON = 5_000
LEFT = {True: "died", False: "long_term_care"}
COLUMNS = ["entity_id", "slot", "icp", "frailty", "time", "day", "event", "event_type"]
"""``time`` is days from the start of the run (warm-up included), ``day`` days from the start of the
results period; ``event`` a state (``at_home``, ``in_crisis``, ``in_acute``, ``in_community_bed``),
a step of the journey (:data:`STEP_NAMES`) or a departure (``died``, ``long_term_care``);
``event_type`` as vidigi reads it (``queue`` for a state or a step, ``arrival_departure`` for a
departure)."""

WAITING = ("waiting_home", "waiting_reablement", "waiting_home_care", "waiting_community_bed",
           "waiting_care_home")
"""The wait in the acute bed for the onward place, by route (model/discharge.py's HOME ... CARE_HOME)."""


def _crisis_slot(model, crisis, *args, **kwargs) -> int:
    return crisis.slot


def _slot(model, slot, *args, **kwargs) -> int:
    return slot


def _short_name(hook) -> str:
    """A plug-in's step name: its module's last name (``virtual_ward``, ``chc_assessment``)."""
    return (getattr(hook, "__module__", None) or hook.__name__).rsplit(".", 1)[-1]


def _waiting_for_route(model, crisis, route, *args, **kwargs) -> str:
    return WAITING[route]  # wait_for_place(model, crisis, route, deadline): the route's wait


STEPS = (
    # (module, function, step (a name, or the name from the call's arguments), the followed slot)
    (rapid_response, "visit", "rapid_response", _crisis_slot),
    (journey, "p_admit", "ed", _slot),  # (called on arrival at A&E)
    (acute, "stay", "acute_bed", _crisis_slot),  # (called at the decision to admit)
    (discharge, "plan", "medically_fit", _crisis_slot),  # (discharge planning starts)
    (discharge, "wait_for_place", _waiting_for_route, _crisis_slot),  # by route: WAITING
    (downstream, "start_reablement", "reablement", _crisis_slot),
    (downstream, "start_package", "home_care", _crisis_slot),
)
"""The module-level functions wrapped while a logged run runs. A plug-in with ``assessment_for``
(model.assessment_teams) is wrapped too, its step its module's name (``social_care_assessment``,
``chc_assessment``), recorded when it returns a step to wait for."""

STEP_NAMES = ("rapid_response", "ed", "virtual_ward", "acute_bed", "medically_fit", "social_care_assessment",
              "chc_assessment", *WAITING[1:], "reablement", "home_care")
"""The journey's steps in pathway order (``waiting_home`` never occurs: home needs no place). A
plug-in's care instead of or after the bed is recorded under its module's name (``virtual_ward``)."""


class EventRecorder:
    """Follows ``slots`` of a model's cohort: wraps its ``move`` and ``replace`` for them."""

    def __init__(self, model: DorothyModel, slots: Sequence[int]) -> None:
        self.model = model
        self.followed = {slot: 0 for slot in slots}  # slot -> events recorded
        self.rows: list[tuple[int, float, str, str]] = []
        cohort = model.cohort
        self._move, self._replace = cohort.move, cohort.replace
        cohort.move = self.move
        cohort.replace = self.replace
        self._wrapped: list[tuple[object, str, object]] = []  # (module, name, original)
        self._restore_alternatives: list | None = None  # the model's instead_of_admission hooks
        for slot in self.followed:  # where each starts
            self._record(slot, STATE_NAMES[cohort.state[slot]], "queue")

    def wrap_steps(self) -> None:
        """Put a recorder in front of the journey's step functions (:data:`STEPS`, and the assessment
        plug-ins'); :meth:`restore` puts the originals back."""
        for module, name, step, slot_of in STEPS:
            self._wrap(module, name, step, slot_of)
        model = self.model
        for team in model.assessment_teams:
            self._wrap(team, "assessment_for", _short_name(team), _crisis_slot, skip_none=True)
        for step_down in model.step_downs:
            self._wrap(step_down, "continue_at_home", _short_name(step_down), _crisis_slot)
        # (the model holds its instead_of_admission hooks in a list: the list's entries are wrapped)
        alternatives = model.admission_alternatives
        self._restore_alternatives = list(alternatives)
        for index, hook in enumerate(alternatives):
            alternatives[index] = self._wrapper(hook, _short_name(hook), _crisis_slot, skip_none=True)
        self._wrap_onward_care_end()

    def _wrap_onward_care_end(self) -> None:
        """A person at home whose last held episode of onward care (reablement, a package) ends is
        back to plain ``at_home`` (recorded only then: an episode ended by an admission or a death is
        followed by that event instead)."""
        original = downstream._release_hold
        followed, record, cohort = self.followed, self._record, self.model.cohort

        def wrapper(model, slot, generation, kind, process):
            original(model, slot, generation, kind, process)
            if (slot in followed and cohort.generation[slot] == generation
                    and cohort.state[slot] == AT_HOME and slot not in cohort.holdings):
                record(slot, STATE_NAMES[AT_HOME], "queue")

        self._install(downstream, "_release_hold", wrapper)

    def _wrap(self, module, name: str, step, slot_of, skip_none: bool = False) -> None:
        self._install(module, name, self._wrapper(getattr(module, name), step, slot_of, skip_none))

    def _install(self, module, name: str, wrapper) -> None:
        """``wrapper`` in place of ``module.name`` until :meth:`restore`."""
        original = getattr(module, name)
        wrapper.__wrapped__ = original
        self._wrapped.append((module, name, original))
        setattr(module, name, wrapper)

    def _wrapper(self, original, step, slot_of, skip_none: bool):
        """Calls ``original`` and records ``step`` (a name, or a function of the call's arguments
        that gives it) for a followed slot; with ``skip_none``, only when the call returned a step."""
        followed, record = self.followed, self._record
        name_of = step if callable(step) else (lambda *args, **kwargs: step)

        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            slot = slot_of(*args, **kwargs)
            if slot in followed and not (skip_none and result is None):
                record(slot, name_of(*args, **kwargs), "queue")
            return result

        wrapper.__wrapped__ = original
        return wrapper

    def restore(self) -> None:
        """The originals back: the wrapped step functions and hooks, and the cohort's move and replace."""
        while self._wrapped:
            module, name, original = self._wrapped.pop()
            setattr(module, name, original)
        if self._restore_alternatives is not None:
            self.model.admission_alternatives[:] = self._restore_alternatives
            self._restore_alternatives = None
        self.model.cohort.move, self.model.cohort.replace = self._move, self._replace

    def _record(self, slot: int, event: str, kind: str) -> None:
        count = self.followed[slot]
        if count < MAX_EVENTS_PER_PERSON:
            self.followed[slot] = count + 1
            self.rows.append((slot, self.model.env.now, event, kind))

    def move(self, slot: int, state: int) -> None:
        if slot in self.followed:
            self._record(slot, STATE_NAMES[state], "queue")
        self._move(slot, state)

    def replace(self, slot: int, died: bool) -> None:
        if slot in self.followed:
            self._record(slot, LEFT[died], "arrival_departure")
            del self.followed[slot]  # the slot's newcomer is another person
        self._replace(slot, died)

    def table(self) -> pd.DataFrame:
        cohort = self.model.cohort
        names = list(self.model.scenario.icps)
        warmup = self.model.scenario.run.warmup_days
        rows = [(f"person_{slot}", slot, names[cohort.icp[slot]], int(cohort.frailty[slot]), time,
                 time - warmup, event, kind) for slot, time, event, kind in self.rows]
        return pd.DataFrame(rows, columns=COLUMNS)


def sample_slots(model: DorothyModel, people: int, seed: int) -> list[int]:
    """``people`` slots of the simulated ICPs, drawn from the event log's own stream."""
    slots = np.concatenate([np.arange(start, end) for start, end in model.cohort.icp_ranges if end > start])
    chosen = stream(seed, "event_log").choice(slots, size=min(people, len(slots)), replace=False)
    return sorted(int(slot) for slot in chosen)


def record_events(scenario: Scenario, seed: int, people: int,
                  icps: Sequence[int] | None = None) -> tuple[pd.DataFrame, DorothyModel]:
    """Run the replication with ``seed`` (the ICPs ``icps``, all if None) following ``people`` sampled
    people; their events, in time order, and the model run."""
    if not 1 <= people <= MAX_PEOPLE:
        raise UserError(f"--event-log {people}: give a number of people from 1 to {MAX_PEOPLE:,}")
    model = DorothyModel(scenario, seed, icps)
    recorder = EventRecorder(model, sample_slots(model, people, seed))
    try:
        recorder.wrap_steps()
        model.run()
    finally:
        recorder.restore()
    return recorder.table(), model


def write_events(table: pd.DataFrame, path: Path) -> Path:
    """The event log as Parquet, written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda p: table.to_parquet(p, index=False))
