"""Sweep reports (report.py): the files a report writes, the workbook's sheets and headers, the figures
each design gets, the HTML page's numbers and embedded figures, and reports of incomplete and
baseline-only sweeps.

Why short runs: the report only reads tables, so a 60-day results period on the small scenario with
two replications gives real tables in well under a second per configuration. The sweeps are run once
per module and shared.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dorothy_sim import report
from dorothy_sim.cli import format_headline
from dorothy_sim.errors import UserError
from dorothy_sim.kpis import RANKING_KPI, RAW_AVOIDED_KPI
from dorothy_sim.report import (
    FIG_AVOIDED,
    FIG_HEATMAP,
    FIG_OCCUPANCY,
    FIG_TORNADO,
    FIG_UTILISATION,
    SHEETS,
    format_estimate,
    format_number,
    headline_cells,
    make_charts,
    strained_configurations,
    workbook_sheets,
    write_report,
)
from dorothy_sim.report.figures import GRIDLOCK_HATCH
from dorothy_sim.sweep import GRIDLOCK_TEXT, SweepResults, load_results, sweep

BASE = {"scenario": "small", "set": {"run.results_days": 60, "run.warmup_days": 20},
        "replications": {"count": 2}}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TABLE_STEMS = ("configurations", "headline", "replications", "summary", "comparisons", "occupancy_daily",
               "occupancy_monthly", "queues")


@dataclasses.dataclass
class Built:
    results: SweepResults
    sweep_folder: Path
    folder: Path
    files: list[Path]

    def html(self) -> str:
        return (self.folder / f"{self.results.name}.html").read_text(encoding="utf-8")

    def workbook(self) -> openpyxl.Workbook:
        return openpyxl.load_workbook(self.folder / f"{self.results.name}.xlsx")


def _build(root: Path, spec: dict, report_it: bool = True) -> Built:
    results = sweep({**BASE, **spec}, out=root / "sweep", workers=2)
    files = write_report(results, root / "report") if report_it else []
    return Built(results, root / "sweep", root / "report", files)


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Built:
    return _build(tmp_path_factory.mktemp("grid"), {
        "name": "grid2", "description": "Rapid response <b>x</b> reablement & more",
        "factors": {"rapid_response.clinicians": [0, 2], "reablement.places": [10, 20]}})


@pytest.fixture(scope="module")
def oat(tmp_path_factory) -> Built:
    return _build(tmp_path_factory.mktemp("oat"), {
        "name": "oat2", "design": "one_at_a_time",
        "factors": {"rapid_response.clinicians": [0, 2], "reablement.places": [7, 28]}})


@pytest.fixture(scope="module")
def baseline_only(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("baseline_only")
    stale = root / "report" / f"{FIG_HEATMAP}.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by an earlier report")
    return _build(root, {"name": "only_baseline", "factors": {"rapid_response.clinicians": [1]}})


def _headline_row(results: SweepResults, configuration: int) -> pd.Series:
    table = results.headline()
    return table[table["configuration"] == configuration].iloc[0]


# --------------------------------------------------------------------------- formatting


def test_numbers_are_formatted_for_a_board_report() -> None:
    assert format_estimate(12.333, -33.224, 57.891, "count") == "12.3 (95% CI -33.2 to 57.9)"
    assert format_estimate(62.3, -9.1, 134.2, "count") == "62 (95% CI -9 to 134)"  # shared decimals
    assert format_estimate(4.0, np.nan, np.nan, "count") == "4.0 (95% CI n/a)"
    assert format_estimate(-1036281.4, -2185614.0, 113051.9, "GBP") == \
        "-£1,036,281 (95% CI -£2,185,614 to £113,052)"
    assert format_number(82.7026, "%") == "82.7%"
    assert format_number(-0.04, "count") == "0.0"  # no "-0.0"
    assert format_number(-0.4, "GBP") == "£0"
    assert format_number(2918.23, "bed days") == "2,918"
    assert format_number(float("nan")) == "n/a"
    assert format_number(None) == "n/a"


# --------------------------------------------------------------------------- files


def test_report_writes_every_file_and_nothing_half_written(grid: Built) -> None:
    figures = (FIG_AVOIDED, FIG_HEATMAP, FIG_OCCUPANCY, FIG_UTILISATION, "bed_days_saved_by_capacity",
               "net_saving_gbp_by_capacity")
    expected = ({f"{stem}.{ext}" for stem in TABLE_STEMS for ext in ("csv", "parquet")}
                | {f"{stem}.{ext}" for stem in figures for ext in ("png", "svg")}
                | {"grid2.xlsx", "grid2.html"})
    assert sorted(p.name for p in grid.files) == sorted(expected)
    for path in grid.files:
        assert path.parent == grid.folder
        assert path.stat().st_size > 100, path
    assert sorted(p.name for p in grid.folder.iterdir()) == sorted(expected)  # no temporary files left


def test_tables_are_the_sweep_tables(grid: Built) -> None:
    for stem, table in grid.results.tables().items():
        parquet = pd.read_parquet(grid.folder / f"{stem}.parquet")
        assert list(parquet.columns) == list(table.columns)
        assert len(parquet) == len(table) > 0
    headline = pd.read_csv(grid.folder / "headline.csv")
    np.testing.assert_allclose(headline["avoided_admissions"], grid.results.headline()["avoided_admissions"])


def test_a_file_in_the_way_is_a_clear_error(grid: Built, tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    with pytest.raises(UserError, match="is a file, not a folder"):
        write_report(grid.results, blocker / "report")


# --------------------------------------------------------------------------- workbook


def _header(ws) -> list[str]:
    return [cell.value for cell in ws[1]]


def test_workbook_has_the_sheets_in_order(grid: Built) -> None:
    workbook = grid.workbook()
    assert workbook.sheetnames == list(SHEETS)
    assert all(len(name) <= 31 for name in SHEETS)
    for ws in workbook.worksheets:
        assert ws.freeze_panes is not None, ws.title
        assert all(cell.font.bold for cell in ws[1]), ws.title


def test_headline_sheet_has_units_intervals_and_the_numbers(grid: Built) -> None:
    ws = grid.workbook()["Headline"]
    header = _header(ws)
    assert header[:5] == ["Configuration", "Scenario", "rapid_response.clinicians", "reablement.places",
                          "Replications"]
    at = header.index("Avoided admissions (exposure-adjusted) (count)")
    assert at == 5  # the ranking measure is the first measure
    assert header[at + 1: at + 3] == ["95% CI low", "95% CI high"]
    raw = header.index("Avoided admissions (raw count, not exposure-adjusted) (count)")
    for name in ("Days at home gained (whole cohort) (days)", "Bed days saved (bed days)",
                 "Beds released at 85% occupancy (beds)", "Net saving (£)", "Cost change (£)",
                 "Acute occupancy, mean (%)"):
        assert name in header, name
    assert any(h.startswith("Acute beds gridlocked") for h in header)
    rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    assert sorted(rows) == list(range(len(grid.results.configurations)))
    expected = _headline_row(grid.results, 3)
    assert rows[3][at].value == pytest.approx(expected["avoided_admissions_exposure_adjusted"])
    assert rows[3][at + 2].value == pytest.approx(expected["avoided_admissions_exposure_adjusted_ci_high"])
    assert rows[3][raw].value == pytest.approx(expected["avoided_admissions"])
    assert "£" in rows[3][header.index("Net saving (£)")].number_format
    assert rows[3][at].number_format == "#,##0.0"


def test_long_sheets_keep_units(grid: Built) -> None:
    workbook = grid.workbook()
    comparisons = workbook["Comparisons"]
    header = _header(comparisons)
    assert {"Unit", "Difference from baseline (in Unit)", "Difference 95% CI low (in Unit)"} <= set(header)
    unit, diff = header.index("Unit"), header.index("Difference from baseline (in Unit)")
    formats = {row[unit].value: row[diff].number_format for row in comparisons.iter_rows(min_row=2)}
    assert "£" in formats["GBP"] and formats["%"] == "0.0"
    replications = _header(workbook["Replications"])
    assert replications[:5] == ["Configuration", "Scenario", "Replication", "Seed", "Area"]
    assert {"admissions (count)", "cost_total_gbp (£)", "acute_occupancy_mean_pct (%)"} <= set(replications)
    assert workbook["Replications"].max_row - 1 == len(grid.results.replications.groupby(
        ["configuration", "replication", "area"]))
    assert "Acute occupancy, mean (% of core beds)" in _header(workbook["Occupancy by day"])


def test_about_sheet_says_what_was_run_and_how(grid: Built) -> None:
    about = {row[0].value: row[1].value for row in grid.workbook()["About"].iter_rows(min_row=2)}
    assert about["Sweep"] == "grid2"
    assert about["Design"] == "grid"
    assert about["Status"] == "complete"
    assert about["Spec hash"] == grid.results.spec_hash
    assert about["First seed"] == str(grid.results.first_seed)
    assert about["Factors"] == "rapid_response.clinicians, reablement.places"
    assert about["Replications"].startswith("2 per configuration")
    assert "dorothy sweep" in about["How the runs were made"]
    assert "dorothy report" in about["How this report was made"]


def test_tables_too_big_for_a_sheet_are_cut_and_said_so(grid: Built, monkeypatch) -> None:
    whole_area = len(grid.results.occupancy_daily.query("area == 'all'"))
    monkeypatch.setattr(report.workbook, "CELL_BUDGET", whole_area * 7)
    sheets = workbook_sheets(grid.results, report.how_made(grid.results, None))
    occupancy = sheets["Occupancy by day"]
    assert len(occupancy.frame) == whole_area and set(occupancy.frame["Area"]) == {"all"}
    about = dict(sheets["About"].frame.itertuples(index=False))
    assert "occupancy_daily.csv" in about["Sheet: Occupancy by day"]
    monkeypatch.setattr(report.workbook, "CELL_BUDGET", 10)
    sheets = workbook_sheets(grid.results, report.how_made(grid.results, None))
    assert list(sheets["Replications"].frame.columns) == ["Note"]
    assert "replications.csv" in sheets["Replications"].frame.iloc[0, 0]


# --------------------------------------------------------------------------- figures


def _assert_images(folder: Path, stems: set[str]) -> None:
    for stem in stems:
        assert (folder / f"{stem}.png").read_bytes().startswith(PNG_MAGIC), stem
        root = ET.parse(folder / f"{stem}.svg").getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", stem


def test_figures_are_png_and_svg(grid: Built, oat: Built) -> None:
    _assert_images(grid.folder, {FIG_AVOIDED, FIG_HEATMAP, FIG_OCCUPANCY, FIG_UTILISATION})
    _assert_images(oat.folder, {FIG_AVOIDED, FIG_TORNADO, FIG_OCCUPANCY, FIG_UTILISATION})


def test_heatmap_only_for_two_factor_grids_and_tornado_only_for_one_at_a_time(
        grid: Built, oat: Built, tmp_path: Path) -> None:
    assert (grid.folder / f"{FIG_HEATMAP}.png").exists()
    assert not (grid.folder / f"{FIG_TORNADO}.png").exists()
    assert (oat.folder / f"{FIG_TORNADO}.svg").exists()
    assert not (oat.folder / f"{FIG_HEATMAP}.svg").exists()
    one_factor = sweep({**BASE, "name": "one", "factors": {"rapid_response.clinicians": [0, 2]}}, workers=2)
    lhs = sweep({**BASE, "name": "lhs", "design": "latin_hypercube", "points": 3,
                 "factors": {"rapid_response.clinicians": {"from": 1, "to": 4},
                             "reablement.places": {"from": 5, "to": 30}}}, workers=2)
    for results in (one_factor, lhs):
        stems = [chart.stem for chart in make_charts(results)]
        assert stems == [FIG_AVOIDED, "bed_days_saved_by_capacity", "net_saving_gbp_by_capacity",
                         FIG_OCCUPANCY, FIG_UTILISATION], results.design  # bed days, cost beside admissions


def test_tornado_puts_the_biggest_swing_on_top(oat: Built) -> None:
    table = oat.results.headline().set_index("configuration")
    configurations = oat.results.configurations.set_index("configuration")
    swings = {}
    for path in oat.results.factors:
        moved = configurations[configurations["label"].str.startswith(f"{path}=")]
        effects = table.loc[moved.index, RANKING_KPI]  # the tornado ranks on the adjusted measure
        values = moved[path]
        swings[path] = abs(effects[values.idxmax()] - effects[values.idxmin()])
    baseline = {path: configurations.loc[0, path] for path in oat.results.factors}
    svg = (oat.folder / f"{FIG_TORNADO}.svg").read_text(encoding="utf-8")
    # y tick labels are written bottom to top: the smallest swing first
    positions = {path: svg.index(f"(baseline {baseline[path]})") for path in oat.results.factors}
    assert swings["rapid_response.clinicians"] != swings["reablement.places"]
    assert sorted(positions, key=positions.get) == sorted(swings, key=swings.get)


# --------------------------------------------------------------------------- HTML


def test_html_shows_the_headline_numbers(grid: Built) -> None:
    page = grid.html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Sweep report: grid2</title>" in page
    for configuration in range(1, len(grid.results.configurations)):
        row = _headline_row(grid.results, configuration)
        text = format_estimate(row["avoided_admissions"], row["avoided_admissions_ci_low"],
                               row["avoided_admissions_ci_high"], "count")
        assert f'<td class="num">{text}</td>' in page, text
        net = format_estimate(row["net_saving_gbp"], row["net_saving_gbp_ci_low"],
                              row["net_saving_gbp_ci_high"], "GBP")
        assert net in page
    assert "0 (baseline)" in page and "reference" in page
    assert "common random numbers" in page


def test_html_embeds_every_figure_and_stands_alone(grid: Built) -> None:
    page = grid.html()
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 6  # three capacity charts (admissions, bed days, cost), heatmap, occupancy, queues
    for data in images:
        assert ET.fromstring(base64.b64decode(data)).tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script" not in page and "<link" not in page and 'src="http' not in page
    for path in grid.files:
        assert f'<a href="{path.name}">' in page


def test_html_escapes_text(grid: Built) -> None:
    page = grid.html()
    assert "Rapid response &lt;b&gt;x&lt;/b&gt; reablement &amp; more" in page
    assert "<b>x</b>" not in page


def test_gridlocked_configurations_are_flagged(grid: Built) -> None:
    summary = grid.results.summary.copy()
    occupancy = (summary["configuration"] == 2) & (summary["area"] == "all") & (
        summary["kpi"] == "acute_occupancy_mean_pct")
    summary.loc[occupancy, "mean"] = 104.0
    results = dataclasses.replace(grid.results, summary=summary)
    assert 2 in set(strained_configurations(results)["configuration"])
    cells = headline_cells(results).set_index("Configuration")
    assert "2 \u2020" in cells.index
    page = report.render_html(results, [], report.how_made(results, None), [])
    assert "Gridlocked acute beds" in page and "Configuration 2: acute occupancy 104.0%" in page


# --------------------------------------------------------------------------- unusual sweeps


def test_baseline_only_sweep_reports_without_comparisons(baseline_only: Built) -> None:
    names = {p.name for p in baseline_only.files}
    assert {"only_baseline.xlsx", "only_baseline.html", f"{FIG_OCCUPANCY}.png",
            f"{FIG_UTILISATION}.svg"} <= names
    assert not names & {f"{stem}.{ext}" for stem in (FIG_AVOIDED, FIG_HEATMAP, FIG_TORNADO)
                        for ext in ("png", "svg")}
    assert not (baseline_only.folder / f"{FIG_HEATMAP}.png").exists()  # an earlier report's figure
    page = baseline_only.html()
    assert "0 (baseline)" in page and page.count("data:image/svg+xml;base64,") == 2
    assert baseline_only.workbook().sheetnames == list(SHEETS)


def test_incomplete_sweep_says_so(grid: Built, tmp_path: Path) -> None:
    folder = tmp_path / "unfinished"
    shutil.copytree(grid.sweep_folder, folder)
    for run in (folder / "runs").glob("c0004-r*.json"):
        run.unlink()
    (folder / "runs" / "c0002-r0001.json").unlink()
    results = load_results(folder)
    assert not results.complete
    files = write_report(results, tmp_path / "report")
    assert all(path.stat().st_size > 0 for path in files)
    page = (tmp_path / "report" / "grid2.html").read_text(encoding="utf-8")
    assert "Incomplete sweep" in page
    assert re.search(r"<tr><td>4( \u2020)?</td>.*not run yet", page)
    workbook = openpyxl.load_workbook(tmp_path / "report" / "grid2.xlsx")
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert about["Status"].startswith("INCOMPLETE")


def test_a_gridlocked_configuration_is_never_the_best(grid: Built) -> None:
    """The figures set the 'best' configuration beside the baseline; one that avoids admissions by
    keeping people in hospital must not be it, however many admissions it 'avoids'."""
    best = report.best_configuration(grid.results)
    assert best is not None
    summary = grid.results.summary.copy()
    occupancy = (summary["configuration"] == best) & (summary["area"] == "all") & (
        summary["kpi"] == "acute_occupancy_mean_pct")
    summary.loc[occupancy, "mean"] = 104.0
    results = dataclasses.replace(grid.results, summary=summary)
    assert report.best_configuration(results) not in (best, 0)


# --------------------------------------------------------------------------- the ranking measure and gridlock


def _with_gridlock(results: SweepResults, *configurations: int) -> SweepResults:
    """``results`` with exactly these configurations gridlocked: their mean acute occupancy 104%,
    every other's 90%, and every mean bed wait an hour."""
    summary = results.summary.copy()
    occupancy = summary["kpi"] == "acute_occupancy_mean_pct"
    summary.loc[occupancy, "mean"] = 90.0
    summary.loc[occupancy & summary["configuration"].isin(configurations), "mean"] = 104.0
    summary.loc[summary["kpi"] == "bed_wait_hours_mean", "mean"] = 1.0
    return dataclasses.replace(results, summary=summary)


def _with_effect(results: SweepResults, kpi: str, values: dict[int, float]) -> SweepResults:
    """``results`` with the whole-area paired difference of ``kpi`` set per configuration (CI +/- 1)."""
    comparisons = results.comparisons.copy()
    for configuration, value in values.items():
        rows = ((comparisons["configuration"] == configuration) & (comparisons["area"] == "all")
                & (comparisons["kpi"] == kpi))
        comparisons.loc[rows, ["diff_mean", "diff_ci_low", "diff_ci_high"]] = [value, value - 1, value + 1]
    return dataclasses.replace(results, comparisons=comparisons)


def test_the_best_configuration_is_chosen_on_the_adjusted_measure(grid: Built) -> None:
    """The raw count's favourite (configuration 3) loses to the exposure-adjusted one (configuration 1);
    once configuration 1 is gridlocked, the next adjusted one (2) wins, never a gridlocked one."""
    results = _with_effect(_with_gridlock(grid.results), RAW_AVOIDED_KPI, {1: 0.0, 2: 5.0, 3: 500.0, 4: 1.0})
    results = _with_effect(results, RANKING_KPI, {1: 50.0, 2: 20.0, 3: -30.0, 4: 10.0})
    assert report.best_configuration(results) == 1
    assert report.best_configuration(_with_gridlock(results, 1)) == 2
    assert report.best_configuration(_with_gridlock(results, 1, 2, 3, 4)) is None
    assert report.effects(results)["diff_mean"].tolist()[1:] == [50.0, 20.0, -30.0, 10.0]


def _legend_texts(chart) -> list[str]:
    legends = [*chart.figure.legends, *(ax.get_legend() for ax in chart.figure.axes)]
    return [text.get_text() for legend in legends if legend is not None for text in legend.get_texts()]


def _chart(results: SweepResults, stem: str):
    return next(chart for chart in make_charts(results) if chart.stem == stem)


def test_figures_mark_gridlocked_configurations(grid: Built) -> None:
    """The capacity curves put a black X on a gridlocked point and the heatmap hatches its cell, each
    with a legend entry; a sweep with none has neither."""
    for results, flagged in ((_with_gridlock(grid.results), False), (_with_gridlock(grid.results, 2), True)):
        curves = _chart(results, FIG_AVOIDED)
        crosses = [line for ax in curves.figure.axes for line in ax.get_lines()
                   if line.get_label() == GRIDLOCK_TEXT]
        assert bool(crosses) == flagged
        if flagged:
            assert crosses[0].get_marker() == "X" and len(crosses[0].get_xdata()) == 1
        assert (GRIDLOCK_TEXT in _legend_texts(curves)) == flagged
        assert any("raw count, not exposure-adjusted" in text for text in _legend_texts(curves))
        heatmap = _chart(results, FIG_HEATMAP)
        hatched = [patch for ax in heatmap.figure.axes for patch in ax.patches
                   if patch.get_hatch() == GRIDLOCK_HATCH]
        assert len(hatched) == (1 if flagged else 0)
        assert (GRIDLOCK_TEXT in _legend_texts(heatmap)) == flagged
        assert "simulation noise only" in curves.caption and "exposure-adjusted" in heatmap.caption
        for chart in make_charts(results):
            chart.figure.clear()


def test_tornado_ranks_on_the_adjusted_measure_and_hatches_a_gridlocked_end(oat: Built) -> None:
    configurations = oat.results.configurations.set_index("configuration")
    low = int(configurations.index[configurations["label"] == "reablement.places=7"][0])
    tornado = _chart(_with_gridlock(oat.results, low), FIG_TORNADO)
    (ax,) = tornado.figure.axes
    hatched = [patch for patch in ax.patches if patch.get_hatch() == GRIDLOCK_HATCH]
    assert len(hatched) == 1
    row = [t.get_text().startswith("Reablement") for t in ax.get_yticklabels()].index(True)
    assert hatched[0].get_y() + hatched[0].get_height() / 2 == pytest.approx(row)
    texts = _legend_texts(tornado)
    assert any(GRIDLOCK_TEXT in text for text in texts)
    assert any("raw count, not exposure-adjusted" in text for text in texts)
    assert "exposure-adjusted" in ax.get_xlabel() and "simulation noise only" in ax.get_xlabel()
    plain = _chart(_with_gridlock(oat.results), FIG_TORNADO)
    assert not [patch for patch in plain.figure.axes[0].patches if patch.get_hatch() == GRIDLOCK_HATCH]


def test_page_and_printout_show_the_adjusted_measure_first_and_the_raw_one_labelled(grid: Built) -> None:
    results = _with_gridlock(grid.results, 2)
    cells = headline_cells(results)
    measures = [c for c in cells.columns if c.startswith(("Avoided", "Days at home", "Bed days"))]
    assert measures[:3] == ["Avoided admissions (exposure-adjusted) (count)",
                            "Days at home gained (whole cohort) (days)",
                            "Avoided admissions (raw count, not exposure-adjusted) (count)"]
    flags = cells.set_index("Configuration")["Flags"]
    assert GRIDLOCK_TEXT in flags["2 \u2020"] and GRIDLOCK_TEXT not in flags["1"]
    page = report.render_html(results, [], report.how_made(results, None), [])
    assert "never chosen as the best configuration" in page
    assert ("Most avoided admissions, exposure-adjusted, among configurations not gridlocked and not losing "
            "days at home") in page

    text = format_headline(results)
    header = text.splitlines()[2]
    assert header.index("avoided (exposure-adj.)") < header.index("avoided (raw, not adj.)")
    assert header.index("avoided (exposure-adj.)") < header.index("days at home gained")
    labels = results.configurations.set_index("configuration")["label"]
    flagged = [line for line in text.splitlines()[3:] if GRIDLOCK_TEXT in line]
    assert len(flagged) == 1 and flagged[0].startswith(labels[2])


def test_halving_onward_care_is_not_a_benefit_and_is_marked_gridlocked() -> None:
    """Halve reablement places (14 to 7) or discharge coordinators (1 to 0) in the small scenario
    (4 replications: reablement raw +80, adjusted +21 (5.9 to 36), days at home -55,000, beds
    gridlocked; coordinators adjusted +7.5 (-23 to 39), days at home -3,000, not gridlocked). The raw
    count shows reablement's halving avoiding admissions (people sit in beds, where crises do not
    happen); the exposure-adjusted count shrinks it without removing it (people held in beds miss their
    raised risk after discharge, so those at home are at lower risk); days at home fall for both, so
    neither can be the best configuration, and the gridlocked one is flagged. People wait for their
    place as long as it takes here (with the default longest wait of 14 days they go home without it)."""
    results = sweep({"name": "halved", "scenario": "small", "design": "one_at_a_time",
                     "replications": {"count": 4},
                     "baseline": {"reablement.max_wait_days": 10000.0,
                                  "community_beds.max_wait_days": 10000.0},
                     "factors": {"reablement.places": [7], "discharge.coordinators": [0]}}, workers=2)
    table = results.headline().set_index("configuration")
    labels = results.configurations.set_index("configuration")["label"]
    reablement = int(labels.index[labels == "reablement.places=7"][0])
    halved = table.drop(index=0)
    assert table.loc[reablement, "avoided_admissions_ci_low"] > 0  # what the raw count would rank on
    assert table.loc[reablement, RANKING_KPI] < 0.5 * table.loc[reablement, "avoided_admissions"]
    coordinators = int(labels.index[labels == "discharge.coordinators=0"][0])
    assert table.loc[coordinators, f"{RANKING_KPI}_ci_low"] <= 0
    assert (halved["days_at_home_gained_ci_high"] < 0).all()
    assert table.loc[reablement, "gridlocked"]
    assert report.best_configuration(results) is None
    flags = headline_cells(results)["Flags"]
    assert GRIDLOCK_TEXT in flags[list(table.index).index(reablement)]
