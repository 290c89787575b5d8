"""The scenario's ``[costs]`` section: unit costs at one price year, and who pays for what.

What a finance director needs from the model's costs (docs/model.md, "Costs and who pays"):

- one price year (``price_year``), with the inflation factors used to bring each cited figure to it
  kept beside the figures (``inflation``), so the arithmetic can be checked;
- commissioned capacity (reablement places, home-care packages, community beds, staff posts) costed
  as a block for every day it is commissioned, used or not;
- care-home entries costed as the resident days they are expected to bring (survival after entry),
  not as a flat year;
- every cost component split between its funders (the NHS, the councils, self-funders);
- bed days saved valued as capacity released (non-cash) and turned into cash only when whole wards
  close, and the Sustainability and Transformation Plan's reinvestment rates as a second view.

Why a module of its own: the schema (:mod:`.schema`) holds the model's other sections; the money
and its rules are read together here.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from dorothy_sim.registry import SERVICES
from dorothy_sim.scenario.schema import (
    Count,
    Days,
    FieldRule,
    Frozen,
    Money,
    Probability,
    _at_most,
    _Section,
)

__all__ = ["COST_COMPONENTS", "FUNDERS", "Costs", "FunderShares", "expected_resident_days"]

FUNDERS: tuple[str, ...] = ("nhs", "council", "self_funded")
"""Who pays: the NHS (ICB and trusts, NHS-funded nursing care and continuing healthcare), the
councils (Kent County Council, Medway Council) and people paying for their own care."""

COST_COMPONENTS: tuple[str, ...] = ("acute_bed_days", "ed", *(s.name for s in SERVICES if s.costed))
"""The cost KPIs (``cost_<component>_gbp``) that ``cost_total_gbp`` adds up, by component name."""

Factor = Annotated[float, Field(gt=0.0, allow_inf_nan=False),
                   _at_most(100.0, "a hundredfold change in prices is not an inflation factor; a typo")]


class FunderShares(_Section):
    """The shares of a cost component that each funder pays; all three are given, and add up to 1."""

    nhs: Probability
    council: Probability
    self_funded: Probability

    @model_validator(mode="after")
    def _add_up_to_one(self) -> FunderShares:
        total = self.nhs + self.council + self.self_funded
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise FieldRule(("nhs", "council", "self_funded"), (
                f"the funders' shares add up to {total:g}; they must add up to 1 (every pound of the "
                "component is paid by someone)"))
        return self


NHS_ONLY = FunderShares(nhs=1.0, council=0.0, self_funded=0.0)


def _financial_year(text: str) -> str:
    """A financial year as the NHS writes it, "2023/24": the second year the one after the first."""
    first, _, second = text.partition("/")
    if not (len(first) == 4 and first.isdigit() and len(second) == 2 and second.isdigit()
            and int(second) == (int(first) + 1) % 100):
        raise ValueError(f"'{text}' is not a financial year: write it as 2023/24")
    return text


FinancialYear = Annotated[str, AfterValidator(_financial_year)]


class Costs(_Section):
    """Unit costs at ``price_year`` prices, how capacity is paid for, and who pays."""

    price_year: FinancialYear
    inflation: Frozen(dict[FinancialYear, Factor]) = Field(default_factory=dict)
    """Factors that bring a figure of the keyed price year to ``price_year`` (documentation of the
    arithmetic in the comments; the figures above are already at ``price_year``)."""
    acute_bed_day: Money
    non_elective_admission: Money
    ed_attendance: Money
    rr_visit: Money
    rr_clinician_post_per_year: Money
    reablement_day: Money
    """Per reablement place commissioned, a day (a block: paid whether the place is used or not)."""
    home_care_day: Money
    """Per home-care package commissioned, a day (a block)."""
    community_bed_day: Money
    """Per community bed commissioned, a day (a block)."""
    care_home_week: Money
    mdt_review: Money
    discharge_coordinator_per_year: Money
    mh_liaison_staff_per_year: Money
    falls_prevention_place: Money
    care_home_median_survival_days: Days = 462.0
    """Median survival after entry to a care home: with a constant hazard fitted to it, an entry
    brings ``median / ln 2`` expected resident days (:func:`expected_resident_days`)."""
    funders: Frozen(dict[str, FunderShares]) = Field(default_factory=dict)
    """Who pays each cost component (keys: :data:`COST_COMPONENTS`); a component not named is paid
    by the NHS."""
    ward_beds: Count = 28
    """Beds in a ward: cash is released only for each whole ward's worth of beds released."""
    ward_occupancy: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 0.85
    """The occupancy at which released bed days are turned into beds that could close."""
    ward_closure_saving_per_bed_day: Money = 0.0
    """Cash saved for each bed day of a closed ward (staff, consumables: the marginal cost)."""
    reinvestment_admissions: Probability = 0.35
    """Share of the saving from avoided admissions reinvested (the STP view of net saving)."""
    reinvestment_los: Probability = 0.25
    """Share of the saving from shorter stays reinvested (the STP view)."""
    reinvestment_ed: Probability = 0.35
    """Share of the saving from avoided A&E attendances reinvested (the STP view)."""

    @model_validator(mode="after")
    def _price_year_is_its_own_base(self) -> Costs:
        factor = self.inflation.get(self.price_year)
        if factor is not None and factor != 1.0:
            raise FieldRule(("inflation",), (
                f"the factor for the price year {self.price_year} itself is {factor:g}; it must be 1 "
                "(the figures are at that year's prices)"))
        return self

    @model_validator(mode="after")
    def _funders_name_components(self) -> Costs:
        unknown = sorted(set(self.funders) - set(COST_COMPONENTS))
        if unknown:
            raise FieldRule(("funders",), (
                f"names unknown cost component(s) {unknown}; components are {', '.join(COST_COMPONENTS)}"))
        return self

    def shares(self, component: str) -> FunderShares:
        """Who pays ``component`` (the NHS, if the scenario does not say)."""
        return self.funders.get(component, NHS_ONLY)


def expected_resident_days(median_days: float) -> float:
    """Expected days in a care home after entry, with a constant hazard whose median survival is
    ``median_days``: the mean of that exponential, ``median / ln 2``. (The published mean is longer,
    801 days against a median of 462, because of a tail of long stayers: this is conservative.)"""
    return median_days / math.log(2.0)
