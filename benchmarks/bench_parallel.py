"""Benchmark: replications in parallel, serial against a local process pool and a Dask LocalCluster.

Why: sweeps are where the time goes (a 20-configuration x 30-replication sweep is 600 runs), and
runs are independent, so the question is how close two workers come to twice the speed, and
whether the executors give the same tables (they must: a run's numbers depend only on its
scenario and seed). All three go through :func:`dorothy_sim.executors.execute`, as sweeps do:

- serial: ``workers=1``, in this process;
- pool: ``workers=2`` local processes (a ``ProcessPoolExecutor``);
- dask: a ``distributed.LocalCluster`` of 2 single-threaded worker processes, by its address (the
  same path as ``--dask tcp://...``); the cluster's start-up is timed apart from the runs.

Each reports wall time, speed-up over serial and efficiency (speed-up / workers); the KPI tables
and ledgers of the three are compared and must be identical (exit status 1 if not).

``--sweep`` instead times a whole sweep with :func:`dorothy_sim.sweep.sweep` and ``workers``
processes: a grid of ``--configs`` configurations (rapid-response clinicians x reablement places,
stepping up from the scenario's own values, so the first point is the baseline) x ``--sweep-reps``
replications, nothing written to disk. The issue's goal: 20 x 30 on the default scenario in under
10 minutes on this 2-core machine.

    .venv/bin/python benchmarks/bench_parallel.py [--reps 8] [--workers 2] [--scenario kent_medway]
    .venv/bin/python benchmarks/bench_parallel.py --sweep [--configs 20] [--sweep-reps 30] [--workers 2]

Both write their part of ``benchmarks/parallel.json`` (the other part is kept).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pandas as pd
from provenance import provenance  # benchmarks/provenance.py (scripts run from benchmarks/)

from dorothy_sim import load_scenario
from dorothy_sim.executors import Task, execute
from dorothy_sim.experiment import COLUMNS, RunOutput
from dorothy_sim.runner import replications
from dorothy_sim.scenario import Scenario
from dorothy_sim.spec import SweepSpec, spec_from_dict
from dorothy_sim.sweep import sweep

SWEEP_GOAL_SECONDS = 600.0


def run_tasks(tasks: list[Task], scenario_name: str, **where: Any) -> tuple[float, pd.DataFrame, list]:
    """Wall time, KPI table (sorted by replication) and ledgers of ``tasks`` run by ``execute``."""
    started = time.perf_counter()
    outputs: dict[Hashable, RunOutput] = dict(execute(tasks, **where, work=replications()))
    seconds = time.perf_counter() - started
    keys = sorted(outputs)
    table = pd.DataFrame([row for key in keys for row in outputs[key].rows(scenario_name, key)],
                         columns=COLUMNS)
    return seconds, table, [outputs[key].ledger for key in keys]


def run_dask(tasks: list[Task], scenario_name: str, workers: int) -> tuple[float, float, pd.DataFrame, list]:
    """The same on a fresh LocalCluster; returns its start-up time too."""
    from distributed import LocalCluster

    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        start_up = time.perf_counter() - started
        seconds, table, ledgers = run_tasks(tasks, scenario_name, dask_address=cluster.scheduler_address)
    return start_up, seconds, table, ledgers


def compare_executors(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    scenario = load_scenario(args.scenario)
    tasks = [Task(i, scenario, args.seed + i) for i in range(args.reps)]
    serial_seconds, serial, serial_ledgers = run_tasks(tasks, scenario.name, workers=1)
    report("serial (workers=1)", serial_seconds, serial_seconds, 1)
    pool_seconds, pool, pool_ledgers = run_tasks(tasks, scenario.name, workers=args.workers)
    report(f"pool (workers={args.workers})", pool_seconds, serial_seconds, args.workers)
    record: dict[str, Any] = {
        "scenario": args.scenario, "replications": args.reps, "workers": args.workers,
        "first_seed": args.seed,
        "serial": timing(serial_seconds, serial_seconds, 1),
        "pool": timing(pool_seconds, serial_seconds, args.workers),
        "dask": None,
    }
    identical: dict[str, bool | None] = {"pool": serial.equals(pool) and serial_ledgers == pool_ledgers,
                                         "dask": None}
    try:
        start_up, dask_seconds, dask, dask_ledgers = run_dask(tasks, scenario.name, args.workers)
    except ImportError:
        print("dask distributed is not installed: its row is skipped (pip install -e '.[distributed]')")
    else:
        report(f"dask LocalCluster ({args.workers} workers)", dask_seconds, serial_seconds, args.workers,
               f", cluster start-up {start_up:.1f} s")
        record["dask"] = {**timing(dask_seconds, serial_seconds, args.workers),
                          "cluster_start_seconds": round(start_up, 3)}
        identical["dask"] = serial.equals(dask) and serial_ledgers == dask_ledgers
    record["identical_to_serial"] = identical
    print(f"KPI tables and ledgers identical to serial: pool {identical['pool']}, dask {identical['dask']} "
          f"({len(serial)} KPI rows each)")
    return record, all(same is not False for same in identical.values())


def timing(seconds: float, serial_seconds: float, workers: int) -> dict[str, float]:
    speed_up = serial_seconds / seconds
    return {"wall_seconds": round(seconds, 3), "speed_up": round(speed_up, 3),
            "efficiency": round(speed_up / workers, 3)}


def report(label: str, seconds: float, serial_seconds: float, workers: int, extra: str = "") -> None:
    row = timing(seconds, serial_seconds, workers)
    print(f"{label:32s} {seconds:8.2f} s wall, speed-up {row['speed_up']:.2f}, "
          f"efficiency {row['efficiency']:.2f}{extra}", flush=True)


def sweep_spec(scenario: Scenario, scenario_name: str, configs: int, reps: int, seed: int) -> SweepSpec:
    """A grid of ``configs`` points (as square as ``configs`` allows) over rapid-response
    clinicians (steps of a quarter of the scenario's) and reablement places (steps of a tenth)."""
    places_count = max(d for d in range(1, math.isqrt(configs) + 1) if configs % d == 0)
    clinicians_count = configs // places_count
    clinicians, places = scenario.rapid_response.clinicians, scenario.reablement.places
    clinician_step, place_step = max(1, round(clinicians / 4)), max(1, round(places / 10))
    return spec_from_dict({
        "name": "bench_parallel_sweep",
        "scenario": scenario_name,
        "seed": seed,
        "design": "grid",
        "factors": {
            "rapid_response.clinicians": [clinicians + clinician_step * i for i in range(clinicians_count)],
            "reablement.places": [places + place_step * j for j in range(places_count)],
        },
        "replications": {"count": reps},
    })


def time_sweep(args: argparse.Namespace) -> dict[str, Any]:
    spec = sweep_spec(load_scenario(args.scenario), args.scenario, args.configs, args.sweep_reps, args.seed)
    started = time.perf_counter()
    results = sweep(spec, workers=args.workers)
    seconds = time.perf_counter() - started
    configurations = len(results.configurations)
    runs = len(results.ledgers)
    goal = None
    if (args.scenario, configurations, args.sweep_reps) == ("kent_medway", 20, 30):
        goal = seconds < SWEEP_GOAL_SECONDS
    print(f"sweep {configurations} configurations x {args.sweep_reps} replications = {runs} runs of "
          f"'{args.scenario}' with {args.workers} workers: {seconds:.1f} s wall "
          f"({60.0 * runs / seconds:.1f} runs a minute; summed run time {results.run_seconds:.1f} s)")
    print("goal (20 x 30 on kent_medway under 10 minutes): "
          + ("not applicable to this size" if goal is None else ("PASS" if goal else "FAIL")))
    return {"scenario": args.scenario, "configurations": configurations, "replications": args.sweep_reps,
            "runs": runs, "workers": args.workers, "wall_seconds": round(seconds, 2),
            "summed_run_seconds": round(results.run_seconds, 2), "goal_seconds": SWEEP_GOAL_SECONDS,
            "goal_met": goal}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=8, help="replications to compare executors on")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", default="kent_medway")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep", action="store_true", help="time a whole sweep instead")
    parser.add_argument("--configs", type=int, default=20, help="sweep configurations (with --sweep)")
    parser.add_argument("--sweep-reps", type=int, default=30, help="replications each (with --sweep)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("parallel.json"))
    args = parser.parse_args()
    record = json.loads(args.out.read_text()) if args.out.exists() else {}
    ok = True
    if args.sweep:
        record["sweep"] = time_sweep(args)
    else:
        record["executors"], ok = compare_executors(args)
    part = "sweep" if args.sweep else "executors"
    record[part].update(provenance())
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written {args.out}")
    if not ok:
        print("FAILED: an executor's KPI table or ledgers differ from the serial run's")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
