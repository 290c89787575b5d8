"""Care coordination and MDT review (intervention 5).

Each ICP's multidisciplinary team meets ``meetings_per_week`` times a week and reviews up to its
share of ``cases_per_week`` referrals, oldest first. Referrals come from risk stratification (a
rate per person-year by frailty), A&E attenders sent home, discharges and rapid response. A person
already waiting or holding an active care plan is not referred again; a referral not reviewed
within ``referral_expiry_days`` lapses. A review gives an anticipatory care plan for
``care_plan_days`` that lowers the person's crisis rate and their chance of admission at A&E.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from dorothy_sim.floats import sum_left_to_right
from dorothy_sim.streams import BufferedStream, stream

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices


def refer(model: DorothyModel, slot: int) -> None:
    cohort = model.cohort
    services = model.services[cohort.icp[slot]]
    now = model.env.now
    if not services.mdt.available or cohort.mdt_queued[slot] or cohort.plan_until[slot] > now:
        return
    cohort.mdt_queued[slot] = True
    services.mdt.referrals.append((slot, cohort.generation[slot], now))
    model.tallies[services.index].mdt_referrals += 1


def start_meetings(model: DorothyModel, services: IcpServices) -> None:
    if services.mdt.available:
        _initial_care_plans(model, services)
        model.env.start(_meetings(model, services))


def _initial_care_plans(model: DorothyModel, services: IcpServices) -> None:
    """Care plans already active at the start: a team reviewing k people a week for plans of
    d days keeps about k * d / 7 plans active, with remaining times spread evenly."""
    mdt = model.scenario.mdt
    cohort = model.cohort
    start, end = cohort.icp_ranges[services.index]
    count = min(round(sum_left_to_right(services.mdt.cases_per_meeting) * mdt.care_plan_days / 7.0),
                (end - start) // 2)
    rng = BufferedStream(stream(model.seed, f"initial_care_plans/{services.name}"))
    for _ in range(count):
        slot = start + rng.integer(end - start)
        if cohort.plan_until[slot] > 0:
            continue
        cohort.plan_until[slot] = rng.uniform() * mdt.care_plan_days
        heapq.heappush(services.mdt.plan_ends, cohort.plan_until[slot])


def _meetings(model: DorothyModel, services: IcpServices):
    env = model.env
    team = services.mdt
    cohort = model.cohort
    tally = model.tallies[services.index]
    mdt = model.scenario.mdt
    spacing = 7.0 / len(team.cases_per_meeting)
    yield env.timeout(9.0 / 24.0)  # first meeting at 09:00 on day 0 (the model has no weekdays) [est]
    while True:
        for capacity in team.cases_per_meeting:
            tally.mdt_slots_offered += capacity
            reviewed = 0
            while team.referrals and reviewed < capacity:
                slot, generation, referred = team.referrals.popleft()
                if cohort.generation[slot] != generation:
                    continue  # the person died or moved into long-term care while waiting
                cohort.mdt_queued[slot] = False
                if env.now - referred > mdt.referral_expiry_days:
                    tally.mdt_lapsed += 1
                    continue
                reviewed += 1
                tally.mdt_reviews += 1
                tally.mdt_wait_days += env.now - referred
                cohort.plan_until[slot] = env.now + mdt.care_plan_days
                heapq.heappush(team.plan_ends, env.now + mdt.care_plan_days)
            yield env.timeout(spacing)
