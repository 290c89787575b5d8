"""Discharge planning (intervention 7) and the wait for a place while still in the acute bed.

A discharge coordinator carries ``cases_per_coordinator`` assessments at once. Proactive planning
starts the assessment on the day of admission, so it is usually done by the time the person is
medically fit; otherwise it starts at medically fit. With no coordinators the ward arranges the
discharge after a ward-led delay. The pathway is then drawn by frailty (Discharge to Assess):

    pathway 0 home │ 1 home with reablement or a home-care package │ 2 community bed │ 3 care home

and the person waits in the acute bed until the place is free: these waits are the delayed
(medically fit for discharge, MFFD) bed days. A route whose service has no capacity in the scenario
is not offered; the coordinator falls back along the chain care home → community bed →
reablement → home-care package → home (and a package route with no package service goes home),
so a zero-capacity scenario never strands anyone.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy

from dorothy_sim.model.cohort import (
    D_ARRANGEMENT,
    D_ASSESSMENT_COMPLEX,
    D_ASSESSMENT_SIMPLE,
    U_LIAISON_CH,
    U_P1_SPLIT,
    U_PATHWAY,
    cumulative_shares,
)
from dorothy_sim.model.engine import Deadline, Lean
from dorothy_sim.scenario import FRAILTY_LEVELS, Scenario

if TYPE_CHECKING:
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
EXISTING_PACKAGE = "existing package"


def time_left(env, deadline: float) -> float:
    """Time until the stay cap, never negative (floating-point sums can overshoot by 1e-15)."""
    return max(deadline - env._now, 0.0)


def assessment_days(route: int, d: list[float]) -> float:
    """Time to assess and arrange a discharge: longer for pathways 1-3 than for going home."""
    return d[D_ASSESSMENT_SIMPLE if route == HOME else D_ASSESSMENT_COMPLEX]


def assess(model: DorothyModel, services: IcpServices, route: int, d: list[float]):
    """A coordinator's assessment of one discharge (a lean process). Interrupted, and the
    coordinator freed, if the patient dies or reaches the stay cap first."""
    station = services.discharge
    coordinator = station.request()
    try:
        if coordinator.callbacks is not None:  # all busy: wait for one
            yield coordinator
        yield assessment_days(route, d)
    except simpy.Interrupt:
        if not coordinator.triggered:
            station.renege(coordinator)
            return
    station.release(coordinator)


def plan(model: DorothyModel, services: IcpServices, slot: int, planning, route: int,
         d: list[float], deadline: float):
    """From medically fit until the discharge is arranged: the assessment (by a coordinator, or
    ward-led), then for pathways 1-3 the arranging of onward care."""
    yield from _assessed(model, services, planning, route, d, deadline)
    restarting_package = route == HOME_CARE and model.cohort.package_until[slot] > model.env._now
    if route != HOME and not restarting_package and model.env._now < deadline:
        arranging = d[D_ARRANGEMENT]
        yield min(arranging, time_left(model.env, deadline))


def _assessed(model: DorothyModel, services: IcpServices, planning, route: int, d: list[float],
              deadline: float):
    env = model.env
    if services.discharge.available:
        if planning is not None and not planning.is_alive:
            return  # proactive planning finished before medically fit: nothing to wait for
        if planning is None and math.isinf(deadline):
            yield from assess(model, services, route, d)  # reactive planning, inline
            return
        if planning is None:
            planning = Lean(env, assess(model, services, route, d))
        if math.isinf(deadline):
            yield planning.done
        else:
            yield Deadline(planning.done, time_left(env, deadline))
            if planning.is_alive:
                planning.interrupt("stay cap reached")
    else:
        delay = assessment_days(route, d) * services.ward_led_delay_factor
        yield min(delay, time_left(env, deadline))


def choose_route(model: DorothyModel, services: IcpServices, slot: int, u: list[float],
                 had_liaison: bool) -> int:
    scenario = model.scenario
    draw, pathway = u[U_PATHWAY], 3
    for number, edge in enumerate(services.pathway_edges[model.cohort.frailty[slot]]):
        if draw < edge:
            pathway = number
            break
    if pathway == 3 and had_liaison and u[U_LIAISON_CH] < scenario.mh_liaison.care_home_reduction:
        pathway = 1
    if pathway == 0:
        route = HOME
    elif pathway == 1:
        route = REABLEMENT if u[U_P1_SPLIT] < scenario.discharge.p1_reablement_share else HOME_CARE
    else:
        route = COMMUNITY_BED if pathway == 2 else CARE_HOME
    return confirm_route(model, services, slot, route)


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


def wait_for_place(model: DorothyModel, services: IcpServices, slot: int, route: int,
                   deadline: float):
    """Wait in the acute bed for the route's place. Returns the place (a granted request), True
    for home, or None if the stay cap ran out first."""
    env = model.env
    tally = model.tallies[services.index]
    if route == HOME:
        return True
    asked = env._now
    if route == HOME_CARE:
        if model.cohort.package_until[slot] > env._now:
            return EXISTING_PACKAGE
        if services.package_start_delay > 0:
            yield min(services.package_start_delay, time_left(env, deadline))
            if env._now >= deadline:
                return None
    if route == CARE_HOME:
        place = services.care_homes.request()
        granted = yield from _wait(env, place, deadline)
        if not granted:
            services.care_homes.cancel(place)
            return None
        tally.care_home_waits += 1
        tally.care_home_wait_days += env._now - asked
        return place
    station = {REABLEMENT: services.reablement, HOME_CARE: services.home_care,
               COMMUNITY_BED: services.community_beds}[route]
    place = station.request(priority=0)
    granted = yield from _wait(env, place, deadline)
    if not granted:
        station.renege(place)
        return None
    wait = env._now - asked
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


def _wait(env, event, deadline: float):
    if event.triggered:
        return True
    if math.isinf(deadline):
        yield event
        return True
    return (yield Deadline(event, time_left(env, deadline)))
