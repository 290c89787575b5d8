"""Verification: run one capacity station of the model on its own and compare it with queueing theory.

Why: a model that commissioners act on must show it computes what it claims. Any capacity station
can be isolated here with Poisson arrivals and the station's own service-time distribution taken
from the scenario (set ``exponential = true`` on it for an M/M/c queue), with infinite patience and
no other routing. Rapid response goes through the same ``reach()`` logic the full model uses, so
its shift and response window are tested too: with a 0–24 shift and an infinite window it is
M/M/c (Erlang C); with a zero window it is a loss system (Erlang B).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from dorothy_sim.model import rapid_response
from dorothy_sim.model.services import IcpServices
from dorothy_sim.scenario import Scenario
from dorothy_sim.streams import BufferedStream, Duration, stream

# station name -> (attribute of IcpServices, attribute holding its service Duration, unit in days)
STATIONS: dict[str, tuple[str, str, float]] = {
    "rapid_response": ("rr", "rr_visit", 1.0 / 24.0),
    "acute_beds": ("beds", "background_los", 1.0),
    "discharge": ("discharge", "assessment_complex", 1.0),
    "reablement": ("reablement", "reablement_days", 1.0),
    "home_care": ("home_care", "package_days", 1.0),
    "community_beds": ("community_beds", "community_stay", 1.0),
}


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of an M/M/c/c loss system (stable recursion)."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (offered load a = lambda / mu < c)."""
    if offered_load >= servers:
        return 1.0
    b = erlang_b(servers, offered_load)
    rho = offered_load / servers
    return b / (1.0 - rho + rho * b)


def mmc_mean_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean time in queue of an M/M/c queue, in the units of ``mean_service``."""
    offered = arrival_rate * mean_service
    return erlang_c(servers, offered) * mean_service / (servers - offered)


@dataclass(frozen=True)
class StationRun:
    """What one isolated-station replication measured over its results period."""

    mean_wait: float
    utilisation: float
    blocking: float
    arrivals: int
    little_l: float
    little_lambda_w: float


def run_station(scenario: Scenario, station: str, servers: int, arrival_rate: float,
                results_days: float, warmup_days: float, seed: int) -> StationRun:
    """One replication of a station in isolation: Poisson arrivals at ``arrival_rate`` per day."""
    if station not in STATIONS:
        raise ValueError(f"station must be one of {sorted(STATIONS)}, got {station!r}")
    attribute, duration_attribute, unit = STATIONS[station]
    env = simpy.Environment()
    services = IcpServices(env, scenario, 0, [1] * len(scenario.icps))
    resource = type(getattr(services, attribute))(env, servers, station)
    setattr(services, attribute, resource)
    duration: Duration = getattr(services, duration_attribute)
    arrivals_rng = BufferedStream(stream(seed, "verification/arrivals"))
    service_rng = BufferedStream(stream(seed, "verification/service"))

    def customer(service_days: float):
        if station == "rapid_response":
            request = yield from rapid_response.reach(env, services)
            if request is None:
                return
        else:
            request = resource.request()
            yield request
        yield env.timeout(service_days)
        resource.release(request)

    def source():
        while True:
            yield env.timeout(arrivals_rng.exponential(1.0 / arrival_rate))
            env.process(customer(duration.from_normal(service_rng.normal()) * unit))

    def end_warmup():
        yield env.timeout(warmup_days)
        resource.reset()

    env.process(source())
    env.process(end_warmup())
    env.run(until=warmup_days + results_days)
    resource.close()
    in_station = (resource.busy_area + resource.queue_area) / results_days
    lam = resource.arrivals / results_days
    sojourn = resource.sojourn_total / resource.departures if resource.departures else 0.0
    return StationRun(
        mean_wait=resource.wait_total / resource.grants if resource.grants else math.nan,
        utilisation=resource.busy_area / (servers * results_days),
        blocking=resource.reneged / resource.arrivals if resource.arrivals else math.nan,
        arrivals=resource.arrivals,
        little_l=in_station,
        little_lambda_w=lam * sojourn,
    )


def replicate_station(scenario: Scenario, station: str, servers: int, arrival_rate: float,
                      results_days: float, warmup_days: float, reps: int, seed: int = 1
                      ) -> dict[str, np.ndarray]:
    """``reps`` independent replications (seeds ``seed .. seed+reps-1``), as arrays per measure."""
    runs = [run_station(scenario, station, servers, arrival_rate, results_days, warmup_days, seed + i)
            for i in range(reps)]
    return {field: np.array([getattr(run, field) for run in runs], dtype=float)
            for field in StationRun.__dataclass_fields__}


def little_law_table(model) -> list[dict[str, float | str]]:
    """L (time-average number in the station) against lambda * W for every station of a finished
    full-model run (``DorothyModel.run()``), over the results period."""
    rows: list[dict[str, float | str]] = []
    days = model.results_days
    for services in model.services:
        for station in services.stations():
            if not station.available or station.departures == 0:
                continue
            in_station = (station.busy_area + station.queue_area) / days
            lambda_w = station.arrivals / days * station.sojourn_total / station.departures
            rows.append({
                "station": station.name,
                "L": in_station,
                "lambda_W": lambda_w,
                "relative_error": abs(in_station - lambda_w) / in_station if in_station else 0.0,
            })
    return rows
