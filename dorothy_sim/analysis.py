"""Summaries with confidence intervals, and paired differences under common random numbers.

Why t intervals over replications: each replication is one independent observation of a KPI;
with a handful of replications the t distribution (scipy) gives honest interval widths.
"""

from __future__ import annotations

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


def summarise(replications: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per scenario, area and KPI: ``mean, std, ci_low, ci_high, n``."""
    rows = []
    for key, group in replications.groupby(KEYS, sort=False):
        mean, std, low, high, n = t_interval(group["value"].to_numpy(), confidence)
        rows.append((*key, mean, std, low, high, n))
    return pd.DataFrame(rows, columns=[*KEYS, "mean", "std", "ci_low", "ci_high", "n"])


def paired_differences(scenario: pd.DataFrame, baseline: pd.DataFrame,
                       confidence: float = 0.95) -> pd.DataFrame:
    """Scenario minus baseline, paired by replication seed (common random numbers)."""
    merged = scenario.merge(baseline, on=["replication", "seed", "area", "kpi", "unit"],
                            suffixes=("", "_baseline"))
    merged["diff"] = merged["value"] - merged["value_baseline"]
    rows = []
    for (name, area, kpi, unit), group in merged.groupby(KEYS, sort=False):
        mean, std, low, high, n = t_interval(group["diff"].to_numpy(), confidence)
        base = float(group["value_baseline"].mean())
        rows.append((name, area, kpi, unit, float(group["value"].mean()), base, mean, low, high, n))
    return pd.DataFrame(rows, columns=[*KEYS, "mean", "baseline_mean", "diff_mean", "diff_ci_low",
                                       "diff_ci_high", "n"])


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
