"""How a trust near 100% occupancy copes: planned admissions that yield, waits for a bed counted as
bed use (trolley waits, corridor care), escalation beds opened by rule.

Mechanisms first (a station by itself), then the small scenario with its beds made tight, under
common random numbers.
"""

from __future__ import annotations

import pytest

from dorothy_sim.model.engine import Environment
from dorothy_sim.model.stations import Station
from tests.conftest import SEEDS

ELECTIVES = "icps.small_area.elective_admissions_per_day"
BEDS = "icps.small_area.acute_beds"


def test_a_planned_admission_is_cancelled_when_no_bed_is_free_or_someone_waits():
    env = Environment()
    beds = Station(env, 2, "beds")
    stays = ([0.0, 0.0, 0.0, 0.0], [5.0, 5.0, 5.0, 5.0])
    beds.stay_if_free_from_source(stays, 0)
    beds.stay_if_free_from_source(stays, 1)
    assert beds.count == 2 and beds.turned_away == 0
    beds.stay_if_free_from_source(stays, 2)  # full: cancelled, not queued
    assert beds.count == 2 and beds.queue_length == 0 and beds.turned_away == 1
    env.run(until=6.0)  # both stays over
    assert beds.count == 0
    emergency = beds.request()
    assert emergency.triggered
    beds.request()
    waiting = beds.request()  # an emergency waits for a bed ...
    assert not waiting.triggered
    beds.release(emergency)  # ... and takes the freed one before any planned admission
    assert waiting.triggered
    blocked = beds.request()
    assert not blocked.triggered
    beds.stay_if_free_from_source(stays, 3)  # no free bed, someone waits: cancelled
    assert beds.turned_away == 2


def test_electives_are_cancelled_only_under_pressure(small_runs):
    ample = {ELECTIVES: 2.0, BEDS: 400}
    tight = {ELECTIVES: 2.0}
    assert small_runs.mean(ample, "electives_cancelled") == 0
    assert small_runs.mean(tight, "electives_cancelled") > 0
    # electives use beds: non-cohort bed days rise with them
    assert small_runs.mean(ample, "background_bed_days") > small_runs.mean({BEDS: 400}, "background_bed_days")


def test_waits_for_a_bed_are_counted_and_are_bed_use(small_runs):
    tight = {BEDS: 54}  # (about 97% of the core beds in use)
    kpis = small_runs.kpis(tight, SEEDS[0])
    assert kpis["trolley_waits_12h"] > 0
    hours = kpis["bed_wait_hours_mean"]
    assert kpis["corridor_care_hours"] > hours > 12.0  # (summed, not a mean)
    assert kpis["trolley_waits_12h"] <= kpis["admissions"]
    # a wait for a bed costs as a bed day
    for name in ("trolley_waits_12h", "corridor_care_hours"):
        assert small_runs.mean(tight, name) > small_runs.mean({}, name)
    ample = small_runs.kpis({BEDS: 400}, SEEDS[0])
    assert ample["trolley_waits_12h"] == 0 and ample["corridor_care_hours"] == pytest.approx(0.0, abs=1e-6)


def test_acute_bed_days_include_the_waits_for_a_bed(small_runs):
    from dorothy_sim import simulate

    scenario = small_runs.scenario({BEDS: 60})
    table, _ = simulate(scenario, SEEDS[0])
    kpis = table[table["area"] == "all"].set_index("kpi")["value"]
    costs = scenario.costs
    assert kpis["cost_acute_bed_days_gbp"] == pytest.approx(kpis["acute_bed_days"] * costs.acute_bed_day)
    assert kpis["acute_bed_days"] > kpis["corridor_care_hours"] / 24.0 > 0.0


def test_escalation_beds_open_by_rule(small_runs):
    """Opened when more than ``escalation_open_when_waiting`` people wait at a bed meeting; never
    when the threshold cannot be reached."""
    tight, never = {BEDS: 60}, {BEDS: 60, "acute.escalation_open_when_waiting": 100_000}
    assert small_runs.mean(tight, "escalation_open_pct") > 0.0
    assert small_runs.mean(tight, "escalation_bed_days") > 0.0
    assert small_runs.mean(never, "escalation_open_pct") == 0.0
    assert small_runs.mean(never, "escalation_bed_days") == 0.0
    assert small_runs.mean(never, "trolley_waits_12h") > small_runs.mean(tight, "trolley_waits_12h")
