"""The study scripts in experiments/ keep working: each runs end to end in its smoke mode (the same
code on the small scenario) and writes a README with how it was made and its findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


@pytest.mark.parametrize("study, expected", [
    ("study_rr_reablement_grid.py", ["report/avoided_admissions_heatmap.png", "grid_headline.csv"]),
    ("study_intervention_sensitivity.py", ["report/avoided_admissions_tornado.png", "levers.csv"]),
    ("study_occupancy_target.py", ["path.csv", "candidates.csv"]),
])
def test_a_study_runs_in_smoke_mode_and_writes_its_readme(tmp_path, study, expected):
    done = subprocess.run([sys.executable, str(EXPERIMENTS / study), "--smoke", "--quiet", "--workers", "1",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "## How this was made" in readme and "95% CI" in readme
    for name in expected:
        assert (tmp_path / name).is_file(), name
