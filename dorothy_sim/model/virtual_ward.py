"""A frailty virtual ward (hospital at home): acute care at home instead of, or after, an acute bed.

    step-up: rapid response saw the person but could not treat them at home ─┐
             A&E decided to admit ────────────────────────────────────────────┤ a place free now?
    step-down: early supported discharge, part-way through the acute treatment┘   (else the usual route)
                                   │
                                   ▼
       a place for the stay (lognormal) ─► converted to an acute admission (p), partway through
                                       ─► dies (p), partway through
                                       ─► discharged to the same onward pathways as from hospital
                                          (pathways 0–3), holding the place while the onward place
                                          is found

Capacity is a number of places (virtual-ward "beds") for the area, shared between ICPs by cohort
size (or ``allocation``); a zero capacity switches the service off and leaves every other draw and
event as they were. Cost: every commissioned place, every day (a block contract), whether used or
not. People on the ward count as in an acute episode ("in crisis"), not at home. Where each figure
comes from: the ``[virtual_ward]`` section of ``scenarios/kent_medway.toml`` and docs/model.md.

This module is a plug-in service (``dorothy_sim.registry``): its scenario section, its stations, its
hooks into the journeys and its KPIs are all here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dorothy_sim.model import acute, discharge
from dorothy_sim.model.cohort import IN_CRISIS
from dorothy_sim.model.draws import duration, uniform
from dorothy_sim.model.services import capacities
from dorothy_sim.model.stations import Request, Station
from dorothy_sim.scenario.schema import Capacity, Days, LogNormal, Money, Probability
from dorothy_sim.scenario.schema import _Service as ServiceSection
from dorothy_sim.streams import Duration

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

NAME = "virtual_ward"


class Section(ServiceSection):
    """The ``[virtual_ward]`` section of a scenario (defaults: the service switched off)."""

    places: Capacity = 0
    p_step_up_rr: Probability = 0.0
    """Of people a rapid-response clinician saw but could not treat at home: taken onto the ward."""
    p_step_up_ed: Probability = 0.0
    """Of people A&E decided to admit: taken onto the ward instead."""
    p_step_down: Probability = 0.0
    """Of acute admissions: discharged early onto the ward (early supported discharge)."""
    share_of_treatment_in_bed: Probability = 0.5
    """A stepped-down patient's share of the treatment spent in the acute bed first."""
    stay_days: LogNormal = LogNormal(mean=7.0, cv=0.6)
    p_conversion: Probability = 0.0
    """Of patients on the ward: transferred to an acute bed."""
    p_death: Probability = 0.0
    """Of patients on the ward: die there."""
    cost_per_place_day: Money = 0.0
    horizon_days: Days = 14.0
    """The longest stay on the ward (guidance: up to 14 days); longer draws are cut to it."""


uniform("vw_step_up_rr")  # seen by rapid response, not treated at home: onto the ward?
uniform("vw_step_up_ed")  # admitted at A&E: onto the ward instead?
uniform("vw_step_down")  # admitted: stepped down early onto the ward?
uniform("vw_outcome")  # on the ward: converted, died, or discharged
uniform("vw_when")  # when a conversion or death happens, as a share of the stay
duration("vw_stay", lambda scenario: Duration(scenario.virtual_ward.stay_days))


class VirtualWard:
    """One ICP's virtual ward: its places and its counts (zeroed at the end of the warm-up)."""

    def __init__(self, station: Station, section: Section) -> None:
        self.station = station
        self.section = section
        self.reset()

    def reset(self) -> None:
        self.admissions = 0
        self.step_ups = 0
        self.step_downs = 0
        self.conversions = 0
        self.deaths = 0
        self.discharges = 0

    def counts(self) -> dict[str, float]:
        return {"vw_admissions": float(self.admissions), "vw_step_up": float(self.step_ups),
                "vw_step_down": float(self.step_downs), "vw_conversions": float(self.conversions),
                "vw_deaths": float(self.deaths), "vw_discharges": float(self.discharges),
                "vw_busy_days": self.station.busy_area}

    def capacity(self) -> dict[str, float]:
        return {"vw_places": float(self.station.nominal_capacity)}

    def has_a_free_place(self) -> bool:
        return self.station.available and self.station.count < self.station.capacity


def build(env, scenario, services: IcpServices, cohort_sizes: list[int]) -> VirtualWard:
    """The ICP's share of the area's places (largest remainder, by cohort size or allocation)."""
    places = capacities(scenario, NAME, "places", cohort_sizes)[services.index]
    return VirtualWard(Station(env, places, f"{services.name}/{NAME}"), scenario.virtual_ward)


# ----------------------------------------------------------------------------- hooks into the journeys

def instead_of_admission(model: DorothyModel, crisis: Crisis, source: str):
    """Step-up: the stay on the ward (a process to follow) instead of an acute bed, if a place is
    free now and the crisis is taken; else None (``source``: "rapid_response" after a visit, or
    "ed")."""
    ward: VirtualWard = crisis.services.plugins[NAME]
    if not ward.has_a_free_place() or getattr(crisis, "vw_stays", 0):
        return None
    if source == "rapid_response":
        taken = crisis.seen_by_rr and crisis.draw.vw_step_up_rr < ward.section.p_step_up_rr
    else:
        taken = crisis.draw.vw_step_up_ed < ward.section.p_step_up_ed
    if not taken:
        return None
    ward.step_ups += 1
    return _on_the_ward(model, crisis, ward, ward.station.request(), crisis.days.vw_stay)


def plan_step_down(model: DorothyModel, crisis: Crisis, treatment: float) -> float | None:
    """Early supported discharge, decided on admission: the days in the acute bed before the move,
    or None if this patient is not to be stepped down."""
    ward: VirtualWard = crisis.services.plugins[NAME]
    if not ward.station.available or getattr(crisis, "vw_stays", 0):
        return None  # (a crisis is on the ward at most once: a conversion stays in hospital)
    if crisis.draw.vw_step_down >= ward.section.p_step_down:
        return None
    return treatment * ward.section.share_of_treatment_in_bed


def take_over(model: DorothyModel, crisis: Crisis) -> Request | None:
    """At the planned move: a place on the ward if one is free now (else the patient stays in bed)."""
    ward: VirtualWard = crisis.services.plugins[NAME]
    return ward.station.request() if ward.has_a_free_place() else None


def continue_at_home(model: DorothyModel, crisis: Crisis, place: Request, days_left: float):
    """A stepped-down patient, out of the acute bed: back in the books as in crisis now, and the rest of
    the treatment on the ward (a process to follow), as :func:`instead_of_admission` returns it."""
    ward: VirtualWard = crisis.services.plugins[NAME]
    ward.step_downs += 1
    model.cohort.move(crisis.slot, IN_CRISIS)
    model.in_crisis += 1
    return _on_the_ward(model, crisis, ward, place, days_left)


def _on_the_ward(model: DorothyModel, crisis: Crisis, ward: VirtualWard, place: Request, days: float):
    """A stay on the ward, then a conversion to an acute bed, death, or discharge onwards."""
    env, section = model.env, ward.section
    days = min(days, section.horizon_days)
    ward.admissions += 1
    crisis.vw_stays = 1
    outcome, converted, died = crisis.draw.vw_outcome, False, False
    route, onward_place = discharge.HOME, None
    with place:
        yield place
        if outcome < section.p_conversion:
            yield env.timeout(days * crisis.draw.vw_when)
            converted = True
        elif outcome < section.p_conversion + section.p_death:
            yield env.timeout(days * crisis.draw.vw_when)
            died = True
        else:
            yield env.timeout(days)
            # Discharged to the same onward pathways as from hospital, holding the place meanwhile.
            route = discharge.choose_route(model, crisis, had_liaison=False)
            if discharge.needs_place(model, crisis.slot, route):
                onward_place = yield from discharge.wait_for_place(model, crisis, route, math.inf)
    model.in_crisis -= 1
    if converted:
        ward.conversions += 1
        yield from acute.stay(model, crisis)
    elif died:
        ward.deaths += 1
        model.leave(crisis.slot, died=True)
    else:
        ward.discharges += 1
        acute.go_onward(model, crisis, route, onward_place)


# ----------------------------------------------------------------------------- KPIs

def kpis(c: dict[str, float], capacity: dict[str, float], scenario, days: float) -> dict[str, float]:
    """The ward's KPIs from its counts (an ICP's, or every ICP's summed)."""
    places = capacity["vw_places"]
    return {
        "vw_admissions": c["vw_admissions"],
        "vw_step_up": c["vw_step_up"],
        "vw_step_down": c["vw_step_down"],
        "vw_conversions": c["vw_conversions"],
        "vw_deaths": c["vw_deaths"],
        "vw_bed_days": c["vw_busy_days"],
        "vw_utilisation_pct": 100.0 * c["vw_busy_days"] / (places * days) if places > 0 else math.nan,
        "cost_virtual_ward_gbp": places * days * scenario.virtual_ward.cost_per_place_day,
    }
