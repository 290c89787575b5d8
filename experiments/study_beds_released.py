"""Study 4: acute beds released at equal performance by each delay station's capacity and the front door.

Why not bed days saved / 365 / 0.92: that figure assumes the beds a lever empties could close with the
hospital still running as well as before. Whether they can depends on when the empty beds fall (a
saving spread over quiet days releases fewer beds than one at the winter peak) and on what the closed
beds do to the queue for a bed. Here a bed counts as released only if, with the lever and fewer core
beds, the mean wait for a bed and the peak occupancy in beds are no worse than today's at full beds.

Method:
  1. One sweep (configurations built in code, experiments/studies.configurations_plan): the baseline;
     each lever one step up (50% of its default, at least 1; the geriatrician advice line, off by
     default, at 2 clinicians; rapid response round the clock instead of 08:00-20:00); and the grid point
     reablement places x social-care assessors both up (the 2 x 2 grid's other three points are the
     baseline and two single levers). Replication r of every configuration uses seed 1 + r, so every
     change is paired with the baseline (common random numbers): paired t 95% intervals.
  2. For each configuration but the baseline, a bisection over the cut of core acute beds, 0 to
     --max-cut-pct: every trust's core beds times (1 - cut), rounded, and its escalation beds scaled by
     the same factor (so they stay about 10% of core). A cut passes if the paired mean change from the
     baseline at full beds (same seeds) in the mean wait for a bed (`bed_wait_hours_mean`) and in the
     peak occupied beds (`acute_occupancy_p95_pct` x core beds) are both <= 0, whole area. Each round is
     one sweep (step_NN/) of every configuration at its own next cut. After --rounds rounds the beds
     released are those of the largest cut that passed; the bracket runs to the smallest that failed.

Run (from the repository root; resumable: each sweep is stored, a re-run loads every finished run and
retraces the same search):

    .venv/bin/python experiments/study_beds_released.py [--workers 2] [--reps 3] [--rounds 5]
                                                        [--max-cut-pct 16] [--out DIR]
    .venv/bin/python experiments/study_beds_released.py --smoke      # small scenario, seconds

Writes to results/beds_released/: the main sweep store (runs/, tables/), step_NN/ (the bisection's
sweeps), configurations.csv (every change with its 95% CI and the beds released), probes.csv (every cut
tried) and README.md.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from evidence import costing_text, intervals_text
from intervals import Interval, comparison, fmt_ci, level, paired, paired_series, per_replication
from readme import announce, flags, gridlock_lines, markdown_table, write_readme
from studies import (
    SMOKE_SCENARIO,
    Provenance,
    SweepRun,
    add_common_options,
    check_reps,
    configurations_plan,
    output_folder,
    run_sweep,
)

from dorothy_sim import load_scenario
from dorothy_sim.errors import UserError
from dorothy_sim.formatting import format_study_number as fmt_number
from dorothy_sim.kpis import RANKING_KPI
from dorothy_sim.model.delays import REASONS
from dorothy_sim.registry import INTERVENTION_COSTS
from dorothy_sim.scenario import Scenario

STUDY = "beds_released"
SCENARIO = "kent_medway"
SEED = 1
STEP_PCT = 50.0
ADVICE_LINE = 2  # clinicians for a lever that is off by default
WAIT, PEAK = "bed_wait_hours_mean", "acute_occupancy_p95_pct"
DEFAULTS = {"reps": 3, "rounds": 5, "max_cut_pct": 16.0}
SMOKE_DEFAULTS = {"reps": 2, "rounds": 2, "max_cut_pct": 16.0}
LEVER_NAMES: dict[str, str] = {
    "social_care_assessment.assessors": "Social-care assessors",
    "chc_assessment.assessors": "CHC assessors",
    "reablement.places": "Reablement places",
    "community_beds.beds": "Community (step-down) beds",
    "home_care.packages": "Home-care packages",
    "care_homes.placements_per_week": "Care-home placements a week",
    "discharge.coordinators": "Discharge coordinators",
    "spa.call_handlers": "Single point of access (call handlers)",
    "expert_opinion.clinicians": "Geriatrician advice line (clinicians)",
    "rapid_response.clinicians": "Rapid-response clinicians",
}
ROUND_THE_CLOCK = {"rapid_response.shift_start_hour": 0.0, "rapid_response.shift_end_hour": 24.0}
GRID = ("reablement.places", "social_care_assessment.assessors")
RESTS_ON: dict[str, str] = {
    "social_care_assessment.assessors": "assessor count ({social_care_assessment.assessors}), cases each "
                                        "({social_care_assessment.cases_per_assessor}), assessment days "
                                        "(4.4), discharge-to-assess share (0.5)",
    "chc_assessment.assessors": "assessor count ({chc_assessment.assessors}), cases each "
                                "({chc_assessment.cases_per_assessor}), assessment days (7), the shares "
                                "assessed in the bed (0.30 care home, 0.05 community bed)",
    "reablement.places": "places ({reablement.places}) and community beds ({community_beds.beds}), "
                         "calibrated together to the delayed days waiting for intermediate care",
    "community_beds.beds": "as reablement: calibrated with it",
    "home_care.packages": "packages ({home_care.packages}) and package length",
    "care_homes.placements_per_week": "placements a week ({care_homes.placements_per_week}); patient "
                                      "choice (0.30 of care-home discharges, 6 days)",
    "discharge.coordinators": "coordinator count ({discharge.coordinators}) and the discharge-process "
                              "delay",
    "spa.call_handlers": "routing shares to rapid response with and without the SPA (0.30 / 0.12), "
                         "package start delays (1 / 4 days)",
    "expert_opinion.clinicians": "admissions avoidable after advice (0.12, range 0.05-0.35), rapid "
                                 "response's gain (0.10)",
    "rapid_response.clinicians": "share treated at home by crisis type (0.55-0.80), visit length; the "
                                 "counterfactual share is 0 (every crisis not treated at home goes to A&E)",
}
"""Each lever's [est] figures; ``{path}`` is replaced by the scenario's value."""

FUNDERS: dict[str, str] = {"net_saving_gbp": "all funders", "net_saving_nhs_gbp": "NHS",
                           "net_saving_council_gbp": "councils", "net_saving_self_funded_gbp": "self-funders",
                           "cash_releasing_saving_gbp": "cash releasing",
                           "net_saving_stp_view_gbp": "STP view"}
"""The sweep's money comparison KPIs, as the README's "Who pays" table heads them."""


@dataclass(frozen=True)
class Arm:
    """One configuration of the main sweep: its name and its overrides of the scenario."""

    label: str
    overrides: dict[str, Any]
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Probe:
    """One configuration at one cut of core beds, paired with the baseline at full beds."""

    arm: str
    step: int
    cut: float
    core_beds: int
    wait: Interval  # change in the mean wait for a bed, hours
    peak: Interval  # change in the 95th percentile of occupied beds

    @property
    def passes(self) -> bool:
        return bool(self.wait.mean <= 0 and self.peak.mean <= 0)


@dataclass
class Bisection:
    """The search of one configuration: the largest cut known to pass and the smallest known to fail."""

    low: float = 0.0
    high: float = 0.0
    high_tried: bool = False
    fails_at_full: bool = False
    probes: list[Probe] = field(default_factory=list)

    def record(self, probe: Probe) -> None:
        self.probes.append(probe)
        if probe.passes:
            self.low = probe.cut
        else:
            self.high, self.high_tried = probe.cut, True

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_options(parser, STUDY)
    parser.add_argument("--rounds", type=int, default=None,
                        help=f"bisection rounds per configuration (default {DEFAULTS['rounds']}; "
                             f"with --smoke {SMOKE_DEFAULTS['rounds']})")
    parser.add_argument("--max-cut-pct", type=float, default=None,
                        help="the largest cut of core beds searched, %% (default "
                             f"{DEFAULTS['max_cut_pct']:g})")
    args = parser.parse_args(argv)
    check_reps(parser, args)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.max_cut_pct is not None and not 0 < args.max_cut_pct < 100:
        parser.error("--max-cut-pct must be above 0 and below 100")
    defaults = SMOKE_DEFAULTS if args.smoke else DEFAULTS
    started = time.perf_counter()
    study = Study(scenario=SMOKE_SCENARIO if args.smoke else SCENARIO, out=output_folder(args, STUDY),
                  reps=args.reps or defaults["reps"], rounds=args.rounds or defaults["rounds"],
                  max_cut=(args.max_cut_pct or defaults["max_cut_pct"]) / 100.0, args=args)
    try:
        study.run()
    except UserError as exc:
        print(f"{STUDY}: error: {exc}", file=sys.stderr)
        return 2
    announce(study.write(started), started)
    return 0


def arms(base: Scenario) -> list[Arm]:
    """The baseline, each lever one step up, round-the-clock rapid response, the grid's joint point."""
    steps = {path: step_up(base.value_at(path)) for path in LEVER_NAMES}
    found = [Arm("baseline", {})]
    for path, name in LEVER_NAMES.items():
        found.append(Arm(f"{name} {base.value_at(path)} -> {steps[path]}", {path: steps[path]}, (path,)))
    hours = "-".join(f"{base.value_at(path):g}" for path in ROUND_THE_CLOCK)
    found.append(Arm(f"Rapid response round the clock ({hours} h -> 0-24 h)", dict(ROUND_THE_CLOCK),
                     tuple(ROUND_THE_CLOCK)))
    joint = {path: steps[path] for path in GRID}
    found.append(Arm(f"Grid: {' + '.join(LEVER_NAMES[p] for p in GRID)} both up", joint, GRID))
    return found


def step_up(default: int) -> int:
    """One step up: +50% of the default, at least 1; a lever that is off gets the advice line's 2."""
    if default == 0:
        return ADVICE_LINE
    return default + max(1, int(math.floor(default * STEP_PCT / 100 + 0.5)))


def bed_overrides(base: Scenario, cut: float) -> dict[str, int]:
    """Every trust's core and escalation beds times (1 - cut), rounded (core at least 1)."""
    overrides: dict[str, int] = {}
    for name, icp in base.icps.items():
        overrides[f"icps.{name}.acute_beds"] = max(1, round(icp.acute_beds * (1 - cut)))
        overrides[f"icps.{name}.escalation_beds"] = round(icp.escalation_beds * (1 - cut))
    return overrides


def core_beds(base: Scenario, cut: float) -> int:
    return sum(v for k, v in bed_overrides(base, cut).items() if k.endswith(".acute_beds"))


def columns(name: str, interval: Interval) -> dict[str, float]:
    return {name: interval.mean, f"{name}_ci_low": interval.low, f"{name}_ci_high": interval.high}


class Study:
    """The main sweep, the bisection of each configuration and the record of both."""

    def __init__(self, scenario: str, out: Path, reps: int, rounds: int, max_cut: float,
                 args: argparse.Namespace) -> None:
        self.scenario, self.out, self.reps, self.rounds = scenario, out, reps, rounds
        self.max_cut, self.args = max_cut, args
        self.base = load_scenario(scenario)
        self.arms = arms(self.base)
        self.full = core_beds(self.base, 0.0)
        self.searches = {arm.label: Bisection(high=max_cut) for arm in self.arms[1:]}
        self.runs: list[SweepRun] = []

    def _sweep(self, name: str, configurations: list[tuple[str, dict[str, Any]]], folder: Path) -> SweepRun:
        suffix = "_smoke" if self.args.smoke else ""
        spec = configurations_plan(f"{STUDY}{suffix}{name}", "Beds released at equal performance "
                                   "(experiments/study_beds_released.py)", self.scenario, SEED, self.reps,
                                   configurations)
        run = run_sweep(spec, folder, self.args.workers, force=self.args.force, progress=not self.args.quiet)
        self.runs.append(run)
        return run

    def run(self) -> None:
        self.main = self._sweep("", [(arm.label, arm.overrides) for arm in self.arms], self.out).results
        self.base_wait = per_replication(self.main, 0, WAIT).fillna(0.0)
        self.base_peak = per_replication(self.main, 0, PEAK) * self.full / 100
        for number, arm in enumerate(self.arms[1:], start=1):
            search = self.searches[arm.label]
            search.record(self._probe(self.main, number, arm.label, 0.0, 0))
            search.fails_at_full = not search.probes[0].passes
        for step in range(1, self.rounds + 1):
            todo = [(arm, (s.low + s.high) / 2) for arm in self.arms[1:]
                    if not (s := self.searches[arm.label]).fails_at_full]
            if not todo:
                break
            print(f"bisection step {step:02d} of {self.rounds}: {len(todo)} configurations", flush=True)
            configurations = [(f"{arm.label} at {100 * cut:.3g}% fewer beds",
                               {**arm.overrides, **bed_overrides(self.base, cut)}) for arm, cut in todo]
            run = self._sweep(f"_step_{step:02d}", configurations, self.out / f"step_{step:02d}")
            for number, (arm, cut) in enumerate(todo):
                self.searches[arm.label].record(self._probe(run.results, number, arm.label, cut, step))

    def _probe(self, results: Any, configuration: int, arm: str, cut: float, step: int) -> Probe:
        beds = core_beds(self.base, cut)
        wait = paired_series(per_replication(results, configuration, WAIT).fillna(0.0), self.base_wait)
        peak = paired_series(per_replication(results, configuration, PEAK) * beds / 100, self.base_peak)
        return Probe(arm, step, cut, beds, wait, peak)

    # ------------------------------------------------------------------ the record

    def released(self, label: str) -> tuple[int, int | None, str]:
        """Beds released (the largest cut that passed), the bracket's other end (the smallest cut that
        failed; None if every cut tried passed) and the result in words."""
        search = self.searches[label]
        if search.fails_at_full:
            return 0, 0, "0 (above the baseline's wait or peak already at full beds)"
        beds = self.full - core_beds(self.base, search.low)
        if not search.high_tried:
            return beds, None, f"at least {beds:,} (every cut tried passed, up to {100 * search.low:.3g}%)"
        upper = self.full - core_beds(self.base, search.high)
        return beds, upper, f"{beds:,} (passes at {beds:,} fewer beds, fails at {upper:,})"

    def table(self) -> pd.DataFrame:
        """configurations.csv: one row per configuration, every change with its 95% CI."""
        results, rows = self.main, []
        flagged = flags(results)
        delays = {f"delay_bed_days_{reason}" for reason in REASONS}
        for number, arm in enumerate(self.arms):
            row: dict[str, Any] = {"configuration": number, "label": arm.label,
                                   "flags": flagged.get(number, "")}
            for kpi in ("mffd_bed_days", "acute_bed_days", WAIT, *sorted(delays)):
                row.update(columns(kpi, paired(results, number, kpi)))
            for kpi in (RANKING_KPI, "days_at_home_gained", *FUNDERS):
                row.update(columns(kpi, comparison(results, number, kpi)))
            row.update(columns("intervention_cost_gbp", paired(results, number, INTERVENTION_COSTS)))
            row.update(columns("beds_released_naive", comparison(results, number, "beds_released_at_92pct")))
            beds, upper, words = self.released(arm.label) if number else (0, 0, "0 (the baseline)")
            row.update({"beds_released_equal_performance": beds, "bracket_upper": upper,
                        "beds_released_text": words})
            rows.append(row)
        return pd.DataFrame(rows)

    def probes(self) -> pd.DataFrame:
        return pd.DataFrame([{"configuration": p.arm, "step": p.step, "cut_pct": 100 * p.cut,
                              "core_beds": p.core_beds, **columns("wait_change_hours", p.wait),
                              **columns("peak_beds_change", p.peak), "passes": p.passes}
                             for s in self.searches.values() for p in s.probes])

    def write(self, started: float) -> Path:
        table = self.table()
        table.to_csv(self.out / "configurations.csv", index=False)
        self.probes().to_csv(self.out / "probes.csv", index=False)
        resolution = self.max_cut / 2 ** self.rounds
        provenance = Provenance(
            scenario=self.scenario, spec="built in code (each sweep's plan is in its manifest.json)" + (
                f"; --smoke on '{SMOKE_SCENARIO}'" if self.args.smoke else ""),
            spec_hashes=", ".join(r.results.spec_hash for r in self.runs), first_seed=SEED,
            replications=self.reps, configurations=sum(len(r.results.configurations) for r in self.runs),
            runs_total=sum(r.runs_total for r in self.runs), runs_new=sum(r.runs_new for r in self.runs),
            wall_seconds=time.perf_counter() - started,
            compute_seconds=sum(r.compute_seconds for r in self.runs), smoke=self.args.smoke,
            extra=[f"- Search: {self.rounds} bisection rounds over a cut of 0 to {100 * self.max_cut:g}% of "
                   f"the {self.full:,} core beds (resolution {100 * resolution:.3g}%, about "
                   f"{self.full * resolution:.0f} beds); {len(self.runs)} sweeps (the main one, then "
                   f"step_01 to step_{len(self.runs) - 1:02d})"])
        intro = (f"How many core acute beds of the `{self.scenario}` scenario each lever releases **at "
                 "equal performance**: the most beds that could close with the lever in place while the "
                 "mean wait for a bed and the peak occupancy in beds stay no worse than today's at full "
                 "beds, found by a paired bisection (see Method); beside it the naive figure (bed days "
                 "saved / 365 / 0.92) and each lever's paired effects: delayed bed days by reason, acute "
                 "bed days, avoided admissions (exposure-adjusted), days at home, cost and who pays or "
                 "saves. Machine-readable: "
                 "`configurations.csv`, `probes.csv`; the main sweep's tables in `tables/`, each "
                 "bisection step's in `step_NN/`.")
        sections = [("Key findings", self._findings(table)),
                    ("Every configuration", self._main_markdown(table)),
                    ("Who pays", self._funders_markdown(table)),
                    ("Delayed bed days by reason", self._delays_markdown(table)),
                    ("The grid: reablement places x social-care assessors", self._grid()),
                    ("Every cut tried", self._probes_markdown()), ("Method", self._method()),
                    ("What the intervals mean", intervals_text(self.reps) + (
                        " The beds released at equal performance carry no interval: their bracket (passes "
                        "at, fails at) is the bisection's resolution, and a cut near the boundary may pass "
                        "or fail by noise.")),
                    ("What is evidence and what is assumed", self._assumptions())]
        return write_readme(self.out, "Beds released at equal performance", intro, provenance, sections)

    def _findings(self, table: pd.DataFrame) -> str:
        n, results = self.reps, self.main

        def ci(row: dict[str, Any], name: str, kind: str) -> str:
            return fmt_ci(Interval.from_columns(row, name, n), kind)

        lines = [*gridlock_lines(results),
                 f"- Baseline ({self.full:,} core beds): mean wait for a bed "
                 f"{fmt_ci(level(results, 0, WAIT))} hours; peak occupancy (95th percentile) "
                 f"{fmt_ci(Interval.of(self.base_peak), 'beds')} beds; bed days after medically fit "
                 f"{fmt_ci(level(results, 0, 'mffd_bed_days'), 'count')} a year."]
        others = table[table["configuration"] > 0].sort_values("beds_released_equal_performance",
                                                              ascending=False, kind="stable")
        releasing = others[others["beds_released_equal_performance"] > 0]
        for row in releasing.head(3).to_dict("records"):
            lines.append(f"- **{row['label']}**: releases {row['beds_released_text']} core beds at equal "
                         f"performance; the naive figure says {ci(row, 'beds_released_naive', 'beds')}. "
                         f"Bed days after medically fit {ci(row, 'mffd_bed_days', 'count')}, avoided "
                         f"admissions (exposure-adjusted) {ci(row, RANKING_KPI, 'count')}, intervention "
                         f"cost {ci(row, 'intervention_cost_gbp', 'gbp')} a year; net saving "
                         f"{ci(row, 'net_saving_gbp', 'gbp')} a year (the NHS "
                         f"{ci(row, 'net_saving_nhs_gbp', 'gbp')}, the councils "
                         f"{ci(row, 'net_saving_council_gbp', 'gbp')}, self-funders "
                         f"{ci(row, 'net_saving_self_funded_gbp', 'gbp')}), of which cash releasing "
                         f"{ci(row, 'cash_releasing_saving_gbp', 'gbp')}.")
        none = others[others["beds_released_equal_performance"] == 0]["label"].tolist()
        lines.append(f"- Releasing no bed at this search's resolution ({len(none)} of {len(others)}): "
                     f"{', '.join(none) or 'none'}.")
        for verdict, rows in self._against_naive(others).items():
            lines.append(f"- Equal performance {verdict} the naive figure: {'; '.join(rows) or 'none'}.")
        trusts = list(self.base.icps)
        if len(trusts) > 1:
            waits = ", ".join(f"{icp} {fmt_ci(level(results, 0, WAIT, icp))} h" for icp in trusts)
            lines.append(f"- The whole area's mean wait is a mean over every admission that waited, so the "
                         f"trust with the longest waits weighs most: baseline wait by trust {waits}. Every "
                         "trust is cut alike, so a lever that does not reach that trust cannot offset its "
                         "cut.")
        missed = {arm.label: [icp for icp in trusts if self._untouched(number, icp)]
                  for number, arm in enumerate(self.arms) if number}
        missed = {label: icps for label, icps in missed.items() if icps}
        if len(trusts) > 1 and missed:
            named = "; ".join(f"{label}: {', '.join(icps)}" for label, icps in missed.items())
            lines.append("- Trusts a lever leaves exactly as they were (acute bed days equal to the "
                         "baseline's in every replication: the lever does not bind there, or an area-wide "
                         f"capacity shared by cohort size gives the trust none): {named}.")
        lines.append(f"- Intervals are paired t intervals over {n} replications: simulation noise only, not "
                     "the uncertainty of the [est] figures (What is evidence and what is assumed). The beds "
                     "released carry the bisection's bracket, which is the search's resolution, not a "
                     "confidence interval. Costs are at 2023/24 prices, commissioned capacity as a block "
                     "whether used or not; cash is released only when whole wards close.")
        return "\n".join(lines)

    def _against_naive(self, others: pd.DataFrame) -> dict[str, list[str]]:
        """Each configuration whose equal-performance bracket lies wholly below or above the naive
        figure's mean, or straddles it."""
        found: dict[str, list[str]] = {"below": [], "above": [], "brackets": []}
        for row in others.to_dict("records"):
            naive, beds, upper = row["beds_released_naive"], row["beds_released_equal_performance"], \
                row["bracket_upper"]
            if naive <= 0 and beds == 0:
                continue
            verdict = ("above" if beds > naive else "below" if pd.notna(upper) and upper <= naive
                       else "brackets")
            if pd.isna(upper):
                shown = f"at least {beds:,}"
            else:
                shown = f"{beds:,} to {int(upper) - 1:,}" if upper > beds + 1 else f"{beds:,}"
            found[verdict].append(f"{row['label']} ({shown} against {naive:,.0f})")
        return found

    def _untouched(self, configuration: int, icp: str) -> bool:
        ours = per_replication(self.main, configuration, "acute_bed_days", icp)
        return bool((ours == per_replication(self.main, 0, "acute_bed_days", icp)).all())

    def _main_markdown(self, table: pd.DataFrame) -> str:
        shown = {"naive: bed days saved / 365 / 0.92": ("beds_released_naive", "beds"),
                 "bed days after medically fit": ("mffd_bed_days", "count"),
                 "acute bed days": ("acute_bed_days", "count"),
                 "avoided admissions (exposure-adjusted)": (RANKING_KPI, "count"),
                 "days at home gained": ("days_at_home_gained", "count"),
                 "intervention cost": ("intervention_cost_gbp", "gbp")}
        rows = [{"configuration": row["label"],
                 "beds released at equal performance": row["beds_released_text"],
                 **{head: fmt_ci(Interval.from_columns(row, name, self.reps), kind)
                    for head, (name, kind) in shown.items()},
                 "flags": row["flags"]} for row in table[table["configuration"] > 0].to_dict("records")]
        return markdown_table(rows) + (
            "\n\nEvery figure but the beds released at equal performance is a paired change from the "
            "baseline (same seeds) over the results year, whole area, mean and 95% CI: bed days (negative is "
            "fewer), avoided admissions exposure-adjusted (the fall in admissions per person-year at home "
            "times this configuration's person-years at home), days at home gained summed over the cohort, "
            "and the intervention cost (the services' own cost KPIs, not acute bed days or A&E). \"flags\": "
            "gridlocked acute beds (mean occupancy >= 100% or a mean bed wait >= 24 h) or queues still "
            "rising at the end.")

    def _funders_markdown(self, table: pd.DataFrame) -> str:
        rows = [{"configuration": row["label"],
                 **{head: fmt_ci(Interval.from_columns(row, kpi, self.reps), "gbp") for kpi, head in
                    FUNDERS.items()}} for row in table[table["configuration"] > 0].to_dict("records")]
        return markdown_table(rows) + (
            "\n\nNet saving a year against the baseline, paired, 95% CI (positive is a saving): for "
            "all funders (every cost, acute bed days included), then the NHS, the councils (Kent County "
            "Council and Medway Council) and self-funders, which add up to it. Cash releasing: the cash "
            "from the whole wards (`costs.ward_beds`) that the bed days saved would close at 85% "
            "occupancy, less the change in every cost but acute bed days and A&E (the beds released at "
            "equal performance above are a different, stricter count). STP view: acute bed-day and A&E "
            "savings after seed 004's reinvestment rates, which stand for the new services' cost (not "
            "subtracted again). The acute bed days saved are capacity released (valued at the full "
            "bed-day price), not cash.")

    def _delays_markdown(self, table: pd.DataFrame) -> str:
        rows = [{"configuration": row["label"],
                 **{r.replace("_", " "): fmt_ci(Interval.from_columns(row, f"delay_bed_days_{r}", self.reps),
                                                "count") for r in REASONS}}
                for row in table[table["configuration"] > 0].to_dict("records")]
        return markdown_table(rows) + ("\n\nPaired change in bed days after medically fit, by what the "
                                       "person waits for (model/delays.py), a year, 95% CI.")

    def _grid(self) -> str:
        numbers = {arm.paths: number for number, arm in enumerate(self.arms)}
        joint, singles = numbers[GRID], [numbers[(path,)] for path in GRID]
        parts = []
        for kpi in ("mffd_bed_days", "acute_bed_days"):
            series = [per_replication(self.main, c, kpi) for c in (joint, *singles, 0)]
            interaction = Interval.of((series[0] - series[1] - series[2] + series[3]).dropna())
            parts.append(f"`{kpi}` {fmt_ci(interaction, 'count')}")
        beds = [self.released(self.arms[c].label)[0] for c in (joint, *singles)]
        return (f"The 2 x 2 grid is the baseline, each lever one step up alone and both up together "
                f"({self.arms[joint].label}). Interaction (both up - each alone + baseline, paired; "
                f"negative means together they cut more than the sum of each alone): {'; '.join(parts)}. "
                f"Beds released at equal performance: both {beds[0]:,}, {LEVER_NAMES[GRID[0]].lower()} "
                f"alone {beds[1]:,}, {LEVER_NAMES[GRID[1]].lower()} alone {beds[2]:,}.")

    def _probes_markdown(self) -> str:
        rows = [{"configuration": p.arm, "step": p.step, "cut": f"{100 * p.cut:.3g}%",
                 "core beds": p.core_beds, "change in mean bed wait (h)": fmt_ci(p.wait),
                 "change in peak occupied beds": fmt_ci(p.peak, "beds"),
                 "passes": "yes" if p.passes else "no"}
                for s in self.searches.values() for p in s.probes]
        return ("<details><summary>Every (configuration, cut) with its paired changes from the baseline at "
                "full beds</summary>\n\n" + markdown_table(rows) + "\n\n</details>")

    def _method(self) -> str:
        return (
            f"1. One sweep of {len(self.arms)} configurations: the baseline, each lever one step up "
            f"({fmt_number(STEP_PCT)}% of its default, at least 1; the advice line, off by default, at "
            f"{ADVICE_LINE} clinicians), rapid response round the clock, and the grid point with "
            f"{' and '.join(f'`{p}`' for p in GRID)} both up. Replication r of every configuration, in "
            f"every sweep, uses seed {SEED} + r ({self.reps} replications), so all changes are paired.\n"
            f"2. For each configuration, the cut of core beds is searched by bisection over 0 to "
            f"{100 * self.max_cut:g}%: each trust's core beds times (1 - cut), rounded, and its escalation "
            "beds by the same factor. A cut passes when the paired mean change from the baseline at full "
            "beds is <= 0 both in the mean wait for a bed (`bed_wait_hours_mean`, hours; none waiting "
            "counts as 0) and in the peak occupied beds (`acute_occupancy_p95_pct` x the cut's core beds), "
            "whole area. A configuration that fails at full beds releases none. Each round tries the "
            f"midpoint of the bracket; after {self.rounds} rounds the beds released are those of the "
            "largest cut that passed. Bisection assumes that a deeper cut never shortens the wait; with few "
            "replications a cut near the boundary may pass or fail by noise, which the bracket does not "
            "cover.\n"
            "3. The naive figure is the sweep's `beds_released_at_92pct`: acute bed days saved / (365 x "
            "0.92). It can differ for three reasons: the saved bed days may not fall at the peak; closing "
            "beds lengthens the queue for a bed nonlinearly near full occupancy; and acute bed days "
            "include time spent waiting for a bed, which a lever that shortens waits saves without "
            "freeing one.")

    def _assumptions(self) -> str:
        values = {path: self.base.value_at(path) for text in RESTS_ON.values()
                  for path in re.findall(r"\{([a-z_.]+)\}", text)}
        rows = [{"lever": f"`{path}`", "its effect rests on ([est] unless marked)":
                 re.sub(r"\{([a-z_.]+)\}", lambda m: f"{values[m.group(1)]:g}", text)}
                for path, text in RESTS_ON.items()]
        return ("Evidence is what the scenario file tags `[pub ...]` or `[seed NNN]`; assumed is what it "
                "tags `[est]` (a guess, with its plausible range in the file's comment). What each lever's "
                "result rests on:\n\n" + markdown_table(rows) + "\n\nEvery figure above is an [est] in "
                "`dorothy_sim/scenarios/kent_medway.toml` (with its plausible range there) except the "
                "advice line's 0.12, which is [seed 001] within an [est] range. Beyond each lever's own "
                "figures, every result rests on patient choice (0.30 of care-home discharges and 0.03 of "
                "others wait about 6 days for it), on the calibrated treatment lengths of stay and on the "
                "trusts' calibrated core beds. A front-door lever (single point of access, advice line, "
                "rapid response) releases beds only through admissions avoided, so its figure is as good "
                "as its effect sizes; a delay station's figure is as good as its capacity and assessment "
                "durations. The 95% intervals cover replications only, not these figures' ranges.\n\n"
                + costing_text(self.scenario))


if __name__ == "__main__":
    raise SystemExit(main())
