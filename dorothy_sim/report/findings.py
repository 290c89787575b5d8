"""What the figures and the page single out in a sweep's results: each configuration's effect
against the baseline, the best configuration, and the gridlocked ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dorothy_sim.kpis import RANKING_KPI
from dorothy_sim.monitor import ALL
from dorothy_sim.sweep import SweepResults


def effects(results: SweepResults, kpi: str = RANKING_KPI, area: str = ALL) -> pd.DataFrame:
    """One row per configuration with its factor values, the paired difference of ``kpi`` from the
    baseline (``diff_mean``, ``diff_ci_low``, ``diff_ci_high``, ``n``) and the headline's flags
    (``gridlocked``, ``unstable`` when a queue was still rising at the end, ``loses_days_at_home``
    when the paired CI of days at home gained is wholly below zero); rows not yet run dropped.
    ``kpi`` defaults to the ranking measure, avoided admissions exposure-adjusted."""
    comparisons = results.comparisons
    rows = comparisons[(comparisons["area"] == area) & (comparisons["kpi"] == kpi)]
    table = results.configurations.merge(
        rows[["configuration", "diff_mean", "diff_ci_low", "diff_ci_high", "n"]], on="configuration",
        how="inner")
    flags = results.headline(area)[["configuration", "gridlocked", "unstable_queues",
                                    "days_at_home_gained_ci_high"]]
    table = table.merge(flags, on="configuration", how="left")
    table["gridlocked"] = table["gridlocked"].eq(True)  # a row the headline lacks is not flagged
    table["unstable"] = table["unstable_queues"].fillna("").astype(str).ne("")
    table["loses_days_at_home"] = table["days_at_home_gained_ci_high"].lt(0)
    table = table.drop(columns=["unstable_queues", "days_at_home_gained_ci_high"])
    return table[np.isfinite(table["diff_mean"].astype(float))].reset_index(drop=True)


def best_configuration(results: SweepResults) -> int | None:
    """The configuration with the most avoided admissions, exposure-adjusted (whole area), among those
    that avoid some, whose acute beds are not gridlocked and that do not lose days at home (a paired
    CI of days at home gained wholly below zero), or None if there is none: the one figures set beside
    the baseline. A configuration that "avoids" admissions by keeping people in hospital is never the
    best, whatever either count of admissions says."""
    table = effects(results)
    table = table[(table["configuration"] != 0) & ~table["gridlocked"] & (table["diff_mean"] > 0)
                  & ~table["loses_days_at_home"]]
    if table.empty:
        return None
    return int(table.loc[table["diff_mean"].idxmax(), "configuration"])


def baseline_values(results: SweepResults) -> dict[str, Any]:
    row = results.configurations[results.configurations["configuration"] == 0].iloc[0]
    return {path: row[path] for path in results.factors}


def one_factor_rows(table: pd.DataFrame, results: SweepResults, path: str) -> pd.DataFrame:
    """The baseline and the configurations that move only ``path`` (a one-at-a-time arm)."""
    baseline = baseline_values(results)
    mask = pd.Series(True, index=table.index)
    for other in results.factors:
        if other != path:
            mask &= table[other] == baseline[other]
    return table[mask]


def strained_configurations(results: SweepResults) -> pd.DataFrame:
    """The configurations the sweep's headline flags as ``gridlocked`` (see sweep.py): there, fewer
    admissions can mean people still waiting for a bed rather than admissions avoided, so a reader
    must not take them as a benefit. Columns: configuration, acute_occupancy_mean_pct,
    bed_wait_hours_mean."""
    headline = results.headline()
    columns = ["configuration", "acute_occupancy_mean_pct", "bed_wait_hours_mean"]
    return headline.loc[headline["gridlocked"], columns].reset_index(drop=True)
