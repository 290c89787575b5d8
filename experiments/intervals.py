"""95% intervals of what the sweep tables hold or imply, for the studies' READMEs.

A mean with its t interval (:class:`Interval`) read from a sweep's summary or comparisons table, or
built from the per-replication table for quantities the tables do not hold: a sum of cost components,
a swing between two configurations, a change across two sweeps that share seeds (replication r has
the same seed in every configuration, so per-replication values subtract into paired differences).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dorothy_sim.analysis import t_interval
from dorothy_sim.formatting import format_study_estimate
from dorothy_sim.kpis import exposure_adjusted_avoided
from dorothy_sim.monitor import ALL
from dorothy_sim.sweep import SweepResults


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided 95% t interval over ``n`` replications (NaN bounds if n < 2)."""

    mean: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Interval:
        """The t interval of per-replication values (one independent observation each)."""
        mean, _, low, high, n = t_interval(np.asarray(list(values), dtype=float))
        return cls(mean, low, high, n)

    @classmethod
    def from_columns(cls, row: pd.Series | dict[str, Any], name: str, n: int = 0) -> Interval:
        """From a table with ``name``, ``name_ci_low`` and ``name_ci_high`` columns (a sweep headline)."""
        return cls(float(row[name]), float(row[f"{name}_ci_low"]), float(row[f"{name}_ci_high"]), n)

    def scaled(self, factor: float) -> Interval:
        """The interval of ``factor`` x the quantity (bounds swapped for a negative factor)."""
        low, high = sorted((self.low * factor, self.high * factor))
        return Interval(self.mean * factor, low, high, self.n)

    @property
    def below_zero(self) -> bool:
        """The whole interval is below zero (False when there is no interval)."""
        return bool(np.isfinite(self.high) and self.high < 0)

    @property
    def above_zero(self) -> bool:
        return bool(np.isfinite(self.low) and self.low > 0)

    @property
    def excludes_zero(self) -> bool:
        return self.below_zero or self.above_zero


def fmt_ci(interval: Interval, kind: str = "number") -> str:
    """``x (95% CI a to b)``, or ``x (no CI: n replication(s))`` when there are fewer than two."""
    return format_study_estimate(interval.mean, interval.low, interval.high, interval.n, kind)


def per_replication(results: SweepResults, configuration: int, kpis: str | Sequence[str],
                    area: str = ALL) -> pd.Series:
    """One configuration's value of a KPI (or the sum of several) in each replication, indexed by
    replication. Why by replication: replication r of every configuration (and of every sweep with
    the same first seed) has the same seed, so two such series subtract into paired differences."""
    names = [kpis] if isinstance(kpis, str) else list(kpis)
    table = results.replications
    rows = table[(table["configuration"] == configuration) & (table["area"] == area)
                 & (table["kpi"].isin(names))]
    wide = rows.pivot_table(index="replication", columns="kpi", values="value", aggfunc="first")
    missing = set(names) - set(wide.columns)
    if missing:
        raise KeyError(f"configuration {configuration} has no KPI {sorted(missing)} in area {area!r}")
    return wide[names].sum(axis=1)


def paired(results: SweepResults, configuration: int, kpis: str | Sequence[str], reference: int = 0,
           area: str = ALL) -> Interval:
    """``configuration`` minus ``reference`` (default the baseline), paired by replication."""
    return paired_series(per_replication(results, configuration, kpis, area),
                         per_replication(results, reference, kpis, area))


def paired_series(values: pd.Series, reference: pd.Series) -> Interval:
    """``values - reference`` over the replications both have, as a t interval."""
    diff = (values - reference).dropna()
    return Interval.of(diff.to_numpy())


def adjusted_avoided(results: SweepResults, configuration: int, reference_results: SweepResults | None = None,
                     reference: int = 0, area: str = ALL) -> pd.Series:
    """Avoided admissions, exposure-adjusted, of ``configuration`` against ``reference`` (default the
    baseline of the same sweep; ``reference_results`` when it is in another sweep with the same seeds)
    in each replication: the sweep's ranking measure (kpis.RANKING_KPI), for swings between two
    configurations and changes across sweeps, which the comparisons table does not hold."""
    other = results if reference_results is None else reference_results

    def of(source: SweepResults, number: int, kpi: str) -> pd.Series:
        return per_replication(source, number, kpi, area)

    values = exposure_adjusted_avoided(
        of(results, configuration, "admissions"), of(results, configuration, "home_person_years"),
        of(other, reference, "admissions"), of(other, reference, "home_person_years"))
    return values.dropna()


def level(results: SweepResults, configuration: int, kpi: str, area: str = ALL) -> Interval:
    """The mean of a KPI in one configuration with its 95% CI (from the sweep's summary table)."""
    table = results.summary
    row = table[(table["configuration"] == configuration) & (table["area"] == area)
                & (table["kpi"] == kpi)].iloc[0]
    return Interval(float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), int(row["n"]))


def comparison(results: SweepResults, configuration: int, kpi: str, area: str = ALL) -> Interval:
    """A paired difference from the sweep's comparisons table (e.g. ``avoided_admissions``)."""
    table = results.comparisons
    row = table[(table["configuration"] == configuration) & (table["area"] == area)
                & (table["kpi"] == kpi)].iloc[0]
    return Interval(float(row["diff_mean"]), float(row["diff_ci_low"]), float(row["diff_ci_high"]),
                    int(row["n"]))
