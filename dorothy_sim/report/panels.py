"""The report's figures for comparisons and single runs, and those every report shares: the what-ifs
against the baseline, occupancy by month, where people queue, and the breakdown by ICP and trust.

Rules every figure here keeps (tests/test_figures.py checks each): a band of what could happen on a
day (percentiles over days and replications) is drawn apart from the confidence interval of a mean;
months, not days, on a time axis; a single what-if is a point with its interval and the baseline
marked; two points are never joined by a line (that would suggest a dose-response); titles are short
and wrapped to the figure; labels are words, never internal or dotted names; percentages stay within
[0, 100] and counts at or above 0."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import StrMethodFormatter

from dorothy_sim.areas import area_label
from dorothy_sim.formatting import format_estimate
from dorothy_sim.kpis import RANKING_KPI, UNITS
from dorothy_sim.monitor import ALL
from dorothy_sim.report.figures import FIG_BY_AREA, FIG_COMPARISON, Chart, _new_figure
from dorothy_sim.report.labels import (
    CI_TEXT,
    TITLES,
    area_title,
    pretty_path,
    service_name,
    unit_label,
)
from dorothy_sim.sweep import SweepResults

DEFAULT_KPIS: tuple[str, ...] = (RANKING_KPI, "bed_days_saved", "net_saving_gbp", "days_at_home_gained")
"""What a comparison shows unless ``--kpi`` says otherwise: admissions beside bed days and cost."""
RUN_KPIS: tuple[str, ...] = ("admissions_per_1000", "acute_bed_days", "acute_occupancy_mean_pct",
                             "bed_wait_hours_mean", "cost_total_gbp", "days_at_home_per_person")
"""What a single run's breakdown by ICP shows."""
TITLE_WIDTH = 9.0
"""Characters of a title per inch of figure width: a wrapped title fits its figure."""


def title_of(kpi: str) -> str:
    """A measure's display name: the report's title, else its words (never the internal name)."""
    return TITLES.get(kpi, pretty_path(kpi))


def wrap_title(text: str, width_inches: float) -> str:
    return "\n".join(textwrap.wrap(text, max(20, int(width_inches * TITLE_WIDTH))))


def _label(text: str, width: int = 26) -> str:
    """Wrapped to ``width`` characters a line, keeping the text's own line breaks."""
    return "\n".join("\n".join(textwrap.wrap(line, width)) or line for line in str(text).split("\n"))



def _colour(low: float, high: float) -> Any:
    """Blue where the interval straddles zero, green wholly above, red wholly below."""
    if np.isfinite(low) and low > 0:
        return "tab:green"
    if np.isfinite(high) and high < 0:
        return "tab:red"
    return "tab:blue"


def _points(ax: Any, means: np.ndarray, lows: np.ndarray, highs: np.ndarray, names: list[str],
            unit: str) -> None:
    """One point per row with its interval as a whisker, the value written beside it; the baseline a
    solid line at zero; never a line between points."""
    y = np.arange(len(means))
    for i, (mean, low, high) in enumerate(zip(means, lows, highs, strict=True)):
        error = [[mean - low], [high - mean]] if np.isfinite(low) else None
        ax.errorbar([mean], [i], xerr=error, fmt="o", color=_colour(low, high), capsize=4, markersize=7,
                    linestyle="none", zorder=4)
        ax.annotate(format_estimate(mean, low, high, unit), (mean, i), xytext=(0, 8),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.axvline(0, color="black", linewidth=1.4, zorder=3)
    ax.set_yticks(y, [_label(n) for n in names])
    ax.set_ylim(len(means) - 0.4, -0.7)
    reach = np.nanmax(np.abs(np.concatenate([lows, highs, means]))) if len(means) else 1.0
    reach = reach if np.isfinite(reach) and reach > 0 else 1.0
    ax.set_xlim(-1.25 * reach, 1.25 * reach)  # the baseline (zero) always in the middle
    if reach >= 1000:
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _legend_handles() -> list[Any]:
    return [Line2D([], [], color="black", linewidth=1.4, label="Baseline (no change)"),
            Line2D([], [], color="tab:blue", marker="o", linestyle="none",
                   label=f"What-if: mean, whiskers {CI_TEXT}"),
            Patch(color="tab:green", label="better than baseline (CI above 0)"),
            Patch(color="tab:red", label="worse (CI below 0)")]


def comparison_chart(results: SweepResults, kpis: tuple[str, ...] = DEFAULT_KPIS) -> Chart | None:
    """Each what-if against the baseline, one panel per measure: a point with its paired 95% CI, the
    baseline the line at zero."""
    comparisons = results.comparisons
    rows = comparisons[(comparisons["area"] == ALL) & (comparisons["configuration"] != 0)]
    kpis = tuple(k for k in kpis if (rows["kpi"] == k).any())
    if not kpis:
        return None
    labels = results.configurations.set_index("configuration")["label"]
    configurations = sorted(rows["configuration"].unique())
    width = 11.0 if len(kpis) > 1 else 7.0
    figure, axes = _new_figure(width, (1.6 + 0.7 * len(configurations)) * ((len(kpis) + 1) // 2),
                               len(kpis), sharey=True, columns=2)
    for ax, kpi in zip(axes, kpis, strict=True):
        these = rows[rows["kpi"] == kpi].set_index("configuration").reindex(configurations)
        _points(ax, these["diff_mean"].to_numpy(float), these["diff_ci_low"].to_numpy(float),
                these["diff_ci_high"].to_numpy(float), [str(labels[c]) for c in configurations], UNITS[kpi])
        ax.set_title(wrap_title(title_of(kpi), width / 2), fontsize="medium")
        ax.set_xlabel(f"{unit_label(UNITS[kpi])}, difference from the baseline")
    figure.legend(handles=_legend_handles(), loc="outside lower center", ncols=2, fontsize="small")
    title = "What-ifs against the baseline"
    figure.suptitle(wrap_title(title, width), fontweight="bold")
    caption = (f"{title} (whole area, results period): for each measure, each what-if's mean paired "
               f"difference from the baseline (a dot) with its {CI_TEXT} (whiskers); the baseline is the "
               "line at zero. Positive is better (avoided admissions, bed days saved and the net saving "
               "are baseline minus what-if). Green: the interval is wholly above zero; red: wholly below; "
               "blue: it includes zero, so the difference could be simulation noise.")
    return Chart(FIG_COMPARISON, title, caption, figure)


def occupancy_chart(results: SweepResults, shown: list[tuple[int, str]], stem: str) -> Chart | None:
    """Acute occupancy by month: the mean with the 95% CI of the mean (whiskers), and as a band the
    10th to 90th percentile of single days (what a day could be like)."""
    monthly = results.occupancy_monthly
    if monthly.empty:
        return None
    monthly = monthly[monthly["area"] == ALL]
    shown = [(c, label) for c, label in shown if (monthly["configuration"] == c).any()][:4]
    if not shown:
        return None
    figure, (ax,) = _new_figure(9.0, 4.8)
    colours = sns.color_palette(n_colors=len(shown))
    offsets = np.linspace(-0.15, 0.15, len(shown)) if len(shown) > 1 else [0.0]
    for (configuration, label), colour, offset in zip(shown, colours, offsets, strict=True):
        rows = monthly[monthly["configuration"] == configuration].sort_values("month")
        x = rows["month"].to_numpy(float)
        mean = rows["mean_pct"].to_numpy(float)
        ax.fill_between(x, rows["p10_pct"], rows["p90_pct"], color=colour, alpha=0.15, linewidth=0,
                        step="mid" if len(x) < 3 else None)
        error = np.vstack([mean - rows["ci_low_pct"].to_numpy(float),
                           rows["ci_high_pct"].to_numpy(float) - mean])
        ax.errorbar(x + offset, mean, yerr=np.nan_to_num(error), fmt="o-" if len(x) > 2 else "o",
                    color=colour, capsize=3, markersize=5, linewidth=1.2, label=_label(label, 50))
    for level, colour in ((85, "tab:orange"), (92, "tab:red")):
        ax.axhline(level, color=colour, linestyle="--", linewidth=1, label=f"{level}% occupancy")
    months = sorted(monthly["month"].unique())
    ax.set_xticks(months, [f"Month {m}" for m in months], rotation=45 if len(months) > 8 else 0)
    ax.set_xlabel("Month of the results period")
    ax.set_ylabel("Acute occupancy (% of core beds)")
    ax.set_ylim(bottom=0)
    handles, names = ax.get_legend_handles_labels()
    handles.append(Patch(color="grey", alpha=0.3, label="Band: 10th to 90th percentile of single days"))
    figure.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small")
    title = "Acute bed occupancy by month"
    figure.suptitle(wrap_title(title, 9.0), fontweight="bold")
    caption = (f"{title} (whole area, all patients, % of core beds). Dots and whiskers: the month's mean "
               f"over replications and its {CI_TEXT}: how sure the mean is. Shaded band: the 10th to 90th "
               "percentile of single days in that month over every replication: what a day could be like. "
               "Dashed lines at 85% and 92%.")
    return Chart(stem, title, caption, figure)


def queue_summary(results: SweepResults, configuration: int = 0) -> pd.DataFrame:
    """Per service (whole area): mean people waiting at the end of the run and at the worst moment,
    and in how many replications the queue was still rising; ranked by queueing (still rising
    first, then the queue at the end, then the worst queue): where the bottlenecks are."""
    queues = results.queues
    if queues.empty or "configuration" in queues and not (queues["configuration"] == configuration).any():
        return pd.DataFrame(columns=["queue", "queue_end", "queue_max", "rising_in", "replications"])
    if "configuration" in queues:
        queues = queues[queues["configuration"] == configuration]
    runs = queues.groupby(["replication", "queue"], sort=False).agg(
        queue_end=("queue_end", "sum"), queue_max=("queue_max", "sum"), rising=("still_rising", "any"))
    table = runs.groupby("queue").agg(queue_end=("queue_end", "mean"), queue_max=("queue_max", "mean"),
                                      rising_in=("rising", "sum"), replications=("rising", "size"))
    table["rising_in"] = table["rising_in"].astype(int)
    table = table.sort_values(["rising_in", "queue_end", "queue_max"], ascending=False, kind="stable")
    return table.reset_index()


def bottleneck_chart(results: SweepResults, configuration: int, label: str, stem: str) -> Chart | None:
    """Where people queue (whole area), ranked by queueing rather than by how busy a service is (a
    programme with a fixed number of places is always full, which is no bottleneck): people waiting
    at the end and at the worst moment, still-rising queues marked; beside it the mean waits."""
    table = queue_summary(results, configuration)
    table = table[(table["queue_max"] > 0) | (table["rising_in"] > 0)]
    summary = results.summary
    is_wait = summary["kpi"].str.endswith("_wait_days_mean") | (summary["kpi"] == "bed_wait_hours_mean")
    waits = summary[(summary["area"] == ALL) & (summary["configuration"] == configuration) & is_wait]
    if table.empty and waits.empty:
        return None
    figure, axes = _new_figure(11.0, 1.8 + 0.35 * max(len(table), len(waits), 3), 2, sharey=False)
    ax = axes[0]
    y = np.arange(len(table))
    ax.barh(y + 0.2, table["queue_max"], height=0.4, color="lightgrey",
            label="Worst moment (mean of maxima)")
    colours = ["tab:red" if r > 0 else "tab:blue" for r in table["rising_in"]]
    ax.barh(y - 0.2, table["queue_end"], height=0.4, color=colours, label="At the end of the run")
    for i, row in enumerate(table.itertuples()):
        if row.rising_in:
            ax.annotate(f"still rising in {row.rising_in} of {row.replications}",
                        (row.queue_end, i - 0.2), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=8, color="tab:red")
    ax.set_yticks(y, [_label(service_name(q), 30) for q in table["queue"]])
    ax.set_ylim(len(table) - 0.4, -0.6)
    ax.set_xlim(left=0)
    ax.set_xlabel("People waiting (mean over replications)")
    ax.set_title("People waiting, worst-queued first", fontsize="medium")
    ax.legend(loc="lower right", fontsize="small")
    ax = axes[1]
    per_day = np.where(waits["kpi"] == "bed_wait_hours_mean", 1 / 24, 1.0)  # the bed wait is in hours
    days = waits.assign(mean=waits["mean"] * per_day, high=waits["ci_high"] * per_day,
                        low=waits["ci_low"] * per_day)
    days = days[np.isfinite(days["mean"].astype(float))].sort_values("mean", ascending=False)
    y = np.arange(len(days))
    mean = days["mean"].to_numpy(float)
    error = np.vstack([mean - days["low"].to_numpy(float), days["high"].to_numpy(float) - mean])
    ax.barh(y, mean, color="tab:purple", alpha=0.7)
    ax.errorbar(mean, y, xerr=np.clip(np.nan_to_num(error), 0, None), fmt="none", ecolor="black", capsize=2)
    ax.set_yticks(y, [_label(_wait_name(k), 30) for k in days["kpi"]])
    ax.set_ylim(len(days) - 0.4, -0.6)
    ax.set_xlim(left=0)
    ax.set_xlabel("Mean wait (days); whiskers: 95% CI")
    ax.set_title("Mean waits, longest first", fontsize="medium")
    title = "Where the bottlenecks are: queues and waits"
    figure.suptitle(wrap_title(f"{title} ({label})", 11.0), fontweight="bold")
    caption = (f"{title} (whole area, {label}). Left: people waiting for each service at the end of the "
               "run (red when the queue was still rising: demand above capacity) and at the worst moment, "
               "ranked by queueing, not by how busy a service is (a programme with a fixed number of "
               f"places is always full without anyone waiting). Right: mean waits with their {CI_TEXT}.")
    return Chart(stem, title, caption, figure)


def _wait_name(kpi: str) -> str:
    if kpi == "bed_wait_hours_mean":
        return "Acute bed (after the decision to admit)"
    return service_name(kpi.removesuffix("_wait_days_mean"))


def area_chart(results: SweepResults, configuration: int | None, label: str,
               kpis: tuple[str, ...]) -> Chart | None:
    """Small multiples by ICP and acute trust, named: one panel per measure, one row per ICP. For a
    comparison or a sweep, ``configuration``'s paired differences from the baseline; for a single run
    (``configuration`` None), the baseline's levels with their intervals."""
    if configuration is None:
        rows = results.summary[results.summary["configuration"] == 0].rename(
            columns={"mean": "diff_mean", "ci_low": "diff_ci_low", "ci_high": "diff_ci_high"})
    else:
        rows = results.comparisons[results.comparisons["configuration"] == configuration]
    areas = [a for a in rows["area"].unique() if a != ALL]
    kpis = tuple(k for k in kpis if (rows["kpi"] == k).any())
    if len(areas) < 2 or not kpis:
        return None
    width = 11.0
    figure, axes = _new_figure(width, (1.4 + 0.75 * len(areas)) * ((len(kpis) + 2) // 3), len(kpis),
                               sharey=True, columns=3)
    names = [area_label(a) for a in areas]
    for ax, kpi in zip(axes, kpis, strict=True):
        these = rows[rows["kpi"] == kpi].set_index("area").reindex(areas)
        mean = these["diff_mean"].to_numpy(float)
        low, high = these["diff_ci_low"].to_numpy(float), these["diff_ci_high"].to_numpy(float)
        if configuration is None:
            y = np.arange(len(areas))
            ax.barh(y, mean, color="tab:blue", alpha=0.7)
            ax.errorbar(mean, y, xerr=np.clip(np.nan_to_num(np.vstack([mean - low, high - mean])), 0, None),
                        fmt="none", ecolor="black", capsize=2)
            ax.set_yticks(y, [_label(n, 30) for n in names])
            ax.set_ylim(len(areas) - 0.4, -0.6)
            ax.set_xlim(left=0)
            ax.set_xlabel(unit_label(UNITS.get(kpi, "")))
            if np.nanmax(np.abs(np.r_[mean, high, 0.0])) >= 1000:
                ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
                ax.tick_params(axis="x", labelrotation=30)
        else:
            _points(ax, mean, low, high, names, UNITS[kpi])
            ax.set_xlabel(f"{unit_label(UNITS[kpi])}, difference from the baseline")
        ax.set_title(wrap_title(title_of(kpi), width / 3), fontsize="medium")
    title = "By ICP and acute trust"
    what = "levels" if configuration is None else f"{label} against the baseline"
    trusts = "; ".join(area_title(a).replace("\n", ": ") for a in areas)
    figure.suptitle(wrap_title(f"{title}: {what}", width), fontweight="bold")
    caption = (f"{title} ({what}): one panel per measure, one row per integrated care partnership with the "
               f"acute trust that serves it ({trusts}). "
               + ("Bars: mean over replications, whiskers: " if configuration is None else
                  "Dots: mean paired difference from the baseline (the line at zero), whiskers: ")
               + f"{CI_TEXT}.")
    return Chart(FIG_BY_AREA, title, caption, figure)
