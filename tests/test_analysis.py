"""Summaries and paired comparisons: the statistics that turn replications into board figures."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from dorothy_sim import load_scenario, run_replications
from dorothy_sim.analysis import paired_differences, summarise, t_interval


def test_t_interval_matches_scipy():
    values = np.array([10.0, 12.0, 11.0, 13.0, 9.0])
    mean, std, low, high, n = t_interval(values)
    expected = stats.t.interval(0.95, n - 1, loc=values.mean(), scale=stats.sem(values))
    assert (mean, n) == (11.0, 5)
    assert std == pytest.approx(values.std(ddof=1))
    assert (low, high) == pytest.approx(expected)


def test_a_single_replication_has_no_interval():
    mean, _, low, high, n = t_interval(np.array([4.0]))
    assert (mean, n) == (4.0, 1) and np.isnan(low) and np.isnan(high)


@pytest.fixture(scope="module")
def paired_runs():
    base = load_scenario("small")
    more = base.with_overrides({"rapid_response.clinicians": 3})
    a = run_replications(base, reps=4, seed=21, workers=1)
    b = run_replications(more, reps=4, seed=21, workers=1)
    return a, b


def test_a_scenario_paired_with_itself_differs_by_exactly_nothing(paired_runs):
    base, _ = paired_runs
    table = paired_differences(base.replications, base.replications)
    assert (table["diff_mean"].fillna(0.0) == 0.0).all()
    assert set(table.columns) >= {"diff_mean", "diff_ci_low", "diff_ci_high", "baseline_mean", "n"}


def test_pairing_by_seed_narrows_the_interval_of_a_lever(paired_runs):
    # Common random numbers: the paired interval of the difference in admissions is narrower
    # than the interval an unpaired (independent) comparison would give.
    base, more = paired_runs
    table = paired_differences(more.replications, base.replications)
    row = table[(table["area"] == "all") & (table["kpi"] == "admissions")].iloc[0]
    assert row["n"] == 4
    assert row["diff_mean"] < 0  # more clinicians, fewer admissions
    paired_half = (row["diff_ci_high"] - row["diff_ci_low"]) / 2.0

    def values(results):
        rows = results.replications
        return rows[(rows["area"] == "all") & (rows["kpi"] == "admissions")]["value"].to_numpy()

    a, b = values(base), values(more)
    unpaired_se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    unpaired_half = stats.t.ppf(0.975, 2 * a.size - 2) * unpaired_se
    assert paired_half < unpaired_half


def test_summary_has_one_row_per_area_and_kpi(paired_runs):
    base, _ = paired_runs
    summary = summarise(base.replications)
    assert not summary.duplicated(["scenario", "area", "kpi"]).any()
    assert (summary["n"] <= 4).all()
