"""The opt-in event log (``dorothy run --event-log N``) and the page's animation of it: the log
changes no KPI, follows only the sampled people, is bounded, and is off unless asked for."""

from __future__ import annotations

import pandas as pd
import pytest

from dorothy_sim import monitor
from dorothy_sim.errors import UserError
from dorothy_sim.eventlog import COLUMNS, STEP_NAMES, STEPS, WAITING, EventRecorder, record_events
from dorothy_sim.model import downstream
from dorothy_sim.model.cohort import Cohort
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.scenario import load_scenario
from tests.conftest import differences
from tests.test_cli import run_cli

SHORT = {"run.results_days": 120, "run.warmup_days": 30}


@pytest.fixture(scope="module")
def logged():
    scenario = load_scenario("small", SHORT)
    events, model = record_events(scenario, 1, 40)
    return scenario, events, model


def test_a_logged_run_has_the_same_kpis_as_any_other(logged):
    scenario, _, model = logged
    plain = DorothyModel(scenario, 1).run()
    logged_kpis = monitor.assemble([monitor.part(model)], scenario)
    plain_kpis = monitor.assemble([monitor.part(plain)], scenario)
    assert differences(logged_kpis[0], plain_kpis[0]) == []
    assert logged_kpis[1] == plain_kpis[1]  # the ledger


def test_the_log_follows_the_sampled_people_through_their_states(logged):
    _, events, _ = logged
    assert list(events.columns) == COLUMNS
    assert events["entity_id"].nunique() == 40
    assert set(events["event"]) <= {"at_home", "in_crisis", "in_acute", "in_community_bed", "died",
                                    "long_term_care", *STEP_NAMES}
    assert (events.groupby("entity_id")["time"].apply(lambda t: t.is_monotonic_increasing)).all()
    assert {"in_crisis", "in_acute"} <= set(events["event"])
    departed = events[events["event_type"] == "arrival_departure"]
    last = events.groupby("entity_id").tail(1)
    assert set(departed.index) <= set(last.index)  # nothing of a person after they leave


def test_a_logged_run_puts_every_step_function_back(logged):
    _, _, model = logged
    for module, name, _, _ in STEPS:
        assert not hasattr(getattr(module, name), "__wrapped__"), f"{module.__name__}.{name}"
    assert model.assessment_teams  # (the small scenario has assessment teams to wrap)
    for team in model.assessment_teams:
        assert not hasattr(team.assessment_for, "__wrapped__"), team.__name__
    assert model.cohort.move == model.person_time.move
    assert type(model.cohort).replace is Cohort.replace


def test_the_log_records_the_journey_steps_in_order(logged):
    _, events, _ = logged
    steps = set(events["event"]) & set(STEP_NAMES)
    assert {"ed", "acute_bed", "medically_fit"} <= steps
    assert any(step.startswith("waiting_") for step in steps)  # a delay step
    seen_wait = False
    for _, log in events.groupby("entity_id"):
        assert log["time"].is_monotonic_increasing
        stay: list[str] = []  # the steps of the current acute stay (empty outside one)
        for event in log["event"]:
            if event == "acute_bed":
                stay = ["acute_bed"]
            elif event in ("in_crisis", "died", "long_term_care"):
                stay = []
            elif event == "medically_fit":
                assert stay == ["acute_bed"], stay  # once a stay, after the bed
                stay.append(event)
            elif stay and (event.startswith("waiting_") or event.endswith("_assessment")):
                # a delay step in an acute stay comes after medically fit (a virtual ward, which
                # has no acute_bed step, waits for its onward place too: not checked here)
                assert "medically_fit" in stay, (event, stay)
                seen_wait = seen_wait or event.startswith("waiting_")
                stay.append(event)
    assert seen_wait


@pytest.fixture(scope="module")
def logged_many():
    """Enough people (400, under a second) that the small scenario's five virtual-ward places and its
    onward care turn up in the log."""
    events, model = record_events(load_scenario("small", SHORT), 1, 400)
    return events, model


def test_the_log_records_the_virtual_ward_and_the_end_of_onward_care(logged_many):
    events, model = logged_many
    assert model.step_downs and model.admission_alternatives  # (the small scenario has a ward)
    assert "virtual_ward" in set(events["event"])
    ended = 0
    for _, log in events.groupby("entity_id"):
        steps = list(log["event"])
        for before, after in zip(steps, steps[1:], strict=False):
            if before == "virtual_ward":  # on the ward (in crisis, in the books), then out of it
                assert after in {"in_crisis", "at_home", "died", "acute_bed", "long_term_care",
                                 "in_community_bed", *WAITING}, after
            ended += before in ("reablement", "home_care") and after == "at_home"
    assert ended > 0  # onward care ends at home: not drawn in reablement for ever


def test_the_animation_draws_a_person_on_the_virtual_ward_there(logged_many):
    from dorothy_sim.app import watch

    events, _ = logged_many
    log = watch.vidigi_log(events, -30.0, 150)
    assert "virtual_ward" in set(log["event"]) and "virtual_ward" in set(watch.positions()["event"])
    for _, person in log.groupby("entity_id"):
        moves = list(person["event"])
        for before, after in zip(moves, moves[1:], strict=False):
            assert not (before == "virtual_ward" and after == "in_crisis"), moves


def test_a_logged_run_puts_every_hook_back(logged_many):
    _, model = logged_many
    assert all(not hasattr(hook, "__wrapped__") for hook in model.admission_alternatives)
    for step_down in model.step_downs:
        assert not hasattr(step_down.continue_at_home, "__wrapped__"), step_down.__name__
    assert not hasattr(downstream._release_hold, "__wrapped__")


def test_the_log_is_off_unless_asked_for():
    model = DorothyModel(load_scenario("small", SHORT), 1)
    assert model.cohort.move == model.person_time.move  # the kernel's own method: nothing in front
    assert type(model.cohort).replace is Cohort.replace
    assert not isinstance(model.cohort.move, type(EventRecorder.move))


def test_run_event_log_writes_parquet(tmp_path, capsys):
    code, out, err = run_cli(["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
                              "--set", "run.results_days=60", "--set", "run.warmup_days=30",
                              "--out", str(tmp_path), "--event-log", "15"], capsys)
    assert code == 0, err
    events = pd.read_parquet(tmp_path / "events.parquet")
    assert events["entity_id"].nunique() == 15 and "event log of 15 sampled people" in out
    code, _, err = run_cli(["run", "--scenario", "small", "--event-log", "0"], capsys)
    assert code == 2 and "--event-log must be at least 1" in err
    with pytest.raises(UserError, match="from 1 to"):
        record_events(load_scenario("small", SHORT), 1, 10**6)


def test_the_animation_is_drawn_with_vidigi(logged):
    pytest.importorskip("vidigi")
    from dorothy_sim.app import watch

    _, events, _ = logged
    log = watch.vidigi_log(events, 0.0, 30)
    assert set(log["event_type"]) <= {"arrival_departure", "queue"}
    assert (log.groupby("entity_id")["event"].first() == "arrival").all()
    figure = watch.animation(events, 0.0, 30)
    assert len(figure.frames) >= 30
