"""``dorothy compare`` and :func:`dorothy_sim.compare.compare_runs`: paired by seed, oriented so that a
benefit is positive, every comparison KPI, a clear error when seeds do not pair, a warning naming the
replications dropped; and :func:`dorothy_sim.analysis.paired_differences` no longer drops silently."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from dorothy_sim import load_scenario, run_replications
from dorothy_sim.analysis import UnpairedWarning, paired_differences
from dorothy_sim.cli import main
from dorothy_sim.compare import compare_runs
from dorothy_sim.errors import UserError
from dorothy_sim.kpis import COMPARISON_KPIS

SHORT = ["run.warmup_days=5", "run.results_days=20"]
WHATIF = ["reablement.places=20", "rapid_response.clinicians=6"]


def _sets(items: list[str]) -> list[str]:
    return [arg for item in items for arg in ("--set", item)]


def _run(out: Path, *extra: str, reps: int = 3, seed: int = 1) -> None:
    assert main(["run", "--scenario", "small", "--reps", str(reps), "--seed", str(seed), "--workers", "1",
                 "--quiet", "--out", str(out), *_sets(SHORT), *extra]) == 0


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("compare")
    _run(root / "base")
    _run(root / "whatif", *_sets(WHATIF), "--set", 'label="Winter push"')
    return root / "base", root / "whatif"


def test_avoided_is_baseline_minus_what_if_paired_by_seed(folders):
    base, whatif = folders
    comparison = compare_runs(base, [whatif])
    table = comparison.table().set_index("kpi")
    assert list(table.index) == [k.name for k in COMPARISON_KPIS]  # every comparison KPI, in order
    assert table["label"].unique().tolist() == ["Winter push"]
    b, w = (pd.read_parquet(folder / "replications.parquet") for folder in folders)

    def per_seed(frame: pd.DataFrame, kpi: str) -> pd.Series:
        return frame[(frame["area"] == "all") & (frame["kpi"] == kpi)].set_index("seed")["value"]

    avoided = per_seed(b, "admissions") - per_seed(w, "admissions")
    assert table.loc["avoided_admissions", "diff_mean"] == pytest.approx(avoided.mean())
    saved = per_seed(b, "acute_bed_days") - per_seed(w, "acute_bed_days")
    assert table.loc["bed_days_saved", "diff_mean"] == pytest.approx(saved.mean())
    saving = per_seed(b, "cost_total_gbp") - per_seed(w, "cost_total_gbp")
    assert table.loc["net_saving_gbp", "diff_mean"] == pytest.approx(saving.mean())
    assert table.loc["cost_change_gbp", "diff_mean"] == pytest.approx(-saving.mean())
    assert (table["n"] == 3).all() and not comparison.warnings


def test_compare_runs_takes_in_process_results_as_an_app_would(folders):
    scenario = load_scenario("small", SHORT)
    base = run_replications(scenario, reps=3, seed=1, workers=1)
    whatif = run_replications(scenario.with_overrides(WHATIF), reps=3, seed=1, workers=1)
    in_process = compare_runs(base, [whatif], labels=["Now", "Plan"]).table()
    from_folders = compare_runs(folders[0], [folders[1]]).table()
    assert in_process["label"].unique().tolist() == ["Plan"]
    pd.testing.assert_series_equal(in_process["diff_mean"], from_folders["diff_mean"])


def test_unpaired_seeds_are_dropped_with_a_warning_naming_them(folders, tmp_path):
    base, _ = folders
    _run(tmp_path / "more", *_sets(WHATIF), reps=4, seed=2)  # seeds 2-5; the baseline has 1-3
    comparison = compare_runs(base, [tmp_path / "more"])
    (warning,) = comparison.warnings
    assert "paired with the baseline on 2 seed(s)" in warning
    assert "what-if seed(s) 4, 5" in warning and "baseline seed(s) 1" in warning
    assert (comparison.table()["n"] == 2).all()


def test_runs_that_share_no_seed_are_a_clear_error(folders, tmp_path, capsys):
    base, _ = folders
    _run(tmp_path / "far", *_sets(WHATIF), reps=2, seed=50)
    with pytest.raises(UserError, match="share no seed"):
        compare_runs(base, [tmp_path / "far"])
    capsys.readouterr()
    assert main(["compare", str(base), str(tmp_path / "far"), "--no-report"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dorothy: error:") and "--seed 1 --reps 3" in err and "Traceback" not in err


def test_compare_command_prints_the_table_and_writes_tables(folders, tmp_path, capsys):
    base, whatif = folders
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(whatif), "--out", str(out), "--no-report"]) == 0
    printed = capsys.readouterr().out
    assert "Winter push" in printed and "Avoided admissions (exposure-adjusted)" in printed
    assert "Bed days saved" in printed and "Net saving" in printed
    assert "too few for a stable interval" in printed  # 3 replications
    table = pd.read_csv(out / "tables" / "comparison.csv")
    assert set(table["kpi"]) == {k.name for k in COMPARISON_KPIS}


def test_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(tmp_path / "empty"), str(tmp_path / "empty"), "--no-report"]) == 2
    assert "has no store.json" in capsys.readouterr().err


def test_run_compare_to_compares_the_new_run_with_a_baseline(folders, tmp_path, capsys, monkeypatch):
    base, _ = folders
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["run", "--scenario", "small", "--reps", "3", "--workers", "1", "--quiet", "--out",
                 str(tmp_path / "new"), *_sets(SHORT), *_sets(WHATIF), "--compare-to", str(base)]) == 0
    printed = capsys.readouterr().out
    assert "Comparison with the baseline" in printed
    assert list((tmp_path / "results" / "compare").iterdir())


def test_paired_differences_warns_of_dropped_seeds_and_refuses_none_in_common(folders):
    b, w = (pd.read_parquet(folder / "replications.parquet") for folder in folders)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paired_differences(w, b)  # same seeds: no warning
    with pytest.warns(UnpairedWarning, match=r"scenario seeds \[\], baseline seeds \[3\]"):
        table = paired_differences(w[w["seed"] < 3], b)
    assert table["n"].max() == 2  # (a KPI undefined in a replication, NaN, counts 0)
    with pytest.raises(ValueError, match="no seed in common"):
        paired_differences(w.assign(seed=w["seed"] + 100), b)


def test_a_ratio_without_a_bounded_interval_says_so_not_that_it_needs_more_runs(folders):
    """Cost per avoided admission has n replications but no interval when the avoided admissions' own
    interval reaches zero: the console says "unbounded" (or "no gain"), never "needs 2+ reps"."""
    from dorothy_sim.compare import format_comparison

    base, whatif = folders
    comparison = compare_runs(base, [whatif])
    table = comparison.table().set_index("kpi")
    text = format_comparison(comparison)
    for name, title in (("cost_per_avoided_admission_gbp", "Cost per avoided admission"),
                        ("cost_per_day_at_home_gbp", "Cost per day at home gained")):
        line = next(line for line in text.splitlines() if line.startswith(title))
        assert "needs 2+ reps" not in line
        row = table.loc[name]
        if pd.isna(row["diff_mean"]):
            assert "n/a (no gain)" in line
        elif pd.isna(row["diff_ci_low"]):
            assert "[unbounded]" in line
