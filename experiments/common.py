"""Shared helpers of the study scripts (experiments/study_*.py).

What lives here and why:

- where results go (``results/<study>/`` under the repository root, whatever the working folder);
- the command-line options every study has (``--workers --reps --out --smoke --force``) and the smoke
  variant of a spec (the ``small`` scenario, 2 replications, capacities rescaled to it), so each study
  can be tested end to end in seconds with exactly the code path of the full run;
- running a sweep resumably and counting what was run now versus loaded from the store;
- 95% intervals of paired differences built from the per-replication table, for quantities the sweep
  tables do not hold (a sum of cost components, a swing between two configurations, a change across
  two sweeps that share seeds);
- formatting "x (95% CI a to b)" and writing the README of a result folder, so every number a README
  states is read from the tables by code, never typed by hand, and every README says how it was made.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dorothy_sim import __version__, load_scenario, sweep
from dorothy_sim.analysis import t_interval
from dorothy_sim.errors import UserError
from dorothy_sim.monitor import ALL
from dorothy_sim.output import write_table
from dorothy_sim.report import write_report
from dorothy_sim.spec import plan, spec_from_dict
from dorothy_sim.sweep import SweepResults

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "results"
SPECS = Path(__file__).resolve().with_name("specs")
SMOKE_SCENARIO = "small"
SMOKE_REPS = 2

# The cost KPIs of the services themselves: everything in cost_total_gbp except acute bed days and A&E
# attendances, which are what the services are meant to save.
INTERVENTION_COSTS: tuple[str, ...] = (
    "cost_rapid_response_gbp", "cost_reablement_gbp", "cost_home_care_gbp", "cost_community_beds_gbp",
    "cost_care_homes_gbp", "cost_mdt_gbp", "cost_discharge_gbp", "cost_mh_liaison_gbp",
    "cost_falls_prevention_gbp",
)


# --------------------------------------------------------------------------- intervals and formatting


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided 95% t interval over ``n`` replications (NaN bounds if n < 2)."""

    mean: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Interval:
        """The t interval of per-replication values (one independent observation each)."""
        mean, _, low, high, n = t_interval(np.asarray(list(values), dtype=float))
        return cls(mean, low, high, n)

    @classmethod
    def from_columns(cls, row: pd.Series | dict[str, Any], name: str, n: int = 0) -> Interval:
        """From a table with ``name``, ``name_ci_low`` and ``name_ci_high`` columns (a sweep headline)."""
        return cls(float(row[name]), float(row[f"{name}_ci_low"]), float(row[f"{name}_ci_high"]), n)

    def scaled(self, factor: float) -> Interval:
        """The interval of ``factor`` x the quantity (bounds swapped for a negative factor)."""
        low, high = sorted((self.low * factor, self.high * factor))
        return Interval(self.mean * factor, low, high, self.n)

    @property
    def below_zero(self) -> bool:
        """The whole interval is below zero (False when there is no interval)."""
        return bool(np.isfinite(self.high) and self.high < 0)

    @property
    def above_zero(self) -> bool:
        return bool(np.isfinite(self.low) and self.low > 0)

    @property
    def excludes_zero(self) -> bool:
        return self.below_zero or self.above_zero


def fmt_number(value: float, kind: str = "number") -> str:
    """One number for a README: ``count`` (whole numbers), ``beds`` (one decimal), ``pct`` (a level in
    %), ``target`` (a % as given), ``pp`` (a change in percentage points), ``gbp`` (pounds: £k, £m)
    or ``number``."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if float(f"{value:.{2 if kind in ('pct', 'pp', 'gbp') else 1}f}") == 0:
        value = 0.0  # no "-0.0"
    if kind == "count":
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if kind == "beds":
        return f"{value:,.1f}"
    if kind == "pct":
        return f"{value:.2f}%"
    if kind == "target":
        return f"{value:g}%"
    if kind == "pp":
        return f"{value:.2f} pp"
    if kind == "gbp":
        sign, size = ("-" if value < 0 else ""), abs(value)
        if size >= 1e6:
            return f"{sign}£{size / 1e6:.2f}m"
        if size >= 1e3:
            return f"{sign}£{size / 1e3:.0f}k"
        return f"{sign}£{size:.0f}"
    return f"{value:,.3g}"


def fmt_ci(interval: Interval, kind: str = "number") -> str:
    """``x (95% CI a to b)``, or ``x (no CI: n replication(s))`` when there are fewer than two."""
    if not np.isfinite(interval.low):
        return f"{fmt_number(interval.mean, kind)} (no CI: {interval.n} replication(s))"
    return (f"{fmt_number(interval.mean, kind)} (95% CI {fmt_number(interval.low, kind)} "
            f"to {fmt_number(interval.high, kind)})")


def markdown_table(table: pd.DataFrame | Sequence[dict[str, Any]]) -> str:
    """A GitHub markdown table (pandas' to_markdown needs tabulate, which is not a dependency)."""
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    if frame.empty:
        return "(no rows)"
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


# --------------------------------------------------------------------------- per-replication values


def per_replication(results: SweepResults, configuration: int, kpis: str | Sequence[str],
                    area: str = ALL) -> pd.Series:
    """One configuration's value of a KPI (or the sum of several) in each replication, indexed by
    replication. Why by replication: replication r of every configuration (and of every sweep with
    the same first seed) has the same seed, so two such series subtract into paired differences."""
    names = [kpis] if isinstance(kpis, str) else list(kpis)
    table = results.replications
    rows = table[(table["configuration"] == configuration) & (table["area"] == area)
                 & (table["kpi"].isin(names))]
    wide = rows.pivot_table(index="replication", columns="kpi", values="value", aggfunc="first")
    missing = set(names) - set(wide.columns)
    if missing:
        raise KeyError(f"configuration {configuration} has no KPI {sorted(missing)} in area {area!r}")
    return wide[names].sum(axis=1)


def paired(results: SweepResults, configuration: int, kpis: str | Sequence[str], reference: int = 0,
           area: str = ALL) -> Interval:
    """``configuration`` minus ``reference`` (default the baseline), paired by replication."""
    return paired_series(per_replication(results, configuration, kpis, area),
                         per_replication(results, reference, kpis, area))


def paired_series(values: pd.Series, reference: pd.Series) -> Interval:
    """``values - reference`` over the replications both have, as a t interval."""
    diff = (values - reference).dropna()
    return Interval.of(diff.to_numpy())


def level(results: SweepResults, configuration: int, kpi: str, area: str = ALL) -> Interval:
    """The mean of a KPI in one configuration with its 95% CI (from the sweep's summary table)."""
    table = results.summary
    row = table[(table["configuration"] == configuration) & (table["area"] == area)
                & (table["kpi"] == kpi)].iloc[0]
    return Interval(float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]), int(row["n"]))


def comparison(results: SweepResults, configuration: int, kpi: str, area: str = ALL) -> Interval:
    """A paired difference from the sweep's comparisons table (e.g. ``avoided_admissions``)."""
    table = results.comparisons
    row = table[(table["configuration"] == configuration) & (table["area"] == area)
                & (table["kpi"] == kpi)].iloc[0]
    return Interval(float(row["diff_mean"]), float(row["diff_ci_low"]), float(row["diff_ci_high"]),
                    int(row["n"]))


# --------------------------------------------------------------------------- specs, options, smoke


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


def with_reps(spec: dict[str, Any], reps: int | None) -> dict[str, Any]:
    return spec if reps is None else {**spec, "replications": {"count": reps}}


def describe_factor_values(spec: dict[str, Any]) -> str:
    return "; ".join(f"`{path}` = {', '.join(_show(v) for v in values)}"
                     for path, values in spec["factors"].items())


def _show(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# --------------------------------------------------------------------------- running


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


def run_sweep(spec: dict[str, Any], out: Path, workers: int | None, force: bool = False,
              progress: bool = True) -> SweepRun:
    """Run (or resume) a sweep into ``out`` and write its tidy tables to ``out/tables``."""
    before = _stored_runs(out)
    started = time.perf_counter()
    results = sweep(spec, out=out, workers=workers, force=force, progress=progress)
    wall = time.perf_counter() - started
    if not results.complete:
        raise RuntimeError(f"the sweep in {out} did not complete")
    for stem, table in results.tables().items():
        write_table(table, out / "tables", stem)
    total = int(results.configurations["replications"].sum())
    new = max(0, total - len(before & _stored_runs(out)))
    return SweepRun(results, out, spec, new, total, wall, stored_run_seconds(out))


def _stored_runs(folder: Path) -> set[str]:
    runs = folder / "runs"
    return {p.name for p in runs.glob("c*-r*.json")} if runs.is_dir() else set()


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


# --------------------------------------------------------------------------- README


def rel(path: Path) -> str:
    """A path relative to the repository root when it is inside it (READMEs stay portable)."""
    for candidate in (Path(path).absolute(), Path(path).resolve()):  # a venv's python is a symlink
        if candidate.is_relative_to(REPO_ROOT):
            return str(candidate.relative_to(REPO_ROOT))
    return str(path)


def command_line() -> str:
    """The command that ran this script, as one would type it from the repository root."""
    python = rel(Path(sys.executable))
    python = python if not Path(python).is_absolute() else "python"
    return shlex.join([python, rel(Path(sys.argv[0])), *sys.argv[1:]])


def package_version() -> str:
    """dorothy_sim's version and the git commit, noting uncommitted changes to the package (other
    engineers edit it while studies run, so the commit alone may not say which code made a table)."""
    text = f"dorothy_sim {__version__}"
    try:
        commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "dorothy_sim"],
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return text
    return f"{text}, git commit {commit}" + (" with uncommitted changes to dorothy_sim/" if dirty else "")


def seeds_text(first_seed: int, reps: int) -> str:
    last = first_seed + reps - 1
    return (f"{first_seed} to {last} (replication r uses seed {first_seed} + r in every configuration: "
            "common random numbers)")


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
            f"- Wall time of this invocation: {fmt_duration(self.wall_seconds)}; summed run time of all "
            f"{self.runs_total} runs: {fmt_duration(self.compute_seconds)}",
            *self.extra,
        ]
        return lines


def fmt_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


def write_readme(folder: Path, title: str, intro: str, provenance: Provenance,
                 sections: Sequence[tuple[str, str]]) -> Path:
    """``folder/README.md``: title, what the study is, how it was made, then the findings sections.
    Written atomically and in full each time, so it always matches the tables beside it."""
    parts = [f"# {title}", "", intro.strip(), "", "## How this was made", "", *provenance.lines(), "",
             "This file is written by the study script from the result tables; do not edit it by hand "
             "(re-run the command above: finished runs are loaded, not run again).", ""]
    for heading, body in sections:
        parts += [f"## {heading}", "", body.strip(), ""]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "README.md"
    tmp = path.with_name(".README.md.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path


def announce(readme: Path, started: float) -> None:
    print(f"README written to {readme} ({fmt_duration(time.perf_counter() - started)} in all)")


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


def gridlock_lines(results: SweepResults) -> list[str]:
    """A README warning naming every configuration whose acute beds are gridlocked (the sweep's
    ``gridlocked`` flag: mean occupancy >= 100% of core beds or a mean bed wait >= 24 hours). There,
    fewer admissions mean people stuck in hospital, where the model gives them no new crises, rather
    than crises prevented, so "avoided admissions" must not be read as a benefit."""
    table = results.headline()
    rows = table[table["gridlocked"]]
    if rows.empty:
        return []
    labels = results.configurations.set_index("configuration")["label"]
    items = [f"{labels[row.configuration]} (occupancy {row.acute_occupancy_mean_pct:.1f}%, mean wait for "
             f"a bed {row.bed_wait_hours_mean:,.0f} hours)" for row in rows.itertuples()]
    return [f"- **Gridlocked acute beds in {len(rows)} configuration(s):** {'; '.join(items)}. There, "
            "fewer admissions mean people stuck in hospital (waiting for a bed or for onward care), not "
            "crises prevented: read their beds released and bed waits, not their avoided admissions."]


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
