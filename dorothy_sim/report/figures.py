"""The report's seaborn figures, each saved as PNG (slides) and SVG (print, the HTML page).

Figures are drawn on bare matplotlib ``Figure`` objects rendered by the Agg canvas: no pyplot state,
no screen, nothing to leak, and the caller's matplotlib backend is left alone."""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from dorothy_sim._version import __version__
from dorothy_sim.errors import UserError
from dorothy_sim.formatting import format_number, shared_decimals
from dorothy_sim.kpis import RANKING_KPI, RAW_AVOIDED_KPI, UNITS
from dorothy_sim.output import atomic_write
from dorothy_sim.report.findings import baseline_values, best_configuration, effects, one_factor_rows
from dorothy_sim.report.labels import (
    CI_TEXT,
    RAW_TEXT,
    TITLES,
    pretty_path,
    unit_label,
    value_text,
)
from dorothy_sim.sweep import GRIDLOCK_TEXT, UNSTABLE_TEXT, SweepResults

# Figure file stems (each written as .png and .svg).
FIG_AVOIDED = "avoided_admissions_by_capacity"
FIG_HEATMAP = "avoided_admissions_heatmap"
FIG_TORNADO = "avoided_admissions_tornado"
FIG_OCCUPANCY = "acute_occupancy_by_month"
FIG_UTILISATION = "bottlenecks_queues_and_waits"
FIG_COMPARISON = "whatif_vs_baseline"
FIG_BY_AREA = "by_icp_and_trust"
FIGURES: tuple[str, ...] = (FIG_AVOIDED, FIG_HEATMAP, FIG_TORNADO, FIG_OCCUPANCY, FIG_UTILISATION,
                            FIG_COMPARISON, FIG_BY_AREA)
RETIRED_FIGURES: tuple[str, ...] = ("acute_occupancy_by_day", "utilisation_by_service")
"""Stems earlier reports wrote: removed from a report folder remade now."""
DPI = 150


def _levels(values: Iterable[Any]) -> list[Any]:
    """Distinct values, sorted when they can be (numbers, booleans), else in order of appearance."""
    unique = list(dict.fromkeys(values))
    try:
        return sorted(unique)
    except TypeError:
        return unique


def _numeric(values: Iterable[Any]) -> bool:
    return all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
               for v in values)


@dataclass(frozen=True)
class _XAxis:
    """A factor's axis: numeric values where they are numbers, evenly spaced categories otherwise
    (a factor may be a switch or a name)."""

    path: str
    levels: list[Any]
    numeric: bool

    @classmethod
    def of(cls, path: str, values: Iterable[Any]) -> _XAxis:
        levels = _levels(values)
        return cls(path, levels, _numeric(levels))

    def __call__(self, values: Iterable[Any]) -> np.ndarray:
        values = list(values)
        if self.numeric:
            return np.asarray(values, dtype=float)
        return np.asarray([self.levels.index(v) for v in values], dtype=float)

    def style(self, ax: Axes) -> None:
        ax.set_xlabel(pretty_path(self.path))
        if not self.numeric:
            ax.set_xticks(range(len(self.levels)), [value_text(v) for v in self.levels])
        elif all(float(v).is_integer() for v in self.levels):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no 1.25 clinicians


@dataclass
class Chart:
    """A drawn figure with the file stem it is saved under and the caption the HTML page gives it."""

    stem: str
    title: str
    caption: str
    figure: Figure
    svg: str = ""


def make_charts(results: SweepResults, kpis: Sequence[str] | None = None) -> list[Chart]:
    """Every figure the design supports. A sweep: a capacity chart per measure (``kpis``, default the
    ranking measure), heatmap (two-factor grids), tornado (one-at-a-time); a comparison: the what-ifs
    against the baseline (``kpis``, default admissions, bed days and cost); every kind: occupancy by
    month, where people queue, and the breakdown by ICP and trust (with two or more ICPs)."""
    from dorothy_sim.compare import COMPARISON_DESIGN, RUN_DESIGN
    from dorothy_sim.report import panels

    unknown = [k for k in kpis or () if k not in UNITS]
    if unknown:
        raise UserError(f"--kpi {', '.join(unknown)}: not a KPI; see 'dorothy kpis' for the names")
    labels = results.configurations.set_index("configuration")["label"]
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.9):
        if results.design == COMPARISON_DESIGN:
            whatifs = [c for c in results.configurations["configuration"] if c != 0]
            chosen = tuple(kpis or panels.DEFAULT_KPIS)
            shown = [(0, f"Baseline: {labels[0]}"), *((c, str(labels[c])) for c in whatifs)]
            drawn = [panels.comparison_chart(results, chosen),
                     panels.occupancy_chart(results, shown, FIG_OCCUPANCY),
                     panels.bottleneck_chart(results, 0, f"baseline: {labels[0]}", FIG_UTILISATION),
                     *(_restem(panels.area_chart(results, c, str(labels[c]), chosen), i)
                       for i, c in enumerate(whatifs))]
        elif results.design == RUN_DESIGN:
            drawn = [panels.occupancy_chart(results, [(0, str(labels[0]))], FIG_OCCUPANCY),
                     panels.bottleneck_chart(results, 0, str(labels[0]), FIG_UTILISATION),
                     panels.area_chart(results, None, str(labels[0]), tuple(kpis or panels.RUN_KPIS))]
        else:
            shown = _shown_configurations(results)
            best = best_configuration(results)
            chosen = tuple(kpis or SWEEP_KPIS)
            drawn = [*(_avoided_chart(results, kpi) for kpi in chosen),
                     _heatmap_chart(results), *(_tornado_chart(results, kpi) for kpi in chosen),
                     panels.occupancy_chart(results, shown, FIG_OCCUPANCY),
                     panels.bottleneck_chart(results, 0, "baseline", FIG_UTILISATION),
                     panels.area_chart(results, best, str(labels[best]), tuple(kpis or panels.DEFAULT_KPIS))
                     if best is not None else None]
    return [chart for chart in drawn if chart is not None]


SWEEP_KPIS: tuple[str, ...] = (RANKING_KPI, "bed_days_saved", "net_saving_gbp")
"""What a sweep's capacity charts and tornadoes show unless ``--kpi`` says: admissions, with bed days
and cost beside them (a lever that frees beds without avoiding admissions is seen)."""


def _restem(chart: Chart | None, index: int) -> Chart | None:
    """The second and later copies of a figure get their own file stem."""
    if chart is not None and index:
        chart.stem = f"{chart.stem}_{index + 1}"
    return chart


def _new_figure(width: float, height: float, panels: int = 1,
                sharey: bool = True, columns: int = 3) -> tuple[Figure, list[Axes]]:
    """A figure that belongs to no pyplot window (so nothing needs closing and no backend is touched)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    columns = min(panels, columns)
    rows = math.ceil(panels / columns)
    axes = figure.subplots(rows, columns, sharey=sharey, squeeze=False).ravel().tolist()
    for ax in axes[panels:]:
        ax.set_visible(False)
    return figure, axes[:panels]


def _band(ax: Axes, x: np.ndarray, table: pd.DataFrame, label: str, color: Any, marker: str = "o") -> None:
    """A mean line with markers and its 95% CI as a shaded band; the raw count (``raw_mean``) as a
    dashed line of the same colour; gridlocked and unstable points marked (:func:`_mark_flags`)."""
    order = np.argsort(x, kind="stable")
    x = x[order]
    table = table.iloc[order]
    mean = table["diff_mean"].to_numpy(float)
    if len(x) <= 2:  # two points joined by a line would suggest a dose-response between them
        error = np.vstack([mean - table["diff_ci_low"].to_numpy(float), table["diff_ci_high"].to_numpy(float)
                           - mean])
        ax.errorbar(x, mean, yerr=np.nan_to_num(error), fmt=marker, linestyle="none", color=color, capsize=4,
                    label=label)
        ax.plot(x, table["raw_mean"].to_numpy(float), linestyle="none", marker="D", markersize=4,
                color=color, alpha=0.6)
        _mark_flags(ax, x, mean, table)
        if len(x) == 1 or np.ptp(x) == 0:
            ax.set_xlim(x[0] - 1, x[0] + 1)
        return
    ax.fill_between(x, table["diff_ci_low"].to_numpy(float),
                    table["diff_ci_high"].to_numpy(float), color=color, alpha=0.2, linewidth=0)
    ax.plot(x, mean, marker=marker, color=color, label=label)
    ax.plot(x, table["raw_mean"].to_numpy(float), linestyle="--", linewidth=1, color=color, alpha=0.7)
    _mark_flags(ax, x, mean, table)


GRIDLOCK_HATCH = "//"
"""The hatch of a gridlocked configuration's heatmap cell or tornado bar."""
RAW_LINE = f"Dashed: avoided admissions, {RAW_TEXT}"
FLAG_MARKERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("gridlocked", GRIDLOCK_TEXT, {"marker": "X", "color": "black", "markersize": 8}),
    ("unstable", UNSTABLE_TEXT, {"marker": "s", "markerfacecolor": "none", "markeredgecolor": "tab:red",
                                 "markeredgewidth": 1.2, "markersize": 11}),
)
"""How a point is marked when its configuration is gridlocked or has queues still rising."""


def _mark_flags(ax: Axes, x: np.ndarray, y: np.ndarray, table: pd.DataFrame) -> None:
    """An explicit marker over every point whose configuration is gridlocked (a black X) or has a
    queue still rising at the end (an open red square), each with its legend entry."""
    for column, label, style in FLAG_MARKERS:
        mask = table[column].to_numpy(bool)
        if mask.any():
            ax.plot(np.asarray(x)[mask], np.asarray(y)[mask], linestyle="", label=label, zorder=6, **style)


def _legend(ax: Axes, extra: Iterable[Any] = (), on: Axes | Figure | None = None, **kwargs: Any) -> None:
    """The legend of ``ax`` (drawn on ``on``, default ``ax``) with each label once (flag markers are
    drawn per line), the series first and the flags' markers after them, then the ``extra`` handles."""
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    flags = {label for _, label, _ in FLAG_MARKERS}
    unique = {label: unique[label] for label in sorted(unique, key=lambda label: label in flags)}
    for handle in extra:
        unique.setdefault(handle.get_label(), handle)
    (on or ax).legend(list(unique.values()), list(unique), **kwargs)


def _with_raw(results: SweepResults, kpi: str = RANKING_KPI) -> pd.DataFrame:
    """A measure's effects (:func:`effects`); for the ranking measure, the raw count beside them
    (``raw_mean``; NaN, so not drawn, for any other measure)."""
    table = effects(results, kpi)
    if kpi != RANKING_KPI:
        return table.assign(raw_mean=np.nan)
    raw = effects(results, RAW_AVOIDED_KPI)[["configuration", "diff_mean"]]
    return table.merge(raw.rename(columns={"diff_mean": "raw_mean"}), on="configuration", how="left")


def _fit(title: str, figure: Figure) -> str:
    """A figure title wrapped to the figure's width, so it is never clipped."""
    return "\n".join(textwrap.wrap(title, max(24, int(figure.get_figwidth() * 9))))


def _mark_baseline(ax: Axes, x: float) -> None:
    ax.plot([x], [0.0], linestyle="", marker="*", markersize=13, color="black", label="Baseline", zorder=5)


AVOIDED_Y = "Avoided admissions vs baseline,\nexposure-adjusted (count)"


def _avoided_chart(results: SweepResults, kpi: str = RANKING_KPI) -> Chart | None:
    """A measure (default avoided admissions, exposure-adjusted) against capacity with paired 95% CI
    bands (points with whiskers where there are only two), the raw count dashed beside the ranking
    measure, gridlocked and unstable configurations marked; drawn to suit the design."""
    table = _with_raw(results, kpi)
    if not (table["configuration"] != 0).any():
        return None
    ylabel = AVOIDED_Y if kpi == RANKING_KPI else "\n".join(textwrap.wrap(
        f"{TITLES.get(kpi, pretty_path(kpi))} vs baseline ({unit_label(UNITS[kpi])})", 36))
    if results.design == "one_at_a_time":
        figure = _avoided_one_at_a_time(results, table, ylabel)
        how = "one panel per factor, the others at their baseline values"
    elif results.design == "latin_hypercube":
        figure = _avoided_scatter(results, table, ylabel)
        how = "each sampled configuration against each factor, with error bars"
    else:
        figure = _avoided_grid(results, table, ylabel)
        how = ("one line per value of " + pretty_path(results.factors[1]) if len(results.factors) > 1
               else "a line over the factor's values")
    how += "; where a line would join only two points, the points stand alone with their whiskers"
    if kpi != RANKING_KPI:
        title = f"{TITLES.get(kpi, pretty_path(kpi))} by capacity"
        figure.suptitle(_fit(title, figure), fontweight="bold")
        caption = (f"{title} (whole area, {unit_label(UNITS[kpi])} over the results period, paired with the "
                   f"baseline): {how}. Shading or whiskers: its {CI_TEXT}. Black X: {GRIDLOCK_TEXT}; open "
                   f"red square: {UNSTABLE_TEXT}.")
        return Chart(f"{kpi}_by_capacity", title, caption, figure)
    title = "Avoided admissions by capacity"
    figure.suptitle(_fit(title, figure), fontweight="bold")
    caption = (f"{title} (whole area, count over the results period, paired with the baseline): {how}. "
               "Solid: avoided admissions, exposure-adjusted (the fall in admissions per person-year at "
               f"home times the configuration's person-years at home); shading or bars: its {CI_TEXT}. "
               f"Dashed or grey: the {RAW_TEXT}, which counts people kept in hospital as admissions "
               f"avoided. Black X: {GRIDLOCK_TEXT}, not a benefit whatever it shows; open red square: "
               f"{UNSTABLE_TEXT}.")
    return Chart(FIG_AVOIDED, title, caption, figure)


def _avoided_one_at_a_time(results: SweepResults, table: pd.DataFrame,
                           ylabel: str = AVOIDED_Y) -> Figure:
    figure, axes = _new_figure(4.6 * min(len(results.factors), 3), 4.2 * math.ceil(len(results.factors) / 3),
                               len(results.factors))
    baseline = baseline_values(results)
    for ax, path in zip(axes, results.factors, strict=True):
        arm = one_factor_rows(table, results, path)
        axis = _XAxis.of(path, arm[path])
        _band(ax, axis(arm[path]), arm, "Exposure-adjusted mean, 95% CI band", sns.color_palette()[0])
        _mark_baseline(ax, float(axis([baseline[path]])[0]))
        ax.axhline(0, color="grey", linewidth=0.8)
        axis.style(ax)
        ax.set_ylabel(ylabel)
        ax.set_title(pretty_path(path))
    _legend(axes[0], [Line2D([], [], color="grey", linestyle="--", label=RAW_LINE)], loc="best",
            fontsize="small")
    return figure


def _avoided_scatter(results: SweepResults, table: pd.DataFrame,
                     ylabel: str = AVOIDED_Y) -> Figure:
    n = len(results.factors)
    figure, axes = _new_figure(4.6 * min(n, 3), 4.2 * math.ceil(n / 3), n)
    design = table[table["configuration"] != 0]
    baseline = baseline_values(results)
    color = sns.color_palette()[0]
    for ax, path in zip(axes, results.factors, strict=True):
        axis = _XAxis.of(path, [*design[path], baseline[path]])
        mean = design["diff_mean"].to_numpy(float)
        error = np.vstack([mean - design["diff_ci_low"].to_numpy(float),
                           design["diff_ci_high"].to_numpy(float) - mean])
        x = axis(design[path])
        ax.errorbar(x, mean, yerr=error, fmt="o", color=color, ecolor=color,
                    elinewidth=1, capsize=3, label="Sampled configuration, exposure-adjusted")
        ax.plot(x, design["raw_mean"].to_numpy(float), linestyle="", marker="o", markersize=4,
                markerfacecolor="none", markeredgecolor="grey", label=f"Grey: {RAW_TEXT}")
        _mark_flags(ax, x, mean, design)
        _mark_baseline(ax, float(axis([baseline[path]])[0]))
        ax.axhline(0, color="grey", linewidth=0.8)
        axis.style(ax)
        ax.set_ylabel(ylabel)
    _legend(axes[0], loc="best", fontsize="small")
    return figure


def _avoided_grid(results: SweepResults, table: pd.DataFrame,
                  ylabel: str = AVOIDED_Y) -> Figure:
    """x = first factor, one line per value of the second, one panel per combination of the rest.
    The baseline is a star at zero in the panel of its own values of the rest."""
    factors = results.factors
    x_path, hue_path, rest = factors[0], (factors[1] if len(factors) > 1 else None), factors[2:]
    baseline = baseline_values(results)
    rows = table if len(factors) == 1 else table[table["in_design"].astype(bool)]
    axis = _XAxis.of(x_path, [*table[x_path], baseline[x_path]])
    panels = list(rows.groupby(rest, sort=True)) if rest else [((), rows)]
    figure, axes = _new_figure(6.4 * min(len(panels), 3) / (1.3 if len(panels) > 1 else 1.0),
                               4.4 * math.ceil(len(panels) / 3), len(panels))
    for ax, (key, panel) in zip(axes, panels, strict=True):
        key = key if isinstance(key, tuple) else (key,)
        _grid_panel(ax, axis, panel, hue_path)
        baseline_here = all(baseline[p] == v for p, v in zip(rest, key, strict=True))
        if baseline_here:
            _mark_baseline(ax, float(axis([baseline[x_path]])[0]))
        ax.axhline(0, color="grey", linewidth=0.8)
        axis.style(ax)
        ax.set_ylabel(ylabel)
        if rest:
            ax.set_title(", ".join(f"{pretty_path(p)} = {value_text(v)}"
                                   for p, v in zip(rest, key, strict=True)), fontsize="medium")
        _legend(ax, [Line2D([], [], color="grey", linestyle="--", label=RAW_LINE)], loc="best",
                fontsize="small", title=pretty_path(hue_path) if hue_path else None)
    return figure


def _grid_panel(ax: Axes, axis: _XAxis, panel: pd.DataFrame, hue_path: str | None) -> None:
    if hue_path is None:
        _band(ax, axis(panel[axis.path]), panel, "Exposure-adjusted mean, 95% CI band",
              sns.color_palette()[0])
        return
    levels = _levels(panel[hue_path])
    palette = sns.color_palette("viridis", len(levels)) if _numeric(levels) else sns.color_palette(
        n_colors=len(levels))
    for level, color in zip(levels, palette, strict=True):
        line = panel[panel[hue_path] == level]
        _band(ax, axis(line[axis.path]), line, value_text(level), color)


def _heatmap_chart(results: SweepResults) -> Chart | None:
    """Mean avoided admissions (exposure-adjusted) over a two-factor grid, each cell annotated with its
    mean and CI; gridlocked cells hatched (:data:`GRIDLOCK_HATCH`), cells with queues still rising
    dotted."""
    if results.design != "grid" or len(results.factors) != 2:
        return None
    table = effects(results)
    table = table[table["in_design"].astype(bool)]
    if table.empty:
        return None
    x_path, y_path = results.factors
    columns, index = _levels(table[x_path]), _levels(table[y_path])[::-1]  # largest value at the top
    means = table.pivot_table(index=y_path, columns=x_path, values="diff_mean").reindex(index=index,
                                                                                       columns=columns)
    cells = means.size
    annotate = cells <= 400
    labels = _heatmap_labels(table, means, with_ci=cells <= 64) if annotate else False
    figure, (ax,) = _new_figure(max(7.0, 0.9 * len(columns) + 3), max(3.8, 0.55 * len(index) + 2))
    with warnings.catch_warnings():  # seaborn 0.13 calls a colormap method matplotlib 3.11 deprecates
        warnings.filterwarnings("ignore", "The set_bad function", PendingDeprecationWarning)
        sns.heatmap(means, ax=ax, cmap="RdBu", center=0, annot=labels, fmt="", linewidths=0.5,
                    annot_kws={"fontsize": 9 if cells <= 36 else 7},
                    cbar_kws={"label": AVOIDED_Y})
    ax.grid(False)
    flagged = _hatch_cells(ax, table, means)
    if flagged:
        figure.legend(handles=flagged, loc="outside lower center", fontsize="small")
    ax.set_facecolor("#e6e6e6")  # cells not run yet
    ax.set_xlabel(pretty_path(x_path))
    ax.set_ylabel(pretty_path(y_path))
    ax.set_xticklabels([value_text(v) for v in columns], rotation=0)
    ax.set_yticklabels([value_text(v) for v in index], rotation=0)
    title = "Avoided admissions over the capacity grid"
    figure.suptitle(_fit(title, figure), fontweight="bold")
    caption = (f"{title}: mean avoided admissions, exposure-adjusted (whole area, paired with the "
               f"baseline) for each combination of {pretty_path(x_path)} and {pretty_path(y_path)}"
               + (f"; the {CI_TEXT} is in brackets" if cells <= 64 else "")
               + ("; grey cells have not been run yet" if means.isna().to_numpy().any() else "")
               + f". Cells hatched {GRIDLOCK_HATCH} are {GRIDLOCK_TEXT}: not a benefit whatever their "
               f"colour; dotted cells have {UNSTABLE_TEXT}. The {RAW_TEXT} is in the headline table.")
    return Chart(FIG_HEATMAP, title, caption, figure)


HATCHES: tuple[tuple[str, str, str, str], ...] = (
    ("gridlocked", GRIDLOCK_TEXT, GRIDLOCK_HATCH, "black"),
    ("unstable", UNSTABLE_TEXT, ".", "tab:red"),
)
"""How a heatmap cell is hatched when its configuration is gridlocked or has queues still rising."""


def _hatch_cells(ax: Axes, table: pd.DataFrame, means: pd.DataFrame) -> list[Patch]:
    """Hatch the cells of flagged configurations (row i, column j of ``means``); return a legend
    handle for each kind of flag present."""
    x_path, y_path = means.columns.name, means.index.name
    handles = []
    for column, label, hatch, color in HATCHES:
        rows = table[table[column]]
        for y, x in zip(rows[y_path], rows[x_path], strict=True):
            i, j = list(means.index).index(y), list(means.columns).index(x)
            ax.add_patch(Rectangle((j, i), 1, 1, fill=False, hatch=hatch, edgecolor=color, linewidth=1.5,
                                   label=label))
        if not rows.empty:
            handles.append(Patch(facecolor="white", hatch=hatch, edgecolor=color, label=label))
    return handles


def _heatmap_labels(table: pd.DataFrame, means: pd.DataFrame, with_ci: bool) -> np.ndarray:
    x_path, y_path = means.columns.name, means.index.name
    by_cell = table.set_index([y_path, x_path])
    labels = np.full(means.shape, "", dtype=object)
    for i, y in enumerate(means.index):
        for j, x in enumerate(means.columns):
            if (y, x) not in by_cell.index:
                continue
            mean, low, high = by_cell.loc[(y, x), ["diff_mean", "diff_ci_low", "diff_ci_high"]]
            digits = shared_decimals(mean, low, high)
            text = format_number(mean, "count", digits)
            if with_ci:
                text += f"\n({format_number(low, 'count', digits)} to {format_number(high, 'count', digits)})"
            labels[i, j] = text
    return labels


@dataclass(frozen=True)
class _Swing:
    path: str
    low_value: Any
    high_value: Any
    low: pd.Series
    high: pd.Series

    @property
    def size(self) -> float:
        return abs(float(self.high["diff_mean"]) - float(self.low["diff_mean"]))


def _swings(results: SweepResults, kpi: str = RANKING_KPI) -> list[_Swing]:
    """For each factor, the effect at its lowest and at its highest value (the baseline counts as a
    value of every arm), smallest swing first."""
    table = _with_raw(results, kpi)
    swings = []
    for path in results.factors:
        arm = one_factor_rows(table, results, path)
        levels = _levels(arm[path])
        if len(levels) < 2:
            continue
        low = arm[arm[path] == levels[0]].iloc[0]
        high = arm[arm[path] == levels[-1]].iloc[0]
        swings.append(_Swing(path, levels[0], levels[-1], low, high))
    return sorted(swings, key=lambda s: s.size)


def _tornado_chart(results: SweepResults, kpi: str = RANKING_KPI) -> Chart | None:
    """One bar per factor from the effect of its lowest value to that of its highest (avoided
    admissions, exposure-adjusted), biggest swing on top: which lever moves them most, one at a time.
    The raw count is a grey diamond at each end; an end whose configuration is gridlocked gets a black X
    and hatches its bar, one with queues still rising an open red square."""
    if results.design != "one_at_a_time":
        return None
    swings = _swings(results, kpi)
    if not swings:
        return None
    if kpi != RANKING_KPI:
        return _restyle_tornado(_tornado_figure(results, swings), kpi)
    figure = _tornado_figure(results, swings)
    title = "Which capacity moves avoided admissions most"
    figure.suptitle(_fit(title, figure), fontweight="bold")
    caption = (f"Tornado chart. {title}: for each factor, a bar from the effect of its lowest value to "
               "that of its highest (labelled) on avoided admissions, exposure-adjusted, the others at "
               f"baseline; largest swing on top. Whiskers: {CI_TEXT}. Grey diamonds: the {RAW_TEXT}. "
               f"Black X and a hatched bar: {GRIDLOCK_TEXT}, not a benefit whatever it shows; open red "
               f"square: {UNSTABLE_TEXT}.")
    return Chart(FIG_TORNADO, title, caption, figure)


def _restyle_tornado(figure: Figure, kpi: str) -> Chart:
    """The tornado of a measure other than the ranking one: its own axis label, title and stem."""
    name = TITLES.get(kpi, pretty_path(kpi))
    figure.axes[0].set_xlabel(f"{name} vs baseline ({unit_label(UNITS[kpi])})\nwhiskers: {CI_TEXT}")
    title = f"Which capacity moves {name.lower()} most"
    figure.suptitle(_fit(title, figure), fontweight="bold")
    caption = (f"Tornado chart. {title}: for each factor, a bar from the effect of its lowest value to "
               f"that of its highest (labelled), the others at baseline; largest swing on top. Whiskers: "
               f"{CI_TEXT}. Black X and a hatched bar: {GRIDLOCK_TEXT}; open red square: {UNSTABLE_TEXT}.")
    return Chart(f"{kpi}_tornado", title, caption, figure)


def _tornado_figure(results: SweepResults, swings: list[_Swing]) -> Figure:
    baseline = baseline_values(results)
    figure, (ax,) = _new_figure(8.0, 1.4 + 0.9 * len(swings))
    low_color, high_color = sns.color_palette()[0], sns.color_palette()[3]
    for y, swing in enumerate(swings):
        low, high = float(swing.low["diff_mean"]), float(swing.high["diff_mean"])
        gridlocked = bool(swing.low["gridlocked"] or swing.high["gridlocked"])
        ax.barh(y, high - low, left=low, height=0.5, color="lightgrey", edgecolor="black" if gridlocked
                else "grey", hatch=GRIDLOCK_HATCH if gridlocked else None,
                label=f"Bar hatched: an end is {GRIDLOCK_TEXT}" if gridlocked else None)
        ends = pd.DataFrame([swing.low, swing.high])
        ax.plot(ends["raw_mean"].to_numpy(float), [y, y], linestyle="", marker="D", markersize=5,
                color="grey", label=f"Grey diamond: {RAW_TEXT}", zorder=3)
        _mark_flags(ax, ends["diff_mean"].to_numpy(float), np.array([y, y], dtype=float), ends)
        for row, value, color, name in ((swing.low, swing.low_value, low_color, "Lowest value"),
                                        (swing.high, swing.high_value, high_color, "Highest value")):
            mean = float(row["diff_mean"])
            error = [[mean - float(row["diff_ci_low"])], [float(row["diff_ci_high"]) - mean]]
            ax.errorbar([mean], [y], xerr=error, fmt="o", color=color, capsize=3, markersize=7,
                        label=name if y == 0 else None, zorder=4)
            above = row is swing.high  # low value labelled below the bar, high above: never overlapping
            ax.annotate(value_text(value), (mean, y), xytext=(0, 9 if above else -9),
                        textcoords="offset points", ha="center", va="bottom" if above else "top",
                        fontsize=9, color=color, fontweight="bold")
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(len(swings)),
                  [f"{pretty_path(s.path)}\n(baseline {value_text(baseline[s.path])})" for s in swings])
    ax.set_ylim(-0.7, len(swings) - 0.3)
    ax.set_xlabel(f"Avoided admissions vs baseline, exposure-adjusted (count)\nwhiskers: {CI_TEXT}")
    _legend(ax, on=figure, loc="outside lower center", fontsize="small")
    return figure


BEST_TEXT = "Most avoided admissions (exposure-adjusted, not gridlocked, no days at home lost)"


def _shown_configurations(results: SweepResults) -> list[tuple[int, str]]:
    """The baseline and, when there is one, the best configuration (:func:`best_configuration`: most
    avoided admissions, exposure-adjusted, not gridlocked, no days at home lost), its label saying so."""
    shown = [(0, "Baseline")]
    best = best_configuration(results)
    if best is not None:
        label = results.configurations.loc[results.configurations["configuration"] == best, "label"].iloc[0]
        unstable = bool(effects(results).set_index("configuration").loc[best, "unstable"])
        text = f"{BEST_TEXT}: {label}" + (f" ({UNSTABLE_TEXT})" if unstable else "")
        shown.append((best, "\n".join(textwrap.wrap(text, 60))))
    return shown


def render_chart(chart: Chart, fmt: str) -> bytes:
    """PNG or SVG bytes. The SVG hash salt is the stem so element ids are stable from run to run."""
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart.stem}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": f"dorothy_sim {__version__}"}
        chart.figure.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def save_chart(chart: Chart, folder: Path) -> list[Path]:
    """Save as PNG (slides) and SVG (print, and the HTML page); then free the figure's memory."""
    paths = []
    for fmt in ("png", "svg"):
        data = render_chart(chart, fmt)
        paths.append(atomic_write(folder / f"{chart.stem}.{fmt}", lambda p, data=data: p.write_bytes(data)))
    chart.svg = paths[1].read_text(encoding="utf-8")
    chart.figure.clear()
    return paths


def remove_stale_figures(folder: Path, made: set[str]) -> None:
    """A figure an earlier report drew (say a heatmap) but this design does not would otherwise sit
    next to the new report as if it belonged to it."""
    for stem in (set(FIGURES) | set(RETIRED_FIGURES)) - made:
        for suffix in (".png", ".svg"):
            (folder / f"{stem}{suffix}").unlink(missing_ok=True)
