"""Paired check that a change to the simulation did not move any KPI beyond its confidence interval.

Why: an optimisation that changes the order of events at equal times (or redraws a stream) changes
every table a little, so bit-for-bit pinning cannot judge it. Run the same seeds on the code before
and after (common random numbers), then for every KPI compare the paired mean difference with the
95% confidence interval of the KPI itself: a faithful rewrite moves no KPI by more than that.

    # in a checkout of the old code and of the new one (same scenario, same seeds):
    python benchmarks/paired_check.py dump --scenario kent_medway --seeds 1-10 --out old.json
    python benchmarks/paired_check.py dump --scenario kent_medway --seeds 1-10 --out new.json
    python benchmarks/paired_check.py compare old.json new.json [--markdown table.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from dorothy_sim.analysis import t_interval


def _seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = (int(part) for part in text.split("-", 1))
        return list(range(low, high + 1))
    return [int(part) for part in text.split(",")]


def dump(scenario_name: str, seeds: list[int], out: Path) -> None:
    from dorothy_sim import load_scenario
    from dorothy_sim.experiment import run_one

    scenario = load_scenario(scenario_name)
    runs = {}
    for seed in seeds:
        output = run_one(scenario, seed)
        runs[str(seed)] = {"kpis": output.kpis["all"], "seconds": output.elapsed_seconds}
        print(f"seed {seed}: {output.elapsed_seconds:.2f} s", file=sys.stderr, flush=True)
    out.write_text(json.dumps({"scenario": scenario_name, "runs": runs}, indent=1))


def compare(old_path: Path, new_path: Path) -> pd.DataFrame:
    """One row per KPI: old and new means, the paired difference with its 95% CI, the old mean's
    95% CI half-width, and whether the difference stays inside it."""
    old = json.loads(old_path.read_text())["runs"]
    new = json.loads(new_path.read_text())["runs"]
    seeds = sorted(set(old) & set(new), key=int)
    if len(seeds) < 3:
        raise SystemExit(f"need at least 3 seeds in both files, found {len(seeds)} in common")
    rows = []
    for kpi in sorted(old[seeds[0]]["kpis"]):
        a = np.array([old[s]["kpis"].get(kpi, np.nan) for s in seeds], dtype=float)
        b = np.array([new[s]["kpis"].get(kpi, np.nan) for s in seeds], dtype=float)
        if np.isnan(a).any() or np.isnan(b).any():
            continue
        diff = b - a
        diff_mean, _, diff_low, _, _ = t_interval(diff)
        old_mean, _, old_low, _, _ = t_interval(a)
        half_diff, half_kpi = diff_mean - diff_low, old_mean - old_low
        rows.append({
            "kpi": kpi, "old_mean": old_mean, "new_mean": b.mean(), "diff_mean": diff_mean,
            "diff_ci_half_width": half_diff, "kpi_ci_half_width": half_kpi,
            "within_kpi_ci": bool(abs(diff_mean) <= half_kpi or np.isclose(diff_mean, 0.0)),
            "diff_ci_contains_zero": bool(abs(diff_mean) <= half_diff or np.isclose(diff_mean, 0.0)),
        })
    table = pd.DataFrame(rows)
    table.attrs["seeds"] = seeds
    table.attrs["old_seconds"] = float(np.median([old[s]["seconds"] for s in seeds]))
    table.attrs["new_seconds"] = float(np.median([new[s]["seconds"] for s in seeds]))
    return table


def _markdown(table: pd.DataFrame) -> str:
    def cell(value) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="run seeds with the code on the path and write their KPIs")
    d.add_argument("--scenario", default="kent_medway")
    d.add_argument("--seeds", default="1-10", help="a range 1-10 or a list 1,2,3")
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare", help="paired comparison of two dumps")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    c.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.scenario, _seeds(args.seeds), args.out)
        return 0
    table = compare(args.old, args.new)
    moved = table[~table["within_kpi_ci"]]
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\n{len(table)} KPIs over seeds {table.attrs['seeds']}: {len(moved)} moved beyond their 95% CI; "
          f"{int((~table['diff_ci_contains_zero']).sum())} paired differences exclude zero. "
          f"Median seconds a replication: old {table.attrs['old_seconds']:.2f}, "
          f"new {table.attrs['new_seconds']:.2f}.")
    if args.markdown:
        args.markdown.write_text(_markdown(table))
    return 1 if len(moved) else 0


if __name__ == "__main__":
    raise SystemExit(main())
