"""Verification against queueing theory: isolated stations versus Erlang C and Erlang B, and
Little's law on every station of the full default scenario.

Each comparison passes only when the analytic value lies inside the simulated 99% confidence
interval. The replication counts and run lengths were chosen so the intervals are narrow enough to
mean something; the half-widths measured when this was written are noted by each case (relative
to the simulated mean) and printed by ``pytest -s``.
"""

from __future__ import annotations

import math

import pytest

from dorothy_sim import load_scenario
from dorothy_sim.analysis import t_interval
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.verification import (
    erlang_b,
    erlang_c,
    little_law_table,
    mmc_mean_wait,
    replicate_station,
)

RR_MMC = {
    "rapid_response.shift_start_hour": 0,
    "rapid_response.shift_end_hour": 24,
    "rapid_response.response_window_hours": math.inf,
    "rapid_response.visit_hours": {"mean": 1.5, "exponential": True},
}
RR_LOSS = {**RR_MMC, "rapid_response.response_window_hours": 0}
BEDS_MMC = {"acute.background_los": {"mean": 5.0, "exponential": True}}


def _assert_inside_99(values, analytic: float, label: str, max_relative_half_width: float) -> None:
    mean, _, low, high, n = t_interval(values, 0.99)
    half = (high - low) / 2.0
    print(f"{label}: analytic {analytic:.5g}, simulated {mean:.5g} 99% CI [{low:.5g}, {high:.5g}] "
          f"(half-width {100 * half / mean:.1f}% of the mean, n={n})")
    assert low <= analytic <= high, f"{label}: {analytic} outside [{low}, {high}]"
    # The interval must be narrow enough for the test to be able to fail.
    assert half / mean <= max_relative_half_width


def test_erlang_formulas_match_known_values():
    # Textbook values: B(2, 1) = 0.2; C(2, 1) = 1/3; M/M/1 wait = rho / (mu - lambda)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0)
    assert mmc_mean_wait(1, 0.5, 1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("rho, max_half_width", [(0.7, 0.10), (0.9, 0.15)])
def test_rapid_response_as_mmc_matches_erlang_c(rho, max_half_width):
    # 4 clinicians on a 24-hour shift, exponential visits of 1.5 h, infinite window.
    # Half-widths measured: rho 0.7 about 6%, rho 0.9 about 9% of the mean wait.
    scenario = load_scenario("small", RR_MMC)
    servers, mean_visit_days = 4, 1.5 / 24.0
    arrival_rate = rho * servers / mean_visit_days
    runs = replicate_station(scenario, "rapid_response", servers, arrival_rate,
                             results_days=300, warmup_days=20, reps=20)
    _assert_inside_99(runs["mean_wait"], mmc_mean_wait(servers, arrival_rate, mean_visit_days),
                      f"rapid response wait rho={rho}", max_half_width)
    _assert_inside_99(runs["utilisation"], rho, f"rapid response utilisation rho={rho}", 0.01)


@pytest.mark.parametrize("rho, max_half_width", [(0.7, 0.25), (0.9, 0.20)])
def test_acute_beds_as_mmc_match_erlang_c(rho, max_half_width):
    # 20 beds, exponential stays of 5 days. Half-widths measured: rho 0.7 about 17%, rho 0.9
    # about 14% of the mean wait (waits at rho 0.7 are short and rare, hence the wider interval).
    scenario = load_scenario("small", BEDS_MMC)
    servers, mean_stay = 20, 5.0
    arrival_rate = rho * servers / mean_stay
    runs = replicate_station(scenario, "acute_beds", servers, arrival_rate,
                             results_days=3000, warmup_days=100, reps=20)
    _assert_inside_99(runs["mean_wait"], mmc_mean_wait(servers, arrival_rate, mean_stay),
                      f"acute bed wait rho={rho}", max_half_width)
    _assert_inside_99(runs["utilisation"], rho, f"acute bed utilisation rho={rho}", 0.01)


def test_rapid_response_with_zero_window_matches_erlang_b():
    # A zero response window makes rapid response a loss system: a referral that finds every
    # clinician busy goes to the ambulance. Half-width measured: about 1% of the blocking.
    scenario = load_scenario("small", RR_LOSS)
    servers, mean_visit_days = 4, 1.5 / 24.0
    arrival_rate = 0.9 * servers / mean_visit_days
    runs = replicate_station(scenario, "rapid_response", servers, arrival_rate,
                             results_days=300, warmup_days=20, reps=20)
    _assert_inside_99(runs["blocking"], erlang_b(servers, arrival_rate * mean_visit_days),
                      "rapid response blocking (Erlang B)", 0.03)


def test_isolated_station_obeys_littles_law():
    runs = replicate_station(load_scenario("small", BEDS_MMC), "acute_beds", 20, 3.2,
                             results_days=2000, warmup_days=100, reps=3)
    for l_value, lambda_w in zip(runs["little_l"], runs["little_lambda_w"], strict=True):
        assert l_value == pytest.approx(lambda_w, rel=0.02)


@pytest.fixture(scope="module")
def default_run_three_years():
    # Little's law is a long-run identity: over a finite window the people present at its two
    # edges add an error of about (mean time in the station) / (window length) -- about 3% for
    # 25-day community-bed stays over one year (measured), under 1% over three years. So the
    # default scenario is run with a three-year results period; every other parameter is the default.
    return DorothyModel(load_scenario("kent_medway", {"run.results_days": 3 * 365}), seed=1).run()


def test_littles_law_holds_for_every_station_in_the_default_scenario(default_run_three_years):
    table = little_law_table(default_run_three_years)
    assert len(table) >= 4 * 6  # every station of every ICP that has capacity
    failures = [row for row in table if row["relative_error"] > 0.02]
    for row in table:
        print(f"{row['station']:40s} L={row['L']:10.3f} lambda*W={row['lambda_W']:10.3f} "
              f"error={100 * row['relative_error']:.2f}%")
    assert not failures, f"Little's law off by more than 2% at: {failures}"
