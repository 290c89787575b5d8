"""Shared fixtures: the small scenario, a cache of its simulations, and the conservation check.

Why a cache: several test modules compare the same baseline replications (small.toml, a handful of
seeds) against a changed scenario. Each (overrides, seed) pair is simulated once per test process
(pytest-xdist runs one session per worker) and reused.
"""

from __future__ import annotations

import json
import math
import os
import signal
from typing import Any

import pytest

from dorothy_sim import load_scenario, simulate
from dorothy_sim.registry import CAPACITY_LEVERS
from dorothy_sim.scenario import Scenario

# Every capacity lever of the model, as a dotted path (the fields an "all capacities zero" case sets).
CAPACITY_FIELDS: tuple[str, ...] = CAPACITY_LEVERS
ZERO_CAPACITIES: dict[str, int] = {field: 0 for field in CAPACITY_FIELDS}

# Seeds shared by the comparisons: the same seeds in baseline and scenario = paired comparison.
# DOROTHY_TEST_SEEDS=4,5,6 reruns the suite on other seeds (to check a test is not seed-lucky).
SEEDS: tuple[int, ...] = tuple(int(s) for s in os.environ.get("DOROTHY_TEST_SEEDS", "1,2,3").split(","))

LEDGER_STATES = ("at_home", "in_crisis", "in_acute", "in_community_bed")


def assert_conserved(ledger: dict[str, int]) -> None:
    """Everyone who entered is at home, in a service, in long-term care or dead; and the per-person
    states agree with what the stations hold."""
    assert ledger["entered"] == ledger["alive"] + ledger["died"] + ledger["entered_ltc"], ledger
    assert ledger["alive"] == sum(ledger[state] for state in LEDGER_STATES), ledger
    assert ledger["in_acute"] == ledger["stations_in_acute"], ledger
    assert ledger["in_community_bed"] == ledger["stations_in_community_bed"], ledger
    assert ledger["in_crisis"] == ledger["stations_in_crisis"], ledger
    assert all(value >= 0 for value in ledger.values()), ledger


def differences(a, b, path: str = "") -> list[str]:
    """Where two nested dicts and lists of numbers differ, to the last bit (NaN equal to NaN, an
    undefined ratio): what the pinned tables and the split-run tests compare."""
    found: list[str] = []
    _compare(a, b, path, found)
    return found


def _compare(a, b, path: str, found: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                found.append(f"{path}/{key}: only in {'the first' if key in a else 'the second'}")
            else:
                _compare(a[key], b[key], f"{path}/{key}", found)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            found.append(f"{path}: length {len(a)} against {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _compare(x, y, f"{path}[{i}]", found)
    elif not (a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))):
        found.append(f"{path}: {a!r} against {b!r}")


class SmallRuns:
    """Simulations of small.toml with dotted overrides, cached by (overrides, seed)."""

    def __init__(self, base: Scenario) -> None:
        self.base = base
        self._cache: dict[tuple, tuple[dict[str, float], dict[str, int]]] = {}

    def scenario(self, overrides: dict[str, Any]) -> Scenario:
        return self.base.with_overrides(overrides) if overrides else self.base

    def run(self, overrides: dict[str, Any], seed: int) -> tuple[dict[str, float], dict[str, int]]:
        """The whole-area KPIs and the ledger of one replication."""
        scenario = self.scenario(overrides)
        # Keyed by the resolved scenario, so an override that restates the baseline
        # ({"mh_liaison.staff": 1}) reuses the baseline's runs.
        key = (json.dumps(scenario.to_dict(), sort_keys=True, default=str), seed)
        if key not in self._cache:
            table, ledger = simulate(scenario, seed)
            kpis = table[table["area"] == "all"].set_index("kpi")["value"].to_dict()
            self._cache[key] = (kpis, ledger)
        return self._cache[key]

    def kpis(self, overrides: dict[str, Any], seed: int) -> dict[str, float]:
        return self.run(overrides, seed)[0]

    def mean(self, overrides: dict[str, Any], kpi: str, seeds: tuple[int, ...] = SEEDS) -> float:
        values = [self.kpis(overrides, seed)[kpi] for seed in seeds]
        assert all(math.isfinite(v) for v in values), f"{kpi} not finite under {overrides}: {values}"
        return sum(values) / len(values)


@pytest.fixture(scope="session")
def small() -> Scenario:
    return load_scenario("small")


@pytest.fixture(scope="session")
def small_runs(small: Scenario) -> SmallRuns:
    return SmallRuns(small)


def sigint_as_in_a_terminal() -> None:
    """``preexec_fn`` of a child process that a test will stop with SIGINT (a terminal's Ctrl-C).

    Why: a shell starts a background job (``make test &``) with SIGINT ignored, every child inherits
    that, and Python leaves an ignored SIGINT ignored, so the child would run on to the end and the
    test would fail for how pytest was started, not for the code. The child gets the default back.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
