"""Sweep reports: tidy tables, an Excel workbook, seaborn figures and one self-contained HTML page.

Why four forms of the same results: analysts want the tidy CSV/Parquet tables to compute with, a
commissioning board reads the workbook and the HTML page, and slides need the figures as PNG and SVG.
All of them come from one :class:`~dorothy_sim.sweep.SweepResults`, so they cannot disagree.

Every file is written to a temporary name in the same folder and renamed into place, so a report
folder never holds a half-written file that looks complete. Figures are drawn on bare matplotlib
``Figure`` objects rendered by the Agg canvas: no pyplot state, no screen, nothing to leak, and the
caller's matplotlib backend is left alone.
"""

from __future__ import annotations

import base64
import html
import io
import math
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dorothy_sim import __version__
from dorothy_sim.kpis import COMPARISON_KPIS, KPIS, UNITS
from dorothy_sim.monitor import ALL
from dorothy_sim.output import atomic_write, check_folder, write_table
from dorothy_sim.replication import unstable_queues
from dorothy_sim.sweep import GRIDLOCK_BED_WAIT_HOURS, GRIDLOCK_OCCUPANCY_PCT, HEADLINE, SweepResults

# Sheet names in workbook order (each at most 31 characters, Excel's limit).
SHEETS: tuple[str, ...] = ("About", "Headline", "Configurations", "Comparisons", "Summary",
                           "Occupancy by day", "Replications", "KPIs")
# Cells one sheet may hold. openpyxl writes about 100,000 cells a second (it cannot go faster without
# lxml), and Excel stops at 1,048,576 rows, so a bigger table is cut to the whole area ("all") and,
# if still too big, the sheet points to the CSV and Parquet tables, which always hold everything.
CELL_BUDGET = 150_000

# Figure file stems (each written as .png and .svg).
FIG_AVOIDED = "avoided_admissions_by_capacity"
FIG_HEATMAP = "avoided_admissions_heatmap"
FIG_TORNADO = "avoided_admissions_tornado"
FIG_OCCUPANCY = "acute_occupancy_by_day"
FIG_UTILISATION = "utilisation_by_service"
FIGURES: tuple[str, ...] = (FIG_AVOIDED, FIG_HEATMAP, FIG_TORNADO, FIG_OCCUPANCY, FIG_UTILISATION)
DPI = 150

# Display names of the headline measures (the tidy tables keep the machine names).
TITLES: dict[str, str] = {
    "avoided_admissions": "Avoided admissions",
    "bed_days_saved": "Bed days saved",
    "beds_released_at_85pct": "Beds released at 85% occupancy",
    "beds_released_at_92pct": "Beds released at 92% occupancy",
    "cost_change_gbp": "Cost change",
    "net_saving_gbp": "Net saving",
    "acute_occupancy_mean_pct": "Acute occupancy, mean",
    "bed_wait_hours_mean": "Wait for an acute bed, mean",
}
# The headline measures shown on the HTML page (cost change is minus the net saving, so left out).
HTML_HEADLINE: tuple[str, ...] = ("avoided_admissions", "bed_days_saved", "beds_released_at_85pct",
                                  "beds_released_at_92pct", "net_saving_gbp", "acute_occupancy_mean_pct")
SERVICES: dict[str, str] = {
    "rr": "Rapid response", "acute": "Acute beds", "discharge": "Discharge coordinators",
    "reablement": "Reablement", "home_care": "Home care", "community_beds": "Community beds",
    "care_homes": "Care homes", "mdt": "MDT", "mh_liaison": "Mental-health liaison",
    "falls_prevention": "Falls prevention",
}
WORDS: dict[str, str] = {"rr": "rapid-response", "mdt": "MDT", "mh": "mental-health", "icps": "ICPs",
                         "ed": "A&E", "spa": "SPA", "ltc": "long-term care", "los": "LOS"}

EXCEL_FORMATS: dict[str, str] = {
    "GBP": '"£"#,##0;-"£"#,##0', "%": "0.0", "count": "#,##0.0", "people": "#,##0.0",
    "bed days": "#,##0.0", "beds": "#,##0.00", "days": "#,##0.00", "hours": "#,##0.00",
    "per 1000 per year": "#,##0.0",
}
DEFAULT_FORMAT = "#,##0.00"
WHOLE = "0"

PAIRED_NOTE = (
    "Every configuration was run with the same seeds as the baseline (replication r uses seed "
    "first seed + r), so both meet the same people and the same candidate crises: common random "
    "numbers. Each difference from the baseline (avoided admissions, bed days saved, beds released, "
    "cost change, net saving) is taken within a replication and then summarised, so its 95% confidence "
    "interval is a paired t interval over the n replications. It is much narrower than two separate "
    "intervals would suggest, because the noise both runs share cancels. An interval that excludes zero "
    "says the difference is unlikely to be the simulation's own randomness; it says nothing about "
    "whether the model's inputs are right. Beds released are bed days saved divided by the results "
    "days times the target occupancy (85% or 92%).")


# --------------------------------------------------------------------------- entry point


def write_report(results: SweepResults, folder: Path, command: str | None = None) -> list[Path]:
    """Write the tidy tables, ``<name>.xlsx``, the figures (PNG and SVG) and ``<name>.html`` into
    ``folder``; return the paths written. ``command`` is the command line that made the report,
    shown under "how this was made" (the CLI passes its own; a default names the tools)."""
    folder = Path(folder)
    check_folder(folder, "report folder")
    folder.mkdir(parents=True, exist_ok=True)
    made = _how_made(results, command)
    written: list[Path] = []
    for stem, table in results.tables().items():
        written += write_table(table, folder, stem)
    charts = make_charts(results)
    for chart in charts:
        written += _save_chart(chart, folder)
    _remove_stale_figures(folder, {chart.stem for chart in charts})
    written.append(write_workbook(results, folder / f"{results.name}.xlsx", made))
    page = folder / f"{results.name}.html"
    names = [p.name for p in written] + [page.name]
    written.append(atomic_write(page, lambda p: p.write_text(render_html(results, charts, made, names),
                                                       encoding="utf-8")))
    return written


def _remove_stale_figures(folder: Path, made: set[str]) -> None:
    """A figure an earlier report drew (say a heatmap) but this design does not would otherwise sit
    next to the new report as if it belonged to it."""
    for stem in set(FIGURES) - made:
        for suffix in (".png", ".svg"):
            (folder / f"{stem}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class Made:
    """How the report was made, for the About sheet and the HTML page."""

    sweep: str
    report: str
    written_at: str


def _how_made(results: SweepResults, command: str | None) -> Made:
    sweep = (f"dorothy sweep SPEC.toml --out DIR (spec '{results.name}', hash {results.spec_hash}, "
             f"seeds from {results.first_seed})")
    report = command or f"dorothy report DIR (dorothy_sim {__version__})"
    return Made(sweep, report, datetime.now(UTC).isoformat(timespec="seconds"))


# --------------------------------------------------------------------------- formatting


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and math.isfinite(value)


def _digits(*values: Any) -> int:
    """Decimals for numbers shown together: none once the largest reaches 100, else one."""
    largest = max((abs(float(v)) for v in values if _finite(v)), default=0.0)
    return 0 if largest >= 100 else 1


def format_number(value: Any, unit: str = "", digits: int | None = None) -> str:
    """A number as a board report shows it: £ and thousands separators for money, one decimal for
    percentages and small numbers, none for large ones; "n/a" when missing."""
    if not _finite(value):
        return "n/a"
    value = float(value)
    if unit == "GBP":
        whole = round(value) + 0.0  # + 0.0 turns -0.0 into 0.0: no "-£0"
        return f"-£{abs(whole):,.0f}" if whole < 0 else f"£{whole:,.0f}"
    if unit == "%":
        return f"{round(value, 1) + 0.0:.1f}%"
    digits = _digits(value) if digits is None else digits
    return f"{round(value, digits) + 0.0:,.{digits}f}"


def format_estimate(mean: Any, low: Any, high: Any, unit: str = "") -> str:
    """``"12.3 (95% CI -33.2 to 57.9)"``: a mean with its interval, as the headline table shows it.
    The three numbers share their decimals, so "62 (95% CI -9 to 134)" rather than "62.3 (... 134)"."""
    digits = _digits(mean, low, high)
    if not (_finite(low) and _finite(high)):
        return f"{format_number(mean, unit, digits)} (95% CI n/a)"
    return (f"{format_number(mean, unit, digits)} (95% CI {format_number(low, unit, digits)} to "
            f"{format_number(high, unit, digits)})")


def unit_label(unit: str) -> str:
    """The unit as a header shows it (GBP as £)."""
    return "£" if unit == "GBP" else unit


def pretty_path(path: str) -> str:
    """``rapid_response.clinicians`` -> ``Rapid response clinicians``: factor names for axis labels
    (the dotted path is shown beside them, as the spec spells it)."""
    words = [WORDS.get(word, word) for part in path.split(".") for word in part.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _service(kpi: str) -> str:
    key = kpi.removesuffix("_utilisation_pct")
    return SERVICES.get(key, pretty_path(key))


def _value_text(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"  # the switches (spa.enabled...) read as services on or off
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


# --------------------------------------------------------------------------- data for figures


def effects(results: SweepResults, kpi: str = "avoided_admissions", area: str = ALL) -> pd.DataFrame:
    """One row per configuration with its factor values and the paired difference of ``kpi`` from
    the baseline (``diff_mean``, ``diff_ci_low``, ``diff_ci_high``, ``n``); rows not yet run dropped."""
    comparisons = results.comparisons
    rows = comparisons[(comparisons["area"] == area) & (comparisons["kpi"] == kpi)]
    table = results.configurations.merge(
        rows[["configuration", "diff_mean", "diff_ci_low", "diff_ci_high", "n"]], on="configuration",
        how="inner")
    return table[np.isfinite(table["diff_mean"].astype(float))].reset_index(drop=True)


def best_configuration(results: SweepResults) -> int | None:
    """The configuration with the most avoided admissions (whole area) among those whose acute beds
    are not gridlocked, or None if there is none: the one figures set beside the baseline. A gridlocked
    configuration "avoids" admissions by keeping people in hospital, so it is never the best."""
    gridlocked = set(strained_configurations(results)["configuration"])
    table = effects(results)
    table = table[(table["configuration"] != 0) & ~table["configuration"].isin(gridlocked)]
    if table.empty:
        return None
    return int(table.loc[table["diff_mean"].idxmax(), "configuration"])


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
        ax.set_xlabel(f"{pretty_path(self.path)} ({self.path})")
        if not self.numeric:
            ax.set_xticks(range(len(self.levels)), [_value_text(v) for v in self.levels])
        elif all(float(v).is_integer() for v in self.levels):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no 1.25 clinicians


def _baseline_values(results: SweepResults) -> dict[str, Any]:
    row = results.configurations[results.configurations["configuration"] == 0].iloc[0]
    return {path: row[path] for path in results.factors}


def _one_factor_rows(table: pd.DataFrame, results: SweepResults, path: str) -> pd.DataFrame:
    """The baseline and the configurations that move only ``path`` (a one-at-a-time arm)."""
    baseline = _baseline_values(results)
    mask = pd.Series(True, index=table.index)
    for other in results.factors:
        if other != path:
            mask &= table[other] == baseline[other]
    return table[mask]


def strained_configurations(results: SweepResults) -> pd.DataFrame:
    """The configurations the sweep's headline flags as ``gridlocked`` (see sweep.py): there, fewer
    admissions can mean people still waiting for a bed rather than admissions avoided, so a reader
    must not take them as a benefit. Columns: configuration, acute_occupancy_mean_pct,
    bed_wait_hours_mean."""
    headline = results.headline()
    columns = ["configuration", "acute_occupancy_mean_pct", "bed_wait_hours_mean"]
    return headline.loc[headline["gridlocked"], columns].reset_index(drop=True)


# --------------------------------------------------------------------------- figures


@dataclass
class Chart:
    """A drawn figure with the file stem it is saved under and the caption the HTML page gives it."""

    stem: str
    title: str
    caption: str
    figure: Figure
    svg: str = ""


def make_charts(results: SweepResults) -> list[Chart]:
    """Every figure the design supports: capacity curves, heatmap (two-factor grids), tornado
    (one-at-a-time), occupancy over the year and service utilisation."""
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.9):
        drawn = [_avoided_chart(results), _heatmap_chart(results), _tornado_chart(results),
                 _occupancy_chart(results), _utilisation_chart(results)]
    return [chart for chart in drawn if chart is not None]


def _new_figure(width: float, height: float, panels: int = 1,
                sharey: bool = True) -> tuple[Figure, list[Axes]]:
    """A figure that belongs to no pyplot window (so nothing needs closing and no backend is touched)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    columns = min(panels, 3)
    rows = math.ceil(panels / columns)
    axes = figure.subplots(rows, columns, sharey=sharey, squeeze=False).ravel().tolist()
    for ax in axes[panels:]:
        ax.set_visible(False)
    return figure, axes[:panels]


def _band(ax: Axes, x: np.ndarray, table: pd.DataFrame, label: str, color: Any, marker: str = "o") -> None:
    """A mean line with markers and its 95% CI as a shaded band."""
    order = np.argsort(x, kind="stable")
    x = x[order]
    mean = table["diff_mean"].to_numpy(float)[order]
    ax.fill_between(x, table["diff_ci_low"].to_numpy(float)[order],
                    table["diff_ci_high"].to_numpy(float)[order], color=color, alpha=0.2, linewidth=0)
    ax.plot(x, mean, marker=marker, color=color, label=label)


def _mark_baseline(ax: Axes, x: float) -> None:
    ax.plot([x], [0.0], linestyle="", marker="*", markersize=13, color="black", label="Baseline", zorder=5)


AVOIDED_Y = "Avoided admissions vs baseline (count)"


def _avoided_chart(results: SweepResults) -> Chart | None:
    """Avoided admissions against capacity with paired 95% CI bands, drawn to suit the design."""
    table = effects(results)
    if not (table["configuration"] != 0).any():
        return None
    if results.design == "one_at_a_time":
        figure = _avoided_one_at_a_time(results, table)
        how = "one panel per factor, the others at their baseline values"
    elif results.design == "latin_hypercube":
        figure = _avoided_scatter(results, table)
        how = "each sampled configuration against each factor, with 95% CI error bars"
    else:
        figure = _avoided_grid(results, table)
        how = ("one line per value of " + pretty_path(results.factors[1]) if len(results.factors) > 1
               else "a line over the factor's values")
    title = "Avoided admissions by capacity"
    figure.suptitle(f"{title}: {results.name}", fontweight="bold")
    caption = (f"{title} (whole area, count over the results period, paired with the baseline): {how}. "
               "Shading or bars show the paired 95% confidence interval.")
    return Chart(FIG_AVOIDED, title, caption, figure)


def _avoided_one_at_a_time(results: SweepResults, table: pd.DataFrame) -> Figure:
    figure, axes = _new_figure(4.6 * min(len(results.factors), 3), 4.2 * math.ceil(len(results.factors) / 3),
                               len(results.factors))
    baseline = _baseline_values(results)
    for ax, path in zip(axes, results.factors, strict=True):
        arm = _one_factor_rows(table, results, path)
        axis = _XAxis.of(path, arm[path])
        _band(ax, axis(arm[path]), arm, "Mean, 95% CI band", sns.color_palette()[0])
        _mark_baseline(ax, float(axis([baseline[path]])[0]))
        ax.axhline(0, color="grey", linewidth=0.8)
        axis.style(ax)
        ax.set_ylabel(AVOIDED_Y)
        ax.set_title(pretty_path(path))
    axes[0].legend(loc="best", fontsize="small")
    return figure


def _avoided_scatter(results: SweepResults, table: pd.DataFrame) -> Figure:
    n = len(results.factors)
    figure, axes = _new_figure(4.6 * min(n, 3), 4.2 * math.ceil(n / 3), n)
    design = table[table["configuration"] != 0]
    baseline = _baseline_values(results)
    color = sns.color_palette()[0]
    for ax, path in zip(axes, results.factors, strict=True):
        axis = _XAxis.of(path, [*design[path], baseline[path]])
        mean = design["diff_mean"].to_numpy(float)
        error = np.vstack([mean - design["diff_ci_low"].to_numpy(float),
                           design["diff_ci_high"].to_numpy(float) - mean])
        ax.errorbar(axis(design[path]), mean, yerr=error, fmt="o", color=color, ecolor=color,
                    elinewidth=1, capsize=3, label="Sampled configuration")
        _mark_baseline(ax, float(axis([baseline[path]])[0]))
        ax.axhline(0, color="grey", linewidth=0.8)
        axis.style(ax)
        ax.set_ylabel(AVOIDED_Y)
    axes[0].legend(loc="best", fontsize="small")
    return figure


def _avoided_grid(results: SweepResults, table: pd.DataFrame) -> Figure:
    """x = first factor, one line per value of the second, one panel per combination of the rest.
    The baseline is a star at zero in the panel of its own values of the rest."""
    factors = results.factors
    x_path, hue_path, rest = factors[0], (factors[1] if len(factors) > 1 else None), factors[2:]
    baseline = _baseline_values(results)
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
        ax.set_ylabel(AVOIDED_Y)
        if rest:
            ax.set_title(", ".join(f"{pretty_path(p)} = {_value_text(v)}"
                                   for p, v in zip(rest, key, strict=True)), fontsize="medium")
        ax.legend(loc="best", fontsize="small", title=pretty_path(hue_path) if hue_path else None)
    return figure


def _grid_panel(ax: Axes, axis: _XAxis, panel: pd.DataFrame, hue_path: str | None) -> None:
    if hue_path is None:
        _band(ax, axis(panel[axis.path]), panel, "Mean, 95% CI band", sns.color_palette()[0])
        return
    levels = _levels(panel[hue_path])
    palette = sns.color_palette("viridis", len(levels)) if _numeric(levels) else sns.color_palette(
        n_colors=len(levels))
    for level, color in zip(levels, palette, strict=True):
        line = panel[panel[hue_path] == level]
        _band(ax, axis(line[axis.path]), line, _value_text(level), color)


def _heatmap_chart(results: SweepResults) -> Chart | None:
    """Mean avoided admissions over a two-factor grid, each cell annotated with its mean and CI."""
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
    figure, (ax,) = _new_figure(max(5.5, 0.9 * len(columns) + 3), max(3.8, 0.55 * len(index) + 2))
    with warnings.catch_warnings():  # seaborn 0.13 calls a colormap method matplotlib 3.11 deprecates
        warnings.filterwarnings("ignore", "The set_bad function", PendingDeprecationWarning)
        sns.heatmap(means, ax=ax, cmap="RdBu", center=0, annot=labels, fmt="", linewidths=0.5,
                    annot_kws={"fontsize": 9 if cells <= 36 else 7},
                    cbar_kws={"label": "Avoided admissions vs baseline (count)"})
    ax.grid(False)
    ax.set_facecolor("#e6e6e6")  # cells not run yet
    ax.set_xlabel(f"{pretty_path(x_path)} ({x_path})")
    ax.set_ylabel(f"{pretty_path(y_path)} ({y_path})")
    ax.set_xticklabels([_value_text(v) for v in columns], rotation=0)
    ax.set_yticklabels([_value_text(v) for v in index], rotation=0)
    title = "Avoided admissions over the capacity grid"
    figure.suptitle(f"{title}: {results.name}", fontweight="bold")
    caption = (f"{title}: mean avoided admissions (whole area, paired with the baseline) for each "
               f"combination of {pretty_path(x_path)} and {pretty_path(y_path)}"
               + ("; the 95% CI is in brackets" if cells <= 64 else "")
               + ("; grey cells have not been run yet." if means.isna().to_numpy().any() else "."))
    return Chart(FIG_HEATMAP, title, caption, figure)


def _heatmap_labels(table: pd.DataFrame, means: pd.DataFrame, with_ci: bool) -> np.ndarray:
    x_path, y_path = means.columns.name, means.index.name
    by_cell = table.set_index([y_path, x_path])
    labels = np.full(means.shape, "", dtype=object)
    for i, y in enumerate(means.index):
        for j, x in enumerate(means.columns):
            if (y, x) not in by_cell.index:
                continue
            mean, low, high = by_cell.loc[(y, x), ["diff_mean", "diff_ci_low", "diff_ci_high"]]
            digits = _digits(mean, low, high)
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


def _swings(results: SweepResults) -> list[_Swing]:
    """For each factor, the effect at its lowest and at its highest value (the baseline counts as a
    value of every arm), smallest swing first."""
    table = effects(results)
    swings = []
    for path in results.factors:
        arm = _one_factor_rows(table, results, path)
        levels = _levels(arm[path])
        if len(levels) < 2:
            continue
        low = arm[arm[path] == levels[0]].iloc[0]
        high = arm[arm[path] == levels[-1]].iloc[0]
        swings.append(_Swing(path, levels[0], levels[-1], low, high))
    return sorted(swings, key=lambda s: s.size)


def _tornado_chart(results: SweepResults) -> Chart | None:
    """One bar per factor from the effect of its lowest value to that of its highest, biggest swing on
    top: which lever moves avoided admissions most, one at a time."""
    if results.design != "one_at_a_time":
        return None
    swings = _swings(results)
    if not swings:
        return None
    baseline = _baseline_values(results)
    figure, (ax,) = _new_figure(8.0, 1.4 + 0.9 * len(swings))
    low_color, high_color = sns.color_palette()[0], sns.color_palette()[3]
    for y, swing in enumerate(swings):
        low, high = float(swing.low["diff_mean"]), float(swing.high["diff_mean"])
        ax.barh(y, high - low, left=low, height=0.5, color="lightgrey", edgecolor="grey")
        for row, value, color, name in ((swing.low, swing.low_value, low_color, "Lowest value"),
                                        (swing.high, swing.high_value, high_color, "Highest value")):
            mean = float(row["diff_mean"])
            error = [[mean - float(row["diff_ci_low"])], [float(row["diff_ci_high"]) - mean]]
            ax.errorbar([mean], [y], xerr=error, fmt="o", color=color, capsize=3, markersize=7,
                        label=name if y == 0 else None, zorder=4)
            above = row is swing.high  # low value labelled below the bar, high above: never overlapping
            ax.annotate(_value_text(value), (mean, y), xytext=(0, 9 if above else -9),
                        textcoords="offset points", ha="center", va="bottom" if above else "top",
                        fontsize=9, color=color, fontweight="bold")
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(len(swings)),
                  [f"{pretty_path(s.path)}\n(baseline {_value_text(baseline[s.path])})" for s in swings])
    ax.set_ylim(-0.7, len(swings) - 0.3)
    ax.set_xlabel("Avoided admissions vs baseline (count); whiskers: paired 95% CI")
    ax.legend(loc="lower right", fontsize="small")
    title = "Which capacity moves avoided admissions most"
    figure.suptitle(f"{title}: {results.name}", fontweight="bold")
    caption = (f"Tornado chart. {title}: for each factor, a bar from the effect of its lowest value to "
               "that of its highest (labelled), the others at baseline; largest swing on top. "
               "Whiskers are paired 95% confidence intervals.")
    return Chart(FIG_TORNADO, title, caption, figure)


def _shown_configurations(results: SweepResults) -> list[tuple[int, str]]:
    """The baseline and, when there is one, the configuration with the most avoided admissions."""
    shown = [(0, "Baseline")]
    best = best_configuration(results)
    if best is not None:
        label = results.configurations.loc[results.configurations["configuration"] == best, "label"].iloc[0]
        text = f"Most avoided admissions: {label}"
        shown.append((best, "\n".join(textwrap.wrap(text, 60))))
    return shown


def _occupancy_chart(results: SweepResults) -> Chart | None:
    """Daily acute occupancy (whole area) of the baseline and the best configuration, against the
    85% and 92% occupancy levels boards plan to."""
    daily = results.occupancy_daily[results.occupancy_daily["area"] == ALL]
    shown = [(c, label) for c, label in _shown_configurations(results) if (daily["configuration"] == c).any()]
    if not shown:
        return None
    figure, (ax,) = _new_figure(9.0, 4.6)
    for (configuration, label), color in zip(shown, sns.color_palette(n_colors=len(shown)), strict=True):
        rows = daily[daily["configuration"] == configuration].sort_values("day")
        ax.fill_between(rows["day"], rows["ci_low_pct"], rows["ci_high_pct"], color=color, alpha=0.2,
                        linewidth=0)
        sns.lineplot(x=rows["day"].to_numpy(), y=rows["mean_pct"].to_numpy(), ax=ax, color=color,
                     label=label, linewidth=1.2, legend=False)
    for level, color in ((85, "tab:orange"), (92, "tab:red")):
        ax.axhline(level, color=color, linestyle="--", linewidth=1, label=f"{level}% occupancy")
    ax.set_xlabel("Day of the results period")
    ax.set_ylabel("Acute occupancy (% of core beds)")
    figure.legend(loc="outside lower center", ncols=2, fontsize="small")  # long labels: off the data
    title = "Acute bed occupancy over the year"
    figure.suptitle(f"{title}: {results.name}", fontweight="bold")
    caption = (f"{title} (whole area, all patients, % of core beds): daily mean over replications with "
               "its 95% CI band, for the baseline and the configuration with the most avoided admissions; "
               "dashed lines at 85% and 92%.")
    return Chart(FIG_OCCUPANCY, title, caption, figure)


def _utilisation_chart(results: SweepResults) -> Chart | None:
    """Utilisation of every service (whole area) for the baseline and the best configuration, busiest
    first: the bottlenecks that limit what extra capacity elsewhere can achieve."""
    summary = results.summary
    rows = summary[(summary["area"] == ALL) & summary["kpi"].str.endswith("_utilisation_pct")]
    rows = rows[np.isfinite(rows["mean"].astype(float))]
    shown = [(c, label) for c, label in _shown_configurations(results) if (rows["configuration"] == c).any()]
    if not shown:
        return None
    first = rows[rows["configuration"] == shown[0][0]]
    order = first.sort_values("mean", ascending=True)["kpi"].tolist()
    order += sorted(set(rows["kpi"]) - set(order))
    figure, (ax,) = _new_figure(8.5, 1.4 + 0.28 * len(order) * len(shown))
    height = 0.8 / len(shown)
    for i, ((configuration, label), color) in enumerate(zip(shown, sns.color_palette(n_colors=len(shown)),
                                                            strict=True)):
        these = rows[rows["configuration"] == configuration].set_index("kpi").reindex(order)
        y = np.arange(len(order)) + (len(shown) - 1 - 2 * i) * height / 2
        mean = these["mean"].to_numpy(float)
        error = np.vstack([mean - these["ci_low"].to_numpy(float), these["ci_high"].to_numpy(float) - mean])
        ax.barh(y, mean, height=height, color=color, label=label)
        ax.errorbar(mean, y, xerr=np.nan_to_num(error), fmt="none", ecolor="black", elinewidth=1, capsize=2)
    ax.axvline(85, color="tab:red", linestyle="--", linewidth=1, label="85% utilisation")
    ax.set_yticks(range(len(order)), [_service(kpi) for kpi in order])
    ax.set_xlabel("Utilisation (% of capacity busy); whiskers: 95% CI")
    ax.set_xlim(0, max(105.0, float(np.nanmax(rows["ci_high"].fillna(rows["mean"]))) * 1.05))
    figure.legend(loc="outside lower center", ncols=2, fontsize="small")  # long labels: off the data
    title = "Service utilisation: where the bottlenecks are"
    figure.suptitle(f"{title}: {results.name}", fontweight="bold")
    caption = (f"{title} (whole area): mean utilisation of each service with its 95% CI, busiest at the "
               "top, for the baseline and the configuration with the most avoided admissions; dashed line "
               "at 85%.")
    return Chart(FIG_UTILISATION, title, caption, figure)


def _render(chart: Chart, fmt: str) -> bytes:
    """PNG or SVG bytes. The SVG hash salt is the stem so element ids are stable from run to run."""
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart.stem}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": f"dorothy_sim {__version__}"}
        chart.figure.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def _save_chart(chart: Chart, folder: Path) -> list[Path]:
    """Save as PNG (slides) and SVG (print, and the HTML page); then free the figure's memory."""
    paths = []
    for fmt in ("png", "svg"):
        data = _render(chart, fmt)
        paths.append(atomic_write(folder / f"{chart.stem}.{fmt}", lambda p, data=data: p.write_bytes(data)))
    chart.svg = paths[1].read_text(encoding="utf-8")
    chart.figure.clear()
    return paths


# --------------------------------------------------------------------------- workbook


@dataclass
class Sheet:
    """A sheet's table with display headers (they may repeat, e.g. "95% CI low" after each measure)
    and how to format its columns, by position: a fixed number format, or "unit" for long tables whose
    rows each take the format of their own unit."""

    frame: pd.DataFrame
    formats: list[str | None]
    freeze: str = "A2"
    note: str = ""  # why the sheet shows less than the table (shown on the About sheet)
    pointer: bool = False  # the sheet only says where the table is


BY_UNIT = "unit"


def _sheet(columns: Sequence[tuple[str, pd.Series, str | None]], freeze: str = "A2") -> Sheet:
    """A sheet from (header, values, format) triples, in order."""
    frame = pd.concat([values.reset_index(drop=True) for _, values, _ in columns], axis=1,
                      ignore_index=True)
    frame.columns = [header for header, _, _ in columns]
    return Sheet(frame, [number for _, _, number in columns], freeze)


def _about(results: SweepResults, made: Made, notes: dict[str, str]) -> Sheet:
    counts = results.configurations["replications"]
    rows = [
        ("Sweep", results.name),
        ("Description", results.description or "(none)"),
        ("Status", "complete" if results.complete else
         "INCOMPLETE: the sweep has not finished; these tables hold only the runs done so far"),
        ("Design", results.design),
        ("Factors", ", ".join(results.factors)),
        ("Configurations", f"{len(results.configurations)} (configuration 0 is the baseline)"),
        ("Replications", f"{_replication_text(counts)}; {int(counts.sum()):,} runs in all"),
        ("Seeds", f"replication r uses seed {results.first_seed} + r in every configuration "
                  "(common random numbers)"),
        ("First seed", str(results.first_seed)),
        ("Spec hash", results.spec_hash),
        ("How the runs were made", made.sweep),
        ("How this report was made", made.report),
        ("Written at (UTC)", made.written_at),
        ("Reading the intervals", PAIRED_NOTE),
        *((f"Sheet: {name}", text + (f" ({notes[name]})" if notes.get(name) else ""))
          for name, text in SHEET_GUIDE.items()),
    ]
    if results.run_seconds > 0:
        rows.insert(9, ("Simulation time (sum over runs)", f"{results.run_seconds:,.1f} s"))
    return Sheet(pd.DataFrame(rows, columns=["Item", "Value"]), [None, None])


SHEET_GUIDE: dict[str, str] = {
    "Headline": "one row per configuration: comparison KPIs with 95% CIs and mean acute occupancy "
                "(whole area)",
    "Configurations": "each configuration's factor values and replications",
    "Comparisons": "paired differences from the baseline for every KPI and area",
    "Summary": "mean, standard deviation and 95% CI of every KPI by configuration and area",
    "Occupancy by day": "daily acute occupancy, % of core beds, by configuration and area",
    "Replications": "every KPI of every run: one row per run and area, one column per KPI",
    "KPIs": "names, units and meanings",
}


def _replication_text(counts: pd.Series) -> str:
    low, high = int(counts.min()), int(counts.max())
    return f"{low} per configuration" if low == high else f"{low} to {high} per configuration"


def _headline_sheet(results: SweepResults) -> Sheet:
    """Measures in their units with their CIs beside them: "Avoided admissions (count)", "95% CI low"..."""
    table = results.headline()
    labels = results.configurations.set_index("configuration")["label"]
    columns: list[tuple[str, pd.Series, str | None]] = [
        ("Configuration", table["configuration"], WHOLE),
        ("Scenario", table["configuration"].map(labels), None),
        *((path, table[path], None) for path in results.factors),
        ("Replications", table["replications"], WHOLE),
    ]
    for kpi in (*HEADLINE, "acute_occupancy_mean_pct", "bed_wait_hours_mean"):
        unit = UNITS[kpi]
        number = EXCEL_FORMATS.get(unit, DEFAULT_FORMAT)
        columns += [(f"{TITLES.get(kpi, kpi)} ({unit_label(unit)})", table[kpi], number),
                    ("95% CI low", table[f"{kpi}_ci_low"], number),
                    ("95% CI high", table[f"{kpi}_ci_high"], number)]
    columns.append(("Acute beds gridlocked (occupancy >= 100% or bed wait >= 24 h)",
                    table["gridlocked"].map({True: "yes", False: "no"}), None))
    columns.append(("Queues still rising at the end (demand above capacity)", table["unstable_queues"], None))
    return _sheet(columns, freeze="C2")


def _configurations_sheet(results: SweepResults) -> Sheet:
    table = results.configurations
    return _sheet([("Configuration", table["configuration"], WHOLE), ("Scenario", table["label"], None),
                   ("In design", table["in_design"], None), ("Replications", table["replications"], WHOLE),
                   *((path, table[path], None) for path in results.factors)], freeze="C2")


def _fitted(table: pd.DataFrame, stem: str, build: Callable[[pd.DataFrame], Sheet]) -> Sheet:
    """The sheet of the whole table if it fits :data:`CELL_BUDGET`; else of its whole-area rows; else
    a pointer to the CSV and Parquet tables."""
    sheet = build(table)
    if sheet.frame.size <= CELL_BUDGET:
        return sheet
    if "area" in table.columns:
        sheet = build(table[table["area"] == ALL])
        if sheet.frame.size <= CELL_BUDGET:
            sheet.note = (f"whole area ('{ALL}') only, to keep the workbook quick; every area is in "
                          f"{stem}.csv and {stem}.parquet")
            return sheet
    note = (f"{len(table):,} rows: too many for a workbook sheet; the table is in {stem}.csv and "
            f"{stem}.parquet next to this workbook")
    return Sheet(pd.DataFrame({"Note": [note]}), [None], note=note, pointer=True)


def _long(headers: Sequence[tuple[str, str, str | None]]) -> Callable[[pd.DataFrame], Sheet]:
    """A builder of a long-table sheet from (column, header, format) triples."""
    return lambda table: _sheet([(header, table[column], number) for column, header, number in headers])


def _comparisons_sheet(results: SweepResults) -> Sheet:
    return _fitted(results.comparisons, "comparisons", _long([
        ("configuration", "Configuration", WHOLE), ("scenario", "Scenario", None), ("area", "Area", None),
        ("kpi", "KPI", None), ("unit", "Unit", None), ("mean", "Mean (in Unit)", BY_UNIT),
        ("baseline_mean", "Baseline mean (in Unit)", BY_UNIT),
        ("diff_mean", "Difference from baseline (in Unit)", BY_UNIT),
        ("diff_ci_low", "Difference 95% CI low (in Unit)", BY_UNIT),
        ("diff_ci_high", "Difference 95% CI high (in Unit)", BY_UNIT), ("n", "Replications (n)", WHOLE)]))


def _summary_sheet(results: SweepResults) -> Sheet:
    return _fitted(results.summary, "summary", _long([
        ("configuration", "Configuration", WHOLE), ("scenario", "Scenario", None), ("area", "Area", None),
        ("kpi", "KPI", None), ("unit", "Unit", None), ("mean", "Mean (in Unit)", BY_UNIT),
        ("std", "Std deviation (in Unit)", BY_UNIT), ("ci_low", "95% CI low (in Unit)", BY_UNIT),
        ("ci_high", "95% CI high (in Unit)", BY_UNIT), ("n", "Replications (n)", WHOLE)]))


def _occupancy_sheet(results: SweepResults) -> Sheet:
    percent = EXCEL_FORMATS["%"]
    return _fitted(results.occupancy_daily, "occupancy_daily", _long([
        ("configuration", "Configuration", WHOLE), ("area", "Area", None),
        ("day", "Day of results period", WHOLE),
        ("mean_pct", "Acute occupancy, mean (% of core beds)", percent),
        ("ci_low_pct", "95% CI low (%)", percent), ("ci_high_pct", "95% CI high (%)", percent),
        ("n", "Replications (n)", WHOLE)]))


def _replications_sheet(results: SweepResults) -> Sheet:
    """One row per run and area, one column per KPI with its unit in the header: the long table's
    values in an eighth of the cells, and the shape a pivot table or a chart in Excel wants."""
    return _fitted(results.replications, "replications", _replications_wide)


def _replications_wide(table: pd.DataFrame) -> Sheet:
    keys = ["configuration", "scenario", "replication", "seed", "area"]
    wide = table.pivot(index=keys, columns="kpi", values="value").reset_index()
    units = table.drop_duplicates("kpi").set_index("kpi")["unit"]
    known = [k.name for k in KPIS if k.name in units.index]
    order = known + [kpi for kpi in units.index if kpi not in known]
    columns: list[tuple[str, pd.Series, str | None]] = [
        ("Configuration", wide["configuration"], WHOLE), ("Scenario", wide["scenario"], None),
        ("Replication", wide["replication"], WHOLE), ("Seed", wide["seed"], WHOLE),
        ("Area", wide["area"], None)]
    columns += [(f"{kpi} ({unit_label(units[kpi])})", wide[kpi],
                 EXCEL_FORMATS.get(units[kpi], DEFAULT_FORMAT)) for kpi in order]
    return _sheet(columns, freeze="F2")


def _kpis_sheet() -> Sheet:
    better = {True: "higher", False: "lower", None: ""}
    kinds = (("simulated", KPIS), ("comparison (paired with the baseline)", COMPARISON_KPIS))
    rows = [(k.name, unit_label(k.unit), k.meaning, better[k.higher_is_better], kind)
            for kind, kpis in kinds for k in kpis]
    return Sheet(pd.DataFrame(rows, columns=["KPI", "Unit", "Meaning", "Better when", "Kind"]), [None] * 5)


def workbook_sheets(results: SweepResults, made: Made) -> dict[str, Sheet]:
    """Every sheet of the workbook by name, in :data:`SHEETS` order (About last built, first shown:
    it says which sheets were cut)."""
    data = {"Headline": _headline_sheet(results), "Configurations": _configurations_sheet(results),
            "Comparisons": _comparisons_sheet(results), "Summary": _summary_sheet(results),
            "Occupancy by day": _occupancy_sheet(results), "Replications": _replications_sheet(results),
            "KPIs": _kpis_sheet()}
    sheets = {"About": _about(results, made, {name: sheet.note for name, sheet in data.items()}), **data}
    assert tuple(sheets) == SHEETS and all(len(name) <= 31 for name in sheets)
    return sheets


def write_workbook(results: SweepResults, path: Path, made: Made | None = None) -> Path:
    """The Excel workbook: pandas writes the cells, openpyxl styles them before the file is closed."""
    sheets = workbook_sheets(results, made or _how_made(results, None))

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, sheet in sheets.items():
                sheet.frame.to_excel(writer, sheet_name=name, index=False)
                _style(writer.sheets[name], sheet)
                if name == "About":
                    _style_about(writer.sheets[name], len(sheet.frame))

    return atomic_write(path, write)


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")
TOP_WRAPPED = Alignment(wrap_text=True, vertical="top")


def _style(ws: Worksheet, sheet: Sheet) -> None:
    """Bold wrapped header, frozen header row, number formats, column widths and a filter."""
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGN, Border()
    ws.freeze_panes = sheet.freeze
    last = len(sheet.frame) + 1
    units = (list(sheet.frame["Unit"]) if BY_UNIT in sheet.formats and "Unit" in sheet.frame.columns
             else [])
    unit_formats = [EXCEL_FORMATS.get(unit, DEFAULT_FORMAT) for unit in units]
    for j, number in enumerate(sheet.formats, start=1):
        if number is None or last < 2:
            continue
        cells = (cell for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=j, max_col=j))
        if number == BY_UNIT:
            for cell, row_format in zip(cells, unit_formats, strict=True):
                cell.number_format = row_format
        else:
            for cell in cells:
                cell.number_format = number
    _widths(ws, sheet)
    if len(sheet.frame) and not sheet.pointer:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.frame.columns))}{last}"


def _style_about(ws: Worksheet, rows: int) -> None:
    for row in ws.iter_rows(min_row=2, max_row=rows + 1, min_col=1, max_col=2):
        row[0].font, row[0].alignment = HEADER_FONT, TOP_WRAPPED
        row[1].alignment = TOP_WRAPPED
    ws.auto_filter.ref = None
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110


def _widths(ws: Worksheet, sheet: Sheet) -> None:
    """Wide enough for the values (judged on a sample of rows) and most of the header, which wraps."""
    sample = sheet.frame.head(500)
    for j in range(len(sample.columns)):
        values = sample.iloc[:, j]
        if pd.api.types.is_float_dtype(values):
            longest = max((len(f"{v:,.2f}") for v in values if np.isfinite(v)), default=4) + 1
        else:
            longest = max((len(str(v)) for v in values), default=4)
        header = min(len(str(sample.columns[j])), 22)
        cap = 110 if sheet.pointer else 60
        ws.column_dimensions[get_column_letter(j + 1)].width = max(8, min(cap, max(longest, header) + 2))


# --------------------------------------------------------------------------- HTML page


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
.warning { background: #fff3cd; border: 1px solid #e0b000; padding: 0.6rem 1rem; margin: 0.8rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; vertical-align: top; }
th { background: #dde6f0; text-align: left; } td.num { text-align: right; white-space: nowrap; }
tr.baseline td { background: #f4f4f4; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #444; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
code { background: #f4f4f4; padding: 0 0.2rem; }
"""


def render_html(results: SweepResults, charts: Sequence[Chart], made: Made, files: Sequence[str]) -> str:
    """One page that stands alone: text, the headline table, every figure as an embedded SVG image, a
    note on paired intervals and the list of files. Every piece of text from the results is escaped."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>Sweep report: {e(results.name)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>Sweep report: {e(results.name)}</h1>",
        f"<p>{e(results.description)}</p>" if results.description else "",
    ]
    if not results.complete:
        parts.append('<p class="warning"><strong>Incomplete sweep.</strong> Not every run has finished; '
                     "this report covers the runs done so far. Run the same <code>dorothy sweep</code> "
                     "command again to finish it, then remake the report.</p>")
    parts += [_facts_html(results, made), "<h2>Headline results (whole area)</h2>", _headline_html(results),
              _strain_html(results), _unstable_html(results)]
    if not charts:
        parts.append("<p>No figures: the sweep has no finished runs to draw.</p>")
    for chart in charts:
        parts.append(_figure_html(chart))
    parts += ["<h2>Reading the confidence intervals</h2>", f"<p>{e(PAIRED_NOTE)}</p>",
              "<h2>Files</h2>", "<ul>", *(f'<li><a href="{e(name)}">{e(name)}</a></li>' for name in files),
              "</ul>", "</body>", "</html>", ""]
    return "\n".join(part for part in parts if part)


def _facts_html(results: SweepResults, made: Made) -> str:
    e = html.escape
    counts = results.configurations["replications"]
    facts = [
        ("Design", results.design), ("Factors", ", ".join(results.factors)),
        ("Configurations", f"{len(results.configurations)} (configuration 0 is the baseline)"),
        ("Replications", f"{_replication_text(counts)}, seeds from {results.first_seed} "
                         "(common random numbers)"),
        ("Status", "complete" if results.complete else "incomplete"),
        ("Spec hash", results.spec_hash), ("Runs made by", made.sweep), ("Report made by", made.report),
        ("Written at (UTC)", made.written_at),
    ]
    items = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    return f'<h2>How this was made</h2>\n<dl class="facts">{items}</dl>'


def headline_cells(results: SweepResults) -> pd.DataFrame:
    """The headline table as the HTML page shows it: text cells, estimates as "mean (95% CI a to b)"."""
    table = results.headline()
    labels = results.configurations.set_index("configuration")["label"]
    strained = set(strained_configurations(results)["configuration"])
    names = [(f"{c} (baseline)" if c == 0 else str(c)) + (" \u2020" if c in strained else "")
             for c in table["configuration"]]
    out = pd.DataFrame({"Configuration": names})
    if results.design == "one_at_a_time" or len(results.factors) > 4:
        out["Scenario"] = [str(labels[c]) for c in table["configuration"]]
    else:
        for path in results.factors:
            out[path] = [_value_text(v) for v in table[path]]
    out["Replications"] = table["replications"].astype(int).astype(str)
    for kpi in HTML_HEADLINE:
        unit = UNITS[kpi]
        cells = []
        for _, row in table.iterrows():
            if row["replications"] == 0:
                cells.append("not run yet")
            elif row["configuration"] == 0 and kpi != "acute_occupancy_mean_pct":
                cells.append("reference")
            else:
                cells.append(format_estimate(row[kpi], row[f"{kpi}_ci_low"], row[f"{kpi}_ci_high"], unit))
        out[f"{TITLES[kpi]} ({unit_label(unit)})"] = cells
    return out


def _headline_html(results: SweepResults) -> str:
    e = html.escape
    cells = headline_cells(results)
    head = "".join(f"<th>{e(str(c))}</th>" for c in cells.columns)
    numeric = {c for c in cells.columns if c not in ("Configuration", "Scenario")}
    body = []
    for _, row in cells.iterrows():
        css = ' class="baseline"' if row["Configuration"].startswith("0 (baseline)") else ""
        tds = "".join(f'<td class="num">{e(v)}</td>' if c in numeric else f"<td>{e(v)}</td>"
                      for c, v in row.items())
        body.append(f"<tr{css}>{tds}</tr>")
    return (f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"
            "\n<p>Differences are from the baseline (configuration 0), paired by seed; "
            "acute occupancy is the mean over the results period, % of core beds.</p>")


def _strain_html(results: SweepResults) -> str:
    """A warning naming the gridlocked configurations (see :func:`strained_configurations`)."""
    strained = strained_configurations(results)
    return _warning_html(
        "Gridlocked acute beds (marked &#8224;).",
        f"In these configurations mean occupancy is at least {GRIDLOCK_OCCUPANCY_PCT:g}% of core beds or the "
        f"mean wait for a bed is at least {GRIDLOCK_BED_WAIT_HOURS:g} hours. Fewer admissions there can be "
        "people still waiting for a bed, not admissions avoided: read their avoided admissions with "
        "their bed days saved and costs.",
        [f"Configuration {int(row.configuration)}: acute occupancy "
         f"{format_number(row.acute_occupancy_mean_pct, '%')} of core beds, mean wait for a bed "
         f"{format_number(row.bed_wait_hours_mean, 'hours')} hours" for row in strained.itertuples()])


def _unstable_html(results: SweepResults) -> str:
    """A warning naming the queues still rising at the end of a replication (monitor.still_rising):
    demand above that service's capacity, so its waits grow with the length of the run."""
    rising = unstable_queues(results.queues, by=["configuration"])
    return _warning_html(
        "Queues still growing at the end of the run.",
        "Demand is above capacity at these services: their queues grow for as long as the run lasts, so "
        "their waits measure the run length, not a steady state (the queues table has every queue; flag "
        "still_rising).",
        [f"Configuration {int(row.configuration)}: {row.area} {str(row.queue).replace('_', ' ')}, rising in "
         f"{int(row.rising_in)} of {int(row.replications)} replications ({row.queue_end_mean:,.0f} waiting "
         "at the end on average)" for row in rising.itertuples()])


def _warning_html(title_html: str, text: str, items: list[str]) -> str:
    """A warning box: a bold title (already HTML), a paragraph and a list (both escaped here); nothing
    when the list is empty."""
    if not items:
        return ""
    listed = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    return (f'<div class="warning"><p><strong>{title_html}</strong> {html.escape(text)}</p>'
            f"<ul>{listed}</ul></div>")


def _figure_html(chart: Chart) -> str:
    """The SVG as a data URI: the page stays one file, and each drawing keeps its own element ids."""
    svg = chart.svg or _render(chart, "svg").decode("utf-8")
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    e = html.escape
    return (f'<h2>{e(chart.title)}</h2>\n<figure id="{e(chart.stem)}">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{e(chart.caption)}">'
            f"<figcaption>{e(chart.caption)} (Files: {e(chart.stem)}.png, {e(chart.stem)}.svg.)</figcaption>"
            "</figure>")
