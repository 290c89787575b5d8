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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from dorothy_sim.errors import ScenarioError
from dorothy_sim.floats import sum_left_to_right
from dorothy_sim.toml_lines import describe_decode_error, key_lines, nearest

# --------------------------------------------------------------------------- limits
# Why upper limits at all: a typo such as 10^9 must fail here, with a message, rather than hang the
# model or fill the machine's memory (a place, a package or an enrolment is built or scheduled one
# by one). Each limit is far above any real figure for an area; the message gives the reason.

MAX_REGISTERED_POPULATION = 20_000_000
MAX_COUNT = 10_000_000
MAX_DAYS = 36_500
MAX_RATE_PER_YEAR = 365.0
MAX_RATIO = 100.0
MAX_CV = 100.0
MAX_MONEY = 1e9
MAX_WEIGHT = 1e9
MIN_CHECK_HOURS = 0.1
BACKGROUND_SHARE_PER_DAY = 0.01

_WHY_POPULATION = ("an integrated care board registers a few million people at most; a larger number is "
                   "a typo that would fill the machine's memory building the cohort")
_WHY_COUNT = "ten million: nothing in one area is counted in more; a larger number is a typo"
_WHY_DAYS = ("100 years: no duration, delay or run length of this model comes near it; "
             "a larger number is a typo")
_WHY_RATE = "one a day per person (365 a year): a larger rate is a typo and would make millions of events"
_WHY_RATIO = "a rate ratio or delay factor above 100 is a typo"
_WHY_CV = "a coefficient of variation above 100 is a typo, and the lognormal could not be sampled"
_WHY_MONEY = "£1,000,000,000 a unit: a larger price is a typo"
_WHY_WEIGHT = "a relative weight above 10^9 is a typo (weights are only proportions)"
_WHY_CHECK = ("6 minutes: checking more often changes nothing, and a typo such as 1e-9 would "
              "schedule billions of checks")


def _at_most(limit: float, why: str) -> AfterValidator:
    """An upper limit whose message says why there is one (pydantic's own says only the number)."""
    shown = f"{limit:.0f}" if float(limit).is_integer() else f"{limit:g}"

    def check(value: Any) -> Any:
        if value > limit:
            raise ValueError(f"Input should be less than or equal to {shown} ({why})")
        return value

    return AfterValidator(check)


def _at_least(limit: float, why: str) -> AfterValidator:
    """A lower limit above zero whose message says why (as :func:`_at_most`)."""

    def check(value: Any) -> Any:
        if value < limit:
            raise ValueError(f"Input should be greater than or equal to {limit:g} ({why})")
        return value

    return AfterValidator(check)


def _no_nan_hours(value: Any) -> Any:
    """``response_window_hours`` may be ``inf`` (documented: no window), but never NaN, which would
    otherwise slip past ``ge=0`` with a message about being below zero."""
    if isinstance(value, float) and math.isnan(value):
        raise ValueError("NaN is not a number of hours; give hours >= 0, or inf for no window")
    return value


Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Capacity = Annotated[int, Field(ge=0, strict=True), _at_most(MAX_COUNT, _WHY_COUNT)]
"""Capacities are whole numbers; strict, so ``true`` is not read as 1."""
Count = Annotated[int, Field(ge=1, strict=True), _at_most(MAX_COUNT, _WHY_COUNT)]
Ratio = Annotated[float, Field(ge=1.0, allow_inf_nan=False), _at_most(MAX_RATIO, _WHY_RATIO)]
Days = Annotated[float, Field(gt=0.0, allow_inf_nan=False), _at_most(MAX_DAYS, _WHY_DAYS)]
"""A duration in days (or a lognormal's mean, in days or hours), above zero."""
Delay = Annotated[float, Field(ge=0.0, allow_inf_nan=False), _at_most(MAX_DAYS, _WHY_DAYS)]
"""A duration in days that may be zero."""
RatePerYear = Annotated[float, Field(ge=0.0, allow_inf_nan=False),
                        _at_most(MAX_RATE_PER_YEAR, _WHY_RATE)]
Money = Annotated[float, Field(ge=0.0, allow_inf_nan=False), _at_most(MAX_MONEY, _WHY_MONEY)]
Weight = Annotated[float, Field(ge=0.0, allow_inf_nan=False), _at_most(MAX_WEIGHT, _WHY_WEIGHT)]
"""A relative weight (an allocation share, an hour of the day's profile): only proportions count."""
DayOfYear = Annotated[float, Field(ge=0.0, lt=365.0, allow_inf_nan=False)]
HourOfDay = Annotated[float, Field(ge=0.0, le=24.0, allow_inf_nan=False)]


class FieldRule(ValueError):
    """A rule across fields, raised with the paths (relative to the model that checks it) of the
    fields it is about. Why: pydantic locates a model validator's error at the model, so the message
    (and the line in the file) would name a whole section instead of the field to fix."""

    def __init__(self, fields: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.fields = fields


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
    """A rate per person-year for each frailty level of the modelled cohort (eFI mild / moderate /
    severe); at most one a day, see :data:`MAX_RATE_PER_YEAR`."""

    mild: RatePerYear
    moderate: RatePerYear
    severe: RatePerYear

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.mild, self.moderate, self.severe)


class ProbByFrailty(ByFrailty):
    mild: Probability
    moderate: Probability
    severe: Probability


class ByCrisisType(_Section):
    """A share for each crisis type (the crisis mix: shares of 1)."""

    fall: Probability
    infection: Probability
    exacerbation: Probability
    carer_breakdown: Probability
    delirium: Probability

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

    mean: Days
    cv: Annotated[float, Field(ge=0.0, allow_inf_nan=False), _at_most(MAX_CV, _WHY_CV)] = 0.0
    exponential: bool = False
    max: Days | None = None

    @property
    def sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def mu(self) -> float:
        return math.log(self.mean) - 0.5 * self.sigma**2


def _require_levels(table: dict[str, Any], name: str) -> None:
    """A table by frailty level must give every level: the model looks each one up, so a level left
    out would pass a plain dict check and then stop the run with a KeyError."""
    for level in FRAILTY_LEVELS:
        if level not in table:
            raise FieldRule((f"{name}.{level}",), (
                f"is required but missing: {name} needs mild, moderate and severe"))


class Run(_Section):
    warmup_days: Delay
    results_days: Days
    start_day_of_year: DayOfYear = 0.0


class Icp(_Section):
    """One integrated care partnership and its acute trust."""

    label: str
    registered_population: Annotated[int, Field(ge=1, strict=True),
                                     _at_most(MAX_REGISTERED_POPULATION, _WHY_POPULATION)]
    """At most 20 million (an integrated care board registers a few million at most): a typo such as 10^9
    would otherwise try to build a cohort that fills the machine's memory before any error."""
    acute_trust: str
    acute_beds: Count
    """At least one: an ICP's trust must have beds (background demand alone needs them)."""
    escalation_beds: Capacity = 0
    background_admissions_per_day: NonNegative
    """At most 1% of the registered population a day (Kent and Medway: about 0.01%), checked below."""

    @model_validator(mode="after")
    def _sized_to_the_population(self) -> Icp:
        population = self.registered_population
        if self.acute_beds + self.escalation_beds > population:
            raise FieldRule(("acute_beds", "escalation_beds", "registered_population"), (
                f"acute_beds + escalation_beds = {self.acute_beds + self.escalation_beds} is more than "
                f"registered_population = {population}; more beds than people is a typo"))
        limit = population * BACKGROUND_SHARE_PER_DAY
        if self.background_admissions_per_day > limit:
            raise FieldRule(("background_admissions_per_day", "registered_population"), (
                f"background_admissions_per_day = {self.background_admissions_per_day:g} is more than 1% "
                f"of registered_population ({population}) a day, i.e. at most {limit:g}; a larger number "
                "is a typo and would make millions of admissions"))
        return self


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
            raise FieldRule(("share_80_plus", "share_65_69"), (
                f"share_80_plus + share_65_69 must be at most 1 "
                f"(they sum to {self.share_80_plus + self.share_65_69:.4f}); the rest are 70-79"))
        total = sum(self.frailty_shares_65_plus.values())
        if abs(total - 1.0) > 1e-6 or len(self.frailty_shares_65_plus) != 4:
            missing = sorted({"fit", "mild", "moderate", "severe"} - set(self.frailty_shares_65_plus))
            raise FieldRule(("frailty_shares_65_plus",), (
                "must give fit, mild, moderate and severe shares summing to 1 "
                f"(they sum to {total:.4f}" + (f"; missing: {', '.join(missing)})" if missing else ")")))
        return self


class Crises(_Section):
    rate_per_year: ByFrailty
    rate_ratio_80_plus: Ratio
    rate_ratio_lives_alone: Ratio
    rate_ratio_dementia: Ratio
    mix: ByCrisisType
    winter_peak: Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)]
    peak_day_of_year: DayOfYear
    hourly_profile: Annotated[tuple[Weight, ...], Field(min_length=24, max_length=24)]
    death_rate_per_year: ByFrailty
    post_discharge_death_ratio: Ratio
    post_discharge_days: Days
    ltc_entry_rate_per_year: ByFrailty

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> Crises:
        total = sum(self.mix.as_tuple())
        if abs(total - 1.0) > 1e-6:
            raise FieldRule(("mix",), f"must sum to 1 (it sums to {total:.4f})")
        if max(self.hourly_profile) <= 0:
            raise FieldRule(("hourly_profile",), "needs at least one positive hour")
        # The rate of the most crisis-prone person (severe, 80+, alone, with dementia): a typo in a
        # rate ratio would otherwise schedule millions of crises per person.
        highest = (max(self.rate_per_year.as_tuple()) * self.rate_ratio_80_plus
                   * self.rate_ratio_lives_alone * self.rate_ratio_dementia)
        if highest > MAX_RATE_PER_YEAR:
            raise FieldRule((
                "rate_per_year", "rate_ratio_80_plus", "rate_ratio_lives_alone", "rate_ratio_dementia"), (
                f"the highest crisis rate (the largest rate_per_year times the three rate ratios) is "
                f"{highest:g} a year; it must be at most {MAX_RATE_PER_YEAR:g} ({_WHY_RATE})"))
        return self


class _Service(_Section):
    allocation: Frozen(dict[str, Weight]) | None = None
    """Relative weights by ICP name for sharing the capacity (not all zero: see Scenario)."""


class SinglePointOfAccess(_Section):
    enabled: bool
    rr_routing_share_on: Probability
    rr_routing_share_off: Probability
    package_start_delay_days_on: Delay
    package_start_delay_days_off: Delay


class RapidResponse(_Service):
    clinicians: Capacity
    shift_start_hour: HourOfDay
    shift_end_hour: HourOfDay
    response_window_hours: Annotated[float, BeforeValidator(_no_nan_hours), Field(ge=0.0)]
    """May be ``inf`` (no window: infinite patience, for M/M/c verification); never NaN."""
    visit_hours: LogNormal
    p_treated_at_home: ProbByCrisisType
    p_step_up_reablement: Probability
    p_mdt_referral: Probability

    @model_validator(mode="after")
    def _shift_has_hours(self) -> RapidResponse:
        if self.shift_start_hour == self.shift_end_hour:
            raise FieldRule(("shift_end_hour",), (
                "shift_start_hour and shift_end_hour are equal; use 0 and 24 for a "
                "24-hour service, or start > end for an overnight shift"))
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
    los_cap_days: Days | None = None
    background_los: LogNormal
    escalation_check_hours: Annotated[float, Field(gt=0.0, allow_inf_nan=False),
                                      _at_least(MIN_CHECK_HOURS, _WHY_CHECK),
                                      _at_most(MAX_DAYS * 24, _WHY_DAYS)]
    """At least 0.1 hours (6 minutes): checking beds more often changes nothing, and a typo such as
    1e-9 would schedule billions of checks."""
    escalation_open_when_waiting: Capacity

    @model_validator(mode="after")
    def _every_level_has_a_stay(self) -> Acute:
        _require_levels(self.treatment_days, "treatment_days")
        return self


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
        _require_levels(self.pathway_shares, "pathway_shares")
        for level, shares in self.pathway_shares.items():
            if abs(sum(shares) - 1.0) > 1e-6:
                raise FieldRule((f"pathway_shares.{level}",),
                            f"must sum to 1 (it sums to {sum(shares):.4f})")
        return self


class Reablement(_Service):
    places: Capacity
    episode_days: LogNormal
    p_independent: Probability
    at_home_check_days: Days


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
    referral_expiry_days: Days
    risk_referral_rate_per_year: ByFrailty
    care_plan_days: Days
    crisis_rate_reduction: Probability
    admission_reduction: Probability


class FallsPrevention(_Service):
    places_per_year: Capacity
    programme_effect_days: Days
    falls_rate_ratio: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]


class MentalHealthLiaison(_Service):
    staff: Capacity
    cases_per_staff: Count
    los_reduction: Probability
    care_home_reduction: Probability


class Costs(_Section):
    price_year: str
    acute_bed_day: Money
    non_elective_admission: Money
    ed_attendance: Money
    rr_visit: Money
    rr_clinician_post_per_year: Money
    reablement_day: Money
    home_care_day: Money
    community_bed_day: Money
    care_home_week: Money
    mdt_review: Money
    discharge_coordinator_per_year: Money
    mh_liaison_staff_per_year: Money
    falls_prevention_place: Money


CAPACITY_LEVERS: tuple[str, ...] = (
    "rapid_response.clinicians",
    "discharge.coordinators",
    "reablement.places",
    "home_care.packages",
    "community_beds.beds",
    "care_homes.placements_per_week",
    "mdt.cases_per_week",
    "falls_prevention.places_per_year",
    "mh_liaison.staff",
)
"""The capacity each service is bought in: a total for the whole area, at most its registered population."""

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
            raise FieldRule(("icps",), "at least one ICP is needed")
        for section in SERVICE_SECTIONS:
            allocation = getattr(self, section).allocation
            if allocation is None:
                continue
            unknown = set(allocation) - set(self.icps)
            if unknown:
                raise FieldRule((f"{section}.allocation",), (
                    f"names unknown ICP(s) {sorted(unknown)}; ICPs are {sorted(self.icps)}"))
            if not sum(allocation.get(name, 0.0) for name in self.icps) > 0:
                raise FieldRule((f"{section}.allocation",), (
                    "the weights are all zero, which would give every ICP no capacity; give at least "
                    "one ICP a positive weight (or leave allocation out to share by cohort size, or set "
                    "the capacity to 0 to switch the service off)"))
        return self

    @model_validator(mode="after")
    def _sized_to_the_population(self) -> Scenario:
        """Counts that act per person cannot exceed the people registered in the area.

        Why: the model builds or schedules each place, package or enrolment one by one (a falls
        programme of 10^9 places a year enrols someone every 0.03 seconds), so a typo would hang
        the run instead of failing. The registered population (all ages) is far above any real
        capacity, so no meaningful scenario is refused.
        """
        population = sum(icp.registered_population for icp in self.icps.values())
        if population > MAX_REGISTERED_POPULATION:
            raise FieldRule(("icps",), (
                f"the ICPs' registered populations sum to {population}; the sum must be at most "
                f"{MAX_REGISTERED_POPULATION} ({_WHY_POPULATION})"))
        for path in CAPACITY_LEVERS:
            section, field = path.split(".")
            value = getattr(getattr(self, section), field)
            if value > population:
                raise FieldRule((path, "icps"), (
                    f"{field} = {value} is more than the {population} people registered in the area "
                    f"(the sum of icps.*.registered_population); it must be at most that: a larger "
                    "number is a typo, and would make the model build or schedule that many places"))
        falls = self.falls_prevention
        in_effect = falls.places_per_year * falls.programme_effect_days / 365.0
        if in_effect > population:
            raise FieldRule(("falls_prevention.programme_effect_days", "falls_prevention.places_per_year"), (
                f"places_per_year x programme_effect_days / 365 = {in_effect:.0f} people in the programme's "
                f"effect at once, more than the {population} people registered in the area; it must be at "
                "most that: a larger number is a typo (and the run would start by enrolling each of them)"))
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

    def with_overrides(self, overrides: dict[str, Any] | list[str], source: str = "--set") -> Scenario:
        """A new scenario with dotted-path overrides applied and everything revalidated.

        ``source`` says where the overrides were given, for the message of an unknown path.
        """
        data = self.to_dict()
        items = parse_assignments(overrides) if isinstance(overrides, list) else overrides
        for path, value in items.items():
            _set_dotted(data, path, value, source=source)
        return _validate(data, source=f"scenario '{self.name}' with overrides")


# --------------------------------------------------------------------------- loading


def embedded_scenarios() -> list[str]:
    """Names of the scenarios shipped inside the package."""
    folder = resources.files("dorothy_sim.scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


@dataclass(frozen=True)
class _Origins:
    """Where a scenario's values came from, so that a message can give the line to fix.

    ``files`` are (source, text) of the scenario file and then of the scenarios it ``extends``;
    ``overrides`` are (dotted path, how it was given) for values set on top (``--set``).
    """

    files: tuple[tuple[str, str], ...] = ()
    overrides: tuple[tuple[str, str], ...] = ()

    def locate(self, paths: list[list[str]], missing: bool = False) -> tuple[int | None, str]:
        """The line of the scenario file where the first of ``paths`` written there is, or no line
        and a note that says where the value came from instead (an override, or a scenario the file
        extends). Several paths: a rule across fields is located at whichever the user wrote."""
        for dotted, given in self.overrides:
            keys = dotted.split(".")
            for path in paths:
                common = min(len(keys), len(path))
                if path and keys[:common] == path[:common]:
                    return None, f"(from {given})"
        if not self.files:
            return None, ""
        found = [key_lines(text) for _, text in self.files]  # only when there is an error to report
        for path in paths:
            if tuple(path) in found[0]:
                return found[0][tuple(path)], ""
        if not missing:
            for (parent, _), lines in zip(self.files[1:], found[1:], strict=True):
                if tuple(paths[0]) in lines:
                    return None, f"(inherited from {parent} through extends)"
        table = nearest(found[0], paths[0])
        return (table[1], "") if table else (None, "")


def _read_toml(name_or_path: str | Path) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """Read a scenario file (a path) or an embedded scenario (a name), following ``extends``.

    Returns the merged document and the (source, text) of each file read, the named one first.
    """
    text, source = _scenario_text(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(describe_decode_error(source, exc, text)) from None
    files: tuple[tuple[str, str], ...] = ((source, text),)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or parent not in embedded_scenarios():
            line = key_lines(text).get(("extends",))
            raise ScenarioError(
                f"{source}{f', line {line}' if line else ''}: extends = {parent!r} is not an embedded "
                f"scenario; allowed: {', '.join(embedded_scenarios())}"
            )
        base, inherited = _read_toml(parent)
        data = _deep_merge(base, data)
        files += inherited
    return data, files


def _scenario_text(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in str(name_or_path):
        if not path.is_file():
            raise ScenarioError(f"scenario file '{path}' does not exist")
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"{path}: not a text file ({exc})") from None
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
    Raises :class:`ScenarioError` with a message that names the file, the line, the field, the
    value and what is allowed (or, for a value set by an override or inherited through
    ``extends``, where it came from).
    """
    data, files = _read_toml(name_or_path)
    given: list[tuple[str, str]] = []
    if overrides:
        items = parse_assignments(overrides) if isinstance(overrides, list) else overrides
        if isinstance(overrides, list):
            given = [(item.split("=", 1)[0].strip(), f"--set {item.strip()}") for item in overrides]
        else:
            given = [(path, f"override {path}={value!r}") for path, value in items.items()]
        for path, value in items.items():
            _set_dotted(data, path, value, source="--set")
    return _validate(data, source=files[0][0], origins=_Origins(files, tuple(given)))


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
            walked = ".".join(keys[: depth + 1])
            detail = (f"'{walked}' is a value ({node[key]!r}), not a table, so '{path}' cannot be set; "
                      f"set '{walked}' itself")
            raise ScenarioError(f"{source}: {detail}", fields=(path,), detail=detail)
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
    detail = f"unknown field '{'.'.join(walked)}' (value {value!r}){suggestion}{allowed}"
    raise ScenarioError(f"{source}: {detail}", fields=(".".join(walked + (rest or [])),), detail=detail)


MAX_PROBLEMS_SHOWN = 12


def _validate(data: dict[str, Any], source: str, origins: _Origins | None = None) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _scenario_error(exc, source, origins or _Origins()) from None


def _scenario_error(exc: ValidationError, source: str, origins: _Origins) -> ScenarioError:
    """One ScenarioError for all of pydantic's errors: each names the dotted field, the value and
    what is allowed, with the line of the file it is written on (or where it came from)."""
    found = problems_of(exc)
    problems = [(*origins.locate(paths, missing), text) for paths, text, missing in found]
    fields = tuple(dict.fromkeys(".".join(path) for paths, _, _ in found for path in paths))
    return ScenarioError(compose(source, "scenario", problems), fields=fields,
                         detail=compose("", "scenario", problems))


def problems_of(exc: ValidationError) -> list[tuple[list[list[str]], str, bool]]:
    """(locations, message, whether the field is missing) for each of pydantic's errors.

    A rule across fields (:class:`FieldRule`) has the location of each field it names, the first
    first; any other error has one. Pydantic's echo of an element's error as "too short" on the
    whole list is dropped (the element's own error says it).
    """
    errors = exc.errors()
    locations = [[str(part) for part in err["loc"]] for err in errors]
    problems: list[tuple[list[list[str]], str, bool]] = []
    for err, loc in zip(errors, locations, strict=True):
        if err["type"] == "too_short" and any(
                len(other) > len(loc) and other[:len(loc)] == loc for other in locations):
            continue
        dotted = ".".join(loc) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        rule = (err.get("ctx") or {}).get("error")
        if isinstance(rule, FieldRule):
            problems.append(([[*loc, *field.split(".")] for field in rule.fields],
                             f"'{'.'.join([*loc, rule.fields[0]])}': {message}", False))
        elif err["type"] == "extra_forbidden":
            siblings = _allowed_fields(loc[:-1])
            hint = difflib.get_close_matches(loc[-1], siblings, n=1)
            suggestion = f"; did you mean '{'.'.join(loc[:-1] + [hint[0]])}'?" if hint else ""
            allowed = f" Allowed here: {', '.join(siblings)}" if siblings and not hint else ""
            problems.append(([loc], f"unknown field '{dotted}'{suggestion}{allowed}", False))
        elif err["type"] == "missing":
            problems.append(([loc], f"field '{dotted}' is required but missing", True))
        elif isinstance(err.get("input"), dict) and err["type"] == "value_error":
            problems.append(([loc], f"'{dotted}': {message}", False))
        else:
            if err["type"] == "finite_number":
                message += " (NaN and infinity are not allowed here)"
            problems.append(([loc], f"field '{dotted}' = {err.get('input')!r}: {message}", False))
    return problems


def compose(source: str, kind: str, problems: list[tuple[int | None, str, str]]) -> str:
    """The message: ``FILE, line N: problem (note)`` for one problem; for several, a header and one
    ``- line N: problem (note)`` per line in the file's order (at most :data:`MAX_PROBLEMS_SHOWN`)."""
    def entry(line: int | None, note: str, text: str) -> str:
        return f"{f'line {line}: ' if line else ''}{text}{f' {note}' if note else ''}"

    # In the order of the file (pydantic's is the schema's), problems without a line last.
    problems = sorted(problems, key=lambda problem: (problem[0] is None, problem[0] or 0))
    if len(problems) == 1:
        line, note, text = problems[0]
        where = ", ".join(part for part in (source, f"line {line}" if line else "") if part)
        return f"{where + ': ' if where else ''}{text}{f' {note}' if note else ''}"
    shown = [f"  - {entry(*problem)}" for problem in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"  - ... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    return "\n".join([f"{source + ': ' if source else ''}invalid {kind} ({len(problems)} problems)", *shown])


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
    weight = sum_left_to_right(weights)
    if total <= 0 or not weights or weight <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight for w in weights]
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
