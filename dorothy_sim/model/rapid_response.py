"""Rapid response (intervention 3): a community clinician at home within 2 hours.

Clinicians work a daily shift (08:00–20:00 by default). A referral is reached if a clinician can
start the visit within the response window; a referral outside the shift waits for the shift to
open if that is still inside the window, and a referral still waiting when the window closes goes
to the ambulance service instead (it reneges from the queue). Visits start only during the shift.
A visit treats the person at home with a probability by crisis type; one it cannot, the clinician
talks over with the geriatrician advice line (intervention 6), if open and a geriatrician is free,
which may turn it round; otherwise the person is conveyed to A&E. People treated at home may be
stepped up into reablement (if a place is free now) and referred to the MDT.

Not every crisis treated at home would have gone to A&E without the service: of those the visit
would treat at home, ``stay_home_anyway_share`` would have stayed at home. Whether a crisis is one
of them is a property of the crisis (its own draws), so when rapid response does not treat it (not
routed, not reached, no service) it stays at home, and the service's benefit counts only for the rest.

With the shift set to 0–24, an infinite window and exponential visits this station is an M/M/c
queue; with a zero window it is an Erlang loss system (tests/test_verification.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dorothy_sim.model import downstream, mdt
from dorothy_sim.model.draws import duration, uniform
from dorothy_sim.model.stations import Request
from dorothy_sim.streams import Duration

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

uniform("rr_treated_at_home")  # the visit treats the person at home?
uniform("rr_expert")  # if not, does the advice line (6), when it answers, turn it round?
uniform("rr_step_up")  # treated at home: stepped up into reablement?
uniform("rr_mdt")  # treated at home: referred to the MDT?
duration("rr_visit_hours", lambda scenario: Duration(scenario.rapid_response.visit_hours))


def reach(env, services: IcpServices):
    """Wait for a rapid-response clinician; returns the granted request, or None if not reached.

    Shared by the full model and the verification harness, so both test the same station logic.
    """
    station = services.rr
    now = env.now
    deadline = now + services.rr_window
    opens, closes = services.shift_around(now)  # (the shift on now, or the next)
    if opens > deadline:
        return None
    if opens > now:
        yield env.timeout(opens - now)
    request = station.request()
    if not request.triggered:
        remaining = deadline - env.now
        if remaining <= 0.0:
            station.renege(request)
            return None
        if math.isinf(remaining):
            yield request
        else:
            yield request | env.timeout(remaining)
            if not request.triggered:
                station.renege(request)
                return None
    if env.now >= closes:
        station.release(request)  # the queue ran past the end of the shift: not reached
        return None
    return request


def visit(model: DorothyModel, crisis: Crisis):
    """A rapid-response referral, from the call to the end of the visit; returns True if the person
    was treated at home, False if not reached in time or conveyed to A&E."""
    env = model.env
    tally = crisis.tally
    tally.rr_referrals += 1
    clinician: Request | None = yield from reach(env, crisis.services)
    if clinician is None:
        return False
    with clinician:
        tally.rr_seen_in_window += 1
        crisis.seen_by_rr = True
        yield env.timeout(crisis.days.rr_visit_hours / 24.0)
    # Treated at home with p by crisis type; if not, the advice line may turn it round.
    treated = crisis.draw.rr_treated_at_home < crisis.services.rr_p_treated_at_home[crisis.kind]
    if not treated:
        treated = model.turned_round(crisis, "rapid_response")
    if treated:
        tally.rr_treated_at_home += 1
    return treated


def would_stay_home(model: DorothyModel, crisis: Crisis) -> bool:
    """Whether a crisis rapid response did not treat at home would have stayed at home anyway: one
    its visit would have treated at home (the same draw as :func:`visit`'s), and within the share
    that would not have gone to A&E."""
    return (crisis.draw.rr_treated_at_home < crisis.services.rr_p_treated_at_home[crisis.kind]
            and crisis.draw.rr_home_anyway < model.stay_home_anyway_share)


def after_home_treatment(model: DorothyModel, crisis: Crisis) -> None:
    """Step-up into reablement and MDT referral for someone treated at home."""
    rr = model.scenario.rapid_response
    if crisis.draw.rr_step_up < rr.p_step_up_reablement:
        downstream.step_up_reablement(model, crisis)
    if crisis.draw.rr_mdt < rr.p_mdt_referral:
        mdt.refer(model, crisis.slot)
