"""A test per figure rule of the reports (issue 22): bands within their bounds, percentile bands apart
from the CI of the mean and by month, a single what-if as a point with its CI and the baseline marked,
no line between two points, titles that fit, friendly labels, bottlenecks ranked by queueing, small
multiples by ICP and trust with their names, and a page with a plain summary that prints on A4."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from dorothy_sim import load_scenario, run_replications
from dorothy_sim.analysis import bounded
from dorothy_sim.compare import compare_runs, run_results
from dorothy_sim.report import make_charts, write_report
from dorothy_sim.report.figures import FIG_AVOIDED, FIG_COMPARISON, FIG_OCCUPANCY, FIG_UTILISATION
from dorothy_sim.report.labels import service_name
from dorothy_sim.report.panels import FIG_BY_AREA, queue_summary
from dorothy_sim.sweep import sweep

SHORT = {"run.warmup_days": 10, "run.results_days": 75}


@pytest.fixture(scope="module")
def small_runs():
    scenario = load_scenario("small").with_overrides(SHORT)
    base = run_replications(scenario, reps=3, seed=1, workers=1)
    whatif = run_replications(scenario.with_overrides({"reablement.places": 20, "label": "Winter push"}),
                              reps=3, seed=1, workers=1)
    return base, whatif


@pytest.fixture(scope="module")
def comparison(small_runs):
    base, whatif = small_runs
    return compare_runs(base, [whatif], labels=["Baseline", "Winter push"])


@pytest.fixture(scope="module")
def kent_comparison():
    scenario = load_scenario("kent_medway").with_overrides({"run.warmup_days": 10, "run.results_days": 30})
    base = run_replications(scenario, reps=2, seed=1, workers=1)
    whatif = run_replications(scenario.with_overrides({"rapid_response.clinicians": 40}), reps=2, seed=1,
                              workers=1)
    return compare_runs(base, [whatif], labels=["Now", "More clinicians"])


def _charts(results, **kwargs) -> dict[str, Figure]:
    return {chart.stem: chart.figure for chart in make_charts(results, **kwargs)}


def _texts(figure: Figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def _data_lines(figure: Figure):
    """Lines joining two or more data points (reference lines, constant in x or y, left out)."""
    for ax in figure.axes:
        for line in ax.get_lines():
            x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
            if line.get_linestyle() in ("None", "", " ") or len(x) < 2:
                continue
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            yield line


# --------------------------------------------------------------------------- bounds


def test_a_share_interval_never_leaves_0_to_100_and_a_count_never_goes_below_0():
    kpis = ["reablement_utilisation_pct", "ltc_admissions", "acute_occupancy_mean_pct"]
    table = pd.DataFrame({"kpi": kpis,
                          "unit": ["%", "count", "%"], "mean": [93.5, 2.3, 90.0],
                          "ci_low": [59.9, -1.5, 33.5], "ci_high": [127.2, 6.1, 152.5]})
    out = bounded(table)
    assert out["ci_high"].tolist()[:2] == [100.0, 6.1]
    assert out["ci_low"].tolist() == [59.9, 0.0, 33.5]
    assert out.loc[2, "ci_high"] == 152.5  # occupancy of core beds can exceed 100 (escalation beds)


def test_summaries_and_occupancy_bands_stay_within_bounds(small_runs, comparison):
    base, _ = small_runs
    summary = base.summary
    above = ("acute_occupancy", "acute_util", "readmissions_")
    shares = summary[(summary["unit"] == "%") & ~summary["kpi"].str.startswith(above)]
    assert (shares["ci_low"].dropna() >= 0).all() and (shares["ci_high"].dropna() <= 100).all()
    assert (summary["ci_low"].dropna() >= 0).all()
    monthly = comparison.results.occupancy_monthly
    assert (monthly[["ci_low_pct", "p10_pct"]] >= 0).all().all()


# --------------------------------------------------------------------------- occupancy


def test_occupancy_by_month_draws_the_percentile_band_apart_from_the_ci(comparison):
    figure = _charts(comparison.results)[FIG_OCCUPANCY]
    ax = figure.axes[0]
    assert any(isinstance(c, PolyCollection) for c in ax.collections)  # the band of single days
    assert ax.containers  # error bars: the CI of the month's mean
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks and all(t.startswith("Month ") for t in ticks)
    monthly = comparison.results.occupancy_monthly
    assert {"mean_pct", "ci_low_pct", "ci_high_pct", "p10_pct", "p90_pct"} <= set(monthly.columns)
    assert (monthly["p10_pct"] <= monthly["p90_pct"]).all()


# --------------------------------------------------------------------------- points and lines


def test_a_single_what_if_is_a_point_with_its_ci_and_the_baseline_marked(comparison):
    figure = _charts(comparison.results)[FIG_COMPARISON]
    assert not list(_data_lines(figure))
    for ax in figure.axes:
        assert ax.containers, "no error bar (the CI)"
        assert any(np.ptp(line.get_xdata()) == 0 and line.get_xdata()[0] == 0 for line in ax.get_lines())
        low, high = ax.get_xlim()
        assert low < 0 < high  # the baseline within the axis
    assert "Baseline (no change)" in _texts(figure)


def test_defaults_show_bed_days_and_cost_beside_admissions_and_kpi_chooses(comparison):
    titles = [ax.get_title() for ax in _charts(comparison.results)[FIG_COMPARISON].axes]
    assert any("Avoided admissions" in t for t in titles)
    assert any("Bed days saved" in t for t in titles) and any("Net saving" in t for t in titles)
    chosen = _charts(comparison.results, kpis=["beds_released_at_92pct"])[FIG_COMPARISON]
    assert [ax.get_title() for ax in chosen.axes] == ["Beds released at 92% occupancy"]


def test_two_points_are_never_joined_by_a_line(tmp_path):
    spec = {"name": "two", "scenario": "small", "set": SHORT,
            "factors": {"rapid_response.clinicians": [2, 3]}, "baseline": {"rapid_response.clinicians": 2},
            "replications": {"count": 2}}
    results = sweep(spec, workers=1)
    assert len(results.configurations) == 2
    figure = _charts(results)[FIG_AVOIDED]
    assert not list(_data_lines(figure))
    assert not any(isinstance(c, PolyCollection) for ax in figure.axes for c in ax.collections)


# --------------------------------------------------------------------------- titles and labels


def test_titles_fit_their_figures(comparison, kent_comparison):
    for results in (comparison.results, kent_comparison.results, run_results(comparison.baseline)):
        for stem, figure in _charts(results).items():
            figure.canvas.draw()
            renderer = figure.canvas.get_renderer()
            width = figure.bbox.width
            for text in [figure._suptitle, *(ax.title for ax in figure.axes)]:
                if text is None or not text.get_text():
                    continue
                box = text.get_window_extent(renderer)
                assert box.x0 >= -1 and box.x1 <= width + 1, (stem, text.get_text())


def test_labels_are_words_not_internal_names_or_dotted_paths(comparison, kent_comparison):
    internal = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_]+\b")
    for results in (comparison.results, kent_comparison.results):
        for stem, figure in _charts(results).items():
            found = [t for t in _texts(figure) if internal.search(t)]
            assert not found, (stem, found)


# --------------------------------------------------------------------------- bottlenecks and areas


def test_bottlenecks_are_ranked_by_queueing_not_by_utilisation(comparison):
    results = comparison.results
    ranked = queue_summary(results, 0)
    keys = list(zip(ranked["rising_in"], ranked["queue_end"], ranked["queue_max"], strict=True))
    assert keys == sorted(keys, reverse=True)
    figure = _charts(results)[FIG_UTILISATION]
    shown = [t.get_text().replace("\n", " ") for t in figure.axes[0].get_yticklabels()]
    assert shown[0] == service_name(ranked.iloc[0]["queue"])  # the chart follows the queueing rank
    assert not any("utilisation" in t.lower() for t in _texts(figure))  # not ranked by how busy
    assert "Falls prevention" not in shown  # a fixed-places programme: always full, nobody queues


def test_small_multiples_by_icp_and_trust_carry_their_names(kent_comparison):
    charts = _charts(kent_comparison.results)
    figure = charts[FIG_BY_AREA]
    rows = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert "Dartford, Gravesham and\nSwanley (DGT)" in rows or "Dartford, Gravesham and Swanley (DGT)" in rows
    assert any(r == "East Kent (EKHUFT)" for r in rows)
    assert not any(r in ("dgs", "east_kent") for r in rows)


def test_the_page_opens_with_a_plain_summary_and_prints_on_a4(kent_comparison, tmp_path):
    write_report(kent_comparison.results, tmp_path)
    page = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert page.index('class="summary"') < page.index("<h2>")
    assert "More clinicians" in page[page.index('class="summary"'):page.index("<h2>")]
    assert "@media print" in page and "size: A4" in page and "table-layout: fixed" in page
    assert "Dartford, Gravesham and Swanley" in page and "Dartford and Gravesham NHS Trust" in page


def test_a_sweep_charts_bed_days_and_cost_beside_admissions_by_default():
    spec = {"name": "oat", "scenario": "small", "set": SHORT, "design": "one_at_a_time",
            "factors": {"rapid_response.clinicians": [1, 3], "reablement.places": [14, 20]},
            "replications": {"count": 2}}
    stems = list(_charts(sweep(spec, workers=1)))
    for kpi in ("avoided_admissions", "bed_days_saved", "net_saving_gbp"):
        assert any(stem.startswith(kpi) and stem.endswith("tornado") for stem in stems), stems
    assert "bed_days_saved_by_capacity" in stems and "net_saving_gbp_by_capacity" in stems
