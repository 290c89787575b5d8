"""An assessment team that people medically fit wait for in the acute bed before onward care is
arranged: council social workers and trusted assessors (:mod:`~dorothy_sim.model.social_care_assessment`),
NHS continuing-healthcare assessors (:mod:`~dorothy_sim.model.chc_assessment`).

Each assessor carries ``cases_per_assessor`` assessments at once; an assessment takes weekdays'
worth of work (a weekend day does ``discharge.weekend_discharge_factor`` of a weekday's, as for
every discharge arrangement). The team is a station of ``assessors x cases_per_assessor`` case
slots; with no assessors, nobody waits for it and the step is skipped (the assessment is taken as
done elsewhere, at no cost). Cost: every commissioned assessor, a year's salary and on-costs,
whether busy or not.

A team module (the plug-in) gives its ``Section`` (a subclass of :class:`TeamSection`), ``NAME``,
``REASON`` (its index in :data:`~dorothy_sim.model.delays.REASONS`) and ``needs(model, crisis, route)``:
whether this patient, going by ``route``, needs the assessment. The rest is here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dorothy_sim.model.discharge import time_left, wait_until
from dorothy_sim.model.services import capacities
from dorothy_sim.model.stations import Station
from dorothy_sim.scenario.schema import Capacity, Count, LogNormal, Money
from dorothy_sim.scenario.schema import _Service as ServiceSection
from dorothy_sim.streams import Duration

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices


class TeamSection(ServiceSection):
    """The scenario section of an assessment team (defaults: no team)."""

    assessors: Capacity = 0
    """Assessors (whole-time equivalents) for the area, shared between ICPs by cohort size."""
    cases_per_assessor: Count = 1
    """Assessments each assessor carries at once."""
    assessment_days: LogNormal = LogNormal(mean=2.0, cv=0.8)
    """Weekdays' worth of work from the assessor taking the case to the assessment being done."""
    cost_per_assessor_per_year: Money = 0.0


class Team:
    """One ICP's assessment team: its case slots and what it did (zeroed at the end of the warm-up)."""

    def __init__(self, name: str, station: Station, assessors: int) -> None:
        self.name = name
        self.station = station
        self.assessors = assessors
        self.reset()

    def reset(self) -> None:
        self.assessments = 0
        self.wait_days = 0.0

    def counts(self) -> dict[str, float]:
        return {f"{self.name}_assessments": float(self.assessments),
                f"{self.name}_wait_days": self.wait_days,
                f"{self.name}_busy_days": self.station.busy_area}

    def capacity(self) -> dict[str, float]:
        return {f"{self.name}_slots": float(self.station.nominal_capacity),
                f"{self.name}_assessors": float(self.assessors)}


def build_team(name: str, env, scenario, services: IcpServices, cohort_sizes: list[int]) -> Team:
    """The ICP's share of the area's assessors (largest remainder, by cohort size or allocation)."""
    section: TeamSection = getattr(scenario, name)
    assessors = capacities(scenario, name, "assessors", cohort_sizes)[services.index]
    return Team(name, Station(env, assessors * section.cases_per_assessor, f"{services.name}/{name}"),
                assessors)


def assessment(model: DorothyModel, crisis: Crisis, team: Team, days: float, deadline: float):
    """Wait for an assessor's case slot, then the assessment (weekdays' work), never past the stay
    cap; the slot is given back whatever happens (a process step)."""
    env = model.env
    asked = env.now
    with team.station.request() as slot:
        if not (yield from wait_until(env, slot, deadline)):
            return
        team.wait_days += env.now - asked
        done = model.week.finished(env.now, days)
        yield env.timeout(min(done - env.now, time_left(env, deadline)))
        team.assessments += 1


def team_kpis(name: str, prefix: str, c: dict[str, float], cap: dict[str, float], scenario,
              days: float) -> dict[str, float]:
    """A team's KPIs from its counts (an ICP's, or every ICP's summed)."""
    slots = cap[f"{name}_slots"]
    section: TeamSection = getattr(scenario, name)
    assessments = c[f"{name}_assessments"]
    return {
        f"{prefix}_assessments": assessments,
        f"{prefix}_wait_days_mean": c[f"{name}_wait_days"] / assessments if assessments > 0 else math.nan,
        f"{prefix}_utilisation_pct": (100.0 * c[f"{name}_busy_days"] / (slots * days) if slots > 0
                                      else math.nan),
        f"cost_{name}_gbp": cap[f"{name}_assessors"] * section.cost_per_assessor_per_year * days / 365.0,
    }


def team_draw(name: str, scenario) -> Duration:
    """The duration of one assessment of the team ``name`` (a named draw's distribution)."""
    return Duration(getattr(scenario, name).assessment_days)
