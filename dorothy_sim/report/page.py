"""The report's HTML page: one self-contained file with the headline table, warnings, every figure
as an embedded SVG and the list of files."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import pandas as pd

from dorothy_sim.formatting import format_estimate, format_number
from dorothy_sim.kpis import KPI_BY_NAME, RANKING_KPI, RAW_AVOIDED_KPI, UNITS
from dorothy_sim.replication import unstable_queues
from dorothy_sim.report.figures import Chart, render_chart
from dorothy_sim.report.findings import best_configuration, strained_configurations
from dorothy_sim.report.labels import (
    PAIRED_NOTE,
    TITLES,
    Made,
    replication_text,
    unit_label,
    value_text,
)
from dorothy_sim.report.summary import area_table, plain_summary
from dorothy_sim.sweep import GRIDLOCK_BED_WAIT_HOURS, GRIDLOCK_OCCUPANCY_PCT, SweepResults, flags_text

# The headline measures shown on the HTML page, the ranking measure first and the raw count (labelled
# as such) after days at home gained; cost change is minus the net saving, so left out.
BOUNDS_NOTE = ("Intervals of levels are kept within what a measure can be: a count, time or cost at or above "
               "0, a share within 0 to 100% (the t interval clipped at the bound). With fewer than 5 "
               "replications an interval is unstable: re-run with more before quoting it.")

HTML_HEADLINE: tuple[str, ...] = (RANKING_KPI, "days_at_home_gained", RAW_AVOIDED_KPI, "bed_days_saved",
                                  "beds_released_at_85pct", "beds_released_at_92pct", "net_saving_gbp",
                                  "acute_occupancy_mean_pct")


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
p.summary { font-size: 1.05rem; background: #eef4fa; border-left: 4px solid #3a6ea5; padding: 0.6rem 1rem; }
.wide { overflow-x: auto; }
@page { size: A4 portrait; margin: 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9pt; }
  .wide { overflow: visible; }
  table { width: 100%; table-layout: fixed; font-size: 6.5pt; page-break-inside: auto; }
  th, td { padding: 1px 2px; word-wrap: break-word; overflow-wrap: anywhere; white-space: normal; }
  td.num { white-space: normal; }
  tr { page-break-inside: avoid; }
  figure { page-break-inside: avoid; } figure img { max-width: 100%; max-height: 240mm; }
  h2 { page-break-after: avoid; }
}
"""
PRINT_NOTE = "Prints on A4: the tables wrap their cells to the page width, so no column is lost."


def render_html(results: SweepResults, charts: Sequence[Chart], made: Made, files: Sequence[str]) -> str:
    """One page that stands alone: text, the headline table, every figure as an embedded SVG image, a
    note on paired intervals and the list of files. Every piece of text from the results is escaped."""
    e = html.escape
    kind = {"run": "Run report", "comparison": "Comparison report"}.get(results.design, "Sweep report")
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{kind}: {e(results.title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{kind}: {e(results.title)}</h1>",
        f'<p class="summary">{e(plain_summary(results))}</p>',
        f"<p>{e(results.description)}</p>" if results.description else "",
    ]
    if not results.complete:
        parts.append('<p class="warning"><strong>Incomplete sweep.</strong> Not every run has finished; '
                     "this report covers the runs done so far. Run the same <code>dorothy sweep</code> "
                     "command again to finish it, then remake the report.</p>")
    if results.design == "run":
        parts += [_facts_html(results, made), "<h2>Results (whole area)</h2>", _levels_html(results)]
    else:
        parts += [_facts_html(results, made), "<h2>Headline results (whole area)</h2>",
                  f'<div class="wide">{_headline_html(results)}</div>', _best_html(results)]
    parts += [_areas_html(results), _strain_html(results), _unstable_html(results)]
    if not charts:
        parts.append("<p>No figures: the sweep has no finished runs to draw.</p>")
    for chart in charts:
        parts.append(_figure_html(chart))
    parts += ["<h2>Reading the confidence intervals</h2>", f"<p>{e(PAIRED_NOTE)}</p>",
              f"<p>{e(BOUNDS_NOTE)}</p>", f"<p><small>{e(PRINT_NOTE)}</small></p>",
              "<h2>Files</h2>", "<ul>", *(f'<li><a href="{e(name)}">{e(name)}</a></li>' for name in files),
              "</ul>", "</body>", "</html>", ""]
    return "\n".join(part for part in parts if part)


def _facts_html(results: SweepResults, made: Made) -> str:
    e = html.escape
    counts = results.configurations["replications"]
    facts = [
        ("Design", results.design), ("Factors", ", ".join(results.factors)),
        ("Configurations", f"{len(results.configurations)} (configuration 0 is the baseline)"),
        ("Replications", f"{replication_text(counts)}, seeds from {results.first_seed} "
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
    if results.design in ("one_at_a_time", "comparison", "run") or len(results.factors) > 4:
        out["Scenario"] = [str(labels[c]) for c in table["configuration"]]
    else:
        for path in results.factors:
            out[path] = [value_text(v) for v in table[path]]
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
    out["Flags"] = [flags_text(row.gridlocked, row.unstable_queues) for row in table.itertuples()]
    return out


def _headline_html(results: SweepResults) -> str:
    e = html.escape
    cells = headline_cells(results)
    head = "".join(f"<th>{e(str(c))}</th>" for c in cells.columns)
    numeric = {c for c in cells.columns if c not in ("Configuration", "Scenario", "Flags")}
    body = []
    for _, row in cells.iterrows():
        css = ' class="baseline"' if row["Configuration"].startswith("0 (baseline)") else ""
        tds = "".join(f'<td class="num">{e(v)}</td>' if c in numeric else f"<td>{e(v)}</td>"
                      for c, v in row.items())
        body.append(f"<tr{css}>{tds}</tr>")
    return (f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"
            "\n<p>Differences are from the baseline (configuration 0), paired by seed, mean and 95% CI "
            "over replications (simulation noise only). Avoided admissions, exposure-adjusted, rank the "
            "configurations: the fall in admissions per person-year at home times the configuration's "
            "person-years at home. The raw count beside it also counts people kept in hospital (where "
            "the model gives them no crises) as admissions avoided, so it is never used to rank. Days "
            "at home gained are summed over the cohort. Acute occupancy is the mean over the results "
            "period, % of core beds.</p>")


def _table_html(cells: pd.DataFrame, text_columns: Sequence[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in cells.columns)
    body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" if c in text_columns else
                                    f'<td class="num">{e(str(v))}</td>' for c, v in row.items()) + "</tr>"
                   for _, row in cells.iterrows())
    return f'<div class="wide"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table></div>'


LEVEL_KPIS: tuple[str, ...] = ("crises", "admissions", "admissions_per_1000", "acute_bed_days",
                               "acute_occupancy_mean_pct", "bed_wait_hours_mean", "los_mean_days",
                               "days_at_home_per_person", "home_at_91d_pct", "cost_total_gbp")


def _levels_html(results: SweepResults) -> str:
    """A run's main KPIs (whole area): mean and 95% CI, the measure named in words."""
    summary = results.summary[(results.summary["area"] == "all") & (results.summary["configuration"] == 0)]
    summary = summary.set_index("kpi")
    rows = [(TITLES.get(k, KPI_BY_NAME[k].meaning.capitalize()), unit_label(UNITS[k]),
             format_estimate(*summary.loc[k, ["mean", "ci_low", "ci_high"]], UNITS[k]))
            for k in LEVEL_KPIS if k in summary.index]
    cells = pd.DataFrame(rows, columns=["Measure", "Unit", "Mean (95% CI)"])
    return _table_html(cells, ("Measure", "Unit")) + "<p>Every KPI is in the summary table (summary.csv).</p>"


def _areas_html(results: SweepResults) -> str:
    """The table by ICP and acute trust (a run's levels; each what-if's or the best configuration's
    differences from the baseline); nothing for a single-ICP scenario."""
    if results.design == "run":
        shown: list[int | None] = [None]
    elif results.design == "comparison":
        shown = [int(c) for c in results.configurations["configuration"] if c != 0]
    else:
        best = best_configuration(results)
        shown = [best] if best is not None else []
    labels = results.configurations.set_index("configuration")["label"]
    parts = []
    for configuration in shown:
        cells = area_table(results, configuration)
        if len(cells) <= 2:  # one ICP and the whole area: nothing to break down
            return ""
        what = "" if configuration is None else f": {labels[configuration]} against the baseline"
        parts += [f"<h3>{html.escape(what.removeprefix(': ') or 'Levels')}</h3>" if len(shown) > 1 else "",
                  _table_html(cells, ("ICP", "Acute trust"))]
    if not parts:
        return ""
    return ("<h2>By ICP and acute trust" + "</h2>\n" + "\n".join(p for p in parts if p)
            + "<p>Each integrated care partnership (ICP) with the acute trust that serves it; mean and 95% "
              "CI over replications.</p>")


def _best_html(results: SweepResults) -> str:
    """The configuration the figures set beside the baseline (:func:`best_configuration`)."""
    best = best_configuration(results)
    if best is None:
        return ""
    label = results.configurations.set_index("configuration").loc[best, "label"]
    return ("<p><strong>Most avoided admissions, exposure-adjusted, among configurations not gridlocked "
            f"and not losing days at home:</strong> configuration {best} ({html.escape(str(label))}).</p>")


def _strain_html(results: SweepResults) -> str:
    """A warning naming the gridlocked configurations (see :func:`strained_configurations`)."""
    strained = strained_configurations(results)
    return _warning_html(
        "Gridlocked acute beds (marked &#8224;).",
        f"In these configurations mean occupancy is at least {GRIDLOCK_OCCUPANCY_PCT:g}% of core beds or the "
        f"mean wait for a bed is at least {GRIDLOCK_BED_WAIT_HOURS:g} hours. Fewer admissions there can be "
        "people still waiting for a bed or for onward care, not admissions avoided: their raw count of "
        "avoided admissions is not a benefit. They are never chosen as the best configuration, and the "
        "figures mark them (a black X, or a hatched bar or cell).",
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
    svg = chart.svg or render_chart(chart, "svg").decode("utf-8")
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    e = html.escape
    return (f'<h2>{e(chart.title)}</h2>\n<figure id="{e(chart.stem)}">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{e(chart.caption)}">'
            f"<figcaption>{e(chart.caption)} (Files: {e(chart.stem)}.png, {e(chart.stem)}.svg.)</figcaption>"
            "</figure>")
