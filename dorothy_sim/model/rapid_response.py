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
from collections.abc import Callable
from typing import TYPE_CHECKING

from dorothy_sim.model import downstream, mdt
from dorothy_sim.model.cohort import D_RR_VISIT_HOURS, U_EXPERT, U_RR_HOME, U_RR_MDT, U_RR_STEP_UP
from dorothy_sim.model.engine import Deadline, Lean

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices


def reach(env, services: IcpServices):
    """Wait for a rapid-response clinician; returns the granted request, or None if not reached.

    Shared by the full model and the verification harness, so both test the same station logic.
    """
    station = services.rr
    deadline = env._now + services.rr_window
    opens, closes = services.shift_around(env._now)  # (the shift on now, or the next)
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
    if env._now >= closes:
        station.release(request)  # the queue ran past the end of the shift: not reached
        return None
    return request


def refer(crisis: tuple, then: Callable[[tuple, bool], None]) -> None:
    """A rapid-response referral for ``crisis`` = (model, services, slot, crisis_type, u, d); calls
    ``then(crisis, treated_at_home)`` when it is over.

    Why two paths: most referrals find a clinician on shift and free at once, and their visit is one
    timed call. Only a referral that must wait (a queue, or outside the shift) becomes a lean
    process, through the same :func:`reach` that the verification harness tests.
    """
    model, services = crisis[0], crisis[1]
    model.tallies[services.index].rr_referrals += 1
    station = services.rr
    if station.count < station.capacity and services.in_shift(model.env._now):
        _visit(crisis, station.request(), then)  # granted on the spot, as reach() would
    else:
        Lean(model.env, _wait_for_clinician(crisis, then))


def _wait_for_clinician(crisis: tuple, then: Callable[[tuple, bool], None]):
    request = yield from reach(crisis[0].env, crisis[1])
    if request is None:
        then(crisis, False)
    else:
        _visit(crisis, request, then)


def _visit(crisis: tuple, request, then: Callable[[tuple, bool], None]) -> None:
    model, services, _slot, _crisis_type, _u, d = crisis
    model.tallies[services.index].rr_seen_in_window += 1
    model.env.call_later(d[D_RR_VISIT_HOURS] / 24.0, _visited,
                         (crisis, request, then))


def _visited(args: tuple) -> None:
    """The visit is over: the clinician is free, and the person is treated at home with p by
    crisis type, raised by expert opinion without referral; otherwise conveyed to A&E."""
    crisis, request, then = args
    model, services, _slot, crisis_type, u, _d = crisis
    scenario = model.scenario
    services.rr.release(request)
    treated = u[U_RR_HOME] < services.rr_p_treated_at_home[crisis_type]
    if not treated and scenario.expert_opinion.enabled:
        treated = u[U_EXPERT] < scenario.expert_opinion.rr_treated_at_home_gain
    if treated:
        model.tallies[services.index].rr_treated_at_home += 1
    then(crisis, treated)


def after_home_treatment(model: DorothyModel, services: IcpServices, slot: int,
                         u: list[float], d: list[float]) -> None:
    """Step-up into reablement and MDT referral for someone treated at home."""
    rr = model.scenario.rapid_response
    if u[U_RR_STEP_UP] < rr.p_step_up_reablement:
        downstream.step_up_reablement(model, services, slot, u, d)
    if u[U_RR_MDT] < rr.p_mdt_referral:
        mdt.refer(model, slot)
