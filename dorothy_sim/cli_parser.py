"""The ``dorothy`` command line's options: the parser alone, with every sub-command's description and
an example.

Why a module of its own that imports nothing of the package: ``dorothy --help`` (and any
``dorothy <command> --help``) should answer at once, and the package loads numpy, pandas, scipy and
the model (over a second). The console script (dorothy_cli.py) loads this file by its path for a help
request, so the package is not imported at all; the version is read from ``_version.py`` the same
way. :mod:`dorothy_sim.cli` builds the same parser from here for every other use.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

EXIT_USER_ERROR = 2
"""dorothy_sim.errors.EXIT_USER_ERROR, written out (a test checks they agree)."""
_VERSION = re.search(r'__version__ = "([^"]+)"', Path(__file__).with_name("_version.py").read_text(
    encoding="utf-8"))
__version__ = _VERSION.group(1) if _VERSION else "unknown"
DESCRIPTION = ("The dorothy command line: run scenarios and sweeps, compare runs, check the warm-up, and "
               "write reports.")


def default_workers() -> int:
    """dorothy_sim.executors.default_workers, written out: one worker a core, at most eight."""
    return max(1, min(os.cpu_count() or 1, 8))


def _example(*lines: str) -> dict[str, object]:
    """A sub-parser's epilog of examples, printed as written."""
    return {"epilog": "example:\n" + "\n".join(f"  {line}" for line in lines),
            "formatter_class": argparse.RawDescriptionHelpFormatter}


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
    parser = _Parser(prog="dorothy", description=DESCRIPTION,
                     **_example("dorothy run --scenario small --reps 10",
                                "dorothy compare results/small results/small-1a2b3c4d",
                                "dorothy <command> --help   (what it does, its options, an example)"))
    parser.add_argument("--version", action="version", version=f"dorothy_sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser(
        "run", help="run replications of a scenario and summarise the KPIs",
        description="Run replications of a scenario (embedded, or a TOML file, with --set overrides) and "
                    "print the whole area's KPIs with 95% confidence intervals and a breakdown by ICP and "
                    "acute trust; the tables go to --out. Replication r uses seed --seed + r, so two runs "
                    "with the same --seed and --reps pair up for 'dorothy compare'.",
        **_example("dorothy run --scenario small --reps 10",
                   "dorothy run --scenario small --reps 10 --set reablement.places=20 "
                   "--compare-to results/small"))
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
                     help="folder for the result tables (default: results/<scenario name>, with a short "
                          "hash of the scenario for --set overrides or a TOML without its own name); "
                          "finished replications are kept in its runs/ folder, so re-running resumes")
    run.add_argument("--compare-to", type=Path, default=None, metavar="BASE_DIR",
                     help="after the run, compare it with this baseline run folder (as 'dorothy compare "
                          "BASE_DIR <this run's folder>'); run both with the same --seed and --reps")
    run.add_argument("--force", action="store_true",
                     help="replace the replications of a different scenario or seed held in --out")
    _add_stop_options(run, "run")
    run.add_argument("--all-kpis", action="store_true", help="print every KPI, not the headline set")
    run.add_argument("--event-log", type=_positive_int("--event-log"), default=None, metavar="N",
                     help="also record every change of state of N sampled people in the first replication "
                          "to OUT/events.parquet (one more run of it, in this process; off by default)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    sweep_cmd = commands.add_parser(
        "sweep", help="run a capacity sweep from a spec file, each configuration paired with the baseline",
        description="Run every configuration of a sweep spec (see docs/experiments.md) with the baseline's "
                    "seeds and print each one's paired differences from the baseline. Finished runs are "
                    "stored in --out, so the same command resumes a stopped sweep.",
        **_example("dorothy sweep experiments/rr_x_reablement.toml --time-limit 30m",
                   "dorothy report results/rr_x_reablement"))
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

    psa_cmd = commands.add_parser(
        "psa", help="probabilistic sensitivity analysis from a spec file: an option against its comparator "
                    "over parameter sets drawn from the scenario's [uncertainty] table",
        description="Draw parameter sets from the scenario's [uncertainty] table (Latin hypercube or Sobol), "
                    "run the option and its comparator at each with the same seeds, and write the "
                    "outcomes over parameter sets, the probability of a net saving (by funder), the "
                    "acceptability curves, the sensitivity ranking, EVPI and EVPPI (see docs/psa.md). "
                    "Finished runs are stored in --out, so the same command resumes.",
        **_example("dorothy psa experiments/specs/psa_small.toml --out results/psa_small_demo"))
    psa_cmd.add_argument("spec", type=Path, metavar="SPEC.toml", help="the PSA spec (see docs/psa.md)")
    psa_cmd.add_argument("--workers", type=_positive_int("--workers"), default=None,
                         help=f"local worker processes (default: cores, here {default_workers()})")
    psa_cmd.add_argument("--dask", default=None, metavar="ADDRESS", help="a Dask distributed scheduler")
    psa_cmd.add_argument("--out", type=Path, default=None,
                         help="result folder (default: results/<spec name>); re-running resumes there")
    psa_cmd.add_argument("--force", action="store_true",
                         help="discard other results in --out and start again")
    _add_stop_options(psa_cmd, "analysis")
    psa_cmd.add_argument("--quiet", action="store_true", help="no progress bar")

    compare_cmd = commands.add_parser(
        "compare", help="paired differences of what-if runs from a baseline run, with a report",
        description="Compare what-if 'dorothy run' folders with a baseline run folder: every comparison "
                    "KPI (avoided admissions, exposure-adjusted and raw, days at home gained, bed days "
                    "saved, beds released, cost change and net saving) as a paired difference by seed "
                    "with its 95%% CI, oriented so that positive is better (avoided = baseline - what-if). "
                    "Runs must share seeds (run them with the same --seed and --reps).",
        epilog="example:\n  dorothy run --scenario small --reps 10\n"
               "  dorothy run --scenario small --reps 10 --set reablement.places=20\n"
               "  dorothy compare results/small results/small-1a2b3c4d",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    compare_cmd.add_argument("base", type=Path, metavar="BASE_DIR",
                             help="the baseline's 'dorothy run' folder")
    compare_cmd.add_argument("whatifs", type=Path, nargs="+", metavar="WHATIF_DIR",
                             help="one or more what-if 'dorothy run' folders")
    compare_cmd.add_argument("--label", dest="labels", action="append", default=[], metavar="TEXT",
                             help="a label for the baseline, then each what-if in turn (repeatable; "
                                  "default: each scenario's label or name)")
    compare_cmd.add_argument("--out", type=Path, default=None,
                             help="folder for the comparison's tables and report (default: "
                                  "results/compare/<baseline>-vs-<what-ifs>)")
    compare_cmd.add_argument("--no-report", action="store_true", help="tables only, no figures or HTML")

    report_cmd = commands.add_parser(
        "report", help="write tables, an Excel workbook, figures and an HTML page for a run, comparison or "
                       "sweep folder",
        description="Write the tidy tables, an Excel workbook, PNG and SVG figures and one self-contained "
                    "HTML page (printable on A4) for the --out folder of a 'dorothy run', 'dorothy compare' "
                    "or 'dorothy sweep'.",
        epilog="examples:\n  dorothy report results/small\n  dorothy report results/rr_x_reablement "
               "--kpi bed_days_saved --kpi net_saving_gbp\n"
               "  dorothy report results/compare/small-vs-small-1a2b3c4d",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    report_cmd.add_argument("folder", type=Path, metavar="DIR",
                            help="the --out folder of a 'dorothy run', 'dorothy compare' or 'dorothy sweep'")
    report_cmd.add_argument("--out", type=Path, default=None, help="where to write (default: DIR/report)")
    report_cmd.add_argument("--docx", action="store_true",
                            help="also write the report as a Word document, <name>.docx")
    report_cmd.add_argument("--kpi", dest="kpis", action="append", default=[], metavar="NAME[,NAME]",
                            help="the measure(s) the figures show (repeatable or comma-separated; default: "
                                 "avoided admissions with bed days saved and net saving beside them; "
                                 "see 'dorothy kpis')")

    warmup_cmd = commands.add_parser(
        "warmup", help="recommend a warm-up: MSER-5 on daily acute occupancy of empty-start runs",
        description="Run empty-start replications and recommend a warm-up by MSER-5 on daily acute "
                    "occupancy; with --compare-days, also compare every KPI after the scenario's warm-up "
                    "with the KPIs after a longer one. Says when the verdict needs more replications.",
        **_example("dorothy warmup --scenario small --reps 6", "dorothy warmup --compare-days 365"))
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

    app = commands.add_parser(
        "app", help="start the what-if page in the browser (Streamlit; docs/app.md)",
        description="Serve the what-if page: set capacities, run the baseline and the what-if with the same "
                    "seeds, compare them with paired CIs, watch a run, explore result folders. Listens on "
                    "127.0.0.1 (this machine only) unless --host says otherwise; no authentication.",
        **_example("dorothy app", "dorothy app --port 8600 --results results"))
    app.add_argument("--port", type=_positive_int("--port"), default=8501, help="port (default 8501)")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this machine only; see docs/app.md)")
    app.add_argument("--results", type=Path, default=Path("results"), metavar="DIR",
                     help="the folder whose run and sweep folders the page can open (default results)")
    app.add_argument("--workers", type=_positive_int("--workers"), default=None,
                     help="local worker processes for the page's runs (default: cores)")

    commands.add_parser("scenarios", help="list the embedded scenarios",
                        description="List the embedded scenarios (names for --scenario) and what each is.",
                        **_example("dorothy scenarios"))

    show = commands.add_parser(
        "show", help="print a scenario's resolved parameters as JSON",
        description="Print every parameter of a scenario, after extends and --set overrides, as JSON.",
        **_example("dorothy show --scenario small --set reablement.places=20"))
    _add_scenario_options(show)

    commands.add_parser("kpis", help="list the KPI names, units and meanings",
                        description="List every KPI (its name in the tables, unit and meaning), then the "
                                    "comparison KPIs of sweeps and comparisons.",
                        **_example("dorothy kpis | grep bed"))

    validate = commands.add_parser(
        "validate", help="run the default baseline against the source figures; write docs/validation.md",
        **_example("dorothy validate --reps 5"),
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
