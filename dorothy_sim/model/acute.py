"""The acute stay: a bed, treatment to medically fit, discharge planning, and the wait to leave.

    decision to admit ─► wait for a bed (recorded, not hidden) ─► treatment (lognormal by frailty;
    mental-health liaison (8) shortens it for dementia or delirium) ─► medically fit (MFFD)
      ─► dies in hospital with p by frailty, or
      ─► discharge planning (7): assessment by a coordinator, started at admission for a share
         of patients (proactive) or at MFFD; ward-led delay when no coordinator service exists;
         for pathways 1-3 the assessment teams (social care, continuing healthcare) and the
         patient's and family's choice
      ─► pathway 0 home │ 1 reablement or home-care package │ 2 community bed │ 3 care home,
         waiting in the acute bed for the place: all of it after MFFD is the delayed bed days, kept
         by what the person waits for (model/delays.py)
      ─► leaves the bed; onward care runs in model/downstream.py

``acute.los_cap_days`` (off by default) caps the stays of people aged 70+ (seed 004's lever): at
the cap the person leaves, to their place if it is ready, otherwise home (pathway 0).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dorothy_sim.model import discharge, downstream, mdt, readmission
from dorothy_sim.model.cohort import AGE_65_69, AT_HOME, IN_ACUTE, IN_COMMUNITY_BED
from dorothy_sim.model.delays import DISCHARGE_PROCESS
from dorothy_sim.model.discharge import CARE_HOME, COMMUNITY_BED, HOME, HOME_CARE, REABLEMENT
from dorothy_sim.model.draws import by_frailty, duration, uniform
from dorothy_sim.scenario import CRISIS_TYPES

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel

DELIRIUM = CRISIS_TYPES.index("delirium")
TROLLEY_WAIT_DAYS = 0.5  # a "12-hour trolley wait": over 12 hours from the decision to admit to a bed

uniform("proactive")  # does discharge planning start on admission?
uniform("death_in_hospital")  # does the person die in hospital?
uniform("discharge_mdt")  # discharged: referred to the MDT?
uniform("post_discharge_death")  # when the extra risk of death after discharge strikes, if at all
duration("treatment", by_frailty(lambda scenario: scenario.acute.treatment_days))


def stay(model: DorothyModel, crisis: Crisis):
    """An emergency admission, from the decision to admit until the person leaves the bed."""
    env, cohort, scenario = model.env, model.cohort, model.scenario
    services, tally, slot = crisis.services, crisis.tally, crisis.slot
    frailty = cohort.frailty[slot]
    tally.admissions += 1
    tally.admissions_by_frailty[frailty] += 1
    readmission.on_admission(model, crisis)
    cohort.move(slot, IN_ACUTE)
    downstream.end_reablement_on_admission(model, slot)

    decided = env.now
    services.awaiting_bed += 1
    with services.beds.request() as bed:
        yield bed  # (a free bed is granted on the spot)
        services.awaiting_bed -= 1
        admitted = env.now
        tally.bed_waits += 1
        tally.bed_wait_days += admitted - decided  # (on a trolley or in a corridor: counted as bed use)
        if admitted - decided > TROLLEY_WAIT_DAYS:
            tally.trolley_waits_12h += 1
        services.cohort_in_beds.add(1)
        cap = scenario.acute.los_cap_days
        deadline = admitted + cap if cap is not None and cohort.age_band[slot] != AGE_65_69 else math.inf

        # Treatment to medically fit, with mental-health liaison if there is a free case slot.
        stepped_down = None
        treatment = crisis.days.treatment
        liaison = None
        needs_liaison = cohort.dementia[slot] or crisis.kind == DELIRIUM
        if needs_liaison and services.mh_liaison.count < services.mh_liaison.nominal_capacity:
            liaison = services.mh_liaison.request()
            tally.mh_liaison_cases += 1
            treatment *= 1.0 - scenario.mh_liaison.los_reduction

        # The likely discharge route is known early; proactive planning starts on admission.
        route = discharge.choose_route(model, crisis, had_liaison=liaison is not None)
        planning = None
        if services.discharge.available and crisis.draw.proactive < scenario.discharge.proactive_share:
            planning = env.start(discharge.assess(model, crisis, route))
        # Early supported discharge: a plug-in service (a virtual ward) may plan to take the rest of
        # the treatment home after the first days in the bed.
        step_down, days_in_bed = _planned_step_down(model, crisis, treatment)
        yield env.timeout(min(days_in_bed, discharge.time_left(env, deadline)))
        if step_down is not None and env.now < deadline:
            place = step_down.take_over(model, crisis)
            if place is not None:  # a place was free: home, with the treatment left
                if planning is not None and planning.is_alive:
                    planning.interrupt("stepped down")
                _record_stay(model, crisis, admitted, medically_fit=None)
                stepped_down = (step_down, place, treatment - days_in_bed)
            else:  # no place free: the rest of the treatment in the bed
                yield env.timeout(min(treatment - days_in_bed, discharge.time_left(env, deadline)))
        if liaison is not None:
            services.mh_liaison.release(liaison)
        if stepped_down is None:
            route, place = yield from _to_medically_fit_and_out(model, crisis, admitted, deadline,
                                                                planning, route)
    if stepped_down is not None:
        step_down, place, days_left = stepped_down
        yield from step_down.continue_at_home(model, crisis, place, days_left)
    elif route is not None:
        tally.pathway[discharge.PATHWAY_OF_ROUTE[route]] += 1  # (discharges from the acute bed)
        if model.week.is_weekend(env.now):
            tally.weekend_discharges += 1
        if route != CARE_HOME:
            readmission.on_discharge_home(model, crisis, route)
        go_onward(model, crisis, route, place)


def _planned_step_down(model: DorothyModel, crisis: Crisis, treatment: float):
    """(the plug-in that plans to take the patient home early, days in the bed first), or
    (None, the whole treatment)."""
    for step_down in model.step_downs:
        days_in_bed = step_down.plan_step_down(model, crisis, treatment)
        if days_in_bed is not None:
            return step_down, days_in_bed
    return None, treatment


def _to_medically_fit_and_out(model: DorothyModel, crisis: Crisis, admitted: float, deadline: float,
                              planning, route: int):
    """From the end of treatment until the person leaves the bed: death in hospital, or medically
    fit, discharge planning and the wait for the place. Returns (route, place); route None if the
    person died or left the cohort."""
    env, services, tally, slot = model.env, crisis.services, crisis.tally, crisis.slot
    if crisis.draw.death_in_hospital < services.p_death_in_hospital[model.cohort.frailty[slot]]:
        if planning is not None and planning.is_alive:
            planning.interrupt("died")
        _record_stay(model, crisis, admitted, medically_fit=None)
        tally.deaths_in_hospital += 1
        model.leave(slot, died=True)
        return None, None

    medically_fit = env.now
    ledger = services.delays
    delay = ledger.start(DISCHARGE_PROCESS)  # what the person waits for now (model/delays.py)
    if env.now < deadline:
        delay = yield from discharge.plan(model, crisis, planning, route, deadline, delay)
    route = readmission.decondition(model, crisis, route, days_in_bed=env.now - admitted)
    route = discharge.confirm_route(model, services, slot, route)
    place = None
    if discharge.needs_place(model, slot, route):
        delay = ledger.switch(delay, discharge.PLACE_REASON[route])
        latest = min(deadline, env.now + services.max_place_wait[route])
        place = yield from discharge.wait_for_place(model, crisis, route, latest)
        if place is None:  # the stay cap, or the longest wait for the place, came first
            if env.now < deadline:
                tally.place_waits_given_up += 1
            route = HOME
    held = discharge.weekend_hold(model, crisis, deadline)
    if held:
        delay = ledger.switch(delay, DISCHARGE_PROCESS)
        yield from discharge.held_for_the_weekend(model, crisis, route, held)
    ledger.end(delay)
    _record_stay(model, crisis, admitted, medically_fit)
    return route, place


def go_onward(model: DorothyModel, crisis: Crisis, route: int, place) -> None:
    """Out of the bed (an acute bed, or a virtual ward's place): onward care by the route.
    ``place`` is the route's granted place (None for home, or a package already in place)."""
    env, cohort, slot = model.env, model.cohort, crisis.slot
    if route == CARE_HOME:
        model.leave(slot, died=False)  # into long-term care: out of the cohort
        return
    model.schedule_post_discharge_death(slot, crisis.draw.post_discharge_death)
    if crisis.draw.discharge_mdt < model.scenario.discharge.p_mdt_referral:
        mdt.refer(model, slot)
    if route == COMMUNITY_BED:
        cohort.move(slot, IN_COMMUNITY_BED)
        env.start(downstream.community_stay(model, crisis, place))
        return
    cohort.move(slot, AT_HOME)
    if route == REABLEMENT:
        downstream.start_reablement(model, crisis, place, from_hospital=True)
    elif route == HOME_CARE and place is not None:  # (None: a package the person already had)
        downstream.start_package(model, crisis, place)


def _record_stay(model: DorothyModel, crisis: Crisis, admitted: float,
                 medically_fit: float | None) -> None:
    """The stay's statistics, as the person leaves the bed."""
    now = model.env.now
    services, tally = crisis.services, crisis.tally
    services.cohort_in_beds.add(-1)
    tally.record_stay(now - admitted)
    if medically_fit is not None:
        tally.discharge_delays += 1
        tally.discharge_delay_days += now - medically_fit
