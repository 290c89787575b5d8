"""The report as a Word document (python-docx), for boards that circulate papers as .docx: the same
headline table, warnings and figures as the HTML page (:mod:`.page`), from the same tables."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

from dorothy_sim.output import atomic_write
from dorothy_sim.report.figures import make_charts, render_chart
from dorothy_sim.report.findings import strained_configurations
from dorothy_sim.report.labels import PAIRED_NOTE, how_made, replication_text
from dorothy_sim.report.page import headline_cells
from dorothy_sim.sweep import SweepResults


def write_docx(results: SweepResults, path: Path, command: str | None = None) -> Path:
    """Write ``path`` (.docx): title, how it was made, the headline table (whole area, paired 95% CIs),
    the gridlocked or strained configurations, every figure and the note on the intervals."""
    made = how_made(results, command)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    document.add_heading(f"Sweep report: {results.name}", level=0)
    if results.description:
        document.add_paragraph(results.description)
    if not results.complete:
        document.add_paragraph("Incomplete: not every run has finished; this report covers the runs done "
                               "so far.").runs[0].bold = True
    counts = results.configurations["replications"]
    facts = [("Design", results.design), ("Factors", ", ".join(results.factors)),
             ("Replications", f"{replication_text(counts)}, seeds from {results.first_seed} (common random "
                              "numbers)"),
             ("Runs made by", made.sweep), ("Report made by", made.report),
             ("Written at (UTC)", made.written_at)]
    for name, value in facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{name}: ").bold = True
        paragraph.add_run(value)

    document.add_heading("Headline results (whole area)", level=1)
    cells = headline_cells(results)
    table = document.add_table(rows=1, cols=len(cells.columns))
    table.style = "Light Grid Accent 1"
    for cell, title in zip(table.rows[0].cells, cells.columns, strict=True):
        cell.text = str(title)
    for row in cells.itertuples(index=False):
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = str(value)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(7.5)

    strained = strained_configurations(results)
    if len(strained):
        document.add_heading("Gridlocked configurations", level=1)
        for row in strained.itertuples(index=False):
            document.add_paragraph(
                f"Configuration {row.configuration}: gridlocked (mean acute occupancy "
                f"{row.acute_occupancy_mean_pct:.1f}%, mean wait for a bed {row.bed_wait_hours_mean:.1f} h); "
                "its fewer admissions are people waiting for a bed, not a benefit", style="List Bullet")

    for chart in make_charts(results):
        document.add_heading(chart.title, level=1)
        document.add_picture(io.BytesIO(render_chart(chart, "png")), width=Cm(22))
        document.add_paragraph(chart.caption)
        chart.figure.clear()
    document.add_heading("Reading the confidence intervals", level=1)
    document.add_paragraph(PAIRED_NOTE)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda p: document.save(str(p)))
