"""Verification against queueing theory: isolated stations versus Erlang C and Erlang B, tandem
networks of stations (worked by hand, and as Jackson networks versus Erlang C per stage), and
Little's law on every station of the full default scenario.

Each comparison passes only when the analytic value lies inside the simulated 99% confidence
interval. The replication counts and run lengths were chosen so the intervals are narrow enough to
mean something; the half-widths measured when this was written are noted by each case (relative
to the simulated mean) and printed by ``pytest -s``.
"""

from __future__ import annotations

import math

import numpy as np
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
    run_network,
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


# Each case: station, overrides, servers, mean service (days), results and warm-up days, rho, and the
# largest relative 99% CI half-width of the mean wait that still makes the test able to fail.
# Half-widths measured when written: rapid response about 6% (rho 0.7) and 9% (0.9); acute beds
# about 17% (0.7; waits are short and rare) and 14% (0.9).
MMC_CASES = {
    "rapid response, rho 0.7": ("rapid_response", RR_MMC, 4, 1.5 / 24.0, 300, 20, 0.7, 0.10),
    "rapid response, rho 0.9": ("rapid_response", RR_MMC, 4, 1.5 / 24.0, 300, 20, 0.9, 0.15),
    "acute beds, rho 0.7": ("acute_beds", BEDS_MMC, 20, 5.0, 3000, 100, 0.7, 0.25),
    "acute beds, rho 0.9": ("acute_beds", BEDS_MMC, 20, 5.0, 3000, 100, 0.9, 0.20),
}


@pytest.mark.parametrize("case", MMC_CASES.values(), ids=MMC_CASES.keys())
def test_station_as_mmc_matches_erlang_c(case):
    # Rapid response: 4 clinicians, a 24-hour shift, exponential 1.5-hour visits, no window.
    # Acute beds: 20 beds, exponential 5-day stays.
    station, overrides, servers, mean_service, results_days, warmup_days, rho, max_half_width = case
    arrival_rate = rho * servers / mean_service
    runs = replicate_station(load_scenario("small", overrides), station, servers, arrival_rate,
                             results_days=results_days, warmup_days=warmup_days, reps=20)
    _assert_inside_99(runs["mean_wait"], mmc_mean_wait(servers, arrival_rate, mean_service),
                      f"{station} wait rho={rho}", max_half_width)
    _assert_inside_99(runs["utilisation"], rho, f"{station} utilisation rho={rho}", 0.01)


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


def test_tandem_network_by_hand():
    # One server a stage. Arrivals at 1, 2, 3, 4 with 2-day services start at 1, 3, 5, 7 (waits
    # 0, 1, 2, 3) and reach stage 2 at 3, 5, 7, 9, where 3-day services start at 3, 6, 9, 12 (waits
    # 0, 1, 2, 3 again). The last leaves at 15: stage 1 busy 8 of 15 days, stage 2 busy 12 of 15.
    first, second = run_network([1, 1], [1.0] * 4, [[2.0] * 4, [3.0] * 4])
    assert (first.mean_wait, second.mean_wait) == (1.5, 1.5)
    assert (first.served, second.served) == (4, 4)
    assert first.utilisation == pytest.approx(8 / 15) and second.utilisation == pytest.approx(12 / 15)
    assert first.mean_queue_length == pytest.approx(6 / 15)


def test_tandem_network_carries_each_customer_service_times():
    # Two servers at stage 1 let customer 1 (arrives 0.2, leaves 1.2) overtake customer 0 (arrives
    # 0.1, leaves 5.1). At stage 2 customer 1 keeps its own 10-day service, so customer 0 waits from
    # 5.1 to 11.2; handing out stage-2 times in order of arrival there would give no wait at all.
    first, second = run_network([2, 1], [0.1, 0.1], [[5.0, 1.0], [1.0, 10.0]])
    assert first.mean_wait == 0.0
    assert second.mean_wait == pytest.approx((11.2 - 5.1) / 2)


def _tandem_replications(servers: list[int], mean_services: list[float], arrival_rate: float,
                         customers: int, warmup_days: float, reps: int) -> np.ndarray:
    """Mean waits (one row per replication, one column per stage) of exponential tandems."""
    rows = []
    for seed in range(reps):
        rng = np.random.default_rng(seed)
        gaps = rng.exponential(1.0 / arrival_rate, customers)
        services = [rng.exponential(mean, customers) for mean in mean_services]
        rows.append([stage.mean_wait for stage in run_network(servers, gaps, services, warmup_days)])
    return np.array(rows)


def test_network_of_one_station_matches_erlang_c():
    # M/M/3 at rho 0.8: 20 replications of 20,000 customers after a 200-day warm-up (under 1 s).
    # Half-width measured: about 5% of the mean wait.
    waits = _tandem_replications([3], [2.4], 1.0, 20_000, 200.0, 20)
    _assert_inside_99(waits[:, 0], mmc_mean_wait(3, 1.0, 2.4), "run_network M/M/3 wait", 0.08)


def test_tandem_network_matches_jackson():
    # Three exponential stations in series (1, 2, 3 servers at rho 0.7, 0.8, 0.75): by Burke's
    # theorem each stage sees Poisson arrivals at the same rate, so each is an M/M/c queue and its
    # mean wait is Erlang C's (about 1 s). Half-widths measured: 6%, 9% and 8% of the mean waits.
    servers, mean_services = [1, 2, 3], [0.7, 1.6, 2.25]
    waits = _tandem_replications(servers, mean_services, 1.0, 10_000, 200.0, 20)
    for stage, (count, mean) in enumerate(zip(servers, mean_services, strict=True)):
        _assert_inside_99(waits[:, stage], mmc_mean_wait(count, 1.0, mean),
                          f"tandem stage {stage + 1} (M/M/{count}) wait", 0.12)


@pytest.fixture(scope="module")
def default_run_four_years():
    # Little's law is a long-run identity: over a finite window the people present at its two
    # edges add an error of about (mean time in the station) / (window length) -- about 3% for
    # 25-day community-bed stays over one year (measured). A trust near 100% with people waiting
    # weeks for intermediate care holds more long stays at the edges (2.0% at DGT over three years),
    # so the default scenario is run with a four-year results period; every other parameter is the
    # default.
    return DorothyModel(load_scenario("kent_medway", {"run.results_days": 4 * 365}), seed=1).run()


def test_littles_law_holds_for_every_station_in_the_default_scenario(default_run_four_years):
    table = little_law_table(default_run_four_years)
    assert len(table) >= 4 * 6  # every station of every ICP that has capacity
    failures = [row for row in table if row["relative_error"] > 0.02]
    for row in table:
        print(f"{row['station']:40s} L={row['L']:10.3f} lambda*W={row['lambda_W']:10.3f} "
              f"error={100 * row['relative_error']:.2f}%")
    assert not failures, f"Little's law off by more than 2% at: {failures}"
