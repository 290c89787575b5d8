"""Probabilistic sensitivity analysis: known answers on synthetic functions (fast), then one small
``dorothy psa`` end to end on the small scenario (a tiny N, a short horizon), its resume, and a Dask
LocalCluster run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dorothy_sim import psa_analysis as pa
from dorothy_sim.cli import main
from dorothy_sim.psa import OUTCOMES, plan_psa, run_psa
from dorothy_sim.scenario import load_scenario

NAMES = ["falls_prevention.falls_rate_ratio", "costs.acute_bed_day", "mh_liaison.los_reduction"]


def _dists():
    table = load_scenario("kent_medway").uncertainty
    return [table[name] for name in NAMES]


# --------------------------------------------------------------------------- known answers


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_one_input_the_only_source_of_variation_is_recovered_with_a_first_order_index_near_1(sampler):
    # y = 2 + 3 x0: linear in the first input, blind to the others, no noise.
    dists = _dists()
    unit = pa.unit_samples(sampler, NAMES, 256, seed=7)
    x = np.column_stack([d.ppf(unit[:, j]) for j, d in enumerate(dists)])
    y = 2.0 + 3.0 * x[:, 0]
    # The output's distribution is the input's, moved and scaled (Kolmogorov-Smirnov against the input's).
    recovered = (y - 2.0) / 3.0
    assert stats.kstest(recovered, dists[0].frozen().cdf).pvalue > 0.05
    assert recovered.mean() == pytest.approx(dists[0].expected(), rel=0.01)
    ranking = pa.sensitivity(sampler, NAMES, x, y)
    assert ranking.loc[0, "input"] == NAMES[0]
    if sampler == "sobol":
        first = ranking.set_index("input")
        assert first.loc[NAMES[0], "S1"] == pytest.approx(1.0, abs=0.05)
        assert first.loc[NAMES[0], "ST"] == pytest.approx(1.0, abs=0.05)
        assert abs(first.loc[NAMES[1], "S1"]) < 0.05 and abs(first.loc[NAMES[2], "ST"]) < 0.05
    else:
        prcc = ranking.set_index("input")["PRCC"]
        assert prcc[NAMES[0]] == pytest.approx(1.0, abs=1e-9)
        assert abs(prcc[NAMES[1]]) < 0.2 and abs(prcc[NAMES[2]]) < 0.2


def test_evpi_and_evppi_are_zero_when_one_option_dominates_at_every_draw():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(200, 2))
    dominant = 100.0 + 50.0 * x[:, 0] + rng.normal(0, 5, 200)  # the option is better at every draw
    assert (dominant > 0).all()
    assert pa.evpi(dominant) == 0.0
    assert pa.evpi(-dominant) == 0.0  # the comparator better everywhere: nothing to learn either
    assert pa.evppi(x[:, 0], dominant) == 0.0 and pa.evppi(x[:, 1], -dominant) == 0.0
    curve = pa.ceac(np.ones(200), dominant, [0.0, 10.0])
    assert curve["p_cost_effective"].tolist() == [1.0, 1.0] and curve["evpi"].tolist() == [0.0, 0.0]


def test_evpi_and_evppi_when_the_decision_turns_on_one_input():
    # INB = x0 - 0.5 with x0 uniform: EVPI = E[max(x0 - 0.5, 0)] = 1/8; all of it is about x0.
    x = (np.arange(4000) + 0.5) / 4000
    other = np.random.default_rng(1).permutation(x)
    inb = x - 0.5
    assert pa.evpi(inb) == pytest.approx(0.125, abs=1e-3)
    assert pa.evppi(x, inb) == pytest.approx(0.125, abs=2e-3)
    assert pa.evppi(other, inb) < 0.01


def test_noise_and_parameter_variance_are_told_apart():
    rng = np.random.default_rng(5)
    sets, reps = 200, 5
    parameter = rng.normal(0, 3.0, sets)[:, None]  # variance 9 between sets
    shared = rng.normal(0, 10.0, reps)[None, :]  # common random numbers: a shift shared by every set
    noise = rng.normal(0, 2.0, (sets, reps))  # variance 4 per replication, 4/5 in a set mean
    split = pa.split_noise(parameter + shared + noise)
    assert split["residual_var"] == pytest.approx(4.0, rel=0.1)
    assert split["parameter_var"] == pytest.approx(9.0, rel=0.25)
    assert split["noise_share_pct"] == pytest.approx(100 * 0.8 / (9.0 + 0.8), abs=4)
    only_noise = pa.split_noise(rng.normal(0, 2.0, (4000, reps)))  # no parameter effect at all
    assert only_noise["noise_share_pct"] > 90


# --------------------------------------------------------------------------- end to end (small)

TINY = {"name": "tiny", "scenario": "small", "samples": 3, "replications": 2, "sampler": "lhs", "seed": 4,
        "set": {"run.results_days": 45, "run.warmup_days": 20}, "inputs": NAMES}


def test_a_tiny_psa_pairs_the_arms_and_writes_every_table(tmp_path):
    out = tmp_path / "psa"
    results = run_psa(TINY, out=out, workers=1)
    assert results.draws.shape[0] == 3 and list(results.replications["replication"].unique()) == [0, 1]
    assert set(OUTCOMES) <= set(results.draws.columns)
    # Every set has the seeds of every other, and both arms ran: 3 sets x 2 arms x 2 replications.
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert len(runs) == 12
    seeds = {json.loads((out / "runs" / name).read_text())["seed"] for name in runs}
    assert seeds == {4, 5}
    # The drawn values are the plan's, and each set's option differs from its comparator.
    the_plan = plan_psa(TINY)
    assert np.allclose(results.draws[NAMES].to_numpy(), the_plan.values)
    assert (results.draws["avoided_admissions_exposure_adjusted"] != 0).all()
    # Resuming runs nothing and gives the same tables.
    again = run_psa(TINY, out=out, workers=1)
    pd.testing.assert_frame_equal(results.draws, again.draws)


def test_dorothy_psa_writes_tables_figures_workbook_and_report(tmp_path, capsys):
    spec = tmp_path / "tiny.toml"
    spec.write_text("\n".join([
        'name = "tiny"', 'scenario = "small"', "samples = 3", "replications = 2", 'sampler = "lhs"',
        "seed = 4", f"inputs = {json.dumps(NAMES)}", "[set]", '"run.results_days" = 45',
        '"run.warmup_days" = 20', ""]), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["psa", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "probability of a net saving" in printed
    for stem in ("draws", "summary", "sensitivity", "ceac", "evppi", "noise"):
        assert (out / f"{stem}.csv").is_file() and (out / f"{stem}.parquet").is_file()
    assert (out / "psa.xlsx").is_file() and (out / "report.html").is_file()
    assert len(list((out / "figures").glob("*.png"))) >= 4
    assert "probability of a net saving" in (out / "report.html").read_text(encoding="utf-8")

    # `dorothy report` on the PSA folder writes the report again from the stored runs (none re-run).
    (out / "report.html").unlink()
    runs = sorted(p.stat().st_mtime_ns for p in (out / "runs").iterdir())
    assert main(["report", str(out)]) == 0
    assert "report for the PSA 'tiny'" in capsys.readouterr().out
    assert "probability of a net saving" in (out / "report.html").read_text(encoding="utf-8")
    assert sorted(p.stat().st_mtime_ns for p in (out / "runs").iterdir()) == runs


@pytest.mark.parametrize(("text", "fragment"), [
    ('name = "x"\nsampler = "halton"\n', "sampler"),
    ('name = "x"\nsamples = 1\n', "samples"),
    ('name = "x"\nscenario = "small"\ninputs = ["costs.acute_bed_dya"]\n', "costs.acute_bed_dya"),
    ('name = "x"\nreplicatons = 3\n', "replicatons"),
])
def test_a_bad_psa_spec_exits_2_naming_the_field(tmp_path, capsys, text, fragment):
    spec = tmp_path / "bad.toml"
    spec.write_text(text, encoding="utf-8")
    assert main(["psa", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dorothy: error:") and fragment in err, err
    assert not (tmp_path / "out").exists()


def test_a_tiny_psa_on_a_dask_local_cluster_gives_the_same_tables():
    distributed = pytest.importorskip("distributed")
    spec = {**TINY, "samples": 2, "replications": 1}
    local = run_psa(spec, workers=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = run_psa(spec, dask=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local.draws, on_dask.draws)


def test_the_spec_refuses_an_input_that_the_option_also_fixes():
    from dorothy_sim.errors import SpecError

    with pytest.raises(SpecError, match="both an uncertain input"):
        plan_psa({**TINY, "option": {"costs.acute_bed_day": 400.0}})


def test_a_sobol_psa_runs_saltellis_design_and_ranks_by_sobol_indices():
    spec = {**TINY, "sampler": "sobol", "samples": 2, "replications": 1}
    results = run_psa(spec, workers=1)
    assert len(results.draws) == 2 * (len(NAMES) + 2)  # N x (d + 2)
    ranking = results.sensitivity[results.sensitivity["outcome"] == "net_saving_gbp"]
    assert {"S1", "ST", "S1_conf", "ST_conf"} <= set(ranking.columns)
    assert sorted(ranking["rank"]) == [1, 2, 3]


# --------------------------------------------------------------------------- option and comparator


def test_an_option_against_the_default_mix_pairs_it_with_the_scenario_as_it_is():
    base = load_scenario("small")
    spec = {**TINY, "samples": 2, "replications": 1,
            "option": {"reablement.places": 3 * base.reablement.places}, "comparator": {}}
    the_plan = plan_psa(spec)
    # Configuration 2i is set i's comparator (the scenario as it is, with the draws), 2i + 1 its option.
    assert the_plan.scenario(0).reablement.places == base.reablement.places
    assert the_plan.scenario(1).reablement.places == 3 * base.reablement.places
    assert the_plan.scenario(0).rapid_response.clinicians == base.rapid_response.clinicians  # not off
    results = run_psa(spec, workers=1)
    assert (results.draws["bed_days_saved"] != 0).all()
    # Known answer: an option equal to its comparator changes nothing, to the bit, in every replication.
    same = run_psa({**spec, "option": {}}, workers=1)
    assert (same.replications[list(OUTCOMES)] == 0).all().all()


@pytest.fixture
def study_psa(monkeypatch):
    """experiments/study_psa.py as a module (its siblings import as top-level modules)."""
    import importlib
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "experiments"))
    return importlib.import_module("study_psa")


def _grid_table(path, rows):
    head = "configuration,rapid_response.clinicians,reablement.places,replications,net_saving_gbp,gridlocked"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_best_grid_point_is_the_largest_net_saving_among_points_not_gridlocked(tmp_path, study_psa):
    table = _grid_table(tmp_path / "grid.csv", ["0,16,399,3,0,False", "1,16,500,3,4e7,False",
                                                "2,24,500,3,5e7,False", "3,8,500,3,9e7,True"])
    point, source = study_psa.best_grid_point(table)
    assert point == {"rapid_response.clinicians": 24, "reablement.places": 500}
    assert isinstance(point["reablement.places"], int) and "configuration 2" in source


@pytest.mark.parametrize(("args", "fragment"), [
    (["--option", "rapid_response.clinicians=abc"], "rapid_response.clinicians"),
    (["--option", "rapid_response.clinican=24"], "rapid_response.clinican"),
    (["--option", "reablement.places"], "PATH=VALUE"),
    (["--option", "costs.acute_bed_day=400"], "costs.acute_bed_day"),
    (["--best-grid-point", "GRID", "--option", "reablement.places=5"], "drop --option"),
    (["--best-grid-point", "MISSING"], "no grid table"),
    (["--best-grid-point", "NOT_A_GRID"], "not a grid headline table"),
])
def test_study_psa_exits_2_naming_a_bad_option_or_grid_table(tmp_path, capsys, study_psa, args, fragment):
    grid = _grid_table(tmp_path / "grid.csv", ["0,16,399,3,0,False", "1,24,500,3,5e7,False"])
    other = tmp_path / "other.csv"
    other.write_text("step,lever\n1,x\n", encoding="utf-8")
    swap = {"GRID": str(grid), "MISSING": str(tmp_path / "none.csv"), "NOT_A_GRID": str(other)}
    out = tmp_path / "out"
    code = study_psa.main(["--scenario", "small", "--samples", "2", "--reps", "1", "--workers", "1",
                           "--quiet", "--out", str(out), *(swap.get(a, a) for a in args)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("psa: error:") and fragment in err and "Traceback" not in err, err
    assert not out.exists()


def test_study_psa_of_the_best_grid_point_says_what_it_compares(tmp_path, study_psa):
    grid = _grid_table(tmp_path / "grid.csv", ["0,1,14,3,0,False", "1,2,28,3,5e7,False"])
    out = tmp_path / "out"
    assert study_psa.main(["--scenario", "small", "--samples", "3", "--reps", "1", "--workers", "1",
                           "--quiet", "--best-grid-point", str(grid), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "rapid_response.clinicians = 2, reablement.places = 28" in readme
    assert "Comparator: the scenario `small` as it is" in readme
    for heading in ("## What is compared", "## What is evidence and what is assumed",
                    "## What the intervals mean"):
        assert heading in readme
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["spec"]["comparator"] == {} and manifest["spec"]["option"]["reablement.places"] == 28
