"""Delayed discharges by reason (dorothy_sim/model/delays.py) and the capacities behind them.

Why: the bed days after medically fit are what the levers of discharge are bought to release; each
reason's days must come from the capacity that causes them, sum to the whole exactly, and move the
right way when that capacity changes (common random numbers, the small scenario).
"""

from __future__ import annotations

import math

import pytest

from dorothy_sim import load_scenario
from dorothy_sim.floats import sum_left_to_right
from dorothy_sim.model.delays import REASONS
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.replication import run_one

SEEDS = (1, 2, 3)


def _whole_and_parts(kpis: dict[str, float]) -> tuple[float, list[float]]:
    return kpis["mffd_bed_days"], [kpis[f"delay_bed_days_{reason}"] for reason in REASONS]


@pytest.mark.parametrize("case", ["small", "small_busy_discharge"])
def test_the_days_by_reason_sum_exactly_to_the_delayed_bed_days(small_runs, case):
    overrides = {} if case == "small" else {"social_care_assessment.assessors": 1,
                                            "social_care_assessment.cases_per_assessor": 1,
                                            "reablement.places": 8}
    for seed in SEEDS:
        kpis, _ = small_runs.run(overrides, seed)
        whole, parts = _whole_and_parts(kpis)
        assert whole > 0 and all(part >= 0 for part in parts)
        assert sum_left_to_right(parts) == whole  # (to the bit, in the order of the tables)
        shares = sum_left_to_right(kpis[f"delay_share_{reason}_pct"] for reason in REASONS)
        assert math.isclose(shares, 100.0, rel_tol=1e-9)


def test_the_days_by_reason_agree_with_the_delays_the_stays_record():
    """Independently of the ledger: each stay records its own delay when it ends (medically fit to
    leaving, ``tally.discharge_delay_days``). Over the results year the two differ only by the
    delays cut at its edges (measured 0.05% and 0.5%, seeds 1-2)."""
    scenario = load_scenario("small")
    for seed in (1, 2):
        model = DorothyModel(scenario, seed).run()
        ledger_days = sum_left_to_right(level.area for level in model.services[0].delays.by_reason)
        assert math.isclose(ledger_days, model.tallies[0].discharge_delay_days, rel_tol=0.02), seed


def test_each_area_and_the_whole_sum_too():
    """Kent and Medway's four ICPs and the area, over a short run: every table sums exactly."""
    scenario = load_scenario("kent_medway", {"run.warmup_days": 20, "run.results_days": 30})
    output = run_one(scenario, 1)
    assert len(output.kpis) == len(scenario.icps) + 1
    for area, kpis in output.kpis.items():
        whole, parts = _whole_and_parts(kpis)
        assert whole > 0, area
        assert sum_left_to_right(parts) == whole, area


_CHC_BUSY = {"chc_assessment.p_care_home": 0.9, "chc_assessment.p_community_bed": 0.9,
             "chc_assessment.assessment_days.mean": 20.0}
LEVERS = [
    # (what changes, fewer, more, the KPI that more of it lowers)
    ("social-care assessors",
     {"social_care_assessment.assessors": 1, "social_care_assessment.cases_per_assessor": 1},
     {"social_care_assessment.assessors": 3, "social_care_assessment.cases_per_assessor": 1},
     "delay_bed_days_social_care_assessment"),
    ("continuing-healthcare assessors", {"chc_assessment.assessors": 1, **_CHC_BUSY},
     {"chc_assessment.assessors": 3, **_CHC_BUSY}, "delay_bed_days_chc_assessment"),
    ("reablement places", {"reablement.places": 10}, {"reablement.places": 20},
     "delay_bed_days_intermediate_care"),
    ("home-care packages", {"home_care.packages": 60}, {"home_care.packages": 90},
     "delay_bed_days_home_care"),
]


@pytest.mark.parametrize(("what", "fewer", "more", "kpi"), LEVERS, ids=[lever[0] for lever in LEVERS])
def test_more_of_a_capacity_releases_the_days_that_wait_for_it(small_runs, what, fewer, more, kpi):
    assert small_runs.mean(more, kpi) < small_runs.mean(fewer, kpi), what
    if kpi != "delay_bed_days_home_care":  # (a few package waits: the total moves with the route mix)
        assert small_runs.mean(more, "mffd_bed_days") < small_runs.mean(fewer, "mffd_bed_days"), what


def test_discharge_to_assess_moves_assessments_out_of_the_bed(small_runs):
    bed = {"social_care_assessment.d2a_share": 0.0}
    home = {"social_care_assessment.d2a_share": 1.0}
    assert small_runs.mean(home, "sca_assessments") < small_runs.mean(bed, "sca_assessments")
    assert (small_runs.mean(home, "delay_bed_days_social_care_assessment")
            < small_runs.mean(bed, "delay_bed_days_social_care_assessment"))


def test_patient_choice_is_a_delay_no_capacity_shortens(small_runs):
    none = {"discharge.patient_choice_share_care_home": 0.0, "discharge.patient_choice_share_other": 0.0}
    some = {"discharge.patient_choice_share_care_home": 0.5, "discharge.patient_choice_share_other": 0.3}
    assert small_runs.mean(none, "delay_bed_days_patient_choice") == 0.0
    assert small_runs.mean(some, "delay_bed_days_patient_choice") > 0.0
    assert small_runs.mean(some, "mffd_bed_days") > small_runs.mean(none, "mffd_bed_days")


@pytest.mark.parametrize("team", ["social_care_assessment", "chc_assessment"])
def test_a_team_with_no_assessors_is_no_step_and_costs_nothing(small_runs, team):
    prefix = "sca" if team == "social_care_assessment" else "chc"
    kpis, _ = small_runs.run({f"{team}.assessors": 0}, 1)
    assert kpis[f"{prefix}_assessments"] == 0
    assert kpis[f"delay_bed_days_{team}"] == 0.0
    assert kpis[f"cost_{team}_gbp"] == 0.0
    assert math.isnan(kpis[f"{prefix}_utilisation_pct"])


def test_the_longest_wait_for_intermediate_care_sends_people_home_without_it(small_runs):
    """Bridging that fails: at ``max_wait_days`` the person goes home without the place (an
    unsupported discharge); with no limit nobody gives up, and the days waiting are longer."""
    scarce = {"reablement.places": 6, "community_beds.beds": 4}
    unlimited = {**scarce, "reablement.max_wait_days": None, "community_beds.max_wait_days": None}
    limited = {**scarce, "reablement.max_wait_days": 2.0, "community_beds.max_wait_days": 2.0}
    assert small_runs.mean(unlimited, "place_waits_given_up") == 0
    assert small_runs.mean(limited, "place_waits_given_up") > 0
    assert small_runs.mean(limited, "reablement_wait_days_mean") <= 2.0
    assert (small_runs.mean(limited, "delay_bed_days_intermediate_care")
            < small_runs.mean(unlimited, "delay_bed_days_intermediate_care"))
    # those who give up go home (pathway 0) instead of to the place
    home = "discharges_pathway_0"
    assert small_runs.mean(limited, home) > small_runs.mean(unlimited, home)
