"""What an acute stay does to the person after it: deconditioning, readmissions and deaths after
an admission.

- **Deconditioning.** Days in an acute bed cost older people strength and independence (one in three
  people over 70 leaves hospital with a new disability, and the length of stay adds to the decline:
  Covinsky et al. 2011; Zisberg et al. 2015). When the discharge is arranged, a stay longer than
  ``acute.deconditioning_after_days`` steps the person's pathway up one level with probability
  ``1 - exp(-deconditioning_per_day x days beyond)``: home becomes reablement, reablement or a
  package a community bed, a community bed a care home. Days waiting after medically fit for the
  assessment and arranging count: a slow discharge raises the care a person needs afterwards.
- **Readmission risk.** After a discharge home the person's crisis rate is raised, most in the first
  days, decaying over weeks (readmission risk after discharge is highest early and halves within
  weeks: Dharmarajan et al. 2017): an extra hazard of ``(post_discharge_crisis_ratio - 1)`` times
  the person's own crisis rate, decaying as ``exp(-t / post_discharge_crisis_decay_days)``. Going home
  with less support than the person needs (a lower pathway than the one assessed, because the stay
  cap came first or the service is not offered) multiplies the extra hazard by
  ``unsupported_discharge_ratio``. The extra crisis is drawn once, at discharge, from the crisis's
  own uniform (common random numbers), and runs the whole journey (rapid response, A&E, admission).
- **Counting.** An admission within 30 (90) days of the person's last discharge home is a
  readmission; a death, anywhere, within 30 (90) days of the person's last admission counts towards
  the mortality after admission.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from dorothy_sim.model.cohort import AT_HOME, crisis_mix, crisis_types
from dorothy_sim.model.discharge import (
    CARE_HOME,
    COMMUNITY_BED,
    HOME,
    HOME_CARE,
    PATHWAY_OF_ROUTE,
    REABLEMENT,
    confirm_route,
)
from dorothy_sim.model.draws import CrisisDraws, DrawColumns, uniform
from dorothy_sim.scenario import FRAILTY_LEVELS
from dorothy_sim.streams import stream

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.tally import Tally

READMISSION_DAYS = (30.0, 90.0)
STEPPED_UP = {HOME: REABLEMENT, REABLEMENT: COMMUNITY_BED, HOME_CARE: COMMUNITY_BED,
              COMMUNITY_BED: CARE_HOME, CARE_HOME: CARE_HOME}
"""The next pathway up from each route, for a person deconditioned by a long stay."""
EXTRA_CHUNK = 512

uniform("deconditioning")  # does the stay step the pathway up?
uniform("post_discharge_crisis")  # when the raised crisis risk after discharge strikes, if at all


def decondition(model: DorothyModel, crisis: Crisis, route: int, days_in_bed: float) -> int:
    """The route once the stay's length is taken into account: with a probability that grows with the
    days beyond the threshold, the person's need (``crisis.needed_route``, before any fallback) steps
    up one pathway and is offered along its fallback chain; otherwise ``route`` as it was."""
    after = model.after_stay
    beyond = days_in_bed - after.decondition_after_days
    if beyond <= 0.0 or crisis.needed_route == CARE_HOME:
        return route
    if crisis.draw.deconditioning >= -math.expm1(-after.decondition_per_day * beyond):
        return route
    crisis.tally.deconditioned += 1
    crisis.needed_route = STEPPED_UP[crisis.needed_route]
    return confirm_route(model, crisis.services, crisis.slot, crisis.needed_route)


def on_admission(model: DorothyModel, crisis: Crisis) -> None:
    """Count a readmission (an admission soon after the last discharge home) and note the admission."""
    cohort, tally, now = model.cohort, crisis.tally, model.env.now
    since_discharge = now - cohort.discharged_at[crisis.slot]
    if since_discharge <= READMISSION_DAYS[1]:
        tally.readmissions_90d += 1
        if since_discharge <= READMISSION_DAYS[0]:
            tally.readmissions_30d += 1
    cohort.admitted_at[crisis.slot] = now


def on_death(model: DorothyModel, tally: Tally, slot: int) -> None:
    """Count a death soon after the person's last admission (called as the person dies; ``tally`` is
    their ICP's)."""
    since_admission = model.env.now - model.cohort.admitted_at[slot]
    if since_admission <= READMISSION_DAYS[1]:
        tally.deaths_90d_after_admission += 1
        if since_admission <= READMISSION_DAYS[0]:
            tally.deaths_30d_after_admission += 1


def on_discharge_home(model: DorothyModel, crisis: Crisis, route: int) -> None:
    """A discharge from an acute bed into the community (not into long-term care): note it, and
    schedule the extra crisis that the raised risk after discharge may bring."""
    cohort, slot, after = model.cohort, crisis.slot, model.after_stay
    crisis.tally.discharges_to_community += 1
    cohort.discharged_at[slot] = model.env.now
    excess = after.excess
    if excess <= 0.0:
        return
    if PATHWAY_OF_ROUTE[route] < PATHWAY_OF_ROUTE[crisis.needed_route]:
        excess *= after.unsupported_ratio
    own_rate = after.rate_per_day[cohort.frailty[slot]] * cohort.rate_share[slot]
    delay = first_extra_crisis(crisis.draw.post_discharge_crisis, own_rate * excess, after.decay_days)
    if delay is not None:
        model.env.call_later(delay, after.extra_crisis, (slot, cohort.generation[slot]))


def first_extra_crisis(u: float, initial_rate: float, decay_days: float) -> float | None:
    """Days from discharge to the first extra crisis of a hazard ``initial_rate x exp(-t / decay_days)``
    (per day), by inversion of its cumulative hazard with the uniform ``u``; None if there is none
    (the cumulative hazard over all time, ``initial_rate x decay_days``, is finite)."""
    expected = initial_rate * decay_days  # extra crises expected over the whole decay
    strength = -math.log1p(-u)
    if strength >= expected:
        return None
    return -decay_days * math.log1p(-strength / expected)


class AfterTheStay:
    """One model's figures for what follows a stay (read on every stay, so held here once), and the
    extra crises that the raised risk after discharge brings, with their own named draws.

    Why their own streams: a candidate crisis brings its draws with it (model/cohort.py); an extra
    crisis is not a candidate, so each ICP and frailty level has a chunked stream of rows (made when
    first needed), served in the order the extra crises happen (so two scenarios share them while their
    extra crises come in the same order). The crisis type is drawn from the mix.
    """

    def __init__(self, model: DorothyModel) -> None:
        scenario = model.scenario
        crises, acute = scenario.crises, scenario.acute
        self.model = model
        self.decondition_after_days = acute.deconditioning_after_days
        self.decondition_per_day = acute.deconditioning_per_day
        self.excess = crises.post_discharge_crisis_ratio - 1.0
        self.unsupported_ratio = crises.unsupported_discharge_ratio
        self.decay_days = crises.post_discharge_crisis_decay_days
        # A person's own crisis rate a day: rate_per_day[frailty] x cohort.rate_share[slot].
        self.rate_per_day = [rate * model.cohort.max_attribute_ratio / 365.0
                             for rate in crises.rate_per_year.as_tuple()]
        self._mix = crisis_mix(scenario)
        self._chunks: dict[tuple[int, int], tuple[DrawColumns, DrawColumns, list[int]]] = {}
        self._rows: dict[tuple[int, int], int] = {}
        self._streams: dict[tuple[int, int], tuple[CrisisDraws, np.random.Generator]] = {}

    def extra_crisis(self, person: tuple[int, int]) -> None:
        """The extra crisis of ``person`` (slot, generation), if they are still there and at home."""
        model = self.model
        slot, generation = person
        cohort = model.cohort
        if cohort.generation[slot] != generation or cohort.state[slot] != AT_HOME:
            return
        icp, level = cohort.icp[slot], cohort.frailty[slot]
        uniforms, durations, kinds, row = self._next_row(icp, level)
        model.tallies[icp].post_discharge_crises += 1
        model.start_crisis(slot, kinds[row], uniforms.row(row), durations.row(row))

    def _next_row(self, icp: int, level: int) -> tuple[DrawColumns, DrawColumns, list[int], int]:
        key = (icp, level)
        row = self._rows.get(key, EXTRA_CHUNK)
        if row >= EXTRA_CHUNK:
            draws, types = self._streams_of(key)
            uniforms, durations = draws.chunk(EXTRA_CHUNK, np.full(EXTRA_CHUNK, level))
            kinds = crisis_types(self._mix, types.random(EXTRA_CHUNK)).tolist()
            self._chunks[key] = (uniforms, durations, kinds)
            row = 0
        self._rows[key] = row + 1
        return (*self._chunks[key], row)

    def _streams_of(self, key: tuple[int, int]) -> tuple[CrisisDraws, np.random.Generator]:
        if key not in self._streams:
            model = self.model
            icp, level = key
            name = f"{model.cohort.icp_names[icp]}/after_discharge/{FRAILTY_LEVELS[level]}"
            self._streams[key] = (CrisisDraws(model.scenario, model.seed, name),
                                  stream(model.seed, f"crisis_type/{name}"))
        return self._streams[key]
