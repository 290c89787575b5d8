"""Costs a finance director would sign: one price year, capacity as a block, care homes as expected
resident days, every pound paid by a named funder, cash released only by whole wards, and the
comparison KPIs (per funder, cash releasing, the STP view, cost per avoided admission and per day at
home) computed as documented. Runs the small scenario over 90 days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dorothy_sim.cli import main
from dorothy_sim.experiment import run_one
from dorothy_sim.kpis import COMPARISON_BY_NAME, KPI_BY_NAME, money_comparisons
from dorothy_sim.scenario import load_scenario
from dorothy_sim.scenario.costs import COST_COMPONENTS, expected_resident_days

SHORT = {"run.results_days": 90, "run.warmup_days": 30}


@pytest.fixture(scope="module")
def kpis() -> dict[str, float]:
    return run_one(load_scenario("small").with_overrides(SHORT), 5).kpis["all"]


def test_the_funders_pay_the_whole_total(kpis):
    paid = kpis["cost_nhs_gbp"] + kpis["cost_council_gbp"] + kpis["cost_self_funded_gbp"]
    assert paid == pytest.approx(kpis["cost_total_gbp"], rel=1e-12)
    assert min(kpis["cost_nhs_gbp"], kpis["cost_council_gbp"], kpis["cost_self_funded_gbp"]) > 0


def test_capacity_is_a_block_and_care_homes_are_expected_resident_days(kpis):
    scenario = load_scenario("small").with_overrides(SHORT)
    costs, days = scenario.costs, 90.0
    assert kpis["cost_reablement_gbp"] == pytest.approx(
        scenario.reablement.places * days * costs.reablement_day)
    assert kpis["cost_home_care_gbp"] == pytest.approx(
        scenario.home_care.packages * days * costs.home_care_day)
    assert kpis["cost_community_beds_gbp"] == pytest.approx(
        scenario.community_beds.beds * days * costs.community_bed_day)
    assert expected_resident_days(462.0) == pytest.approx(666.5, abs=0.1)
    assert kpis["cost_care_homes_gbp"] == pytest.approx(
        kpis["ltc_admissions"] * costs.care_home_week / 7 * expected_resident_days(462.0))


def test_one_price_year_and_every_new_kpi_is_declared():
    costs = load_scenario("kent_medway").costs
    assert costs.price_year == "2023/24" and costs.inflation["2023/24"] == 1.0
    for name in ("cost_nhs_gbp", "cost_council_gbp", "cost_self_funded_gbp"):
        assert KPI_BY_NAME[name].unit == "GBP"
    for name in ("cash_releasing_saving_gbp", "cost_per_avoided_admission_gbp", "cost_per_day_at_home_gbp",
                 "net_saving_nhs_gbp", "net_saving_council_gbp", "net_saving_self_funded_gbp"):
        assert name in COMPARISON_BY_NAME
    assert set(costs.funders) <= set(COST_COMPONENTS)


@pytest.mark.parametrize(("override", "field"), [
    ("costs.funders.care_homes.council=0.9", "costs.funders.care_homes"),
    ("costs.funders.hospital_car_park={nhs=1.0}", "costs.funders"),
    ("costs.ward_beds=0", "costs.ward_beds"),
    ("costs.inflation.2023/24=1.05", "costs.inflation"),
    ("costs.inflation.2016/7=1.25", "costs.inflation.2016/7"),  # a price year mistyped
    ("costs.inflation.zzz=1.0", "costs.inflation.zzz"),
    ('costs.price_year="2023/4"', "costs.price_year"),
])
def test_bad_cost_settings_exit_2_naming_the_field(override, field, capsys):
    assert main(["show", "--scenario", "small", "--set", override]) == 2
    assert field in capsys.readouterr().err


def _pair(**changes: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    theirs = pd.DataFrame({"cost_total_gbp": [1e6], "cost_acute_bed_days_gbp": [4e5], "cost_ed_gbp": [1e5],
                           "acute_bed_days": [1000.0], "admissions": [100.0], "cost_nhs_gbp": [6e5],
                           "cost_council_gbp": [3e5], "cost_self_funded_gbp": [1e5]})
    ours = theirs.copy()
    for name, value in changes.items():
        ours[name] = value
    return ours, theirs


def test_cash_is_released_only_by_whole_wards():
    costs = load_scenario("small").costs.model_dump(mode="json")
    days = np.array([365.0])
    ward_bed_days = costs["ward_beds"] * 365.0 * costs["ward_occupancy"]
    # Just under one ward's worth of bed days saved: no cash, only capacity released.
    ours, theirs = _pair(acute_bed_days=1000.0 - 0.99 * ward_bed_days)
    below = money_comparisons(ours, theirs, np.array([0.0]), np.array([0.0]), days, [costs])
    assert below["cash_releasing_saving_gbp"][0] == 0.0
    # Just over: one ward closes, all year, at the marginal cost per bed day.
    ours, theirs = _pair(acute_bed_days=1000.0 - 1.01 * ward_bed_days, cost_total_gbp=9e5, cost_nhs_gbp=5e5)
    above = money_comparisons(ours, theirs, np.array([10.0]), np.array([50.0]), days, [costs])
    ward = costs["ward_beds"] * 365.0 * costs["ward_closure_saving_per_bed_day"]
    assert above["cash_releasing_saving_gbp"][0] == pytest.approx(ward - (-1e5))
    assert above["net_saving_nhs_gbp"][0] == pytest.approx(1e5)


def test_the_stp_view_nets_seed_004s_reinvestment_rates():
    costs = load_scenario("small").costs.model_dump(mode="json")
    # Ten admissions avoided (10 days each at the baseline's stay) and 50 more bed days from shorter stays.
    ours, theirs = _pair(admissions=90.0, acute_bed_days=850.0)
    stp = money_comparisons(ours, theirs, np.array([10.0]), np.array([0.0]), np.array([365.0]), [costs])
    expected = costs["acute_bed_day"] * (0.65 * 100.0 + 0.75 * 50.0)
    assert stp["net_saving_stp_view_gbp"][0] == pytest.approx(expected)


def test_a_cost_effectiveness_ratio_is_a_ratio_of_means_with_a_delta_method_interval():
    import numpy as np

    from dorothy_sim.kpis import ratio_of_means

    avoided = np.array([90.0, 100.0, 110.0, 100.0])
    ratio, low, high, n = ratio_of_means(2_000.0 * avoided, avoided)  # exactly £2,000 each
    assert (ratio, n) == (2_000.0, 4) and low == pytest.approx(2_000.0) and high == pytest.approx(2_000.0)
    # Not the mean of ratios: a replication that avoids almost nothing does not dominate.
    cost = np.full(8, 1_000.0)
    few = np.array([1.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0])
    ratio, low, high, _ = ratio_of_means(cost, few)
    assert ratio == pytest.approx(1_000.0 / few.mean()) and low < ratio < high
    assert np.mean(cost / few) > 10 * ratio
    # Undefined where nothing is avoided on average; no interval where the denominator may be zero.
    cost = np.full(4, 1_000.0)
    assert np.isnan(ratio_of_means(cost, np.array([-1.0, 0.0, 1.0, -2.0]))[0])
    ratio, low, high, _ = ratio_of_means(cost, np.array([-50.0, 60.0, 80.0, -40.0]))
    assert ratio > 0 and np.isnan(low) and np.isnan(high)
