"""Starting from a given state, and arrivals from outside the cohort, at any station.

    [start.<station>]   places held at clock 0 ──► each for the rest of a stay (the residual), then free
                        people waiting at clock 0 ─► served first come first served, each for a stay
    [[arrivals]]        Poisson arrivals, a rate each day ─► a place for a stay (or a wait for one)

Everyone here is *external*: a place held, not a member of the cohort. They use the station as any
other user does (its utilisation, queue length, waits and the queues table count them), and nothing
else: no crises, person-time, admissions or costs of the cohort. Why a station's handler and no
process: such a stay needs no decisions, the same as an admission from outside the cohort
(:meth:`~dorothy_sim.model.stations.Station.stay_from_source`; :func:`hold` is that timed call,
counting who holds a place).

Residual stays. Someone found in a place at a random instant is in a stay picked in proportion to
its length (the length-biased distribution, density ``x f(x) / E[S]``), and the instant falls
uniformly within it, so the time left is ``U * T`` with ``T`` length-biased: mean
``E[S^2] / (2 E[S])``, which is ``mean * (1 + cv^2) / 2`` for a lognormal. For a lognormal
``(mu, sigma)`` the length-biased ``T`` is the lognormal ``(mu + sigma^2, sigma)``; for an
exponential the time left is the stay itself (no memory); for a fixed stay ``U * mean``. A stay
with a ``max`` is cut there after the length-biased draw (an approximation: the cut stay's own
length bias is not drawn).

Randomness: named streams per ICP and station (``start/<icp>/<station>``,
``external/<icp>/<station>/<k>`` for its k-th stream), so adding any of this leaves every other
draw of the run as it was. Configured nothing, :func:`begin` returns at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from dorothy_sim.errors import ScenarioError
from dorothy_sim.floats import sum_left_to_right
from dorothy_sim.model.services import capacities
from dorothy_sim.model.stations import Station
from dorothy_sim.model.week import DAYS_A_WEEK, Week
from dorothy_sim.registry import SERVICES
from dorothy_sim.scenario import Scenario, apportion
from dorothy_sim.scenario.start_state import Arrivals, Counts, StationStart, station_stay
from dorothy_sim.streams import BufferedStream, Duration, stream

if TYPE_CHECKING:
    from dorothy_sim.model.model import DorothyModel
    from dorothy_sim.model.services import IcpServices

CHUNK_DAYS = 28
"""Days of arrivals drawn at once (numpy), as the other sources draw chunks."""


class Usage:
    """External people at one ICP's station: arrivals in the results period, and how many hold a
    place now (which the end-of-run ledger leaves out of its count of the cohort in community beds)."""

    __slots__ = ("arrivals", "in_place")

    def __init__(self) -> None:
        self.arrivals = 0
        self.in_place = 0


def hold(env, station: Station, days: float, usage: Usage) -> None:
    """A place for ``days`` from when it is granted (now, or after waiting first come first served),
    then free. Why not ``Station.stay_from_source`` as it stands: the same timed call, but counting
    who holds a place, so the ledger's conservation check still counts the cohort alone."""
    request = station.request()

    def leave(granted) -> None:
        usage.in_place -= 1
        station.release(granted)

    def begin_stay(_granted=None) -> None:
        usage.in_place += 1
        env.call_later(days, leave, request)

    if request.callbacks is None:  # a free place: in at once
        begin_stay()
    else:
        request.callbacks.append(begin_stay)


def residual(stay: Duration, u: float, z: float) -> float:
    """The time left of a stay in progress at a random instant (the module's docstring), from a
    uniform ``u`` and a standard normal ``z``."""
    if stay.fixed:
        return u * min(stay.mean, stay.max)
    if stay.exponential:
        return stay.from_normal(z)
    return u * stay.length_biased(z)


def begin(model: DorothyModel) -> None:
    """Put the start state in place and start the arrival streams, for every ICP the model
    simulates (clock time 0, before the run)."""
    scenario = model.scenario
    if not scenario.start and not scenario.arrivals:
        return
    sizes = model.cohort.icp_sizes
    for name, spec in scenario.start.items():
        weights = icp_weights(scenario, name, sizes)
        for index in model.icps:
            counts = _counts_at(scenario, spec, weights, index)
            _fill(model, model.services[index], name, spec, counts)
    streams_at: dict[str, int] = {}
    for spec in scenario.arrivals:
        number = streams_at[spec.station] = streams_at.get(spec.station, 0) + 1
        weights = icp_weights(scenario, spec.station, sizes)
        total = sum_left_to_right(weights)
        for index in model.icps:
            icp = list(scenario.icps)[index]
            share = (1.0 if spec.icp == icp else 0.0) if spec.icp is not None else weights[index] / total
            rates = daily_rates(scenario, spec, model.horizon) * share
            if rates.any():
                _start_arrivals(model, model.services[index], spec, rates, number)


def icp_weights(scenario: Scenario, name: str, sizes: list[int]) -> list[float]:
    """How an area total at a station is shared between ICPs: in proportion to the station's places
    in each ICP (acute beds: each trust's; a shared capacity: as the scenario shares it), or to
    cohort sizes for a station whose capacity the scenario does not give as one figure."""
    if name == "acute_beds":
        return [float(icp.acute_beds) for icp in scenario.icps.values()]
    service = next(s for s in SERVICES if s.name == name)
    if service.capacity is not None and service.shared:
        places = capacities(scenario, service.section, service.capacity, sizes)
        if sum(places) > 0:
            return [float(p) for p in places]
    return [float(size) for size in sizes]


def _counts_at(scenario: Scenario, spec: StationStart, weights: list[float], index: int) -> Counts:
    if spec.by_icp is not None:
        return spec.by_icp.get(list(scenario.icps)[index], Counts())
    return Counts(occupied=apportion(spec.occupied, weights)[index],
                  waiting=apportion(spec.waiting, weights)[index])


def usage_of(model: DorothyModel, index: int, name: str) -> Usage:
    return model.external.setdefault((index, name), Usage())


def _station(services: IcpServices, name: str):
    return dict(services.queues())[name]


def _stay(scenario: Scenario, name: str, given) -> Duration | None:
    spec = given if given is not None else station_stay(scenario, name)
    return Duration(spec) if spec is not None else None


def _fill(model: DorothyModel, services: IcpServices, name: str, spec: StationStart, counts: Counts) -> None:
    """Places held for residual stays, then people waiting, in one ICP's station at clock 0."""
    if not counts.occupied and not counts.waiting:
        return
    station = _station(services, name)
    field = f"start.{name}" + (f".by_icp.{services.name}" if spec.by_icp is not None else "")
    if not isinstance(station, Station):  # placements (care homes): people wait for one
        for _ in range(counts.waiting):
            station.request()
        return
    if counts.occupied > station.nominal_capacity:
        raise ScenarioError(
            f"{field}.occupied: {counts.occupied} places occupied in {services.name}, whose {name} station "
            f"has {station.nominal_capacity} places", fields=(f"{field}.occupied",))
    if counts.waiting and not station.available:
        raise ScenarioError(
            f"{field}.waiting: {counts.waiting} people waiting in {services.name}, whose {name} station has "
            "no capacity: they would wait for ever", fields=(f"{field}.waiting",))
    stay = _stay(model.scenario, name, spec.stay_days)
    rng = BufferedStream(stream(model.seed, f"start/{services.name}/{name}"))
    env, usage = model.env, usage_of(model, services.index, name)
    for _ in range(counts.occupied):
        u = rng.uniform()
        hold(env, station, residual(stay, u, rng.normal()), usage)
    for _ in range(counts.waiting):
        hold(env, station, stay.from_normal(rng.normal()), usage)


def daily_rates(scenario: Scenario, spec: Arrivals, horizon: float) -> np.ndarray:
    """The mean arrivals on each clock day of the run, for the whole area: the table's rate on its
    dates, else ``per_day``, times the day's weekday weight (the profile scaled to a mean of 1)."""
    days = math.ceil(horizon)
    rates = np.full(days, spec.per_day, dtype=float)
    if spec.rates:
        first = scenario.start_date - dt.timedelta(days=math.floor(scenario.run.warmup_days))
        for when, rate in spec.rates:
            day = (when - first).days
            if 0 <= day < days:
                rates[day] = rate
    if spec.weekday_profile is not None:
        profile = np.asarray(spec.weekday_profile, dtype=float)
        profile = profile / profile.mean()
        run = scenario.run
        first_weekday = Week(run.start_weekday, run.warmup_days).first
        rates *= profile[(first_weekday + np.arange(days)) % DAYS_A_WEEK]
    return rates


def arrival_chunks(rng: np.random.Generator, rates: np.ndarray, stay: Duration | None
                   ) -> Iterator[tuple[list[float], list[float]]]:
    """Chunks of (arrival times, stays): a Poisson number on each clock day at that day's rate,
    each at a uniform time within the day (exact for a rate constant through each day)."""
    for start in range(0, rates.size, CHUNK_DAYS):
        counts = rng.poisson(rates[start:start + CHUNK_DAYS])
        days = np.repeat(np.arange(start, start + counts.size, dtype=float), counts)
        times = np.sort(days + rng.random(days.size))
        stays = (stay.from_normals(rng.standard_normal(times.size)) if stay is not None
                 else np.zeros(times.size))
        yield times.tolist(), stays.tolist()


def _start_arrivals(model: DorothyModel, services: IcpServices, spec: Arrivals, rates: np.ndarray,
                    number: int) -> None:
    name = spec.station
    station = _station(services, name)
    rng = stream(model.seed, f"external/{services.name}/{name}/{number}")
    env, warmup, usage = model.env, model.warmup, usage_of(model, services.index, name)
    if isinstance(station, Station):
        if not station.available:
            raise ScenarioError(
                f"arrivals: {name} has no capacity in {services.name}, so no arrival there could be "
                "served; give it capacity, or send the arrivals to another ICP (icp)", fields=("arrivals",))

        def arrive(chunk: tuple, row: int) -> None:
            if env.now >= warmup:
                usage.arrivals += 1
            hold(env, station, chunk[1][row], usage)
    else:
        def arrive(chunk: tuple, row: int) -> None:
            if env.now >= warmup:
                usage.arrivals += 1
            station.request()  # a placement, when one is offered
    model.env.add_source(arrival_chunks(rng, rates, _stay(model.scenario, name, spec.stay_days)), arrive)
