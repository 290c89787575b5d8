"""Warm-up checks: how long the model takes to forget its empty hospital.

Two checks, because they answer different questions. MSER-5 looks at one series (daily acute
occupancy) and finds where its start-up transient ends. The KPI comparison
(:func:`compare_warmups`) asks what a modeller reports: does any results-period KPI change if the
warm-up is longer? A stock that fills slowly can bias a KPI long after occupancy has settled: acute
stays last up to a year, and an empty hospital has none of the long ones at first, so the mean
length of stay of the year's discharges keeps rising with the warm-up well past MSER-5's point.

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
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from dorothy_sim.analysis import MIN_STABLE_REPLICATIONS, mser5
from dorothy_sim.errors import UserError
from dorothy_sim.executors import Task, execute
from dorothy_sim.monitor import ALL
from dorothy_sim.runner import replications
from dorothy_sim.scenario import Scenario

STABLE_SPREAD_DAYS = 20
"""Single replications' MSER-5 points may differ by this much (two 10-day steps of the recommendation)
before the warm-up verdict is called unstable."""


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

    @property
    def needs_more_replications(self) -> bool:
        """Whether the verdict could flip with more replications: fewer than
        :data:`~dorothy_sim.analysis.MIN_STABLE_REPLICATIONS` of them, or single replications whose
        truncation points spread over more than :data:`STABLE_SPREAD_DAYS` (the mean series' point,
        and so the recommendation, then moves with each replication added)."""
        spread = max(self.per_replication) - min(self.per_replication) if self.per_replication else 0
        return len(self.per_replication) < MIN_STABLE_REPLICATIONS or spread > STABLE_SPREAD_DAYS

    def describe(self) -> str:
        verdict = ("is enough" if self.current_is_enough
                   else f"is too short: set run.warmup_days = {self.recommended_days}")
        caution = ([f"  this verdict needs more replications: {len(self.per_replication)} empty-start "
                    f"replication(s) whose truncation points range over "
                    f"{min(self.per_replication)}-{max(self.per_replication)} days can flip it; run "
                    f"'dorothy warmup --reps {max(10, 2 * len(self.per_replication))}' before relying on it"]
                   if self.needs_more_replications else [])
        return "\n".join([
            f"Warm-up check for '{self.scenario}': MSER-5 on daily acute occupancy (area 'all') over the "
            f"first {self.window_days} days of {len(self.per_replication)} empty-start replication(s)",
            f"  truncation point by replication (days): {', '.join(map(str, self.per_replication))}",
            f"  truncation point of the mean series (days): {self.mean_series}",
            f"  recommended warm-up: {self.recommended_days} days (the mean series' point, rounded up to "
            "10 days; single replications are noisier)",
            f"  the scenario's warm-up of {self.current_days:g} days {verdict}",
            *caution,
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
    outputs = dict(execute([Task(r, empty_start, seed + r) for r in range(reps)], workers,
                           work=replications()))
    return np.array([outputs[r].daily_occupancy_pct[ALL] for r in range(reps)])


@dataclass(frozen=True)
class WarmupComparison:
    """The results period's KPIs (area ``all``) at the scenario's warm-up and at a longer one."""

    scenario: str
    warmup_days: float
    reference_days: float
    reps: int
    seed: int
    table: pd.DataFrame  # kpi, mean, reference_mean, difference, difference_pct, p_value, q_value, differs

    @property
    def differing(self) -> pd.DataFrame:
        return self.table[self.table["differs"]]

    def describe(self) -> str:
        lines = [
            f"KPI comparison for '{self.scenario}': the results period's KPIs (area 'all') after the "
            f"scenario's {self.warmup_days:g}-day warm-up and after {self.reference_days:g} days, "
            f"{self.reps} replication(s) each (seeds {self.seed}–{self.seed + self.reps - 1}, paired by "
            f"seed); paired t test, Benjamini-Hochberg false discovery rate 5% over {len(self.table)} KPIs"]
        differing = self.differing
        if differing.empty:
            lines.append(f"  no KPI differs: the {self.warmup_days:g}-day warm-up is enough for these KPIs "
                         f"(at {self.reps} replications; more find smaller differences)")
            return "\n".join(lines)
        lines.append(f"  {len(differing)} KPI(s) differ: their values still depend on the warm-up; lengthen "
                     "run.warmup_days, or report them with this bias in mind")
        width = max(len(kpi) for kpi in differing["kpi"])
        lines.append(f"  {'kpi':<{width}}  {'warm-up ' + format(self.warmup_days, 'g'):>14}  "
                     f"{'warm-up ' + format(self.reference_days, 'g'):>14}  {'difference':>11}  q value")
        for row in differing.itertuples():
            lines.append(f"  {row.kpi:<{width}}  {row.mean:>14,.4g}  {row.reference_mean:>14,.4g}  "
                         f"{row.difference_pct:>+10.2f}%  {row.q_value:.1e}")
        return "\n".join(lines)


def check_comparison(scenario: Scenario, reference_days: float, reps: int) -> None:
    """Refuse a comparison that cannot say anything, before any replication runs."""
    warmup = scenario.run.warmup_days
    if not reference_days > warmup:
        raise UserError(
            f"--compare-days {reference_days:g} is not longer than the warm-up of '{scenario.name}' "
            f"(run.warmup_days {warmup:g}): give a longer warm-up to compare with, such as "
            f"{max(365, 2 * warmup):g}")
    if reps < 2:
        raise UserError(f"--compare-reps {reps}: a comparison needs at least 2 replications a warm-up "
                        "(10 or more find differences of a few tenths of a per cent)")


def compare_warmups(scenario: Scenario, reference_days: float, reps: int = 10, seed: int = 1,
                    workers: int | None = None) -> WarmupComparison:
    """Run ``reps`` replications at the scenario's warm-up and ``reps`` at ``reference_days`` (the
    same results period and calendar: only the start moves earlier) and compare every KPI.

    Why a paired test: replication ``r`` has seed ``seed + r`` at both warm-ups, so the two share
    their people and much of their randomness (common random numbers, as a sweep's configurations
    do), so the two sides are correlated (benchmarks/RESULTS.md, warm-up measurements). Testing the
    differences within each pair uses that; a test of the two sides apart would ignore it.

    Why a false discovery rate: about seventy KPIs are tested at once, so at 5% each three or four
    would "differ" by chance alone; Benjamini-Hochberg keeps the expected share of false flags at 5%.
    """
    check_comparison(scenario, reference_days, reps)
    warmup = scenario.run.warmup_days
    longer = scenario.with_overrides({"run.warmup_days": reference_days})
    tasks = [Task((0, r), scenario, seed + r) for r in range(reps)]
    tasks += [Task((1, r), longer, seed + r) for r in range(reps)]
    outputs = dict(execute(tasks, workers, work=replications()))
    values = {side: pd.DataFrame([outputs[(side, r)].kpis[ALL] for r in range(reps)]) for side in (0, 1)}
    rows = []
    for kpi in values[0].columns.intersection(values[1].columns):
        pairs = pd.concat([values[0][kpi], values[1][kpi]], axis=1).dropna().to_numpy()  # (undefined ratios)
        if len(pairs) < 2:
            continue
        a, b = pairs[:, 0], pairs[:, 1]
        mean, reference = float(a.mean()), float(b.mean())
        tolerance = 1e-9 * max(abs(mean), abs(reference), 1.0)
        if (a - b).std() <= tolerance:  # the same difference in every pair (a constant cost, say)
            p_value = 1.0 if abs(mean - reference) <= tolerance else 0.0
        else:
            with warnings.catch_warnings():  # scipy's "nearly identical data" warning: p is about 1 then
                warnings.simplefilter("ignore", RuntimeWarning)
                p_value = float(stats.ttest_rel(a, b).pvalue)
        percent = (mean - reference) / abs(reference) * 100 if reference else np.nan
        rows.append((kpi, mean, reference, mean - reference, percent, p_value))
    table = pd.DataFrame(rows, columns=["kpi", "mean", "reference_mean", "difference", "difference_pct",
                                        "p_value"])
    table["q_value"] = stats.false_discovery_control(table["p_value"]) if len(table) else []
    table["differs"] = table["q_value"] < 0.05
    return WarmupComparison(scenario.name, float(warmup), float(reference_days), reps, seed,
                            table.sort_values("q_value", kind="stable").reset_index(drop=True))
