"""Benchmark: wall time and peak memory of one replication of the default scenario.

Each run is a fresh Python process (so peak RSS is that replication's own), timing only
``simulate()`` (model build, warm-up, results year and KPI collection; not interpreter start-up
or imports). The machine is shared and noisy: quote the median, and compare ratios measured in
the same session. One more, untimed run of the first seed counts the patient station-visits, event
heap entries and source happenings of a replication; station-visits per second divides the visits
by the median wall time.

Then the same replications again, each alone on ``--split-workers`` worker processes (default 2): the
executor sends a replication's parts (one per ICP; ``executors.split``) to the workers, so this is
the wall time a modeller waits for one replication of a what-if, pool start-up and putting the parts
together included.

    .venv/bin/python benchmarks/bench_replication.py [--runs 5] [--scenario kent_medway] [--seed 1]
                                                     [--split-workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from provenance import provenance  # benchmarks/provenance.py (scripts run from benchmarks/)

CHILD = """
import json, resource, time
from dorothy_sim import load_scenario, simulate
scenario = load_scenario({scenario!r})
start, cpu_start = time.perf_counter(), time.process_time()
simulate(scenario, {seed})
wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({{"wall_seconds": wall, "cpu_seconds": cpu, "peak_rss_mib": peak_mib}}))
"""

SPLIT = """
import json, time
from dorothy_sim import load_scenario
from dorothy_sim.experiment import run_replications
scenario = load_scenario({scenario!r})
start = time.perf_counter()
run_replications(scenario, reps=1, seed={seed}, workers={workers})
print(json.dumps({{"wall_seconds": time.perf_counter() - start}}))
"""

# An untimed run of the first seed that counts what a replication does: patient station-visits
# (every request to a capacity station or for a care-home placement, cohort and background, warm-up
# included), event-heap entries and source happenings. Counting wrappers slow it, so it is not timed;
# it runs interpreted (DOROTHY_PURE_PYTHON), where methods can be wrapped (compiled classes are C types).
COUNT = """
import json
from dorothy_sim import load_scenario
from dorothy_sim.model import engine, services, stations
from dorothy_sim.model.model import DorothyModel
counts = {{"station_visits": 0, "source_happenings": 0}}
def counting(method, key):
    def wrapper(*args, **kwargs):
        counts[key] += 1
        return method(*args, **kwargs)
    return wrapper
stations.Station.request = counting(stations.Station.request, "station_visits")
services.CareHomePlacements.request = counting(services.CareHomePlacements.request, "station_visits")
engine.Environment._fire_source = counting(engine.Environment._fire_source, "source_happenings")
model = DorothyModel(load_scenario({scenario!r}), {seed}).run()
counts["heap_entries"] = model.env._eids
print(json.dumps(counts))
"""


def _child(code: str, interpreted: bool = False) -> dict:
    env = dict(os.environ, DOROTHY_PURE_PYTHON="1") if interpreted else None
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                            env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default="kent_medway")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split-workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("latest.json"))
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        runs.append(_child(CHILD.format(scenario=args.scenario, seed=args.seed + i)))
        print(f"run {i + 1}: {runs[-1]['wall_seconds']:.2f} s wall, {runs[-1]['cpu_seconds']:.2f} s CPU, "
              f"peak RSS {runs[-1]['peak_rss_mib']:.0f} MiB", flush=True)
    walls = [r["wall_seconds"] for r in runs]
    split_walls = []
    for i in range(args.runs):
        split_walls.append(_child(SPLIT.format(scenario=args.scenario, seed=args.seed + i,
                                               workers=args.split_workers))["wall_seconds"])
        print(f"run {i + 1} on {args.split_workers} workers: {split_walls[-1]:.2f} s wall", flush=True)
    counts = _child(COUNT.format(scenario=args.scenario, seed=args.seed), interpreted=True)
    median_wall = statistics.median(walls)
    print(f"seed {args.seed}: {counts['station_visits']:,} station-visits, {counts['heap_entries']:,} heap "
          f"entries, {counts['source_happenings']:,} source happenings", flush=True)
    record = {
        "scenario": args.scenario,
        "runs": args.runs,
        "median_wall_seconds": round(median_wall, 2),
        "min_wall_seconds": round(min(walls), 2),
        "max_wall_seconds": round(max(walls), 2),
        "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 2),
        "median_peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
        "split_workers": args.split_workers,
        "split_median_wall_seconds": round(statistics.median(split_walls), 2),
        "split_min_wall_seconds": round(min(split_walls), 2),
        "split_max_wall_seconds": round(max(split_walls), 2),
        **{f"seed_{args.seed}_{key}": value for key, value in counts.items()},
        "station_visits_per_second": round(counts["station_visits"] / median_wall),
        **provenance(),
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
