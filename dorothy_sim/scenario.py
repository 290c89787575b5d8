"""The scenario: one validated, immutable object that holds every parameter of the model.

Why one object: a sweep, a comparison or a report must be able to say exactly what was run.
The model reads this object and nothing else. Scenarios are TOML files; an embedded scenario
may ``extends = "<name>"`` another, so ``kent_medway.toml`` is the single place where the Kent and
Medway figures (and their sources) live. Any field can be overridden by its dotted path
(``rapid_response.clinicians=12``), which is how the command line and sweeps change a scenario.

Capacities are totals for the whole modelled area; they are shared between the integrated care
partnerships (ICPs) by the largest-remainder method in proportion to each ICP's cohort size, or to
a service's ``allocation`` weights when given (see :func:`apportion`).
"""

from __future__ import annotations

import copy
import difflib
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from dorothy_sim.errors import ScenarioError

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Capacity = Annotated[int, Field(ge=0, strict=True)]
Ratio = Annotated[float, Field(ge=1.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=1, strict=True)]
MAX_REGISTERED_POPULATION = 20_000_000
"""Capacities are whole numbers; strict, so ``true`` is not read as 1."""


class FrozenDict(dict):
    """A dict that cannot be changed after validation, so a frozen Scenario is frozen all the way
    down (its tables cannot be edited behind the validator's back)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("scenario tables are immutable; use Scenario.with_overrides()")

    __setitem__ = __delitem__ = __ior__ = _refuse  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __deepcopy__(self, memo: dict) -> FrozenDict:
        return FrozenDict(copy.deepcopy(dict(self), memo))


def _freeze(value: dict) -> FrozenDict:
    return FrozenDict(value)


def Frozen(mapping: Any) -> Any:  # noqa: N802 - reads as a type in annotations
    """``Frozen(dict[K, V])``: the validated dict, made immutable."""
    return Annotated[mapping, AfterValidator(_freeze)]

FRAILTY_LEVELS: tuple[str, ...] = ("mild", "moderate", "severe")
CRISIS_TYPES: tuple[str, ...] = ("fall", "infection", "exacerbation", "carer_breakdown", "delirium")
PATHWAYS: tuple[int, ...] = (0, 1, 2, 3)


class _Section(BaseModel):
    """Base of every scenario section: immutable, and unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ByFrailty(_Section):
    """A value for each frailty level of the modelled cohort (eFI mild / moderate / severe)."""

    mild: NonNegative
    moderate: NonNegative
    severe: NonNegative

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.mild, self.moderate, self.severe)


class ProbByFrailty(ByFrailty):
    mild: Probability
    moderate: Probability
    severe: Probability


class ByCrisisType(_Section):
    fall: NonNegative
    infection: NonNegative
    exacerbation: NonNegative
    carer_breakdown: NonNegative
    delirium: NonNegative

    def as_tuple(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in CRISIS_TYPES)


class ProbByCrisisType(ByCrisisType):
    fall: Probability
    infection: Probability
    exacerbation: Probability
    carer_breakdown: Probability
    delirium: Probability


class LogNormal(_Section):
    """A lognormal duration given by its mean and coefficient of variation (easier to source
    than mu and sigma); ``cv = 0`` gives a fixed duration, ``exponential = true`` an exponential
    with that mean (used to configure stations as M/M/c queues for verification)."""

    mean: Positive
    cv: NonNegative = 0.0
    exponential: bool = False
    max: Positive | None = None

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def mu(self) -> float:
        return math.log(self.mean) - 0.5 * self.sigma**2


class Run(_Section):
    warmup_days: NonNegative
    results_days: Positive
    start_day_of_year: Annotated[float, Field(ge=0.0, lt=365.0)] = 0.0


class Icp(_Section):
    """One integrated care partnership and its acute trust."""

    label: str
    registered_population: Annotated[int, Field(ge=1, le=MAX_REGISTERED_POPULATION, strict=True)]
    """At most 20 million (an integrated care board registers a few million at most): a typo such as 10^9
    would otherwise try to build a cohort that fills the machine's memory before any error."""
    acute_trust: str
    acute_beds: Annotated[int, Field(ge=1, strict=True)]
    """At least one: an ICP's trust must have beds (background demand alone needs them)."""
    escalation_beds: Capacity = 0
    background_admissions_per_day: NonNegative


class Population(_Section):
    share_65_plus: Probability
    frailty_shares_65_plus: Frozen(dict[Literal["fit", "mild", "moderate", "severe"], Probability])
    share_80_plus: Probability
    share_65_69: Probability
    lives_alone: Probability
    dementia: ProbByFrailty

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Population:
        if self.share_80_plus + self.share_65_69 > 1.0:
            raise ValueError(
                f"population.share_80_plus + share_65_69 must be at most 1 "
                f"(they sum to {self.share_80_plus + self.share_65_69:.4f}); the rest are 70-79")
        total = sum(self.frailty_shares_65_plus.values())
        if abs(total - 1.0) > 1e-6 or len(self.frailty_shares_65_plus) != 4:
            raise ValueError(
                "frailty_shares_65_plus must give fit, mild, moderate and severe shares summing "
                f"to 1 (they sum to {total:.4f})"
            )
        return self


class Crises(_Section):
    rate_per_year: ByFrailty
    rate_ratio_80_plus: Ratio
    rate_ratio_lives_alone: Ratio
    rate_ratio_dementia: Ratio
    mix: ByCrisisType
    winter_peak: Annotated[float, Field(ge=0.0, lt=1.0)]
    peak_day_of_year: Annotated[float, Field(ge=0.0, lt=365.0)]
    hourly_profile: Annotated[tuple[NonNegative, ...], Field(min_length=24, max_length=24)]
    death_rate_per_year: ByFrailty
    post_discharge_death_ratio: Ratio
    post_discharge_days: Positive
    ltc_entry_rate_per_year: ByFrailty

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> Crises:
        total = sum(self.mix.as_tuple())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"crises.mix must sum to 1 (it sums to {total:.4f})")
        if max(self.hourly_profile) <= 0:
            raise ValueError("crises.hourly_profile needs at least one positive hour")
        return self


class _Service(_Section):
    allocation: Frozen(dict[str, NonNegative]) | None = None


class SinglePointOfAccess(_Section):
    enabled: bool
    rr_routing_share_on: Probability
    rr_routing_share_off: Probability
    package_start_delay_days_on: NonNegative
    package_start_delay_days_off: NonNegative


class RapidResponse(_Service):
    clinicians: Capacity
    shift_start_hour: Annotated[float, Field(ge=0.0, le=24.0)]
    shift_end_hour: Annotated[float, Field(ge=0.0, le=24.0)]
    response_window_hours: Annotated[float, Field(ge=0.0)]
    """May be ``inf`` (no window: infinite patience, for M/M/c verification)."""
    visit_hours: LogNormal
    p_treated_at_home: ProbByCrisisType
    p_step_up_reablement: Probability
    p_mdt_referral: Probability

    @model_validator(mode="after")
    def _shift_has_hours(self) -> RapidResponse:
        if self.shift_start_hour == self.shift_end_hour:
            raise ValueError(
                "rapid_response.shift_start_hour and shift_end_hour are equal; use 0 and 24 for a "
                "24-hour service, or start > end for an overnight shift"
            )
        return self


class EmergencyDepartment(_Section):
    hours_in_department: LogNormal
    p_admit: ProbByFrailty
    p_mdt_referral_not_admitted: Probability


class ExpertOpinion(_Section):
    enabled: bool
    admission_reduction: Probability
    rr_treated_at_home_gain: Probability


class Acute(_Section):
    treatment_days: Frozen(dict[Literal["mild", "moderate", "severe"], LogNormal])
    p_death_in_hospital: ProbByFrailty
    los_cap_days: Positive | None = None
    background_los: LogNormal
    escalation_check_hours: Positive
    escalation_open_when_waiting: Capacity


class DischargePlanning(_Service):
    coordinators: Capacity
    cases_per_coordinator: Count
    proactive_share: Probability
    assessment_days_simple: LogNormal
    assessment_days_complex: LogNormal
    arrangement_days_complex: LogNormal
    ward_led_delay_factor: Ratio
    pathway_shares: Frozen(dict[
        Literal["mild", "moderate", "severe"],
        Annotated[tuple[Probability, ...], Field(min_length=4, max_length=4)],
    ])
    p1_reablement_share: Probability
    p_mdt_referral: Probability

    @model_validator(mode="after")
    def _pathways_sum_to_one(self) -> DischargePlanning:
        for level, shares in self.pathway_shares.items():
            if abs(sum(shares) - 1.0) > 1e-6:
                raise ValueError(
                    f"discharge.pathway_shares.{level} must sum to 1 (it sums to {sum(shares):.4f})"
                )
        return self


class Reablement(_Service):
    places: Capacity
    episode_days: LogNormal
    p_independent: Probability
    at_home_check_days: Positive


class HomeCare(_Service):
    packages: Capacity
    package_days: LogNormal
    crisis_rate_reduction: Probability
    initial_occupancy: Probability


class CommunityBeds(_Service):
    beds: Capacity
    stay_days: LogNormal
    p_care_home: Probability
    p_death: Probability


class CareHomes(_Service):
    placements_per_week: Capacity


class Mdt(_Service):
    cases_per_week: Capacity
    meetings_per_week: Annotated[int, Field(ge=1, le=7, strict=True)]
    referral_expiry_days: Positive
    risk_referral_rate_per_year: ByFrailty
    care_plan_days: Positive
    crisis_rate_reduction: Probability
    admission_reduction: Probability


class FallsPrevention(_Service):
    places_per_year: Capacity
    programme_effect_days: Positive
    falls_rate_ratio: Annotated[float, Field(gt=0.0, le=1.0)]


class MentalHealthLiaison(_Service):
    staff: Capacity
    cases_per_staff: Count
    los_reduction: Probability
    care_home_reduction: Probability


class Costs(_Section):
    price_year: str
    acute_bed_day: NonNegative
    non_elective_admission: NonNegative
    ed_attendance: NonNegative
    rr_visit: NonNegative
    rr_clinician_post_per_year: NonNegative
    reablement_day: NonNegative
    home_care_day: NonNegative
    community_bed_day: NonNegative
    care_home_week: NonNegative
    mdt_review: NonNegative
    discharge_coordinator_per_year: NonNegative
    mh_liaison_staff_per_year: NonNegative
    falls_prevention_place: NonNegative


SERVICE_SECTIONS: tuple[str, ...] = (
    "rapid_response",
    "discharge",
    "reablement",
    "home_care",
    "community_beds",
    "care_homes",
    "mdt",
    "falls_prevention",
    "mh_liaison",
)


class Scenario(_Section):
    """Every parameter of one model run. Build it with :func:`load_scenario`."""

    name: str
    description: str = ""
    run: Run
    icps: Frozen(dict[str, Icp])
    population: Population
    crises: Crises
    spa: SinglePointOfAccess
    rapid_response: RapidResponse
    ed: EmergencyDepartment
    expert_opinion: ExpertOpinion
    acute: Acute
    discharge: DischargePlanning
    reablement: Reablement
    home_care: HomeCare
    community_beds: CommunityBeds
    care_homes: CareHomes
    mdt: Mdt
    falls_prevention: FallsPrevention
    mh_liaison: MentalHealthLiaison
    costs: Costs

    @model_validator(mode="after")
    def _allocations_name_icps(self) -> Scenario:
        if not self.icps:
            raise ValueError("icps: at least one ICP is needed")
        for section in SERVICE_SECTIONS:
            allocation = getattr(self, section).allocation
            if allocation is None:
                continue
            unknown = set(allocation) - set(self.icps)
            if unknown:
                raise ValueError(
                    f"{section}.allocation names unknown ICP(s) {sorted(unknown)}; "
                    f"ICPs are {sorted(self.icps)}"
                )
        return self

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="python")

    def value_at(self, path: str, source: str = "--set") -> Any:
        """The value at a dotted path (``None`` for an optional field left unset). An unknown path
        raises :class:`ScenarioError` with the same "did you mean" hint as an override would."""
        data = self.to_dict()
        probe = copy.deepcopy(data)
        _set_dotted(probe, path, None, source=source)
        node: Any = data
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        return node

    def with_overrides(self, overrides: dict[str, Any] | list[str]) -> Scenario:
        """A new scenario with dotted-path overrides applied and everything revalidated."""
        data = self.to_dict()
        items = parse_assignments(overrides) if isinstance(overrides, list) else overrides
        for path, value in items.items():
            _set_dotted(data, path, value, source="--set")
        return _validate(data, source=f"scenario '{self.name}' with overrides")


# --------------------------------------------------------------------------- loading


def embedded_scenarios() -> list[str]:
    """Names of the scenarios shipped inside the package."""
    folder = resources.files("dorothy_sim.scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _read_toml(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    """Read a scenario file (a path) or an embedded scenario (a name), following ``extends``."""
    text, source = _scenario_text(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or parent not in embedded_scenarios():
            raise ScenarioError(
                f"{source}: extends = {parent!r} is not an embedded scenario; "
                f"allowed: {', '.join(embedded_scenarios())}"
            )
        base, _ = _read_toml(parent)
        data = _deep_merge(base, data)
    return data, source


def _scenario_text(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in str(name_or_path):
        if not path.is_file():
            raise ScenarioError(f"scenario file '{path}' does not exist")
        return path.read_text(encoding="utf-8"), str(path)
    names = embedded_scenarios()
    if str(name_or_path) not in names:
        hint = difflib.get_close_matches(str(name_or_path), names, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ScenarioError(
            f"unknown scenario name '{name_or_path}'{suggestion}; embedded scenarios: "
            f"{', '.join(names)}; or give a path to a .toml file"
        )
    text = resources.files("dorothy_sim.scenarios").joinpath(f"{name_or_path}.toml").read_text(
        encoding="utf-8"
    )
    return text, f"embedded scenario '{name_or_path}'"


def load_scenario(
    name_or_path: str | Path = "kent_medway",
    overrides: dict[str, Any] | list[str] | None = None,
) -> Scenario:
    """Load an embedded scenario by name, or a TOML file by path, then apply dotted overrides.

    ``overrides`` is either ``{"rapid_response.clinicians": 12}`` or ``["rapid_response.clinicians=12"]``.
    Raises :class:`ScenarioError` with a message that names the file, the field, the value and what
    is allowed.
    """
    data, source = _read_toml(name_or_path)
    if overrides:
        items = parse_assignments(overrides) if isinstance(overrides, list) else overrides
        for path, value in items.items():
            _set_dotted(data, path, value, source="--set")
        source = f"{source} with overrides {', '.join(f'{k}={v!r}' for k, v in items.items())}"
    return _validate(data, source=source)


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """Parse ``PATH=VALUE`` strings; VALUE is read as TOML (numbers, booleans, lists), else text."""
    parsed: dict[str, Any] = {}
    for item in assignments:
        if "=" not in item:
            raise ScenarioError(f"--set '{item}': expected PATH=VALUE, e.g. rapid_response.clinicians=12")
        path, raw = (part.strip() for part in item.split("=", 1))
        if not path:
            raise ScenarioError(f"--set '{item}': the dotted path before '=' is empty")
        parsed[path] = _parse_value(raw)
    return parsed


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


_REPLACED_TABLES = {"icps", "allocation"}
"""Tables keyed by ICP name: a scenario that extends another replaces them whole, never merges."""


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if (
            isinstance(value, dict)
            and isinstance(merged.get(key), dict)
            and key not in _REPLACED_TABLES
        ):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _set_dotted(data: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set ``data[a][b][c] = value`` for path ``a.b.c``; unknown keys are errors with a hint.

    A last key that the file leaves out but the schema knows (an optional field such as
    ``acute.los_cap_days``) may be set; anything else unknown is refused here, before validation.
    """
    keys = path.split(".")
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        if isinstance(node, dict) and key in node and not isinstance(node[key], dict):
            raise ScenarioError(
                f"{source}: '{'.'.join(keys[: depth + 1])}' is a value ({node[key]!r}), not a table, "
                f"so '{path}' cannot be set; set '{'.'.join(keys[: depth + 1])}' itself")
        if not isinstance(node, dict) or key not in node:
            _raise_unknown(node, keys[: depth + 1], source, value, rest=keys[depth + 1:])
        node = node[key]
    last = keys[-1]
    if last not in node and last not in _allowed_fields(keys[:-1]):
        _raise_unknown(node, keys, source, value)
    node[last] = value


def _raise_unknown(node: Any, walked: list[str], source: str, value: Any,
                   rest: list[str] | None = None) -> None:
    options = sorted(node) if isinstance(node, dict) else []
    hint = difflib.get_close_matches(walked[-1], options, n=1)
    suggestion = (f"; did you mean '{'.'.join(walked[:-1] + [hint[0]] + (rest or []))}'?"
                  if hint else "")
    allowed = f"; allowed here: {', '.join(options)}" if options and not hint else ""
    raise ScenarioError(
        f"{source}: unknown field '{'.'.join(walked)}' (value {value!r}){suggestion}{allowed}"
    )


def _validate(data: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_describe_validation_error(exc, data, source)) from None


def _describe_validation_error(exc: ValidationError, data: dict[str, Any], source: str) -> str:
    lines = [f"{source}: invalid scenario ({exc.error_count()} problem(s))"]
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        dotted = ".".join(loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            siblings = _allowed_fields(loc[:-1])
            hint = difflib.get_close_matches(loc[-1], siblings, n=1)
            suggestion = f"; did you mean '{'.'.join(loc[:-1] + [hint[0]])}'?" if hint else ""
            allowed = f" Allowed here: {', '.join(siblings)}" if siblings and not hint else ""
            lines.append(f"  - unknown field '{dotted}'{suggestion}{allowed}")
        elif err["type"] == "missing":
            lines.append(f"  - field '{dotted}' is required but missing")
        elif isinstance(err.get("input"), dict):
            # a rule across several fields (shares summing to 1...): the message names them
            lines.append(f"  - '{dotted}': {err['msg'].removeprefix('Value error, ')}")
        else:
            value = err.get("input")
            lines.append(f"  - field '{dotted}' = {value!r}: {err['msg']}")
    return "\n".join(lines)


def _allowed_fields(loc: list[str]) -> list[str]:
    """Field names the schema allows at a location (for 'did you mean' hints)."""
    model: Any = Scenario
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        # A key that is not a field is an entry of a dict[str, Model] (icps.east_kent): the
        # model stays the dict's value model.
        if part in fields:
            model = _model_in(fields[part].annotation)
        if model is None:
            return []
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields else []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- helpers


def apportion(total: int, weights: list[float]) -> list[int]:
    """Share an integer capacity between areas in proportion to weights (largest remainder).

    Why: commissioners buy a total; each ICP's station needs a whole number, and the parts must
    add up to exactly the total so a sweep over the total is honest.
    """
    if total <= 0 or not weights or sum(weights) <= 0:
        return [0] * len(weights)
    quotas = [total * w / sum(weights) for w in weights]
    floors = [math.floor(q) for q in quotas]
    remaining = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (quotas[i] - floors[i], weights[i]), reverse=True)
    for i in order[:remaining]:
        floors[i] += 1
    return floors


INTERVENTIONS_OFF: dict[str, Any] = {
    "falls_prevention.places_per_year": 0,
    "home_care.packages": 0,
    "rapid_response.clinicians": 0,
    "spa.enabled": False,
    "mdt.cases_per_week": 0,
    "expert_opinion.enabled": False,
    "discharge.coordinators": 0,
    "mh_liaison.staff": 0,
}
"""Dotted overrides that switch all eight Local Care interventions off (the 'no Local Care' case)."""
