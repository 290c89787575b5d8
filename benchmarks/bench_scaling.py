"""Benchmark: how one replication's time and memory grow with the cohort size and the horizon.

Why: a faster replication of the default scenario is no use if a county twice the size, or a
four-year horizon, costs four times as much. The issue's goal is linear scaling, a log-log
exponent of at most 1.1 for time against size, memory against size and time against horizon.

Size: every count of the scenario is multiplied by the factor (x0.25 ... x4 by default): each ICP's
registered population (and so the frail cohort), acute and escalation beds and background admissions
a day, and every capacity lever (rapid-response clinicians, discharge coordinators, reablement
places, home-care packages, community beds, care-home placements a week, MDT cases a week,
falls-prevention places a year, mental-health liaison staff), so demand and capacity keep their
ratio. Counts are rounded to whole numbers, and one that was at least 1 stays at least 1 (a
service does not vanish at small factors). The scenario caps the registered population of all
ICPs together at 20 million (MAX_REGISTERED_POPULATION): Kent and Medway's 1.84 million allow
factors up to about 10.8, and a factor over the cap is refused before anything runs.

Horizon: the results period at x1 is 365, 730 and 1460 days (``--years 1,2,4``); time is fitted
against the simulated days (warm-up + results), since the warm-up is simulated too.

Each point is a fresh Python process (so peak RSS is that run's own), timing only ``simulate()``,
as bench_replication.py does. Memory is fitted on the model's own memory (peak RSS less the RSS
before the run: the interpreter and libraries are a constant) and the whole peak is reported too.
The machine is shared and noisy: use ``--repeats`` and compare runs of one session.

    .venv/bin/python benchmarks/bench_scaling.py [--sizes 0.25,0.5,1,2,4] [--years 1,2,4] [--repeats 1]
                                                 [--scenario kent_medway] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from provenance import provenance  # benchmarks/provenance.py (scripts run from benchmarks/)

from dorothy_sim import load_scenario
from dorothy_sim.scenario import MAX_REGISTERED_POPULATION, Scenario

GOAL_EXPONENT = 1.1
ICP_COUNTS = ("registered_population", "acute_beds", "escalation_beds")
LEVERS = ("rapid_response.clinicians", "discharge.coordinators", "reablement.places", "home_care.packages",
          "community_beds.beds", "care_homes.placements_per_week", "mdt.cases_per_week",
          "falls_prevention.places_per_year", "mh_liaison.staff")

CHILD = """
import json, resource, time
from dorothy_sim import load_scenario, simulate
scenario = load_scenario({scenario!r}).with_overrides(json.loads({overrides!r}))
before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
start, cpu_start = time.perf_counter(), time.process_time()
simulate(scenario, {seed})
wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({{"wall_seconds": wall, "cpu_seconds": cpu, "peak_rss_mib": peak_mib,
                  "rss_before_mib": before_mib}}))
"""


def scaled_overrides(scenario: Scenario, factor: float) -> dict[str, Any]:
    """Every count of ``scenario`` times ``factor``, as dotted-path overrides."""
    overrides: dict[str, Any] = {}
    for name, icp in scenario.icps.items():
        for field in ICP_COUNTS:
            overrides[f"icps.{name}.{field}"] = _count(getattr(icp, field), factor)
        overrides[f"icps.{name}.background_admissions_per_day"] = icp.background_admissions_per_day * factor
        population = overrides[f"icps.{name}.registered_population"]
        if population > MAX_REGISTERED_POPULATION:
            raise SystemExit(f"x{factor:g} gives ICP '{name}' {population:,} registered people, over the "
                             f"scenario's cap of {MAX_REGISTERED_POPULATION:,}")
    for path in LEVERS:
        overrides[path] = _count(scenario.value_at(path), factor)
    return overrides


def _count(value: int, factor: float) -> int:
    return 0 if value == 0 else max(1, round(value * factor))


def measure(scenario_name: str, overrides: dict[str, Any], seed: int) -> dict[str, float]:
    """One replication in a fresh process."""
    code = CHILD.format(scenario=scenario_name, overrides=json.dumps(overrides), seed=seed)
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_point(args: argparse.Namespace, base: Scenario, factor: float, results_days: float,
              cache: dict[tuple[float, float], dict]) -> dict[str, Any]:
    """The median over ``--repeats`` of one (size, horizon) point; a point measured already (x1 at
    the scenario's own horizon is on both axes) is reused."""
    key = (factor, results_days)
    if key in cache:
        return cache[key]
    overrides = scaled_overrides(base, factor) if factor != 1.0 else {}
    overrides["run.results_days"] = results_days
    scenario = base.with_overrides(overrides)  # validate in this process, before any run
    runs = [measure(args.scenario, overrides, args.seed + i) for i in range(args.repeats)]
    point = {
        "size_factor": factor,
        "registered_population": sum(icp.registered_population for icp in scenario.icps.values()),
        "results_days": results_days,
        "simulated_days": scenario.run.warmup_days + results_days,
        "wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in runs),
        "model_mib": statistics.median(r["peak_rss_mib"] - r["rss_before_mib"] for r in runs),
        "runs": runs,
    }
    print(f"x{factor:<5g} {point['registered_population']:>10,} registered, {results_days:6g} results days: "
          f"{point['wall_seconds']:7.2f} s wall, peak RSS {point['peak_rss_mib']:6.0f} MiB "
          f"(model {point['model_mib']:5.0f} MiB)", flush=True)
    cache[key] = point
    return point


def exponent(points: list[dict], x: str, y: str) -> float | None:
    """The slope of log y against log x (None with fewer than two distinct x)."""
    xs = np.array([p[x] for p in points], dtype=float)
    ys = np.array([p[y] for p in points], dtype=float)
    if len(set(xs)) < 2 or np.any(ys <= 0):
        return None
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_floats, default=[0.25, 0.5, 1.0, 2.0, 4.0],
                        help="comma-separated size factors (default 0.25,0.5,1,2,4)")
    parser.add_argument("--years", type=_floats, default=[1.0, 2.0, 4.0],
                        help="comma-separated results periods in years of 365 days, at x1 (default 1,2,4)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per point (median)")
    parser.add_argument("--scenario", default="kent_medway")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("scaling.json"))
    args = parser.parse_args()
    base = load_scenario(args.scenario)
    for factor in args.sizes:
        scaled_overrides(base, factor)  # refuse a factor over the population cap before any run
    cache: dict[tuple[float, float], dict] = {}
    by_size = [run_point(args, base, factor, base.run.results_days, cache) for factor in args.sizes]
    by_horizon = [run_point(args, base, 1.0, 365.0 * years, cache) for years in args.years]
    exponents = {
        "time_vs_size": exponent(by_size, "size_factor", "wall_seconds"),
        "model_memory_vs_size": exponent(by_size, "size_factor", "model_mib"),
        "peak_rss_vs_size": exponent(by_size, "size_factor", "peak_rss_mib"),
        "time_vs_horizon": exponent(by_horizon, "simulated_days", "wall_seconds"),
    }
    goals = {name: (None if value is None else value <= GOAL_EXPONENT)
             for name, value in exponents.items() if name != "peak_rss_vs_size"}
    print()
    for name, value in exponents.items():
        verdict = "" if name not in goals else (
            "  (not enough points)" if goals[name] is None
            else f"  goal <= {GOAL_EXPONENT}: {'PASS' if goals[name] else 'FAIL'}")
        print(f"exponent {name:22s} {'-' if value is None else f'{value:.3f}'}{verdict}")
    record = {
        "scenario": args.scenario,
        "repeats": args.repeats,
        "by_size": by_size,
        "by_horizon": by_horizon,
        "exponents": exponents,
        "goal_exponent": GOAL_EXPONENT,
        "goals_met": goals,
        **provenance(),
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
