"""Study 1: rapid-response clinicians x reablement places, a full grid around the default scenario.

Why a full grid: the two services interact. Rapid response keeps people out of hospital and steps some
of them up into reablement, and reablement takes pathway-1 discharges; more clinicians with no more
places may only move the queue. The grid measures every combination, each paired with the default
scenario (configuration 0) under common random numbers, so the differences (avoided admissions, beds
released, net saving) have narrow 95% intervals.

Spec: experiments/specs/rr_reablement_grid.toml (also runnable alone with `dorothy sweep`).

Run (from the repository root; resumable: re-running loads every finished run):

    .venv/bin/python experiments/study_rr_reablement_grid.py [--workers 2] [--reps 10] [--out DIR]
    .venv/bin/python experiments/study_rr_reablement_grid.py --smoke     # small scenario, seconds

Writes to results/rr_reablement_grid/: the sweep store (manifest.json, runs/), tables/, report/ (the
sweep report, when dorothy_sim.report is available) and README.md (how it was made, key findings).
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
from evidence import evidence_text, intervals_text
from intervals import Interval, fmt_ci
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

from dorothy_sim.formatting import format_study_number as fmt_number
from dorothy_sim.kpis import RANKING_KPI, RAW_AVOIDED_KPI

STUDY = "rr_reablement_grid"
SPEC = SPECS / f"{STUDY}.toml"
CLINICIANS, PLACES = "rapid_response.clinicians", "reablement.places"


def main(argv: list[str] | None = None) -> int:
    args = study_arguments(__doc__.splitlines()[0], STUDY, argv)
    started = time.perf_counter()
    spec = study_spec(SPEC, args)
    out = output_folder(args, STUDY)
    done = sweep_and_report(spec, args, STUDY)
    if done is None:
        return 2
    run, report_note = done
    table = headline_table(run)
    table.to_csv(out / "grid_headline.csv", index=False)
    provenance = Provenance.of(run, f"`{rel(SPEC)}`" + (" moved to the small scenario (--smoke)"
                                                        if args.smoke else ""), started, args.smoke)
    readme = write_readme(out, "Rapid response x reablement: full grid", intro(spec), provenance,
                          findings(run, table, report_note))
    announce(readme, started)
    return 0


def intro(spec: dict[str, Any]) -> str:
    return (f"{spec['description']}\n\nDesign: full grid, {describe_factor_values(spec)}. Configuration 0 "
            "is the scenario's default mix; every other configuration is compared with it replication by "
            "replication (same seeds), whole area (`all`).")


def headline_table(run: SweepRun) -> pd.DataFrame:
    """One row per grid point: the comparison KPIs and occupancy with their 95% CIs (numbers), the
    flags in words, and the net cost per avoided admission (exposure-adjusted) where those avoided
    admissions are clearly above zero and the beds are not gridlocked."""
    results = run.results
    table = results.headline()
    table["label"] = results.configurations.set_index("configuration").loc[table["configuration"], "label"] \
        .to_numpy()
    table["flags"] = flags(results).reindex(table["configuration"]).to_numpy()
    clear = (table[f"{RANKING_KPI}_ci_low"] > 0) & ~table["gridlocked"]
    table["net_cost_per_avoided_admission_gbp"] = (table["cost_change_gbp"] / table[RANKING_KPI]).where(clear)
    return table


def findings(run: SweepRun, table: pd.DataFrame, report_note: str) -> list[tuple[str, str]]:
    n = int(table["replications"].max())
    rows = []
    for row in table.to_dict("records"):
        base = row["configuration"] == 0
        rows.append({
            "clinicians": row[CLINICIANS], "reablement places": row[PLACES],
            "avoided admissions (exposure-adjusted)": "baseline" if base else fmt_ci(Interval.from_columns(
                row, RANKING_KPI, n), "count"),
            "days at home gained": "baseline" if base else fmt_ci(Interval.from_columns(
                row, "days_at_home_gained", n), "count"),
            "avoided admissions (raw count, not exposure-adjusted)": "baseline" if base else fmt_ci(
                Interval.from_columns(row, RAW_AVOIDED_KPI, n), "count"),
            "beds released at 92%": "baseline" if base else fmt_ci(Interval.from_columns(
                row, "beds_released_at_92pct", n), "beds"),
            "net saving": "baseline" if base else fmt_ci(Interval.from_columns(row, "net_saving_gbp", n),
                                                         "gbp"),
            "net cost per avoided admission": fmt_number(row["net_cost_per_avoided_admission_gbp"], "gbp"),
            "acute occupancy": fmt_ci(Interval.from_columns(row, "acute_occupancy_mean_pct", n), "pct"),
            "flags": row["flags"],
        })
    grid = markdown_table(rows) + (
        "\n\nAvoided admissions, days at home gained (summed over the cohort), beds released (bed days "
        "saved / (results days x 0.92)) and net saving (baseline total cost minus this configuration's, "
        "all services and acute bed days; positive is a saving) are paired differences from configuration "
        "0 over the year, mean and 95% t interval across replications (simulation noise only). Avoided "
        "admissions exposure-adjusted = (configuration 0's admissions per person-year at home - this "
        "point's) x this point's person-years at home: it ranks the points. The raw count (configuration "
        "0's admissions - this point's) is shown beside it but never ranks, because it counts people kept "
        "in hospital, where the model gives them no crises, as admissions avoided. Net cost per avoided "
        "admission = cost change / avoided admissions exposure-adjusted (ratio of means), shown only "
        "where their CI is above zero and the beds are not gridlocked. \"flags\": gridlocked acute beds "
        "(occupancy >= 100% or a mean bed wait >= 24 h; never a best point) or queues still rising at "
        "the end. Acute occupancy is the mean of core beds, all patients. Machine-readable: "
        "`grid_headline.csv`, `tables/headline.csv`.")
    warnings = "".join(f"{line}\n" for line in gridlock_lines(run.results))
    return [("Key findings", warnings + key_findings(table, n)),
            ("Every grid point (whole area, one year)", grid),
            ("What the intervals mean", intervals_text(n)),
            ("What is evidence and what is assumed", evidence_text(
                str(run.spec.get("scenario", "kent_medway")), ("rapid_response", "reablement"),
                "The grid's effects rest on the rapid-response and reablement sections' figures:")),
            ("Report and tables", f"{report_note}\n\nTidy tables (CSV and Parquet) in `tables/`: "
             "configurations, headline, replications, summary, comparisons, occupancy_daily.")]


def key_findings(table: pd.DataFrame, n: int) -> str:
    """The headline sentences, all read from the table; best points are chosen on avoided admissions
    exposure-adjusted among the grid points whose beds are not gridlocked."""
    others = table[(table["configuration"] != 0) & ~table["gridlocked"]]
    if others.empty:
        return "The grid holds no point besides the baseline whose acute beds are not gridlocked."
    lines = []

    def point(row: pd.Series) -> str:
        clinicians = row[CLINICIANS]
        return f"{clinicians} clinician{'' if clinicians == 1 else 's'} with {row[PLACES]} reablement places"

    best = others.loc[others["net_saving_gbp"].idxmax()]
    saving = Interval.from_columns(best, "net_saving_gbp", n)
    verdict = ("its 95% CI is above zero: a saving" if saving.above_zero else
               "its 95% CI is below zero: a net cost even at the best point" if saving.below_zero else
               "its 95% CI includes zero: no grid point reliably saves money")
    lines.append(f"- **Best point per £ (largest net saving):** {point(best)}: net saving "
                 f"{fmt_ci(saving, 'gbp')} a year ({verdict}); avoided admissions (exposure-adjusted) "
                 f"{fmt_ci(Interval.from_columns(best, RANKING_KPI, n), 'count')}, beds released "
                 f"at 92% {fmt_ci(Interval.from_columns(best, 'beds_released_at_92pct', n), 'beds')}.")
    most = others.loc[others[RANKING_KPI].idxmax()]
    lines.append(f"- **Most admissions avoided (exposure-adjusted):** {point(most)}: "
                 f"{fmt_ci(Interval.from_columns(most, RANKING_KPI, n), 'count')} a year (raw count "
                 f"{fmt_ci(Interval.from_columns(most, RAW_AVOIDED_KPI, n), 'count')}); days at home gained "
                 f"{fmt_ci(Interval.from_columns(most, 'days_at_home_gained', n), 'count')}; beds "
                 f"released at 92% {fmt_ci(Interval.from_columns(most, 'beds_released_at_92pct', n), 'beds')}"
                 f"; net saving {fmt_ci(Interval.from_columns(most, 'net_saving_gbp', n), 'gbp')}.")
    beds = others.loc[others["beds_released_at_92pct"].idxmax()]
    lines.append(f"- **Most beds released at 92% occupancy:** {point(beds)}: "
                 f"{fmt_ci(Interval.from_columns(beds, 'beds_released_at_92pct', n), 'beds')}.")
    clear = others[others[f"{RANKING_KPI}_ci_low"] > 0]
    lines.append(f"- {len(clear)} of {len(others)} grid points not gridlocked avoid admissions "
                 "(exposure-adjusted) with a 95% CI above zero; "
                 f"{int((others['net_saving_gbp_ci_low'] > 0).sum())} save money with a CI above zero and "
                 f"{int((others['net_saving_gbp_ci_high'] < 0).sum())} cost money with a CI below zero.")
    if not clear.empty:
        cheapest = clear.loc[clear["net_cost_per_avoided_admission_gbp"].idxmin()]
        lines.append(f"- **Lowest net cost per avoided admission** (among those): {point(cheapest)}: "
                     f"{fmt_number(cheapest['net_cost_per_avoided_admission_gbp'], 'gbp')} per admission "
                     "avoided (negative: each avoided admission comes with a saving).")
    base = table[table["configuration"] == 0].iloc[0]
    lines.append(f"- Baseline ({point(base)}) mean acute occupancy: "
                 f"{fmt_ci(Interval.from_columns(base, 'acute_occupancy_mean_pct', n), 'pct')}.")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
