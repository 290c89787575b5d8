"""Pinned tables: the small scenario's KPIs, ledger and daily occupancy, exactly, for fixed seeds.

Why: performance work rewrites the hot path. A change that keeps every random draw and the order
of events must leave these tables bit for bit as they were; this test fails on any difference. A
change that deliberately alters draws or event order must first show, with paired replications,
that no KPI moved beyond its confidence interval (benchmarks/RESULTS.md records how), and then
re-pin with ``DOROTHY_REPIN=1 .venv/bin/python -m pytest tests/test_pinned.py``.

Bit for bit holds on one platform: the crisis time warp and the background admissions use numpy's
vectorised cos and exp, which may round the last bit differently on a processor with other SIMD
extensions (these were pinned on x86-64 with AVX-512, numpy 2.4). A failure on a new machine with
no code change means that, not a bug: check with paired_check.py, then re-pin there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dorothy_sim import load_scenario
from dorothy_sim.experiment import run_one
from tests.conftest import ZERO_CAPACITIES, differences

PINNED = Path(__file__).with_name("data") / "pinned_small.json"
SEEDS = (1, 2)
# Each exercises a different part of the hot path: the baseline; the 10-day stay cap (deadlines,
# interrupts, reneging); no capacity at all (every fallback route); and a strained hospital
# (queues for beds, escalation beds opening and closing).
CASES: dict[str, dict[str, object]] = {
    "baseline": {},
    "stay_cap": {"acute.los_cap_days": 10},
    "no_capacity": ZERO_CAPACITIES,  # every service of the registry at 0
    "strained": {"icps.small_area.acute_beds": 60, "reablement.places": 8},
}


def tables(case: str, seed: int, overrides: dict[str, object] | None = None) -> dict[str, object]:
    scenario = load_scenario("small")
    if CASES[case] or overrides:
        scenario = scenario.with_overrides({**CASES[case], **(overrides or {})})
    output = run_one(scenario, seed)
    return {"kpis": output.kpis, "ledger": output.ledger,
            "daily_occupancy_pct": output.daily_occupancy_pct}


def _current() -> dict[str, dict[str, object]]:
    return {f"{case}/seed{seed}": tables(case, seed) for case in CASES for seed in SEEDS}


def test_small_scenario_tables_are_pinned() -> None:
    current = json.loads(json.dumps(_current()))  # the same float round trip as the pinned file
    if os.environ.get("DOROTHY_REPIN") == "1":
        PINNED.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"re-pinned {PINNED}")
    pinned = json.loads(PINNED.read_text())
    found = differences(pinned, current)  # (pinned first, current second)
    assert not found, f"{len(found)} values differ from the pinned tables, e.g.:\n" + "\n".join(found[:20])
