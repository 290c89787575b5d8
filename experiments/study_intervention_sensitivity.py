"""Study 2: one-at-a-time sensitivity of the eight Local Care interventions and reablement.

Why one at a time: before combining levers, a commissioner needs to know which ones move admissions and
beds at all, and by how much over a plausible range. Each capacity is halved and doubled, each on/off
intervention is flipped, everything else stays at the default scenario, and every configuration is
paired with the default under common random numbers.

The swing of a lever is its effect at the high level minus its effect at the low level (doubled minus
halved; on minus off, where the default counts as one of the two levels of a switch): positive means
more of the lever avoids more admissions (or releases more beds). Its 95% CI is a paired t interval over
replications of (high effect - low effect), which is valid because both configurations use the same
seeds. Levers are ranked by the size of the swing in avoided admissions, exposure-adjusted
(kpis.RANKING_KPI): the raw count also counts people kept in hospital, where the model gives them no
crises, as admissions avoided, so halving onward care would look like a benefit. The raw count is kept
beside it, labelled; a level whose configuration is gridlocked is flagged in every table.

Spec: experiments/specs/intervention_sensitivity.toml (also runnable alone with `dorothy sweep`).

Run (from the repository root; resumable: re-running loads every finished run):

    .venv/bin/python experiments/study_intervention_sensitivity.py [--workers 2] [--reps 8] [--out DIR]
    .venv/bin/python experiments/study_intervention_sensitivity.py --smoke    # small scenario, seconds

Writes to results/intervention_sensitivity/: the sweep store, tables/, report/ (with the tornado of
avoided admissions, exposure-adjusted), levers.csv (the swings with CIs) and README.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
from evidence import evidence_text, intervals_text
from intervals import Interval, adjusted_avoided, comparison, fmt_ci, paired
from readme import announce, flags, gridlock_lines, markdown_table, rel, write_readme
from studies import (
    SPECS,
    Provenance,
    SweepRun,
    describe_factor_values,
    output_folder,
    study_arguments,
    study_spec,
    sweep_and_report,
)

from dorothy_sim.kpis import RANKING_KPI, RAW_AVOIDED_KPI
from dorothy_sim.spec import plan, spec_from_dict

STUDY = "intervention_sensitivity"
SPEC = SPECS / f"{STUDY}.toml"
TORNADO = "avoided_admissions_tornado.png"  # written by dorothy_sim.report for one_at_a_time designs

LEVER_NAMES: dict[str, str] = {
    "falls_prevention.places_per_year": "1 Falls prevention (places a year)",
    "home_care.packages": "2 Integrated care at home (packages)",
    "rapid_response.clinicians": "3 Rapid response (clinicians)",
    "spa.call_handlers": "4 Single point of access (call handlers)",
    "mdt.cases_per_week": "5 Care coordination / MDT (cases a week)",
    "expert_opinion.clinicians": "6 Expert opinion (advice-line clinicians)",
    "discharge.coordinators": "7 Discharge planning (coordinators)",
    "mh_liaison.staff": "8 Mental health liaison (staff)",
    "reablement.places": "Reablement (places)",
}


@dataclass(frozen=True)
class Lever:
    """One factor's two ends: the configurations at its lowest and highest level (0 = the baseline)
    and the effects there and between them."""

    path: str
    low_value: Any
    high_value: Any
    baseline_value: Any
    low_configuration: int
    high_configuration: int
    adjusted_low: Interval         # avoided admissions, exposure-adjusted: what ranks
    adjusted_high: Interval
    adjusted_swing: Interval
    raw_low: Interval              # avoided admissions, raw count: shown, never ranks
    raw_high: Interval
    raw_swing: Interval
    low_flags: str                 # "gridlocked: ...", "queues still rising ..." or ""
    high_flags: str
    beds_low: Interval
    beds_high: Interval
    beds_swing: Interval
    net_saving_swing: Interval

    @property
    def name(self) -> str:
        return LEVER_NAMES.get(self.path, self.path)

    @property
    def switch(self) -> bool:
        return isinstance(self.baseline_value, bool)

    @property
    def levels(self) -> str:
        if self.switch:
            return "off -> on" + (" (default on)" if self.baseline_value else " (default off)")
        return f"{self.low_value} -> {self.high_value} (default {self.baseline_value})"


def main(argv: list[str] | None = None) -> int:
    args = study_arguments(__doc__.splitlines()[0], STUDY, argv)
    started = time.perf_counter()
    spec = study_spec(SPEC, args)
    out = output_folder(args, STUDY)
    done = sweep_and_report(spec, args, STUDY)
    if done is None:
        return 2
    run, report_note = done
    results_days = float(plan(spec_from_dict(spec)).baseline.run.results_days)
    levers = lever_effects(run, results_days)
    lever_table(levers).to_csv(out / "levers.csv", index=False)
    provenance = Provenance.of(run, f"`{rel(SPEC)}`" + (" moved to the small scenario (--smoke)"
                                                        if args.smoke else ""), started, args.smoke)
    tornado = out / "report" / TORNADO
    readme = write_readme(out, "Sensitivity of the Local Care interventions, one at a time", intro(spec),
                          provenance, [*findings(levers, report_note, tornado.exists(),
                                                 gridlock_lines(run.results)),
                                        *assumptions(str(spec.get("scenario", "kent_medway")),
                                                     run.results.factors, levers)])
    announce(readme, started)
    return 0


def intro(spec: dict[str, Any]) -> str:
    return (f"{spec['description']}\n\nDesign: one at a time around the default scenario; "
            f"{describe_factor_values(spec)}. Each configuration changes one factor; configuration 0 is "
            "the default, and every comparison is paired with it replication by replication (same seeds), "
            "whole area (`all`).")


def lever_effects(run: SweepRun, results_days: float) -> list[Lever]:
    """Each factor's low and high configuration, its effects there and its swing, with 95% CIs."""
    results = run.results
    configurations = results.configurations.set_index("configuration")
    baseline = {path: _plain(configurations.loc[0, path]) for path in results.factors}
    n = int(configurations["replications"].max())
    zero = Interval(0.0, 0.0, 0.0, n)
    flagged = flags(results)
    per_bed = -1.0 / (results_days * 0.92)
    levers = []
    for path in results.factors:
        arm = {baseline[path]: 0}
        for configuration, row in configurations.iterrows():
            changed = [p for p in results.factors if _plain(row[p]) != baseline[p]]
            if changed == [path]:
                arm[_plain(row[path])] = int(configuration)
        if len(arm) < 2:
            continue
        levels = sorted(arm)
        low, high = arm[levels[0]], arm[levels[-1]]

        def at(configuration: int, kpi: str) -> Interval:
            return zero if configuration == 0 else comparison(results, configuration, kpi)

        levers.append(Lever(
            path=path, low_value=levels[0], high_value=levels[-1], baseline_value=baseline[path],
            low_configuration=low, high_configuration=high,
            adjusted_low=at(low, RANKING_KPI), adjusted_high=at(high, RANKING_KPI),
            adjusted_swing=Interval.of(adjusted_avoided(results, high) - adjusted_avoided(results, low)),
            raw_low=at(low, RAW_AVOIDED_KPI), raw_high=at(high, RAW_AVOIDED_KPI),
            raw_swing=paired(results, high, "admissions", reference=low).scaled(-1.0),
            low_flags=flagged.get(low, ""), high_flags=flagged.get(high, ""),
            beds_low=at(low, "beds_released_at_92pct"), beds_high=at(high, "beds_released_at_92pct"),
            beds_swing=paired(results, high, "acute_bed_days", reference=low).scaled(per_bed),
            net_saving_swing=paired(results, high, "cost_total_gbp", reference=low).scaled(-1.0),
        ))
    return levers


def _plain(value: Any) -> Any:
    """A Python scalar from a table cell (numpy's bool is not a ``bool``, and switches are told apart
    from capacities by type)."""
    return value.item() if hasattr(value, "item") else value


def lever_table(levers: list[Lever]) -> pd.DataFrame:
    """The machine-readable form of the findings (levers.csv)."""
    rows = []
    for lever in levers:
        row: dict[str, Any] = {"lever": lever.name, "path": lever.path, "low": lever.low_value,
                               "high": lever.high_value, "baseline": lever.baseline_value,
                               "low_configuration": lever.low_configuration,
                               "high_configuration": lever.high_configuration,
                               "low_flags": lever.low_flags, "high_flags": lever.high_flags}
        for name in ("adjusted_low", "adjusted_high", "adjusted_swing", "raw_low", "raw_high", "raw_swing",
                     "beds_low", "beds_high", "beds_swing", "net_saving_swing"):
            interval: Interval = getattr(lever, name)
            row.update({name: interval.mean, f"{name}_ci_low": interval.low,
                        f"{name}_ci_high": interval.high})
        rows.append(row)
    table = pd.DataFrame(rows)
    table["rank_adjusted"] = table["adjusted_swing"].abs().rank(ascending=False, method="min").astype(int)
    table["rank_beds"] = table["beds_swing"].abs().rank(ascending=False, method="min").astype(int)
    return table.sort_values("rank_adjusted", kind="stable")


def ranking(levers: list[Lever], measure: str, kind: str) -> str:
    """The levers ranked by the size of their swing in ``measure`` (adjusted or beds); for avoided
    admissions the raw count's swing beside it, and each level's flags (gridlocked, queues rising)."""
    ordered = sorted(levers, key=lambda lv: -abs(getattr(lv, f"{measure}_swing").mean))
    rows = []
    for rank, lever in enumerate(ordered, start=1):
        swing: Interval = getattr(lever, f"{measure}_swing")
        rows.append({
            "rank": rank, "lever": lever.name, "levels (low -> high)": lever.levels,
            "at low": _effect(getattr(lever, f"{measure}_low"), lever.low_configuration, kind),
            "at high": _effect(getattr(lever, f"{measure}_high"), lever.high_configuration, kind),
            "swing (high - low)": fmt_ci(swing, kind),
            "CI excludes 0": "yes" if swing.excludes_zero else "no",
        })
        if measure == "adjusted":
            rows[-1]["swing, raw count (not exposure-adjusted)"] = fmt_ci(lever.raw_swing, kind)
        rows[-1]["flags"] = "; ".join(f"{end}: {text}" for end, text in (("low", lever.low_flags),
                                                                         ("high", lever.high_flags)) if text)
    return markdown_table(rows)


def _effect(interval: Interval, configuration: int, kind: str) -> str:
    return "0 (the default)" if configuration == 0 else fmt_ci(interval, kind)


def findings(levers: list[Lever], report_note: str, has_tornado: bool,
             warnings: list[str]) -> list[tuple[str, str]]:
    if not levers:
        return [("Key findings", "No lever has two levels in this sweep.")]
    by_adjusted = sorted(levers, key=lambda lv: -abs(lv.adjusted_swing.mean))
    by_beds = sorted(levers, key=lambda lv: -abs(lv.beds_swing.mean))
    n = by_adjusted[0].adjusted_swing.n
    lines = []
    for title, ordered, measure, kind, unit in (
            ("avoided admissions (exposure-adjusted)", by_adjusted, "adjusted", "count", "admissions a year"),
            ("beds released at 92% occupancy", by_beds, "beds", "beds", "beds")):
        top = ordered[0]
        swing: Interval = getattr(top, f"{measure}_swing")
        lines.append(f"- **Largest swing in {title}:** {top.name}, {top.levels}: "
                     f"{fmt_ci(swing, kind)} {unit}" + ("" if swing.excludes_zero else
                                                         " (its CI includes zero)") + ".")
        if len(ordered) > 1:
            second = ordered[1]
            lines.append(f"  Next: {second.name}, {fmt_ci(getattr(second, f'{measure}_swing'), kind)}.")
        clear = [lv.name for lv in ordered if getattr(lv, f"{measure}_swing").excludes_zero]
        unclear = [lv.name for lv in ordered if not getattr(lv, f"{measure}_swing").excludes_zero]
        lines.append(f"- Swing in {title} with a 95% CI excluding zero ({len(clear)} of {len(ordered)}): "
                     f"{', '.join(clear) or 'none'}. No detectable effect at {n} replications: "
                     f"{', '.join(unclear) or 'none'}.")
    saving = [lv for lv in levers if lv.net_saving_swing.excludes_zero]
    if saving:
        lines.append("- Net saving of the high level over the low level (all services and acute bed days), "
                     "where its CI excludes zero: " + "; ".join(
                         f"{lv.name} {fmt_ci(lv.net_saving_swing, 'gbp')}" for lv in saving) + ".")
    note = ("\n\nSwing = effect at the high level - effect at the low level (doubled - halved; on - off), "
            "so a positive swing means more of the lever helps. \"At low\" and \"at high\" are paired "
            "differences from the default scenario (the default itself shows 0) in avoided admissions, "
            "exposure-adjusted: (the default's admissions per person-year at home - the level's) x the "
            "level's person-years at home. The raw count (default's admissions - the level's) is shown "
            "beside the swing but does not rank: it counts people kept in hospital, where the model gives "
            "them no crises, as admissions avoided. \"flags\" names a level whose acute beds are "
            "gridlocked (occupancy >= 100% or a mean bed wait >= 24 h) or whose queues were still rising "
            "at the end. Beds released = bed days saved / (results days x 0.92). 95% CIs are paired t "
            "intervals over replications (simulation noise only). Machine-readable: `levers.csv`; every "
            "configuration: `tables/headline.csv`.")
    sections = [("Key findings", "\n".join([*warnings, *lines])),
                ("Levers ranked by swing in avoided admissions (exposure-adjusted)",
                 ranking(levers, "adjusted", "count") + note),
                ("Levers ranked by swing in beds released at 92% occupancy", ranking(levers, "beds", "beds"))]
    figure = (f"![Tornado of avoided admissions, exposure-adjusted](report/{TORNADO})\n\n" if has_tornado
              else "(The report has no tornado figure; see the note below.)\n\n")
    sections.append(("Tornado of avoided admissions (exposure-adjusted)", figure + report_note))
    return sections


def assumptions(scenario: str, factors: list[str], levers: list[Lever]) -> list[tuple[str, str]]:
    """What the intervals mean, and the evidence and [est] figures of each swept lever's section."""
    n = levers[0].adjusted_swing.n if levers else 0
    return [("What the intervals mean", intervals_text(n)),
            ("What is evidence and what is assumed", evidence_text(
                scenario, (path.split(".")[0] for path in factors),
                "Each lever's swing rests on its own section's figures (its effect sizes, mostly [est]):"))]


if __name__ == "__main__":
    raise SystemExit(main())
