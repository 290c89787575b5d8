"""The scenario's schema: every parameter of the model, its type and its limits, with the reason for
each limit, as immutable pydantic sections and the :class:`Scenario` that holds them.

Capacities are totals for the whole modelled area; they are shared between the integrated care
partnerships (ICPs) by the largest-remainder method in proportion to each ICP's cohort size, or to
a service's ``allocation`` weights when given (:func:`dorothy_sim.scenario.services.apportion`).
"""

from __future__ import annotations

import copy
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    model_validator,
)

from dorothy_sim.registry import SERVICES, Service, plugin
from dorothy_sim.scenario.services import CAPACITY_LEVERS, SERVICE_SECTIONS

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
WEEKDAY_NAMES: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _lower_case(value: Any) -> Any:
    """A day's name in any case ("Monday") is read as the schema spells it."""
    return value.lower() if isinstance(value, str) else value


Weekday = Annotated[Literal[WEEKDAY_NAMES], BeforeValidator(_lower_case)]  # type: ignore[valid-type]
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
    start_weekday: Weekday = "monday"
    """The day of the week on which the results period starts (the clock day it starts in); every
    other day of the run follows (:class:`dorothy_sim.model.week.Week`)."""


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
    elective_admissions_per_day: NonNegative = 0.0
    """Planned admissions needing a bed; each is cancelled if no bed is free or anyone waits for one
    (at most 1% of the registered population a day too)."""

    @model_validator(mode="after")
    def _sized_to_the_population(self) -> Icp:
        population = self.registered_population
        if self.acute_beds + self.escalation_beds > population:
            raise FieldRule(("acute_beds", "escalation_beds", "registered_population"), (
                f"acute_beds + escalation_beds = {self.acute_beds + self.escalation_beds} is more than "
                f"registered_population = {population}; more beds than people is a typo"))
        limit = population * BACKGROUND_SHARE_PER_DAY
        for name in ("background_admissions_per_day", "elective_admissions_per_day"):
            per_day = getattr(self, name)
            if per_day > limit:
                raise FieldRule((name, "registered_population"), (
                    f"{name} = {per_day:g} is more than 1% of registered_population ({population}) a day, "
                    f"i.e. at most {limit:g}; a larger number is a typo and would make millions of "
                    "admissions"))
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
    post_discharge_crisis_ratio: Ratio
    """The person's crisis rate just after a discharge home, relative to their usual rate (1: no
    raised risk); the excess decays over ``post_discharge_crisis_decay_days`` (model/readmission.py)."""
    post_discharge_crisis_decay_days: Days
    unsupported_discharge_ratio: Ratio
    """Multiplies the excess crisis risk after a discharge with less support than the person needs."""
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


class EmergencyDepartment(_Section):
    hours_in_department: LogNormal
    p_admit: ProbByFrailty
    p_mdt_referral_not_admitted: Probability


class Acute(_Section):
    treatment_days: Frozen(dict[Literal["mild", "moderate", "severe"], LogNormal])
    p_death_in_hospital: ProbByFrailty
    los_cap_days: Days | None = None
    background_los: LogNormal
    elective_los: LogNormal
    escalation_check_hours: Annotated[float, Field(gt=0.0, allow_inf_nan=False),
                                      _at_least(MIN_CHECK_HOURS, _WHY_CHECK),
                                      _at_most(MAX_DAYS * 24, _WHY_DAYS)]
    """At least 0.1 hours (6 minutes): checking beds more often changes nothing, and a typo such as
    1e-9 would schedule billions of checks."""
    escalation_open_when_waiting: Capacity
    deconditioning_after_days: NonNegative
    deconditioning_per_day: Probability
    """Beyond ``deconditioning_after_days`` in the bed, the chance per day (as a hazard) that the
    pathway out steps up one level (model/readmission.py)."""

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
    patient_choice_share_care_home: Probability
    """Of discharges to a care home: the patient and family take time to choose (no capacity shortens it)."""
    patient_choice_share_other: Probability
    """Of discharges with reablement, a package or a community bed: the same."""
    patient_choice_days: LogNormal
    ward_led_delay_factor: Ratio
    weekend_discharge_factor: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
    """Discharges per weekend day relative to a weekday (1: no weekly pattern); also the pace of
    arranging onward care on a weekend day relative to a weekday (model/discharge.py)."""
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
    max_wait_days: Days | None = None
    """The longest a person medically fit waits in the bed for a place; then home without it."""


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
    max_wait_days: Days | None = None
    """The longest a person medically fit waits in the bed for a community bed; then home without it."""


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


from dorothy_sim.scenario.costs import Costs  # noqa: E402 (it builds on the types above)
from dorothy_sim.scenario.front_door import RapidResponse  # noqa: E402 (it builds on the types above)


class _Scenario(_Section):
    """Every parameter of one model run, but the plug-in services' sections (:data:`Scenario`)."""

    name: str
    description: str = ""
    label: Annotated[str, Field(max_length=120)] = ""
    """A friendly name for headers, reports and comparisons ("Winter push"); the ``name`` is used
    when it is empty. Only ever shown, never used as a path (see dorothy_sim/names.py)."""
    run: Run
    icps: Frozen(dict[str, Icp])
    population: Population
    crises: Crises
    rapid_response: RapidResponse
    ed: EmergencyDepartment
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
    def _allocations_name_icps(self) -> _Scenario:
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
    def _sized_to_the_population(self) -> _Scenario:
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

    @property
    def display_name(self) -> str:
        """What headers and reports call the scenario: its ``label``, else its ``name``."""
        return self.label or self.name

    def value_at(self, path: str, source: str = "--set") -> Any:
        """The value at a dotted path (``None`` for an optional field left unset). An unknown path
        raises :class:`ScenarioError` with the same "did you mean" hint as an override would."""
        from dorothy_sim.scenario.loading import set_dotted  # the loader builds on this schema

        data = self.to_dict()
        probe = copy.deepcopy(data)
        set_dotted(probe, path, None, source=source)
        node: Any = data
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        return node

    def with_overrides(self, overrides: dict[str, Any] | list[str], source: str = "--set") -> Scenario:
        """A new scenario with dotted-path overrides applied and everything revalidated.

        ``source`` says where the overrides were given, for the message of an unknown path.
        """
        from dorothy_sim.scenario.loading import parse_assignments, set_dotted, validate

        data = self.to_dict()
        items = parse_assignments(overrides) if isinstance(overrides, list) else overrides
        for path, value in items.items():
            set_dotted(data, path, value, source=source)
        return validate(data, source=f"scenario '{self.name}' with overrides")


def _plugin_field(service: Service) -> tuple[str, Any]:
    """A plug-in service's section: its type is the plug-in's ``Section``, known once the model is
    imported (:func:`resolve_plugin_sections`); left out of a file, the section's own defaults."""
    return (f"_PluginSection_{service.section}",
            Field(default_factory=lambda: plugin(service).Section()))


from dorothy_sim.scenario import start_state, uncertainty  # noqa: E402 (they build on the sections above)

Scenario = create_model(
    "Scenario", __base__=_Scenario, __module__=__name__,
    __doc__="Every parameter of one model run. Build it with :func:`load_scenario`.",
    __validators__={"_start_state": model_validator(mode="after")(start_state.check),
                    "_uncertainty": model_validator(mode="after")(uncertainty.check)},
    **start_state.FIELDS, **uncertainty.FIELDS,
    **{service.section: _plugin_field(service) for service in SERVICES if service.module})
"""Every parameter of one model run (a pydantic model): the model's sections, the start state and
external arrivals (:mod:`.start_state`) and each plug-in service's section
(:mod:`dorothy_sim.registry`). Build it with :func:`load_scenario`."""


def resolve_plugin_sections() -> None:
    """Give each plug-in service's section its type (the plug-in's ``Section``), once every module
    is importable (``dorothy_sim/__init__.py`` calls this last)."""
    namespace = {f"_PluginSection_{service.section}": plugin(service).Section
                 for service in SERVICES if service.module}
    Scenario.model_rebuild(_types_namespace=namespace)
