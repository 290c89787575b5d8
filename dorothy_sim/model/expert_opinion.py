"""Expert opinion without referral (intervention 6): a geriatrician advice line.

    A&E about to admit ────────────┐                 ┌─► from A&E: admitted with p x (1 - admission_reduction)
                                   ├─► line open, a  │     (so a share of would-be admissions go home)
    rapid response about to ───────┘   geriatrician  └─► from rapid response: treated at home after all
    convey                             free now? ─yes─┘    with p = rr_treated_at_home_gain
                                          │ no (or closed): no advice, the decision stands

Capacity is a number of geriatricians taking calls while the line is open (``open_hour`` to
``close_hour``), an area total shared between ICPs by cohort size (or ``allocation``). A call is
answered if a geriatrician is free at that moment (no queue: the caller does not hold, and the
decision goes ahead without advice); the geriatrician is then busy for the call's length
(lognormal minutes). The effect applies only to the decisions whose call was answered. No
clinicians switch the line off: no call is made and every decision is as without the line. Cost:
every clinician, every open hour, whether busy or not.

This module is a plug-in service (``dorothy_sim.registry``): its scenario section, its station, its
KPIs and its hook into the journeys are here (:func:`second_opinion`, asked by the A&E decision in
model/journey.py and the rapid-response visit in model/rapid_response.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dorothy_sim.model.draws import duration
from dorothy_sim.model.services import DailyHours, capacities, results_open_days
from dorothy_sim.model.stations import Station
from dorothy_sim.scenario.front_door import HourOfDay, OpenDaily
from dorothy_sim.scenario.schema import Capacity, LogNormal, Money, Probability
from dorothy_sim.streams import Duration

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

NAME = "expert_opinion"


class Section(OpenDaily):
    """The ``[expert_opinion]`` section of a scenario (defaults: no clinicians, the line off)."""

    clinicians: Capacity = 0
    """Geriatricians taking calls while the line is open, for the whole area (0: no line)."""
    open_hour: HourOfDay = 9.0
    close_hour: HourOfDay = 17.0
    call_minutes: LogNormal = LogNormal(mean=10.0, cv=0.5)
    cost_per_clinician_hour: Money = 0.0
    admission_reduction: Probability = 0.0
    """Of answered calls from A&E about someone it would admit: the relative cut in the chance of
    admission."""
    rr_treated_at_home_gain: Probability = 0.0
    """Of answered calls from rapid response about someone it would convey: the chance they are
    treated at home after all."""


duration("expert_call", lambda scenario: Duration(scenario.expert_opinion.call_minutes))


class AdviceLine:
    """One ICP's advice line: its clinicians and counts (zeroed at the end of the warm-up)."""

    def __init__(self, env, station: Station, section: Section, open_days: float) -> None:
        self.env = env
        self.station = station
        self.section = section
        self.available = station.available  # (an attribute: read on every A&E decision)
        self.hours = DailyHours(section.open_hour, section.close_hour)
        self.keep_admit = 1.0 - section.admission_reduction
        self.open_days = open_days
        self.reset()

    def reset(self) -> None:
        self.station.reset()  # (not a queue, so not among the stations IcpServices resets)
        self.calls = 0
        self.answered = 0
        self.admissions_avoided = 0

    def close(self) -> None:
        self.station.close()

    def counts(self) -> dict[str, float]:
        return {"expert_opinion_calls": float(self.calls), "expert_opinion_answered": float(self.answered),
                "expert_opinion_admissions_avoided": float(self.admissions_avoided),
                "expert_opinion_busy_days": self.station.busy_area}

    def capacity(self) -> dict[str, float]:
        return {"expert_opinion_clinician_days": self.station.nominal_capacity * self.open_days}

    def ask(self, crisis: Crisis) -> bool:
        """A call about ``crisis`` now: True if a geriatrician was free to answer it (and is then busy
        for the call's length, without holding up the caller's process), False if the line is closed
        or every geriatrician is on a call."""
        env = self.env
        if not self.hours.is_open(env._now):
            return False
        self.calls += 1
        station = self.station
        if station.count >= station.capacity:
            return False
        self.answered += 1
        env.call_later(crisis.days.expert_call / (24.0 * 60.0), station.release, station.request())
        return True


def build(env, scenario, services: IcpServices, cohort_sizes: list[int]) -> AdviceLine:
    """The ICP's share of the area's advice-line clinicians (largest remainder)."""
    clinicians = capacities(scenario, NAME, "clinicians", cohort_sizes)[services.index]
    section: Section = scenario.expert_opinion
    open_days = results_open_days(scenario, section.open_hour, section.close_hour)
    return AdviceLine(env, Station(env, clinicians, f"{services.name}/{NAME}"), section, open_days)


# ----------------------------------------------------------------------------- the hook into the journeys

def second_opinion(model: DorothyModel, crisis: Crisis, source: str, p_admit: float = 0.0) -> bool:
    """A call to the advice line before a decision: to admit at A&E (``source`` "ed", with the chance
    of admission ``p_admit``) or to convey after a rapid-response visit ("rapid_response"). True if
    the answer turns the decision round (home from A&E, or treated at home), False if it stands (the
    line closed or busy, or the advice changed nothing)."""
    line: AdviceLine = crisis.services.plugins[NAME]
    if not line.available or not line.ask(crisis):
        return False
    if source == "ed":
        if crisis.draw.admit < p_admit * line.keep_admit:
            return False
        line.admissions_avoided += 1
        return True
    return crisis.draw.rr_expert < line.section.rr_treated_at_home_gain


def kpis(c: dict[str, float], capacity: dict[str, float], scenario, days: float) -> dict[str, float]:
    """The advice line's KPIs from its counts (an ICP's, or every ICP's summed)."""
    clinician_days = capacity["expert_opinion_clinician_days"]
    calls = c["expert_opinion_calls"]
    return {
        "expert_opinion_calls": calls,
        "expert_opinion_answered": c["expert_opinion_answered"],
        "expert_opinion_answered_pct": 100.0 * c["expert_opinion_answered"] / calls if calls else math.nan,
        "expert_opinion_admissions_avoided": c["expert_opinion_admissions_avoided"],
        "expert_opinion_utilisation_pct": (100.0 * c["expert_opinion_busy_days"] / clinician_days
                                           if clinician_days > 0 else math.nan),
        "cost_expert_opinion_gbp": clinician_days * 24.0 * scenario.expert_opinion.cost_per_clinician_hour,
    }
