"""Validation targets: their roles, their statuses, the report's sections, calibration's isolation
from the independent targets, and a short run of ``dorothy validate`` on the calibrated default.

docs/validation.md is the full report (5 replications). The short run uses two replications and
asserts only targets whose model mean sits well inside the band, so it is not at the mercy of
sampling noise. Everything else here is synthetic and fast.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dorothy_sim import load_scenario
from dorothy_sim.experiment import Results
from dorothy_sim.validation import (
    CALIBRATION,
    FAIL,
    INPUT,
    NOT_MODELLED,
    PASS,
    ROLES,
    TARGETS,
    VALIDATION,
    Target,
    ValidationRuns,
    evaluate,
    kpi,
    run_validation,
    targets,
    to_markdown,
)

CALIBRATION_SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "calibration.py"

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


def _load_calibration():
    spec = importlib.util.spec_from_file_location("calibration_script", CALIBRATION_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _runs(values: dict[tuple[str, str], list[float]]) -> ValidationRuns:
    rows = [{"replication": r, "kpi": name, "area": area, "value": v}
            for (name, area), series in values.items() for r, v in enumerate(series)]
    results = Results(replications=pd.DataFrame(rows), summary=pd.DataFrame(), ledgers=[],
                      queues=pd.DataFrame())
    return ValidationRuns(baseline=results, los_cap=results)


def _target(role: str = VALIDATION, name: str = "Synthetic", read=None) -> Target:
    fields = {"aim": 10.0} if role == CALIBRATION else {"field": "x.y"} if role == INPUT else {}
    return Target(name, role, "pub: a source", "10 (8–12)", 8, 12, read or kpi("synthetic_pct"), "%",
                  **fields)


# ------------------------------------------------------------------------------------------ roles


def test_every_target_has_a_role_and_a_source():
    assert {t.role for t in TARGETS} == set(ROLES)
    assert all(t.role in ROLES and t.source.strip() for t in TARGETS)
    assert len({t.name for t in TARGETS}) == len(TARGETS)


def test_at_least_six_independent_targets_each_with_a_source():
    independent = targets(VALIDATION)
    assert len(independent) >= 6
    assert all(len(t.source.strip()) > 10 for t in independent)


def test_calibration_targets_have_aims_and_inputs_name_their_field():
    assert all(t.aim is not None for t in targets(CALIBRATION))
    assert all(t.field for t in targets(INPUT))
    with pytest.raises(ValueError, match="aim"):
        Target("No aim", CALIBRATION, "pub: x", "1", 0, 2, kpi("a"))
    with pytest.raises(ValueError, match="source"):
        Target("No source", VALIDATION, " ", "1", 0, 2, kpi("a"))
    with pytest.raises(ValueError, match="role"):
        Target("Bad role", "evidence", "pub: x", "1", 0, 2, kpi("a"))


# ------------------------------------------------------------------------------------------ statuses


def test_a_missing_kpi_is_not_modelled_never_a_pass():
    table = evaluate(_runs({("other_kpi", "all"): [1.0, 2.0]}), targets=(_target(),))
    row = table.iloc[0]
    assert row.status == NOT_MODELLED and not row.passed
    assert "synthetic_pct" in row.reason
    assert np.isnan(row.model_mean)


def test_a_value_outside_the_band_fails_with_a_reason():
    table = evaluate(_runs({("synthetic_pct", "all"): [14.0, 15.0, 16.0]}), targets=(_target(),),
                     reasons={"Synthetic": "the model has no weekends"})
    row = table.iloc[0]
    assert row.status == FAIL and not row.passed
    assert "above the band" in row.reason and "the model has no weekends" in row.reason


def test_a_value_inside_the_band_passes():
    table = evaluate(_runs({("synthetic_pct", "all"): [9.0, 10.0, 11.0]}), targets=(_target(),))
    assert table.iloc[0].status == PASS and table.iloc[0].passed and table.iloc[0].reason == ""


def test_report_has_the_three_sections_and_a_summary_per_role():
    roles = (_target(CALIBRATION, name="Fitted"), _target(VALIDATION, name="Held out"),
             _target(INPUT, name="An input"), _target(VALIDATION, name="Absent", read=kpi("absent_pct")))
    table = evaluate(_runs({("synthetic_pct", "all"): [9.0, 10.0, 11.0]}), targets=roles)
    report = to_markdown(table, load_scenario("small"), reps=3, seed=1, command="dorothy validate")
    for heading in ("## Calibration targets", "## Independent validation targets", "## Inputs",
                    "## Not modelled"):
        assert heading in report
    assert report.index("## Calibration targets") < report.index("## Independent validation targets") \
        < report.index("## Inputs")
    assert "1001–1003" in report
    assert "independent validation: 1 of 2 pass, 1 not modelled" in report
    assert "| target | KPI | source | band | model mean | 95% CI | status | reason or note |" in report


# ------------------------------------------------------------------------------------------ calibration


def test_calibration_aims_come_from_the_calibration_targets_only():
    calibration = _load_calibration()
    assert set(calibration.FITTED.values()) == set(targets(CALIBRATION))
    assert calibration.aim("los_mean_days") == 12.4
    assert calibration.aim("acute_occupancy_mean_pct", "dgs") == 99.0  # (DGT's own figure, seed 004)


def test_no_validation_kpi_can_enter_calibrations_objective():
    calibration = _load_calibration()
    independent = {key for t in targets(VALIDATION) for key in t.kpis}
    assert not calibration.READABLE & independent, "calibration can read a validation target's KPI"
    literals = {node.value for node in ast.walk(ast.parse(CALIBRATION_SCRIPT.read_text()))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    named = literals & {name for name, _ in independent}
    assert not named, f"experiments/calibration.py names validation KPIs: {sorted(named)}"
    readings = calibration.Readings({key: 1.0 for key in (*calibration.READABLE, *independent)})
    for name, area in independent:
        with pytest.raises(KeyError, match="calibration reads only"):
            readings(name, area)


# ------------------------------------------------------------------------------------------ a short run


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


def test_mser5_finds_a_planted_transient():
    from dorothy_sim.analysis import mser5

    rng = np.random.default_rng(0)
    series = np.concatenate([np.linspace(0.0, 100.0, 40), 100.0 + rng.normal(0.0, 1.0, 400)])
    assert 30 <= mser5(series) <= 60
    assert mser5(100.0 + rng.normal(0.0, 1.0, 400)) <= 40
