"""benchmarks/speed_guard.py: the verdict is the median of the paired ratios, and a reference that is
not a commit is a usage error (exit 2), not a traceback. (The timing itself is `make speed-guard`.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def guard():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import speed_guard
        yield speed_guard
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_the_verdict_is_the_median_of_the_paired_ratios(guard):
    result = guard.verdict([2.0, 4.0, 3.0], [2.4, 6.0, 3.3], limit=1.3)  # ratios 1.2, 1.5, 1.1
    assert result["ratio_median"] == pytest.approx(1.2)
    assert (result["ratio_min"], result["ratio_max"]) == (pytest.approx(1.1), pytest.approx(1.5))
    assert result["within_limit"] is True
    assert guard.verdict([2.0, 2.0], [2.8, 2.8], limit=1.3)["within_limit"] is False
    with pytest.raises(ValueError):  # rounds are paired: one time each
        guard.verdict([2.0, 2.0], [2.8], limit=1.3)


def test_a_reference_that_is_not_a_commit_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "speed_guard.py", "--reference", "not-a-commit", "--rounds", "1",
                           "--out", str(tmp_path / "g.json")], cwd=BENCHMARKS, capture_output=True, text=True)
    assert done.returncode == 2
    assert "--reference 'not-a-commit' is not a commit" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "g.json").exists()
