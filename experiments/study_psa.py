"""Study 6: probabilistic sensitivity analysis of the default Local Care mix against no Local Care.

The option is the scenario as it is (every Local Care intervention at its default); the comparator is
``INTERVENTIONS_OFF`` (no Local Care). Every uncertain input of the scenario's ``[uncertainty]`` table
is drawn (Latin hypercube by default, or Saltelli's design for Sobol indices); each parameter set is
run for both arms with the same seeds (paired). The acceptance size is 64 parameter sets x 5
replications = 640 runs on ``kent_medway`` (about 3.5 s a run: some 40 minutes on one core): run it
on a machine of your own, not a shared one.

Run (from the repository root; resumable: every run is stored, a re-run loads the finished ones):

    .venv/bin/python experiments/study_psa.py [--samples 64] [--reps 5] [--sampler lhs|sobol]
                                              [--scenario kent_medway] [--workers 2] [--out DIR]
    .venv/bin/python experiments/study_psa.py --smoke      # small scenario, 8 x 2, seconds

Writes to results/psa/ (or --out): the PSA's tables, psa.xlsx, figures/, report.html (the same as
``dorothy psa``) and README.md, which separates what is evidence from what is assumed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from readme import announce, command_line, markdown_table, package_version, write_readme

from dorothy_sim.model import CORE
from dorothy_sim.psa import PsaResults, run_psa
from dorothy_sim.psa_report import TOP, summary_text, write_psa

STUDY = "psa"
RESULTS = Path("results")


@dataclass
class Made:
    command: str
    seconds: float
    runs: int
    loaded: int = 0
    run_seconds: float = 0.0

    def lines(self) -> list[str]:
        return [f"Command: `{self.command}`", "",
                f"{package_version()}, the model {CORE}; {self.runs} runs ({self.runs - self.loaded} run by "
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
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true", help="small scenario, 8 sets x 2 replications")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.scenario, args.samples, args.reps = "small", 8, 2
    if args.out is None:
        args.out = (Path(tempfile.gettempdir()) / "dorothy_smoke" / STUDY) if args.smoke else RESULTS / STUDY
    return args


def evidence_table(results: PsaResults) -> pd.DataFrame:
    """Each uncertain input, its distribution and whether it is evidence ([pub], [seed]) or assumed."""
    table = results.inputs.copy()
    table["kind"] = table["source"].map(lambda s: "assumed" if s.startswith("[est") else (
        "evidence; spread assumed" if "[est]" in s else "evidence"))
    table["range (draws clipped to)"] = [f"{low:,.4g} to {high:,.4g}" for low, high in
                                         zip(table["low"], table["high"], strict=True)]
    return table[["input", "kind", "dist", "mean", "range (draws clipped to)", "source"]].round(4)


def sections(results: PsaResults) -> list[tuple[str, str]]:
    summary = results.summary.round(1).assign(p_above_zero=results.summary["p_above_zero"].round(3))
    ceac = results.ceac.round(3)
    ranking = results.sensitivity[results.sensitivity["outcome"] == "net_saving_gbp"].head(TOP).round(3)
    noise = results.noise[["outcome", "var_of_set_means", "noise_var_of_a_mean", "parameter_var",
                           "noise_share_pct"]].round(2)
    evppi = results.evppi[(results.evppi["per"] == "admission")
                          & (results.evppi["wtp"] == results.spec.wtp_per_admission[0])]
    evppi = evppi.sort_values("evppi", ascending=False).head(TOP).round(0)
    return [
        ("Summary", summary_text(results)),
        ("What is evidence and what is assumed", (
            "Evidence: the inputs tagged [pub] or [seed] below, and the point values of the scenario "
            "(docs/model.md). Assumed: every [est] input (a guess with its range), the structure of the "
            "model (who is at risk, how a service acts on a crisis or a stay, the stations' capacities), "
            "and the funders' shares where tagged [est]. The PSA varies only the inputs below; the other "
            "parameters stay at their point values, and none of the model's structural assumptions is "
            "varied.\n\n" + markdown_table(evidence_table(results)))),
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
            "Wall time and scaling on Dask at the acceptance size (64 x 5 on kent_medway) were not "
            "measured on the shared machine; tests/test_psa.py runs a tiny PSA on a Dask LocalCluster "
            "and checks it gives the local tables.")),
    ]


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    started = time.perf_counter()
    spec = {"name": f"{STUDY}_{args.scenario}", "scenario": args.scenario, "samples": args.samples,
            "replications": args.reps, "sampler": args.sampler, "seed": args.seed,
            "description": "default Local Care mix against no Local Care (INTERVENTIONS_OFF)"}
    results = run_psa(spec, out=args.out, workers=args.workers, dask=args.dask, force=args.force,
                      progress=not args.quiet)
    seconds = time.perf_counter() - started
    write_psa(results, args.out, command=command_line())
    made = Made(command_line(), seconds, 2 * len(results.draws) * args.reps,
                int(results.extras.get("loaded", 0)), results.run_seconds)
    readme = write_readme(
        args.out, "Probabilistic sensitivity analysis: the default Local Care mix against no Local Care",
        f"Scenario `{args.scenario}`: {len(results.draws)} parameter sets ({args.sampler}) x "
        f"{args.reps} replications x 2 arms, paired.", made, sections(results))
    announce(readme, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
