"""What a study's numbers rest on, for its README: which figures of the scenario are evidence and
which are assumed, read from the tags of the scenario file, and what its 95% intervals mean.

Every figure in a scenario TOML is tagged in its comment: ``[pub author year]`` and ``[seed NNN]``
are evidence, ``[est]`` is an assumption (with its plausible range beside it). A key's tag is the
first one in its own comment, else in the comment lines just above it (a table of shares explained
above it). Read by code from the file, so a README never lists a figure the scenario no longer has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from readme import markdown_table

import dorothy_sim

SCENARIOS = Path(dorothy_sim.__file__).resolve().parent / "scenarios"
_TAG = re.compile(r"\[(pub|seed|est)\b[^\]]*\]")
_TABLE = re.compile(r"^\s*\[([A-Za-z0-9_.]+)\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\"]+)\s*=\s*(.*)$")


@dataclass(frozen=True)
class Figure:
    """One figure of the scenario file: its dotted path, value as written, tag and comment."""

    path: str
    value: str
    tags: frozenset[str]  # of "pub", "seed", "est"; empty when untagged
    comment: str

    @property
    def assumed(self) -> bool:
        """Only [est]: a guess with its range."""
        return self.tags == {"est"}

    @property
    def evidence(self) -> bool:
        """Sourced ([pub] or [seed]) with no [est] part."""
        return bool(self.tags) and "est" not in self.tags

    @property
    def partly_assumed(self) -> bool:
        """Sourced, with an [est] part (a spread, a split, a share by type)."""
        return "est" in self.tags and len(self.tags) > 1


def figures(scenario: str) -> list[Figure]:
    """The tagged figures of an embedded scenario's file (empty if it is not one), with those of the
    scenario it ``extends`` that it does not set itself."""
    path = SCENARIOS / f"{scenario}.toml"
    if not path.is_file():
        return []
    own = _read(path)
    base = next((f.value.strip('"') for f in own if f.path == "extends"), None)
    if base is None or base == scenario:
        return own
    mine = {f.path for f in own}
    return [*own, *(f for f in figures(base) if f.path not in mine)]


def _read(path: Path) -> list[Figure]:
    found: list[Figure] = []
    table = ""
    above: list[str] = []  # the comment lines just above the current key
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped)
            continue
        header = _TABLE.match(line)
        if header:
            table, above = header.group(1), []
            continue
        key = _KEY.match(line)
        if not key:
            above = []
            continue
        value, _, comment = key.group(2).partition("#")
        tags = frozenset(m.group(1) for m in _TAG.finditer(comment)) or frozenset(
            m.group(1) for line in above for m in _TAG.finditer(line))
        name = key.group(1).strip('"')
        if not value.strip().startswith('"') or name == "extends":  # a name or a label is not a figure
            found.append(Figure(f"{table}.{name}" if table else name, value.strip(), tags, comment.strip()))
        above = []
    return found


def _names(items: Iterable[Figure], prefix: str) -> str:
    shown = [f"`{f.path.removeprefix(prefix)}` ({f.value})" if len(f.value) <= 24 else
             f"`{f.path.removeprefix(prefix)}`" for f in items]
    return ", ".join(shown) or "none"


def section_rows(scenario: str, sections: Iterable[str]) -> list[dict[str, str]]:
    """Per scenario section (``reablement``): its figures that are evidence and those assumed."""
    every = figures(scenario)
    rows = []
    for section in sections:
        prefix = f"{section}."
        mine = [f for f in every if f.path.startswith(prefix)]
        rows.append({"section": f"[{section}]",
                     "evidence ([pub], [seed])": _names((f for f in mine if f.evidence), prefix),
                     "evidence with an [est] part": _names((f for f in mine if f.partly_assumed), prefix),
                     "assumed ([est])": _names((f for f in mine if f.assumed), prefix)})
    return rows


def costing_text(scenario: str) -> str:
    """The costing's evidence and assumptions: price year, which prices are sourced and which are
    [est], how capacity and care homes are costed, who pays."""
    every = figures(scenario)
    costs = [f for f in every if f.path.startswith("costs.") and not f.path.startswith("costs.funders.")]
    funders = [f for f in every if f.path.startswith("costs.funders.")]
    if not costs:
        return f"(scenario `{scenario}` has no [costs] table in an embedded file)"
    return (
        "Costs are the scenario's `[costs]` (docs/model.md, \"Costs and who pays\"): one price year "
        "(2023/24 in the default scenarios; older figures inflated by "
        "the factors in `costs.inflation`); reablement, home care, community beds, MDT slots and falls "
        "places are costed as a block, whether used or not; staff posts per year; a care-home entry as "
        "its expected resident days (median survival over ln 2) split by funder; acute bed days saved "
        "are capacity released (valued, not cash) and only whole wards closed release cash "
        "(`cash_releasing_saving_gbp`). "
        f"Evidence: {_names((f for f in costs if f.evidence), 'costs.')}. "
        f"Evidence with an [est] part: {_names((f for f in costs if f.partly_assumed), 'costs.')}. "
        f"Assumed [est]: {_names((f for f in costs if f.assumed), 'costs.')}. "
        "Who pays (`[costs.funders]`): evidence with an [est] part "
        f"{_names((f for f in funders if not f.assumed), 'costs.funders.')}; assumed "
        f"{_names((f for f in funders if f.assumed), 'costs.funders.')} (a component not listed is "
        "the NHS's). Net saving per funder (NHS, the councils, self-funders) is the fall in that "
        "funder's costs; the STP view is the acute and A&E savings after seed 004's reinvestment "
        "rates, which stand for the new services' cost.")


def intervals_text(reps: int) -> str:
    """What a sweep study's 95% intervals mean, and what they do not cover."""
    return (
        f"Every \"95% CI\" here is a paired t interval over {reps} replications: configuration and "
        "baseline run with the same seeds (common random numbers), and the interval is that of the mean "
        "of the per-replication differences. It covers simulation noise only, with every input at its "
        "point value: it says how sure the simulation is of the effect the model implies, not how sure "
        "anyone is of the effect sizes, prices or capacities behind it (the [est] figures in What is "
        "evidence and what is assumed) or of the model's structure. An interval that excludes zero "
        "means the effect is not noise given those inputs, not that the intervention works. For the "
        "uncertainty of the inputs see the probabilistic sensitivity analyses "
        "(results/psa_default/README.md, the default Local Care mix against none; "
        "results/psa_best_grid_point/README.md, the grid's best point against the default mix), whose "
        "ranges are over drawn parameter sets.")


def evidence_text(scenario: str, sections: Iterable[str], what: str) -> str:
    """A study's "What is evidence and what is assumed": per swept section (``sections``) its evidence
    and [est] figures, the structure and calibration no interval covers, and the costing's own."""
    return (
        "Evidence is what the scenario file tags `[pub ...]` or `[seed NNN]`; assumed is what it tags "
        f"`[est]` (a guess, with its plausible range in the file's comment). {what}\n\n"
        + markdown_table(section_rows(scenario, list(dict.fromkeys(sections))))
        + "\n\nEvery result also rests on the model's structure and its calibrated figures (treatment "
        "lengths of stay, the trusts' core beds, the crisis rates), which no interval here covers.\n\n"
        + costing_text(scenario))

