"""The page as Streamlit draws it: the what-if, exploring a results folder, watching a run.

Only drawing lives here; what is computed is in :mod:`.levers`, :mod:`.whatif`, :mod:`.explore` and
:mod:`.downloads` (plain functions, tested without a browser). Everything a session owns (its runs,
its results, its uploads) is in ``st.session_state``, which Streamlit keeps per browser session, so
two people using the page at once never see each other's runs. Every
:class:`~dorothy_sim.errors.UserError` is shown as the command line prints it, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dorothy_sim.app import downloads, explore, levers, whatif
from dorothy_sim.areas import area_label
from dorothy_sim.errors import UserError
from dorothy_sim.executors import default_workers
from dorothy_sim.monitor import ALL
from dorothy_sim.report.figures import FIG_UTILISATION, make_charts, render_chart
from dorothy_sim.scenario import embedded_scenarios
from dorothy_sim.sweep import SweepResults

RESULTS_ROOT_ENV = "DOROTHY_RESULTS_ROOT"
WORKERS_ENV = "DOROTHY_APP_WORKERS"
UPLOAD = "upload a scenario (TOML)"


def results_root() -> Path:
    """The folder whose sub-folders "Explore results" lists (``dorothy app --results``)."""
    return Path(os.environ.get(RESULTS_ROOT_ENV, "results")).resolve()


def main() -> None:
    st.set_page_config(page_title="dorothy_sim what-if", layout="wide")
    st.title("Dorothy what-if")
    st.caption("Frail older people in Kent and Medway: change the services' capacity, run, and compare with "
               "the baseline under common random numbers (paired 95% CIs, simulation noise only).")
    state = st.session_state
    state.setdefault("cache", {})
    what_if, watch_tab, explore_tab = st.tabs(["What-if", "Watch it run", "Explore results"])
    with what_if:
        _what_if(state)
    with watch_tab:
        _watch(state)
    with explore_tab:
        _explore()


# --------------------------------------------------------------------------- what-if


def _choose_scenario(state: Any) -> whatif.ScenarioChoice | None:
    names = embedded_scenarios()
    options = [*names, UPLOAD]
    name = st.sidebar.selectbox("Scenario", options, index=names.index("kent_medway"), key="scenario_name")
    if name != UPLOAD:
        return whatif.ScenarioChoice(name)
    upload = st.sidebar.file_uploader("Scenario file (extends an embedded scenario)", type=["toml"],
                                      key="upload")
    if upload is None:
        st.info("Upload a TOML file that starts with extends = \"kent_medway\" (or another embedded "
                "scenario) and changes what it needs.")
        return None
    try:
        return whatif.read_upload(upload.name, upload.getvalue())
    except UserError as exc:
        _error(exc)
        return None


def _error(exc: BaseException) -> None:
    st.error(f"dorothy: error: {exc}", icon="\u26a0\ufe0f")


def _what_if(state: Any) -> None:
    choice = _choose_scenario(state)
    if choice is None:
        return
    try:
        scenario = whatif.load(choice)
    except UserError as exc:
        _error(exc)
        return
    sidebar = st.sidebar
    reps = int(sidebar.number_input("Replications", min_value=1, max_value=whatif.MAX_REPLICATIONS, value=5,
                                    step=1, key="reps"))
    seed = int(sidebar.number_input("First seed", min_value=0, max_value=2**32 - 1, value=1, step=1,
                                    key="seed"))
    with sidebar.expander("Run length and where to run"):
        results_days = sidebar_number("Results period (days)", scenario.run.results_days, 1.0, 36_500.0,
                                      f"results_days:{choice.label}")
        warmup_days = sidebar_number("Warm-up (days)", scenario.run.warmup_days, 0.0, 36_500.0,
                                     f"warmup_days:{choice.label}")
        workers = int(st.number_input("Local worker processes", min_value=1, max_value=64, key="workers",
                                      value=int(os.environ.get(WORKERS_ENV, default_workers()))))
        dask = st.text_input("Dask scheduler address (optional)", key="dask",
                             placeholder="tcp://10.0.0.5:8786").strip() or None
    st.subheader(f"Levers of {scenario.name}: {scenario.description}")
    inputs = levers.lever_inputs(scenario)
    values: dict[str, Any] = {}
    for group, items in levers.groups(inputs).items():
        with st.expander(group, expanded=group.startswith("Intervention 3")):
            columns = st.columns(3)
            for i, lever in enumerate(items):
                with columns[i % 3]:
                    values[lever.path] = _lever_input(lever, choice.label)
    settings = {}
    if results_days != scenario.run.results_days:
        settings["run.results_days"] = results_days
    if warmup_days != scenario.run.warmup_days:
        settings["run.warmup_days"] = warmup_days
    request = whatif.WhatIf(choice, levers.changed(inputs, values), reps, seed, settings)
    state["current"] = request
    if request.overrides:
        st.write("Changed: " + ", ".join(f"`{p}` = {v}" for p, v in request.overrides.items()))
    if st.button("Run", type="primary", key="run"):
        state["request"] = request
        bar = st.progress(0.0, text="starting")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0,
                         text=f"{done} of {total} runs (baseline and what-if, same seeds)")

        try:
            state["results"] = (request, whatif.run(request, state["cache"], progress, workers, dask))
        except UserError as exc:
            state.pop("results", None)
            _error(exc)
            return
    shown = state.get("request")
    if shown is None:
        st.info("Change a lever and press Run: the baseline and the what-if run with the same seeds.")
        return
    kept = state.get("results")
    results = kept[1] if kept is not None and kept[0] == shown else None
    if results is None:  # stopped before the end: what finished is in the cache
        try:
            results = whatif.results_from_cache(shown, state["cache"])
        except UserError as exc:
            _error(exc)
            return
        if results is None:
            return
    _show_results(shown, results)


def sidebar_number(label: str, value: float, low: float, high: float, key: str) -> float:
    return float(st.number_input(label, min_value=low, max_value=high, value=float(value), key=key))


def _lever_input(lever: levers.LeverInput, scenario: str) -> Any:
    key = f"lever:{scenario}:{lever.path}"
    if lever.whole:
        return int(st.number_input(f"{lever.label} ({lever.unit})", min_value=int(lever.low),
                                   max_value=int(lever.high), value=int(lever.default), step=1, key=key,
                                   help=lever.help))
    return float(st.number_input(f"{lever.label} ({lever.unit})", min_value=lever.low, max_value=lever.high,
                                 value=float(lever.default), step=lever.step, key=key, help=lever.help))


def _show_results(request: whatif.WhatIf, results: SweepResults) -> None:
    st.header("What-if against the baseline")
    changed = ", ".join(f"{path} = {value}" for path, value in request.overrides.items())
    st.caption(f"{request.scenario.label} with {changed}. Paired differences (what-if minus baseline, same "
               f"seeds), whole area: mean and 95% CI over {request.replications} replication(s).")
    for message in whatif.warnings(results):
        if message.startswith("GRIDLOCK"):
            st.error(message, icon="\U0001f6a8")
        else:
            st.warning(message)
    cards = whatif.cards(results.comparisons)
    if not cards:
        st.info("No paired result yet: the baseline and the what-if need the same replication finished.")
        return
    _cards(cards)
    funders = whatif.cards(results.comparisons, kpis=whatif.FUNDER_CARDS)
    if funders:
        st.caption("Net cost by funder: what each saves (a negative saving is a cost to that funder)")
        _cards(funders)
    try:
        scenario = whatif.load(request.scenario)
    except UserError:
        scenario = None
    st.subheader("By ICP and acute trust")
    st.dataframe(whatif.area_table(whatif.comparison_table(results.comparisons)), width="stretch")
    st.subheader("Acute occupancy by day")
    areas = sorted(set(results.occupancy_daily["area"]), key=lambda a: (a != ALL, a))
    area = st.selectbox("Area", areas, key="occupancy_area", format_func=area_label)
    st.altair_chart(occupancy_chart(results.occupancy_daily, area), width="stretch")
    st.subheader("Utilisation of the services")
    st.dataframe(whatif.utilisation(results.summary).round(1), width="stretch")
    figure = _utilisation_figure(results)
    if figure is not None:
        st.image(figure[0], caption=figure[1])
    _downloads(request, results, scenario)


def _cards(cards: list[whatif.Card]) -> None:
    for column, card in zip(st.columns(len(cards)), cards, strict=True):
        with column, st.container(border=True):
            st.metric(card.title, card.value)
            st.caption(card.interval + {True: " · better", False: " · worse", None: ""}[card.better])


def _utilisation_figure(results: SweepResults) -> tuple[bytes, str] | None:
    """The report's utilisation figure as PNG, drawn once per result (kept in the session)."""
    drawn = st.session_state.setdefault("figures", {})
    if id(results) not in drawn:
        drawn.clear()
        drawn[id(results)] = None
        for chart in make_charts(results):
            if chart.stem == FIG_UTILISATION:
                drawn[id(results)] = (render_chart(chart, "png"), chart.caption)
            chart.figure.clear()
    return drawn[id(results)]


def occupancy_chart(daily: pd.DataFrame, area: str) -> alt.Chart:
    """Daily acute occupancy of the baseline and the what-if, a band for the 95% CI over replications."""
    rows = daily[daily["area"] == area].assign(
        run=lambda t: t["configuration"].map({0: "baseline", whatif.WHATIF: "what-if"}))
    base = alt.Chart(rows).encode(x=alt.X("day:Q", title="day of the results period"),
                                  color=alt.Color("run:N", title="", scale=alt.Scale(
                                      domain=["baseline", "what-if"], range=["#7f7f7f", "#d62728"])))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("ci_low_pct:Q", title="occupancy (% of core beds)"),
                                               y2="ci_high_pct:Q")
    return band + base.mark_line().encode(y="mean_pct:Q")


def _downloads(request: whatif.WhatIf, results: SweepResults, scenario: Any) -> None:
    """Each file is made when its button is pressed (a callable), not on every redraw of the page."""
    st.subheader("Downloads")
    columns = st.columns(5)
    files = (("Tables (CSV, zip)", downloads.tables_zip, "what_if_tables.zip"),
             ("Tables (Excel)", downloads.workbook, "what_if.xlsx"),
             ("Report (HTML)", downloads.html_report, "what_if.html"),
             ("Report (Word)", downloads.docx_report, "what_if.docx"))
    for column, (label, make, name) in zip(columns, files, strict=False):
        column.download_button(label, lambda make=make: make(results), name, key=f"dl_{name}",
                               on_click="ignore")
    if scenario is not None:
        text, command = whatif.resolved_toml(request)
        columns[4].download_button("Scenario (TOML)", text, "what_if.toml", key="dl_toml", on_click="ignore")
        st.caption(f"The what-if again from the command line: `{command}`")


# --------------------------------------------------------------------------- watch


def _watch(state: Any) -> None:
    request = state.get("current")
    if request is None:
        st.info("Choose a scenario on the What-if tab first.")
        return
    what = "the what-if" if request.overrides else "the scenario"
    st.caption(f"One replication (seed {request.seed}) of {what} on the What-if tab, following a sample of "
               "people through home, crises (rapid response, A&E), acute and community beds, day by day.")
    columns = st.columns(3)
    people = int(columns[0].number_input("People to follow", 1, 2000, 100, key="watch_people"))
    first = float(columns[1].number_input("From results day", 0.0, 36_500.0, 0.0, key="watch_first"))
    days = int(columns[2].number_input("Days to show", 7, 365, 90, key="watch_days"))
    if st.button("Record and animate", key="watch_run"):
        from dorothy_sim.app import watch
        from dorothy_sim.eventlog import record_events

        try:
            scenario = (whatif.plan_of(request).scenarios[-1] if request.overrides
                        else whatif.load(request.scenario, dict(request.settings)))
            with st.spinner("running one replication with the event log on"):
                events, _ = record_events(scenario, request.seed, people)
            state["watched"] = (events, watch.animation(events, first, days))
        except UserError as exc:
            _error(exc)
            return
    watched = state.get("watched")
    if watched is not None:
        events, figure = watched
        st.plotly_chart(figure, key="watch_chart")
        st.download_button("Event log (CSV)", events.to_csv(index=False).encode(), "events.csv",
                           key="dl_events", on_click="ignore")


# --------------------------------------------------------------------------- explore


def _explore() -> None:
    root = results_root()
    folders = explore.result_folders(root)
    if not folders:
        st.info(f"No results folders under {root} yet (folders made by dorothy run, compare, sweep or psa).")
        return
    name = st.selectbox(f"Folder under {root}", ["", *folders], key="explore_folder")
    if not name:
        return
    try:
        opened = explore.open_folder(root, name)
    except UserError as exc:
        _error(exc)
        return
    st.caption(f"A {opened.kind} folder ({EXPLORED[opened.kind]}).")
    if opened.kind == "psa":
        _explore_psa(opened)
        return
    area = st.selectbox("ICP", opened.areas, key="explore_area", format_func=area_label)
    kpis = st.multiselect("KPIs", opened.kpis, default=opened.default_kpis, key="explore_kpis")
    st.dataframe(opened.filtered(area, kpis), width="stretch")
    if opened.sweep is not None:
        for chart in make_charts(opened.sweep):
            st.image(render_chart(chart, "png"), caption=chart.caption)
            chart.figure.clear()
    for caption, path in opened.figures:
        st.image(str(path), caption=caption)


EXPLORED = {"run": "dorothy run: its summary table", "comparison": "dorothy compare: the paired differences "
            "of each what-if against the baseline, and its report's figures",
            "sweep": "dorothy sweep: its paired comparisons and figures",
            "psa": "dorothy psa: outcomes over parameter sets, the chance of a net saving, sensitivity"}


def _explore_psa(opened: explore.Opened) -> None:
    """A PSA: the outcomes chosen, the probability of a net saving per funder, the sensitivity
    ranking of a chosen outcome, then the cost-effectiveness plane, the acceptability curves and
    the rest of its figures. A PSA is of the whole area, so there is no ICP filter."""
    kpis = st.multiselect("KPIs", opened.kpis, default=opened.default_kpis, key="explore_kpis")
    st.dataframe(opened.filtered(ALL, kpis), width="stretch")
    st.subheader("Probability of a net saving, by funder")
    st.dataframe(opened.funders, width="stretch", hide_index=True)
    st.subheader("Sensitivity ranking")
    outcomes = list(dict.fromkeys(opened.sensitivity["outcome"])) if opened.sensitivity is not None else []
    outcome = st.selectbox("Of", outcomes, key="explore_sensitivity", format_func=whatif.title)
    if outcome:
        st.dataframe(opened.ranking(outcome), width="stretch", hide_index=True)
    columns = st.columns(2)
    for i, (caption, path) in enumerate(opened.figures):
        columns[i % 2].image(str(path), caption=caption)
