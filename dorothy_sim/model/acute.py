"""The acute stay: a bed, treatment to medically fit, discharge planning, and the wait to leave.

    decision to admit ─► wait for a bed (recorded, not hidden) ─► treatment (lognormal by frailty;
    mental-health liaison (8) shortens it for dementia or delirium) ─► medically fit (MFFD)
      ─► dies in hospital with p by frailty, or
      ─► discharge planning (7): assessment by a coordinator, started at admission for a share
         of patients (proactive) or at MFFD; ward-led delay when no coordinator service exists
      ─► pathway 0 home │ 1 reablement or home-care package │ 2 community bed │ 3 care home,
         waiting in the acute bed for the place: these are the delayed (MFFD) bed days
      ─► leaves the bed; onward care runs in model/downstream.py

``acute.los_cap_days`` (off by default) caps the stays of people aged 70+ (seed 004's lever): at
the cap the person leaves, to their place if it is ready, otherwise home (pathway 0).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import cython

from dorothy_sim.model import discharge, downstream, mdt
from dorothy_sim.model.cohort import (
    AGE_65_69,
    AT_HOME,
    D_TREATMENT,
    IN_ACUTE,
    IN_COMMUNITY_BED,
    U_DEATH,
    U_DISCHARGE_MDT,
    U_POST_DISCHARGE_DEATH,
    U_PROACTIVE,
)
from dorothy_sim.model.engine import Lean
from dorothy_sim.scenario import CRISIS_TYPES

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

DELIRIUM = CRISIS_TYPES.index("delirium")


# C types for the compiled core (docs/architecture.md); interpreted, this decorator does nothing.
@cython.locals(model="DorothyModel", services="IcpServices", slot=cython.Py_ssize_t, crisis_type=cython.long,
               u=list, d=list, tally="Tally", frailty=cython.long, decided=cython.double,
               admitted=cython.double, medically_fit=cython.double, deadline=cython.double,
               treatment=cython.double, route=cython.long)
def stay(model: DorothyModel, services: IcpServices, slot: int, crisis_type: int,
         u: list[float], d: list[float]):
    env, cohort, scenario = model.env, model.cohort, model.scenario
    tally = model.tallies[services.index]
    frailty = cohort.frailty[slot]
    tally.admissions += 1
    tally.admissions_by_frailty[frailty] += 1
    cohort.state[slot] = IN_ACUTE
    downstream.end_reablement_on_admission(model, slot)

    decided = env._now
    services.awaiting_bed += 1
    bed = services.beds.request()
    if bed.callbacks is not None:  # no free bed: wait (a free one is granted on the spot)
        yield bed
    services.awaiting_bed -= 1
    admitted = env._now
    tally.bed_waits += 1
    tally.bed_wait_days += admitted - decided
    services.cohort_in_beds.add(1)
    cap = scenario.acute.los_cap_days
    deadline = admitted + cap if cap is not None and cohort.age_band[slot] != AGE_65_69 else math.inf

    # Treatment to medically fit, with mental-health liaison if there is a free case slot.
    treatment = d[D_TREATMENT]
    liaison = None
    needs_liaison = cohort.dementia[slot] or crisis_type == DELIRIUM
    if needs_liaison and services.mh_liaison.count < services.mh_liaison.nominal_capacity:
        liaison = services.mh_liaison.request()
        tally.mh_liaison_cases += 1
        treatment *= 1.0 - scenario.mh_liaison.los_reduction

    # The likely discharge route is known early; proactive planning starts on admission.
    route = discharge.choose_route(model, services, slot, u, liaison is not None)
    planning = None
    if services.discharge.available and u[U_PROACTIVE] < scenario.discharge.proactive_share:
        planning = Lean(env, discharge.assess(model, services, route, d))
    yield treatment if deadline == math.inf else min(treatment, discharge.time_left(env, deadline))
    if liaison is not None:
        services.mh_liaison.release(liaison)

    if u[U_DEATH] < services.p_death_in_hospital[frailty]:
        if planning is not None and planning.is_alive:
            planning.interrupt("died")
        _leave_bed(model, services, bed, admitted, medically_fit=None)
        tally.deaths_in_hospital += 1
        model.leave(slot, died=True)
        return

    medically_fit = env._now
    services.mffd_in_beds.add(1)
    if env._now < deadline:
        yield from discharge.plan(model, services, slot, planning, route, d, deadline)
    route = discharge.confirm_route(model, services, slot, route)
    if route == discharge.HOME:
        place = True  # (no place to wait for: saves a generator for half the discharges)
    else:
        place = yield from discharge.wait_for_place(model, services, slot, route, deadline)
    if place is None:
        route = discharge.HOME  # the stay cap was reached before the place was ready
    _leave_bed(model, services, bed, admitted, medically_fit)
    tally.pathway[discharge.PATHWAY_OF_ROUTE[route]] += 1
    if route == discharge.CARE_HOME:
        model.leave(slot, died=False)  # into long-term care: out of the cohort
        return
    model.schedule_post_discharge_death(slot, u[U_POST_DISCHARGE_DEATH])
    if u[U_DISCHARGE_MDT] < scenario.discharge.p_mdt_referral:
        mdt.refer(model, slot)

    if route == discharge.HOME:
        cohort.state[slot] = AT_HOME
    elif route == discharge.REABLEMENT:
        cohort.state[slot] = AT_HOME
        downstream.start_reablement(model, services, slot, place, d, u, from_hospital=True)
    elif route == discharge.HOME_CARE:
        cohort.state[slot] = AT_HOME
        downstream.start_package(model, services, slot, place, d)
    else:  # community bed
        cohort.state[slot] = IN_COMMUNITY_BED
        Lean(env, downstream.community_stay(model, services, slot, place, d, u))


def _leave_bed(model: DorothyModel, services: IcpServices, bed, admitted: float,
               medically_fit: float | None) -> None:
    env = model.env
    tally = model.tallies[services.index]
    services.beds.release(bed)
    services.cohort_in_beds.add(-1)
    tally.record_stay(env._now - admitted)
    if medically_fit is not None:
        services.mffd_in_beds.add(-1)
        tally.discharge_delays += 1
        tally.discharge_delay_days += env._now - medically_fit
