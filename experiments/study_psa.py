"""Study 6: probabilistic sensitivity analysis of a Local Care option against its comparator.

By default the option is the scenario as it is (every Local Care intervention at its default) and the
comparator is ``INTERVENTIONS_OFF`` (no Local Care). ``--option PATH=VALUE`` (repeatable) changes the
option and ``--comparator default`` makes the comparator the scenario as it is; ``--best-grid-point``
takes the option from study 1's best point per pound (results/rr_reablement_grid/grid_headline.csv:
the largest net saving among the grid points that are not gridlocked) against the default mix.
Every uncertain input of the scenario's ``[uncertainty]`` table
is drawn (Latin hypercube by default, or Saltelli's design for Sobol indices); each parameter set is
run for both arms with the same seeds (paired). The acceptance size is 64 parameter sets x 5
replications = 640 runs on ``kent_medway`` (about 3.5 s a run: some 40 minutes on one core): run it
on a machine of your own, not a shared one.

Run (from the repository root; resumable: every run is stored, a re-run loads the finished ones):

    .venv/bin/python experiments/study_psa.py [--samples 64] [--reps 5] [--sampler lhs|sobol]
                                              [--scenario kent_medway] [--workers 2] [--out DIR]
    .venv/bin/python experiments/study_psa.py --best-grid-point --samples 32 --reps 3 \
                                              --out results/psa_best_grid_point
    .venv/bin/python experiments/study_psa.py --option rapid_response.clinicians=24 --comparator default
    .venv/bin/python experiments/study_psa.py --smoke      # small scenario, 8 x 2, seconds

Writes to results/psa/ (or --out): the PSA's tables, psa.xlsx, figures/, report.html (the same as
``dorothy psa``) and README.md, which separates what is evidence from what is assumed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from evidence import section_rows
from readme import REPO_ROOT, announce, command_line, markdown_table, package_version, rel, write_readme

from dorothy_sim.errors import UserError
from dorothy_sim.model import CORE
from dorothy_sim.psa import PsaResults, run_psa
from dorothy_sim.psa_report import TOP, arm_text, summary_text, write_psa
from dorothy_sim.scenario.loading import parse_assignments

STUDY = "psa"
RESULTS = Path("results")
GRID_HEADLINE = REPO_ROOT / "results" / "rr_reablement_grid" / "grid_headline.csv"
COMPARATORS = ("interventions_off", "default")
"""``interventions_off``: no Local Care; ``default``: the scenario as it is (no overrides)."""


@dataclass(frozen=True)
class Arms:
    """What the PSA compares: the option's and the comparator's overrides of the scenario, and in words."""

    option: dict[str, Any]
    comparator: dict[str, Any] | str
    title: str
    what: str
    source: str = ""

    @property
    def paths(self) -> list[str]:
        fixed = dict(self.option)
        if isinstance(self.comparator, dict):
            fixed.update(self.comparator)
        return list(fixed)


def best_grid_point(path: Path) -> tuple[dict[str, Any], str]:
    """Study 1's best point per pound: the largest mean net saving among the grid points other than the
    baseline whose acute beds are not gridlocked (the rule of study_rr_reablement_grid.key_findings).
    Returns its factor values (the columns between ``configuration`` and ``replications``) and a line
    saying where it came from. A missing or malformed table is a :class:`UserError`."""
    if not path.is_file():
        raise UserError(f"--best-grid-point: no grid table at {path}; run "
                        "experiments/study_rr_reablement_grid.py first or give the table's path")
    try:
        table = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(f"--best-grid-point: {path} is not a readable CSV table "
                        f"({str(exc).strip()})") from exc
    needed = {"configuration", "replications", "gridlocked", "net_saving_gbp"}
    missing = sorted(needed - set(table.columns))
    columns = list(table.columns)
    if missing or columns.index("replications") < columns.index("configuration") + 2:
        raise UserError(f"--best-grid-point: {path} is not a grid headline table (columns "
                        f"{', '.join(missing) or 'of the factors between configuration and replications'} "
                        "missing)")
    factors = columns[columns.index("configuration") + 1:columns.index("replications")]
    gridlocked = table["gridlocked"].astype(str).str.lower().isin(("true", "1"))
    eligible = table[(table["configuration"] != 0) & ~gridlocked & table["net_saving_gbp"].notna()]
    if eligible.empty:
        raise UserError(f"--best-grid-point: {path} has no grid point besides the baseline whose beds are "
                        "not gridlocked")
    best = eligible.loc[eligible["net_saving_gbp"].idxmax()]
    point = {name: _plain(best[name]) for name in factors}
    return point, (f"configuration {int(best['configuration'])} of {rel(path)}, the largest net saving "
                   f"(£{best['net_saving_gbp'] / 1e6:,.2f}m a year, study 1's paired mean) among the grid "
                   "points that are not gridlocked")


def _plain(value: Any) -> Any:
    """A table's value as the scenario wants it: 24.0 -> 24, numpy scalars -> Python."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def parse_option(items: list[str]) -> dict[str, Any]:
    """``--option PATH=VALUE`` items as overrides (VALUE read as TOML, as ``dorothy run --set``)."""
    for item in items:
        path, equals, _ = item.partition("=")
        if not equals or not path.strip():
            raise UserError(f"--option '{item}': expected PATH=VALUE, e.g. rapid_response.clinicians=24")
    return parse_assignments(items)


def arms_of(args: argparse.Namespace) -> Arms:
    """The option and comparator the command line asks for."""
    comparator: dict[str, Any] | str = {} if args.comparator == "default" else "interventions_off"
    against = ("the default Local Care mix (the scenario as it is)" if args.comparator == "default"
               else "no Local Care (INTERVENTIONS_OFF)")
    if args.best_grid_point is not None:
        if args.option:
            raise UserError("--best-grid-point sets the option itself; drop --option")
        option, source = best_grid_point(args.best_grid_point)
        comparator = {} if args.comparator_given is None else comparator
        against = ("the default Local Care mix (the scenario as it is)" if comparator == {}
                   else "no Local Care (INTERVENTIONS_OFF)")
        return Arms(option, comparator, f"the best grid point ({arm_text(option)}) against {against}",
                    f"study 1's best point per pound, {arm_text(option)}, against {against}", source)
    option = parse_option(args.option)
    if not option:
        return Arms({}, comparator, f"the default Local Care mix against {against}",
                    f"the default Local Care mix against {against}")
    return Arms(option, comparator, f"{arm_text(option)} against {against}",
                f"the option {arm_text(option)} against {against}")


@dataclass
class Made:
    command: str
    seconds: float
    runs: int
    loaded: int = 0
    run_seconds: float = 0.0
    date: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))

    def lines(self) -> list[str]:
        return [f"Command: `{self.command}`", "",
                f"Date {self.date}; {package_version()}, the model {CORE}; {self.runs} runs "
                f"({self.runs - self.loaded} run by "
                f"this invocation, {self.loaded} loaded from the store); wall time of this invocation "
                f"{self.seconds / 60:.1f} minutes; summed run time of all {self.runs} runs "
                f"{self.run_seconds / 60:.1f} minutes."]


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="kent_medway")
    parser.add_argument("--samples", type=int, default=64, help="parameter sets (default 64)")
    parser.add_argument("--reps", type=int, default=5, help="replications per set and arm (default 5)")
    parser.add_argument("--sampler", choices=("lhs", "sobol"), default="lhs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--dask", default=None, metavar="ADDRESS")
    parser.add_argument("--out", type=Path, default=None,
                        help="result folder (default results/psa, with --best-grid-point "
                             "results/psa_best_grid_point)")
    parser.add_argument("--option", action="append", default=[], metavar="PATH=VALUE",
                        help="an override that makes the option from the scenario (repeatable; default: "
                             "none, the scenario's own Local Care mix)")
    parser.add_argument("--comparator", choices=COMPARATORS, default=None,
                        help="interventions_off (no Local Care; the default) or default (the scenario as "
                             "it is; the default with --best-grid-point)")
    parser.add_argument("--best-grid-point", type=Path, nargs="?", const=GRID_HEADLINE, default=None,
                        metavar="CSV", help="the option is study 1's best point per pound, read from its "
                        f"grid table (default {rel(GRID_HEADLINE)}); the comparator the default mix")
    parser.add_argument("--smoke", action="store_true", help="small scenario, 8 sets x 2 replications")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.comparator_given, args.comparator = args.comparator, args.comparator or "interventions_off"
    if args.smoke:
        args.scenario, args.samples, args.reps = "small", 8, 2
    if args.out is None:
        folder = STUDY if args.best_grid_point is None else f"{STUDY}_best_grid_point"
        args.out = Path(tempfile.gettempdir()) / "dorothy_smoke" / folder if args.smoke else RESULTS / folder
    return args


def evidence_table(results: PsaResults) -> pd.DataFrame:
    """Each uncertain input, its distribution and whether it is evidence ([pub], [seed]) or assumed."""
    table = results.inputs.copy()
    table["kind"] = table["source"].map(lambda s: "assumed" if s.startswith("[est") else (
        "evidence; spread assumed" if "[est]" in s else "evidence"))
    table["range (draws clipped to)"] = [f"{low:,.4g} to {high:,.4g}" for low, high in
                                         zip(table["low"], table["high"], strict=True)]
    return table[["input", "kind", "dist", "mean", "range (draws clipped to)", "source"]].round(4)


def sections(results: PsaResults, arms: Arms) -> list[tuple[str, str]]:
    summary = results.summary.round(1).assign(p_above_zero=results.summary["p_above_zero"].round(3))
    ceac = results.ceac.round(3)
    ranking = results.sensitivity[results.sensitivity["outcome"] == "net_saving_gbp"].head(TOP).round(3)
    noise = results.noise[["outcome", "var_of_set_means", "noise_var_of_a_mean", "parameter_var",
                           "noise_share_pct"]].round(2)
    evppi = results.evppi[(results.evppi["per"] == "admission")
                          & (results.evppi["wtp"] == results.spec.wtp_per_admission[0])]
    evppi = evppi.sort_values("evppi", ascending=False).head(TOP).round(0)
    return [
        ("What is compared", compared_text(results, arms)),
        ("Summary", summary_text(results)),
        ("What is evidence and what is assumed", (
            "Evidence: the inputs tagged [pub] or [seed] below, and the point values of the scenario "
            "(docs/model.md). Assumed: every [est] input (a guess with its range), the structure of the "
            "model (who is at risk, how a service acts on a crisis or a stay, the stations' capacities), "
            "and the funders' shares where tagged [est]. The PSA varies only the inputs below; the other "
            "parameters stay at their point values, and none of the model's structural assumptions is "
            "varied.\n\n" + markdown_table(evidence_table(results)) + fixed_text(results, arms))),
        ("What the intervals mean", (
            "Every range is over parameter sets: the 2.5% and 97.5% quantiles of the sets' mean outcomes "
            "(each the mean of the replications, paired with the comparator under common random numbers). "
            "It is the uncertainty of the inputs, with the simulation noise left in a mean of the "
            "replications (its share is in the noise table). It is not a sweep's 95% CI (which covers "
            "simulation noise only, the inputs held at their point values), and it does not cover "
            "structural uncertainty.")),
        ("Outcomes over parameter sets", markdown_table(summary)),
        ("Acceptability and EVPI", (
            "Probability that the option's net benefit (willingness to pay x effect + net saving) is "
            "positive, and the expected value of perfect information, for the area over the results period."
            "\n\n" + markdown_table(ceac))),
        (f"Top {TOP} inputs for the net saving", markdown_table(ranking)),
        (f"EVPPI at £{results.spec.wtp_per_admission[0]:,.0f} per avoided admission (top {TOP})",
         markdown_table(evppi[["input", "evppi"]])),
        ("Parameter uncertainty against simulation noise", markdown_table(noise)),
        ("Not measured here", (
            "Scaling on Dask was not measured on the shared machine; tests/test_psa.py runs a tiny PSA "
            "on a Dask LocalCluster and checks it gives the local tables.")),
    ]


def compared_text(results: PsaResults, arms: Arms) -> str:
    """The two arms in words: the overrides of each, where the option came from."""
    spec = results.spec
    option = (f"the scenario `{spec.scenario}` with {arm_text(spec.option)}" if spec.option
              else f"the scenario `{spec.scenario}` as it is (its default Local Care mix)")
    comparator = ("no Local Care: every intervention off (`INTERVENTIONS_OFF`)"
                  if spec.comparator == "interventions_off" else
                  f"the scenario `{spec.scenario}` with {arm_text(spec.comparator)}" if spec.comparator
                  else f"the scenario `{spec.scenario}` as it is (its default Local Care mix)")
    source = f" The option is {arms.source}." if arms.source else ""
    return (f"Option: {option}. Comparator: {comparator}.{source} Every outcome below is the option "
            "minus the comparator (positive: the option avoids more admissions, adds days at home, "
            "releases beds, saves money), for the whole area over the results year, paired by parameter "
            "set and replication.")


def fixed_text(results: PsaResults, arms: Arms) -> str:
    """The figures the option and comparator set, and the evidence behind their sections."""
    if not arms.paths:
        return ""
    sections = list(dict.fromkeys(path.split(".")[0] for path in arms.paths))
    return ("\n\nThe option's (and comparator's) own settings are not varied: "
            f"{', '.join(f'`{p}`' for p in arms.paths)}. They are choices, not evidence; what the model "
            "does with them rests on their sections' figures:\n\n"
            + markdown_table(section_rows(results.spec.scenario, sections)))


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    started = time.perf_counter()
    try:
        arms = arms_of(args)
        name = STUDY if args.best_grid_point is None else f"{STUDY}_best_grid_point"
        spec = {"name": f"{name}_{args.scenario}", "scenario": args.scenario, "samples": args.samples,
                "replications": args.reps, "sampler": args.sampler, "seed": args.seed,
                "description": arms.what, "option": arms.option, "comparator": arms.comparator}
        results = run_psa(spec, out=args.out, workers=args.workers, dask=args.dask, force=args.force,
                          progress=not args.quiet)
    except UserError as exc:
        print(f"{STUDY}: error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    write_psa(results, args.out, command=command_line())
    made = Made(command_line(), seconds, 2 * len(results.draws) * args.reps,
                int(results.extras.get("loaded", 0)), results.run_seconds)
    readme = write_readme(
        args.out, f"Probabilistic sensitivity analysis: {arms.title}",
        f"Scenario `{args.scenario}`: {len(results.draws)} parameter sets ({args.sampler}) x "
        f"{args.reps} replications x 2 arms, paired.", made, sections(results, arms))
    announce(readme, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
