"""Warm-up check: how long the model takes to forget its empty hospital, by MSER-5.

Each replication starts with empty acute beds and no queues (the cohort itself starts stationary)
and runs with no warm-up; MSER-5 (White 1997) is applied to its daily acute occupancy, and to the
mean series across replications, which has less noise (as in Welch's method): the recommendation
comes from the mean series, because single replications of a small area truncate at random points.

Why a window: over a whole year the winter peak dominates the series (it is periodic, not
stationary), and MSER would truncate up to the peak. The initial transient lives in the first
months, so the check looks at the first ``window_days`` (200 by default), which starts in spring
for the default scenario and ends before the winter rise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dorothy_sim.analysis import mser5
from dorothy_sim.errors import UserError
from dorothy_sim.executors import Task, execute
from dorothy_sim.monitor import ALL
from dorothy_sim.scenario import Scenario


@dataclass(frozen=True)
class WarmupCheck:
    """MSER-5 truncation points in days, and the warm-up they recommend."""

    scenario: str
    window_days: int
    per_replication: tuple[int, ...]
    mean_series: int
    recommended_days: int
    current_days: float
    daily_mean_pct: tuple[float, ...]

    @property
    def current_is_enough(self) -> bool:
        return self.current_days >= self.recommended_days

    def describe(self) -> str:
        verdict = ("is enough" if self.current_is_enough
                   else f"is too short: set run.warmup_days = {self.recommended_days}")
        return "\n".join([
            f"Warm-up check for '{self.scenario}': MSER-5 on daily acute occupancy (area 'all') over the "
            f"first {self.window_days} days of {len(self.per_replication)} empty-start replication(s)",
            f"  truncation point by replication (days): {', '.join(map(str, self.per_replication))}",
            f"  truncation point of the mean series (days): {self.mean_series}",
            f"  recommended warm-up: {self.recommended_days} days (the mean series' point, rounded up to "
            "10 days; single replications are noisier)",
            f"  the scenario's warm-up of {self.current_days:g} days {verdict}",
        ])


def check_warmup(scenario: Scenario, reps: int = 3, seed: int = 1, window_days: int = 200,
                 workers: int | None = None) -> WarmupCheck:
    """Run ``reps`` empty-start replications (seeds ``seed ..``) and recommend a warm-up."""
    total = scenario.run.warmup_days + scenario.run.results_days
    if window_days > total:
        raise UserError(
            f"--window-days {window_days} is longer than the run of '{scenario.name}' (run.warmup_days "
            f"{scenario.run.warmup_days:g} + run.results_days {scenario.run.results_days:g} = {total:g} "
            f"days): give at most {math.floor(total)}, or lengthen run.results_days")
    series = empty_start_daily_occupancy(scenario, reps, seed, workers)
    window = series[:, :window_days]
    per_replication = tuple(mser5(row) for row in window)
    mean_series = mser5(window.mean(axis=0))
    recommended = int(math.ceil(mean_series / 10.0) * 10)
    return WarmupCheck(scenario.name, int(window.shape[1]), per_replication, mean_series, recommended,
                       float(scenario.run.warmup_days), tuple(window.mean(axis=0).round(3)))


def empty_start_daily_occupancy(scenario: Scenario, reps: int = 1, seed: int = 1,
                                workers: int | None = None) -> np.ndarray:
    """Daily acute occupancy (% of core beds, area ``all``) of ``reps`` replications that start with
    an empty hospital and keep every day (no warm-up): one row per replication."""
    total = scenario.run.warmup_days + scenario.run.results_days
    empty_start = scenario.with_overrides({"run.warmup_days": 0, "run.results_days": total})
    outputs = dict(execute([Task(r, empty_start, seed + r) for r in range(reps)], workers))
    return np.array([outputs[r].daily_occupancy_pct[ALL] for r in range(reps)])
