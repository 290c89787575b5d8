"""One replication: run a scenario with a seed and return its compact output.

This is the unit of work everywhere — in this process, in a local worker pool, on a Dask cluster —
and what the result store keeps, one file per run. Why a module of its own: the executors, the
store and the runner all build on it, and the experiment and sweep modules build on them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from dorothy_sim import monitor
from dorothy_sim.kpis import UNITS
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.registry import QUEUES
from dorothy_sim.scenario import Scenario

COLUMNS = ["scenario", "replication", "seed", "area", "kpi", "value", "unit"]
QUEUE_COLUMNS = ["replication", "seed", "area", "queue", "queue_start", "queue_end", "queue_max", "arrivals",
                 "external_arrivals", "still_rising"]


@dataclass
class RunOutput:
    """What one replication sends back from a worker: small, picklable and JSON-serialisable.

    Why compact: a sweep ships thousands of these between processes (or across a Dask cluster) and
    stores each as one file, so it holds only numbers, never the model.
    """

    seed: int
    results_days: float
    kpis: dict[str, dict[str, float]]  # area -> KPI name -> value
    ledger: dict[str, int]
    daily_occupancy_pct: dict[str, list[float]]  # area -> one value a day of the results period
    elapsed_seconds: float = 0.0
    queues: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # ICP -> queue -> stats
    costs: dict[str, Any] = field(default_factory=dict)  # the scenario's [costs], for the comparisons

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunOutput:
        return cls(**data)

    def rows(self, scenario: str, replication: int) -> list[tuple]:
        """Long-table rows in the column order of :data:`COLUMNS`."""
        return [(scenario, replication, self.seed, area, kpi, value, UNITS.get(kpi, ""))
                for area, kpis in self.kpis.items() for kpi, value in kpis.items()]

    def queue_rows(self, replication: int) -> list[tuple]:
        """Rows of the queues table in the column order of :data:`QUEUE_COLUMNS`."""
        return [(replication, self.seed, area, queue, stats["queue_start"], stats["queue_end"],
                 stats["queue_max"], stats["arrivals"], stats.get("external_arrivals", 0.0),
                 bool(stats["still_rising"]))
                for area, queues in self.queues.items() for queue, stats in queues.items()]


MAX_PARTS = 4
"""A replication runs as at most this many parts, each simulating some of its ICPs: one ICP each in
Kent and Medway. Why parts: the ICPs share no people, services or streams, so parts give the whole
run's output to the last bit, they spread one replication over several workers, and run one after
another they cost less CPU than the whole model (smaller event heaps and working sets; a median
0.967 of it in 8 concurrent rounds here, benchmarks/RESULTS.md). Why at most four: each part starts
with a full garbage collection and builds its own ICPs' people (0.015–0.022 s together in a pool or
Dask worker, whose imports are frozen; more in a modeller's own process, which is not), which an area
of many ICPs would otherwise pay many times over."""


def run_one(scenario: Scenario, seed: int) -> RunOutput:
    """Run one replication with ``seed`` and return its compact output (the unit of work everywhere):
    its parts (:func:`icp_groups`) one after another, put together."""
    return assemble(scenario, seed, [run_part(scenario, seed, group) for group in icp_groups(scenario)])


def icp_groups(scenario: Scenario, count: int = MAX_PARTS) -> list[tuple[int, ...]]:
    """The scenario's ICPs (indices) in at most ``count`` groups of about equal work, the run time
    going with the registered population: largest ICP first into the lightest group; the heaviest
    group first, so that a worker given the parts in turn finishes the long ones first."""
    populations = [icp.registered_population for icp in scenario.icps.values()]
    count = max(1, min(count, len(populations)))
    groups: list[list[int]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for index in sorted(range(len(populations)), key=lambda i: (-populations[i], i)):
        lightest = loads.index(min(loads))
        groups[lightest].append(index)
        loads[lightest] += populations[index]
    ordered = sorted(range(count), key=lambda g: (-loads[g], g))
    return [tuple(sorted(groups[g])) for g in ordered if groups[g]]


@dataclass
class PartOutput:
    """Some of a replication's ICPs, run on their own (:func:`run_part`)."""

    part: monitor.Part
    elapsed_seconds: float


def run_part(scenario: Scenario, seed: int, icps: Sequence[int] | None = None) -> PartOutput:
    """Simulate only the ICPs ``icps`` (indices in the scenario's order; all if None) of the
    replication with ``seed``.

    Why this is exact: the ICPs share no people, services or random streams (each draws from streams
    named after it; see model/cohort.py), so each simulates the same whether it runs alone or with the
    others, and :func:`assemble` puts the parts back together to the last bit. One replication can so
    run on several cores at once (:mod:`dorothy_sim.executors` sends each part to a worker).
    """
    started = time.perf_counter()
    model = DorothyModel(scenario, seed, icps).run()
    return PartOutput(monitor.part(model), time.perf_counter() - started)


def assemble(scenario: Scenario, seed: int, parts: list[PartOutput]) -> RunOutput:
    """One replication's output from parts that simulated each of its ICPs once. Its
    ``elapsed_seconds`` is the parts' run time added up: the work, not the wall time, of the run."""
    kpis, ledger, occupancy, queues = monitor.assemble([piece.part for piece in parts], scenario)
    return RunOutput(
        seed=seed,
        results_days=float(scenario.run.results_days),
        kpis=kpis,
        ledger=ledger,
        daily_occupancy_pct=occupancy,
        elapsed_seconds=sum(piece.elapsed_seconds for piece in parts),
        queues=queues,
        costs=scenario.costs.model_dump(mode="json"),
    )


def queue_table(outputs: dict[tuple[int, int], RunOutput], with_configuration: bool) -> pd.DataFrame:
    """Every run's queues, one row per run, area and queue, sorted by key; ``still_rising`` flags a
    queue that grew without bound (demand above capacity; see :func:`monitor.still_rising`)."""
    columns = ["configuration", *QUEUE_COLUMNS] if with_configuration else QUEUE_COLUMNS
    rows = [((configuration,) if with_configuration else ()) + row
            for configuration, replication in sorted(outputs)
            for row in outputs[(configuration, replication)].queue_rows(replication)]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({"still_rising": bool})


def unstable_queues(table: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """The queues flagged ``still_rising`` in at least one replication: how many replications, out of
    how many, and the mean length at the end — what a warning or a headline column reports."""
    keys = [*(by or []), "area", "queue"]
    if table.empty:
        return pd.DataFrame(columns=[*keys, "rising_in", "replications", "queue_end_mean"])
    grouped = table.groupby(keys, sort=False)
    summary = pd.DataFrame({"rising_in": grouped["still_rising"].sum().astype(int),
                            "replications": grouped.size(),
                            "queue_end_mean": grouped["queue_end"].mean()}).reset_index()
    order = {name: i for i, name in enumerate(QUEUES)}
    summary = summary[summary["rising_in"] > 0]
    return summary.sort_values([*(by or []), "area", "queue"], kind="stable",
                               key=lambda s: s.map(order) if s.name == "queue" else s).reset_index(drop=True)
