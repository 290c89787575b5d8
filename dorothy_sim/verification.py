"""Verification: run capacity stations of the model on their own and compare them with queueing theory.

Why: a model that commissioners act on must show it computes what it claims. Any capacity station
can be isolated here with Poisson arrivals and the station's own service-time distribution taken
from the scenario (set ``exponential = true`` on it for an M/M/c queue), with infinite patience and
no other routing. Rapid response goes through the same ``reach()`` logic the full model uses, so
its shift and response window are tested too: with a 0–24 shift and an infinite window it is
M/M/c (Erlang C); with a zero window it is a loss system (Erlang B).

Everything runs on the model's own event loop (:mod:`dorothy_sim.model.engine`) and stations, the
way the model drives them: arrivals are a chain of timed calls, a customer of a plain station is a
few callbacks (request; start the service at once if granted on the spot, else when granted;
release when done), and only rapid response, whose ``reach()`` is a generator, is a :class:`Lean`
process. :func:`run_network` chains stations in series (a tandem) and takes its inter-arrival and
service times as given arrays, so the benchmarks (benchmarks/anchors.py) can feed SimPy, ciw and
this engine the very same customers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dorothy_sim.model import rapid_response
from dorothy_sim.model.engine import Environment, Lean
from dorothy_sim.model.services import IcpServices
from dorothy_sim.model.stations import Request, Station
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
    env = Environment()
    services = IcpServices(env, scenario, 0, [1] * len(scenario.icps))
    resource = type(getattr(services, attribute))(env, servers, station)
    setattr(services, attribute, resource)
    duration: Duration = getattr(services, duration_attribute)
    arrivals_rng = BufferedStream(stream(seed, "verification/arrivals"))
    service_rng = BufferedStream(stream(seed, "verification/service"))
    mean_gap = 1.0 / arrival_rate
    if station == "rapid_response":
        enter = _rapid_response_customer(env, services)
    else:
        enter = _plain_station_customer(env, resource)

    def arrive(_: object) -> None:
        enter(duration.from_normal(service_rng.normal()) * unit)
        env.call_later(arrivals_rng.exponential(mean_gap), arrive)

    env.call_later(arrivals_rng.exponential(mean_gap), arrive)
    env.call_at(warmup_days, _reset, resource)
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


def _reset(station: Station) -> None:
    station.reset()


def _plain_station_customer(env: Environment, station: Station) -> Callable[[float], None]:
    """A customer of a plain station: a one-stage tandem (:func:`_tandem_stage`), callbacks only,
    with each customer's service time recorded as it arrives."""
    service_days: list[float] = []
    stage = _tandem_stage(env, station, service_days, None)

    def enter(days: float) -> None:
        service_days.append(days)
        stage(len(service_days) - 1)

    return enter


def _rapid_response_customer(env: Environment, services: IcpServices) -> Callable[[float], None]:
    """A rapid-response referral: a Lean process, because ``reach()`` (shift, response window,
    reneging) is the model's own generator and must be tested as the model runs it."""

    def customer(service_days: float):
        request = yield from rapid_response.reach(env, services)
        if request is None:
            return
        yield service_days
        services.rr.release(request)

    def enter(service_days: float) -> None:
        Lean(env, customer(service_days))

    return enter


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


# --------------------------------------------------------------------------- tandem networks


@dataclass(frozen=True)
class NetworkStage:
    """What one stage of a tandem network measured (see :func:`run_network`).

    ``engine_events`` is the number of entries the whole run put on the event heap (timed calls
    and SimPy events together), the same on every stage: a cost measure, for benchmarks.
    """

    servers: int
    mean_wait: float
    utilisation: float
    served: int
    mean_queue_length: float
    engine_events: int


def run_network(servers: list[int], interarrival_days: Sequence[float],
                service_days: Sequence[Sequence[float]], warmup_days: float = 0.0) -> list[NetworkStage]:
    """Customers through FIFO stations in series (a tandem), with given inter-arrival and service times.

    Why given times and not distributions: the benchmarks (benchmarks/anchors.py) feed this engine,
    SimPy and ciw the very same customers, so their mean waits must agree to rounding, and the
    tests can check a hand-worked case exactly. With exponential times it is a Jackson network:
    by Burke's theorem every stage is an M/M/c queue with the same arrival rate (Erlang C per
    stage); one stage is a plain M/M/c.

    Customer ``i`` arrives ``interarrival_days[i]`` after customer ``i - 1`` (the first after
    ``interarrival_days[0]``), asks each stage ``k`` in turn for a server, holds it
    ``service_days[k][i]`` and goes on to the next stage at the same instant. Each stage is a model
    :class:`~dorothy_sim.model.stations.Station` driven by callbacks only: no process, and no event
    at all for a customer granted a server on the spot. The run goes on until every customer has
    left; statistics are reset at ``warmup_days``, so ``mean_wait`` is over the customers granted a
    server after it and ``utilisation`` is busy time over servers x (last departure - warm-up).
    """
    gaps = np.asarray(interarrival_days, dtype=float).tolist()
    times = [np.asarray(stage, dtype=float).tolist() for stage in service_days]
    if len(times) != len(servers):
        raise ValueError(f"service_days has {len(times)} stages but servers has {len(servers)}")
    if any(len(stage) != len(gaps) for stage in times):
        raise ValueError(f"every stage needs one service time per customer ({len(gaps)})")
    if any(count < 1 for count in servers):
        raise ValueError(f"every stage needs at least one server, got {servers}")
    env = Environment()
    stations = [Station(env, count, f"stage {k}") for k, count in enumerate(servers)]
    onward: Callable[[int], None] | None = None
    for station, stage_times in zip(reversed(stations), reversed(times), strict=True):
        onward = _tandem_stage(env, station, stage_times, onward)
    assert onward is not None
    first = onward
    count = len(gaps)
    call_later = env.call_later

    def arrive(i: int) -> None:
        first(i)
        i += 1
        if i < count:
            call_later(gaps[i], arrive, i)

    if count:
        call_later(gaps[0], arrive, 0)
    if warmup_days > 0.0:
        for station in stations:
            env.call_at(warmup_days, _reset, station)
    env.run()
    events = env._eids
    span = env.now - warmup_days
    stages = []
    for station in stations:
        station.close()
        stages.append(NetworkStage(
            servers=station.capacity,
            mean_wait=station.wait_total / station.grants if station.grants else math.nan,
            utilisation=station.busy_area / (station.capacity * span) if span > 0 else math.nan,
            served=station.departures,
            mean_queue_length=station.queue_area / span if span > 0 else math.nan,
            engine_events=events,
        ))
    return stages


def _tandem_stage(env: Environment, station: Station, times: list[float],
                  onward: Callable[[int], None] | None) -> Callable[[int], None]:
    """``enter(i)``: customer ``i`` asks ``station`` for a server, holds it ``times[i]``, releases
    it and enters the next stage (``onward``), or leaves if this is the last."""
    request, release, call_later = station.request, station.release, env.call_later

    def finish(visit: tuple[Request, int]) -> None:  # (the request held, the customer)
        release(visit[0])
        if onward is not None:
            onward(visit[1])

    def enter(i: int) -> None:
        held = request()
        if held.callbacks is None:  # granted on the spot
            call_later(times[i], finish, (held, i))
        else:
            held.callbacks.append(lambda granted: call_later(times[i], finish, (granted, i)))

    return enter
