"""The ``dorothy`` command line: run scenarios and sweeps, check the warm-up, and write reports.

Every user error (bad scenario, bad override, bad option) ends with exit code 2 and one message
that names the file, the field, the value and what is allowed — never a traceback — and nothing is
written until the run has succeeded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from dorothy_sim.analysis import MIN_STABLE_REPLICATIONS
from dorothy_sim.cli_parser import build_parser
from dorothy_sim.errors import EXIT_INTERRUPTED, EXIT_USER_ERROR, RunsStopped, ScenarioError, UserError
from dorothy_sim.experiment import Results, run_replications
from dorothy_sim.formatting import format_console
from dorothy_sim.kpis import COMPARISON_KPIS, KPI_BY_NAME, KPIS, RANKING_KPI, RAW_AVOIDED_KPI
from dorothy_sim.model import CORE
from dorothy_sim.output import check_folder, write_results
from dorothy_sim.psa import psa_manifest
from dorothy_sim.replication import unstable_queues
from dorothy_sim.scenario import Scenario, embedded_scenarios, load_scenario
from dorothy_sim.sweep import SweepResults, flags_text, load_results, sweep
from dorothy_sim.validation import (
    NOT_MODELLED,
    SECTIONS,
    evaluate,
    run_validation,
    summary,
    to_markdown,
    warmup_check,
)
from dorothy_sim.warmup import check_comparison, check_warmup, compare_warmups

HEADLINE_KPIS = (
    "crises", "rr_referrals", "rr_seen_within_2h_pct", "rr_admissions_avoided", "ed_attendances",
    "admissions", "admissions_per_1000", "acute_bed_days", "acute_occupancy_mean_pct",
    "bed_wait_hours_mean", "los_mean_days", "los_median_days", "mffd_bed_share_pct",
    "discharge_delay_days_mean", "reablement_starts", "reablement_independent_pct",
    "home_at_91d_pct", "mdt_reviews", "mdt_wait_days_mean", "ltc_admissions", "deaths",
    "rr_utilisation_pct", "discharge_utilisation_pct", "reablement_utilisation_pct",
    "home_care_utilisation_pct", "community_beds_utilisation_pct", "cost_total_gbp",
)


def main(argv: list[str] | None = None) -> int:
    """Run a ``dorothy`` command; its exit code. Output into a pipe closed early (``dorothy kpis |
    head``) ends quietly, as for any command-line tool, not with a traceback."""
    global _ARGV
    _ARGV = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except BrokenPipeError:
        import os

        with contextlib.suppress(OSError, ValueError):  # later writes (the exit's flush) go nowhere
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "app":
            from dorothy_sim.app import serve

            return serve(args.port, args.host, args.results, args.workers)
        if args.command == "scenarios":
            for name in embedded_scenarios():
                scenario = load_scenario(name)
                print(f"{name:14s} {scenario.description}")
            return 0
        if args.command == "show":
            scenario = load_scenario(args.scenario, args.overrides)
            print(json.dumps(scenario.to_dict(), indent=2, default=str))
            return 0
        if args.command == "validate":
            return _validate(args)
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "psa":
            return _psa(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "report":
            return _report(args)
        if args.command == "warmup":
            return _warmup(args)
        if args.command == "kpis":
            for kpi in KPIS:
                print(f"{kpi.name:34s} {kpi.unit:18s} {kpi.meaning}")
            print("\nComparison KPIs (sweeps and comparisons only, paired with the baseline):")
            for kpi in COMPARISON_KPIS:
                print(f"{kpi.name:34s} {kpi.unit:18s} {kpi.meaning}")
            return 0
    except RunsStopped as exc:
        print(f"\ndorothy: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # warmup, validate, report: nothing to resume, and no file half-written
        print(f"\ndorothy: 'dorothy {args.command}' interrupted (files are written whole or not at all)",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except UserError as exc:
        print(f"dorothy: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    return EXIT_USER_ERROR


def _sweep(args: argparse.Namespace) -> int:
    from dorothy_sim.names import folder_name
    from dorothy_sim.output import write_table
    from dorothy_sim.spec import load_spec, plan

    spec, path = load_spec(args.spec)
    out = args.out if args.out is not None else Path("results") / folder_name(spec.name)
    started = time.perf_counter()
    results = sweep(plan(spec, path), out=out, workers=args.workers, dask=args.dask, force=args.force,
                    progress=not args.quiet, time_limit_seconds=args.time_limit, command=_argv_text())
    elapsed = time.perf_counter() - started
    for stem, table in results.tables().items():
        write_table(table, out / "tables", stem)
    runs = int(results.configurations["replications"].sum())
    if not args.quiet:
        print(format_headline(results))
    print(f"\n{len(results.configurations)} configuration(s), {runs} run(s) in {elapsed:.1f} s, the model "
          f"{CORE}; tables in "
          f"{out / 'tables'}/. For the workbook, figures and HTML page: dorothy report {out}")
    if results.loaded:
        print(f"(resumed: {results.loaded} of the {runs} run(s) were loaded from {out / 'runs'}/, finished "
              f"by an earlier 'dorothy sweep' of the same spec and code; {runs - results.loaded} run now)")
    labels = results.configurations.set_index("configuration")["label"]
    _warn_unstable(unstable_queues(results.queues, by=["configuration"]),
                   lambda row: f"configuration {row.configuration} ({labels[row.configuration]}): ")
    return 0


def _psa(args: argparse.Namespace) -> int:
    from dorothy_sim.names import folder_name
    from dorothy_sim.psa import load_psa_spec, plan_psa, run_psa
    from dorothy_sim.psa_report import summary_text, write_psa

    spec = load_psa_spec(args.spec)
    the_plan = plan_psa(spec)  # a bad spec or scenario fails here, before any folder is made
    out = args.out if args.out is not None else Path("results") / folder_name(spec.name)
    check_folder(out)
    started = time.perf_counter()
    results = run_psa(the_plan.spec, out=out, workers=args.workers, dask=args.dask, force=args.force,
                      progress=not args.quiet, time_limit_seconds=args.time_limit)
    elapsed = time.perf_counter() - started
    write_psa(results, out, command=_argv_text())
    print(summary_text(results))
    runs = 2 * len(results.draws) * spec.replications
    print(f"\n{len(results.draws)} parameter set(s) x 2 arms x {spec.replications} replication(s) = "
          f"{runs} run(s) in {elapsed:.1f} s, the model {CORE}; tables, psa.xlsx, figures/ and report.html "
          f"in {out}/")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from dorothy_sim.compare import compare_runs

    for folder in (args.base, *args.whatifs):
        if not folder.is_dir():
            raise UserError(f"'{folder}' is not a folder; give the --out folders of 'dorothy run's")
    comparison = compare_runs(args.base, args.whatifs, args.labels or None)
    out = args.out if args.out is not None else default_comparison_folder(args.base, args.whatifs)
    return _write_comparison(comparison, out, _argv_text(), report=not args.no_report)


def default_comparison_folder(base: Path, whatifs: list[Path]) -> Path:
    from dorothy_sim.names import folder_name

    return Path("results") / "compare" / folder_name(
        f"{base.resolve().name}-vs-{'-'.join(w.resolve().name for w in whatifs)}")


def _write_comparison(comparison: Any, out: Path, command: str, report: bool = True) -> int:
    """Print the comparison and its warnings, write its tables (and its report) into ``out``."""
    from dorothy_sim.compare import format_comparison
    from dorothy_sim.output import write_table

    check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    marker = {"base": str(comparison.baseline.folder),
              "whatifs": [str(run.folder) for run in comparison.whatifs],
              "labels": [run.label for run in comparison.runs]}
    if all(run.folder is not None for run in comparison.runs):
        (out / COMPARISON_MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
    for warning in comparison.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(format_comparison(comparison))
    for stem, table in comparison.tables().items():
        write_table(table, out / "tables", stem)
    where = f"tables in {out / 'tables'}/"
    if report:
        from dorothy_sim.report import write_report

        write_report(comparison.results, out / "report", command=command)
        where += f", report in {out / 'report'}/"
    print(f"\n{where}")
    return 0


_ARGV: list[str] = []
"""The arguments of the command being run (``main``'s), for :func:`_argv_text`."""


def _argv_text() -> str:
    """The command as typed (for a report's provenance)."""
    import shlex

    return "dorothy " + " ".join(shlex.quote(arg) for arg in _ARGV)


COMPARISON_MARKER = "comparison.json"
"""What marks a 'dorothy compare' folder: the run folders compared and their labels, so 'dorothy
report' can remake its report."""


def _report(args: argparse.Namespace) -> int:
    from dorothy_sim.compare import compare_runs, run_results
    from dorothy_sim.names import folder_name
    from dorothy_sim.report import write_report
    from dorothy_sim.store import RUN_STORE_MANIFEST

    folder = args.folder
    kpis = [k.strip() for item in args.kpis for k in item.split(",") if k.strip()] or None
    if not folder.is_dir():
        raise UserError(f"'{folder}' is not a folder; give the --out folder of a 'dorothy run', "
                        "'dorothy compare' or 'dorothy sweep'")
    if (folder / RUN_STORE_MANIFEST).is_file():
        results = run_results(folder)
    elif (folder / COMPARISON_MARKER).is_file():
        marker = json.loads((folder / COMPARISON_MARKER).read_text(encoding="utf-8"))
        results = compare_runs(marker["base"], marker["whatifs"], marker.get("labels")).results
    elif (folder / "manifest.json").is_file():
        if psa_manifest(folder) is not None:
            return _report_psa(folder, args.out)
        results = load_results(folder)
    else:
        raise UserError(f"'{folder}' is not a dorothy result folder: it has no store.json (a run), "
                        f"{COMPARISON_MARKER} (a comparison) or manifest.json (a sweep or a PSA)")
    out = args.out if args.out is not None else folder / "report"
    check_folder(out)
    if args.docx:
        try:
            from dorothy_sim.report.docx import write_docx
        except ImportError:
            raise UserError("--docx needs python-docx: pip install 'dorothy_sim[app]'") from None
    files = write_report(results, out, command=_argv_text(), kpis=kpis)
    if args.docx:
        files.append(write_docx(results, out / f"{folder_name(results.name)}.docx", command=_argv_text()))
    if not results.complete:
        print(f"note: the sweep in {args.folder} is not finished; this report covers the runs done so far "
              "(re-run the same 'dorothy sweep' command to finish it)")
    print(f"report for '{results.name}' written to {out}/: " + ", ".join(sorted(p.name for p in files)))
    return 0


def _report_psa(folder: Path, out: Path | None) -> int:
    """The report of a finished PSA folder, from its stored runs (none is run again)."""
    from dorothy_sim.psa import run_psa
    from dorothy_sim.psa_report import write_psa

    manifest = psa_manifest(folder)
    if not manifest.get("complete"):
        raise UserError(f"the PSA in '{folder}' is not finished; re-run its 'dorothy psa' command to finish "
                        "it (finished runs are loaded, not run again), which writes the report")
    results = run_psa(manifest["spec"], out=folder)
    target = out if out is not None else folder
    check_folder(target)
    files = write_psa(results, target, command=_argv_text())
    print(f"report for the PSA '{manifest['spec']['name']}' written to {target}/: "
          + ", ".join(sorted(Path(p).name for p in files)))
    return 0


def _warmup(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    if args.compare_days is not None:  # (before any run: a bad option must not cost the MSER runs)
        check_comparison(scenario, args.compare_days, args.compare_reps)
    check = check_warmup(scenario, reps=args.reps, seed=args.seed, window_days=args.window_days,
                         workers=args.workers)
    print(check.describe())
    if args.compare_days is not None:
        comparison = compare_warmups(scenario, args.compare_days, reps=args.compare_reps, seed=args.seed,
                                     workers=args.workers)
        print(comparison.describe())
    return 0


def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    out = args.out if args.out is not None else default_run_folder(scenario, args.scenario, args.overrides)
    check_folder(out)
    refuse_another_run(out, scenario, args.seed, args.force)
    started = time.perf_counter()
    try:
        results = run_replications(scenario, reps=args.reps, seed=args.seed, workers=args.workers,
                                   progress=not args.quiet, out=out, dask=args.dask,
                                   time_limit_seconds=args.time_limit)
    except RunsStopped as stopped:
        if stopped.results is None:
            raise
        # The tables of what finished, marked incomplete in their manifest.
        write_results(stopped.results, scenario, out, command=_command_line(args), seed=args.seed,
                      elapsed_seconds=time.perf_counter() - started)
        raise type(stopped)(f"{stopped}. Tables of those {len(stopped.results.ledgers)} are written to "
                            f"{out}/ (manifest.json says complete: false)") from None
    elapsed = time.perf_counter() - started
    files = write_results(results, scenario, out, command=_command_line(args), seed=args.seed,
                          elapsed_seconds=elapsed)
    print(format_summary(results, scenario, args.all_kpis, overrides=args.overrides, out=out))
    print(f"\n{args.reps} replication(s) in {elapsed:.1f} s, the model {CORE}; tables written to {out}/: "
          + ", ".join(sorted(p.name for p in files)))
    if results.loaded:
        print(f"({results.loaded} of them loaded from {out / 'runs'}/, made by this command before with the "
              "same scenario, seed and code; delete that folder, or give another --out, to run them again)")
    _warn_unstable(results.unstable(), lambda row: "")
    if args.event_log is not None:
        from dorothy_sim.eventlog import record_events, write_events

        events, _ = record_events(scenario, args.seed, args.event_log)
        path = write_events(events, out / "events.parquet")
        print(f"event log of {args.event_log} sampled people (seed {args.seed}): {len(events):,} events in "
              f"{path}")
    if args.compare_to is not None:
        from dorothy_sim.compare import compare_runs

        print()
        comparison = compare_runs(args.compare_to, [out])
        _write_comparison(comparison, default_comparison_folder(args.compare_to, [out]), _argv_text())
    return 0


def default_run_folder(scenario: Scenario, given: str, overrides: list[str]) -> Path:
    """``results/<name>`` for an embedded scenario, or a TOML that names itself, run as it is;
    otherwise (overrides, or a TOML without its own ``name``, which inherits its parent's) the name
    and a short hash of the resolved scenario, so a what-if never lands in its baseline's folder.
    The name is made safe as a folder name (:func:`~dorothy_sim.names.folder_name`)."""
    from dorothy_sim.experiment import scenario_hash
    from dorothy_sim.names import folder_name

    named_itself = given in embedded_scenarios() and not Path(given).is_file()
    if not named_itself and Path(given).is_file():
        import tomllib

        try:
            named_itself = "name" in tomllib.loads(Path(given).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):  # (the loader has already read it)
            named_itself = False
    stem = folder_name(scenario.name)
    if overrides or not named_itself:
        stem = folder_name(f"{stem}-{scenario_hash(scenario)[:8]}")
    return Path("results") / stem


def refuse_another_run(out: Path, scenario: Scenario, seed: int, force: bool) -> None:
    """Refuse, unless ``force``, to write a run into a folder holding another scenario's (or another
    first seed's) replications: that would replace them without a word."""
    from dorothy_sim.experiment import scenario_hash
    from dorothy_sim.store import RUN_STORE_MANIFEST, folder_in_use

    path = out / RUN_STORE_MANIFEST
    if force or not path.is_file() or folder_in_use(out):
        return  # (a folder in use: the store refuses it, naming the process that holds it)
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return  # unreadable: nothing it could be compared with (the store remakes it)
    if not isinstance(held, dict):
        return
    this = scenario_hash(scenario)
    if held.get("scenario_hash") == this and held.get("first_seed") == seed:
        return
    what = ("a different scenario" if held.get("scenario_hash") != this
            else f"the same scenario from first seed {held.get('first_seed')}")
    named = held.get("label") or held.get("scenario")
    raise UserError(
        f"--out '{out}' holds the replications of {what} (scenario '{named}'"
        f", hash {held.get('scenario_hash', 'unknown')}, first seed {held.get('first_seed')}; this run: "
        f"'{scenario.display_name}', hash {this}, first seed {seed}). Give another --out folder, or --force "
        "to replace them")


def _warn_unstable(unstable: pd.DataFrame, prefix: Callable[[Any], str]) -> None:
    """Say, per station, where demand exceeded capacity: such a queue grows for as long as the run
    lasts, so its waits and the KPIs that depend on them measure the run length, not a steady state."""
    if unstable.empty:
        return
    print("\nwarning: queues still growing at the end of the run (demand above capacity; their waits "
          "measure the run length, not a steady state):", file=sys.stderr)
    for row in unstable.itertuples(index=False):
        print(f"  {prefix(row)}{row.area} {row.queue}: rising in {row.rising_in} of {row.replications} "
              f"replication(s), {row.queue_end_mean:,.0f} waiting at the end on average", file=sys.stderr)
    print("  (see the queues table; flag: still_rising)", file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    """Exit 0 once the runs finish and the report is written, whatever passes or fails (a fail is a
    finding); user errors and interruptions exit as for every command."""
    scenario = load_scenario("kent_medway")
    if args.out.exists() and args.out.is_dir():
        raise ScenarioError(f"--out '{args.out}' is a folder; give a file name such as docs/validation.md")
    runs = run_validation(scenario, reps=args.reps, seed=args.seed, workers=args.workers,
                          progress=not args.quiet)
    table = evaluate(runs)
    warmup = warmup_check(scenario, seed=args.seed)
    command = f"dorothy validate --reps {args.reps} --seed {args.seed}"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_markdown(table, scenario, args.reps, args.seed, command, warmup=warmup),
                        encoding="utf-8")
    width = max(len(t) for t in table["target"])
    for role, title, _ in SECTIONS:
        print(f"\n{title}")
        for row in table[table["role"] == role].itertuples():
            value = "n/a" if row.status == NOT_MODELLED else f"{row.model_mean:.2f}"
            print(f"  {row.target:{width}s}  {value:>12s}  target {row.target_value:28s} {row.status}")
    print()
    for role, _, _ in SECTIONS:
        print(summary(table, role))
    print(f"report written to {args.out}")
    return 0


def _command_line(args: argparse.Namespace) -> str:
    parts = ["dorothy", "run", "--scenario", str(args.scenario), "--reps", str(args.reps),
             "--seed", str(args.seed)]
    if getattr(args, "event_log", None) is not None:
        parts += ["--event-log", str(args.event_log)]
    for item in args.overrides:
        parts += ["--set", item]
    if args.out is not None:
        parts += ["--out", str(args.out)]
    return " ".join(parts)


def format_summary(results: Results, scenario: Scenario, all_kpis: bool = False,
                   overrides: list[str] | None = None, out: Path | None = None) -> str:
    """A readable table of the whole area's KPIs: mean and 95% confidence interval, under a header
    naming the scenario (its label), the overrides applied and the folder written."""
    summary = results.summary[results.summary["area"] == "all"].set_index("kpi")
    names = [k.name for k in KPIS] if all_kpis else list(HEADLINE_KPIS)
    n = int(summary["n"].max()) if len(summary) else 0
    named = (f"'{scenario.label}' (scenario '{scenario.name}')" if scenario.label
             else f"Scenario '{scenario.name}'")
    lines = [f"{named}: {scenario.description}",
             f"Overrides: {' '.join('--set ' + item for item in overrides)}" if overrides
             else "Overrides: none",
             *([f"Folder: {out}"] if out is not None else []),
             f"Whole area, results period {scenario.run.results_days:g} days after "
             f"{scenario.run.warmup_days:g} days warm-up; mean and 95% CI over {n} replication(s)",
             "",
             f"{'KPI':34s} {'unit':>16s} {'mean':>14s}   {'95% CI':>29s}"]
    for name in names:
        if name not in summary.index:
            continue
        row = summary.loc[name]
        ci = (f"[{format_console(row['ci_low'])}, {format_console(row['ci_high'])}]"
              if not pd.isna(row["ci_low"]) else "(needs 2+ replications)")
        mean = format_console(row["mean"])
        lines.append(f"{name:34s} {KPI_BY_NAME[name].unit:>16s} {mean:>14s}   {ci:>29s}")
    lines += format_areas(results.summary, scenario)
    if 0 < n < MIN_STABLE_REPLICATIONS:
        lines += ["", f"note: {n} replication(s) are too few for a stable interval (a t interval from fewer "
                      f"than {MIN_STABLE_REPLICATIONS} moves a lot with one more run); use --reps 10 or more "
                      "before quoting one. Intervals are kept within what each KPI can be (>= 0; <= 100 "
                      "for a share)."]
    return "\n".join(lines)


AREA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("admissions", "admissions"), ("admissions_per_1000", "per 1000/yr"), ("acute_bed_days", "bed days"),
    ("acute_occupancy_mean_pct", "occupancy %"), ("bed_wait_hours_mean", "bed wait h"),
    ("days_at_home_per_person", "days at home"), ("cost_total_gbp", "cost GBP"))
"""The columns of the console's breakdown by ICP and acute trust."""


def format_areas(summary: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Lines of a table by ICP (named, with its acute trust) of the main KPIs' means; none for a
    scenario of one ICP (the whole-area table says it all)."""
    if len(scenario.icps) < 2:
        return []
    from dorothy_sim.areas import TRUSTS

    means = summary.set_index(["area", "kpi"])["mean"]
    names = {code: f"{icp.label or code} ({icp.acute_trust})" for code, icp in scenario.icps.items()}
    width = max(len(name) for name in names.values()) + 2
    lines = ["", "By ICP (acute trust): means over the replications; the intervals are in summary.csv",
             f"{'ICP (acute trust)':{width}s}" + "".join(f"{title:>14s}" for _, title in AREA_COLUMNS)]
    for code in [*scenario.icps, "all"]:
        name = names.get(code, "Whole area")
        cells = [format_console(means.get((code, kpi), float("nan"))) for kpi, _ in AREA_COLUMNS]
        lines.append(f"{name:{width}s}" + "".join(f"{cell:>14s}" for cell in cells))
    trusts = sorted({icp.acute_trust for icp in scenario.icps.values() if icp.acute_trust in TRUSTS})
    if trusts:
        lines.append("Trusts: " + "; ".join(f"{code} {TRUSTS[code]}" for code in trusts))
    return lines


HEADLINE_COLUMNS: tuple[tuple[str, str], ...] = (
    (RANKING_KPI, "avoided (exposure-adj.)"), ("days_at_home_gained", "days at home gained"),
    (RAW_AVOIDED_KPI, "avoided (raw, not adj.)"), ("bed_days_saved", "bed days saved"),
    ("beds_released_at_92pct", "beds at 92%"), ("net_saving_gbp", "net saving GBP"))
"""The ``dorothy sweep`` printout's columns: the ranking measure first, the raw count labelled."""


def format_headline(results: SweepResults) -> str:
    """The whole area's comparison KPIs for each configuration: mean and 95% CI, paired, avoided
    admissions exposure-adjusted first; flags name gridlocked configurations and rising queues."""
    table = results.headline()
    width = max(12, *(len(label) for label in results.configurations["label"]))
    lines = [f"Sweep '{results.title}': paired differences from the baseline (configuration 0), whole area, "
             "mean [95% CI over replications, simulation noise only]; avoided admissions exposure-adjusted "
             "rank the configurations (the raw count also counts people kept in hospital)", "",
             f"{'configuration':{width}s} " + " ".join(f"{title:>30s}" for _, title in HEADLINE_COLUMNS)
             + "  flags"]
    labels = results.configurations.set_index("configuration")["label"]
    for row in table.itertuples(index=False):
        record = row._asdict()
        cells = [f"{format_console(record[k])} [{format_console(record[k + '_ci_low'])}, "
                 f"{format_console(record[k + '_ci_high'])}]" for k, _ in HEADLINE_COLUMNS]
        flags = flags_text(record["gridlocked"], record["unstable_queues"])
        lines.append((f"{labels[record['configuration']]:{width}s} " + " ".join(f"{c:>30s}" for c in cells)
                      + f"  {flags}").rstrip())
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
