"""A crisis, from the call to the end of the episode: the patient flow of MODEL.md §3.

    crisis at home ─► single point of access routes the call ─► rapid response (2-hour window)
       │ not routed, not reached in time, or conveyed                 │ treated at home
       ▼                                                              ▼
    ambulance ─► A&E ─► admit? (expert opinion, care plan lower p) ─► home (+ MDT referral)
                           │ yes
                           ▼
                   acute stay, discharge planning and onward care (model/acute.py)

The random numbers for every decision come with the crisis (``u`` uniforms, ``z`` normals; see
``model/cohort.py``), so two scenarios take each decision for the same crisis with the same draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dorothy_sim.model import acute, mdt, rapid_response
from dorothy_sim.model.cohort import (
    AT_HOME,
    IN_CRISIS,
    U_ADMIT,
    U_ED_MDT,
    U_ROUTE,
    Z_ED_HOURS,
)

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel


def crisis_episode(model: DorothyModel, slot: int, crisis_type: int, u: list[float],
                   z: list[float]):
    """SimPy process for one crisis of the person in ``slot``."""
    cohort, env, scenario = model.cohort, model.env, model.scenario
    icp = cohort.icp[slot]
    services = model.services[icp]
    tally = model.tallies[icp]
    tally.crises += 1
    cohort.state[slot] = IN_CRISIS
    model.in_crisis += 1

    # Single point of access (intervention 4) decides whether the call reaches rapid response.
    spa = scenario.spa
    routing_share = spa.rr_routing_share_on if spa.enabled else spa.rr_routing_share_off
    if services.rr.available and u[U_ROUTE] < routing_share:
        treated_at_home = yield from rapid_response.attend(model, services, slot, crisis_type, u, z)
        if treated_at_home:
            model.in_crisis -= 1
            cohort.state[slot] = AT_HOME
            rapid_response.after_home_treatment(model, services, slot, u, z)
            return

    # Ambulance and A&E.
    tally.ed_attendances += 1
    yield env.timeout(services.ed_hours.from_normal(z[Z_ED_HOURS]) / 24.0)
    p_admit = scenario.ed.p_admit.as_tuple()[cohort.frailty[slot]]
    if scenario.expert_opinion.enabled:
        p_admit *= 1.0 - scenario.expert_opinion.admission_reduction
    if cohort.plan_until[slot] > env.now:
        p_admit *= 1.0 - scenario.mdt.admission_reduction
    if u[U_ADMIT] >= p_admit:
        model.in_crisis -= 1
        cohort.state[slot] = AT_HOME
        if u[U_ED_MDT] < scenario.ed.p_mdt_referral_not_admitted:
            mdt.refer(model, slot)
        return

    model.in_crisis -= 1
    yield from acute.stay(model, services, slot, crisis_type, u, z)
