"""The model as a whole: conservation of people, determinism, edge cases that must run cleanly,
and the internal consistency of the KPI table."""

from __future__ import annotations

import gc
import math
import weakref

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dorothy_sim import INTERVENTIONS_OFF, ScenarioError, load_scenario, run_replications, simulate
from dorothy_sim.experiment import COLUMNS
from dorothy_sim.kpis import KPIS, UNITS
from dorothy_sim.model.model import DorothyModel
from tests.conftest import SEEDS, ZERO_CAPACITIES, assert_conserved

# KPIs that must be finite whatever the capacities: they count or average things that always happen
# (crises, A&E attendances, admissions and stays in the acute beds), or are costs.
ALWAYS_FINITE = (
    "cohort_size", "crises", "crises_averted", "rr_referrals", "rr_admissions_avoided",
    "ed_attendances", "admissions", "admissions_per_1000", "acute_bed_days", "background_bed_days",
    "acute_occupancy_mean_pct", "acute_occupancy_p95_pct", "bed_wait_hours_mean", "los_mean_days",
    "los_median_days", "los_over_21d_pct", "mffd_bed_days", "mffd_bed_share_pct",
    "discharges_pathway_0", "discharges_pathway_1", "discharges_pathway_2", "discharges_pathway_3",
    "discharge_delay_days_mean", "deaths_in_hospital", "reablement_starts", "home_care_starts",
    "community_bed_admissions", "mdt_referrals", "mdt_reviews", "mdt_referrals_lapsed",
    "care_plans_active_mean", "falls_prevention_enrolled", "mh_liaison_cases", "ltc_admissions",
    "deaths", "acute_utilisation_pct",
    *(k.name for k in KPIS if k.unit == "GBP"),
)


# --------------------------------------------------------------------------- conservation


@pytest.mark.parametrize("seed", SEEDS)
def test_everyone_who_entered_is_somewhere_at_the_end(small_runs, seed):
    _, ledger = small_runs.run({}, seed)
    assert_conserved(ledger)
    assert ledger["entered"] > ledger["alive"] > 0  # people did leave and were replaced
    assert ledger["died"] > 0 and ledger["entered_ltc"] > 0
    assert ledger["in_acute"] > 0


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_everyone_is_accounted_for_with_all_interventions_off(small_runs, seed):
    _, ledger = small_runs.run(INTERVENTIONS_OFF, seed)
    assert_conserved(ledger)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_everyone_is_accounted_for_with_every_capacity_zero(small_runs, seed):
    _, ledger = small_runs.run(ZERO_CAPACITIES, seed)
    assert_conserved(ledger)
    assert ledger["in_community_bed"] == 0  # no community beds, so no one can be in one


def test_everyone_is_accounted_for_across_several_icps():
    scenario = load_scenario("kent_medway", {"run.warmup_days": 5, "run.results_days": 10})
    _, ledger = simulate(scenario, 7)
    assert_conserved(ledger)
    assert ledger["alive"] > 100_000


def test_cohort_size_stays_constant(small_runs, small):
    kpis, ledger = small_runs.run({}, SEEDS[0])
    expected = sum(
        round(icp.registered_population * small.population.share_65_plus
              * small.population.frailty_shares_65_plus[level])
        for icp in small.icps.values() for level in ("mild", "moderate", "severe"))
    assert ledger["alive"] == expected == kpis["cohort_size"]


# --------------------------------------------------------------------------- determinism


def test_same_scenario_and_seed_give_identical_tables(small):
    first, ledger_1 = simulate(small, 42)
    second, ledger_2 = simulate(small, 42)
    assert_frame_equal(first, second)
    assert ledger_1 == ledger_2


def test_different_seeds_give_different_results(small_runs):
    assert small_runs.kpis({}, SEEDS[0])["crises"] != small_runs.kpis({}, SEEDS[1])["crises"]


def test_replication_tables_do_not_depend_on_the_number_of_workers(small):
    serial = run_replications(small, reps=3, seed=11, workers=1)
    parallel = run_replications(small, reps=3, seed=11, workers=2)
    assert_frame_equal(serial.replications, parallel.replications)
    assert_frame_equal(serial.summary, parallel.summary)
    assert serial.ledgers == parallel.ledgers


def test_a_replication_can_be_rerun_alone_from_its_seed(small):
    results = run_replications(small, reps=3, seed=20, workers=1)
    alone, ledger = simulate(small, 22)
    third = results.replications[results.replications["replication"] == 2].reset_index(drop=True)
    assert (third["seed"] == 22).all()
    assert_frame_equal(third.drop(columns="replication"), alone.drop(columns="replication"))
    assert results.ledgers[2] == ledger


def test_run_replications_refuses_zero_replications(small):
    with pytest.raises(ValueError, match="reps"):
        run_replications(small, reps=0)


def test_costs_do_not_change_what_happens(small_runs):
    # Prices are read only when KPIs are costed: doubling one changes its cost line and the totals,
    # and nothing else (same seed, same people, same crises).
    base = small_runs.kpis({}, SEEDS[0])
    priced = small_runs.kpis({"costs.acute_bed_day": 830}, SEEDS[0])
    for name, value in base.items():
        if name.startswith("cost_"):
            continue
        assert priced[name] == value or (math.isnan(value) and math.isnan(priced[name])), name
    assert priced["cost_acute_bed_days_gbp"] == pytest.approx(2 * base["cost_acute_bed_days_gbp"])
    assert priced["cost_total_gbp"] > base["cost_total_gbp"]


# --------------------------------------------------------------------------- edge cases


def test_all_interventions_off_runs_and_switches_every_intervention_off(small_runs):
    kpis = small_runs.kpis(INTERVENTIONS_OFF, SEEDS[0])
    for name in ALWAYS_FINITE:
        assert math.isfinite(kpis[name]), name
    assert kpis["rr_referrals"] == 0
    assert kpis["mdt_reviews"] == 0
    assert kpis["falls_prevention_enrolled"] == 0
    assert kpis["mh_liaison_cases"] == 0
    assert kpis["home_care_starts"] == 0
    assert kpis["cost_rapid_response_gbp"] == 0
    assert kpis["cost_discharge_gbp"] == 0
    assert kpis["cost_mh_liaison_gbp"] == 0


def test_all_interventions_off_admits_more_than_baseline(small_runs):
    off = small_runs.mean(INTERVENTIONS_OFF, "admissions", SEEDS[:2])
    base = small_runs.mean({}, "admissions", SEEDS[:2])
    assert off > base


def test_every_capacity_zero_runs_cleanly_with_finite_kpis(small_runs):
    kpis = small_runs.kpis(ZERO_CAPACITIES, SEEDS[0])
    for name in ALWAYS_FINITE:
        assert math.isfinite(kpis[name]), name
    # Nothing can be used that does not exist.
    for name in ("rr_referrals", "reablement_starts", "home_care_starts", "community_bed_admissions",
                 "discharges_pathway_1", "discharges_pathway_2", "discharges_pathway_3",
                 "mdt_reviews", "falls_prevention_enrolled", "mh_liaison_cases", "crises_averted"):
        assert kpis[name] == 0, name
    # ... and every discharge falls back to going home.
    assert kpis["discharges_pathway_0"] > 0
    # Utilisation of a service with no capacity is undefined, not a number.
    for name in ("rr_utilisation_pct", "reablement_utilisation_pct", "home_care_utilisation_pct",
                 "community_beds_utilisation_pct", "mh_liaison_utilisation_pct"):
        assert math.isnan(kpis[name]), name


def test_zero_capacity_stations_are_never_used():
    # A SimPy resource cannot have zero servers, so a station of capacity 0 keeps one nominal
    # server that must never be requested.
    scenario = load_scenario("small", {**ZERO_CAPACITIES, "run.warmup_days": 10, "run.results_days": 60})
    model = DorothyModel(scenario, 3).run()
    services = model.services[0]
    for station in services.stations():
        if station is services.beds:
            continue
        assert station.nominal_capacity == 0, station.name
        assert station.count == 0, f"{station.name}: {station.count} in use with capacity 0"
        assert station.busy_area == 0, f"{station.name}: busy {station.busy_area} with capacity 0"


def test_zero_acute_beds_is_refused_or_admits_no_one():
    # acute_beds = 0 passes validation (a Capacity may be 0); then no one may occupy an acute bed.
    try:
        scenario = load_scenario("small", {"icps.small_area.acute_beds": 0,
                                           "run.warmup_days": 10, "run.results_days": 60})
    except ScenarioError as exc:
        assert "acute_beds" in str(exc)
        return
    model = DorothyModel(scenario, 3).run()
    beds = model.services[0].beds
    assert beds.count == 0, f"{beds.count} cohort patient(s) in an acute bed that does not exist"
    assert beds.busy_area == 0


def test_stations_never_hold_more_than_their_capacity():
    scenario = load_scenario("small", {"run.warmup_days": 10, "run.results_days": 60})
    model = DorothyModel(scenario, 5).run()
    services = model.services[0]
    icp = scenario.icps["small_area"]
    for station in services.stations():
        # Acute beds may open escalation beds above the core beds under pressure.
        limit = (icp.acute_beds + getattr(icp, "escalation_beds", 0) if station is services.beds
                 else station.nominal_capacity)
        assert 0 <= station.count <= limit, station.name
    assert services.cohort_in_beds.level <= services.beds.count


# --------------------------------------------------------------------------- the KPI table


def test_kpi_table_has_the_documented_shape(small_runs, small):
    table, _ = simulate(small, SEEDS[0])
    assert list(table.columns) == COLUMNS
    assert set(table["area"]) == {"all", *small.icps}
    for area, rows in table.groupby("area"):
        assert list(rows["kpi"]) == [k.name for k in KPIS], area
    assert (table["unit"] == table["kpi"].map(UNITS)).all()
    assert (table["scenario"] == "small").all() and (table["seed"] == SEEDS[0]).all()


def test_every_stay_ends_in_a_discharge_pathway_or_a_death(small_runs):
    kpis = small_runs.kpis({}, SEEDS[0])
    ended = (sum(kpis[f"discharges_pathway_{n}"] for n in range(4)) + kpis["deaths_in_hospital"]
             + kpis["vw_step_down"])  # (a stay may also end early onto the virtual ward)
    # Stays that end in the results period: admissions minus those still in, plus those carried in.
    assert ended == pytest.approx(kpis["admissions"], rel=0.03)
    assert kpis["admissions"] < kpis["ed_attendances"] <= kpis["crises"] + 10


def test_rates_and_shares_are_within_their_ranges(small_runs):
    for overrides in ({}, INTERVENTIONS_OFF, ZERO_CAPACITIES):
        kpis = small_runs.kpis(overrides, SEEDS[0])
        for kpi in KPIS:
            value = kpis[kpi.name]
            if math.isnan(value):
                continue
            assert value >= 0, (kpi.name, value, overrides)
            if kpi.unit == "%" and kpi.name not in ("acute_occupancy_mean_pct",
                                                    "acute_occupancy_p95_pct",
                                                    "acute_utilisation_pct"):
                assert value <= 100 + 1e-9, (kpi.name, value, overrides)
        assert kpis["los_median_days"] <= kpis["los_mean_days"] * 3
        assert kpis["mffd_bed_days"] <= kpis["acute_bed_days"] + 1e-6


def test_whole_area_counts_are_sums_of_the_icps():
    scenario = load_scenario("kent_medway", {"run.warmup_days": 5, "run.results_days": 10})
    table, _ = simulate(scenario, 3)
    wide = table.pivot_table(index="kpi", columns="area", values="value", sort=False)
    icps = list(scenario.icps)
    counts = [k.name for k in KPIS if k.unit in ("count", "people", "bed days", "GBP")
              and k.name != "care_plans_active_mean"]
    for name in counts:
        assert wide.loc[name, "all"] == pytest.approx(wide.loc[name, icps].sum(), rel=1e-9), name
    # A mean over everyone lies between the ICPs' means.
    for name in ("los_mean_days", "bed_wait_hours_mean", "discharge_delay_days_mean"):
        row = wide.loc[name, icps].dropna()
        assert row.min() - 1e-9 <= wide.loc[name, "all"] <= row.max() + 1e-9, name


def test_summary_reports_mean_and_interval_over_replications(small):
    results = run_replications(small, reps=2, seed=1, workers=1)
    summary = results.summary
    assert list(summary.columns) == ["scenario", "area", "kpi", "unit", "mean", "std",
                                     "ci_low", "ci_high", "n"]
    crises = summary[(summary["area"] == "all") & (summary["kpi"] == "crises")].iloc[0]
    values = results.replications.query("area == 'all' and kpi == 'crises'")["value"]
    assert crises["mean"] == pytest.approx(values.mean())
    assert crises["n"] == 2
    assert crises["ci_low"] < crises["mean"] < crises["ci_high"]
    assert isinstance(results.replications, pd.DataFrame)
    assert len(results.ledgers) == 2
    for ledger in results.ledgers:
        assert_conserved(ledger)


def test_replications_in_one_process_do_not_keep_earlier_models_alive():
    # A worker runs replication after replication; each finished model is a large reference cycle
    # that only a full collection frees. Every run must leave none of the earlier ones behind
    # (a frozen, uncollected model per run once grew a sweep worker to 12 GB).
    scenario = load_scenario("small")
    first = DorothyModel(scenario, 1).run()
    environment = weakref.ref(first.env)
    del first
    second = DorothyModel(scenario, 2)  # freed before the next model takes its memory
    assert environment() is None, "the first replication's model is still in memory"
    second.run()
    assert gc.get_freeze_count() == 0, "objects left frozen out of the garbage collector"
