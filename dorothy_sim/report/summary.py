"""The plain-language paragraph at the top of a report, and its table by ICP and acute trust.

The paragraph says in one breath what a board asks first: how many admissions a what-if avoids,
the bed days and beds it frees, and what it does to cost, each with its interval, and says
"uncertain" where the interval includes zero rather than quoting a sign the runs cannot support."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dorothy_sim.formatting import format_estimate, format_number
from dorothy_sim.kpis import RANKING_KPI, UNITS
from dorothy_sim.monitor import ALL
from dorothy_sim.report.findings import best_configuration
from dorothy_sim.report.labels import CI_TEXT, TITLES, icp_name, pretty_path, trust_name
from dorothy_sim.sweep import SweepResults

AREA_KPIS: tuple[str, ...] = (RANKING_KPI, "bed_days_saved", "beds_released_at_92pct", "net_saving_gbp")
AREA_RUN_KPIS: tuple[str, ...] = ("admissions", "admissions_per_1000", "acute_bed_days",
                                  "acute_occupancy_mean_pct", "bed_wait_hours_mean", "cost_total_gbp")


def _range(low: float, high: float, unit: str) -> str:
    return f"{format_number(low, unit)} to {format_number(high, unit)}"


def _row(results: SweepResults, configuration: int, kpi: str, area: str = ALL) -> pd.Series | None:
    rows = results.comparisons
    rows = rows[(rows["configuration"] == configuration) & (rows["kpi"] == kpi) & (rows["area"] == area)]
    return None if rows.empty else rows.iloc[0]


def _certain(row: pd.Series) -> bool:
    low, high = float(row["diff_ci_low"]), float(row["diff_ci_high"])
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))


def effect_sentence(results: SweepResults, configuration: int) -> str:
    """"<label> avoids about 171 admissions (81 to 261) and saves about 464 bed days (...), freeing
    about 1.4 beds at 92% occupancy; the net saving is uncertain (-£20,000 to £35,000)"."""
    label = results.configurations.set_index("configuration").loc[configuration, "label"]
    parts = []
    avoided = _row(results, configuration, RANKING_KPI)
    if avoided is not None:
        mean = float(avoided["diff_mean"])
        what = "avoids about" if mean >= 0 else "adds about"
        text = (f"{what} {format_number(abs(mean), 'count')} admissions "
                f"({_range(avoided['diff_ci_low'], avoided['diff_ci_high'], 'count')}, exposure-adjusted)")
        interval = _range(avoided["diff_ci_low"], avoided["diff_ci_high"], "count")
        parts.append(text if _certain(avoided) else f"has an uncertain effect on admissions, about "
                     f"{format_number(mean, 'count')} avoided ({interval})")
    saved = _row(results, configuration, "bed_days_saved")
    beds = _row(results, configuration, "beds_released_at_92pct")
    if saved is not None:
        mean = float(saved["diff_mean"])
        text = (f"{'saves' if mean >= 0 else 'uses'} about {format_number(abs(mean), 'bed days')} bed days "
                f"({_range(saved['diff_ci_low'], saved['diff_ci_high'], 'bed days')})")
        if beds is not None and mean > 0:
            text += f", freeing about {format_number(beds['diff_mean'], 'beds')} beds at 92% occupancy"
        parts.append(text if _certain(saved) else text + ", though that could be noise")
    net = _row(results, configuration, "net_saving_gbp")
    if net is not None:
        interval = _range(net["diff_ci_low"], net["diff_ci_high"], "GBP")
        if _certain(net):
            word = "saving" if float(net["diff_mean"]) > 0 else "cost"
            parts.append(f"the net {word} is about {format_number(abs(float(net['diff_mean'])), 'GBP')} "
                         f"({interval})")
        else:
            parts.append(f"the net saving is uncertain ({interval})")
    if not parts:
        return ""
    return f"{label} {', '.join(parts[:-1])}{' and ' if len(parts) > 1 else ''}{parts[-1]}."


def plain_summary(results: SweepResults) -> str:
    """The report's opening paragraph in plain words (text, escaped by the page)."""
    counts = results.configurations["replications"]
    n = int(counts.min()) if len(counts) else 0
    tail = (f" Figures are over the results period, with the {CI_TEXT} in brackets, from {n} replication(s)"
            + (" (too few for stable intervals: treat them as rough)." if n < 5 else "."))
    if results.design == "run":
        summary = results.summary[(results.summary["area"] == ALL)].set_index("kpi")
        bits = []
        for kpi, words in (("admissions", "emergency admissions of the frail cohort"),
                           ("acute_occupancy_mean_pct", "mean acute occupancy"),
                           ("bed_wait_hours_mean", "a mean wait for a bed of"),
                           ("cost_total_gbp", "a total cost of")):
            if kpi in summary.index:
                row = summary.loc[kpi]
                unit = UNITS[kpi]
                value = (f"{format_number(row['mean'], unit)}{' hours' if unit == 'hours' else ''} "
                         f"({_range(row['ci_low'], row['ci_high'], unit)})")
                bits.append(f"{value} {words}" if kpi in ("admissions", "acute_occupancy_mean_pct")
                            else f"{words} {value}")
        return f"The run '{results.name}' shows " + ", ".join(bits) + "." + tail
    if results.design == "comparison":
        sentences = [effect_sentence(results, int(c)) for c in results.configurations["configuration"]
                     if c != 0]
        return "Against the baseline: " + " ".join(s for s in sentences if s) + tail
    best = best_configuration(results)
    if best is None:
        return ("No configuration avoids admissions (exposure-adjusted) without gridlocked beds or lost days "
                "at home." + tail)
    return "The best configuration: " + effect_sentence(results, best) + tail


def area_table(results: SweepResults, configuration: int | None) -> pd.DataFrame:
    """Rows by ICP (with its acute trust): for ``configuration``, its paired differences from the
    baseline (:data:`AREA_KPIS`); for ``None``, the baseline's levels (:data:`AREA_RUN_KPIS`)."""
    if configuration is None:
        rows = results.summary[results.summary["configuration"] == 0]
        columns = ("mean", "ci_low", "ci_high")
        kpis = AREA_RUN_KPIS
    else:
        rows = results.comparisons[results.comparisons["configuration"] == configuration]
        columns = ("diff_mean", "diff_ci_low", "diff_ci_high")
        kpis = AREA_KPIS
    areas = [a for a in rows["area"].unique() if a != ALL] + [ALL]
    out = pd.DataFrame({"ICP": [icp_name(a) for a in areas], "Acute trust": [trust_name(a) for a in areas]})
    for kpi in kpis:
        these = rows[rows["kpi"] == kpi].set_index("area").reindex(areas)
        out[f"{TITLES.get(kpi, pretty_path(kpi))} ({UNITS[kpi]})"] = [
            format_estimate(r[columns[0]], r[columns[1]], r[columns[2]], UNITS[kpi])
            if pd.notna(r[columns[0]]) else "n/a" for _, r in these.iterrows()]
    return out
