"""The speed guard: one default replication of this tree against a reference commit, alternating.

The guard (docs/architecture.md, benchmarks/RESULTS.md): a default replication may not take more than
``--limit`` (1.3) times the reference's CPU time. The reference commit is checked out into a temporary
git worktree and its compiled kernel built there (``setup.py build_ext --inplace``) once; then each
round runs one replication of each tree, in a fresh process each (``settle_worker_process()``, CPU
seconds of ``simulate(load_scenario(scenario), seed)``: model build, warm-up, results year and KPIs),
the order alternating round by round so that a drift of the shared machine's load falls on both
alike. The verdict is read from the median of the rounds' paired ratios (this tree / reference),
with the smallest and largest ratio beside it; the load average is printed before and after,
because a busy machine widens the spread (compare ratios, never seconds across sessions).

    .venv/bin/python benchmarks/speed_guard.py [--reference c351608] [--rounds 5] [--seed 1]
                                               [--scenario kent_medway] [--limit 1.3]

Exit status: 0 if the median ratio is within the limit, 1 if not, 2 on a usage error (a reference
that is not a commit, a reference tree that does not build). Writes ``speed_guard.json`` next to
itself (``--out`` elsewhere) with the rounds, the verdict and the provenance.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from provenance import provenance  # benchmarks/provenance.py (scripts run from benchmarks/)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "c351608"
"""0.5.0 with the compiled core: the main of before issue 18, which the guard was set against."""

CHILD = """
import json, sys, time
from dorothy_sim import load_scenario, simulate
from dorothy_sim.model import CORE
from dorothy_sim.model.model import settle_worker_process
settle_worker_process()
scenario = load_scenario(sys.argv[1])
start = time.process_time()
simulate(scenario, int(sys.argv[2]))
print(json.dumps({"cpu_seconds": time.process_time() - start, "core": CORE}))
"""


class GuardError(Exception):
    """A reference that cannot be checked out or built."""


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def reference_tree(commit: str, parent: Path) -> Path:
    """The reference commit as a detached worktree under ``parent``, its kernel built in place."""
    try:
        full = _git("rev-parse", "--verify", f"{commit}^{{commit}}").strip()
    except subprocess.CalledProcessError:
        raise GuardError(f"--reference {commit!r} is not a commit of this repository") from None
    tree = parent / f"reference-{full[:12]}"
    _git("worktree", "add", "--detach", "--force", str(tree), full)
    print(f"building the reference's kernel ({full[:12]}) in {tree} ...", flush=True)
    built = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=tree,
                           capture_output=True, text=True)
    if built.returncode:
        raise GuardError(f"the reference {full[:12]} does not build:\n{built.stderr[-2000:]}")
    return tree


def one_run(tree: Path, scenario: str, seed: int) -> float:
    """CPU seconds of one replication of ``tree``'s code, in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("DOROTHY_PURE_PYTHON", None)
    done = subprocess.run([sys.executable, "-c", CHILD, scenario, str(seed)], cwd=tree, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise GuardError(f"a replication of {tree} failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not str(result["core"]).startswith("compiled"):
        raise GuardError(f"{tree} ran interpreted ({result['core']}): build its kernel first")
    return float(result["cpu_seconds"])


def alternate(trees: dict[str, Path], rounds: int, scenario: str, seed: int) -> dict[str, list[float]]:
    """``rounds`` runs of each tree, the order reversed every other round."""
    times: dict[str, list[float]] = {name: [] for name in trees}
    names = list(trees)
    for index in range(rounds):
        for name in names if index % 2 == 0 else names[::-1]:
            times[name].append(one_run(trees[name], scenario, seed))
        print(f"round {index + 1}/{rounds}: " + ", ".join(f"{n} {times[n][-1]:.2f} s" for n in names),
              flush=True)
    return times


def verdict(reference: list[float], current: list[float], limit: float) -> dict[str, float | bool]:
    """The paired ratios' median (the verdict), smallest and largest, and the medians of each."""
    ratios = [mine / theirs for theirs, mine in zip(reference, current, strict=True)]
    median = statistics.median(ratios)
    return {"reference_median_s": statistics.median(reference),
            "current_median_s": statistics.median(current), "ratio_median": median,
            "ratio_min": min(ratios), "ratio_max": max(ratios),
            "limit": limit, "within_limit": median <= limit}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default=REFERENCE, help=f"the commit to compare with ({REFERENCE})")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default="kent_medway")
    parser.add_argument("--limit", type=float, default=1.3)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("speed_guard.json"))
    args = parser.parse_args()
    if args.rounds < 1 or args.limit <= 0:
        print("speed_guard: --rounds must be at least 1 and --limit above 0", file=sys.stderr)
        return 2
    parent = Path(tempfile.mkdtemp(prefix="dorothy-guard-"))
    try:
        trees = {"reference": reference_tree(args.reference, parent), "current": ROOT}
        print(f"load average before: {_load()}", flush=True)
        times = alternate(trees, args.rounds, args.scenario, args.seed)
        print(f"load average after: {_load()}", flush=True)
    except GuardError as error:
        print(f"speed_guard: {error}", file=sys.stderr)
        return 2
    finally:
        for tree in parent.glob("reference-*"):
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
        shutil.rmtree(parent, ignore_errors=True)
    result = verdict(times["reference"], times["current"], args.limit)
    print(f"reference {args.reference}: median {result['reference_median_s']:.2f} s; this tree: median "
          f"{result['current_median_s']:.2f} s; ratio (median of {args.rounds} paired rounds) "
          f"{result['ratio_median']:.2f} (from {result['ratio_min']:.2f} to {result['ratio_max']:.2f}); "
          f"limit {args.limit:.2f}: {'within' if result['within_limit'] else 'NOT within'}")
    record = {**provenance(), "reference": args.reference, "scenario": args.scenario, "seed": args.seed,
              "head": _git("rev-parse", "--short", "HEAD").strip(), "times": times, **result}
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0 if result["within_limit"] else 1


if __name__ == "__main__":
    sys.exit(main())
