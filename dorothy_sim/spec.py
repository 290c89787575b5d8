"""Sweep specs: which scenario, which baseline, which factors, which design, how many replications.

A spec is a TOML file, validated into one frozen object, then planned into configurations: each is a
set of dotted-path overrides applied to the baseline scenario. Every configuration's scenario is
built and validated while planning, so a bad factor value fails before any simulation starts.

    name = "rr_x_reablement"
    scenario = "kent_medway"          # embedded name, or a path relative to this file
    design = "grid"                   # grid | one_at_a_time | latin_hypercube (with points = n)
    seed = 1

    [baseline]                        # optional overrides that define the baseline
    "rapid_response.clinicians" = 16

    [factors]
    "rapid_response.clinicians" = [16, 24, 32]
    "reablement.places" = { from = 480, to = 720, step = 120 }

    [replications]
    count = 10                        # or: kpi = "admissions", half_width_pct = 1.0, min = 5, max = 30
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy.stats import qmc

from dorothy_sim._version import __version__
from dorothy_sim.errors import ScenarioError, SpecError
from dorothy_sim.kpis import KPI_BY_NAME
from dorothy_sim.monitor import ALL
from dorothy_sim.scenario import FieldRule, Scenario, compose, load_scenario
from dorothy_sim.toml_lines import describe_decode_error, dotted_lines, key_lines

Scalar = int | float | bool | str
RANGE_KEYS = {"from", "to", "step"}
FACTOR_KINDS = ("a list of values ([1, 2, 3]) or a range ({ from = 1, to = 9, step = 2 }, the step "
                "left out only in a latin_hypercube)")
ELEMENT_KINDS = "each value in a factor's list is a number, true/false or text"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Range(_Strict):
    """``{ from = a, to = b, step = s }``: a to b inclusive in steps of s. Without a step, a
    continuous range (only for Latin hypercube designs; whole numbers if both ends are)."""

    # Strict: a number, never text or true/false that happens to convert ("0" would pass as 0).
    start: float = Field(alias="from", strict=True)
    stop: float = Field(alias="to", strict=True)
    """Finite (checked below with a message naming both ends)."""
    step: Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not math.isfinite(self.stop - self.start):  # also NaN or infinite ends
            raise ValueError(f"from = {self.start:g} and to = {self.stop:g} must be finite numbers a finite "
                             "distance apart")
        if self.stop < self.start:
            raise ValueError(f"the range is inverted: from = {self.start:g} is above to = {self.stop:g}")
        if self.step is not None and (self.stop - self.start) / self.step > 10_000:
            raise ValueError(f"from {self.start:g} to {self.stop:g} in steps of {self.step:g} gives over "
                             "10,000 values; use a larger step")
        return self

    @property
    def whole(self) -> bool:
        return all(float(v).is_integer() for v in (self.start, self.stop, self.step or 1.0))

    def values(self) -> list[Scalar]:
        if self.step is None:
            raise ValueError("needs a step (only a Latin hypercube design samples a range without one)")
        count = int(math.floor((self.stop - self.start) / self.step + 1e-9)) + 1
        values = [self.start + i * self.step for i in range(count)]
        return [int(round(v)) for v in values] if self.whole else [round(v, 12) for v in values]

    def at(self, u: float) -> Scalar:
        """The value at quantile ``u`` in [0, 1) of the range (for Latin hypercube samples)."""
        if self.step is not None:
            values = self.values()
            return values[min(int(u * len(values)), len(values) - 1)]
        value = self.start + u * (self.stop - self.start)
        return int(math.floor(value + 0.5)) if self.whole else value


Factor = Annotated[list[Scalar], Field(min_length=1)] | Range


class Replications(_Strict):
    """A fixed ``count``, or enough to bring the 95% CI half-width of ``kpi`` (in ``area``) below
    ``half_width_pct`` % of its mean in every configuration, between ``min`` and ``max``."""

    count: Annotated[int, Field(ge=1, le=10_000, strict=True)] | None = None
    kpi: str | None = None
    area: str = ALL
    half_width_pct: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    min: Annotated[int, Field(ge=2, le=10_000, strict=True)] = 5
    max: Annotated[int, Field(ge=2, le=10_000, strict=True)] = 30

    @model_validator(mode="after")
    def _one_rule(self) -> Replications:
        adaptive = self.kpi is not None or self.half_width_pct is not None
        if self.count is not None and adaptive:
            raise ValueError("give either count, or kpi with half_width_pct, not both")
        if self.count is None and not adaptive:
            raise ValueError("give count (a fixed number) or kpi with half_width_pct (until precise)")
        if adaptive:
            if self.kpi is None or self.half_width_pct is None:
                raise ValueError("an adaptive rule needs both kpi and half_width_pct")
            if self.kpi not in KPI_BY_NAME:
                hint = difflib.get_close_matches(self.kpi, list(KPI_BY_NAME), n=1)
                raise ValueError(f"kpi = {self.kpi!r} is not a KPI"
                                 + (f" (did you mean '{hint[0]}'?)" if hint else "; see 'dorothy kpis'"))
            if self.max < self.min:
                raise ValueError(f"max = {self.max} is below min = {self.min}")
        return self

    @property
    def adaptive(self) -> bool:
        return self.count is None

    @property
    def initial(self) -> int:
        return self.count if self.count is not None else self.min

    @property
    def cap(self) -> int:
        return self.count if self.count is not None else self.max


class SweepSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
    label: Annotated[str, Field(max_length=120)] = ""  # shown in headers and reports ("Winter push")
    description: str = ""
    scenario: str = "kent_medway"
    seed: Annotated[int, Field(ge=0, le=2**32 - 1, strict=True)] = 1
    design: Literal["grid", "one_at_a_time", "latin_hypercube"] = "grid"
    points: Annotated[int, Field(ge=1, le=10_000, strict=True)] | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    baseline: dict[str, Any] = Field(default_factory=dict)
    factors: Annotated[dict[str, Factor], Field(min_length=1)]
    replications: Replications = Replications(count=5)

    @model_validator(mode="after")
    def _design_fits(self) -> SweepSpec:
        for path, factor in self.factors.items():
            if isinstance(factor, list):
                for index, value in enumerate(factor):
                    if isinstance(value, float) and math.isnan(value):
                        raise FieldRule((f"factors.{path}.{index}",), (
                            f"nan (not a number) cannot be a factor's value; {ELEMENT_KINDS}"))
        if self.design == "latin_hypercube":
            if self.points is None:
                raise ValueError("design = 'latin_hypercube' needs points = <number of samples>")
        elif self.points is not None:
            raise ValueError(f"points applies only to design = 'latin_hypercube', not '{self.design}'")
        if self.design != "latin_hypercube":
            for path, factor in self.factors.items():
                if isinstance(factor, Range) and factor.step is None:
                    raise ValueError(f"factor '{path}' is a range without a step; give step = ... "
                                     "(only a latin_hypercube design samples a continuous range)")
        return self


@dataclass(frozen=True)
class Configuration:
    """One point of the design. ``values`` holds every factor's value (baseline values for the
    factors this point does not move); ``overrides`` is what is applied to the baseline scenario."""

    id: int
    label: str
    values: dict[str, Any]
    overrides: dict[str, Any]
    in_design: bool


@dataclass(frozen=True)
class Plan:
    """A spec resolved against its scenario: the baseline, the configurations and the spec hash."""

    spec: SweepSpec
    source: str
    baseline: Scenario
    configurations: tuple[Configuration, ...]
    scenarios: tuple[Scenario, ...]
    spec_hash: str

    @property
    def factors(self) -> list[str]:
        return list(self.spec.factors)

    def manifest(self) -> dict[str, Any]:
        return {
            "spec": self.spec.model_dump(mode="json", by_alias=True),
            "spec_hash": self.spec_hash,
            "source": self.source,
            "dorothy_sim_version": __version__,
            "first_seed": self.spec.seed,
            "seed_rule": f"replication r of every configuration uses seed {self.spec.seed} + r",
            "configurations": [
                {"id": c.id, "label": c.label, "values": c.values, "overrides": c.overrides,
                 "in_design": c.in_design} for c in self.configurations],
        }


# --------------------------------------------------------------------------- loading


def read_spec_file(path: Path, kind: str) -> tuple[dict[str, Any], str]:
    """A spec file's TOML as a dict, and its text (for the lines of later errors); a missing file, a
    TOML syntax error or a binary file is a :class:`SpecError` naming the file (``kind``: "sweep spec",
    "psa spec")."""
    if not path.is_file():
        raise SpecError(f"{kind} '{path}' does not exist (give the path to a .toml file)")
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(describe_decode_error(str(path), exc, text)) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not a text file ({exc})") from None


def load_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read and validate a spec file; errors name the file, the line, the field, the value and what
    is allowed."""
    path = Path(path)
    data, text = read_spec_file(path, "sweep spec")
    return spec_from_dict(data, source=str(path), text=text), path


def spec_from_dict(data: dict[str, Any], source: str = "sweep spec", *, text: str | None = None) -> SweepSpec:
    """Validate a spec given as a dict (the Python API's way in). Nested tables under ``factors``,
    ``set`` and ``baseline`` are flattened to dotted paths, so both TOML spellings work; a path
    spelt both ways is refused, as is a factor that ``[set]`` also fixes. ``text``, the file the
    dict was read from, lets messages give line numbers."""
    def refuse_factors_in_set(data: dict[str, Any], lines: _Lines) -> None:
        if isinstance(data.get("factors"), dict) and isinstance(data.get("set"), dict):
            _refuse_factors_in_set(data["factors"], data["set"], lines)

    return validate_spec(SweepSpec, data, source, text, ("factors", "set", "baseline"), "sweep spec",
                         refuse_factors_in_set)


def validate_spec(model: type[_Strict], data: Any, source: str, text: str | None, tables: tuple[str, ...],
                  kind: str, check: Callable[[dict[str, Any], _Lines], None] | None = None) -> Any:
    """A spec given as a dict, validated as ``model``: the nested ``tables`` flattened to dotted
    paths (both TOML spellings work), then ``check(data, lines)`` if given; every error a
    :class:`SpecError` naming the field (``kind``: "sweep spec", "psa spec")."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a {kind} is a table of fields (a dict), not {type(data).__name__}")
    lines = _Lines(source, text)
    data = dict(data)
    for table in tables:
        if isinstance(data.get(table), dict):
            data[table] = _flatten(data[table], table, lines)
    if check is not None:
        check(data, lines)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_describe(exc, lines, data)) from None


class _Lines:
    """Where a spec's keys are written (file and line), for messages; no lines without the text."""

    def __init__(self, source: str, text: str | None) -> None:
        self.source = source
        self._text = text
        self._lines: dict[str, int] | None = None

    def line(self, dotted: str) -> int | None:
        """The line of a key given as its dotted path (either spelling: ``"a.b" = 1`` or ``a.b = 1``),
        or of the nearest enclosing table written in the file."""
        if self._lines is None:  # scanned only when there is an error to report
            self._lines = dotted_lines(key_lines(self._text)) if self._text else {}
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            found = self._lines.get(".".join(parts[:end]))
            if found is not None:
                return found
        return None

    def spelt(self, keys: tuple[str, ...]) -> str:
        """A key path as the file spells it (quoted or dotted), with its line if known."""
        line = key_lines(self._text).get(keys) if self._text else None
        return _spelling(keys) + (f" (line {line})" if line else "")

    def at(self, dotted: str | None = None) -> str:
        """``FILE, line N`` for a key, or just ``FILE``."""
        line = self.line(dotted) if dotted else None
        return f"{self.source}, line {line}" if line else self.source


def _flatten(table: dict[str, Any], name: str, lines: _Lines) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (a factor's range table stays whole). A path reached
    twice (a quoted ``"a.b"`` and a nested ``a.b``) is an error: silently keeping one would run a
    sweep other than the one written."""
    flat: dict[str, Any] = {}
    spelt: dict[str, tuple[str, ...]] = {}

    def walk(node: dict[str, Any], keys: tuple[str, ...]) -> None:
        for key, value in node.items():
            here = (*keys, str(key))
            if isinstance(value, dict) and not (name == "factors" and set(value) & RANGE_KEYS):
                walk(value, here)
                continue
            path = ".".join(here)
            if path in spelt:
                first, second = (lines.spelt((name, *keys)) for keys in (spelt[path], here))
                what = "factor" if name == "factors" else f"[{name}] path"
                raise SpecError(
                    f"{lines.source}: {what} '{path}' is given twice, as {first} and as {second}; both "
                    "spell the same path: give it once")
            spelt[path] = here
            flat[path] = value

    walk(table, ())
    return flat


def _spelling(keys: tuple[str, ...]) -> str:
    """A key path as TOML writes it, quoting any key that is not bare (``factors."a.b"``)."""
    bare = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return ".".join(k if k and set(k) <= bare else json.dumps(k) for k in keys)


def _refuse_factors_in_set(factors: dict[str, Any], fixed: dict[str, Any], lines: _Lines) -> None:
    """A factor that ``[set]`` also fixes is a contradiction: [set] is applied to every configuration,
    then the factor would override it (or the other way round), so one of them is not what runs."""
    for path in factors:
        for other in fixed:
            if path == other or path.startswith(f"{other}.") or other.startswith(f"{path}."):
                line = lines.line(f"set.{other}")
                raise SpecError(
                    f"{lines.at(f'factors.{path}')}: factor '{path}' is also fixed in [set] "
                    f"('{other}' = {fixed[other]!r}{f', line {line}' if line else ''}); a factor is varied "
                    "by the sweep while [set] fixes a value for every configuration: remove it from one "
                    "of them (to give the factor's baseline value, use [baseline])")


def _describe(exc: ValidationError, lines: _Lines, data: dict[str, Any]) -> str:
    problems: list[tuple[int | None, str, str]] = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        # A factor is a list or a Range: pydantic reports both branches' failures. Keep the branch the
        # value was written as, and word a wrong kind once.
        if len(loc) >= 3 and loc[0] == "factors" and loc[2].startswith(("list[", "function-after")):
            written = data["factors"].get(loc[1]) if isinstance(data.get("factors"), dict) else None
            is_list_branch = loc[2].startswith("list[")
            if isinstance(written, dict if is_list_branch else list):
                continue
            if err["type"] in ("list_type", "model_type"):
                err = {**err, "msg": f"a factor is {FACTOR_KINDS}"}
            elif is_list_branch and err["type"] in ("int_type", "float_type", "bool_type", "string_type"):
                err = {**err, "msg": ELEMENT_KINDS}
                loc = loc[:4]  # not the scalar type pydantic tried last ('factors.x.0.str')
        # pydantic names the union branch it tried (list[...] or Range); the user needs the path.
        loc = [p for p in loc if p not in ("Range", "list[union[int,float,bool,str]]")
               and not p.startswith(("list[", "function-after"))]
        rule = (err.get("ctx") or {}).get("error")
        if isinstance(rule, FieldRule):
            loc = rule.fields[0].split(".")
        dotted = ".".join(loc) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            siblings = _spec_fields(loc[:-1])
            hint = difflib.get_close_matches(loc[-1], siblings, n=1)
            suggestion = f"; did you mean '{'.'.join(loc[:-1] + [hint[0]])}'?" if hint else ""
            text = f"unknown field '{dotted}'{suggestion}; allowed here: {', '.join(siblings)}"
        elif err["type"] == "missing":
            text = f"field '{dotted}' is required but missing"
        elif isinstance(rule, FieldRule) or (isinstance(err.get("input"), dict)
                                             and err["type"] == "value_error"):
            text = f"'{dotted}': {message}"
        else:
            if err["type"] == "finite_number":
                message += " (NaN and infinity are not allowed here)"
            text = f"field '{dotted}' = {err.get('input')!r}: {message}"
        problems.append((lines.line(dotted) if loc else None, "", text))
    return compose(lines.source, "sweep spec", list(dict.fromkeys(problems)))


def _spec_fields(loc: list[str]) -> list[str]:
    if not loc:
        return sorted(SweepSpec.model_fields)
    if loc == ["replications"]:
        return sorted(Replications.model_fields)
    if len(loc) == 2 and loc[0] == "factors":
        return ["from", "step", "to"]
    return []


# --------------------------------------------------------------------------- planning


def plan(spec: SweepSpec, spec_path: Path | None = None) -> Plan:
    """Resolve the scenario, build the baseline and every configuration (each validated)."""
    source = str(spec_path) if spec_path is not None else f"sweep spec '{spec.name}'"
    lines = _Lines(source, _text_of(spec_path))
    scenario_ref = spec.scenario
    if spec_path is not None and (scenario_ref.endswith(".toml") or "/" in scenario_ref):
        candidate = Path(scenario_ref)
        scenario_ref = str(candidate if candidate.is_absolute() else spec_path.parent / candidate)
    try:
        base = load_scenario(scenario_ref)
    except ScenarioError as exc:
        raise SpecError(f"{lines.at('scenario')}: scenario = {spec.scenario!r}: {exc}") from None
    try:
        base = base.with_overrides(dict(spec.set), source="[set]") if spec.set else base
    except ScenarioError as exc:
        raise SpecError(f"{lines.at(_culprit('set', spec.set, exc))}: [set]: {exc.detail}") from None
    try:
        baseline = base.with_overrides(dict(spec.baseline), source="[baseline]") if spec.baseline else base
    except ScenarioError as exc:
        where = lines.at(_culprit("baseline", spec.baseline, exc))
        raise SpecError(f"{where}: [baseline]: {exc.detail}") from None
    rule = spec.replications
    if rule.adaptive and rule.area not in [*baseline.icps, ALL]:
        raise SpecError(f"{lines.at('replications.area')}: replications.area = {rule.area!r} is not an area "
                        f"of the scenario; allowed: {', '.join([*baseline.icps, ALL])}")
    baseline_values = {path: _read(baseline, path, lines) for path in spec.factors}
    points = _design_points(spec, baseline_values, lines)

    # Points are told apart by the scenario they make, not by how their values are written
    # (4 and 4.0 are one configuration), and a point that makes the baseline is the baseline.
    configurations = [Configuration(0, "baseline", baseline_values, {}, False)]
    scenarios = [baseline]
    seen = {_key(baseline): 0}
    for values in points:
        overrides = {path: value for path, value in values.items() if value != baseline_values[path]}
        shown = overrides if spec.design == "one_at_a_time" else values
        label = ", ".join(f"{path}={_fmt(value)}" for path, value in shown.items())
        try:
            scenario = baseline.with_overrides(overrides) if overrides else baseline
        except ScenarioError as exc:
            key = _culprit("factors", overrides, exc)
            path = key.removeprefix("factors.") if key else ""
            factor = spec.factors.get(path)
            if isinstance(factor, list):  # the line of the value itself, in a list written over lines
                value = _fmt(overrides[path])
                key += next((f".{i}" for i, v in enumerate(factor) if _fmt(v) == value), "")
            raise SpecError(f"{lines.at(key)}: the configuration {label} is not a valid scenario: "
                            f"{exc.detail}") from None
        key = _key(scenario)
        if key in seen:
            if seen[key] == 0:
                configurations[0] = replace(configurations[0], in_design=True)
            continue
        seen[key] = len(configurations)
        configurations.append(Configuration(len(configurations), label, values, overrides, True))
        scenarios.append(scenario)
    # The replication rule is left out of the hash: runs are keyed by configuration and replication
    # (seed = spec.seed + replication), so asking for more replications reuses every finished run.
    # So are the labels, which are only shown.
    digest = hashlib.sha256(json.dumps(
        {"spec": spec.model_dump(mode="json", by_alias=True, exclude={"replications", "label"}),
         "baseline": baseline.model_dump(mode="json", exclude={"label"}),
         "configurations": [c.overrides for c in configurations]},
        sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Plan(spec, source, baseline, tuple(configurations), tuple(scenarios), digest)


def _text_of(spec_path: Path | None) -> str | None:
    """The spec file's text, for line numbers in messages (none if it cannot be read now)."""
    try:
        return spec_path.read_text(encoding="utf-8") if spec_path is not None else None
    except (OSError, UnicodeDecodeError):
        return None


def _culprit(table: str, given: dict[str, Any], exc: ScenarioError) -> str | None:
    """The spec key (``table.path``) whose value a scenario error is about, to give its line."""
    for field in exc.fields:
        for path in given:
            if field == path or field.startswith(f"{path}.") or path.startswith(f"{field}."):
                return f"{table}.{path}"
    return f"{table}.{next(iter(given))}" if len(given) == 1 else None


def _read(scenario: Scenario, path: str, lines: _Lines) -> Any:
    """The baseline's value at a factor path; unknown paths get the scenario loader's hint."""
    try:
        value = scenario.value_at(path, source=f"{lines.at(f'factors.{path}')}: factor '{path}'")
    except ScenarioError as exc:
        raise SpecError(str(exc)) from None
    if isinstance(value, dict):
        raise SpecError(f"{lines.at(f'factors.{path}')}: factor '{path}' is a table, not a value; name one "
                        f"of its fields: {', '.join(sorted(value))}")
    return value


def _design_points(spec: SweepSpec, baseline: dict[str, Any], lines: _Lines) -> list[dict[str, Any]]:
    paths = list(spec.factors)
    if spec.design == "latin_hypercube":
        assert spec.points is not None
        sample = qmc.LatinHypercube(d=len(paths), seed=np.random.default_rng(spec.seed)).random(spec.points)
        return [{path: _value_at(spec.factors[path], u) for path, u in zip(paths, row, strict=True)}
                for row in sample]
    lists = {path: _values(factor) for path, factor in spec.factors.items()}
    for path, values in lists.items():
        if len(set(map(_fmt, values))) != len(values):
            raise SpecError(f"{lines.at(f'factors.{path}')}: factor '{path}' lists a value twice: {values}")
    if spec.design == "grid":
        size = math.prod(len(v) for v in lists.values())
        if size > 10_000:
            raise SpecError(f"{lines.at('factors')}: the grid has {size:,} points (over 10,000); use fewer "
                            "values, a one_at_a_time design or a latin_hypercube")
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*lists.values())]
    return [{**baseline, path: value} for path in paths for value in lists[path]]


def _values(factor: list[Scalar] | Range) -> list[Scalar]:
    return factor.values() if isinstance(factor, Range) else list(factor)


def _value_at(factor: list[Scalar] | Range, u: float) -> Scalar:
    if isinstance(factor, Range):
        return factor.at(u)
    return factor[min(int(u * len(factor)), len(factor) - 1)]


def _key(scenario: Scenario) -> str:
    return json.dumps(scenario.model_dump(mode="json"), sort_keys=True, default=str)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as TOML writes it
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
