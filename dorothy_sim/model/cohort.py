"""The frail 65+ cohort: who the people are, and when crises and other life events happen to them.

The cohort is a fixed set of *slots*, one per person, grouped by ICP and frailty level (eFI mild,
moderate, severe; Clegg et al. 2016). Each slot holds one living person at a time with attributes
(age band, lives alone, dementia) and a state (at home, in a crisis, in an acute bed, in a community
bed). When a person dies or enters long-term care the slot passes to a newly frail person of the
same frailty level, so the cohort is stationary (MODEL.md §2) and every individual keeps one history
(the slot's ``generation`` tells people apart).

Why candidate events: crises are generated as one cohort-level stream of *candidate* crises at
the highest rate any person could have (their frailty rate times the largest attribute ratios),
in a time scale warped by the winter peak and the hour-of-day profile. A candidate becomes a crisis
with probability (the person's actual rate) / (the highest rate), judged with a uniform drawn with
the candidate. Interventions only lower rates, so the candidate stream, the person it falls on and
every random number attached to it are the same in every scenario with the same seed and
population: common random numbers by construction, and a lever that lowers crisis rates can only
remove crises, never reshuffle them.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import numpy as np

from dorothy_sim.floats import running_sums
from dorothy_sim.model.draws import CrisisDraws, DrawColumns
from dorothy_sim.model.persontime import PersonTime
from dorothy_sim.model.week import DAYS_A_WEEK, WORKING_DAYS, Week
from dorothy_sim.scenario import CRISIS_TYPES, FRAILTY_LEVELS, Scenario
from dorothy_sim.streams import stream

# Person states (slot.state)
AT_HOME, IN_CRISIS, IN_ACUTE, IN_COMMUNITY_BED = 0, 1, 2, 3
STATE_NAMES = ("at_home", "in_crisis", "in_acute", "in_community_bed")

# Age bands: 65-69, 70-79, 80+ (70+ matters for the seed-004 length-of-stay cap)
AGE_65_69, AGE_70_79, AGE_80_PLUS = 0, 1, 2

CHUNK = 8192


@dataclass(frozen=True)
class Group:
    icp: int
    frailty: int
    start: int
    size: int


class Cohort:
    """Per-slot attributes and state, held in Python lists for fast scalar access."""

    def __init__(self, scenario: Scenario, seed: int, icps: Collection[int] | None = None) -> None:
        """The people of the ICPs ``icps`` (indices; all if None), numbered from slot 0.

        Why only some: a model of one part of a replication (``replication.run_part``) needs only
        its own ICPs' people, and the per-person lists are what a garbage collection walks element by
        element, at least once a part. An ICP's people are the
        same in any model that simulates it: each slot keeps its offset from the ICP's first slot,
        and every draw is from the ICP's own streams. ``icp_sizes`` holds every ICP's size, which
        capacities are shared out by.
        """
        pop = scenario.population
        crises = scenario.crises
        self.icp_names = list(scenario.icps)
        chosen = set(range(len(self.icp_names)) if icps is None else icps)
        self.groups: list[Group] = []
        self.icp_sizes: list[int] = []
        self.icp_ranges: list[tuple[int, int]] = []  # slots of each ICP (empty if not simulated)
        start = 0
        for icp_index, icp in enumerate(scenario.icps.values()):
            sizes = [round(icp.registered_population * pop.share_65_plus * pop.frailty_shares_65_plus[level])
                     for level in FRAILTY_LEVELS]
            self.icp_sizes.append(sum(sizes))
            first = start
            if icp_index in chosen:
                for frailty_index, size in enumerate(sizes):
                    self.groups.append(Group(icp_index, frailty_index, start, size))
                    start += size
            self.icp_ranges.append((first, start))
        self.size = start
        self.icp: list[int] = []
        self.frailty: list[int] = []
        for group in self.groups:
            self.icp.extend([group.icp] * group.size)
            self.frailty.extend([group.frailty] * group.size)

        self._ratio_80 = crises.rate_ratio_80_plus
        self._ratio_alone = crises.rate_ratio_lives_alone
        self._ratio_dementia = crises.rate_ratio_dementia
        self.max_attribute_ratio = self._ratio_80 * self._ratio_alone * self._ratio_dementia
        self._share_80 = pop.share_80_plus
        self._share_65_69 = pop.share_65_69
        self._share_alone = pop.lives_alone
        self._dementia = pop.dementia.as_tuple()

        # The first people, drawn at once (the same rules as _set_attributes, vectorised), from a
        # stream per ICP: an ICP's people do not depend on which other ICPs the scenario has.
        u = np.concatenate([np.empty((0, 3))] + [  # (the empty block: ICPs with no one at all)
            stream(seed, f"population/{name}").random((end - start, 3))
            for name, (start, end) in zip(self.icp_names, self.icp_ranges, strict=True) if end > start])
        age = np.where(u[:, 0] < self._share_80, AGE_80_PLUS,
                       np.where(u[:, 0] < self._share_80 + self._share_65_69, AGE_65_69, AGE_70_79))
        alone = u[:, 1] < self._share_alone
        dementia = u[:, 2] < np.asarray(self._dementia)[np.asarray(self.frailty, dtype=np.int64)]
        ratio = (np.where(age == AGE_80_PLUS, self._ratio_80, 1.0)
                 * np.where(alone, self._ratio_alone, 1.0)
                 * np.where(dementia, self._ratio_dementia, 1.0))
        self.age_band: list[int] = age.tolist()
        self.lives_alone: list[bool] = alone.tolist()
        self.dementia: list[bool] = dementia.tolist()
        self.rate_share: list[float] = (ratio / self.max_attribute_ratio).tolist()  # in (0, 1]

        n = self.size
        self.state = [AT_HOME] * n
        self.generation = [0] * n
        self.plan_until = [-math.inf] * n
        self.falls_until = [-math.inf] * n
        self.package_until = [-math.inf] * n
        self.mdt_queued = [False] * n
        self.admitted_at = [-math.inf] * n  # the person's last emergency admission
        self.discharged_at = [-math.inf] * n  # the person's last discharge from an acute bed home
        self.holdings: dict[int, dict[str, object]] = {}
        self._newcomer_draws = [_UniformRows(stream(seed, f"newcomers/{name}"), 3) for name in self.icp_names]
        self.newcomers = 0
        self.person_time: PersonTime | None = None

    def keep_time(self, env) -> PersonTime:
        """Book person-time by state from now on (:mod:`~dorothy_sim.model.persontime`): every
        change of state goes through :meth:`move`, every departure through :meth:`replace`."""
        self.person_time = PersonTime(env, self.state, self.icp, self.frailty, len(self.icp_names),
                                      len(FRAILTY_LEVELS), len(STATE_NAMES), AT_HOME)
        self.move = self.person_time.move  # (the kernel's method itself: one C call a move)
        return self.person_time

    def move(self, slot: int, state: int) -> None:
        """The person in ``slot`` moves to ``state`` (at home, in a crisis, in an acute bed...)."""
        self.state[slot] = state

    def _age_band(self, u: float) -> int:
        if u < self._share_80:
            return AGE_80_PLUS
        return AGE_65_69 if u < self._share_80 + self._share_65_69 else AGE_70_79

    def _set_attributes(self, slot: int, row: list[float]) -> None:
        age = self._age_band(row[0])
        alone = row[1] < self._share_alone
        dementia = row[2] < self._dementia[self.frailty[slot]]
        ratio = ((self._ratio_80 if age == AGE_80_PLUS else 1.0)
                 * (self._ratio_alone if alone else 1.0)
                 * (self._ratio_dementia if dementia else 1.0))
        self.age_band[slot] = age
        self.lives_alone[slot] = alone
        self.dementia[slot] = dementia
        self.rate_share[slot] = ratio / self.max_attribute_ratio

    def replace(self, slot: int, died: bool) -> None:
        """A newly frail person takes the slot of someone who died or entered long-term care."""
        if self.person_time is not None:
            self.person_time.leave(slot, died)
        self._set_attributes(slot, self._newcomer_draws[self.icp[slot]].next())
        self.state[slot] = AT_HOME
        self.generation[slot] += 1
        self.plan_until[slot] = -math.inf
        self.falls_until[slot] = -math.inf
        self.package_until[slot] = -math.inf
        self.mdt_queued[slot] = False
        self.admitted_at[slot] = -math.inf
        self.discharged_at[slot] = -math.inf
        self.newcomers += 1

    def icp_groups(self, icp: int) -> list[Group]:
        return [g for g in self.groups if g.icp == icp]

    def group_weights(self, rates: tuple[float, float, float], icp: int) -> np.ndarray:
        """The weight of each of the ICP's groups (its people times their rate by frailty)."""
        return np.array([g.size * rates[g.frailty] for g in self.icp_groups(icp)], dtype=float)

    def pick_slots(self, icp: int, weights: np.ndarray, u_group: np.ndarray, u_within: np.ndarray
                   ) -> np.ndarray:
        """Slots of the ICP chosen with probability proportional to their group's weight (vectorised)."""
        groups = self.icp_groups(icp)
        cumulative = np.cumsum(weights) / weights.sum()
        group = np.minimum(np.searchsorted(cumulative, u_group, side="right"), len(weights) - 1)
        starts = np.array([g.start for g in groups])[group]
        sizes = np.array([g.size for g in groups])[group]
        return starts + np.minimum((u_within * sizes).astype(np.int64), np.maximum(sizes - 1, 0))


class _UniformRows:
    """Rows of uniforms served one at a time from numpy blocks."""

    def __init__(self, rng: np.random.Generator, width: int) -> None:
        self._rng = rng
        self._width = width
        self._rows: list[list[float]] = []
        self._pos = 0

    def next(self) -> list[float]:
        if self._pos >= len(self._rows):
            self._rows = self._rng.random((1024, self._width)).tolist()
            self._pos = 0
        row = self._rows[self._pos]
        self._pos += 1
        return row


class DemandProfile:
    """Seasonal and hour-of-day variation of crisis calls, as a time warp.

    g(t) = (1 + a cos(2 pi (day_of_year(t) - peak) / 365)) * hourly(t), normalised so the hourly
    profile has mean 1. Candidate times drawn as a unit-rate process in 'operational time' are
    mapped to clock time through the inverse of G(t) = integral of g, which is exact for a
    piecewise-constant hourly profile.
    """

    def __init__(self, scenario: Scenario, horizon: float) -> None:
        crises = scenario.crises
        hourly = np.asarray(crises.hourly_profile, dtype=float)
        hourly = hourly / hourly.mean()
        day0 = scenario.run.start_day_of_year - scenario.run.warmup_days
        self.amplitude = crises.winter_peak
        self.peak_day = crises.peak_day_of_year
        self.day0 = day0
        hours = int(math.ceil(horizon * 24)) + 48
        mid = (np.arange(hours) + 0.5) / 24.0
        g = self.season(mid) * hourly[np.arange(hours) % 24]
        self.grid_t = np.arange(hours + 1) / 24.0
        self.grid_g = np.concatenate([[0.0], np.cumsum(g) / 24.0])

    def season(self, t: np.ndarray | float) -> np.ndarray | float:
        day = self.day0 + np.asarray(t)
        return 1.0 + self.amplitude * np.cos(2.0 * np.pi * (day - self.peak_day) / 365.0)

    def season_at(self, t: float) -> float:
        return 1.0 + self.amplitude * math.cos(2.0 * math.pi * (self.day0 + t - self.peak_day) / 365.0)

    def to_clock(self, operational: np.ndarray) -> np.ndarray:
        return np.interp(operational, self.grid_g, self.grid_t)


CandidateChunk = tuple[list[float], list[int], list[float], list[int], DrawColumns, DrawColumns]


def crisis_candidates(cohort: Cohort, scenario: Scenario, seed: int, horizon: float, icp: int
                      ) -> Iterator[CandidateChunk]:
    """Chunks of candidate crises: clock times, slots, the acceptance uniforms, the crisis types
    (drawn from the mix), and every named uniform and duration of each candidate
    (:mod:`dorothy_sim.model.draws`; rows are read only for accepted candidates).

    One set of streams per ICP (``icp``, an index), named after it, so an ICP's crises are the same
    whichever other ICPs are simulated with it, or in the same process (see ``replication.run_part``).
    """
    name = cohort.icp_names[icp]
    rng = stream(seed, f"crisis_candidates/{name}")
    accept_rng = stream(seed, f"crisis/{name}/accept")
    type_rng = stream(seed, f"crisis/{name}/type")
    draws = CrisisDraws(scenario, seed, name)
    rates = scenario.crises.rate_per_year.as_tuple()
    weights = cohort.group_weights(rates, icp) * cohort.max_attribute_ratio / 365.0
    total_rate = float(weights.sum())
    if total_rate <= 0:
        return
    profile = DemandProfile(scenario, horizon)
    cumulative_mix = crisis_mix(scenario)
    frailty = np.asarray(cohort.frailty, dtype=np.int64)
    operational = 0.0
    while True:
        gaps = rng.exponential(1.0 / total_rate, CHUNK)
        op_times = operational + np.cumsum(gaps)
        operational = float(op_times[-1])
        times = profile.to_clock(op_times)
        slots = cohort.pick_slots(icp, weights, rng.random(CHUNK), rng.random(CHUNK))
        types = crisis_types(cumulative_mix, type_rng.random(CHUNK))
        yield (times.tolist(), slots.tolist(), accept_rng.random(CHUNK).tolist(), types.tolist(),
               *draws.chunk(CHUNK, frailty[slots]))
        if times[-1] >= horizon:
            return


def person_event_candidates(cohort: Cohort, rates_per_year: tuple[float, float, float], seed: int,
                            name: str, horizon: float, icp: int
                            ) -> Iterator[tuple[list[float], list[int]]]:
    """Chunks of events that happen to one person at a rate by frailty (deaths at home, entries
    to long-term care, MDT risk referrals): their times and the slots they fall on.

    Each kind has its own stream in each ICP, so changing one kind's rate leaves the others' events
    as they were, and an ICP's events do not depend on the other ICPs.
    """
    rng = stream(seed, f"{name}/{cohort.icp_names[icp]}")
    weights = cohort.group_weights(rates_per_year, icp) / 365.0
    total_rate = float(weights.sum())
    if total_rate <= 0:
        return
    now = 0.0
    while now < horizon:
        times = now + np.cumsum(rng.exponential(1.0 / total_rate, CHUNK))
        now = float(times[-1])
        slots = cohort.pick_slots(icp, weights, rng.random(CHUNK), rng.random(CHUNK))
        yield times.tolist(), slots.tolist()


def crisis_mix(scenario: Scenario) -> np.ndarray:
    """The crisis mix's running shares, the edges :func:`crisis_types` compares uniforms with."""
    return np.asarray(cumulative_shares(scenario.crises.mix.as_tuple()))


def crisis_types(cumulative_mix: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The crisis type (an index into ``CRISIS_TYPES``) each uniform in ``u`` draws from the mix."""
    return np.minimum(np.searchsorted(cumulative_mix, u, side="right"), len(CRISIS_TYPES) - 1)


def cumulative_shares(shares: tuple[float, ...]) -> list[float]:
    """Running sums of a mix: a uniform below the k-th edge (and not below the one before)
    draws item k."""
    return running_sums(shares)


def background_arrivals(seed: int, name: str, per_day: float, profile: DemandProfile, los,
                        horizon: float, kind: str = "background", working_week: Week | None = None
                        ) -> Iterator[tuple[list[float], list[float]]]:
    """Chunks of admissions from outside the frail cohort: their times and lengths of stay.

    ``kind`` "background": non-elective, drawn at the winter peak's rate and thinned by the season.
    With a ``working_week`` (planned admissions): no season, on weekdays only, ``per_day`` on average
    over the week. All in numpy: nothing about these arrivals depends on the state of the model, so
    no draw need wait for it.
    """
    rng = stream(seed, f"{kind}/{name}")
    peak = 1.0 + profile.amplitude if working_week is None else DAYS_A_WEEK / WORKING_DAYS
    mean_gap = 1.0 / (per_day * peak)
    now = 0.0
    while now < horizon:
        times = now + np.cumsum(rng.exponential(mean_gap, CHUNK))
        now = float(times[-1])
        if working_week is None:
            kept = rng.random(CHUNK) * peak < profile.season(times)
        else:
            kept = (working_week.first + np.floor(times)) % DAYS_A_WEEK < WORKING_DAYS
        days = los.from_normals(rng.standard_normal(CHUNK))
        yield times[kept].tolist(), days[kept].tolist()
