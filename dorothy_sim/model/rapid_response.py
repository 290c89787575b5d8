"""Rapid response (intervention 3): a community clinician at home within 2 hours.

Clinicians work a daily shift (08:00–20:00 by default). A referral is reached if a clinician can
start the visit within the response window; a referral outside the shift waits for the shift to
open if that is still inside the window, and a referral still waiting when the window closes goes
to the ambulance service instead (it reneges from the queue). Visits start only during the shift.
A visit treats the person at home with a probability by crisis type, raised by expert opinion
without referral (intervention 6); otherwise the person is conveyed to A&E. People treated at home
may be stepped up into reablement (if a place is free now) and referred to the MDT.

With the shift set to 0–24, an infinite window and exponential visits this station is an M/M/c
queue; with a zero window it is an Erlang loss system (tests/test_verification.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dorothy_sim.model import downstream, mdt
from dorothy_sim.model.cohort import U_EXPERT, U_RR_HOME, U_RR_MDT, U_RR_STEP_UP, Z_RR_VISIT
from dorothy_sim.model.engine import Deadline

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices


def reach(env, services: IcpServices):
    """Wait for a rapid-response clinician; returns the granted request, or None if not reached.

    Shared by the full model and the verification harness, so both test the same station logic.
    """
    station = services.rr
    deadline = env._now + services.rr_window
    opens = services.next_shift_start(env._now)
    if opens > deadline:
        return None
    if opens > env._now:
        yield opens - env._now
    request = station.request()
    if not request.triggered:
        remaining = deadline - env._now
        if remaining <= 0.0:
            station.renege(request)
            return None
        if math.isinf(remaining):
            yield request
        else:
            if not (yield Deadline(request, remaining)):
                station.renege(request)
                return None
    if not services.in_shift(env._now):
        station.release(request)  # the queue ran past the end of the shift: not reached
        return None
    return request


def attend(model: DorothyModel, services: IcpServices, slot: int, crisis_type: int,
           u: list[float], z: list[float]):
    """A rapid-response referral. Returns True if the person was treated at home."""
    env, scenario = model.env, model.scenario
    tally = model.tallies[services.index]
    tally.rr_referrals += 1
    request = yield from reach(env, services)
    if request is None:
        return False
    tally.rr_seen_in_window += 1
    yield services.rr_visit.from_normal(z[Z_RR_VISIT]) / 24.0
    services.rr.release(request)
    p_home = scenario.rapid_response.p_treated_at_home.as_tuple()[crisis_type]
    treated = u[U_RR_HOME] < p_home
    if not treated and scenario.expert_opinion.enabled:
        treated = u[U_EXPERT] < scenario.expert_opinion.rr_treated_at_home_gain
    if treated:
        tally.rr_treated_at_home += 1
    return treated


def after_home_treatment(model: DorothyModel, services: IcpServices, slot: int,
                         u: list[float], z: list[float]) -> None:
    """Step-up into reablement and MDT referral for someone treated at home."""
    rr = model.scenario.rapid_response
    if u[U_RR_STEP_UP] < rr.p_step_up_reablement:
        downstream.step_up_reablement(model, services, slot, u, z)
    if u[U_RR_MDT] < rr.p_mdt_referral:
        mdt.refer(model, slot)
