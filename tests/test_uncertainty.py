"""Uncertain inputs as data: the ``[uncertainty]`` table's distributions, their evidence, and the
rules that refuse a bad one naming the field (exit 2)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from dorothy_sim.cli import main
from dorothy_sim.scenario import load_scenario


def _scenario_file(tmp_path: Path, entry: str) -> Path:
    path = tmp_path / "uncertain.toml"
    path.write_text(f'name = "uncertain"\nextends = "small"\n\n[uncertainty]\n{entry}\n', encoding="utf-8")
    return path


def test_every_distribution_of_the_default_scenario_has_evidence_and_a_valid_range():
    scenario = load_scenario("kent_medway")
    assert len(scenario.uncertainty) >= 10
    for path, dist in scenario.uncertainty.items():
        assert dist.source.startswith(("[pub", "[seed", "[est")), path
        low, high = dist.support()
        assert low < high
        # Every draw is a valid scenario: the ends of the range are accepted by the input's own rules.
        for bound in (low, high):
            scenario.with_overrides({path: float(bound)})


def test_the_falls_rate_ratio_follows_the_published_interval():
    dist = load_scenario("kent_medway").uncertainty["falls_prevention.falls_rate_ratio"]
    u = np.array([0.025, 0.5, 0.975])
    # The published interval, made symmetric on the log scale.
    assert dist.ppf(u) == pytest.approx([0.71, 0.77, 0.83], abs=3e-3)


def test_case_management_is_centred_near_zero():
    dist = load_scenario("kent_medway").uncertainty["mdt.admission_reduction"]
    assert dist.expected() == pytest.approx(0.02)
    assert dist.ppf(np.array([0.5]))[0] < 0.02


@pytest.mark.parametrize(("entry", "fragments"), [
    ('mdt.admission_reduction = { dist = "beta", mean = 1.2, sd = 0.1, source = "[est] x" }',
     ['uncertainty.mdt.admission_reduction', "mean", "1.2"]),
    ('costs.acute_bed_day = { dist = "uniform", low = -100, high = 400, source = "[est] x" }',
     ['uncertainty.costs.acute_bed_day.low', "-100", "greater than or equal to 0"]),
    ('costs.acute_bed_dya = { dist = "gamma", mean = 415, sd = 40, source = "[est] x" }',
     ['uncertainty.costs.acute_bed_dya', "unknown input"]),
    ('reablement.places = { dist = "uniform", low = 5, high = 20, source = "[est] x" }',
     ['uncertainty.reablement.places', "not a real number"]),
    ('mdt.admission_reduction = { dist = "beta", mean = 0.5, sd = 0.6, source = "[est] x" }',
     ['uncertainty.mdt.admission_reduction', "sd"]),
    ('costs.mdt_review = { dist = "triangular", low = 100, mode = 300, high = 250, source = "[est] x" }',
     ['uncertainty.costs.mdt_review.mode', "300"]),
    ('costs.mdt_review = { dist = "uniform", low = 100, high = -5, source = "[est] x" }',
     ['uncertainty.costs.mdt_review.high', "-5"]),
    ('costs.mdt_review = { mean = 150, sd = 20, source = "[est] x" }',
     ['uncertainty.costs.mdt_review.dist']),
    ('mdt.admission_reduction = { dist = "poisson", mean = 0.5, source = "[est] x" }',
     ['uncertainty.mdt.admission_reduction', "beta"]),
    ('falls_prevention.falls_rate_ratio = '
     '{ dist = "lognormal", median = 0.9, sigma = 0.2, source = "[est] x" }',
     ['uncertainty.falls_prevention.falls_rate_ratio.median', "less than or equal to 1"]),
])
def test_a_bad_uncertainty_spec_exits_2_naming_the_field(tmp_path, capsys, entry, fragments):
    path = _scenario_file(tmp_path, entry)
    assert main(["show", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("dorothy: error:") == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_a_run_ignores_the_table():
    plain = load_scenario("small").with_overrides({"run.results_days": 30, "run.warmup_days": 10})
    assert plain.uncertainty  # inherited from kent_medway
    assert not math.isnan(plain.costs.acute_bed_day)
