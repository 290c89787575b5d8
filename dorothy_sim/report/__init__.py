"""Sweep reports: tidy tables, an Excel workbook, seaborn figures and one self-contained HTML page.

Why four forms of the same results: analysts want the tidy CSV/Parquet tables to compute with, a
commissioning board reads the workbook and the HTML page, and slides need the figures as PNG and SVG.
All of them come from one :class:`~dorothy_sim.sweep.SweepResults`, so they cannot disagree.

One module a job: :mod:`.figures` draws the charts, :mod:`.workbook` writes and styles the Excel
sheets, :mod:`.page` writes the HTML page; :mod:`.findings` picks out what they show (effects, the
best and the gridlocked configurations) and :mod:`.labels` names it.

Every file is written to a temporary name in the same folder and renamed into place, so a report
folder never holds a half-written file that looks complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dorothy_sim.formatting import format_estimate, format_number
from dorothy_sim.names import folder_name
from dorothy_sim.output import atomic_write, check_folder, write_table
from dorothy_sim.report.figures import (
    FIG_AVOIDED,
    FIG_HEATMAP,
    FIG_OCCUPANCY,
    FIG_TORNADO,
    FIG_UTILISATION,
    FIGURES,
    Chart,
    make_charts,
    remove_stale_figures,
    save_chart,
)
from dorothy_sim.report.findings import best_configuration, effects, strained_configurations
from dorothy_sim.report.labels import Made, how_made
from dorothy_sim.report.page import headline_cells, render_html
from dorothy_sim.report.workbook import SHEETS, Sheet, workbook_sheets, write_workbook
from dorothy_sim.sweep import SweepResults

__all__ = [
    "FIGURES",
    "FIG_AVOIDED",
    "FIG_HEATMAP",
    "FIG_OCCUPANCY",
    "FIG_TORNADO",
    "FIG_UTILISATION",
    "SHEETS",
    "Chart",
    "Made",
    "Sheet",
    "best_configuration",
    "effects",
    "format_estimate",
    "format_number",
    "headline_cells",
    "how_made",
    "make_charts",
    "render_html",
    "strained_configurations",
    "workbook_sheets",
    "write_report",
    "write_workbook",
]


def write_report(results: SweepResults, folder: Path, command: str | None = None,
                 kpis: Sequence[str] | None = None) -> list[Path]:
    """Write the tidy tables, ``<name>.xlsx``, the figures (PNG and SVG) and ``<name>.html`` into
    ``folder``; return the paths written. ``kpis`` chooses the measures the figures show (default:
    avoided admissions, exposure-adjusted, with bed days and cost beside them). ``command`` is the
    command line that made the report, shown under "how this was made" (the CLI passes its own; a
    default names the tools)."""
    folder = Path(folder)
    check_folder(folder, "report folder")
    folder.mkdir(parents=True, exist_ok=True)
    made = how_made(results, command)
    written: list[Path] = []
    for stem, table in results.tables().items():
        written += write_table(table, folder, stem)
    charts = make_charts(results, kpis)
    for chart in charts:
        written += save_chart(chart, folder)
    remove_stale_figures(folder, {chart.stem for chart in charts})
    stem = folder_name(results.name)  # a name is a label, never a path
    written.append(write_workbook(results, folder / f"{stem}.xlsx", made))
    page = folder / f"{stem}.html"
    names = [p.name for p in written] + [page.name]
    written.append(atomic_write(page, lambda p: p.write_text(render_html(results, charts, made, names),
                                                       encoding="utf-8")))
    return written
