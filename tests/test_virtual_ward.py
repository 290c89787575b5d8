"""The frailty virtual ward, the worked example of a plug-in service (dorothy_sim/model/virtual_ward.py).

Why: a service with no capacity must change nothing (every KPI to the bit, whatever its other
figures, since its draws are streams of their own and its hooks schedule nothing), and its lever
must move admissions and bed days the right way under common random numbers.
"""

from __future__ import annotations

import math

import pytest

from dorothy_sim import load_scenario
from dorothy_sim.cli import main
from tests.conftest import SEEDS, assert_conserved, differences
from tests.test_pinned import CASES, tables

OFF = {"virtual_ward.places": 0}
BUSY = {"virtual_ward.places": 40, "virtual_ward.p_step_up_ed": 0.3, "virtual_ward.p_step_down": 0.3,
        "virtual_ward.p_step_up_rr": 0.5}
# Every other figure of the ward, changed: with no places none of them may reach any table.
OFF_OTHERWISE = {**OFF, "virtual_ward.p_step_up_ed": 0.9, "virtual_ward.p_step_up_rr": 0.9,
                 "virtual_ward.p_step_down": 0.9, "virtual_ward.share_of_treatment_in_bed": 0.1,
                 "virtual_ward.stay_days.mean": 20.0}


@pytest.mark.parametrize("case", sorted(CASES))
def test_with_no_places_the_wards_other_figures_change_nothing(case):
    """A ward with no places is no ward: its draws are streams of its own and its hooks schedule
    nothing, so none of its figures reaches a table (every KPI, to the bit)."""
    for seed in (1, 2):
        found = differences(tables(case, seed, OFF), tables(case, seed, OFF_OTHERWISE))
        assert not found, f"{case}/seed{seed}: " + "\n".join(found[:10])


def test_more_places_take_admissions_and_bed_days_off_the_hospital(small_runs):
    off, busy = small_runs.mean(OFF, "admissions"), small_runs.mean(BUSY, "admissions")
    assert busy < off
    assert small_runs.mean(BUSY, "acute_bed_days") < small_runs.mean(OFF, "acute_bed_days")
    assert small_runs.mean(BUSY, "vw_admissions") > 0
    assert small_runs.mean(OFF, "vw_admissions") == 0
    more = {**BUSY, "virtual_ward.places": 80}
    assert small_runs.mean(more, "vw_admissions") >= small_runs.mean(BUSY, "vw_admissions")


def test_the_ward_keeps_its_books_and_everyone_is_accounted_for(small_runs):
    for seed in SEEDS:
        kpis, ledger = small_runs.run({**BUSY, "virtual_ward.p_conversion": 0.2,
                                       "virtual_ward.p_death": 0.05}, seed)
        assert_conserved(ledger)
        assert kpis["vw_admissions"] == kpis["vw_step_up"] + kpis["vw_step_down"]
        assert kpis["vw_conversions"] > 0 and kpis["vw_step_down"] > 0
        assert 0.0 < kpis["vw_utilisation_pct"] <= 100.0
        assert kpis["vw_bed_days"] <= 40 * 365.0
        assert math.isclose(kpis["cost_virtual_ward_gbp"],
                            40 * 365.0 * load_scenario("small").virtual_ward.cost_per_place_day)


@pytest.mark.parametrize(("setting", "field"), [
    ("virtual_ward.places=-1", "virtual_ward.places"),
    ("virtual_ward.places=2.5", "virtual_ward.places"),
    ("virtual_ward.p_conversion=1.5", "virtual_ward.p_conversion"),
    ("virtual_ward.stay_days.mean=-3", "virtual_ward.stay_days.mean"),
    ("virtual_ward.cost_per_place_dya=100", "virtual_ward.cost_per_place_dya"),
])
def test_bad_input_to_the_ward_exits_2_with_a_message_naming_the_field(setting, field, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
                 "--set", setting, "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert "Traceback" not in err and err.count("dorothy: error:") == 1
    assert field in err, err
    assert not out.exists()
