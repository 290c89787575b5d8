"""Reliability: unstable systems are flagged, runs stop cleanly (Ctrl-C, SIGKILL, a time limit, a lost
worker) keeping what finished, and the same command resumes to the tables of an uninterrupted run."""

from __future__ import annotations

import concurrent.futures.process
import json
import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import dorothy_sim.executors
import dorothy_sim.replication
from dorothy_sim import __version__, load_scenario, report
from dorothy_sim.cli import main
from dorothy_sim.errors import Interrupted, StoreError, TimeLimitReached, WorkerLost
from dorothy_sim.executors import Task, execute
from dorothy_sim.experiment import Results, run_replications
from dorothy_sim.monitor import GROWTH_SHARE, MIN_QUEUE_GROWTH, still_rising
from dorothy_sim.replication import run_one
from dorothy_sim.runner import replications
from dorothy_sim.store import code_fingerprint
from dorothy_sim.sweep import load_results, sweep
from tests.conftest import assert_conserved, sigint_as_in_a_terminal

SHORT = {"run.warmup_days": 10, "run.results_days": 60}
DOROTHY = str(Path(sys.executable).with_name("dorothy"))
TABLES = ("replications", "summary", "queues")


def assert_same_results(left: Results, right: Results) -> None:
    for name in TABLES:
        assert_frame_equal(getattr(left, name), getattr(right, name))
    assert left.ledgers == right.ledgers


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}


# --------------------------------------------------------------------------- unstable systems


def test_a_queue_growing_by_a_share_of_its_arrivals_is_still_rising():
    days = np.arange(366, dtype=float)
    assert still_rising(days * 2.0, arrivals=2000)  # 732 more waiting of 2,000 arrivals
    assert not still_rising(days * 0.0 + 5, arrivals=2000)


def test_a_stable_queue_that_ends_a_little_higher_is_not_rising():
    rng = np.random.default_rng(3)
    walk = np.abs(np.cumsum(rng.normal(0, 1, 366))).round()
    growth = walk[-1] - walk[0]
    arrivals = 10_000.0
    assert growth < GROWTH_SHARE * arrivals
    assert not still_rising(walk, arrivals)
    # small queues drift up by a few people: below MIN_QUEUE_GROWTH whatever the arrivals
    assert not still_rising(np.linspace(0, MIN_QUEUE_GROWTH - 1, 366), arrivals=10)


def test_a_queue_that_grew_then_drained_is_not_rising():
    series = np.concatenate([np.linspace(0, 400, 183), np.linspace(400, 300, 184)])
    assert not still_rising(series, arrivals=1000)


def test_too_few_beds_are_flagged_and_enough_are_not():
    short = load_scenario("small", {"icps.small_area.acute_beds": 30})
    flagged = run_one(short, 1).queues["small_area"]
    assert flagged["acute_beds"]["still_rising"]
    assert flagged["acute_beds"]["queue_end"] > flagged["acute_beds"]["queue_start"] + 100
    for seed in (1, 2):
        queues = run_one(load_scenario("small"), seed).queues["small_area"]
        assert not any(stats["still_rising"] for stats in queues.values()), queues


def test_a_gridlocked_large_area_finishes_in_bounded_time_and_is_flagged():
    scenario = load_scenario("kent_medway", {"icps.east_kent.acute_beds": 1, "reablement.places": 1,
                                             "run.warmup_days": 10, "run.results_days": 120})
    started = time.perf_counter()
    output = run_one(scenario, 1)
    assert time.perf_counter() - started < 60
    assert output.queues["east_kent"]["acute_beds"]["still_rising"]
    assert output.queues["east_kent"]["acute_beds"]["queue_end"] > 1000
    assert_conserved(output.ledger)
    assert all(np.isfinite(v) and v >= 0 for v in output.kpis["all"].values() if not np.isnan(v))


def test_run_warns_per_station_and_writes_the_queues_table(tmp_path, capsys):
    code = main(["run", "--scenario", "small", "--reps", "2", "--workers", "1", "--quiet",
                 "--set", "icps.small_area.acute_beds=30", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "warning: queues still growing at the end of the run" in captured.err
    assert "small_area acute_beds: rising in 2 of 2 replication(s)" in captured.err
    queues = pd.read_csv(tmp_path / "queues.csv")
    beds = queues[queues["queue"] == "acute_beds"]
    assert beds["still_rising"].all() and len(beds) == 2
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["unstable_queues"][0]["queue"] == "acute_beds"


def test_a_sweep_names_its_unstable_queues_per_configuration(tmp_path, capsys):
    spec = tmp_path / "beds.toml"
    spec.write_text('name = "beds"\nscenario = "small"\n[set]\n"run.results_days" = 120\n'
                    '[factors]\n"icps.small_area.acute_beds" = [72, 30]\n[replications]\ncount = 2\n')
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "configuration 1 (icps.small_area.acute_beds=30): small_area acute_beds" in captured.err
    headline = pd.read_csv(tmp_path / "out" / "tables" / "headline.csv", keep_default_na=False)
    assert headline["unstable_queues"].tolist() == ["", "small_area acute_beds"]
    page = report.page._unstable_html(load_results(tmp_path / "out"))  # the HTML report's warning box
    assert "Queues still growing at the end of the run." in page
    assert "<li>Configuration 1: small_area acute beds, rising in 2 of 2 replications" in page
    assert "Configuration 0" not in page


# --------------------------------------------------------------------------- run: store and resume


def test_run_stores_each_replication_and_the_same_call_resumes(tmp_path, monkeypatch, small):
    scenario = small.with_overrides(SHORT)
    first = run_replications(scenario, reps=2, seed=5, workers=1, out=tmp_path)
    ran: list[int] = []
    real = dorothy_sim.replication.run_one
    monkeypatch.setattr(dorothy_sim.replication, "run_one", lambda s, seed: ran.append(seed) or real(s, seed))
    again = run_replications(scenario, reps=3, seed=5, workers=1, out=tmp_path)
    assert ran == [7]  # only the new third replication
    assert again.loaded == 2 and first.loaded == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [f"c0000-r000{i}.json" for i in range(3)]
    fresh = run_replications(scenario, reps=3, seed=5, workers=1)
    assert_same_results(again, fresh)
    assert_frame_equal(first.replications, fresh.replications[fresh.replications["replication"] < 2])


def test_run_replaces_the_replications_of_another_scenario_or_seed(tmp_path, small):
    scenario = small.with_overrides(SHORT)
    run_replications(scenario, reps=2, seed=5, workers=1, out=tmp_path)
    other = run_replications(scenario.with_overrides({"rapid_response.clinicians": 3}), reps=2, seed=5,
                             workers=1, out=tmp_path)
    assert_same_results(other, run_replications(scenario.with_overrides({"rapid_response.clinicians": 3}),
                                                reps=2, seed=5, workers=1))
    reseeded = run_replications(scenario, reps=2, seed=9, workers=1, out=tmp_path)
    assert reseeded.replications["seed"].unique().tolist() == [9, 10]


def test_run_remakes_a_folder_whose_store_manifest_is_corrupt(tmp_path, small):
    scenario = small.with_overrides(SHORT)
    run_replications(scenario, reps=2, seed=5, workers=1, out=tmp_path)
    (tmp_path / "store.json").write_text("{ truncated")
    again = run_replications(scenario, reps=2, seed=5, workers=1, out=tmp_path)
    assert_same_results(again, run_replications(scenario, reps=2, seed=5, workers=1))
    assert json.loads((tmp_path / "store.json").read_text())["first_seed"] == 5


def test_run_and_sweep_never_share_a_folder(tmp_path, small):
    spec = {"name": "s", "scenario": "small", "set": SHORT, "factors": {"rapid_response.clinicians": [1]},
            "replications": {"count": 1}}
    sweep(spec, out=tmp_path / "sweep", workers=1)
    with pytest.raises(StoreError, match="holds the results of a 'dorothy sweep'"):
        run_replications(small.with_overrides(SHORT), reps=1, workers=1, out=tmp_path / "sweep")
    assert len(list((tmp_path / "sweep" / "runs").glob("*.json"))) == 1
    run_replications(small.with_overrides(SHORT), reps=1, workers=1, out=tmp_path / "run")
    with pytest.raises(StoreError, match="holds the replications of a 'dorothy run'"):
        sweep(spec, out=tmp_path / "run", workers=1, force=True)


def test_a_store_made_by_another_version_is_refused_unless_forced(tmp_path):
    spec = {"name": "v", "scenario": "small", "set": SHORT, "factors": {"rapid_response.clinicians": [2]},
            "replications": {"count": 1}}
    sweep(spec, out=tmp_path, workers=1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["dorothy_sim_version"] = "0.1.0"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=rf"made with dorothy_sim 0.1.0 \(this is {__version__}\)"):
        sweep(spec, out=tmp_path, workers=1)
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2  # refused: nothing touched
    sweep(spec, out=tmp_path, workers=1, force=True)
    assert json.loads((tmp_path / "manifest.json").read_text())["dorothy_sim_version"] == __version__


def test_a_store_made_by_edited_code_of_the_same_version_is_refused_or_replaced(tmp_path, small):
    spec = {"name": "v", "scenario": "small", "set": SHORT, "factors": {"rapid_response.clinicians": [2]},
            "replications": {"count": 1}}
    sweep(spec, out=tmp_path / "sweep", workers=1)
    run_replications(small.with_overrides(SHORT), reps=1, workers=1, out=tmp_path / "run")
    for manifest in (tmp_path / "sweep" / "manifest.json", tmp_path / "run" / "store.json"):
        data = json.loads(manifest.read_text())
        assert data["code_fingerprint"] == code_fingerprint()
        manifest.write_text(json.dumps({**data, "code_fingerprint": "0123456789abcdef"}))
    with pytest.raises(StoreError, match="other code of dorothy_sim .* the installed source has changed"):
        sweep(spec, out=tmp_path / "sweep", workers=1)
    (tmp_path / "run" / "runs" / "c0000-r0000.json").write_text("{}")  # what stale code made
    again = run_replications(small.with_overrides(SHORT), reps=1, workers=1, out=tmp_path / "run")
    assert_same_results(again, run_replications(small.with_overrides(SHORT), reps=1, workers=1))
    assert json.loads((tmp_path / "run" / "store.json").read_text())["code_fingerprint"] == code_fingerprint()


# --------------------------------------------------------------------------- stopping early


def test_a_time_limit_stops_a_long_replication_in_this_process(tmp_path, capsys):
    started = time.monotonic()
    code = main(["run", "--scenario", "kent_medway", "--reps", "2", "--workers", "1", "--quiet",
                 "--time-limit", "1s", "--out", str(tmp_path)])
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert code == 124, err
    assert "stopped at the time limit (1 s): 0 of 2 replications finished" in err
    assert "run the same command again to resume" in err and "Traceback" not in err


def test_a_time_limit_whose_alarm_lands_in_a_finalizer_still_stops_the_run(capsys):
    """An exception raised while a generator is freed is dropped, and with the model compiled the
    finalizers are much of the Python code left: the alarm must come again, and quietly."""
    def lingering():
        try:
            yield
        finally:
            time.sleep(0.3)  # the alarm (at 0.1 s) interrupts this, inside the finalizer

    started = time.monotonic()
    with pytest.raises(TimeLimitReached), dorothy_sim.executors._alarm_at(started + 0.1):
        generator = lingering()
        next(generator)
        del generator  # freed here: its finally runs as a finalizer, and the first alarm is lost in it
        for _ in range(100):
            time.sleep(0.05)  # 5 s of work that only a second alarm stops
    assert time.monotonic() - started < 2.0
    assert "Exception ignored" not in capsys.readouterr().err


def test_a_time_limit_keeps_the_finished_replications_and_the_run_resumes(tmp_path, small):
    reps = 40  # about 2 s of work on 2 workers here: twice the limit (10 once took 0.5 s)
    with pytest.raises(TimeLimitReached) as stopped:
        run_replications(small, reps=reps, seed=1, workers=2, out=tmp_path, time_limit_seconds=1.0)
    kept = len(list((tmp_path / "runs").glob("*.json")))
    assert kept < reps  # on a loaded machine perhaps none finished: the point is what happens next
    if kept:
        assert len(stopped.value.results.ledgers) == kept and not stopped.value.results.complete
    else:
        assert stopped.value.results is None
    assert f"{kept} of {reps} replications finished and are stored in '{tmp_path}'" in str(stopped.value)
    resumed = run_replications(small, reps=reps, seed=1, workers=2, out=tmp_path)
    assert_same_results(resumed, run_replications(small, reps=reps, seed=1, workers=2))


def test_a_sweep_stops_at_its_time_limit_and_resumes(tmp_path):
    spec = {"name": "limited", "scenario": "small", "factors": {"rapid_response.clinicians": [0, 2, 4]},
            "replications": {"count": 10}}  # 40 runs, about 2 s of work on 2 workers here
    with pytest.raises(TimeLimitReached, match=r"stopped at the time limit \(1 s\): \d+ of 40 runs finished"):
        sweep(spec, out=tmp_path, workers=2, time_limit_seconds=1.0)
    assert len(list((tmp_path / "runs").glob("*.json"))) < 40
    resumed = sweep(spec, out=tmp_path, workers=2)
    assert resumed.complete and len(list((tmp_path / "runs").glob("*.json"))) == 40


_RUN_PART = dorothy_sim.replication.run_part


def _dies_on_seed_3(scenario, seed, icps=None):
    if seed == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return _RUN_PART(scenario, seed, icps)


def test_a_lost_worker_is_a_clear_error_that_keeps_the_finished_runs(tmp_path, monkeypatch, small):
    monkeypatch.setattr(dorothy_sim.replication, "run_part", _dies_on_seed_3)
    with pytest.raises(WorkerLost, match="a worker process died") as lost:
        run_replications(small.with_overrides(SHORT), reps=6, seed=1, workers=2, out=tmp_path)
    assert "run the same command again to resume" in str(lost.value)
    monkeypatch.undo()
    resumed = run_replications(small.with_overrides(SHORT), reps=6, seed=1, workers=2, out=tmp_path)
    assert_same_results(resumed, run_replications(small.with_overrides(SHORT), reps=6, seed=1, workers=1))


# A worker that dies halfway through sending its result: it writes the start of a message (a header
# announcing a megabyte, then a few bytes) on the pool's result pipe, found in the pool's worker
# function that called it, then interrupts its parent and waits to be stopped. The other tasks just wait.
HALF_SENT_RESULT = """
import os, signal, struct, sys, time
import dorothy_sim.executors as executors
import dorothy_sim.replication as replication
from dorothy_sim import load_scenario
from dorothy_sim.runner import replications

def half_sent(scenario, seed, icps=None):
    if seed == 0:
        frame = sys._getframe()
        while "result_queue" not in frame.f_locals:
            frame = frame.f_back
        pipe = frame.f_locals["result_queue"]._writer
        os.write(pipe.fileno(), struct.pack("!i", 1_000_000) + b"the first bytes")
        os.kill(os.getppid(), signal.SIGINT)
    time.sleep(600)

replication.run_part = half_sent
tasks = [executors.Task(seed, load_scenario("small"), seed) for seed in range(4)]
try:
    list(executors.execute(tasks, workers=2, work=replications()))
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_an_interrupt_while_a_worker_sends_its_result_still_lets_the_process_exit():
    """The pool's own thread, left reading half a message, hung the exit of 'dorothy run' after a
    Ctrl-C (the message printed, the process never ended); the interrupted pool closes its end of
    the result pipe so that the thread reads end-of-file instead."""
    finished = subprocess.run([sys.executable, "-c", HALF_SENT_RESULT], capture_output=True, text=True,
                              timeout=30, preexec_fn=sigint_as_in_a_terminal)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "interrupted\n"
    assert "Traceback" not in finished.stderr


WIND_UP = concurrent.futures.process._ExecutorManagerThread.terminate_broken


def _slow_wind_up(manager, cause):
    """The pool thread's wind-up after its workers are stopped, half a second late."""
    time.sleep(0.5)
    return WIND_UP(manager, cause)


def test_a_ctrl_c_during_a_pool_run_is_raised_by_the_pool_loop_not_where_it_lands(small, monkeypatch):
    """A Ctrl-C that lands while the pool runs is recorded, and raised as a KeyboardInterrupt by the
    pool's own loop: raised inside concurrent.futures' wait it could leave a future's lock taken,
    and the pool's thread, waiting for that lock, hung the command's exit. Afterwards the handler
    that was there before is back, and the pool's thread has wound up (slowed here), so that the
    exit does not race it."""
    monkeypatch.setattr(concurrent.futures.process._ExecutorManagerThread, "terminate_broken",
                        _slow_wind_up)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        tasks = [Task(seed, small.with_overrides(SHORT), seed) for seed in range(6)]
        runs = execute(tasks, workers=2, work=replications())
        next(runs)
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # handled here, before the next line:
        # recorded only (to this thread: os.kill could hand it to the pool's thread, and later)
        recorded = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            next(runs)
        assert time.monotonic() - recorded < 5
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert not [thread for thread in threading.enumerate()
                    if isinstance(thread, concurrent.futures.process._ExecutorManagerThread)]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_as_the_last_pool_run_finishes_is_not_lost(small):
    """Recorded while the last run is handed over, it is raised as the pool closes, not dropped."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        runs = execute([Task(seed, small.with_overrides(SHORT), seed) for seed in range(2)], workers=2,
                       work=replications())
        next(runs), next(runs)
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # (to this thread, as above)
        with pytest.raises(KeyboardInterrupt):
            next(runs)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_command(out: Path, reps: int) -> list[str]:
    return [DOROTHY, "run", "--scenario", "small", "--reps", str(reps), "--workers", "2", "--quiet",
            "--out", str(out)]


def _wait_for_runs(process: subprocess.Popen, out: Path, count: int) -> None:
    deadline = time.monotonic() + 120
    while len(list(out.glob("runs/c*.json"))) < count:
        assert process.poll() is None, f"the run ended before it was stopped: {process.communicate()}"
        assert time.monotonic() < deadline, "no replication finished within 120 s"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_run_stopped_by_a_signal_resumes_to_the_tables_of_an_uninterrupted_run(tmp_path, sig):
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) stops within seconds with exit code
    130, says how to resume and writes the finished replications' tables; SIGKILL stops dead. Either
    way the same command then finishes the run, with the tables of a run never stopped."""
    out, reps = tmp_path / "out", 12
    process = subprocess.Popen(_run_command(out, reps), start_new_session=True,
                               preexec_fn=sigint_as_in_a_terminal, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_runs(process, out, 2)
        os.killpg(process.pid, sig)
        started = time.monotonic()
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    kept = len(list(out.glob("runs/c*.json")))
    assert 2 <= kept < reps
    if sig == signal.SIGINT:
        assert time.monotonic() - started < 10
        assert process.returncode == Interrupted.exit_code, err
        assert "Traceback" not in err and "run the same command again to resume" in err
        assert json.loads((out / "manifest.json").read_text())["complete"] is False
        assert read_tables(out)["replications"]["replication"].nunique() == kept
    else:
        assert process.returncode == -signal.SIGKILL
    for path in out.glob("runs/c*.json"):  # every stored replication is whole (atomic writes)
        json.loads(path.read_text())

    resumed = subprocess.run(_run_command(out, reps), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    fresh = subprocess.run(_run_command(tmp_path / "fresh", reps), capture_output=True, text=True,
                           timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    for name, table in read_tables(out).items():
        assert_frame_equal(table, read_tables(tmp_path / "fresh")[name], obj=name)


def test_a_warmup_window_longer_than_the_run_is_a_clear_error(capsys):
    code = main(["warmup", "--scenario", "small", "--window-days", "1000", "--reps", "1", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("dorothy: error:") == 1
    assert "--window-days 1000 is longer than the run of 'small'" in err and "at most 455" in err


def test_ctrl_c_in_a_command_that_keeps_nothing_exits_130_without_a_traceback(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("dorothy_sim.cli.check_warmup", interrupted)
    assert main(["warmup", "--scenario", "small"]) == 130
    assert "'dorothy warmup' interrupted" in capsys.readouterr().err


def test_a_second_process_on_the_same_folder_is_refused_and_the_first_keeps_it_whole(tmp_path):
    out, reps = tmp_path / "out", 8
    first = subprocess.Popen([*_run_command(out, reps), "--scenario", "kent_medway"],
                             preexec_fn=sigint_as_in_a_terminal, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # 8 of about 3 s each: it is still running
    try:
        while not (out / "store.json").exists():  # written once the first holds the lock
            assert first.poll() is None, first.communicate()
            time.sleep(0.02)
        second = subprocess.run(_run_command(out, reps), capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert f"is in use by another dorothy sweep or run (pid {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
        first.send_signal(signal.SIGINT)  # enough: the point is that the first keeps its folder whole
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == Interrupted.exit_code, err
    for path in out.glob("runs/c*.json"):
        json.loads(path.read_text())


def test_the_console_script_turns_a_ctrl_c_during_the_import_into_exit_130(monkeypatch, capsys):
    """The guard itself, deterministically: the import of the command line is what is interrupted."""
    import dorothy_cli

    class Interrupting(types.ModuleType):
        def __getattr__(self, name: str):
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "dorothy_sim.cli", Interrupting("dorothy_sim.cli"))
    assert dorothy_cli.main() == 130
    assert "interrupted while starting; nothing was run" in capsys.readouterr().err


def test_a_ctrl_c_that_python_swallows_during_the_import_still_stops_the_command(monkeypatch, capsys):
    """A KeyboardInterrupt raised inside a ``__del__`` (or a weakref callback of the import machinery)
    cannot escape: Python prints "Exception ignored" and the import carries on. The console script
    must still stop, with its own message and no traceback."""
    import dorothy_cli

    class Dropped:
        def __del__(self):
            # To this thread, and waiting until the handler has run here, inside __del__ (it raises
            # out of the loop), not for a fixed number of steps.
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
            give_up = time.monotonic() + 5.0
            while time.monotonic() < give_up:
                pass

    class Module(types.ModuleType):
        def __getattr__(self, name: str):
            Dropped()  # made and dropped at once: its __del__ runs now
            return lambda: 0  # a command that would have run

    monkeypatch.setitem(sys.modules, "dorothy_sim.cli", Module("dorothy_sim.cli"))
    # As in a terminal: a suite started in the background (`make test &`) inherits SIGINT ignored,
    # and the console script rightly leaves an ignored SIGINT alone.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert dorothy_cli.main() == 130
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert "interrupted while starting; nothing was run" in err
    assert "Traceback" not in err and "Exception ignored" not in err


def test_ctrl_c_while_the_command_is_still_starting_exits_130_without_a_traceback(tmp_path):
    """Importing the package takes about a second; a Ctrl-C then is guarded too (dorothy_cli.py).
    The signal may land in the import or, on a fast machine, just after it: either way, 130 and a
    message (the guard itself is tested just above)."""
    process = subprocess.Popen(_run_command(tmp_path / "out", 2), start_new_session=True,
                               preexec_fn=sigint_as_in_a_terminal,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "dorothy: interrupted" in err
