"""Rapid response's shift on the simulation clock, on every day of a run.

Why: the shift opens at ``day + shift_start``, a sum floating point cannot hold exactly. Judged by
the hour of the day, ``(day + 8/24) % 1.0`` fell an ulp short of 08:00 on days 256-511 (and 85 of
the first 128), so a referral that had waited for the shift to open was turned away there. The
default results year (days 120-485) lies mostly on them: fixing it raised the share reached within
2 hours from 71.94% to 75.89% (20 paired seeds, benchmarks/paired_check_rr_shift.md).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorothy_sim import load_scenario
from dorothy_sim.model.engine import Environment, Lean
from dorothy_sim.model.rapid_response import reach
from dorothy_sim.model.services import IcpServices

SMALL = load_scenario("small")
HOURS = st.integers(min_value=0, max_value=24 * 4).map(lambda quarter: quarter / 4.0)


def _services(env: Environment, overrides: dict | None = None) -> IcpServices:
    scenario = SMALL.with_overrides(overrides) if overrides else SMALL
    return IcpServices(env, scenario, 0, [1] * len(scenario.icps))


@pytest.mark.parametrize("day", [3, 100, 200, 255, 256, 300, 511, 512, 700, 1500])
def test_a_referral_waiting_for_the_shift_is_reached_when_it_opens_on_any_day(day):
    env = Environment(initial_time=day + 7.0 / 24.0)  # 07:00, an hour before the 08:00 opening
    services = _services(env, {"rapid_response.shift_start_hour": 8, "rapid_response.shift_end_hour": 20,
                               "rapid_response.response_window_hours": 2})
    assert services.rr.capacity > 0
    outcome = {}

    def referral():
        outcome["request"] = yield from reach(env, services)
        outcome["at"] = env._now

    Lean(env, referral())
    env.run(until=day + 1)
    assert outcome["request"] is not None, f"turned away on day {day}"
    assert outcome["at"] == pytest.approx(day + 8.0 / 24.0, abs=1e-9)


@pytest.mark.parametrize("day", [0, 300, 600])
def test_a_referral_still_queued_when_the_shift_closes_is_not_reached(day):
    env = Environment(initial_time=day + 19.5 / 24.0)  # 19:30, the shift closes at 20:00
    services = _services(env, {"rapid_response.shift_start_hour": 8, "rapid_response.shift_end_hour": 20,
                               "rapid_response.response_window_hours": 2})
    held = [services.rr.request() for _ in range(services.rr.capacity)]  # every clinician busy
    outcome = {}

    def referral():
        outcome["request"] = yield from reach(env, services)

    Lean(env, referral())
    env.call_at(day + 20.5 / 24.0, lambda _: services.rr.release(held[0]))  # free at 20:30
    env.run(until=day + 1)
    assert outcome["request"] is None
    assert services.rr.count == services.rr.capacity - 1  # the late grant was handed back


@pytest.mark.parametrize("hour", [0.0, 3.0, 7.99, 12.0, 20.0, 23.99])
def test_a_round_the_clock_service_reaches_a_referral_at_once_at_any_hour(hour):
    """Rapid response's hours are a lever, and 0 to 24 is a 24-hour service: no closed hours."""
    now = 300 + hour / 24.0
    env = Environment(initial_time=now)
    services = _services(env, {"rapid_response.shift_start_hour": 0, "rapid_response.shift_end_hour": 24})
    outcome = {}

    def referral():
        outcome["request"] = yield from reach(env, services)
        outcome["at"] = env._now

    Lean(env, referral())
    env.run(until=now + 1)
    assert outcome["request"] is not None and outcome["at"] == now
    assert services.on_shift_days(0.0, 10.0) == pytest.approx(10.0)


@settings(max_examples=300, deadline=None)
@given(start=HOURS, end=HOURS, day=st.integers(min_value=0, max_value=5000),
       offset=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_the_shift_around_any_instant_is_the_one_on_or_the_next(start, end, day, offset):
    if start == end or (start, end) == (24.0, 0.0):
        return  # refused by the scenario (equal hours), or a shift that never opens
    env = Environment()
    services = _services(env, {"rapid_response.shift_start_hour": start,
                               "rapid_response.shift_end_hour": end})
    now = day + offset
    opens, closes = services.shift_around(now)
    if (start, end) == (0.0, 24.0):
        assert (opens, closes) == (-math.inf, math.inf) and services.in_shift(now)
        assert services.rr_hours.is_open(now)
        return
    length = ((end - start) % 24.0) / 24.0
    assert closes - opens == pytest.approx(length, abs=1e-9)
    assert now < closes
    assert services.in_shift(now) == (opens <= now) == services.rr_hours.is_open(now)
    assert opens <= now or opens - now < 1.0  # the next opening is within a day
    # Its own opening instant is on shift, and its closing instant is not, whatever the day.
    assert services.in_shift(opens)
    assert services.shift_around(opens) == (opens, closes)
    assert not services.in_shift(closes)
