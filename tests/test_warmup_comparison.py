"""The KPI comparison of warm-ups (``dorothy warmup --compare-days``).

Why it exists beside MSER-5: MSER-5 on daily acute occupancy recommends about 30 days for the
default scenario, yet the mean length of stay of a year's discharges kept rising with the warm-up
up to a year (long stays are missing from a hospital that started empty). The comparison looks at
what a modeller reports, every KPI, so it must find a bias that is there and name the bad input.
"""

from __future__ import annotations

import types

import pytest

from dorothy_sim import load_scenario
from dorothy_sim.errors import UserError
from dorothy_sim.warmup import compare_warmups
from tests.test_cli import assert_one_clear_error, run_cli

SHORT = {"run.results_days": 60}


def test_an_empty_start_is_found_to_bias_the_kpis():
    """No warm-up at all against 200 days: the first weeks of an empty hospital must show."""
    scenario = load_scenario("small", {**SHORT, "run.warmup_days": 0})
    comparison = compare_warmups(scenario, 200, reps=6, workers=2)
    flagged = set(comparison.differing["kpi"])
    assert {"acute_occupancy_mean_pct", "acute_bed_days"} <= flagged, comparison.describe()
    row = comparison.table.set_index("kpi").loc["acute_occupancy_mean_pct"]
    assert row["mean"] < row["reference_mean"]  # emptier, not fuller
    assert "differ" in comparison.describe()
    # Nothing constant is flagged: costs of fixed capacity are the same at both warm-ups.
    assert "cost_rapid_response_gbp" not in flagged


def test_the_false_discovery_rate_is_applied_over_all_kpis():
    scenario = load_scenario("small", {**SHORT, "run.warmup_days": 0})
    table = compare_warmups(scenario, 200, reps=3, workers=2).table
    assert (table["q_value"] >= table["p_value"] - 1e-12).all()
    # Benjamini-Hochberg raises every p value strictly, but the largest (and 0): uncorrected p fail this.
    inner = table[(table["p_value"] > 0) & (table["p_value"] < table["p_value"].max())]
    assert len(inner) > 10 and (inner["q_value"] > inner["p_value"]).all()
    assert table["differs"].equals(table["q_value"] < 0.05)


@pytest.mark.parametrize("reference", [30, 90])
def test_a_reference_not_longer_than_the_warmup_is_refused(reference):
    scenario = load_scenario("small", {"run.warmup_days": 90})
    with pytest.raises(UserError, match=rf"--compare-days {reference} is not longer .*run.warmup_days 90"):
        compare_warmups(scenario, reference, reps=2)


def test_the_command_prints_both_checks(capsys):
    code, out, err = run_cli(["warmup", "--scenario", "small", "--set", "run.results_days=60", "--reps", "1",
                              "--window-days", "100", "--workers", "2", "--compare-days", "150",
                              "--compare-reps", "3"], capsys)
    assert code == 0, err
    assert "MSER-5" in out and "KPI comparison for 'small'" in out and "seeds 1–3" in out


def test_one_replication_cannot_be_compared_and_nothing_runs(capsys, monkeypatch):
    monkeypatch.setattr("dorothy_sim.cli.check_warmup", lambda *a, **k: pytest.fail("MSER-5 ran"))
    code, out, err = run_cli(["warmup", "--scenario", "small", "--reps", "1", "--workers", "1",
                              "--compare-days", "150", "--compare-reps", "1"], capsys)
    assert_one_clear_error(code, out, err, "--compare-reps 1", "at least 2")


def test_the_comparison_pairs_each_replication_with_its_own_seed(monkeypatch):
    """Replication r has the same seed at both warm-ups, so the test is on the differences within
    each pair: a shift of 0.1 under a spread of hundreds between seeds is found (a test of the two
    sides apart, Welch's, gives p near 1 here), and a KPI that does not move is not flagged."""
    def runs(tasks, workers=None, work=None):
        for task in tasks:
            side, r = task.key
            noise = 0.001 * ((r * 7) % 5 - 2)  # -2, 0, 2, -1, 1, -2 thousandths
            kpis = {"shifted": 100.0 * r + 0.1 * side + noise, "unmoved": 100.0 * r + noise * side}
            yield task.key, types.SimpleNamespace(kpis={"all": kpis})

    monkeypatch.setattr("dorothy_sim.warmup.execute", runs)
    table = compare_warmups(load_scenario("small"), 200, reps=6).table.set_index("kpi")
    assert table.loc["shifted", "differs"] and table.loc["shifted", "q_value"] < 1e-6
    assert not table.loc["unmoved", "differs"]
    assert table.loc["shifted", "difference"] == pytest.approx(-0.1)
