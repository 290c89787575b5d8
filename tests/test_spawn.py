"""Portable pools: the local pool runs under the ``spawn`` start method (Windows has no ``fork``) and
the ``forkserver`` one (the what-if page's: its server runs threads) and gives the same tables as
under ``fork``."""

from __future__ import annotations

import multiprocessing

import pytest
from pandas.testing import assert_frame_equal

from dorothy_sim import load_scenario, run_replications
from dorothy_sim.errors import UserError
from dorothy_sim.executors import START_METHOD_VARIABLE, start_method

SHORT = {"run.warmup_days": 5, "run.results_days": 20}


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
def test_the_pool_gives_the_same_tables_under_fork_and_spawn(monkeypatch):
    scenario = load_scenario("small").with_overrides(SHORT)
    tables = {}
    for method in ("fork", "forkserver", "spawn"):
        monkeypatch.setenv(START_METHOD_VARIABLE, method)
        assert start_method() == method
        results = run_replications(scenario, reps=2, seed=3, workers=2)
        tables[method] = results
    for method in ("forkserver", "spawn"):
        assert_frame_equal(tables["fork"].replications, tables[method].replications)
        assert_frame_equal(tables["fork"].summary, tables[method].summary)
        assert_frame_equal(tables["fork"].queues, tables[method].queues)


def test_the_start_method_defaults_to_fork_where_there_is_one_and_refuses_others(monkeypatch):
    monkeypatch.delenv(START_METHOD_VARIABLE, raising=False)
    expected = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    assert start_method() == expected
    monkeypatch.setenv(START_METHOD_VARIABLE, "threads")
    with pytest.raises(UserError, match="give fork, forkserver, spawn"):
        start_method()


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver")
def test_the_page_starts_its_workers_from_a_fork_server_unless_told_otherwise(tmp_path, monkeypatch):
    from dorothy_sim.app import environment

    monkeypatch.delenv(START_METHOD_VARIABLE, raising=False)
    assert environment(tmp_path, None)[START_METHOD_VARIABLE] == "forkserver"
    monkeypatch.setenv(START_METHOD_VARIABLE, "spawn")
    assert environment(tmp_path, None)[START_METHOD_VARIABLE] == "spawn"  # the user's choice kept
