"""Study 3: the cheapest capacity mix that brings mean acute occupancy to 92%, then to 85%.

Why a greedy search: eight capacities with a handful of levels each make millions of mixes, and each
costs minutes of simulation; a commissioner adds capacity one decision at a time anyway. The search
adds, at each step, the one step of capacity that buys the most occupancy reduction per pound.

Method (one step):
  1. One sweep (design one_at_a_time) whose [baseline] is the current mix and whose factors are one
     step up of each lever; the step is 50% (--step-pct) of the lever's capacity in the scenario's
     default (at least one). Every configuration uses the same seeds as every other step's (seed 1 +
     replication r), so all comparisons, within a step and across steps, are paired (common random numbers).
  2. For each lever: the paired change in mean acute occupancy (core beds, all patients, whole area)
     and in intervention cost (the sum of the service cost components: rapid response, reablement, home
     care, community beds, care homes, MDT, discharge, mental-health liaison, falls prevention; not acute
     bed days or A&E, which are what the services save).
  3. Eligible levers: the occupancy change's 95% CI is wholly below zero, the step's acute beds are not
     gridlocked (the sweep's flag: mean occupancy >= 100% of core beds or a mean bed wait >= 24 h), and
     its avoided admissions, exposure-adjusted (kpis.RANKING_KPI), do not have a 95% CI wholly below
     zero: a step must not buy lower occupancy with more admissions per person-year at home. Among them,
     the largest reduction per pound of added intervention cost wins; a lever that reduces occupancy at
     no added intervention cost (change <= 0) beats any that costs, and among such the largest
     reduction wins.
  4. The winner's step is added to the mix; its configuration's occupancy is the new mix's.
It stops for a target when the mix's mean occupancy (point estimate) is at or below the target (then
goes on to the next, lower, target from that mix), when no lever is eligible ("not reached"), or after
--max-steps steps for that target ("not reached").

Run (from the repository root; resumable: each step's sweep is stored in results/occupancy_target/
step_NN and a re-run loads every finished run, so it retraces the same path without simulating):

    .venv/bin/python experiments/study_occupancy_target.py [--workers 2] [--reps 4] [--max-steps 6]
                                                           [--targets 92 85] [--step-pct 50] [--out DIR]
    .venv/bin/python experiments/study_occupancy_target.py --smoke      # small scenario, seconds

Writes path.csv (the path with 95% CIs), candidates.csv (every lever evaluated at every step), the
step_NN/ sweep folders (each with its manifest, runs and tables) and README.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from evidence import evidence_text, intervals_text
from intervals import (
    Interval,
    adjusted_avoided,
    comparison,
    fmt_ci,
    level,
    paired,
    paired_series,
    per_replication,
)
from readme import announce, markdown_table, write_readme
from studies import (
    SMOKE_SCENARIO,
    Provenance,
    SweepRun,
    add_common_options,
    check_reps,
    output_folder,
    run_sweep,
)

from dorothy_sim import load_scenario
from dorothy_sim.errors import UserError
from dorothy_sim.formatting import format_study_number as fmt_number
from dorothy_sim.kpis import RANKING_KPI
from dorothy_sim.registry import INTERVENTION_COSTS
from dorothy_sim.sweep import SweepResults, flags_text

STUDY = "occupancy_target"
SCENARIO = "kent_medway"
SEED = 1
OCCUPANCY = "acute_occupancy_mean_pct"
LEVERS: tuple[str, ...] = (
    "discharge.coordinators", "reablement.places", "home_care.packages", "community_beds.beds",
    "care_homes.placements_per_week", "mh_liaison.staff", "rapid_response.clinicians", "mdt.cases_per_week",
    "social_care_assessment.assessors", "chc_assessment.assessors", "spa.call_handlers",
    "expert_opinion.clinicians",
)
DEFAULTS = {"reps": 4, "max_steps": 6, "targets": [92.0, 85.0]}
# The smoke test: small's baseline is about 83% occupied, so its targets are lower; the first is met
# at the start and the second exercises the step loop.
SMOKE_DEFAULTS = {"reps": 2, "max_steps": 2, "targets": [90.0, 80.0]}


FUNDERS: dict[str, str] = {"nhs": "NHS", "council": "the councils", "self_funded": "self-funders"}
"""Who pays: each funder's cost KPI is ``cost_<funder>_gbp`` (docs/model.md, "Costs and who pays")."""

PATH_COLUMNS: list[str] = ["step", "lever", "from", "to", "spec_hash"] + [
    f"{name}{suffix}" for name in (
        "occupancy_pct", "occupancy_change_pp", "added_intervention_cost_gbp", "net_saving_gbp",
        "cumulative_occupancy_change_pp", "cumulative_added_intervention_cost_gbp",
        "cumulative_net_saving_gbp", *(f"cumulative_net_saving_{f}_gbp" for f in FUNDERS))
    for suffix in ("", "_ci_low", "_ci_high")] + ["pp_per_million_gbp"]


@dataclass(frozen=True)
class Candidate:
    """One lever's step up from the current mix, evaluated against it (paired)."""

    step: int
    lever: str
    old: int
    new: int
    configuration: int
    occupancy: Interval            # level of the mix with this step
    occupancy_change: Interval     # paired, percentage points
    cost_change: Interval          # paired, intervention cost, GBP a year
    net_saving: Interval           # paired, all costs incl. acute bed days, GBP a year
    avoided: Interval              # paired, avoided admissions exposure-adjusted (kpis.RANKING_KPI)
    gridlocked: bool = False       # the sweep's flag for this step's configuration
    flags: str = ""                # gridlocked, queues still rising, in words

    @property
    def eligible(self) -> bool:
        """Occupancy clearly down, beds not gridlocked, and admissions per person-year at home not
        clearly up (a gridlocked step lowers admissions by keeping people in, so it is skipped)."""
        return self.occupancy_change.below_zero and not self.gridlocked and not self.avoided.below_zero

    @property
    def free(self) -> bool:
        return self.cost_change.mean <= 0

    @property
    def pp_per_million(self) -> float:
        """Occupancy reduction (percentage points) per £1m of added intervention cost (inf if free)."""
        if self.free:
            return math.inf
        return -self.occupancy_change.mean / self.cost_change.mean * 1e6


@dataclass
class Step:
    """The sweep of one step: the current mix and every lever's step up from it."""

    number: int
    run: SweepRun
    mix: dict[str, int]
    occupancy: Interval
    candidates: list[Candidate]
    chosen: Candidate | None = None


@dataclass
class Outcome:
    target: float
    reached: bool
    reason: str
    steps: int
    mix: dict[str, int]
    occupancy: Interval
    cumulative: dict[str, Interval] = field(default_factory=dict)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_options(parser, STUDY)
    parser.add_argument("--targets", type=float, nargs="+", default=None, metavar="PCT",
                        help="occupancy targets in %%, searched in decreasing order, each from the mix that "
                             f"met the one before (default {' '.join(map(str, DEFAULTS['targets']))}; with "
                             f"--smoke {' '.join(map(str, SMOKE_DEFAULTS['targets']))})")
    parser.add_argument("--max-steps", type=int, default=None,
                        help=f"most steps per target (default {DEFAULTS['max_steps']}; with --smoke "
                             f"{SMOKE_DEFAULTS['max_steps']})")
    parser.add_argument("--step-pct", type=float, default=50.0,
                        help="a lever's step as %% of its default capacity, at least 1 (default 50)")
    args = parser.parse_args(argv)
    check_reps(parser, args)
    if args.max_steps is not None and args.max_steps < 1:
        parser.error("--max-steps must be at least 1")
    if args.step_pct <= 0:
        parser.error("--step-pct must be above 0")
    defaults = SMOKE_DEFAULTS if args.smoke else DEFAULTS
    reps = args.reps or defaults["reps"]
    max_steps = args.max_steps or defaults["max_steps"]
    targets = sorted(args.targets or defaults["targets"], reverse=True)
    started = time.perf_counter()
    search = Search(scenario=SMOKE_SCENARIO if args.smoke else SCENARIO, out=output_folder(args, STUDY),
                    reps=reps, step_pct=args.step_pct, workers=args.workers, force=args.force,
                    progress=not args.quiet, smoke=args.smoke)
    try:
        outcomes = search.run(targets, max_steps)
    except UserError as exc:
        print(f"{STUDY}: error: {exc}", file=sys.stderr)
        return 2
    readme = search.write(outcomes, targets, max_steps, started)
    announce(readme, started)
    return 0


class Search:
    """The greedy search and its record (steps, path, outcomes)."""

    def __init__(self, scenario: str, out: Path, reps: int, step_pct: float, workers: int | None,
                 force: bool, progress: bool, smoke: bool) -> None:
        self.scenario, self.out, self.reps, self.workers = scenario, out, reps, workers
        self.force, self.progress, self.smoke, self.step_pct = force, progress, smoke, step_pct
        base = load_scenario(scenario)
        self.defaults: dict[str, int] = {lever: int(base.value_at(lever)) for lever in LEVERS}
        self.steps_of: dict[str, int] = {lever: max(1, int(math.floor(value * step_pct / 100.0 + 0.5)))
                                         for lever, value in self.defaults.items()}
        self.steps: list[Step] = []

    # ------------------------------------------------------------------ the search

    def run(self, targets: list[float], max_steps: int) -> list[Outcome]:
        mix: dict[str, int] = {}
        source: tuple[SweepResults, int] | None = None  # where the current mix's runs are
        occupancy: Interval | None = None
        pending: Step | None = None  # the current mix's step sweep, not yet acted on
        outcomes: list[Outcome] = []
        for target in targets:
            if outcomes and not outcomes[-1].reached:
                before = fmt_number(outcomes[-1].target, "target")
                outcomes.append(self._outcome(target, False, f"the {before} target was not reached, so this "
                                              "lower one was not searched", 0, mix, occupancy, source))
                continue
            taken = 0
            while True:
                if occupancy is not None and occupancy.mean <= target:
                    outcomes.append(self._outcome(target, True, "reached", taken, mix, occupancy, source))
                    break
                if taken >= max_steps:
                    outcomes.append(self._outcome(
                        target, False, f"not reached: the step limit ({max_steps} steps for this target) "
                        f"was used up at a mean occupancy of {fmt_number(occupancy.mean, 'pct')}",
                        taken, mix, occupancy, source))
                    break
                if pending is None:
                    pending = self._evaluate(len(self.steps) + 1, mix)
                    if source is None:
                        source, occupancy = (pending.run.results, 0), pending.occupancy
                    continue
                choice = choose(pending.candidates)
                if choice is None:
                    outcomes.append(self._outcome(
                        target, False, "not reached: no lever's step was eligible (mean occupancy down "
                        "with a 95% CI below zero, beds not gridlocked, admissions per person-year at home "
                        f"not clearly up; at {fmt_number(pending.occupancy.mean, 'pct')})", taken, mix,
                        occupancy, source))
                    break
                pending.chosen = choice
                mix = {**mix, choice.lever: choice.new}
                source, occupancy = (pending.run.results, choice.configuration), choice.occupancy
                taken += 1
                pending = None
        return outcomes

    def _evaluate(self, number: int, mix: dict[str, int]) -> Step:
        """Run (or load) the sweep of one step from ``mix`` and evaluate every lever against it."""
        current = {lever: mix.get(lever, self.defaults[lever]) for lever in LEVERS}
        spec = {
            "name": f"{STUDY}{'_smoke' if self.smoke else ''}_step_{number:02d}",
            "description": "Greedy occupancy-target search (experiments/study_occupancy_target.py): one "
                           "step up of each lever from the current mix, paired with it.",
            "scenario": self.scenario, "design": "one_at_a_time", "seed": SEED,
            "baseline": dict(sorted(mix.items())),
            "factors": {lever: [current[lever] + self.steps_of[lever]] for lever in LEVERS},
            "replications": {"count": self.reps},
        }
        print(f"step {number:02d}: from {describe_mix(mix) or 'the default mix'}", flush=True)
        run = run_sweep(spec, self.out / f"step_{number:02d}", self.workers, force=self.force,
                        progress=self.progress)
        results = run.results
        candidates = []
        headline = results.headline().set_index("configuration")
        values = results.configurations.set_index("configuration")
        for configuration, row in values.iterrows():
            if configuration == 0:
                continue
            lever = next(p for p in LEVERS if int(row[p]) != current[p])
            candidates.append(Candidate(
                step=number, lever=lever, old=current[lever], new=int(row[lever]),
                configuration=int(configuration), occupancy=level(results, int(configuration), OCCUPANCY),
                occupancy_change=paired(results, int(configuration), OCCUPANCY),
                cost_change=paired(results, int(configuration), INTERVENTION_COSTS),
                net_saving=comparison(results, int(configuration), "net_saving_gbp"),
                avoided=comparison(results, int(configuration), RANKING_KPI),
                gridlocked=bool(headline.loc[configuration, "gridlocked"]),
                flags=flags_text(bool(headline.loc[configuration, "gridlocked"]),
                                 headline.loc[configuration, "unstable_queues"])))
        step = Step(number, run, dict(mix), level(results, 0, OCCUPANCY), candidates)
        self.steps.append(step)
        return step

    def _outcome(self, target: float, reached: bool, reason: str, steps: int, mix: dict[str, int],
                 occupancy: Interval | None, source: tuple[SweepResults, int] | None) -> Outcome:
        assert occupancy is not None and source is not None
        start = (self.steps[0].run.results, 0)
        cumulative = {
            "occupancy": self._across(source, start, OCCUPANCY),
            "intervention_cost": self._across(source, start, INTERVENTION_COSTS),
            "care_homes_cost": self._across(source, start, "cost_care_homes_gbp"),
            "net_saving": self._across(source, start, "cost_total_gbp").scaled(-1.0),
            **{f"net_saving_{f}": self._across(source, start, f"cost_{f}_gbp").scaled(-1.0) for f in FUNDERS},
            "avoided_admissions": Interval.of(adjusted_avoided(source[0], source[1], start[0], start[1])),
            "avoided_admissions_raw": self._across(source, start, "admissions").scaled(-1.0),
        }
        return Outcome(target, reached, reason, steps, dict(mix), occupancy, cumulative)

    @staticmethod
    def _across(a: tuple[SweepResults, int], b: tuple[SweepResults, int], kpis: Any) -> Interval:
        """``a`` minus ``b`` paired by replication, even across two step sweeps (same seeds)."""
        return paired_series(per_replication(a[0], a[1], kpis), per_replication(b[0], b[1], kpis))

    # ------------------------------------------------------------------ the record

    def path_table(self) -> pd.DataFrame:
        """One row per move: the lever, its new value, this step's paired effects and the cumulative ones
        against the starting mix (paired across step sweeps), all with 95% CIs."""
        rows = []
        start = (self.steps[0].run.results, 0) if self.steps else None
        for step in self.steps:
            choice = step.chosen
            if choice is None or start is None:
                continue
            here = (step.run.results, choice.configuration)
            row: dict[str, Any] = {"step": step.number, "lever": choice.lever, "from": choice.old,
                                   "to": choice.new, "spec_hash": step.run.results.spec_hash}
            parts = {"occupancy_pct": choice.occupancy, "occupancy_change_pp": choice.occupancy_change,
                     "added_intervention_cost_gbp": choice.cost_change, "net_saving_gbp": choice.net_saving,
                     "cumulative_occupancy_change_pp": self._across(here, start, OCCUPANCY),
                     "cumulative_added_intervention_cost_gbp": self._across(here, start, INTERVENTION_COSTS),
                     "cumulative_net_saving_gbp": self._across(here, start, "cost_total_gbp").scaled(-1.0),
                     **{f"cumulative_net_saving_{f}_gbp":
                        self._across(here, start, f"cost_{f}_gbp").scaled(-1.0) for f in FUNDERS}}
            for name, interval in parts.items():
                row.update({name: interval.mean, f"{name}_ci_low": interval.low,
                            f"{name}_ci_high": interval.high})
            row["pp_per_million_gbp"] = choice.pp_per_million
            rows.append(row)
        return pd.DataFrame(rows, columns=PATH_COLUMNS)

    def candidates_table(self) -> pd.DataFrame:
        rows = []
        for step in self.steps:
            for c in step.candidates:
                rows.append({"step": step.number, "lever": c.lever, "from": c.old, "to": c.new,
                             "configuration": c.configuration, "chosen": step.chosen is c,
                             "eligible": c.eligible,
                             "occupancy_change_pp": c.occupancy_change.mean,
                             "occupancy_change_ci_low": c.occupancy_change.low,
                             "occupancy_change_ci_high": c.occupancy_change.high,
                             "added_intervention_cost_gbp": c.cost_change.mean,
                             "added_intervention_cost_ci_low": c.cost_change.low,
                             "added_intervention_cost_ci_high": c.cost_change.high,
                             "net_saving_gbp": c.net_saving.mean, "net_saving_ci_low": c.net_saving.low,
                             "net_saving_ci_high": c.net_saving.high,
                             "avoided_admissions_exposure_adjusted": c.avoided.mean,
                             "avoided_admissions_exposure_adjusted_ci_low": c.avoided.low,
                             "avoided_admissions_exposure_adjusted_ci_high": c.avoided.high,
                             "gridlocked": c.gridlocked, "flags": c.flags,
                             "pp_per_million_gbp": c.pp_per_million})
        return pd.DataFrame(rows)

    def write(self, outcomes: list[Outcome], targets: list[float], max_steps: int, started: float) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        self.path_table().to_csv(self.out / "path.csv", index=False)
        self.candidates_table().to_csv(self.out / "candidates.csv", index=False)
        runs = [step.run for step in self.steps]
        hashes = ", ".join(f"step_{s.number:02d} {s.run.results.spec_hash}" for s in self.steps)
        provenance = Provenance(
            scenario=self.scenario,
            spec=("built in code, one per step (each step's spec is in step_NN/manifest.json)"
                  + (f"; --smoke on '{SMOKE_SCENARIO}'" if self.smoke else "")),
            spec_hashes=hashes or "none", first_seed=SEED, replications=self.reps,
            configurations=sum(len(r.results.configurations) for r in runs),
            runs_total=sum(r.runs_total for r in runs), runs_new=sum(r.runs_new for r in runs),
            wall_seconds=time.perf_counter() - started, compute_seconds=sum(r.compute_seconds for r in runs),
            smoke=self.smoke,
            extra=[f"- Search settings: targets {', '.join(fmt_number(t, 'target') for t in targets)}; at "
                   f"most {max_steps} steps per target; step = {fmt_number(self.step_pct)}% of each lever's "
                   f"default capacity ({', '.join(f'`{k}` +{v}' for k, v in self.steps_of.items())}); "
                   f"{self.reps} replications per configuration; {len(self.steps)} step sweep(s) of "
                   f"{len(LEVERS) + 1} configurations each"])
        sections = [("Key findings", self._findings(outcomes)),
                    ("Path", self._path_markdown()),
                    ("Final mix for each target", self._mixes(outcomes)),
                    ("Every lever at every step", self._candidates_markdown()),
                    ("What the intervals mean", intervals_text(self.reps)),
                    ("What is evidence and what is assumed", self._evidence()),
                    ("Method", method_text(self.step_pct, max_steps, self.reps))]
        intro = ("The cheapest mix of community capacities that brings mean acute occupancy (core beds, all "
                 f"patients, whole area) of the `{self.scenario}` scenario to "
                 f"{' and then '.join(fmt_number(t, 'target') for t in targets)}, found by a documented "
                 "greedy search with common random numbers (see Method). Machine-readable: `path.csv` (the "
                 "path) and `candidates.csv` (every lever at every step); each step's sweep is in "
                 "`step_NN/` (with `tables/`).")
        return write_readme(self.out, "Cheapest capacity mix for an acute occupancy target", intro,
                            provenance, sections)

    def _findings(self, outcomes: list[Outcome]) -> str:
        if not self.steps:
            return "No step was run."
        lines = [f"- Starting mix (the scenario's default): mean acute occupancy "
                 f"{fmt_ci(self.steps[0].occupancy, 'pct')}."]
        for o in outcomes:
            c = o.cumulative
            head = (f"- **{fmt_number(o.target, 'target')}: reached** after {o.steps} step(s) for this target"
                    if o.reached else f"- **{fmt_number(o.target, 'target')}: {o.reason}**")
            if not o.mix:
                lines.append(f"{head}. Mix: the default (no change); mean occupancy "
                             f"{fmt_ci(o.occupancy, 'pct')}.")
                continue
            funders = ", to ".join(f"{label} {fmt_ci(c[f'net_saving_{f}'], 'gbp')}"
                                   for f, label in FUNDERS.items())
            lines.append(
                f"{head}. Mix: {describe_mix(o.mix)}. Mean occupancy "
                f"{fmt_ci(o.occupancy, 'pct')}; against the starting mix: occupancy "
                f"{fmt_ci(c['occupancy'], 'pp')}, added intervention cost"
                f" {fmt_ci(c['intervention_cost'], 'gbp')} a year (of which care homes, the expected "
                f"resident days of the entries made: {fmt_ci(c['care_homes_cost'], 'gbp')}), net saving "
                f"(all costs incl. acute bed days) {fmt_ci(c['net_saving'], 'gbp')} a year, avoided "
                f"admissions (exposure-adjusted) {fmt_ci(c['avoided_admissions'], 'count')} a year (raw "
                f"count, not exposure-adjusted: {fmt_ci(c['avoided_admissions_raw'], 'count')}). Who "
                f"pays: net saving to {funders} a year (positive is a saving; the three add up to the net "
                "saving).")
        lines.append("- Every cost is at 2023/24 prices, with commissioned capacity costed as a block "
                     "whether used or not (What is evidence and what is assumed); the search ranks by "
                     "occupancy reduction per pound of added intervention cost, not by net saving.")
        return "\n".join(lines)

    def _path_markdown(self) -> str:
        rows = []
        start = (self.steps[0].run.results, 0) if self.steps else None
        for step in self.steps:
            c = step.chosen
            if c is None or start is None:
                continue
            here = (step.run.results, c.configuration)
            rows.append({
                "step": step.number, "lever": f"`{c.lever}`", "new value": f"{c.old} -> {c.new}",
                "occupancy": fmt_ci(c.occupancy, "pct"),
                "change this step": fmt_ci(c.occupancy_change, "pp"),
                "added intervention cost": fmt_ci(c.cost_change, "gbp"),
                "net saving": fmt_ci(c.net_saving, "gbp"),
                "cumulative added intervention cost": fmt_ci(self._across(here, start, INTERVENTION_COSTS),
                                                             "gbp"),
                "cumulative net saving": fmt_ci(self._across(here, start, "cost_total_gbp").scaled(-1.0),
                                                "gbp"),
            })
        if not rows:
            return "No lever was added."
        return (markdown_table(rows) + "\n\nOccupancy is the new mix's mean with its 95% CI. \"This step\" "
                "columns are paired differences from the mix before the step; \"cumulative\" ones are paired "
                "differences from the starting mix (same seeds in every step). Costs are a year's, GBP; net "
                "saving counts every cost including acute bed days (positive is a saving).")

    def _evidence(self) -> str:
        return evidence_text(
            self.scenario, (lever.split(".")[0] for lever in LEVERS),
            "Each lever's effect on occupancy rests on its own section's figures. The MDT's effect sizes "
            "cite Stokes et al. 2015, which found no significant effect: the 0.05 is a small default, not "
            "a measured effect.")

    def _mixes(self, outcomes: list[Outcome]) -> str:
        parts = []
        for o in outcomes:
            final = {lever: o.mix.get(lever, self.defaults[lever]) for lever in LEVERS}
            rows = [{"lever": f"`{lever}`", "default": self.defaults[lever], "final": final[lever],
                     "change": final[lever] - self.defaults[lever]} for lever in LEVERS]
            status = "reached" if o.reached else o.reason
            parts.append(f"**Target {fmt_number(o.target, 'target')}** ({status}); mean occupancy "
                         f"{fmt_ci(o.occupancy, 'pct')}.\n\n{markdown_table(rows)}")
        return "\n\n".join(parts) or "No target was searched."

    def _candidates_markdown(self) -> str:
        rows = []
        for step in self.steps:
            for c in step.candidates:
                rows.append({
                    "step": step.number, "lever": f"`{c.lever}`", "step up": f"{c.old} -> {c.new}",
                    "occupancy change": fmt_ci(c.occupancy_change, "pp"),
                    "added intervention cost": fmt_ci(c.cost_change, "gbp"),
                    "pp per £1m": "free" if c.free else fmt_number(c.pp_per_million),
                    "avoided admissions (exposure-adjusted)": fmt_ci(c.avoided, "count"),
                    "flags": c.flags,
                    "eligible": "yes" if c.eligible else "no",
                    "chosen": "**yes**" if step.chosen is c else "",
                })
        if not rows:
            return "No step was run."
        return ("<details><summary>Every candidate (lever, step) with its paired effects</summary>\n\n"
                + markdown_table(rows) + "\n\n</details>\n\n\"pp per £1m\": reduction in mean occupancy "
                "(percentage points) per £1m of added intervention cost; \"free\" when the added "
                "intervention cost is zero or negative. Avoided admissions, exposure-adjusted: (the current "
                "mix's admissions per person-year at home - the step's) x the step's person-years at home, "
                "paired. \"flags\": gridlocked acute beds (occupancy >= 100% or a mean bed wait >= 24 h; "
                "never eligible) or queues still rising at the end.")


def choose(candidates: list[Candidate]) -> Candidate | None:
    """The eligible step with the largest occupancy reduction per pound of added intervention cost;
    free steps (no added intervention cost) first, the largest reduction among them. Ties keep the
    levers' order (deterministic)."""
    eligible = [c for c in candidates if c.eligible]
    if not eligible:
        return None
    free = [c for c in eligible if c.free]
    if free:
        return min(free, key=lambda c: c.occupancy_change.mean)
    return max(eligible, key=lambda c: c.pp_per_million)


def describe_mix(mix: dict[str, int]) -> str:
    return ", ".join(f"`{lever}` = {value}" for lever, value in mix.items())


def method_text(step_pct: float, max_steps: int, reps: int) -> str:
    return f"""A greedy search with common random numbers (experiments/study_occupancy_target.py):

1. Start from the scenario's default capacities.
2. Each step is one sweep (design `one_at_a_time`) whose `[baseline]` is the current mix and whose factors
   are one step up of each of the {len(LEVERS)} levers ({', '.join(f'`{lever}`' for lever in LEVERS)}).
   A step is {fmt_number(step_pct)}% of the lever's default capacity, rounded, at least 1. Every
   configuration of every step runs replications r = 0..{reps - 1} with seed 1 + r, so all comparisons
   are paired, within a step and across steps.
3. For each lever: the paired change in mean acute occupancy and in intervention cost (the sum of
   {', '.join(f'`{k}`' for k in INTERVENTION_COSTS)}; acute bed days and A&E are not counted, being what
   the services save). A lever is eligible if its occupancy change has a 95% CI (paired t, {reps}
   replications) wholly below zero, its acute beds are not gridlocked (mean occupancy >= 100% of core
   beds or a mean bed wait >= 24 hours: fewer admissions there mean people kept in hospital, not crises
   prevented), and its avoided admissions, exposure-adjusted (the fall in admissions per person-year at
   home times the step's person-years at home), do not have a 95% CI wholly below zero. The eligible
   lever with the largest reduction per pound of added intervention cost is added; a lever with no added
   intervention cost (zero or negative) comes first, the largest reduction among such.
4. Stop for a target when the mix's mean occupancy (point estimate) is at or below it, and go on to the
   next (lower) target from that mix; stop with "not reached" when no lever is eligible or after
   {max_steps} steps for one target.

Caveats: a greedy path is not guaranteed to be the cheapest mix overall (levers interact, and a step that
helps little alone may help with another); a step is evaluated with few replications, and eligibility is
not adjusted for testing {len(LEVERS)} levers at once. Intervention costs are counted as the model counts them
(2023/24 prices): posts a year for rapid response, discharge coordinators, mental-health liaison, the
assessment teams, the SPA's handlers and the advice line; reablement places, home-care packages,
community beds, MDT review slots and falls places as a block commissioned whether used or not (so extra
capacity costs its full price even where it stands idle); each entry to a care home as its expected
resident days, split between the NHS, the councils and self-funders. A step that avoids care-home entries
can therefore show a negative intervention cost. Each step re-runs the current mix as its configuration 0
(the same runs as the chosen configuration of the step before, by common random numbers)."""


if __name__ == "__main__":
    raise SystemExit(main())
