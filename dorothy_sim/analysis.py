"""Summaries with confidence intervals, and paired differences under common random numbers.

Why t intervals over replications: each replication is one independent observation of a KPI;
with a handful of replications the t distribution (scipy) gives honest interval widths.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

KEYS = ["scenario", "area", "kpi", "unit"]


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float, float, int]:
    """Mean, standard deviation and the two-sided t interval of ``values`` (NaNs dropped)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = values.size
    if n == 0:
        return (np.nan, np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    if n == 1:
        return (mean, np.nan, np.nan, np.nan, 1)
    std = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * std / np.sqrt(n)
    return (mean, std, mean - half, mean + half, n)


def interval_table(groups: pd.core.groupby.SeriesGroupBy, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, std, t interval and n of every group at once (NaNs dropped), as :func:`t_interval` gives
    for one. Vectorised because a sweep summarises tens of thousands of groups."""
    table = groups.agg(["mean", "std", "count"])
    n = table["count"].astype(int)
    quantile = stats.t.ppf(0.5 + confidence / 2.0, np.maximum(n - 1, 1))
    half = np.where(n >= 2, quantile * table["std"] / np.sqrt(np.maximum(n, 1)), np.nan)
    table["std"] = np.where(n >= 2, table["std"], np.nan)
    table["mean"] = np.where(n >= 1, table["mean"], np.nan)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    table["n"] = n
    return table[["mean", "std", "ci_low", "ci_high", "n"]]


def summarise(replications: pd.DataFrame, confidence: float = 0.95,
              keys: list[str] | None = None) -> pd.DataFrame:
    """One row per ``keys`` (default scenario, area and KPI): ``mean, std, ci_low, ci_high, n``, each
    interval kept within what its KPI can be (:func:`bounded`)."""
    keys = KEYS if keys is None else keys
    grouped = replications.groupby(keys, sort=False)["value"]
    table = interval_table(grouped, confidence).reset_index()
    return bounded(table) if {"kpi", "unit"} <= set(table.columns) else table


PERCENT_ABOVE_100 = ("acute_occupancy", "acute_utilisation", "readmissions_")
"""Prefixes of the % KPIs that can exceed 100: occupancy of core beds (escalation beds are above them)
and readmissions per 100 discharges (one discharge can be followed by more than one)."""


def kpi_bounds(kpi: str, unit: str) -> tuple[float, float]:
    """What a KPI's level can be: every KPI of one run is a count, a time, a cost or a share, so at
    least 0; a percentage is at most 100 unless it is one of :data:`PERCENT_ABOVE_100`."""
    high = 100.0 if unit == "%" and not kpi.startswith(PERCENT_ABOVE_100) else np.inf
    return 0.0, high


def bounded(table: pd.DataFrame, low: str = "ci_low", high: str = "ci_high") -> pd.DataFrame:
    """The t interval of each KPI's mean clipped to the KPI's range (:func:`kpi_bounds`).

    Why clip rather than transform: with few replications the symmetric t interval of a KPI near a
    bound (a utilisation near 100%, a count near 0) reaches past the bound, an impossible value; the
    mean itself always lies within it, so the clipped interval is the t interval intersected with the
    possible values. It is no more certain for that: too few replications still give a wide,
    unstable interval, which the printouts warn of (:data:`MIN_STABLE_REPLICATIONS`)."""
    bounds = [kpi_bounds(kpi, unit) for kpi, unit in zip(table["kpi"], table["unit"], strict=True)]
    lows = np.array([b[0] for b in bounds], dtype=float)
    highs = np.array([b[1] for b in bounds], dtype=float)
    table = table.copy()
    table[low] = np.where(table[low].notna(), np.maximum(table[low].to_numpy(float), lows), np.nan)
    table[high] = np.where(table[high].notna(), np.minimum(table[high].to_numpy(float), highs), np.nan)
    return table


MIN_STABLE_REPLICATIONS = 5
"""Fewer replications than this give a t interval too wide and too unstable to quote (its half-width
moves a lot with one more run, the t quantile alone is 2.78 at n = 5 and 4.30 at n = 3): printouts
say so."""


class UnpairedWarning(UserWarning):
    """Replications of one side of a paired comparison had no partner (same seed) on the other."""


def paired_differences(scenario: pd.DataFrame, baseline: pd.DataFrame,
                       confidence: float = 0.95, keys: list[str] | None = None,
                       unpaired: str = "warn") -> pd.DataFrame:
    """Scenario minus baseline, paired by seed (common random numbers): ``mean``, ``baseline_mean``
    and the paired ``diff_*`` of every KPI. A benefit of the scenario can be negative here (fewer
    admissions): for avoided admissions and the other comparison KPIs oriented as a reader expects,
    use :func:`dorothy_sim.compare.compare_runs`.

    Seeds on one side only are dropped; ``unpaired="warn"`` (the default) says which with an
    :class:`UnpairedWarning`, ``"ignore"`` does not (a sweep still running). No seed in common is a
    :class:`ValueError`: there is nothing to pair."""
    keys = KEYS if keys is None else keys
    on = ["seed", "area", "kpi"]
    if not scenario.empty and not baseline.empty:
        ours, theirs = set(scenario["seed"]), set(baseline["seed"])
        if not ours & theirs:
            raise ValueError(f"no seed in common: the scenario has seeds {sorted(ours)}, the baseline "
                             f"{sorted(theirs)}; paired differences need the same seeds")
        if unpaired == "warn" and ours != theirs:
            warnings.warn(UnpairedWarning(
                f"unpaired replications dropped: scenario seeds {sorted(ours - theirs)}, baseline seeds "
                f"{sorted(theirs - ours)}"), stacklevel=2)
    merged = scenario.merge(baseline[[*on, "value"]], on=on, suffixes=("", "_baseline"))
    merged["diff"] = merged["value"] - merged["value_baseline"]
    grouped = merged.groupby(keys, sort=False)
    levels = grouped[["value", "value_baseline"]].mean().rename(
        columns={"value": "mean", "value_baseline": "baseline_mean"})
    diffs = interval_table(grouped["diff"], confidence).rename(
        columns={"mean": "diff_mean", "ci_low": "diff_ci_low", "ci_high": "diff_ci_high"})
    table = levels.join(diffs[["diff_mean", "diff_ci_low", "diff_ci_high", "n"]])
    return table.reset_index()


def mser5(series: np.ndarray) -> int:
    """MSER-5 warm-up truncation point (White 1997): the number of leading observations to delete.

    Batch means of 5 observations; the truncation d (in batches, at most half of them) minimises
    the marginal standard error sum((Y_i - mean_d)^2) / (n - d)^2 of the retained batches.
    """
    values = np.asarray(series, dtype=float)
    batches = values[: values.size // 5 * 5].reshape(-1, 5).mean(axis=1)
    n = batches.size
    if n < 4:
        return 0
    best_d, best = 0, np.inf
    for d in range(n // 2 + 1):
        kept = batches[d:]
        statistic = ((kept - kept.mean()) ** 2).sum() / (n - d) ** 2
        if statistic < best:
            best_d, best = d, statistic
    return best_d * 5
