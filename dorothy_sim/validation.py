"""Validation: does the default scenario's baseline look like Kent and Medway?

Each target names its source (a seed document or a published figure), the band within which the
model's mean counts as a pass, and how the model value is read from the result tables. Targets
the model misses stay in the table as fails with the reason; calibration changes only parameters
tagged [est] (experiments/calibration.py, docs/validation.md).

``dorothy validate`` runs the default scenario and, paired on the same seeds, the same scenario with
over-70s' stays capped at 10 days (seed 004's lever), then writes docs/validation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from dorothy_sim.analysis import t_interval
from dorothy_sim.experiment import Results, run_replications
from dorothy_sim.scenario import Scenario

LOS_CAP = {"acute.los_cap_days": 10.0}


@dataclass(frozen=True)
class ValidationRuns:
    baseline: Results
    los_cap: Results

    def values(self, kpi: str, area: str = "all", which: str = "baseline") -> np.ndarray:
        table = (self.baseline if which == "baseline" else self.los_cap).replications
        rows = table[(table["kpi"] == kpi) & (table["area"] == area)].sort_values("replication")
        return rows["value"].to_numpy(dtype=float)


Reader = Callable[[ValidationRuns], np.ndarray]


def kpi(name: str, area: str = "all") -> Reader:
    return lambda runs: runs.values(name, area)


def ratio(numerator: str, denominator: str, scale: float = 100.0) -> Reader:
    return lambda runs: scale * runs.values(numerator) / runs.values(denominator)


def los_cap_reduction(runs: ValidationRuns) -> np.ndarray:
    """Cut in all non-elective acute bed days (cohort and background), as seed 004 states it:
    258k bed days and 830 beds, about 27% of Kent and Medway's non-elective bed base."""
    def all_bed_days(which: str) -> np.ndarray:
        return (runs.values("acute_bed_days", which=which)
                + runs.values("background_bed_days", which=which))
    return 100.0 * (1.0 - all_bed_days("los_cap") / all_bed_days("baseline"))


def pathway_share(number: int) -> Reader:
    def read(runs: ValidationRuns) -> np.ndarray:
        total = sum(runs.values(f"discharges_pathway_{n}") for n in range(4))
        return 100.0 * runs.values(f"discharges_pathway_{number}") / total
    return read


@dataclass(frozen=True)
class Target:
    name: str
    source: str
    target: str
    low: float
    high: float
    read: Reader
    unit: str = ""
    note: str = ""


TARGETS: tuple[Target, ...] = (
    Target("Acute occupancy, Kent and Medway (% of core beds)", "seed 004", "91–99%", 91, 99,
           kpi("acute_occupancy_mean_pct"), "%"),
    Target("Acute occupancy, EKHUFT (East Kent)", "seed 004", "91% (band 91–99%)", 91, 99,
           kpi("acute_occupancy_mean_pct", "east_kent"), "%"),
    Target("Acute occupancy, DGT (DGS)", "seed 004", "99% (band 91–99%)", 91, 99,
           kpi("acute_occupancy_mean_pct", "dgs"), "%"),
    Target("Acute occupancy, MFT (Medway and Swale)", "seed 004", "99% (band 91–99%)", 91, 99,
           kpi("acute_occupancy_mean_pct", "medway_swale"), "%"),
    Target("Acute occupancy, MTW (West Kent)", "seed 004", "94% (band 91–99%)", 91, 99,
           kpi("acute_occupancy_mean_pct", "west_kent"), "%"),
    Target("Occupied bed days after medically fit", "seeds 001, 004",
           "about one in four (20–30%)", 20, 30, kpi("mffd_bed_share_pct"), "%",
           "share of all occupied acute bed days, cohort and background patients"),
    Target("Bed-day cut from capping over-70s' stays at 10 days", "seed 004", "about 27% (22–32%)",
           22, 32, los_cap_reduction, "%",
           "all acute bed days (the cap applies to the cohort's over-70s); paired runs with "
           "acute.los_cap_days = 10 vs none"),
    Target("MDT reviews a year, East Kent", "seed 001", "12,703 (±10%)", 12703 * 0.9, 12703 * 1.1,
           kpi("mdt_reviews", "east_kent")),
    Target("MDT reviews a year, DGS (North Kent share)", "seed 001", "2,148 (±10%)",
           2148 * 0.9, 2148 * 1.1, kpi("mdt_reviews", "dgs"), "",
           "North Kent's 3,053 split between DGS and Swale by registered population"),
    Target("MDT reviews a year, Medway and Swale", "seed 001", "3,187 (±10%)", 3187 * 0.9, 3187 * 1.1,
           kpi("mdt_reviews", "medway_swale"), "", "Medway 2,282 plus Swale's share of North Kent"),
    Target("MDT reviews a year, West Kent", "seed 001", "1,840 (±10%)", 1840 * 0.9, 1840 * 1.1,
           kpi("mdt_reviews", "west_kent")),
    Target("Emergency admissions per 1000 a year, mild frailty", "pub: Clegg 2016; King's Fund 2012",
           "230 (±15%)", 230 * 0.85, 230 * 1.15, kpi("admissions_per_1000_mild")),
    Target("Emergency admissions per 1000 a year, moderate frailty", "pub: Clegg 2016; King's Fund 2012",
           "360 (±15%)", 360 * 0.85, 360 * 1.15, kpi("admissions_per_1000_moderate")),
    Target("Emergency admissions per 1000 a year, severe frailty", "pub: Clegg 2016; King's Fund 2012",
           "560 (±15%)", 560 * 0.85, 560 * 1.15, kpi("admissions_per_1000_severe")),
    Target("A&E attenders admitted", "pub: Gilbert & Conroy 2017", "47% (42–52%)", 42, 52,
           ratio("admissions", "ed_attendances"), "%", "close to an input (ed.p_admit)"),
    Target("Still at home 91 days after discharge into reablement", "pub: ASCOF 2B(1)",
           "about 82% (78–86%)", 78, 86, kpi("home_at_91d_pct"), "%"),
    Target("Reablement ending with no ongoing support", "pub: Kent CC local account 2022",
           "62% (57–67%)", 57, 67, kpi("reablement_independent_pct"), "%",
           "an input (reablement.p_independent); checks the episode logic"),
    Target("Rapid-response referrals reached within 2 hours", "pub: NHS England UCR standard",
           "at least 70%", 70, 100, kpi("rr_seen_within_2h_pct"), "%"),
    Target("Rapid-response visits treated at home", "pub: NHS England 2025", "67% (62–72%)", 62, 72,
           ratio("rr_admissions_avoided", "rr_visits"), "%", "close to an input (p_treated_at_home)"),
    Target("Median acute length of stay", "pub: Lisk et al. 2019", "6.5 days (5.5–7.5)", 5.5, 7.5,
           kpi("los_median_days"), "days"),
    Target("Mean acute length of stay", "pub: Lisk et al. 2019", "about 12.4 days (10.5–14.5)",
           10.5, 14.5, kpi("los_mean_days"), "days"),
    Target("Discharges on pathway 0", "pub: DHSC Discharge to Assess", "about 50% (45–55%)", 45, 55,
           pathway_share(0), "%"),
    Target("Discharges on pathway 1", "pub: DHSC Discharge to Assess", "about 45% (40–50%)", 40, 50,
           pathway_share(1), "%"),
    Target("Discharges on pathway 2", "pub: DHSC Discharge to Assess", "about 4% (2–6%)", 2, 6,
           pathway_share(2), "%"),
    Target("Discharges on pathway 3", "pub: DHSC Discharge to Assess", "about 1% (0.5–2%)", 0.5, 2,
           pathway_share(3), "%"),
)


KNOWN_GAPS: dict[str, str] = {}
"""Why a target the model misses is missed (filled in from calibration; see docs/validation.md)."""


def run_validation(scenario: Scenario, reps: int, seed: int = 1, workers: int | None = None,
                   progress: bool = False) -> ValidationRuns:
    baseline = run_replications(scenario, reps=reps, seed=seed, workers=workers, progress=progress)
    capped = run_replications(scenario.with_overrides(LOS_CAP), reps=reps, seed=seed, workers=workers,
                              progress=progress)
    return ValidationRuns(baseline=baseline, los_cap=capped)


def evaluate(runs: ValidationRuns) -> pd.DataFrame:
    rows = []
    for target in TARGETS:
        values = target.read(runs)
        mean, _, low, high, n = t_interval(values)
        passed = bool(target.low <= mean <= target.high) if np.isfinite(mean) else False
        rows.append({
            "target": target.name, "source": target.source, "target_value": target.target,
            "model_mean": mean, "ci_low": low, "ci_high": high, "n": n, "passed": passed,
            "unit": target.unit, "note": target.note,
        })
    return pd.DataFrame(rows)


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"


def to_markdown(table: pd.DataFrame, scenario: Scenario, reps: int, seed: int, command: str,
                reasons: dict[str, str] | None = None) -> str:
    """The validation report: the table, then the reason for each fail."""
    reasons = KNOWN_GAPS if reasons is None else reasons
    passed = int(table["passed"].sum())
    lines = [
        "# Validation against the source figures",
        "",
        f"Generated by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: scenario "
        f"`{scenario.name}` (the default baseline), {reps} replications, seeds {seed}–{seed + reps - 1}, "
        f"{scenario.run.warmup_days:g}-day warm-up then {scenario.run.results_days:g} days. "
        "The model mean passes when it lies inside the target band; the 95% confidence interval "
        "over replications is shown beside it. Do not edit by hand: rerun `dorothy validate`.",
        "",
        f"**{passed} of {len(table)} targets pass.**",
        "",
        "| target | source | target value | model mean | 95% CI | result | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        ci = f"{_fmt(row.ci_low)} – {_fmt(row.ci_high)}"
        result = "pass" if row.passed else "**fail**"
        lines.append(f"| {row.target} | {row.source} | {row.target_value} | {_fmt(row.model_mean)} "
                     f"| {ci} | {result} | {row.note} |")
    fails = table[~table["passed"]]
    if len(fails):
        lines += ["", "## Why the fails fail", ""]
        for row in fails.itertuples():
            lines.append(f"- **{row.target}**: {reasons.get(row.target, 'not yet explained')}")
    return "\n".join(lines) + "\n"
