"""Capacity sweeps end to end on the small scenario: paired comparisons under common random numbers,
identical tables whatever the executor, and a result store that resumes exactly (after a repeat
call, deleted or truncated run files, a changed spec, a lock, or SIGKILL); adaptive replications."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from scipy import stats

import dorothy_sim.replication
from dorothy_sim.errors import Interrupted, StoreError, UserError
from dorothy_sim.spec import plan, spec_from_dict
from dorothy_sim.store import ResultStore
from dorothy_sim.sweep import HEADLINE, SweepResults, load_results, sweep

CLINICIANS = "rapid_response.clinicians"
REPS = 3
SEED = 11
# Baseline: no rapid response at all; configurations: 1 and 3 clinicians (small: about 230 of
# about 1,600 admissions avoided with 3 clinicians, CI well clear of zero on 3 replications).
SPEC: dict[str, Any] = {
    "name": "rr_small", "scenario": "small", "seed": SEED,
    "baseline": {CLINICIANS: 0},
    "factors": {CLINICIANS: [0, 1, 3]},
    "replications": {"count": REPS},
}
CONFIGURATIONS = 3  # 0 (the baseline, 0 clinicians), 1 (1 clinician), 2 (3 clinicians)
THREE_CLINICIANS = 2

TABLES = ("replications", "summary", "comparisons", "occupancy_daily", "configurations")
REPLICATION_COLUMNS = ["configuration", "scenario", "replication", "seed", "area", "kpi", "value", "unit"]
SUMMARY_COLUMNS = ["configuration", "scenario", "area", "kpi", "unit", "mean", "std", "ci_low", "ci_high",
                   "n"]
COMPARISON_COLUMNS = ["configuration", "scenario", "area", "kpi", "unit", "mean", "baseline_mean",
                      "diff_mean", "diff_ci_low", "diff_ci_high", "n"]
OCCUPANCY_COLUMNS = ["configuration", "area", "day", "mean_pct", "ci_low_pct", "ci_high_pct", "n"]
CONFIGURATION_COLUMNS = ["configuration", "label", "in_design", "replications", CLINICIANS]
COMPARISON_KPIS = ["avoided_admissions_exposure_adjusted", "avoided_admissions", "days_at_home_gained",
                   "bed_days_saved", "beds_released_at_85pct", "beds_released_at_92pct", "cost_change_gbp",
                   "net_saving_gbp"]


def assert_same_tables(left: SweepResults, right: SweepResults, tables: tuple[str, ...] = TABLES) -> None:
    for name in tables:
        assert_frame_equal(getattr(left, name), getattr(right, name), check_exact=True, obj=name)
    assert_frame_equal(left.headline(), right.headline(), check_exact=True, obj="headline")


def run_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "runs").glob("c*-r*.json"))


def all_run_files(configurations: int, reps: int) -> list[str]:
    return [f"c{c:04d}-r{r:04d}.json" for c in range(configurations) for r in range(reps)]


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (folder / "runs").glob("c*-r*.json")}


def kpi_values(results: SweepResults, configuration: int, kpi: str, area: str = "all") -> np.ndarray:
    table = results.replications
    rows = table[(table["configuration"] == configuration) & (table["area"] == area) & (table["kpi"] == kpi)]
    return rows.sort_values("replication")["value"].to_numpy()


def comparison(results: SweepResults, configuration: int, kpi: str, area: str = "all") -> pd.Series:
    table = results.comparisons
    rows = table[(table["configuration"] == configuration) & (table["area"] == area) & (table["kpi"] == kpi)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


_RUN_ONE = dorothy_sim.replication.run_one
_SIMULATED: list[int] = []  # seeds simulated in this process by the counting run_one


def _counting_run_one(scenario, seed):
    """A module-level wrapper, so that it still pickles if a process pool is used by mistake (a pool
    that cannot pickle its function can hang on shutdown); a pool's runs are not counted."""
    _SIMULATED.append(seed)
    return _RUN_ONE(scenario, seed)


class Recorder:
    """Counts simulations run in this process (use workers=1) and records which runs the store saved."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.saved: list[tuple[int, int]] = []
        save = ResultStore.save

        def recording_save(store, configuration, replication, output):
            self.saved.append((configuration, replication))
            return save(store, configuration, replication, output)

        _SIMULATED.clear()
        monkeypatch.setattr(dorothy_sim.replication, "run_one", _counting_run_one)
        monkeypatch.setattr(ResultStore, "save", recording_save)

    @property
    def simulated(self) -> int:
        return len(_SIMULATED)


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    return Recorder(monkeypatch)


# --------------------------------------------------------------------------- shared sweeps


@pytest.fixture(scope="module")
def reference() -> SweepResults:
    """The spec run in this process, nothing stored."""
    return sweep(SPEC, workers=1)


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, SweepResults]:
    """The spec run in 2 worker processes into a store folder (tests copy it before changing it)."""
    folder = tmp_path_factory.mktemp("stored") / "sweep"
    return folder, sweep(SPEC, out=folder, workers=2)


@pytest.fixture
def copy_of_store(stored, tmp_path) -> Path:
    folder = tmp_path / "sweep"
    shutil.copytree(stored[0], folder)
    return folder


# --------------------------------------------------------------------------- tables


def test_tables_have_the_documented_columns_and_one_row_per_configuration(reference):
    assert reference.replications.columns.tolist() == REPLICATION_COLUMNS
    assert reference.summary.columns.tolist() == SUMMARY_COLUMNS
    assert reference.comparisons.columns.tolist() == COMPARISON_COLUMNS
    assert reference.occupancy_daily.columns.tolist() == OCCUPANCY_COLUMNS
    assert reference.configurations.columns.tolist() == CONFIGURATION_COLUMNS
    configurations = reference.configurations
    assert configurations["configuration"].tolist() == [0, 1, 2]
    assert configurations["label"].tolist() == ["baseline", f"{CLINICIANS}=1", f"{CLINICIANS}=3"]
    assert configurations[CLINICIANS].tolist() == [0, 1, 3]
    assert configurations["in_design"].tolist() == [True, True, True]
    assert configurations["replications"].tolist() == [REPS] * CONFIGURATIONS
    assert reference.factors == [CLINICIANS]
    assert (reference.name, reference.design, reference.first_seed) == ("rr_small", "grid", SEED)
    assert reference.complete
    assert len(reference.ledgers) == CONFIGURATIONS * REPS
    # Every table covers every configuration; the replications table holds every run's KPIs.
    for name in ("replications", "summary", "comparisons", "occupancy_daily"):
        assert sorted(getattr(reference, name)["configuration"].unique()) == [0, 1, 2], name
    runs = reference.replications.groupby(["configuration", "replication"]).size()
    assert len(runs) == CONFIGURATIONS * REPS and runs.nunique() == 1
    assert set(reference.comparisons["kpi"]) >= set(COMPARISON_KPIS) | {"admissions", "acute_bed_days"}
    # The scenario column names the configuration's label.
    labels = reference.replications.groupby("configuration")["scenario"].unique()
    assert [list(v) for v in labels] == [[label] for label in configurations["label"]]


def test_headline_has_one_row_per_configuration_from_the_comparisons(reference):
    headline = reference.headline()
    assert headline["configuration"].tolist() == [0, 1, 2]
    expected = ["configuration", CLINICIANS, "replications"]
    for kpi in HEADLINE:  # every comparison KPI, the money ones (tests/test_costs.py) included
        expected += [kpi, f"{kpi}_ci_low", f"{kpi}_ci_high"]
    for kpi in ("acute_occupancy_mean_pct", "bed_wait_hours_mean"):
        expected += [kpi, f"{kpi}_ci_low", f"{kpi}_ci_high"]
    assert headline.columns.tolist() == [*expected, "gridlocked", "unstable_queues"]
    gridlocked = (headline["acute_occupancy_mean_pct"] >= 100) | (headline["bed_wait_hours_mean"] >= 24)
    assert headline["gridlocked"].tolist() == gridlocked.tolist()
    for configuration in (1, 2):
        row = headline.set_index("configuration").loc[configuration]
        saved = comparison(reference, configuration, "bed_days_saved")
        assert row["bed_days_saved"] == saved["diff_mean"]
        assert row["bed_days_saved_ci_low"] == saved["diff_ci_low"]
        summary = reference.summary
        occupancy = summary[(summary["configuration"] == configuration) & (summary["area"] == "all")
                            & (summary["kpi"] == "acute_occupancy_mean_pct")]
        assert row["acute_occupancy_mean_pct"] == occupancy["mean"].iloc[0]


def test_the_baseline_compared_with_itself_is_exactly_zero(reference):
    baseline = reference.comparisons[reference.comparisons["configuration"] == 0]
    assert len(baseline) > 100
    assert (baseline[["diff_mean", "diff_ci_low", "diff_ci_high"]].fillna(0.0) == 0.0).all().all()
    assert set(COMPARISON_KPIS) <= set(baseline["kpi"])
    compared = baseline[baseline["kpi"].isin(COMPARISON_KPIS)]
    assert len(compared) == len(COMPARISON_KPIS) * baseline["area"].nunique()
    assert (compared[["diff_mean", "diff_ci_low", "diff_ci_high"]] == 0.0).all().all()
    assert (compared["n"] == REPS).all()
    levels = baseline[~baseline["kpi"].isin(COMPARISON_KPIS)].dropna(subset=["mean"])
    assert (levels["mean"] == levels["baseline_mean"]).all()
    assert reference.headline().set_index("configuration").loc[0, COMPARISON_KPIS].eq(0.0).all()


def test_exposure_adjusted_avoided_admissions_and_days_at_home_gained_by_hand(reference):
    """(baseline rate per person-year at home - configuration's) x configuration's person-years at
    home, and the change in days at home summed over the cohort: per replication, then averaged."""
    rate = kpi_values(reference, 0, "admissions") / kpi_values(reference, 0, "home_person_years")
    dah = kpi_values(reference, 0, "days_at_home_per_person")
    for configuration in (1, 2):
        home_years = kpi_values(reference, configuration, "home_person_years")
        adjusted = (rate - kpi_values(reference, configuration, "admissions") / home_years) * home_years
        row = comparison(reference, configuration, "avoided_admissions_exposure_adjusted")
        assert row["diff_mean"] == pytest.approx(adjusted.mean(), rel=1e-9, abs=1e-9)
        gained = ((kpi_values(reference, configuration, "days_at_home_per_person") - dah)
                  * kpi_values(reference, configuration, "cohort_size"))
        row = comparison(reference, configuration, "days_at_home_gained")
        assert row["diff_mean"] == pytest.approx(gained.mean(), rel=1e-9, abs=1e-9)


def test_every_configuration_uses_the_baselines_seeds(reference):
    """Common random numbers: replication r of every configuration has seed spec.seed + r."""
    seeds = reference.replications.groupby(["configuration", "replication"])["seed"].unique()
    assert all(len(s) == 1 for s in seeds)
    for (configuration, replication), seed in seeds.items():
        assert seed[0] == SEED + replication, (configuration, replication, seed)
    assert sorted({k[0] for k in reference.ledgers}) == [0, 1, 2]


def test_avoided_admissions_and_bed_days_saved_are_paired_differences_by_hand(reference):
    baseline_admissions = kpi_values(reference, 0, "admissions")
    baseline_bed_days = kpi_values(reference, 0, "acute_bed_days")
    baseline_cost = kpi_values(reference, 0, "cost_total_gbp")
    assert len(baseline_admissions) == REPS
    for configuration in (1, 2):
        avoided = baseline_admissions - kpi_values(reference, configuration, "admissions")
        row = comparison(reference, configuration, "avoided_admissions")
        assert row["diff_mean"] == pytest.approx(avoided.mean(), abs=1e-9)
        # The interval is the paired t interval of the per-replication differences.
        half = stats.t.ppf(0.975, REPS - 1) * avoided.std(ddof=1) / np.sqrt(REPS)
        assert row["diff_ci_low"] == pytest.approx(avoided.mean() - half, rel=1e-9)
        assert row["diff_ci_high"] == pytest.approx(avoided.mean() + half, rel=1e-9)
        assert row["n"] == REPS
        saved = baseline_bed_days - kpi_values(reference, configuration, "acute_bed_days")
        assert comparison(reference, configuration, "bed_days_saved")["diff_mean"] == \
            pytest.approx(saved.mean(), rel=1e-12)
        change = kpi_values(reference, configuration, "cost_total_gbp") - baseline_cost
        assert comparison(reference, configuration, "cost_change_gbp")["diff_mean"] == \
            pytest.approx(change.mean(), rel=1e-12)
        assert comparison(reference, configuration, "net_saving_gbp")["diff_mean"] == \
            pytest.approx(-change.mean(), rel=1e-12)
        # The paired difference of the admissions KPI itself has the opposite sign.
        paired = comparison(reference, configuration, "admissions")
        assert paired["diff_mean"] == pytest.approx(-avoided.mean(), abs=1e-9)
        assert paired["mean"] - paired["baseline_mean"] == pytest.approx(paired["diff_mean"], abs=1e-9)


def test_avoided_admissions_per_area_are_paired_too(reference):
    area = "small_area"
    avoided = kpi_values(reference, 0, "admissions", area) - kpi_values(reference, 2, "admissions", area)
    assert comparison(reference, 2, "avoided_admissions", area)["diff_mean"] == \
        pytest.approx(avoided.mean(), abs=1e-9)


def test_beds_released_are_bed_days_saved_over_results_days_at_the_target_occupancy(reference, small):
    days = small.run.results_days
    assert days == 365
    for configuration in (1, 2):
        saved = comparison(reference, configuration, "bed_days_saved")
        for kpi, occupancy in (("beds_released_at_85pct", 0.85), ("beds_released_at_92pct", 0.92)):
            beds = comparison(reference, configuration, kpi)
            for column in ("diff_mean", "diff_ci_low", "diff_ci_high"):
                assert beds[column] == pytest.approx(saved[column] / (days * occupancy), rel=1e-12), \
                    (kpi, column)


def test_more_rapid_response_clinicians_avoid_admissions(reference):
    avoided = comparison(reference, THREE_CLINICIANS, "avoided_admissions")
    assert avoided["diff_mean"] > 50, avoided
    assert avoided["diff_ci_low"] > 0, avoided
    saved = comparison(reference, THREE_CLINICIANS, "bed_days_saved")
    assert saved["diff_mean"] > 0, saved
    # Each replication on its own: the same people and crises, with and without rapid response.
    more = kpi_values(reference, 0, "admissions") - kpi_values(reference, THREE_CLINICIANS, "admissions")
    assert (more > 0).all(), more


def test_summary_and_occupancy_are_over_the_replications(reference):
    summary = reference.summary
    row = summary[(summary["configuration"] == 1) & (summary["area"] == "all")
                  & (summary["kpi"] == "admissions")].iloc[0]
    values = kpi_values(reference, 1, "admissions")
    assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert row["std"] == pytest.approx(values.std(ddof=1), rel=1e-9)
    assert row["n"] == REPS
    occupancy = reference.occupancy_daily
    one = occupancy[(occupancy["configuration"] == 0) & (occupancy["area"] == "all")]
    assert one["day"].tolist() == list(range(365))
    assert (one["n"] == REPS).all()
    assert one["mean_pct"].between(0, 200).all()
    # The daily means average to (about) the mean occupancy KPI.
    kpi = summary[(summary["configuration"] == 0) & (summary["area"] == "all")
                  & (summary["kpi"] == "acute_occupancy_mean_pct")]["mean"].iloc[0]
    assert one["mean_pct"].mean() == pytest.approx(kpi, rel=0.02)


# --------------------------------------------------------------------------- executors


def test_one_or_two_local_workers_give_identical_tables(reference):
    assert_same_tables(reference, sweep(SPEC, workers=2))


def test_a_dask_cluster_gives_identical_tables(reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = sweep(SPEC, dask=cluster.scheduler_address)
    assert_same_tables(reference, results)


# --------------------------------------------------------------------------- the store


def test_the_store_holds_a_manifest_and_one_file_per_run(stored, reference):
    folder, results = stored
    assert_same_tables(reference, results)
    assert run_files(folder) == all_run_files(CONFIGURATIONS, REPS)
    manifest = json.loads((folder / "manifest.json").read_text())
    the_plan = plan(spec_from_dict(SPEC))
    assert manifest["spec_hash"] == the_plan.spec_hash == results.spec_hash
    assert manifest["spec"]["name"] == "rr_small"
    assert manifest["spec"]["factors"] == {CLINICIANS: [0, 1, 3]}
    assert manifest["dorothy_sim_version"] == dorothy_sim.__version__
    assert manifest["seeds"] == [SEED + r for r in range(REPS)]
    assert [c["id"] for c in manifest["configurations"]] == [0, 1, 2]
    assert [c["values"] for c in manifest["configurations"]] == [{CLINICIANS: v} for v in (0, 1, 3)]
    assert [c["overrides"] for c in manifest["configurations"]] == [{}, {CLINICIANS: 1}, {CLINICIANS: 3}]
    assert manifest["complete"] is True
    assert manifest["replications"] == {str(c): REPS for c in range(CONFIGURATIONS)}
    record = json.loads((folder / "runs" / "c0002-r0001.json").read_text())
    assert (record["configuration"], record["replication"], record["seed"]) == (2, 1, SEED + 1)
    assert record["spec_hash"] == the_plan.spec_hash
    assert record["kpis"]["all"]["admissions"] == kpi_values(reference, 2, "admissions")[1]
    # Nothing else: no temporary files left behind, the lock released.
    assert sorted(p.name for p in (folder / "runs").iterdir()) == run_files(folder)
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if still held
        fcntl.flock(lock, fcntl.LOCK_UN)


def test_load_results_equals_the_sweeps_own_tables(stored):
    folder, results = stored
    loaded = load_results(folder)
    assert_same_tables(results, loaded)
    assert loaded.complete
    assert (loaded.spec_hash, loaded.first_seed, loaded.factors) == \
        (results.spec_hash, results.first_seed, results.factors)


def test_a_second_identical_call_runs_nothing(copy_of_store, reference, recorder):
    before = mtimes(copy_of_store)
    results = sweep(SPEC, out=copy_of_store, workers=1)
    assert recorder.simulated == 0 and recorder.saved == []
    assert mtimes(copy_of_store) == before
    assert_same_tables(reference, results)


def test_deleted_run_files_are_run_again_and_only_those(copy_of_store, reference, recorder):
    for name in ("c0000-r0002.json", "c0002-r0000.json"):
        (copy_of_store / "runs" / name).unlink()
    before = mtimes(copy_of_store)
    results = sweep(SPEC, out=copy_of_store, workers=1)
    assert sorted(recorder.saved) == [(0, 2), (2, 0)]
    assert recorder.simulated == 2
    assert run_files(copy_of_store) == all_run_files(CONFIGURATIONS, REPS)
    after = mtimes(copy_of_store)
    assert {name: after[name] for name in before} == before
    assert_same_tables(reference, results)


def test_a_truncated_run_file_is_set_aside_and_run_again(copy_of_store, reference, recorder):
    path = copy_of_store / "runs" / "c0001-r0002.json"
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 2])
    results = sweep(SPEC, out=copy_of_store, workers=1)
    assert recorder.saved == [(1, 2)] and recorder.simulated == 1
    aside = copy_of_store / "runs" / "c0001-r0002.json.corrupt"
    assert aside.read_bytes() == text[: len(text) // 2]
    assert json.loads(path.read_text())["replication"] == 2
    assert run_files(copy_of_store) == all_run_files(CONFIGURATIONS, REPS)
    assert_same_tables(reference, results)
    assert_same_tables(reference, load_results(copy_of_store))


def test_a_run_file_of_another_run_is_set_aside_and_run_again(copy_of_store, reference, recorder):
    runs = copy_of_store / "runs"
    shutil.copy(runs / "c0001-r0000.json", runs / "c0002-r0000.json")  # a hand-made mix-up
    results = sweep(SPEC, out=copy_of_store, workers=1)
    assert recorder.saved == [(2, 0)]
    assert (runs / "c0002-r0000.json.corrupt").exists()
    assert_same_tables(reference, results)


def test_a_changed_spec_is_refused_naming_both_hashes_unless_forced(copy_of_store, recorder):
    old_hash = plan(spec_from_dict(SPEC)).spec_hash
    changed = {**SPEC, "factors": {CLINICIANS: [0, 2]}, "replications": {"count": 2}}
    new_hash = plan(spec_from_dict(changed)).spec_hash
    assert new_hash != old_hash
    before = mtimes(copy_of_store)
    with pytest.raises(StoreError) as info:
        sweep(changed, out=copy_of_store, workers=1)
    assert old_hash in str(info.value) and new_hash in str(info.value)
    assert "force" in str(info.value)
    # Refused without touching anything.
    assert recorder.simulated == 0
    assert mtimes(copy_of_store) == before
    assert json.loads((copy_of_store / "manifest.json").read_text())["spec_hash"] == old_hash
    # Forced: the old runs are deleted and the new spec runs from scratch.
    results = sweep(changed, out=copy_of_store, workers=1, force=True)
    assert sorted(recorder.saved) == [(c, r) for c in range(2) for r in range(2)]
    assert run_files(copy_of_store) == all_run_files(2, 2)
    manifest = json.loads((copy_of_store / "manifest.json").read_text())
    assert manifest["spec_hash"] == new_hash and manifest["spec"]["factors"] == {CLINICIANS: [0, 2]}
    assert results.configurations[CLINICIANS].tolist() == [0, 2]
    assert_same_tables(results, load_results(copy_of_store))


def test_a_changed_baseline_scenario_is_a_changed_spec(copy_of_store):
    with pytest.raises(StoreError, match="different spec or baseline"):
        sweep({**SPEC, "set": {"home_care.packages": 70}}, out=copy_of_store, workers=1)


def test_a_locked_folder_is_refused(copy_of_store):
    manifest = plan(spec_from_dict(SPEC)).manifest()
    with ResultStore(copy_of_store, manifest):
        with pytest.raises(StoreError, match="in use by another dorothy sweep") as info, \
                ResultStore(copy_of_store, manifest):
            pass
        assert f"pid {os.getpid()}" in str(info.value)
        with pytest.raises(StoreError, match="in use"):
            sweep(SPEC, out=copy_of_store, workers=1)
    # Released on exit.
    with ResultStore(copy_of_store, manifest):
        pass


def test_an_out_path_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "taken"
    path.write_text("not a folder")
    with pytest.raises(UserError, match="is a file, not a folder"):
        sweep(SPEC, out=path / "sweep", workers=1)


def test_load_results_of_a_folder_that_is_not_a_sweep_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="manifest.json"):
        load_results(tmp_path)


def test_more_replications_reuse_the_finished_runs(copy_of_store, reference, recorder):
    results = sweep({**SPEC, "replications": {"count": REPS + 1}}, out=copy_of_store, workers=1)
    assert sorted(recorder.saved) == [(c, REPS) for c in range(CONFIGURATIONS)]
    assert results.configurations["replications"].tolist() == [REPS + 1] * CONFIGURATIONS
    first = results.replications[results.replications["replication"] < REPS].reset_index(drop=True)
    assert_frame_equal(first, reference.replications)
    assert_same_tables(results, load_results(copy_of_store))


def test_load_results_after_fewer_replications_equals_the_sweeps_own_tables(copy_of_store):
    results = sweep({**SPEC, "replications": {"count": REPS - 1}}, out=copy_of_store, workers=1)
    assert results.configurations["replications"].tolist() == [REPS - 1] * CONFIGURATIONS
    assert_same_tables(results, load_results(copy_of_store))


def test_an_interrupted_sweep_keeps_its_finished_runs(tmp_path, monkeypatch):
    folder = tmp_path / "sweep"
    run_one, calls = dorothy_sim.replication.run_one, []

    def interrupted_after_two(scenario, seed):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(seed)
        return run_one(scenario, seed)

    monkeypatch.setattr(dorothy_sim.replication, "run_one", interrupted_after_two)
    with pytest.raises(Interrupted, match="2 of 9 runs"):
        sweep(SPEC, out=folder, workers=1)
    assert run_files(folder) == ["c0000-r0000.json", "c0000-r0001.json"]
    partial = load_results(folder)
    assert not partial.complete
    assert partial.configurations["replications"].tolist() == [2, 0, 0]


def test_an_interrupted_extension_is_not_reported_complete(copy_of_store, monkeypatch):
    run_one, calls = dorothy_sim.replication.run_one, []

    def interrupted_after_one(scenario, seed):
        if calls:
            raise KeyboardInterrupt
        calls.append(seed)
        return run_one(scenario, seed)

    monkeypatch.setattr(dorothy_sim.replication, "run_one", interrupted_after_one)
    with pytest.raises(Interrupted):
        sweep({**SPEC, "replications": {"count": REPS + 2}}, out=copy_of_store, workers=1)
    assert len(run_files(copy_of_store)) == CONFIGURATIONS * REPS + 1
    assert json.loads((copy_of_store / "manifest.json").read_text()).get("complete") is not True
    assert not load_results(copy_of_store).complete


# --------------------------------------------------------------------------- resume after SIGKILL

KILL_SPEC = """
name = "killed"
scenario = "small"
seed = 5

[baseline]
"rapid_response.clinicians" = 0

[factors]
"rapid_response.clinicians" = [0, 1, 2, 3]

[replications]
count = 6
"""


def test_a_sweep_killed_with_sigkill_resumes_to_the_same_tables(tmp_path, monkeypatch):
    spec = tmp_path / "killed.toml"
    spec.write_text(KILL_SPEC, encoding="utf-8")
    folder = tmp_path / "killed"
    total = 4 * 6
    code = f"from dorothy_sim.sweep import sweep; sweep({str(spec)!r}, out={str(folder)!r}, workers=2)"
    process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (folder / "runs").is_dir() or len(run_files(folder)) < 3:
            assert process.poll() is None, f"the sweep ended before it was killed: {process.communicate()}"
            assert time.monotonic() < deadline, "no run finished within 120 s"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    # The pool's workers were in the process group: wait until they are all gone.
    deadline = time.monotonic() + 30
    while True:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "the sweep's workers outlived SIGKILL"
        time.sleep(0.05)
    done = run_files(folder)
    assert 3 <= len(done) < total, done
    for name in done:  # every stored run is whole (atomic writes)
        json.loads((folder / "runs" / name).read_text())

    recorder = Recorder(monkeypatch)
    resumed = sweep(spec, out=folder, workers=2)
    assert sorted(f"c{c:04d}-r{r:04d}.json" for c, r in recorder.saved) == \
        sorted(set(all_run_files(4, 6)) - set(done))
    assert run_files(folder) == all_run_files(4, 6)
    assert not list((folder / "runs").glob("*.corrupt"))
    runs = resumed.replications.groupby(["configuration", "replication"]).size()
    assert len(runs) == total and runs.nunique() == 1
    fresh = sweep(spec, out=tmp_path / "fresh", workers=2)
    assert_same_tables(fresh, resumed)
    assert_same_tables(fresh, load_results(folder))


# --------------------------------------------------------------------------- adaptive replications


def adaptive(half_width_pct: float, minimum: int, maximum: int, baseline: int = 0,
             factors: tuple[int, ...] = (3,)) -> dict[str, Any]:
    return {"name": "adaptive", "scenario": "small", "seed": 1, "baseline": {CLINICIANS: baseline},
            "factors": {CLINICIANS: list(factors)},
            "replications": {"kpi": "admissions", "half_width_pct": half_width_pct,
                             "min": minimum, "max": maximum}}


def relative_half_width(values: np.ndarray) -> float:
    """The 95% CI half-width as a % of the mean, computed independently of the package."""
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return 100.0 * half / abs(values.mean())


def counts(results: SweepResults) -> list[int]:
    return results.configurations["replications"].tolist()


def test_a_loose_target_stops_at_min_and_a_tight_one_reaches_max():
    loose = sweep(adaptive(50.0, 2, 3), workers=2)
    assert counts(loose) == [2, 2]
    assert relative_half_width(kpi_values(loose, 1, "admissions")) < 50.0
    tight = sweep(adaptive(0.01, 2, 3), workers=2)
    assert counts(tight) == [3, 3]
    # Still paired: the first replications are the loose sweep's.
    assert_frame_equal(
        tight.replications[tight.replications["replication"] < 2].reset_index(drop=True), loose.replications)


@pytest.fixture(scope="module")
def adaptive_middle(tmp_path_factory) -> tuple[dict[str, Any], Path, SweepResults]:
    """A target between the configurations' precisions: baseline 3 clinicians, configurations 0 and 2
    (admissions' 95% half-width at 3 and 4 replications, seeds 1 on: 4.9%, 2.7%; 5.9%, 3.9%; 5.4%,
    3.0%): 2 clinicians stop at 3, no clinicians go on to 4, and the baseline follows to 4."""
    spec = adaptive(5.6, 3, 6, baseline=3, factors=(0, 2))
    folder = tmp_path_factory.mktemp("adaptive") / "sweep"
    return spec, folder, sweep(spec, out=folder, workers=2)


def test_adaptive_replications_follow_the_rule_and_keep_the_baseline_paired(adaptive_middle):
    _, _, results = adaptive_middle
    target, minimum, maximum = 5.6, 3, 6
    n = dict(zip(results.configurations["configuration"], counts(results), strict=True))
    assert all(minimum <= k <= maximum for k in n.values()), n
    # The baseline has as many replications as the most replicated configuration.
    assert n[0] == max(n.values())
    # This target is a real middle case: some configuration stopped before the baseline did.
    assert min(n.values()) < n[0], n
    for configuration, k in n.items():
        values = kpi_values(results, configuration, "admissions")
        assert len(values) == k
        if configuration != 0 and k < maximum:  # stopped: precise enough
            assert relative_half_width(values) <= target, (configuration, values)
        if configuration != 0 and k > minimum:  # went on: imprecise at min
            assert relative_half_width(values[:minimum]) > target, (configuration, values)
    # Every comparison pairs a configuration's replications with the baseline's first ones.
    for configuration, k in n.items():
        assert comparison(results, configuration, "avoided_admissions")["n"] == k
    assert results.complete


def test_the_adaptive_decision_is_the_same_when_rerun(adaptive_middle, monkeypatch):
    spec, folder, results = adaptive_middle
    again = sweep(spec, workers=2)
    assert counts(again) == counts(results)
    assert_same_tables(results, again)
    # Resumed from the store: the same decision from the stored runs, nothing simulated.
    recorder = Recorder(monkeypatch)
    resumed = sweep(spec, out=folder, workers=1)
    assert recorder.simulated == 0 and recorder.saved == []
    assert_same_tables(results, resumed)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["replications"] == {str(c): k for c, k in enumerate(counts(results))}
    assert_same_tables(results, load_results(folder))
