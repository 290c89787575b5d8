"""The services of one ICP: every capacity lever as a station sized from the scenario.

Capacities in the scenario are area totals; :func:`~dorothy_sim.scenario.apportion` shares them
between ICPs (by cohort size, or by a service's ``allocation`` weights). This module is the one
place that turns scenario capacities into SimPy stations, so a sweep over any capacity field
reaches the model through here.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from typing import Any

import simpy

from dorothy_sim.model import discharge as discharge_planning
from dorothy_sim.model.delays import DelayLedger
from dorothy_sim.model.stations import PriorityStation, Station, TimeWeighted
from dorothy_sim.registry import QUEUES, SERVICES, plugin
from dorothy_sim.scenario import Scenario, apportion
from dorothy_sim.streams import Duration


def shares_for(scenario: Scenario, section: str, cohort_sizes: list[int]) -> list[float]:
    allocation = getattr(scenario, section).allocation
    if allocation is None:
        return [float(size) for size in cohort_sizes]
    return [float(allocation.get(name, 0.0)) for name in scenario.icps]


def capacities(scenario: Scenario, section: str, field: str, cohort_sizes: list[int]) -> list[int]:
    total = getattr(getattr(scenario, section), field)
    return apportion(total, shares_for(scenario, section, cohort_sizes))


class CareHomePlacements:
    """Care-home placements that become free each week; unused ones go to other people.

    People waiting in an acute bed are offered placements first come, first served (moves to a
    care home from home or from a community bed do not use them; see docs/model.md). Why not a
    SimPy Container: the weekly offer replaces, not tops up, what is left.
    """

    def __init__(self, env: simpy.Environment, per_week: int) -> None:
        self.env = env
        self.per_week = per_week
        self.left = 0
        self.waiting: deque[simpy.Event] = deque()
        self.offered = 0
        self.used = 0
        self.requests = 0
        if per_week > 0:
            env.start(self._weekly_offer())

    @property
    def available(self) -> bool:
        return self.per_week > 0

    def _weekly_offer(self):
        while True:
            self.left = self.per_week
            self.offered += self.per_week
            while self.left and self.waiting:
                event = self.waiting.popleft()
                self.left -= 1
                self.used += 1
                event.succeed()
            yield self.env.timeout(7.0)

    def request(self) -> simpy.Event:
        self.requests += 1
        event = self.env.event()
        if self.left and not self.waiting:
            self.left -= 1
            self.used += 1
            event.succeed()
        else:
            self.waiting.append(event)
        return event

    @property
    def queue_length(self) -> int:
        return len(self.waiting)

    @property
    def arrivals(self) -> int:
        return self.requests

    def cancel(self, event: simpy.Event) -> None:
        if not event.triggered:
            self.waiting.remove(event)

    def reset(self) -> None:
        self.offered = 0
        self.used = 0
        self.requests = 0


class MdtQueue:
    """Referrals waiting for an MDT meeting, and the active care plans it has issued."""

    def __init__(self, cases_per_week: int, meetings_per_week: int) -> None:
        per_meeting = apportion(cases_per_week, [1.0] * meetings_per_week)
        self.cases_per_meeting = per_meeting
        self.available = sum(per_meeting) > 0  # (an attribute: read on every referral)
        self.referrals: deque[tuple[int, int, float]] = deque()
        self.plan_ends: list[float] = []

    def active_plans(self, now: float) -> int:
        while self.plan_ends and self.plan_ends[0] <= now:
            heapq.heappop(self.plan_ends)
        return len(self.plan_ends)


class IcpServices:
    """Stations and duration distributions for one ICP."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, index: int,
                 cohort_sizes: list[int]) -> None:
        name = list(scenario.icps)[index]
        icp = scenario.icps[name]
        self.name = name
        self.index = index

        def cap(section: str, field: str) -> int:
            return capacities(scenario, section, field, cohort_sizes)[index]

        rr = scenario.rapid_response
        self.rr = Station(env, cap("rapid_response", "clinicians"), f"{name}/rapid_response")
        self.rr_window = rr.response_window_hours / 24.0
        self.rr_visit = Duration(rr.visit_hours)
        self.rr_p_treated_at_home = rr.p_treated_at_home.as_tuple()
        self.rr_hours = DailyHours(rr.shift_start_hour, rr.shift_end_hour)
        self.beds = Station(env, icp.acute_beds, f"{name}/acute_beds")
        self.core_beds = icp.acute_beds
        self.escalation_beds = icp.escalation_beds
        self.escalation_open = False
        self.cohort_in_beds = TimeWeighted(env)
        self.delays = DelayLedger(env)  # people medically fit in a bed, by what they wait for
        self.awaiting_bed = 0
        self.community_beds_kept = 0  # community beds granted, kept for people held over a weekend
        discharge = scenario.discharge
        self.discharge = Station(
            env, cap("discharge", "coordinators") * discharge.cases_per_coordinator,
            f"{name}/discharge_coordinators")
        self.coordinators = cap("discharge", "coordinators")
        self.reablement = PriorityStation(env, cap("reablement", "places"), f"{name}/reablement")
        self.home_care = PriorityStation(env, cap("home_care", "packages"), f"{name}/home_care")
        self.community_beds = Station(env, cap("community_beds", "beds"), f"{name}/community_beds")
        self.care_homes = CareHomePlacements(env, cap("care_homes", "placements_per_week"))
        liaison = scenario.mh_liaison
        self.mh_staff = cap("mh_liaison", "staff")
        self.mh_liaison = Station(env, self.mh_staff * liaison.cases_per_staff, f"{name}/mh_liaison")
        self.mdt = MdtQueue(cap("mdt", "cases_per_week"), scenario.mdt.meetings_per_week)
        self.falls_places = cap("falls_prevention", "places_per_year")

        # The crisis journeys take their durations as named draws (model/draws.py); these serve the
        # background stays, initial packages and the verification harness (verification.STATIONS).
        self.background_los = Duration(scenario.acute.background_los)
        self.background_per_day = icp.background_admissions_per_day
        self.elective_los = Duration(scenario.acute.elective_los)
        self.elective_per_day = icp.elective_admissions_per_day
        self.assessment_complex = Duration(discharge.assessment_days_complex)
        self.ward_led_delay_factor = discharge.ward_led_delay_factor
        self.reablement_days = Duration(scenario.reablement.episode_days)
        self.package_days = Duration(scenario.home_care.package_days)
        spa = scenario.spa  # (a package referral goes through the single point of access, if it has handlers)
        self.package_start_delay = (spa.package_start_delay_days_on if cap("spa", "call_handlers") > 0
                                    else spa.package_start_delay_days_off)
        self.community_stay = Duration(scenario.community_beds.stay_days)
        # The longest wait in the acute bed for each route's place (model/discharge.py, by route)
        self.max_place_wait = discharge_planning.max_place_waits(scenario)
        # Tables the discharge hot path reads instead of recomputing them for every patient
        self.pathway_edges = discharge_planning.pathway_edges(scenario)
        self.offered_route = discharge_planning.offered_routes(self)
        self.p_death_in_hospital = scenario.acute.p_death_in_hospital.as_tuple()

        # Plug-in services (registry): each builds what it needs for this ICP, by the service's name.
        self.plugins: dict[str, Any] = {
            service.name: plugin(service).build(env, scenario, self, cohort_sizes)
            for service in SERVICES if service.module}

    def queues(self) -> list[tuple[str, Station | CareHomePlacements]]:
        """Every queue of :data:`QUEUES`, in that order: (name, what keeps it)."""
        built_in = {"rapid_response": self.rr, "acute_beds": self.beds, "discharge": self.discharge,
                    "reablement": self.reablement, "home_care": self.home_care,
                    "community_beds": self.community_beds, "mh_liaison": self.mh_liaison,
                    "care_homes": self.care_homes}
        return [(name, built_in[name] if name in built_in else self.plugins[name].station)
                for name in QUEUES]

    def stations(self) -> list[Station]:
        """Every station, whose statistics are zeroed at the warm-up and closed at the end."""
        return [queue for _, queue in self.queues() if isinstance(queue, Station)]

    def queue_lengths(self) -> list[int]:
        """People waiting at each queue of :data:`QUEUES`, in that order (the daily samples of the
        end-of-run stability check)."""
        return [queue.queue_length for _, queue in self.queues()]

    def queue_arrivals(self) -> list[int]:
        """People who joined each queue of :data:`QUEUES` since the warm-up, in that order."""
        return [queue.arrivals for _, queue in self.queues()]

    def reset_statistics(self) -> None:
        """End of warm-up: zero every time-weighted statistic and counter kept here."""
        for station in self.stations():
            station.reset()
        self.cohort_in_beds.reset()
        self.delays.reset()
        self.care_homes.reset()
        for built in self.plugins.values():
            built.reset()

    def close_statistics(self) -> None:
        """End of run: bring every time-weighted area up to the horizon."""
        for station in self.stations():
            station.close()
        self.cohort_in_beds.close()
        self.delays.close()
        for built in self.plugins.values():
            if hasattr(built, "close"):  # (a plug-in's station that is no queue)
                built.close()

    def shift_around(self, now: float) -> tuple[float, float]:
        """(opens, closes): clock times of the rapid-response shift that is on at ``now``, or else of
        the next one; ``(-inf, inf)`` for a service round the clock (:meth:`DailyHours.around`)."""
        return self.rr_hours.around(now)

    def in_shift(self, now: float) -> bool:
        """Whether rapid response is on shift at clock time ``now`` (days)."""
        return self.rr_hours.around(now)[0] <= now

    def on_shift_days(self, start: float, end: float) -> float:
        """Clock days of shift time between ``start`` and ``end`` (for utilisation)."""
        return self.rr_hours.open_days(start, end)


def results_open_days(scenario: Scenario, start_hour: float, end_hour: float) -> float:
    """Clock days a service open ``start_hour`` to ``end_hour`` every day is open in the results
    period (what a service costed by the open hour pays for)."""
    warmup = scenario.run.warmup_days
    return DailyHours(start_hour, end_hour).open_days(warmup, warmup + scenario.run.results_days)


class DailyHours:
    """The hours a service is open every day (rapid response's shift, the single point of access,
    the advice line): from ``start_hour`` to ``end_hour``; 0 to 24 is round the clock, and an end
    before the start is an overnight service."""

    def __init__(self, start_hour: float, end_hour: float) -> None:
        self.start = start_hour / 24.0
        self.end = end_hour / 24.0
        self.always = self.start == 0.0 and self.end == 1.0

    def around(self, now: float) -> tuple[float, float]:
        """(opens, closes): clock times of the opening that is on at ``now``, or else of the next
        one; ``(-inf, inf)`` round the clock.

        Why clock times and not the hour of the day: an opening is at ``day + start``, a sum that
        floating point cannot hold exactly (8/24 is not a binary fraction). Its hour of the day,
        ``(day + start) % 1.0``, then falls an ulp below ``start`` on whole ranges of days (days
        256-511, and 85 of the first 128, for an 08:00 start), so a check by hour called the opening
        instant "closed" and a referral that had waited for the opening was turned away on those
        days. Every boundary is worked out by this one sum and compared with the clock as it is.
        """
        start, end = self.start, self.end
        if self.always:
            return -math.inf, math.inf
        day = float(math.floor(now))
        if start < end:
            closes = day + end
            if now < closes:
                return day + start, closes
            return (day + 1.0) + start, (day + 1.0) + end
        closes = day + end  # overnight: the opening of yesterday closes today
        if now < closes:
            return (day - 1.0) + start, closes
        return day + start, (day + 1.0) + end

    def is_open(self, now: float) -> bool:
        """Whether the service is open at clock time ``now`` (days)."""
        return self.always or self.around(now)[0] <= now

    def open_days(self, start: float, end: float) -> float:
        """Clock days of opening time between ``start`` and ``end``."""
        total = 0.0
        day = math.floor(start)
        while day < end:
            lo, hi = max(start, day), min(end, day + 1.0)
            total += _shift_overlap(lo - day, hi - day, self.start, self.end)
            day += 1
        return total


def _shift_overlap(lo: float, hi: float, start: float, end: float) -> float:
    if start < end:
        return max(0.0, min(hi, end) - max(lo, start))
    return _shift_overlap(lo, hi, 0.0, end) + _shift_overlap(lo, hi, start, 1.0)
