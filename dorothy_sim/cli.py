"""The ``dorothy`` command line: run scenarios and sweeps, check the warm-up, and write reports.

Every user error (bad scenario, bad override, bad option) ends with exit code 2 and one message
that names the file, the field, the value and what is allowed — never a traceback — and nothing is
written until the run has succeeded.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from dorothy_sim._version import __version__
from dorothy_sim.errors import EXIT_INTERRUPTED, EXIT_USER_ERROR, RunsStopped, ScenarioError, UserError
from dorothy_sim.executors import default_workers
from dorothy_sim.experiment import Results, run_replications
from dorothy_sim.formatting import format_console
from dorothy_sim.kpis import COMPARISON_KPIS, KPI_BY_NAME, KPIS, RANKING_KPI, RAW_AVOIDED_KPI
from dorothy_sim.model import CORE
from dorothy_sim.output import check_folder, write_results
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


class _Parser(argparse.ArgumentParser):
    """argparse, but errors name the option and exit 2 without the usage block's noise."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR,
                  f"dorothy: error: {message}\n(see 'dorothy {self.prog.split()[-1]} --help')\n"
                  if " " in self.prog else f"dorothy: error: {message}\n")


def _positive_int(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1, got {value}")
        return value
    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be a whole number >= 0, got {value}")
    return value


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|m|min|h|hr|hours?|minutes?|seconds?)?\s*$",
                       re.IGNORECASE)
_SECONDS_PER = {"s": 1.0, "m": 60.0, "h": 3600.0}


def _duration(text: str) -> float:
    """``--time-limit``: seconds, or a number with a unit: ``90``, ``90s``, ``30m``, ``1.5h``."""
    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(
            f"--time-limit must be a positive duration such as 90s, 30m or 1.5h (plain numbers are "
            f"seconds), got {text!r}")
    unit = (match.group(2) or "s")[0].lower()
    return float(match.group(1)) * _SECONDS_PER[unit]


def _add_stop_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--time-limit", type=_duration, default=None, metavar="DURATION",
                        help=f"stop the {what} cleanly after this much wall-clock time (e.g. 90s, 30m, "
                             "1.5h), keeping every finished run; the same command resumes")


def _add_scenario_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", default="kent_medway", metavar="FILE|NAME",
                        help="embedded scenario name or path to a TOML file (default: kent_medway)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="PATH=VALUE",
                        help="override a field by dotted path, e.g. rapid_response.clinicians=12 "
                             "(repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dorothy", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dorothy_sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run replications of a scenario and summarise the KPIs")
    _add_scenario_options(run)
    run.add_argument("--reps", type=_positive_int("--reps"), default=5,
                     help="number of replications (default 5)")
    run.add_argument("--seed", type=_seed, default=1,
                     help="seed of the first replication; replication i uses seed+i (default 1)")
    run.add_argument("--workers", type=_positive_int("--workers"), default=None,
                     help=f"worker processes (default: cores, here {default_workers()})")
    run.add_argument("--dask", default=None, metavar="ADDRESS",
                     help="run on an existing Dask distributed scheduler (needs the [distributed] extra)")
    run.add_argument("--out", type=Path, default=None,
                     help="folder for the result tables (default: results/<scenario name>); finished "
                          "replications are kept in its runs/ folder, so re-running resumes")
    _add_stop_options(run, "run")
    run.add_argument("--all-kpis", action="store_true", help="print every KPI, not the headline set")
    run.add_argument("--event-log", type=_positive_int("--event-log"), default=None, metavar="N",
                     help="also record every change of state of N sampled people in the first replication "
                          "to OUT/events.parquet (one more run of it, in this process; off by default)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    sweep_cmd = commands.add_parser(
        "sweep", help="run a capacity sweep from a spec file, each configuration paired with the baseline")
    sweep_cmd.add_argument("spec", type=Path, metavar="SPEC.toml",
                           help="the sweep spec (see docs/experiments.md)")
    sweep_cmd.add_argument("--workers", type=_positive_int("--workers"), default=None,
                       help=f"local worker processes (default: cores, here {default_workers()})")
    sweep_cmd.add_argument("--dask", default=None, metavar="ADDRESS",
                       help="run on an existing Dask distributed scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(needs the [distributed] extra)")
    sweep_cmd.add_argument("--out", type=Path, default=None,
                       help="result folder (default: results/<spec name>); re-running resumes there")
    sweep_cmd.add_argument("--force", action="store_true",
                       help="discard results of a different spec, version or edited source of dorothy_sim "
                            "in --out and start again")
    _add_stop_options(sweep_cmd, "sweep")
    sweep_cmd.add_argument("--quiet", action="store_true", help="no progress bar and no table")

    report_cmd = commands.add_parser(
        "report", help="write tables, an Excel workbook, figures and an HTML page for a sweep folder")
    report_cmd.add_argument("folder", type=Path, metavar="DIR", help="the --out folder of a 'dorothy sweep'")
    report_cmd.add_argument("--out", type=Path, default=None, help="where to write (default: DIR/report)")
    report_cmd.add_argument("--docx", action="store_true",
                            help="also write the report as a Word document, <name>.docx")

    warmup_cmd = commands.add_parser(
        "warmup", help="recommend a warm-up: MSER-5 on daily acute occupancy of empty-start runs")
    _add_scenario_options(warmup_cmd)
    warmup_cmd.add_argument("--reps", type=_positive_int("--reps"), default=3,
                        help="empty-start replications (default 3)")
    warmup_cmd.add_argument("--seed", type=_seed, default=1, help="first seed (default 1)")
    warmup_cmd.add_argument("--window-days", type=_positive_int("--window-days"), default=200,
                        help="days from the start that MSER-5 looks at (default 200)")
    warmup_cmd.add_argument("--workers", type=_positive_int("--workers"), default=None,
                        help="worker processes (default: cores)")
    warmup_cmd.add_argument("--compare-days", type=_positive_int("--compare-days"), default=None,
                            metavar="DAYS",
                            help="also compare every KPI after the scenario's warm-up with the KPIs after "
                                 "this longer one (e.g. 365): MSER-5 on occupancy misses slow stocks")
    warmup_cmd.add_argument("--compare-reps", type=_positive_int("--compare-reps"), default=10,
                            help="replications at each warm-up for --compare-days (default 10)")

    app = commands.add_parser("app", help="start the what-if page in the browser (Streamlit; docs/app.md)")
    app.add_argument("--port", type=_positive_int("--port"), default=8501, help="port (default 8501)")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this machine only; see docs/app.md)")
    app.add_argument("--results", type=Path, default=Path("results"), metavar="DIR",
                     help="the folder whose run and sweep folders the page can open (default results)")
    app.add_argument("--workers", type=_positive_int("--workers"), default=None,
                     help="local worker processes for the page's runs (default: cores)")

    commands.add_parser("scenarios", help="list the embedded scenarios")

    show = commands.add_parser("show", help="print a scenario's resolved parameters as JSON")
    _add_scenario_options(show)

    commands.add_parser("kpis", help="list the KPI names, units and meanings")

    validate = commands.add_parser(
        "validate", help="run the default baseline against the source figures; write docs/validation.md",
        description="Run the default baseline against its calibration, independent validation and input "
                    "targets and write the report. Exits 0 whenever the runs finish, however many "
                    "targets fail: a fail is a finding, written to the report, not an error.")
    validate.add_argument("--reps", type=_positive_int("--reps"), default=5,
                          help="replications of each run (default 5)")
    validate.add_argument("--seed", type=_seed, default=1, help="first seed (default 1)")
    validate.add_argument("--workers", type=_positive_int("--workers"), default=None,
                          help="worker processes (default: cores)")
    validate.add_argument("--out", type=Path, default=Path("docs/validation.md"),
                          help="report to write (default docs/validation.md)")
    validate.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
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
    from dorothy_sim.output import write_table
    from dorothy_sim.spec import load_spec, plan

    spec, path = load_spec(args.spec)
    out = args.out if args.out is not None else Path("results") / spec.name
    started = time.perf_counter()
    results = sweep(plan(spec, path), out=out, workers=args.workers, dask=args.dask, force=args.force,
                    progress=not args.quiet, time_limit_seconds=args.time_limit)
    elapsed = time.perf_counter() - started
    for stem, table in results.tables().items():
        write_table(table, out / "tables", stem)
    runs = int(results.configurations["replications"].sum())
    if not args.quiet:
        print(format_headline(results))
    print(f"\n{len(results.configurations)} configuration(s), {runs} run(s) in {elapsed:.1f} s, the model "
          f"{CORE}; tables in "
          f"{out / 'tables'}/. For the workbook, figures and HTML page: dorothy report {out}")
    labels = results.configurations.set_index("configuration")["label"]
    _warn_unstable(unstable_queues(results.queues, by=["configuration"]),
                   lambda row: f"configuration {row.configuration} ({labels[row.configuration]}): ")
    return 0


def _report(args: argparse.Namespace) -> int:
    from dorothy_sim.report import write_report

    results = load_results(args.folder)
    out = args.out if args.out is not None else args.folder / "report"
    check_folder(out)
    command = f"dorothy report {args.folder}" + (f" --out {args.out}" if args.out is not None else "")
    command += " --docx" if args.docx else ""
    if args.docx:
        try:
            from dorothy_sim.report.docx import write_docx
        except ImportError:
            raise UserError("--docx needs python-docx: pip install 'dorothy_sim[app]'") from None
    files = write_report(results, out, command=command)
    if args.docx:
        files.append(write_docx(results, out / f"{results.name}.docx", command=command))
    if not results.complete:
        print(f"note: the sweep in {args.folder} is not finished; this report covers the runs done so far "
              "(re-run the same 'dorothy sweep' command to finish it)")
    print(f"report for '{results.name}' written to {out}/: " + ", ".join(sorted(p.name for p in files)))
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
    out = args.out if args.out is not None else Path("results") / scenario.name
    check_folder(out)
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
    print(format_summary(results, scenario, args.all_kpis))
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
    return 0


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


def format_summary(results: Results, scenario: Scenario, all_kpis: bool = False) -> str:
    """A readable table of the whole area's KPIs: mean and 95% confidence interval."""
    summary = results.summary[results.summary["area"] == "all"].set_index("kpi")
    names = [k.name for k in KPIS] if all_kpis else list(HEADLINE_KPIS)
    n = int(summary["n"].max()) if len(summary) else 0
    lines = [f"Scenario '{scenario.name}': {scenario.description}",
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
    return "\n".join(lines)


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
    lines = [f"Sweep '{results.name}': paired differences from the baseline (configuration 0), whole area, "
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
