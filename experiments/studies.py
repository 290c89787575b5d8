"""Running a study: the options every study has (``--workers --reps --out --smoke --force --quiet``),
its spec (and the smoke variant: the ``small`` scenario, 2 replications, capacities rescaled to it, so
each study is tested end to end in seconds on exactly the code path of the full run), the resumable
sweep with a count of runs made now versus loaded from the store, its report, and its provenance.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from readme import REPO_ROOT, command_line, package_version, rel, seeds_text

from dorothy_sim import load_scenario, sweep
from dorothy_sim.errors import UserError
from dorothy_sim.formatting import format_duration
from dorothy_sim.output import write_table
from dorothy_sim.report import write_report
from dorothy_sim.spec import Configuration, Plan, plan, spec_from_dict
from dorothy_sim.sweep import SweepResults

RESULTS = REPO_ROOT / "results"
SPECS = Path(__file__).resolve().with_name("specs")
SMOKE_SCENARIO = "small"
SMOKE_REPS = 2


def load_spec_dict(path: Path) -> dict[str, Any]:
    """A spec file as a plain dict, so a study can adapt it (replications, smoke) before running."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def add_common_options(parser: argparse.ArgumentParser, study: str) -> None:
    """The options every study has."""
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: the number of cores)")
    parser.add_argument("--reps", type=int, default=None,
                        help="replications per configuration (overrides the study's default)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"result folder (default: results/{study}; with --smoke: "
                             f"{Path(tempfile.gettempdir()) / 'dorothy_smoke' / study}); re-running resumes")
    parser.add_argument("--smoke", action="store_true",
                        help=f"the same study on the '{SMOKE_SCENARIO}' scenario with {SMOKE_REPS} "
                             "replications and capacities scaled to it: a test that runs in seconds")
    parser.add_argument("--force", action="store_true",
                        help="discard stored runs of a different spec in the result folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def output_folder(args: argparse.Namespace, study: str) -> Path:
    """``--out``, else results/<study> (or a fixed temporary folder for a smoke run, so that running
    the smoke test twice exercises resuming)."""
    if args.out is not None:
        return Path(args.out)
    if args.smoke:
        return Path(tempfile.gettempdir()) / "dorothy_smoke" / study
    return RESULTS / study


def check_reps(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.reps is not None and args.reps < 2:
        parser.error("--reps must be at least 2 (a 95% CI needs two replications)")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")


def smoke_spec(spec: dict[str, Any], reps: int = SMOKE_REPS) -> dict[str, Any]:
    """The spec moved to the small scenario: each numeric factor value keeps its ratio to the full
    scenario's default (rounded down, so halving one clinician gives none, repeats dropped), and
    booleans are kept. The design, seed and everything else are unchanged, so the smoke run exercises
    the full study's code path."""
    full = plan(spec_from_dict(spec)).baseline
    small = load_scenario(SMOKE_SCENARIO)
    factors: dict[str, Any] = {}
    for path, values in spec["factors"].items():
        if not isinstance(values, list):
            raise ValueError(f"smoke_spec handles list factors only, not {path} = {values!r}")
        default, target = full.value_at(path), small.value_at(path)
        scaled = [_rescale(value, default, target) for value in values]
        factors[path] = list(dict.fromkeys(scaled))
    return {**spec, "name": f"{spec['name']}_smoke", "scenario": SMOKE_SCENARIO, "factors": factors,
            "description": f"[smoke test on '{SMOKE_SCENARIO}'] {spec.get('description', '')}".strip(),
            "replications": {"count": reps}}


def _rescale(value: Any, default: Any, target: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not default:
        return value
    scaled = value / default * target
    return int(math.floor(scaled + 1e-9)) if isinstance(value, int) else scaled


def configurations_plan(name: str, description: str, scenario: str, seed: int, reps: int,
                        configurations: Sequence[tuple[str, Mapping[str, Any]]]) -> Plan:
    """A sweep plan of named sets of overrides, for designs a spec's grid, one-at-a-time and Latin
    hypercube cannot write: several fields moved together (every trust's beds, both ends of a shift).
    The first set is configuration 0, the one the sweep's comparisons table is paired with; every
    configuration runs replication r with seed ``seed + r``. Its factors are every path any set moves,
    so the configurations table shows each configuration's value of each; the hash covers the scenario
    and every set, as a spec's does, so a changed design is refused rather than resumed."""
    base = load_scenario(scenario)
    paths = list(dict.fromkeys(path for _, overrides in configurations for path in overrides))
    values = [{path: overrides.get(path, base.value_at(path)) for path in paths}
              for _, overrides in configurations]
    factors = {path: list(dict.fromkeys(v[path] for v in values)) for path in paths}
    spec = spec_from_dict({"name": name, "description": description, "scenario": scenario, "seed": seed,
                           "design": "grid", "factors": factors, "replications": {"count": reps}})
    scenarios = tuple(base.with_overrides(dict(overrides), source=label) if overrides else base
                      for label, overrides in configurations)
    digest = hashlib.sha256(json.dumps(
        {"spec": spec.model_dump(mode="json", by_alias=True, exclude={"replications"}),
         "baseline": base.model_dump(mode="json"), "configurations": [dict(o) for _, o in configurations]},
        sort_keys=True, default=str).encode()).hexdigest()[:16]
    rows = tuple(Configuration(number, label, value, dict(overrides), True) for number, ((label, overrides),
                 value) in enumerate(zip(configurations, values, strict=True)))
    return Plan(spec, f"study plan '{name}'", base, rows, scenarios, digest)


def with_reps(spec: dict[str, Any], reps: int | None) -> dict[str, Any]:
    return spec if reps is None else {**spec, "replications": {"count": reps}}


def describe_factor_values(spec: dict[str, Any]) -> str:
    return "; ".join(f"`{path}` = {', '.join(_show(v) for v in values)}"
                     for path, values in spec["factors"].items())


def _show(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass
class SweepRun:
    """A finished sweep and what it cost: runs done now, runs loaded from the store, wall time and
    the summed run time of every stored run (the compute a fresh run of the whole sweep needs)."""

    results: SweepResults
    folder: Path
    spec: dict[str, Any]
    runs_new: int
    runs_total: int
    wall_seconds: float
    compute_seconds: float


def run_sweep(spec: dict[str, Any] | Plan, out: Path, workers: int | None, force: bool = False,
              progress: bool = True) -> SweepRun:
    """Run (or resume) a sweep (a spec in its TOML shape, or a plan) into ``out`` and write its tidy
    tables to ``out/tables``."""
    before = _stored_runs(out)
    started = time.perf_counter()
    results = sweep(spec, out=out, workers=workers, force=force, progress=progress)
    wall = time.perf_counter() - started
    if not results.complete:
        raise RuntimeError(f"the sweep in {out} did not complete")
    for stem, table in results.tables().items():
        write_table(table, out / "tables", stem)
    total = int(results.configurations["replications"].sum())
    after = _stored_runs(out)
    new = sum(1 for name, stamp in after.items() if before.get(name) != stamp)  # (--force remakes old names)
    shape = spec.spec.model_dump(mode="json", by_alias=True) if isinstance(spec, Plan) else spec
    return SweepRun(results, out, shape, new, total, wall, stored_run_seconds(out))


def _stored_runs(folder: Path) -> dict[str, int]:
    """Each stored run file's name and modification time: a run made again under the same name (a
    sweep remade with --force) counts as made by this invocation."""
    runs = folder / "runs"
    return {p.name: p.stat().st_mtime_ns for p in runs.glob("c*-r*.json")} if runs.is_dir() else {}


def stored_run_seconds(folder: Path) -> float:
    """The summed run time of the runs stored in a sweep folder (each run records its own)."""
    total = 0.0
    for path in (folder / "runs").glob("c*-r*.json"):
        try:
            total += float(json.loads(path.read_text(encoding="utf-8")).get("elapsed_seconds", 0.0))
        except (OSError, ValueError):
            continue
    return total


def write_report_if_available(results: SweepResults, folder: Path) -> str:
    """Write the sweep report (dorothy_sim.report) into ``folder``; returns a line for the README.
    A report that fails is a warning, not an error: the study's runs, README and tables stand alone,
    and the report can be made again with `dorothy report`."""
    try:
        files = write_report(results, folder, command=command_line())
    except Exception as exc:  # noqa: BLE001 - see the docstring
        print(f"warning: the report failed ({type(exc).__name__}: {exc}); the README and tables are "
              "written regardless", file=sys.stderr)
        return (f"Report not written: `write_report` failed ({type(exc).__name__}: {exc}). Run "
                f"`dorothy report {rel(results_folder(folder))} --out {rel(folder)}` once it is fixed.")
    names = sorted(Path(p).name for p in files)
    pages = [n for n in names if n.endswith((".html", ".xlsx"))]
    figures = [n for n in names if n.endswith(".png")]
    return (f"Report (`dorothy_sim.report.write_report`) in `{rel(folder)}/`: "
            f"{', '.join(f'`{n}`' for n in pages) or 'no page'}; figures (PNG and SVG): "
            f"{', '.join(f'`{n[:-4]}`' for n in figures) or 'none'}; and the tidy tables.")


def results_folder(report_folder: Path) -> Path:
    return report_folder.parent


@dataclass
class Provenance:
    """How a result folder was made: everything the README's first section states."""

    scenario: str
    spec: str
    spec_hashes: str
    first_seed: int
    replications: int
    configurations: int
    runs_total: int
    runs_new: int
    wall_seconds: float
    compute_seconds: float
    smoke: bool = False
    extra: list[str] = field(default_factory=list)
    command: str = field(default_factory=command_line)
    date: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    version: str = field(default_factory=package_version)

    @classmethod
    def of(cls, run: SweepRun, spec_source: str, started: float, smoke: bool, **more: Any) -> Provenance:
        results = run.results
        return cls(scenario=str(run.spec.get("scenario", "kent_medway")), spec=spec_source,
                   spec_hashes=results.spec_hash, first_seed=results.first_seed,
                   replications=int(results.configurations["replications"].max()),
                   configurations=len(results.configurations), runs_total=run.runs_total,
                   runs_new=run.runs_new, wall_seconds=time.perf_counter() - started,
                   compute_seconds=run.compute_seconds, smoke=smoke, **more)

    def lines(self) -> list[str]:
        lines = []
        if self.smoke:
            lines += [f"> **Smoke test**: the study's code on the `{SMOKE_SCENARIO}` scenario with tiny "
                      "settings. Its numbers test the script, not Kent and Medway.", ""]
        lines += [
            f"- Command (from the repository root): `{self.command}`",
            f"- Date: {self.date}",
            f"- Package: {self.version}",
            f"- Scenario: `{self.scenario}`",
            f"- Spec: {self.spec}; spec hash {self.spec_hashes}",
            f"- Seeds: {seeds_text(self.first_seed, self.replications)}",
            f"- Replications: {self.replications} per configuration; {self.configurations} configurations, "
            f"{self.runs_total} runs ({self.runs_new} run by this invocation, the rest loaded from the "
            "store)",
            f"- Wall time of this invocation: {format_duration(self.wall_seconds)}; summed run time of all "
            f"{self.runs_total} runs: {format_duration(self.compute_seconds)}",
            *self.extra,
        ]
        return lines


def sweep_and_report(spec: dict[str, Any], args: argparse.Namespace,
                     study: str) -> tuple[SweepRun, str] | None:
    """The start every one-sweep study shares: run (or resume) the sweep into its folder, then its
    report. ``None`` after printing the error when the input is bad (the caller exits with 2)."""
    out = output_folder(args, study)
    try:
        run = run_sweep(spec, out, args.workers, force=args.force, progress=not args.quiet)
    except UserError as exc:
        print(f"{study}: error: {exc}", file=sys.stderr)
        return None
    return run, write_report_if_available(run.results, out / "report")


def study_arguments(description: str, study: str, argv: list[str] | None) -> argparse.Namespace:
    """The command line every study has (see add_common_options), parsed and checked."""
    parser = argparse.ArgumentParser(description=description)
    add_common_options(parser, study)
    args = parser.parse_args(argv)
    check_reps(parser, args)
    return args


def study_spec(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A study's spec file as a dict, moved to the small scenario with --smoke, with --reps applied."""
    spec = load_spec_dict(path)
    return smoke_spec(spec, reps=args.reps or 2) if args.smoke else with_reps(spec, args.reps)
