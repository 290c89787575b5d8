"""Replications: one seed each, run in parallel worker processes, gathered into tidy tables.

Replication ``i`` of a run with seed ``s`` uses seed ``s + i``; every random stream inside it is
spawned from that one number (see streams.py), so a replication can be rerun alone
(``--seed s+i --reps 1``) and a table is identical whatever the number of workers.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from tqdm import tqdm

from dorothy_sim import monitor
from dorothy_sim.analysis import summarise
from dorothy_sim.kpis import UNITS
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.scenario import Scenario

COLUMNS = ["scenario", "replication", "seed", "area", "kpi", "value", "unit"]


@dataclass
class Results:
    """Per-replication KPIs (long), their summary, and each replication's conservation ledger."""

    replications: pd.DataFrame
    summary: pd.DataFrame
    ledgers: list[dict[str, int]]


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunOutput:
        return cls(**data)

    def rows(self, scenario: str, replication: int) -> list[tuple]:
        """Long-table rows in the column order of :data:`COLUMNS`."""
        return [(scenario, replication, self.seed, area, kpi, value, UNITS.get(kpi, ""))
                for area, kpis in self.kpis.items() for kpi, value in kpis.items()]


def run_one(scenario: Scenario, seed: int) -> RunOutput:
    """Run one replication with ``seed`` and return its compact output (the unit of work everywhere)."""
    started = time.perf_counter()
    model = DorothyModel(scenario, seed).run()
    return RunOutput(
        seed=seed,
        results_days=float(scenario.run.results_days),
        kpis=monitor.collect(model),
        ledger=monitor.ledger(model),
        daily_occupancy_pct=monitor.daily_occupancy_pct(model),
        elapsed_seconds=time.perf_counter() - started,
    )


def simulate(scenario: Scenario, seed: int, replication: int = 0) -> tuple[pd.DataFrame, dict[str, int]]:
    """Run one replication; returns its long KPI table and its end-of-run ledger."""
    output = run_one(scenario, seed)
    return pd.DataFrame(output.rows(scenario.name, replication), columns=COLUMNS), output.ledger


def _simulate_task(args: tuple[Scenario, int, int]) -> tuple[pd.DataFrame, dict[str, int]]:
    scenario, seed, replication = args
    return simulate(scenario, seed, replication)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run_replications(
    scenario: Scenario,
    reps: int = 5,
    seed: int = 1,
    workers: int | None = None,
    progress: bool = False,
) -> Results:
    """Run ``reps`` replications (seeds ``seed .. seed+reps-1``) and summarise them.

    ``workers`` defaults to the number of cores; 1 runs in this process. Results come back in
    replication order whatever the worker count, so tables are identical.
    """
    if reps < 1:
        raise ValueError(f"reps must be at least 1 (got {reps})")
    workers = default_workers() if workers is None else max(1, workers)
    tasks = [(scenario, seed + i, i) for i in range(reps)]
    outputs: list[tuple[pd.DataFrame, dict[str, int]]] = []
    bar = tqdm(total=reps, desc=f"{scenario.name}", unit="rep", disable=not progress, leave=False)
    if workers == 1 or reps == 1:
        for task in tasks:
            outputs.append(_simulate_task(task))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=min(workers, reps)) as pool:
            for output in pool.map(_simulate_task, tasks, chunksize=1):
                outputs.append(output)
                bar.update()
    bar.close()
    table = pd.concat([o[0] for o in outputs], ignore_index=True)
    return Results(replications=table, summary=summarise(table), ledgers=[o[1] for o in outputs])
