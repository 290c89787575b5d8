"""The study scripts in experiments/ keep working: each runs end to end in its smoke mode (the same
code on the small scenario) and writes a README with how it was made and its findings."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


@pytest.mark.parametrize("study, expected", [
    ("study_rr_reablement_grid.py", ["report/avoided_admissions_heatmap.png", "grid_headline.csv"]),
    ("study_intervention_sensitivity.py", ["report/avoided_admissions_tornado.png", "levers.csv"]),
    ("study_occupancy_target.py", ["path.csv", "candidates.csv"]),
    ("study_beds_released.py", ["configurations.csv", "probes.csv", "step_01/manifest.json"]),
    ("study_psa.py", ["summary.csv", "ceac.csv", "figures/ce_plane.png", "report.html"]),
])
def test_a_study_runs_in_smoke_mode_and_writes_its_readme(tmp_path, study, expected):
    done = subprocess.run([sys.executable, str(EXPERIMENTS / study), "--smoke", "--quiet", "--workers", "1",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "## How this was made" in readme and "95% CI" in readme
    assert "## What the intervals mean" in readme and "## What is evidence and what is assumed" in readme
    for name in expected:
        assert (tmp_path / name).is_file(), name


@pytest.fixture
def occupancy_study(monkeypatch):
    """experiments/study_occupancy_target.py as a module (its siblings import as top-level modules)."""
    monkeypatch.syspath_prepend(str(EXPERIMENTS))
    return importlib.import_module("study_occupancy_target")


def test_the_occupancy_search_skips_gridlocked_steps_and_steps_that_raise_the_admission_rate(occupancy_study):
    """The cheapest occupancy reduction per pound is not taken when its beds are gridlocked or its
    avoided admissions, exposure-adjusted, are clearly negative; the next eligible lever is."""
    study = occupancy_study
    Interval = importlib.import_module("intervals").Interval

    def candidate(lever: str, cost: float, gridlocked: bool = False, avoided: float = 5.0):
        return study.Candidate(
            step=1, lever=lever, old=1, new=2, configuration=1, occupancy=Interval(90.0, 89.0, 91.0, 3),
            occupancy_change=Interval(-1.0, -1.5, -0.5, 3), cost_change=Interval(cost, cost - 1, cost + 1, 3),
            net_saving=Interval(0.0, -1.0, 1.0, 3), avoided=Interval(avoided, avoided - 2, avoided + 2, 3),
            gridlocked=gridlocked)

    cheapest, second, third = (candidate("a", 1_000.0, gridlocked=True),
                               candidate("b", 2_000.0, avoided=-10.0), candidate("c", 3_000.0))
    assert cheapest.pp_per_million > second.pp_per_million > third.pp_per_million
    assert not cheapest.eligible and not second.eligible and third.eligible
    assert study.choose([cheapest, second, third]) is third
    assert study.choose([cheapest, second]) is None
    assert study.choose([candidate("d", 1_000.0), third]).lever == "d"


def test_the_grid_study_starts_at_the_default_scenario():
    """The grid's configuration 0 is the scenario's default mix (every other point is compared with
    it), so a recalibrated default must move the grid with it."""
    from dorothy_sim import load_scenario, load_spec

    spec, _ = load_spec(EXPERIMENTS / "specs" / "rr_reablement_grid.toml")
    default = load_scenario(spec.scenario)
    for path, factor in spec.factors.items():
        values = factor if isinstance(factor, list | tuple) else factor.values
        assert values[0] == default.value_at(path), path


def test_a_study_counts_the_runs_it_made_again_with_force(tmp_path, monkeypatch):
    """A sweep remade with --force (its runs made by other code) writes its runs under the same names:
    they are this invocation's, not loaded ones."""
    monkeypatch.syspath_prepend(str(EXPERIMENTS))
    studies = importlib.import_module("studies")
    spec = {"name": "count_check", "scenario": "small", "design": "grid", "seed": 1,
            "factors": {"rapid_response.clinicians": [1, 2]}, "replications": {"count": 1},
            "set": {"run.warmup_days": 5, "run.results_days": 20}}
    first = studies.run_sweep(spec, tmp_path, workers=1, progress=False)
    again = studies.run_sweep(spec, tmp_path, workers=1, progress=False)
    manifest = tmp_path / "manifest.json"  # as if made by other code: --force discards its runs
    held = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**held, "code_fingerprint": "made-elsewhere"}), encoding="utf-8")
    forced = studies.run_sweep(spec, tmp_path, workers=1, force=True, progress=False)
    assert (first.runs_new, again.runs_new, forced.runs_new) == (2, 0, 2)
