"""A crisis, from the call to the end of the episode: the patient flow of MODEL.md §3.

    crisis at home ─► single point of access routes the call ─► rapid response (2-hour window)
       │ not routed, not reached in time, or conveyed                 │ treated at home
       ▼                                                              ▼
    ambulance ─► A&E ─► admit? (decided on arrival; expert opinion and a care plan lower p)
                           │ no: hours in the department, then home (+ MDT referral)
                           │ yes
                           ▼
                   acute stay, discharge planning and onward care (model/acute.py)

The random numbers for every decision come with the crisis (``u`` uniforms, and ``d`` durations
worked out from its normals; see ``model/cohort.py``), so two scenarios take each decision for the
same crisis with the same draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dorothy_sim.model import acute, mdt, rapid_response
from dorothy_sim.model.cohort import (
    AT_HOME,
    D_ED_HOURS,
    IN_CRISIS,
    U_ADMIT,
    U_ED_MDT,
    U_ROUTE,
)
from dorothy_sim.model.engine import Lean

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices


def start_crisis(model: DorothyModel, slot: int, crisis_type: int, u: list[float],
                 d: list[float]) -> None:
    """One crisis of the person in ``slot``, from the call onwards."""
    cohort = model.cohort
    services = model.services[cohort.icp[slot]]
    model.tallies[services.index].crises += 1
    cohort.state[slot] = IN_CRISIS
    model.in_crisis += 1

    # Single point of access (intervention 4) decides whether the call reaches rapid response.
    if services.rr.available and u[U_ROUTE] < model.rr_routing_share:
        rapid_response.refer((model, services, slot, crisis_type, u, d), _after_rapid_response)
    else:
        _attend_ed(model, services, slot, crisis_type, u, d)


def _after_rapid_response(crisis: tuple, treated_at_home: bool) -> None:
    model, services, slot, crisis_type, u, d = crisis
    if treated_at_home:
        _back_home(model, slot)
        rapid_response.after_home_treatment(model, services, slot, u, d)
    else:
        _attend_ed(model, services, slot, crisis_type, u, d)


def _attend_ed(model: DorothyModel, services: IcpServices, slot: int, crisis_type: int,
               u: list[float], d: list[float]) -> None:
    """Ambulance and A&E: the front-door decision is made on arrival (expert opinion and an active
    care plan lower the chance of admission); then hours in the department, then a bed or home.

    Why a timed call and not a process: half of all crises end with the person sent home, and the
    admitted start their stay as a process only when they leave the department.
    """
    env = model.env
    model.tallies[services.index].ed_attendances += 1
    hours = d[D_ED_HOURS]
    if u[U_ADMIT] < _p_admit(model, slot):
        env.call_later(hours / 24.0, _to_acute_bed, (model, services, slot, crisis_type, u, d))
    else:
        env.call_later(hours / 24.0, _home_from_ed, (model, slot, u))


def _p_admit(model: DorothyModel, slot: int) -> float:
    """The chance of admission at A&E: by frailty, lowered by expert opinion (in
    ``model.p_admit``) and by an active care plan."""
    cohort = model.cohort
    p_admit = model.p_admit[cohort.frailty[slot]]
    if cohort.plan_until[slot] > model.env._now:
        p_admit *= model.plan_admit_factor
    return p_admit


def _home_from_ed(args: tuple) -> None:
    model, slot, u = args
    _back_home(model, slot)
    if u[U_ED_MDT] < model.scenario.ed.p_mdt_referral_not_admitted:
        mdt.refer(model, slot)


def _to_acute_bed(args: tuple) -> None:
    model, services, slot, crisis_type, u, d = args
    model.in_crisis -= 1
    Lean(model.env, acute.stay(model, services, slot, crisis_type, u, d))


def _back_home(model: DorothyModel, slot: int) -> None:
    model.in_crisis -= 1
    model.cohort.state[slot] = AT_HOME
