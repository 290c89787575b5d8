"""The single point of access (intervention 4): call handlers who take crisis calls and route them.

    crisis call ─► the single point of access open, with handlers? ─ no ─► routed with the "off" share
                        │ yes                                               (999/111, a GP: mostly A&E)
                        ▼
                a handler free within the answer time? ─ no (the caller gives up) ─┘
                        │ yes: the call (lognormal minutes)
                        ▼
                routed to rapid response with the "on" share (else ambulance and A&E)

Capacity is a number of call handlers on duty while the service is open (``open_hour`` to
``close_hour``; 0 to 24 round the clock), an area total shared between ICPs by cohort size (or
``allocation``); no handlers switch the service off, and then no call is made to it (no request, no
event: the crisis goes the "off" way at once). Cost: every handler, every open hour (a block
contract), whether busy or not. A package referral also goes through it: with handlers, a home-care
package starts after ``package_start_delay_days_on`` (``_off`` without; model/services.py).

This module is a plug-in service (``dorothy_sim.registry``): its scenario section, its station and its
KPIs are here, and its hook into the crisis journey (model/journey.py): :func:`first_contact`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dorothy_sim.model.draws import duration
from dorothy_sim.model.services import DailyHours, capacities, results_open_days
from dorothy_sim.model.stations import Station
from dorothy_sim.scenario.front_door import AnswerMinutes, HourOfDay, OpenDaily
from dorothy_sim.scenario.schema import Capacity, Delay, LogNormal, Money, Probability
from dorothy_sim.streams import Duration

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

NAME = "spa"


class Section(OpenDaily):
    """The ``[spa]`` section of a scenario (defaults: no handlers, the service off)."""

    call_handlers: Capacity = 0
    """Call handlers on duty while open, for the whole area (0: no single point of access)."""
    open_hour: HourOfDay = 0.0
    close_hour: HourOfDay = 24.0
    call_minutes: LogNormal = LogNormal(mean=8.0, cv=0.5)
    """A handler's time on one call (triage and arranging the referral), minutes."""
    answer_minutes: AnswerMinutes = 5.0
    """How long a caller waits for a handler before going the usual way (999/111), minutes."""
    cost_per_handler_hour: Money = 0.0
    rr_routing_share_on: Probability = 0.12
    """Of calls a handler answers: the share routed to rapid response."""
    rr_routing_share_off: Probability = 0.12
    """Of the other crises (closed, no handler in time, no service): the share that reaches rapid
    response anyway (GP and self-referrals)."""
    package_start_delay_days_on: Delay = 4.0
    package_start_delay_days_off: Delay = 4.0


duration("spa_call", lambda scenario: Duration(scenario.spa.call_minutes))


class SinglePointOfAccess:
    """One ICP's call handlers and counts (zeroed at the end of the warm-up)."""

    def __init__(self, station: Station, section: Section, open_days: float) -> None:
        self.station = station
        self.section = section
        self.available = station.available  # (an attribute: read on every crisis)
        self.hours = DailyHours(section.open_hour, section.close_hour)
        self.answer_days = section.answer_minutes / (24.0 * 60.0)
        self.open_days = open_days
        self.reset()

    def reset(self) -> None:
        self.calls = 0
        self.answered = 0

    def counts(self) -> dict[str, float]:
        return {"spa_calls": float(self.calls), "spa_answered": float(self.answered),
                "spa_busy_days": self.station.busy_area}

    def capacity(self) -> dict[str, float]:
        return {"spa_handler_days": self.station.nominal_capacity * self.open_days}


def build(env, scenario, services: IcpServices, cohort_sizes: list[int]) -> SinglePointOfAccess:
    """The ICP's share of the area's handlers (largest remainder, by cohort size or allocation)."""
    handlers = capacities(scenario, NAME, "call_handlers", cohort_sizes)[services.index]
    section: Section = scenario.spa
    open_days = results_open_days(scenario, section.open_hour, section.close_hour)
    return SinglePointOfAccess(Station(env, handlers, f"{services.name}/{NAME}"), section, open_days)


# ----------------------------------------------------------------------------- the hook into the journey

def first_contact(model: DorothyModel, crisis: Crisis):
    """The crisis call (a process to follow, whose value is the share of such calls routed to rapid
    response), or None if the single point of access is closed now or has no handlers (the crisis
    goes the usual way: the journey's "off" share)."""
    line: SinglePointOfAccess = crisis.services.plugins[NAME]
    if not line.available or not line.hours.is_open(model.env.now):
        return None
    return _call(model.env, line, crisis)


def _call(env, line: SinglePointOfAccess, crisis: Crisis):
    """A handler answers within the answer time (the call then takes its minutes): the "on" share;
    the caller gives up first: the "off" share."""
    line.calls += 1
    station = line.station
    request = station.request()
    if not request.triggered:
        yield request | env.timeout(line.answer_days)
        if not request.triggered:
            station.renege(request)
            return line.section.rr_routing_share_off
    with request:
        line.answered += 1
        yield env.timeout(crisis.days.spa_call / (24.0 * 60.0))
    return line.section.rr_routing_share_on


def kpis(c: dict[str, float], capacity: dict[str, float], scenario, days: float) -> dict[str, float]:
    """The single point of access's KPIs from its counts (an ICP's, or every ICP's summed)."""
    handler_days = capacity["spa_handler_days"]
    return {
        "spa_calls": c["spa_calls"],
        "spa_answered": c["spa_answered"],
        "spa_answered_pct": 100.0 * c["spa_answered"] / c["spa_calls"] if c["spa_calls"] else math.nan,
        "spa_utilisation_pct": 100.0 * c["spa_busy_days"] / handler_days if handler_days > 0 else math.nan,
        "cost_spa_gbp": handler_days * 24.0 * scenario.spa.cost_per_handler_hour,
    }
