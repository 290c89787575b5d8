"""Health and wellbeing, self-care and falls prevention (intervention 1).

The programme fills ``places_per_year`` places evenly through the year with people at home in the
ICP's cohort (chosen at random; a few tries to find someone at home and not already enrolled).
For ``programme_effect_days`` an enrolled person's rate of falls is multiplied by
``falls_rate_ratio`` (0.77, Sherrington et al. 2019). The run starts with the programme in steady
state: as many people enrolled as the places give, with their remaining effect spread evenly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dorothy_sim.model.cohort import AT_HOME
from dorothy_sim.streams import BufferedStream, stream

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

TRIES = 5


def start_falls_prevention(model: DorothyModel, services: IcpServices) -> None:
    places = services.falls_places
    if places <= 0:
        return
    effect = model.scenario.falls_prevention.programme_effect_days
    rng = BufferedStream(stream(model.seed, f"falls_enrolment/{services.name}"))
    initially_enrolled = round(places * effect / 365.0)
    for _ in range(initially_enrolled):
        slot = _find_person(model, services, rng)
        if slot is not None:
            model.cohort.falls_until[slot] = rng.uniform() * effect
    model.env.start(_enrol(model, services, 365.0 / places, effect, rng))


def _find_person(model: DorothyModel, services: IcpServices, rng) -> int | None:
    start, end = model.cohort.icp_ranges[services.index]
    if end <= start:
        return None
    now = model.env.now
    for _ in range(TRIES):
        slot = start + rng.integer(end - start)
        if model.cohort.state[slot] == AT_HOME and model.cohort.falls_until[slot] <= now:
            return slot
    return None


def _enrol(model: DorothyModel, services: IcpServices, interval: float, effect: float, rng):
    env = model.env
    tally = model.tallies[services.index]
    while True:
        yield env.timeout(interval)
        slot = _find_person(model, services, rng)
        if slot is not None:
            model.cohort.falls_until[slot] = env.now + effect
            tally.falls_enrolled += 1
