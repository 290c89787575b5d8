"""A crisis, from the call to the end of the episode: the patient flow of MODEL.md §3.

    crisis at home ─► a call to the single point of access (if open: a handler answers?) ─► routed
       to rapid response (the "on" share if answered, else "off") ─► rapid response (2-hour window)
       │ not routed, not reached in time, or conveyed                 │ treated at home
       ▼                                                              ▼
    would have stayed at home anyway? (rapid_response.stay_home_anyway_share) ─ yes ─► home
       │ no
       ▼
    ambulance ─► A&E ─► admit? (decided on arrival; a care plan lowers p; if the department would
                           │    admit, it calls the geriatrician advice line, whose answer lowers p)
                           │ no: hours in the department, then home (+ MDT referral)
                           │ yes
                           ▼
                   acute stay, discharge planning and onward care (model/acute.py)

One crisis is one process (:func:`crisis_journey`), read top to bottom. Its random numbers are named
draws that come with the crisis (``crisis.draw.admit``, ``crisis.days.ed_hours``; see
``model/draws.py``), so two scenarios take each decision for the same crisis with the same draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dorothy_sim.model import acute, mdt, rapid_response
from dorothy_sim.model.cohort import AT_HOME, IN_CRISIS
from dorothy_sim.model.draws import duration, uniform
from dorothy_sim.streams import Duration

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices
    from dorothy_sim.model.tally import Tally

uniform("route")  # single point of access: is the call routed to rapid response?
uniform("rr_home_anyway")  # not treated at home by rapid response: would the person have stayed home?
uniform("admit")  # A&E: is the person admitted?
uniform("ed_mdt")  # A&E, sent home: referred to the MDT?
duration("ed_hours", lambda scenario: Duration(scenario.ed.hours_in_department))


@dataclass
class Crisis:
    """One crisis of one person: who, what kind, which ICP's services, and its named draws. A service
    module may note its own facts about the crisis as attributes of its own (no slots, on purpose)."""

    slot: int
    generation: int
    kind: int  # index into scenario.CRISIS_TYPES
    services: IcpServices
    tally: Tally
    draw: Any  # the named uniforms (model/draws.py): crisis.draw.admit...
    days: Any  # the named durations: crisis.days.treatment...
    seen_by_rr: bool = False  # a rapid-response clinician visited (whatever the outcome)


def crisis_journey(model: DorothyModel, crisis: Crisis):
    """One crisis of the person in ``crisis.slot``, from the call onwards (a process)."""
    env = model.env
    services, tally = crisis.services, crisis.tally
    tally.crises += 1
    model.cohort.move(crisis.slot, IN_CRISIS)
    model.in_crisis += 1

    # The first contact: a plug-in (the single point of access, intervention 4) takes the call while
    # open and decides the share routed to rapid response; otherwise the usual routes' share.
    routing_share = model.rr_routing_share_off
    for first_contact in model.first_contacts:
        call = first_contact(model, crisis)
        if call is not None:
            routing_share = yield from call
            break
    if services.rr.available and crisis.draw.route < routing_share:
        treated_at_home = yield from rapid_response.visit(model, crisis)
        if treated_at_home:
            _back_home(model, crisis.slot)
            rapid_response.after_home_treatment(model, crisis)
            return
        instead = _instead_of_admission(model, crisis, "rapid_response")
        if instead is not None:
            yield from instead
            return

    # Not treated at home by rapid response: one it would have treated may have stayed at home
    # anyway, with no A&E attendance (the counterfactual of rapid response's benefit).
    if model.stay_home_anyway_share and rapid_response.would_stay_home(model, crisis):
        tally.stayed_home_anyway += 1
        _back_home(model, crisis.slot)
        return

    # Ambulance and A&E: the front-door decision is made on arrival, then hours in the department.
    tally.ed_attendances += 1
    p = p_admit(model, crisis.slot)
    admitted = crisis.draw.admit < p
    if admitted and model.turned_round(crisis, "ed", p):
        admitted = False  # turned round by a second opinion (the geriatrician advice line, 6)
    yield env.timeout(crisis.days.ed_hours / 24.0)
    if not admitted:
        _back_home(model, crisis.slot)
        if crisis.draw.ed_mdt < model.scenario.ed.p_mdt_referral_not_admitted:
            mdt.refer(model, crisis.slot)
        return
    instead = _instead_of_admission(model, crisis, "ed")
    if instead is not None:
        yield from instead
        return
    model.in_crisis -= 1
    yield from acute.stay(model, crisis)


def _instead_of_admission(model: DorothyModel, crisis: Crisis, source: str):
    """The care a plug-in service (a virtual ward, say) gives instead of an acute bed, as a process
    to follow, or None if no service takes the crisis: conveyed after rapid response (``source``
    "rapid_response") or admitted at A&E ("ed")."""
    for alternative in model.admission_alternatives:
        instead = alternative(model, crisis, source)
        if instead is not None:
            return instead
    return None


def p_admit(model: DorothyModel, slot: int) -> float:
    """The chance of admission at A&E before any expert opinion: by frailty, lowered by an active
    care plan."""
    cohort = model.cohort
    p = model.p_admit[cohort.frailty[slot]]
    if cohort.plan_until[slot] > model.env.now:
        p *= model.plan_admit_factor
    return p


def _back_home(model: DorothyModel, slot: int) -> None:
    model.in_crisis -= 1
    model.cohort.move(slot, AT_HOME)
