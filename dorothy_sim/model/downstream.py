"""Care after the acute bed, or instead of it: reablement, home-care packages, community beds.

- Reablement (named in seed 001): an episode of up to six weeks in a reablement place; at the end
  the person is independent with p, otherwise needs a home-care package. People discharged from
  hospital into reablement are checked 91 days after discharge (ASCOF 2B(1)): still at home?
  Rapid response can step people up into reablement when a place is free at once; hospital
  discharges come first for places. An admission ends a reablement episode early.
- Home-care packages (intervention 2, integrated care in the home): held for a lognormal time;
  while a package is in place the person's crisis rate is lower. Requests from home wait for the
  single-point-of-access referral delay, and queue behind hospital discharges.
- Community (step-down) beds (pathway 2): a stay, then home, a care home or death.
Leaving the cohort (death, long-term care) ends any package or reablement at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from dorothy_sim.model.cohort import (
    AT_HOME,
    D_COMMUNITY_STAY,
    D_PACKAGE,
    D_REABLEMENT,
    U_COMMUNITY_OUTCOME,
    U_INDEPENDENT,
)
from dorothy_sim.model.discharge import EXISTING_PACKAGE
from dorothy_sim.model.engine import Lean
from dorothy_sim.streams import BufferedStream, stream

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

STEP_UP_PRIORITY = 1
FROM_HOME_PRIORITY = 1


def _hold(model: DorothyModel, slot: int, kind: str, process) -> None:
    model.cohort.holdings.setdefault(slot, {})[kind] = process


def _release_hold(model: DorothyModel, slot: int, generation: int, kind: str, process) -> None:
    if model.cohort.generation[slot] != generation:
        return
    held = model.cohort.holdings.get(slot)
    if held is not None and held.get(kind) is process:
        del held[kind]
        if not held:
            del model.cohort.holdings[slot]


# ----------------------------------------------------------------------------- reablement


def start_reablement(model: DorothyModel, services: IcpServices, slot: int, place,
                     d: list[float], u: list[float], from_hospital: bool) -> None:
    env = model.env
    model.tallies[services.index].reablement_starts += 1
    generation = model.cohort.generation[slot]
    days = d[D_REABLEMENT]
    process = Lean(env, _reablement_episode(model, services, slot, generation, place, days,
                                            u[U_INDEPENDENT], d))
    _hold(model, slot, "reablement", process)
    if from_hospital:
        env.call_later(model.scenario.reablement.at_home_check_days, _at_home_check,
                       (model, services, slot, generation))


def _reablement_episode(model: DorothyModel, services: IcpServices, slot: int, generation: int,
                        place, days: float, u_independent: float, d: list[float]):
    env = model.env
    this = env.active_process
    completed = True
    try:
        yield days
    except simpy.Interrupt:
        completed = False
    services.reablement.release(place)
    _release_hold(model, slot, generation, "reablement", this)
    if not completed:
        return
    tally = model.tallies[services.index]
    tally.reablement_ends += 1
    if u_independent < model.scenario.reablement.p_independent:
        tally.reablement_independent += 1
    else:
        Lean(env, package_from_home(model, services, slot, generation, d))


def step_up_reablement(model: DorothyModel, services: IcpServices, slot: int, u: list[float],
                       d: list[float]) -> None:
    """Rapid response steps someone up into reablement, only if a place is free now."""
    station = services.reablement
    if not station.available or station.count >= station.nominal_capacity or station.queue_length:
        return
    place = station.request(priority=STEP_UP_PRIORITY)  # no wait: not counted in wait means
    start_reablement(model, services, slot, place, d, u, from_hospital=False)


def end_reablement_on_admission(model: DorothyModel, slot: int) -> None:
    held = model.cohort.holdings.get(slot)
    if held and "reablement" in held:
        process = held.pop("reablement")
        if process.is_alive:
            process.interrupt("admitted")


def _at_home_check(args: tuple) -> None:
    """ASCOF 2B(1): still at home 91 days after discharge into reablement (a timed call)."""
    model, services, slot, generation = args
    tally = model.tallies[services.index]
    tally.checks_91d += 1
    cohort = model.cohort
    if cohort.generation[slot] == generation and cohort.state[slot] == AT_HOME:
        tally.at_home_91d += 1


# ----------------------------------------------------------------------------- home care


def start_package(model: DorothyModel, services: IcpServices, slot: int, place,
                  d: list[float]) -> None:
    if place is EXISTING_PACKAGE:
        return
    env = model.env
    model.tallies[services.index].home_care_starts += 1
    days = d[D_PACKAGE]
    model.cohort.package_until[slot] = env._now + days
    generation = model.cohort.generation[slot]
    process = Lean(env, _package(model, services, slot, generation, place, days))
    _hold(model, slot, "package", process)


def _package(model: DorothyModel, services: IcpServices, slot: int, generation: int, place,
             days: float):
    env = model.env
    this = env.active_process
    # (not contextlib.suppress: its __exit__ is Python code, run in the generator's finalizer even
    # when the model is compiled, where a signal handler's exception would be lost)
    try:  # noqa: SIM105
        yield days
    except simpy.Interrupt:  # ended early: the person left the cohort
        pass
    services.home_care.release(place)
    _release_hold(model, slot, generation, "package", this)


def start_initial_packages(model: DorothyModel, services: IcpServices) -> None:
    """Packages already in place when the run starts, so the warm-up need not build them up.

    Each has the equilibrium remaining time of a renewal process: a uniform fraction of a
    length-biased draw of the package duration (Duration.length_biased).
    """
    station = services.home_care
    count = round(model.scenario.home_care.initial_occupancy * station.nominal_capacity)
    if count <= 0:
        return
    rng = BufferedStream(stream(model.seed, f"initial_packages/{services.name}"))
    cohort = model.cohort
    start, end = cohort.icp_ranges[services.index]
    for _ in range(count):
        slot = start + rng.integer(end - start)
        if cohort.package_until[slot] > 0:
            continue  # already has one: fewer initial packages, never two for one person
        remaining = rng.uniform() * services.package_days.length_biased(rng.normal())
        place = station.request(priority=0)
        cohort.package_until[slot] = remaining
        generation = cohort.generation[slot]
        process = Lean(model.env, _package(model, services, slot, generation, place, remaining))
        _hold(model, slot, "package", process)


def package_from_home(model: DorothyModel, services: IcpServices, slot: int, generation: int,
                      d: list[float]):
    """A package requested for someone at home (after reablement): referral delay, then queue."""
    env = model.env
    cohort = model.cohort
    if not services.home_care.available:
        return
    asked = env._now  # waits run from referral to start, as for hospital discharges
    if services.package_start_delay > 0:
        yield services.package_start_delay
    if cohort.generation[slot] != generation or cohort.package_until[slot] > env._now:
        return
    place = services.home_care.request(priority=FROM_HOME_PRIORITY)
    yield place
    if cohort.generation[slot] != generation or cohort.package_until[slot] > env._now:
        services.home_care.release(place)  # left the cohort, or got a package another way
        return
    tally = model.tallies[services.index]
    tally.home_care_waits += 1
    tally.home_care_wait_days += env._now - asked
    start_package(model, services, slot, place, d)


# ----------------------------------------------------------------------------- community beds


def community_stay(model: DorothyModel, services: IcpServices, slot: int, bed, d: list[float],
                   u: list[float]):
    yield d[D_COMMUNITY_STAY]
    services.community_beds.release(bed)
    community = model.scenario.community_beds
    outcome = u[U_COMMUNITY_OUTCOME]
    if outcome < community.p_death:
        model.leave(slot, died=True)
    elif outcome < community.p_death + community.p_care_home:
        model.leave(slot, died=False)
    else:
        model.cohort.state[slot] = AT_HOME
