"""Discharge planning (intervention 7) and the wait for a place while still in the acute bed.

A discharge coordinator carries ``cases_per_coordinator`` assessments at once. Proactive planning
starts the assessment on the day of admission, so it is usually done by the time the person is
medically fit; otherwise it starts at medically fit. With no coordinators the ward arranges the
discharge after a ward-led delay. The pathway is then drawn by frailty (Discharge to Assess):

    pathway 0 home │ 1 home with reablement or a home-care package │ 2 community bed │ 3 care home

Before a place is arranged the person may wait for assessments (the assessment teams: council
social care, NHS continuing healthcare; :mod:`~dorothy_sim.model.assessment`) and for the patient's
and family's choice (pathways 1-3: a share by route takes ``discharge.patient_choice_days``, which no
capacity shortens); then they wait in the acute bed until the place is free. All of this is the
delayed (medically fit for discharge, MFFD) bed days, kept by what the person waits for
(:mod:`~dorothy_sim.model.delays`). A route whose service has no capacity in the scenario
is not offered; the coordinator falls back along the chain care home → community bed →
reablement → home-care package → home (and a package route with no package service goes home),
so a zero-capacity scenario never strands anyone.

Weekends (``discharge.weekend_discharge_factor``, f; the calendar is :mod:`dorothy_sim.model.week`):
fewer people leave hospital on a Saturday or Sunday than on a weekday. Two things follow from it.
Assessments go at pace f on a weekend day (a weekend day does f of a weekday's assessing), and a
person ready to leave on a weekend day (discharge arranged, place granted) leaves that day with
chance f; otherwise they stay in the bed (delayed bed days, the place kept for them) until the next
day, and leave on Monday at the latest. The days held are worked out when the person is ready, never
past the stay cap.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy

from dorothy_sim.model.cohort import cumulative_shares
from dorothy_sim.model.delays import (
    CARE_HOME_PLACEMENT,
    DISCHARGE_PROCESS,
    HOME_CARE_PACKAGE,
    INTERMEDIATE_CARE,
    PATIENT_CHOICE,
)
from dorothy_sim.model.draws import duration, uniform
from dorothy_sim.model.stations import Request
from dorothy_sim.model.week import DAYS_A_WEEK, SATURDAY, Week
from dorothy_sim.scenario import FRAILTY_LEVELS, Scenario
from dorothy_sim.streams import Duration

if TYPE_CHECKING:
    from dorothy_sim.model.engine import Lean
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

HOME, REABLEMENT, HOME_CARE, COMMUNITY_BED, CARE_HOME = range(5)
PATHWAY_OF_ROUTE = (0, 1, 1, 2, 3)
FALLBACKS = {
    HOME: (HOME,),
    REABLEMENT: (REABLEMENT, HOME_CARE, HOME),
    HOME_CARE: (HOME_CARE, HOME),  # no package service: home with informal or existing care
    COMMUNITY_BED: (COMMUNITY_BED, REABLEMENT, HOME_CARE, HOME),
    CARE_HOME: (CARE_HOME, COMMUNITY_BED, REABLEMENT, HOME_CARE, HOME),
}

PLACE_REASON = (DISCHARGE_PROCESS, INTERMEDIATE_CARE, HOME_CARE_PACKAGE, INTERMEDIATE_CARE,
                CARE_HOME_PLACEMENT)
"""What a person waiting for each route's place waits for (model/delays.py), by route."""

uniform("pathway")  # the discharge pathway, by frailty
uniform("p1_split")  # pathway 1: reablement or a home-care package?
uniform("liaison_care_home")  # pathway 3 with mental-health liaison: home with support instead?
duration("assessment_simple", lambda scenario: Duration(scenario.discharge.assessment_days_simple))
duration("assessment_complex", lambda scenario: Duration(scenario.discharge.assessment_days_complex))
uniform("patient_choice")  # pathways 1-3: does the patient or family take time to choose?
duration("choice_days", lambda scenario: Duration(scenario.discharge.patient_choice_days))
uniform("weekend_discharge")  # ready on a weekend day: the day the person leaves (see days_held)


def time_left(env, deadline: float) -> float:
    """Time until the stay cap, never negative (floating-point sums can overshoot by 1e-15)."""
    return max(deadline - env.now, 0.0)


def assessment_days(route: int, crisis: Crisis) -> float:
    """Time to assess and arrange a discharge: longer for pathways 1-3 than for going home."""
    return crisis.days.assessment_simple if route == HOME else crisis.days.assessment_complex


def assess(model: DorothyModel, crisis: Crisis, route: int):
    """A coordinator's assessment of one discharge (a process). Interrupted, and the coordinator
    freed (or the queue left), if the patient dies or reaches the stay cap first."""
    env = model.env
    with crisis.services.discharge.request() as coordinator:
        try:
            yield coordinator
            yield env.timeout(assessment_days(route, crisis))
        except simpy.Interrupt:
            pass


def plan(model: DorothyModel, crisis: Crisis, planning: Lean | None, route: int, deadline: float,
         delay: int):
    """From medically fit until the discharge is arranged: the assessment (by a coordinator, or
    ward-led), then for a route that needs a place the assessments that must come before it (the
    assessment teams: social care, continuing healthcare) and the patient's and family's choice.
    ``delay`` is what the person waits for (model/delays.py); returns what they wait for at the end."""
    env, ledger = model.env, crisis.services.delays
    yield from _assessed(model, crisis, planning, route, deadline)
    if not needs_place(model, crisis.slot, route):
        return delay
    for team in model.assessment_teams:
        if env.now >= deadline:
            return delay
        step = team.assessment_for(model, crisis, route, deadline)
        if step is not None:
            delay = ledger.switch(delay, team.REASON)
            yield from step
    share = model.choice_share_care_home if route == CARE_HOME else model.choice_share_other
    if crisis.draw.patient_choice < share and env.now < deadline:
        delay = ledger.switch(delay, PATIENT_CHOICE)
        yield env.timeout(min(crisis.days.choice_days, time_left(env, deadline)))
    return delay


def weekend_hold(model: DorothyModel, crisis: Crisis, deadline: float) -> float:
    """Ready to leave the acute bed now: how long the person stays for the weekend. None of it on a
    weekday; on a weekend day whole days (:func:`days_held`), never past the stay cap. A number, not
    a process: the caller waits only when it is not zero (most discharges are on a weekday)."""
    now, week = model.env._now, model.week
    if not week.is_weekend(now) or now >= deadline:
        return 0.0
    held = days_held(week, now, crisis.draw.weekend_discharge)
    return min(held, deadline - now) if held else 0.0


def held_for_the_weekend(model: DorothyModel, crisis: Crisis, route: int, days: float):
    """``days`` more in the acute bed, the place granted kept for the person. A community bed kept
    is counted (``services.community_beds_kept``): the books tell it from a bed someone is in."""
    services = crisis.services
    kept = route == COMMUNITY_BED
    services.community_beds_kept += kept
    yield model.env.timeout(days)
    services.community_beds_kept -= kept


def days_held(week: Week, now: float, draw: float) -> int:
    """Whole days a person ready at ``now`` stays in the bed: none on a weekday; on a weekend day
    none with chance f (``week.weekend_pace``), else one more day and the same again, so Monday at
    the latest. One uniform decides every day: when it is at least f, (draw - f) / (1 - f) is again
    uniform on [0, 1) and independent of the first decision, and decides the next day. Time of day is
    kept (a person ready at 14:00 on Saturday and held a day leaves at 14:00 on Sunday)."""
    chance, day, held = week.weekend_pace, week.weekday(now), 0
    while day >= SATURDAY and draw >= chance:
        draw = (draw - chance) / (1.0 - chance)
        held += 1
        day = (day + 1) % DAYS_A_WEEK
    return held


def _assessed(model: DorothyModel, crisis: Crisis, planning: Lean | None, route: int, deadline: float):
    env, services = model.env, crisis.services
    if not services.discharge.available:
        delay = assessment_days(route, crisis) * services.ward_led_delay_factor
        yield env.timeout(min(delay, time_left(env, deadline)))
        return
    if planning is not None and not planning.is_alive:
        return  # proactive planning finished before medically fit: nothing to wait for
    if planning is None and math.isinf(deadline):
        yield from assess(model, crisis, route)  # reactive planning, in this process
        return
    if planning is None:
        planning = env.start(assess(model, crisis, route))
    if math.isinf(deadline):
        yield planning.done
    else:
        yield planning.done | env.timeout(time_left(env, deadline))
        if planning.is_alive:
            planning.interrupt("stay cap reached")


def choose_route(model: DorothyModel, crisis: Crisis, had_liaison: bool) -> int:
    """The likely route out of hospital, drawn by frailty on admission (Discharge to Assess)."""
    scenario, services = model.scenario, crisis.services
    draw, pathway = crisis.draw.pathway, 3
    for number, edge in enumerate(services.pathway_edges[model.cohort.frailty[crisis.slot]]):
        if draw < edge:
            pathway = number
            break
    liaison = scenario.mh_liaison
    if pathway == 3 and had_liaison and crisis.draw.liaison_care_home < liaison.care_home_reduction:
        pathway = 1
    if pathway == 0:
        route = HOME
    elif pathway == 1:
        route = REABLEMENT if crisis.draw.p1_split < scenario.discharge.p1_reablement_share else HOME_CARE
    else:
        route = COMMUNITY_BED if pathway == 2 else CARE_HOME
    crisis.needed_route = route  # (what the person needs, before the fallbacks: model/readmission.py)
    return confirm_route(model, services, crisis.slot, route)


def pathway_edges(scenario: Scenario) -> list[list[float]]:
    """Cumulative pathway shares by frailty level (the edges a uniform draw is compared with)."""
    return [cumulative_shares(tuple(scenario.discharge.pathway_shares[level])) for level in FRAILTY_LEVELS]


def confirm_route(model: DorothyModel, services: IcpServices, slot: int, route: int) -> int:
    """The first route along ``route``'s fallback chain that the scenario offers. Called when the
    route is chosen and again once the discharge is arranged: a home-care package the person
    already had may have ended meanwhile."""
    return services.offered_route[model.cohort.package_until[slot] > model.env._now][route]


def offered_routes(services: IcpServices) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """For a person without, then with, a home-care package: each route's first offered option
    along its fallback chain. Capacities are fixed for a run, so this is a table built once."""
    return tuple(
        tuple(next((option for option in FALLBACKS[route] if _offered(services, option, has_package)), HOME)
              for route in range(len(FALLBACKS)))
        for has_package in (False, True))  # type: ignore[return-value]


def _offered(services: IcpServices, route: int, has_package: bool) -> bool:
    if route == HOME:
        return True
    if route == REABLEMENT:
        return services.reablement.available
    if route == HOME_CARE:
        return has_package or services.home_care.available
    if route == COMMUNITY_BED:
        return services.community_beds.available
    return services.care_homes.available


def max_place_waits(scenario: Scenario) -> tuple[float, ...]:
    """The longest a person waits in the acute bed for each route's place (by route): for a
    reablement place or a community bed ``max_wait_days`` if set (then home without it: bridging
    fails, an unsupported discharge), otherwise for as long as it takes."""
    def most(days: float | None) -> float:
        return math.inf if days is None else days
    return (math.inf, most(scenario.reablement.max_wait_days), math.inf,
            most(scenario.community_beds.max_wait_days), math.inf)


def needs_place(model: DorothyModel, slot: int, route: int) -> bool:
    """Whether the route needs a place to be found (home does not, nor a package already in place)."""
    if route == HOME:
        return False
    return not (route == HOME_CARE and model.cohort.package_until[slot] > model.env.now)


def wait_for_place(model: DorothyModel, crisis: Crisis, route: int, deadline: float):
    """Wait in the acute bed for the route's place (see :func:`needs_place`). Returns the granted
    place (a station's request, or a care-home placement), or None if the stay cap came first."""
    env, services, tally = model.env, crisis.services, crisis.tally
    asked = env.now
    if route == HOME_CARE and services.package_start_delay > 0:
        yield env.timeout(min(services.package_start_delay, time_left(env, deadline)))
        if env.now >= deadline:
            return None
    if route == CARE_HOME:
        placement = services.care_homes.request()
        granted = yield from wait_until(env, placement, deadline)
        if not granted:
            services.care_homes.cancel(placement)
            return None
        tally.care_home_waits += 1
        tally.care_home_wait_days += env.now - asked
        return placement
    station = {REABLEMENT: services.reablement, HOME_CARE: services.home_care,
               COMMUNITY_BED: services.community_beds}[route]
    place: Request = station.request(priority=0)
    granted = yield from wait_until(env, place, deadline)
    if not granted:
        station.renege(place)
        return None
    wait = env.now - asked
    if route == REABLEMENT:
        tally.reablement_waits += 1
        tally.reablement_wait_days += wait
    elif route == HOME_CARE:
        tally.home_care_waits += 1
        tally.home_care_wait_days += wait
    else:
        tally.community_bed_admissions += 1
        tally.community_bed_wait_days += wait
    return place


def wait_until(env, event, deadline: float):
    """Wait for ``event`` until the stay cap; returns whether it came first."""
    if event.triggered:
        return True
    if math.isinf(deadline):
        yield event
        return True
    yield event | env.timeout(time_left(env, deadline))
    return event.triggered
