"""One replication run as parts, each some of its ICPs: exact, and how the executors use it.

The ICPs share no people, services or random streams (model/cohort.py draws each ICP's people,
crises, life events and newcomers from streams named after it), so a part that simulates some ICPs
must give those ICPs exactly what the whole run gives them, and the parts put together must be the
whole run to the last bit. These tests pin that, the common-random-numbers property that comes with
it (a lever in one ICP leaves the other ICPs exactly as they were), and that the executors send each
replication to the workers as its parts (:func:`dorothy_sim.executors.split`).
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import dorothy_sim.replication
from dorothy_sim import load_scenario
from dorothy_sim.cli import main
from dorothy_sim.executors import Task, split
from dorothy_sim.experiment import run_replications
from dorothy_sim.model.model import RUN_THRESHOLDS, DorothyModel
from dorothy_sim.replication import RunOutput, assemble, icp_groups, run_one, run_part
from dorothy_sim.runner import replications
from tests.conftest import assert_conserved, differences

# The four ICPs of Kent and Medway over a short run: about a tenth of a default replication.
SHORT = {"run.warmup_days": 10, "run.results_days": 40}


@pytest.fixture(scope="module")
def four_icps():
    return load_scenario("kent_medway", SHORT)


@pytest.fixture(scope="module")
def whole(four_icps) -> RunOutput:
    return run_one(four_icps, 2)


def _numbers(output: RunOutput) -> dict:
    data = output.to_json()
    data.pop("elapsed_seconds")
    return data


def test_a_part_holds_only_its_own_icps_people_and_they_are_the_whole_models(four_icps):
    """A part numbers only its ICPs' people from slot 0 (the garbage collector walks every
    per-person list, so a part must not carry the other ICPs'); each person is the one at the same
    offset in the ICP in the whole model."""
    whole_cohort = DorothyModel(four_icps, 2).cohort
    part_cohort = DorothyModel(four_icps, 2, [1, 3]).cohort
    assert part_cohort.icp_sizes == whole_cohort.icp_sizes
    assert len(part_cohort.state) == part_cohort.size == whole_cohort.icp_sizes[1] + whole_cohort.icp_sizes[3]
    for icp in (1, 3):
        (start, end), (whole_start, whole_end) = part_cohort.icp_ranges[icp], whole_cohort.icp_ranges[icp]
        assert end - start == whole_end - whole_start == whole_cohort.icp_sizes[icp]
        for attribute in ("icp", "frailty", "age_band", "lives_alone", "dementia", "rate_share"):
            assert (getattr(part_cohort, attribute)[start:end]
                    == getattr(whole_cohort, attribute)[whole_start:whole_end]), attribute
    assert part_cohort.icp_ranges[0][0] == part_cohort.icp_ranges[0][1]  # no one of ICP 0


@pytest.mark.parametrize("groups", [[[0, 1], [2, 3]], [[3], [1], [0], [2]], [[1, 3], [0, 2]], [[0, 1, 2, 3]]])
def test_a_replication_split_by_icp_is_the_whole_run_to_the_last_bit(four_icps, whole, groups):
    parts = [run_part(four_icps, 2, group) for group in groups]
    for part in parts:
        assert_conserved(part.part.ledger)
    split = assemble(four_icps, 2, parts)
    assert list(split.kpis) == list(whole.kpis)  # areas in the scenario's order, then "all"
    assert not differences(_numbers(split), _numbers(whole))
    assert split.elapsed_seconds == pytest.approx(sum(part.elapsed_seconds for part in parts))


def _one_model(scenario, seed: int) -> RunOutput:
    """All ICPs in one model (run_one runs them as separate parts, where no stream could be shared)."""
    return assemble(scenario, seed, [run_part(scenario, seed)])


def test_a_lever_in_one_icp_leaves_the_other_icps_exactly_as_they_were(four_icps):
    # Few enough beds that East Kent's stays, deaths and replacements move in time: in one model, a
    # stream shared by the ICPs (one newcomer stream for the area, say) would then reshuffle the
    # other ICPs' draws, and this test fails.
    whole = _one_model(four_icps, 2)
    fewer_beds = _one_model(four_icps.with_overrides({"icps.east_kent.acute_beds": 600}), 2)
    waits = "bed_wait_hours_mean"
    assert fewer_beds.kpis["east_kent"][waits] > whole.kpis["east_kent"][waits]
    for name in ("dgs", "medway_swale", "west_kent"):
        assert not differences(fewer_beds.kpis[name], whole.kpis[name]), name
        assert fewer_beds.daily_occupancy_pct[name] == whole.daily_occupancy_pct[name]
        assert fewer_beds.queues[name] == whole.queues[name]


def test_parts_must_cover_each_icp_once(four_icps):
    first = run_part(four_icps.with_overrides({"run.results_days": 5}), 1, [0, 1])
    rest = run_part(four_icps.with_overrides({"run.results_days": 5}), 1, [2])
    with pytest.raises(ValueError, match="not each of"):
        assemble(four_icps, 1, [first, rest])  # west_kent missing
    with pytest.raises(ValueError, match="not each of"):
        assemble(four_icps, 1, [first, first, rest])  # east_kent and dgs twice


@pytest.mark.parametrize("icps", [[], [4], [-1], [0, 0]])
def test_a_model_refuses_icps_it_does_not_have(four_icps, icps):
    with pytest.raises(ValueError, match="ICP index"):
        DorothyModel(four_icps, 1, icps)


def test_icp_groups_balance_the_registered_population_heaviest_first():
    scenario = load_scenario("kent_medway")  # east_kent 695k, dgs 261k, medway_swale 405k, west_kent 479k
    assert icp_groups(scenario) == [(0,), (3,), (2,), (1,)]  # MAX_PARTS: one ICP each
    assert icp_groups(scenario, 2) == [(0, 1), (2, 3)]  # 956k and 884k
    assert icp_groups(scenario, 9) == icp_groups(scenario, 4)
    assert icp_groups(scenario, 1) == [(0, 1, 2, 3)]
    assert icp_groups(load_scenario("small")) == [(0,)]


def test_every_replication_goes_to_the_workers_as_its_parts_heaviest_first():
    scenario = load_scenario("kent_medway")
    tasks = [Task((0, i), scenario, 1 + i) for i in range(2)]
    assert [(piece.task.seed, piece.icps, piece.parts) for piece in split(tasks, replications())] == [
        (1, (0,), 4), (1, (3,), 4), (1, (2,), 4), (1, (1,), 4),
        (2, (0,), 4), (2, (3,), 4), (2, (2,), 4), (2, (1,), 4)]
    small = load_scenario("small")
    pieces = split([Task((0, 0), small, 1)], replications())
    assert [(piece.icps, piece.parts) for piece in pieces] == [((0,), 1)]


_CALLS: list[Path] = []  # where the workers (forked from this process) record what they ran


_RUN_PART = dorothy_sim.replication.run_part


def _recording_run_part(scenario, seed, icps=None):
    with _CALLS[0].open("a") as calls:  # what it ran; its imports frozen, the run's thresholds kept
        settled = gc.get_freeze_count() > 0 and gc.get_threshold() == RUN_THRESHOLDS
        calls.write(json.dumps([seed, icps, settled]) + "\n")
    return _RUN_PART(scenario, seed, icps)


def test_runs_split_across_workers_give_the_tables_of_one_process(four_icps, tmp_path, monkeypatch):
    scenario = four_icps.with_overrides({"run.results_days": 20})
    thresholds = gc.get_threshold()
    together = run_replications(scenario, reps=3, seed=1, workers=1)
    monkeypatch.setattr(dorothy_sim.replication, "run_part", _recording_run_part)
    monkeypatch.setattr(sys.modules[__name__], "_CALLS", [tmp_path / "calls.jsonl"])
    split = run_replications(scenario, reps=3, seed=1, workers=2)
    ran = sorted(json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines())
    # each run as its four ICPs, in workers whose imports are out of the collector's walks
    assert ran == [[seed, [icp], True] for seed in (1, 2, 3) for icp in range(4)]
    assert gc.get_freeze_count() == 0, "this process is the modeller's: nothing frozen here"
    assert gc.get_threshold() == thresholds, "... and its collector's thresholds are as they were"
    for name in ("replications", "summary", "queues"):
        assert_frame_equal(getattr(split, name), getattr(together, name))
    assert split.ledgers == together.ledgers


def test_a_dask_cluster_runs_the_parts_too_and_gives_the_same_tables(four_icps):
    distributed = pytest.importorskip("distributed")
    scenario = four_icps.with_overrides({"run.results_days": 20})
    together = run_replications(scenario, reps=1, seed=4, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:  # another test may hold 8787
        split = run_replications(scenario, reps=1, seed=4, dask=cluster.scheduler_address)
        # the scheduler's own count: the replication ran as four parts, one an ICP
        assert cluster.scheduler.task_prefixes["run_part"].state_counts["processing"] == 4
        with distributed.Client(cluster) as client:  # the workers' imports were frozen first
            assert all(count > 0 for count in client.run(gc.get_freeze_count).values())
    for name in ("replications", "summary", "queues"):
        assert_frame_equal(getattr(split, name), getattr(together, name))


def test_a_time_limit_stops_a_split_replication_cleanly_and_the_command_resumes(tmp_path, capsys):
    command = ["run", "--scenario", "kent_medway", "--set", "run.results_days=100", "--reps", "1",
               "--workers", "2", "--quiet", "--out", str(tmp_path)]
    code = main([*command, "--time-limit", "0.3s"])
    err = capsys.readouterr().err
    assert code == 124, err
    assert "0 of 1 replication finished" in err and "Traceback" not in err
    assert main(command) == 0  # resumes: all four parts run again
    table = pd.read_parquet(tmp_path / "replications.parquet")
    whole = run_one(load_scenario("kent_medway", {"run.results_days": 100}), 1)
    admissions = table[(table["area"] == "all") & (table["kpi"] == "admissions")]["value"].item()
    assert admissions == whole.kpis["all"]["admissions"]
