"""The report's Excel workbook: one sheet per table, styled with openpyxl (headers, number formats,
widths, filters), and an About sheet that says how it was made and what each sheet holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dorothy_sim.kpis import COMPARISON_KPIS, KPIS, UNITS
from dorothy_sim.monitor import ALL
from dorothy_sim.output import atomic_write
from dorothy_sim.report.labels import PAIRED_NOTE, TITLES, Made, how_made, replication_text, unit_label
from dorothy_sim.sweep import GRIDLOCK_TEXT, HEADLINE, UNSTABLE_TEXT, SweepResults

# Sheet names in workbook order (each at most 31 characters, Excel's limit).
SHEETS: tuple[str, ...] = ("About", "Headline", "Configurations", "Comparisons", "Summary",
                           "Occupancy by day", "Replications", "KPIs")
# Cells one sheet may hold. openpyxl writes about 100,000 cells a second (it cannot go faster without
# lxml), and Excel stops at 1,048,576 rows, so a bigger table is cut to the whole area ("all") and,
# if still too big, the sheet points to the CSV and Parquet tables, which always hold everything.
CELL_BUDGET = 150_000

EXCEL_FORMATS: dict[str, str] = {
    "GBP": '"£"#,##0;-"£"#,##0', "%": "0.0", "count": "#,##0.0", "people": "#,##0.0",
    "bed days": "#,##0.0", "beds": "#,##0.00", "days": "#,##0.00", "hours": "#,##0.00",
    "per 1000 per year": "#,##0.0",
}
DEFAULT_FORMAT = "#,##0.00"
WHOLE = "0"


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
        ("Replications", f"{replication_text(counts)}; {int(counts.sum()):,} runs in all"),
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
    "Headline": "one row per configuration: comparison KPIs with 95% CIs (avoided admissions "
                "exposure-adjusted first: it ranks; the raw count is not exposure-adjusted), mean acute "
                "occupancy and bed wait, and the gridlocked and unstable-queue flags (whole area)",
    "Configurations": "each configuration's factor values and replications",
    "Comparisons": "paired differences from the baseline for every KPI and area",
    "Summary": "mean, standard deviation and 95% CI of every KPI by configuration and area",
    "Occupancy by day": "daily acute occupancy, % of core beds, by configuration and area",
    "Replications": "every KPI of every run: one row per run and area, one column per KPI",
    "KPIs": "names, units and meanings",
}


def _headline_sheet(results: SweepResults) -> Sheet:
    """Measures in their units with their CIs beside them, the ranking measure (avoided admissions,
    exposure-adjusted) first and the raw count labelled as such: "Avoided admissions (exposure-adjusted)
    (count)", "95% CI low"...; then the gridlock and unstable-queue flags."""
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
    columns.append((f"Acute beds {GRIDLOCK_TEXT} (never the best)",
                    table["gridlocked"].map({True: "yes", False: "no"}), None))
    columns.append((f"{UNSTABLE_TEXT[:1].upper()}{UNSTABLE_TEXT[1:]} (demand above capacity)",
                    table["unstable_queues"], None))
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
    sheets = workbook_sheets(results, made or how_made(results, None))

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
