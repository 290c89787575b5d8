"""The what-if page (``dorothy app``): its logic as plain functions, then the page itself in
Streamlit's AppTest as a person uses it (choose, change a lever, run, read the cards), with bad input,
a stopped run and two sessions at once. All on the small scenario with a short horizon."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest  # noqa: E402

from dorothy_sim.app import downloads, explore, levers, whatif  # noqa: E402
from dorothy_sim.areas import area_label  # noqa: E402
from dorothy_sim.errors import ScenarioError, UserError  # noqa: E402
from dorothy_sim.formatting import format_estimate  # noqa: E402
from dorothy_sim.kpis import COMPARISON_BY_NAME, COMPARISON_KPIS  # noqa: E402
from dorothy_sim.psa import run_psa  # noqa: E402
from dorothy_sim.psa_report import write_psa  # noqa: E402
from dorothy_sim.registry import LEVER_RANGES, LEVERS  # noqa: E402
from dorothy_sim.scenario import load_scenario  # noqa: E402
from dorothy_sim.sweep import sweep  # noqa: E402
from tests.test_cli import run_cli  # noqa: E402

SCRIPT = str(Path(__file__).parents[1] / "dorothy_sim" / "app" / "streamlit_app.py")
SHORT = {"run.results_days": 60.0, "run.warmup_days": 30.0}
SMALL = whatif.ScenarioChoice("small")


def request(overrides: dict | None = None, reps: int = 2) -> whatif.WhatIf:
    chosen = {"rapid_response.clinicians": 3} if overrides is None else overrides
    return whatif.WhatIf(SMALL, chosen, reps, 1, SHORT)


@pytest.fixture(scope="module")
def ran() -> tuple[whatif.WhatIf, dict, object]:
    cache: dict = {}
    the_request = request()
    return the_request, cache, whatif.run(the_request, cache, workers=1)


# --------------------------------------------------------------------------- levers


@pytest.mark.parametrize("name", ["small", "kent_medway"])
def test_every_registry_lever_is_an_input_with_the_scenarios_value_unit_and_range(name):
    scenario = load_scenario(name)
    inputs = levers.lever_inputs(scenario)
    assert sorted(i.path for i in inputs) == sorted(LEVERS)
    population = sum(icp.registered_population for icp in scenario.icps.values())
    for lever in inputs:
        section, field = lever.path.split(".")
        assert lever.default == getattr(getattr(scenario, section), field)
        assert lever.low <= lever.default <= lever.high and lever.unit and lever.group
        if lever.path in LEVER_RANGES:
            assert (lever.low, lever.high, lever.unit) == (LEVER_RANGES[lever.path].low,
                                                           LEVER_RANGES[lever.path].high,
                                                           LEVER_RANGES[lever.path].unit)
        else:
            assert (lever.low, lever.high, lever.whole) == (0.0, population, True)
    groups = list(levers.groups(inputs))
    assert groups[0].startswith("Intervention 1") and groups[-1] == levers.OTHER_SERVICES


def test_only_changed_levers_are_overrides():
    inputs = levers.lever_inputs(load_scenario("small"))
    values = {i.path: i.default for i in inputs} | {"reablement.places": 20.0}
    assert levers.changed(inputs, values) == {"reablement.places": 20}


# --------------------------------------------------------------------------- the what-if


def test_what_if_pairs_with_the_baseline_and_caches_the_baseline(ran):
    the_request, cache, results = ran
    assert len(cache) == 4 and results.complete
    assert set(results.comparisons["kpi"]) >= {k.name for k in COMPARISON_KPIS}
    cards = whatif.cards(results.comparisons)
    assert [c.kpi for c in cards] == list(whatif.CARDS)
    assert all(c.value and c.interval.startswith("95% CI") for c in cards)
    table = whatif.comparison_table(results.comparisons)
    assert list(table.columns) == ["small_area", "all"] and table.index[0] == whatif.CARDS[0]
    # A second what-if of the same scenario and seeds runs only its own configuration.
    other = whatif.WhatIf(SMALL, {"rapid_response.clinicians": 4}, 2, 1, SHORT)
    assert whatif.missing_runs(other, cache) == 2


def test_a_session_keeps_a_bounded_number_of_runs(ran, monkeypatch):
    the_request, cache, _ = ran
    monkeypatch.setattr(whatif, "MAX_CACHED_RUNS", 4)
    bounded = dict(cache)
    whatif.run(whatif.WhatIf(SMALL, {"rapid_response.clinicians": 4}, 2, 1, SHORT), bounded, workers=1)
    assert len(bounded) == 4  # the baseline kept, the first what-if's runs let go
    assert whatif.missing_runs(the_request, bounded) == 2


def test_a_stopped_run_keeps_what_finished(ran):
    the_request, cache, _ = ran
    partial = dict(cache)
    del partial[next(k for k in partial if k[1] == 2 and k[0] != whatif.scenario_key(
        whatif.plan_of(the_request).scenarios[0]))]  # the what-if's second replication never finished
    results = whatif.results_from_cache(the_request, partial)
    assert results is not None and not results.complete
    assert results.configurations.set_index("configuration")["replications"].to_dict() == {0: 2, 1: 1}
    assert any(message.startswith("Not finished") for message in whatif.warnings(results))
    assert whatif.results_from_cache(the_request, {}) is None


def test_headline_cards_name_comparison_kpis_and_show_the_tables_paired_estimates(ran):
    # The cards are named, never numbered by hand: every one is a comparison KPI of kpis.py, and each
    # card's value and interval are the comparison table's own paired mean and 95% CI.
    assert set(whatif.CARDS + whatif.FUNDER_CARDS) <= set(COMPARISON_BY_NAME)
    assert all(COMPARISON_BY_NAME[k].unit == "GBP" for k in whatif.FUNDER_CARDS)
    _, _, results = ran
    table = results.comparisons.set_index(["configuration", "area", "kpi"])
    for kpis in (whatif.CARDS, whatif.FUNDER_CARDS):
        cards = whatif.cards(results.comparisons, kpis=kpis)
        assert [c.kpi for c in cards] == list(kpis)
        for card in cards:
            row = table.loc[(whatif.WHATIF, "all", card.kpi)]
            text = format_estimate(row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"], row["unit"])
            assert text == f"{card.value} ({card.interval})"
    assert [c.title for c in whatif.cards(results.comparisons, kpis=whatif.FUNDER_CARDS)] == [
        "Net saving to the NHS", "Net saving to the councils", "Net saving to self-funders"]
    # A known answer: a saving to the NHS whose whole interval is above zero is better; a council
    # cost (a negative saving) whose interval is below zero is worse; one straddling zero is neither.
    known = pd.DataFrame({"configuration": 1, "area": "all", "kpi": list(whatif.FUNDER_CARDS), "unit": "GBP",
                          "diff_mean": [1000.0, -500.0, 10.0], "diff_ci_low": [200.0, -900.0, -50.0],
                          "diff_ci_high": [1800.0, -100.0, 70.0]})
    assert [c.better for c in whatif.cards(known, kpis=whatif.FUNDER_CARDS)] == [True, False, None]


def test_the_breakdown_names_icps_and_trusts():
    table = pd.DataFrame({"all": ["1"], "dgs": ["2"], "medway_swale": ["3"]}, index=["net_saving_nhs_gbp"])
    shown = whatif.area_table(table)
    assert list(shown.columns) == ["Whole area", "Dartford, Gravesham and Swanley (DGT)",
                                   area_label("medway_swale")]
    assert "(MFT)" in shown.columns[2] and shown.index[0] == "Net saving to the NHS (GBP)"


def test_gridlock_is_flagged_loudly():
    results = whatif.run(request({"icps.small_area.acute_beds": 20}, reps=2), {}, workers=1)
    assert any(message.startswith("GRIDLOCK in the what-if") for message in whatif.warnings(results))


def test_the_downloaded_toml_reruns_the_what_if_from_the_command_line(ran, tmp_path, capsys):
    the_request, _, results = ran
    text, command = whatif.resolved_toml(the_request)
    (tmp_path / "what_if.toml").write_text(text, encoding="utf-8")
    argv = command.split()[1:] + ["--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]
    code, _, err = _in(tmp_path, argv, capsys)
    assert code == 0, err
    cli = pd.read_csv(tmp_path / "out" / "replications.csv")
    page = results.replications[results.replications["configuration"] == whatif.WHATIF]
    keys = ["replication", "area", "kpi"]
    merged = page.merge(cli, on=keys, suffixes=("_page", "_cli"))
    assert len(merged) == len(page) == len(cli)
    assert (merged["value_page"].fillna(-1.0) == merged["value_cli"].fillna(-1.0)).all()


def _in(folder: Path, argv: list[str], capsys) -> tuple[int, str, str]:
    import os

    here = os.getcwd()
    os.chdir(folder)
    try:
        return run_cli(argv, capsys)
    finally:
        os.chdir(here)


def test_downloads_are_files_a_board_can_open(ran):
    _, _, results = ran
    with zipfile.ZipFile(BytesIO(downloads.tables_zip(results))) as archive:
        assert "headline.csv" in archive.namelist()
    assert downloads.workbook(results)[:2] == b"PK"
    assert b"<html" in downloads.html_report(results)
    from docx import Document

    document = Document(BytesIO(downloads.docx_report(results)))
    assert any("Headline results" in p.text for p in document.paragraphs)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("text", "expected"), [
    ("extends = 'small'\n[reablement\nplaces = 3\n", "my_file.toml, line 2"),
    ("name = 'x'\n", "must extend an embedded scenario"),
    ("extends = 'small'\n[reablement]\nplaces = -3\n", "field 'reablement.places' = -3"),
    ("extends = 'small'\n[[arrivals]]\nrates_csv = '/etc/passwd'\n", "may not read other files"),
    ("extends = 'small'\n" + "# padding\n" * 40_000, "at most 262,144 bytes"),
])
def test_a_bad_upload_is_refused_with_the_command_lines_message(text, expected):
    with pytest.raises(ScenarioError, match=None) as caught:
        whatif.read_upload("my file.toml", text.encode())
    assert expected in str(caught.value)


def test_an_upload_extending_an_embedded_scenario_runs():
    choice = whatif.read_upload("mine.toml", b"extends = 'small'\nname = 'mine'\n[reablement]\nplaces = 20\n")
    the_plan = whatif.plan_of(whatif.WhatIf(choice, {"reablement.places": 30}, 2, 1, SHORT))
    assert the_plan.baseline.name == "mine" and the_plan.baseline.reablement.places == 20


def test_values_out_of_range_say_what_is_allowed():
    with pytest.raises(UserError, match=r"field 'spa.open_hour' = 30.0: Input should be less than or equal"):
        whatif.plan_of(request({"spa.open_hour": 30.0}))
    with pytest.raises(UserError, match="no lever differs"):
        whatif.plan_of(request({}))


# --------------------------------------------------------------------------- explore


@pytest.fixture(scope="module")
def results_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("results")
    spec = {"name": "tiny", "scenario": "small", "seed": 1, "design": "one_at_a_time",
            "set": {"run.results_days": 60, "run.warmup_days": 30},
            "factors": {"rapid_response.clinicians": [2], "reablement.places": [20]},
            "replications": {"count": 2}}
    sweep(spec, out=root / "studies" / "tiny", workers=1)
    from dorothy_sim.cli import main

    assert main(["run", "--scenario", "small", "--reps", "2", "--workers", "1", "--quiet", "--set",
                 "run.results_days=60", "--out", str(root / "runs" / "one")]) == 0
    assert main(["run", "--scenario", "small", "--reps", "2", "--workers", "1", "--quiet", "--set",
                 "run.results_days=60", "--set", "rapid_response.clinicians=3", "--out",
                 str(root / "runs" / "two")]) == 0
    assert main(["compare", str(root / "runs" / "one"), str(root / "runs" / "two"), "--out",
                 str(root / "compare" / "one_vs_two")]) == 0
    psa = {**TINY_PSA, "set": {"run.results_days": 45, "run.warmup_days": 20}}
    write_psa(run_psa(psa, out=root / "psa" / "tiny", workers=1), root / "psa" / "tiny")  # as dorothy psa
    unfinished = root / "psa" / "unfinished"  # a PSA stopped before its first run finished
    unfinished.mkdir()
    (unfinished / "manifest.json").write_text(json.dumps({"kind": "psa", "spec": TINY_PSA}), encoding="utf-8")
    broken = root / "compare" / "broken"  # a comparison whose tables were removed
    broken.mkdir()
    (broken / "comparison.json").write_text("{}", encoding="utf-8")
    (root / "not_results").mkdir()
    (root / "not_results" / "notes.txt").write_text("hello", encoding="utf-8")
    return root


TINY_PSA = {"name": "tiny", "scenario": "small", "samples": 3, "replications": 2, "sampler": "lhs",
            "seed": 4, "inputs": ["falls_prevention.falls_rate_ratio", "costs.acute_bed_day",
                                  "mh_liaison.los_reduction"]}
"""A PSA of seconds (tests/test_psa.py's): 3 parameter sets x 2 arms x 2 replications, 45 days."""


def test_explore_lists_only_results_folders_under_the_root(results_root):
    assert explore.result_folders(results_root) == ["compare/broken", "compare/one_vs_two", "psa/tiny",
                                                    "psa/unfinished", "runs/one", "runs/two", "studies/tiny"]
    assert [explore.kind_of(results_root / n) for n in ("compare/one_vs_two", "psa/tiny", "runs/two")] == [
        "comparison", "psa", "run"]
    run = explore.open_folder(results_root, "runs/one")
    assert run.kind == "run" and set(run.filtered("small_area", ["admissions"])["kpi"]) == {"admissions"}
    opened = explore.open_folder(results_root, "studies/tiny")
    assert opened.kind == "sweep" and opened.sweep is not None
    assert set(opened.filtered("all", ["net_saving_gbp"])["kpi"]) == {"net_saving_gbp"}
    for name in ("not_results", "../", "/etc", "studies/../studies/tiny"):
        with pytest.raises(UserError, match="is not a results folder"):
            explore.open_folder(results_root, name)


# --------------------------------------------------------------------------- the page


@pytest.fixture
def page(monkeypatch, results_root) -> AppTest:
    monkeypatch.setenv("DOROTHY_APP_WORKERS", "1")
    monkeypatch.setenv("DOROTHY_RESULTS_ROOT", str(results_root))
    return AppTest.from_file(SCRIPT, default_timeout=120)


def _small(app: AppTest, clinicians: int = 3) -> AppTest:
    app.run()
    app.selectbox(key="scenario_name").set_value("small").run()
    app.number_input(key="reps").set_value(2)
    app.number_input(key="results_days:small").set_value(60.0)
    app.number_input(key="warmup_days:small").set_value(30.0)
    app.number_input(key="lever:small:rapid_response.clinicians").set_value(clinicians)
    return app


def test_the_page_opens_on_the_default_scenario_with_every_lever(page):
    page.run()
    assert not page.exception and not page.error
    assert page.selectbox(key="scenario_name").value == "kent_medway"
    assert sum(n.key.startswith("lever:kent_medway:") for n in page.number_input) == len(LEVERS)


def test_change_a_lever_run_and_read_the_cards(page):
    app = _small(page)
    app.button(key="run").click().run()
    assert not app.exception and not app.error
    titles = [m.label for m in app.metric]
    assert titles[0] == "Admissions avoided (exposure-adjusted)" and "Net saving" in titles
    assert titles[-3:] == ["Net saving to the NHS", "Net saving to the councils",
                           "Net saving to self-funders"]
    assert app.session_state["request"].overrides == {"rapid_response.clinicians": 3}
    assert len(app.session_state["cache"]) == 4


def test_bad_input_on_the_page_is_a_message_not_a_traceback(page):
    app = _small(page)
    app.text_input(key="dask").set_value("tcp://127.0.0.1:1")
    app.button(key="run").click().run()
    assert not app.exception
    assert "could not connect to a Dask scheduler" in app.error[0].value
    app.text_input(key="dask").set_value("")
    app.number_input(key="lever:small:rapid_response.clinicians").set_value(1)  # the scenario's own
    app.button(key="run").click().run()
    assert not app.exception and "no lever differs" in app.error[0].value


def test_two_sessions_never_see_each_others_runs(page, monkeypatch, results_root):
    first = _small(page)
    second = _small(AppTest.from_file(SCRIPT, default_timeout=120), clinicians=2)
    first.button(key="run").click().run()
    second.run()
    assert len(first.metric) > 0 and len(second.metric) == 0
    assert "request" not in second.session_state and len(second.session_state["cache"]) == 0
    second.button(key="run").click().run()
    assert first.session_state["request"].overrides == {"rapid_response.clinicians": 3}
    assert second.session_state["request"].overrides == {"rapid_response.clinicians": 2}


def test_explore_opens_a_comparison_with_its_paired_table_and_figures(results_root):
    opened = explore.open_folder(results_root, "compare/one_vs_two")
    assert opened.kind == "comparison" and opened.areas[0] == "all" and len(opened.areas) > 1
    assert opened.kpis[:len(COMPARISON_KPIS)] == [k.name for k in COMPARISON_KPIS]
    rows = opened.filtered("all", ["net_saving_nhs_gbp"])
    assert len(rows) == 1 and {"diff_mean", "diff_ci_low", "diff_ci_high"} <= set(rows.columns)
    paired = rows.loc[0, ["diff_mean", "diff_ci_low", "diff_ci_high", "unit"]]
    assert rows.loc[0, "estimate"] == format_estimate(*paired) and "95% CI" in rows.loc[0, "estimate"]
    assert opened.figures and all(path.is_file() and path.suffix == ".png" for _, path in opened.figures)
    with pytest.raises(UserError, match="has no comparison table .* re-run its 'dorothy compare' command"):
        explore.open_folder(results_root, "compare/broken")


def test_explore_opens_a_psa_with_its_plane_curves_funders_and_ranking(results_root):
    opened = explore.open_folder(results_root, "psa/tiny")
    assert opened.kind == "psa" and opened.areas == ["all"]
    stems = [path.stem for _, path in opened.figures]
    assert stems[:3] == ["ce_plane", "ceac_admission", "ceac_day_at_home"]
    summary = pd.read_csv(results_root / "psa" / "tiny" / "summary.csv").set_index("outcome")
    funders = opened.funders.set_index("kpi")
    assert list(funders.index) == ["net_saving_gbp", *whatif.FUNDER_CARDS, "cash_releasing_saving_gbp"]
    assert funders.loc["net_saving_nhs_gbp", "saving"] == "Net saving to the NHS"
    for kpi in funders.index:
        assert funders.loc[kpi, "probability_pct"] == pytest.approx(100 * summary.loc[kpi, "p_above_zero"],
                                                                    abs=0.05)
    ranking = opened.ranking("net_saving_gbp")
    assert sorted(ranking["input"]) == sorted(TINY_PSA["inputs"])
    assert set(opened.filtered("all", ["days_at_home_gained"])["kpi"]) == {"days_at_home_gained"}
    with pytest.raises(UserError, match="is not finished; re-run its 'dorothy psa' command"):
        explore.open_folder(results_root, "psa/unfinished")


def test_explore_on_the_page_opens_a_psa_and_a_comparison(page):
    page.run()
    page.selectbox(key="explore_folder").set_value("psa/tiny").run()
    assert not page.exception and not page.error
    assert len(page.dataframe) == 3 and len(page.get("image")) >= 5
    page.selectbox(key="explore_sensitivity").set_value("days_at_home_gained").run()
    assert not page.exception and not page.error
    page.selectbox(key="explore_folder").set_value("compare/one_vs_two").run()
    assert not page.exception and not page.error
    assert [o for o in page.selectbox(key="explore_area").options][0] == "Whole area"
    assert len(page.dataframe) == 1 and len(page.get("image")) >= 1
    page.selectbox(key="explore_folder").set_value("psa/unfinished").run()
    assert not page.exception and "is not finished" in page.error[0].value
    page.selectbox(key="explore_folder").set_value("compare/broken").run()
    assert not page.exception and "has no comparison table" in page.error[0].value


def test_explore_on_the_page_opens_a_listed_sweep(page):
    page.run()
    page.selectbox(key="explore_folder").set_value("studies/tiny").run()
    assert not page.exception and not page.error
    assert len(page.dataframe) >= 1


def test_report_docx_writes_a_word_document(results_root, tmp_path, capsys):
    from docx import Document

    code, out, err = run_cli(["report", str(results_root / "studies" / "tiny"), "--out", str(tmp_path),
                              "--docx"], capsys)
    assert code == 0, err
    document = Document(str(tmp_path / "tiny.docx"))
    assert document.paragraphs[0].text == "Sweep report: tiny"
    assert len(document.tables) == 1 and len(document.inline_shapes) >= 1


def test_watch_it_run_animates_sampled_people(page):
    pytest.importorskip("vidigi")
    app = _small(page)
    app.number_input(key="watch_people").set_value(30)
    app.number_input(key="watch_days").set_value(20)
    app.button(key="watch_run").click().run()
    assert not app.exception and not app.error
    events, figure = app.session_state["watched"]
    assert events["entity_id"].nunique() == 30 and len(figure.frames) >= 20


class _Stopped(Exception):
    """What Streamlit raises in the page's thread when the user presses Stop."""


def test_a_run_stopped_midway_keeps_its_finished_runs_and_run_again_finishes_it():
    cache: dict = {}
    the_request = request(reps=3)

    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            raise _Stopped

    with pytest.raises(_Stopped):
        whatif.run(the_request, cache, progress=stop_after_two, workers=1)
    assert len(cache) == 2 and whatif.missing_runs(the_request, cache) == 4
    kept = whatif.results_from_cache(the_request, cache)
    assert kept is not None and not kept.complete
    finished = whatif.run(the_request, cache, workers=1)
    assert finished.complete and len(cache) == 6


def test_a_dask_cluster_gives_the_same_what_if(ran):
    distributed = pytest.importorskip("distributed")
    the_request, _, local = ran
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = whatif.run(the_request, {}, dask=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local.comparisons, remote.comparisons)
