"""The calibrated default still meets its validation targets (a short run of ``dorothy validate``).

docs/validation.md is the full report (5 replications). Here two replications guard against a
change that breaks calibration; only targets whose model mean sits well inside the band are
asserted, so the test is not at the mercy of sampling noise. Median length of stay (about 7.4
against a band edge of 7.5) is left to the report.
"""

from __future__ import annotations

import pytest

from dorothy_sim import load_scenario
from dorothy_sim.validation import TARGETS, evaluate, run_validation, to_markdown

ASSERTED = {
    "Acute occupancy, Kent and Medway (% of core beds)",
    "Occupied bed days after medically fit",
    "Bed-day cut from capping over-70s' stays at 10 days",
    "MDT reviews a year, DGS (North Kent share)",
    "MDT reviews a year, Medway and Swale",
    "MDT reviews a year, West Kent",
    "Emergency admissions per 1000 a year, mild frailty",
    "Emergency admissions per 1000 a year, moderate frailty",
    "Emergency admissions per 1000 a year, severe frailty",
    "Still at home 91 days after discharge into reablement",
    "Mean acute length of stay",
    "Rapid-response visits treated at home",
}


@pytest.fixture(scope="module")
def validation_table():
    scenario = load_scenario("kent_medway")
    return evaluate(run_validation(scenario, reps=2, seed=101, workers=1)), scenario


def test_every_asserted_target_exists():
    assert {t.name for t in TARGETS} >= ASSERTED


def test_calibrated_targets_still_pass(validation_table):
    table, _ = validation_table
    rows = table[table["target"].isin(ASSERTED)]
    failing = rows[~rows["passed"]][["target", "model_mean", "target_value"]]
    assert failing.empty, f"validation targets no longer met:\n{failing.to_string()}"


def test_report_lists_every_target_with_its_source(validation_table):
    table, scenario = validation_table
    report = to_markdown(table, scenario, reps=2, seed=101, command="dorothy validate --reps 2")
    for target in TARGETS:
        assert target.name in report
    assert "| target | source | target value | model mean | 95% CI | result | note |" in report


def test_mser5_finds_a_planted_transient():
    import numpy as np

    from dorothy_sim.analysis import mser5

    rng = np.random.default_rng(0)
    series = np.concatenate([np.linspace(0.0, 100.0, 40), 100.0 + rng.normal(0.0, 1.0, 400)])
    assert 30 <= mser5(series) <= 60
    assert mser5(100.0 + rng.normal(0.0, 1.0, 400)) <= 40
