"""Benchmark: wall time and peak memory of one replication of the default scenario.

Each run is a fresh Python process (so peak RSS is that replication's own), timing only
``simulate()`` (model build, warm-up, results year and KPI collection; not interpreter start-up
or imports). The machine is shared and noisy: quote the median, and compare ratios measured in
the same session.

    .venv/bin/python benchmarks/bench_replication.py [--runs 5] [--scenario kent_medway] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default="kent_medway")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("latest.json"))
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        code = CHILD.format(scenario=args.scenario, seed=args.seed + i)
        output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        print(f"run {i + 1}: {runs[-1]['wall_seconds']:.2f} s wall, {runs[-1]['cpu_seconds']:.2f} s CPU, "
              f"peak RSS {runs[-1]['peak_rss_mib']:.0f} MiB", flush=True)
    walls = [r["wall_seconds"] for r in runs]
    record = {
        "scenario": args.scenario,
        "runs": args.runs,
        "median_wall_seconds": round(statistics.median(walls), 2),
        "min_wall_seconds": round(min(walls), 2),
        "max_wall_seconds": round(max(walls), 2),
        "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 2),
        "median_peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
        **provenance(),
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
