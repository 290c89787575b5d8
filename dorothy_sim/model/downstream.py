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

from dorothy_sim.model.cohort import AT_HOME
from dorothy_sim.model.draws import duration, uniform
from dorothy_sim.streams import BufferedStream, Duration, stream

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices
    from dorothy_sim.model.stations import Request

STEP_UP_PRIORITY = 1
FROM_HOME_PRIORITY = 1

uniform("independent")  # at the end of reablement: independent, or needs a package?
uniform("community_outcome")  # after a community-bed stay: home, a care home or death
duration("reablement", lambda scenario: Duration(scenario.reablement.episode_days))
duration("package", lambda scenario: Duration(scenario.home_care.package_days))
duration("community_stay", lambda scenario: Duration(scenario.community_beds.stay_days))


def _hold(model: DorothyModel, slot: int, kind: str, process) -> None:
    """Register a process that holds a place for the person, so leaving the cohort ends it."""
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

def start_reablement(model: DorothyModel, crisis: Crisis, place: Request, from_hospital: bool) -> None:
    env = model.env
    crisis.tally.reablement_starts += 1
    process = env.start(_reablement_episode(model, crisis, place))
    _hold(model, crisis.slot, "reablement", process)
    if from_hospital:
        env.start(_at_home_check(model, crisis))


def _reablement_episode(model: DorothyModel, crisis: Crisis, place: Request):
    env, services, tally = model.env, crisis.services, crisis.tally
    this = env.active_process
    completed = True
    try:
        yield env.timeout(crisis.days.reablement)
    except simpy.Interrupt:  # admitted, or left the cohort
        completed = False
    services.reablement.release(place)
    _release_hold(model, crisis.slot, crisis.generation, "reablement", this)
    if not completed:
        return
    tally.reablement_ends += 1
    if crisis.draw.independent < model.scenario.reablement.p_independent:
        tally.reablement_independent += 1
    else:
        env.start(package_from_home(model, crisis))


def step_up_reablement(model: DorothyModel, crisis: Crisis) -> None:
    """Rapid response steps someone up into reablement, only if a place is free now."""
    station = crisis.services.reablement
    if not station.available or station.count >= station.nominal_capacity or station.queue_length:
        return
    place = station.request(priority=STEP_UP_PRIORITY)  # no wait: not counted in wait means
    start_reablement(model, crisis, place, from_hospital=False)


def end_reablement_on_admission(model: DorothyModel, slot: int) -> None:
    held = model.cohort.holdings.get(slot)
    if held and "reablement" in held:
        process = held.pop("reablement")
        if process.is_alive:
            process.interrupt("admitted")


def _at_home_check(model: DorothyModel, crisis: Crisis):
    """ASCOF 2B(1): still at home 91 days after discharge into reablement?"""
    yield model.env.timeout(model.scenario.reablement.at_home_check_days)
    tally, cohort = crisis.tally, model.cohort
    tally.checks_91d += 1
    if cohort.generation[crisis.slot] == crisis.generation and cohort.state[crisis.slot] == AT_HOME:
        tally.at_home_91d += 1


# ----------------------------------------------------------------------------- home care

def start_package(model: DorothyModel, crisis: Crisis, place: Request) -> None:
    _start_package(model, crisis.services, crisis.slot, place, crisis.days.package)


def _start_package(model: DorothyModel, services: IcpServices, slot: int, place: Request,
                   days: float) -> None:
    env = model.env
    model.tallies[services.index].home_care_starts += 1
    model.cohort.package_until[slot] = env.now + days
    process = env.start(_package(model, services, slot, place, days))
    _hold(model, slot, "package", process)


def _package(model: DorothyModel, services: IcpServices, slot: int, place: Request, days: float):
    """A home-care package held for ``days``, or until the person leaves the cohort."""
    env = model.env
    this = env.active_process
    generation = model.cohort.generation[slot]
    # (not contextlib.suppress: its __exit__ would run in the generator's finalizer)
    try:  # noqa: SIM105
        yield env.timeout(days)
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
        process = model.env.start(_package(model, services, slot, place, remaining))
        _hold(model, slot, "package", process)


def package_from_home(model: DorothyModel, crisis: Crisis):
    """A package requested for someone at home (after reablement): referral delay, then queue."""
    env, services, cohort, slot = model.env, crisis.services, model.cohort, crisis.slot
    if not services.home_care.available:
        return
    asked = env.now  # waits run from referral to start, as for hospital discharges
    if services.package_start_delay > 0:
        yield env.timeout(services.package_start_delay)
    if cohort.generation[slot] != crisis.generation or cohort.package_until[slot] > env.now:
        return
    place = services.home_care.request(priority=FROM_HOME_PRIORITY)
    yield place
    if cohort.generation[slot] != crisis.generation or cohort.package_until[slot] > env.now:
        services.home_care.release(place)  # left the cohort, or got a package another way
        return
    crisis.tally.home_care_waits += 1
    crisis.tally.home_care_wait_days += env.now - asked
    start_package(model, crisis, place)


# ----------------------------------------------------------------------------- community beds

def community_stay(model: DorothyModel, crisis: Crisis, bed: Request):
    """A step-down stay (pathway 2), then home, a care home or death."""
    yield model.env.timeout(crisis.days.community_stay)
    crisis.services.community_beds.release(bed)
    community = model.scenario.community_beds
    outcome = crisis.draw.community_outcome
    if outcome < community.p_death:
        model.leave(crisis.slot, died=True)
    elif outcome < community.p_death + community.p_care_home:
        model.leave(crisis.slot, died=False)
    else:
        model.cohort.move(crisis.slot, AT_HOME)
