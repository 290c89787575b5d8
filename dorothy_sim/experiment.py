"""Replications of one scenario: one seed each, run in parallel, stored as they finish, gathered into
tidy tables.

Replication ``i`` of a run with seed ``s`` uses seed ``s + i``; every random stream inside it is
spawned from that one number (see streams.py), so a replication can be rerun alone
(``--seed s+i --reps 1``) and a table is identical whatever the number of workers.

With an output folder, every finished replication is stored at once (store.py, as a sweep does), so
a run stopped by Ctrl-C, a time limit or a lost worker keeps what finished, and the same command
resumes: it loads the stored replications and runs only the missing ones.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dorothy_sim._version import __version__
from dorothy_sim.analysis import summarise
from dorothy_sim.errors import RunsStopped
from dorothy_sim.executors import Task
from dorothy_sim.replication import (  # re-exported: callers import them from here
    COLUMNS,
    RunOutput,
    queue_table,
    run_one,
    unstable_queues,
)
from dorothy_sim.runner import Key, Runner
from dorothy_sim.scenario import Scenario
from dorothy_sim.store import RUN_STORE_MANIFEST, ResultStore

__all__ = ["COLUMNS", "Results", "RunOutput", "run_one", "run_replications", "simulate"]


@dataclass
class Results:
    """Per-replication KPIs (long), their summary, each replication's conservation ledger, and the
    queues of every station (``still_rising`` flags demand above capacity). ``complete`` is False
    for the replications kept from a run that stopped early; ``loaded`` counts the replications read
    from the output folder's store rather than run (a resumed run)."""

    replications: pd.DataFrame
    summary: pd.DataFrame
    ledgers: list[dict[str, int]]
    queues: pd.DataFrame
    complete: bool = True
    loaded: int = 0
    outputs: dict[Key, RunOutput] = field(default_factory=dict, repr=False)  # for comparisons (compare.py)

    def unstable(self) -> pd.DataFrame:
        """The queues still rising at the end in at least one replication (see :func:`unstable_queues`)."""
        return unstable_queues(self.queues)


def simulate(scenario: Scenario, seed: int, replication: int = 0) -> tuple[pd.DataFrame, dict[str, int]]:
    """Run one replication; returns its long KPI table and its end-of-run ledger."""
    output = run_one(scenario, seed)
    return pd.DataFrame(output.rows(scenario.name, replication), columns=COLUMNS), output.ledger


def run_replications(
    scenario: Scenario,
    reps: int = 5,
    seed: int = 1,
    workers: int | None = None,
    progress: bool = False,
    out: str | Path | None = None,
    dask: str | None = None,
    time_limit_seconds: float | None = None,
) -> Results:
    """Run ``reps`` replications (seeds ``seed .. seed+reps-1``) and summarise them.

    ``workers`` defaults to the number of cores; 1 runs in this process; ``dask`` is a scheduler
    address instead. Results come back in replication order whatever the worker count, so tables
    are identical. With ``out``, each finished replication is stored in ``out/runs`` and a repeat call
    resumes (a folder holding another scenario's or seed's replications has them replaced). A run
    stopped early (Ctrl-C, ``time_limit_seconds`` of wall clock, a lost worker) raises
    :class:`~dorothy_sim.errors.RunsStopped`, whose ``results`` holds the finished replications'
    tables (or None if none finished).
    """
    if reps < 1:
        raise ValueError(f"reps must be at least 1 (got {reps})")
    store = (ResultStore(Path(out), run_manifest(scenario, seed), force=True,
                         manifest_name=RUN_STORE_MANIFEST) if out is not None else None)
    with store if store is not None else nullcontext():
        runner = Runner(lambda key: Task(key, scenario, seed + key[1]), store, workers, dask, progress,
                        scenario.name, time_limit_seconds, unit="replication")
        try:
            runner.run([(0, r) for r in range(reps)])
        except RunsStopped as stopped:
            stopped.results = results_of(scenario, runner.outputs, complete=False) if runner.outputs else None
            raise
        finally:
            runner.close()
    return results_of(scenario, runner.outputs, loaded=runner.loaded)


def run_manifest(scenario: Scenario, seed: int) -> dict[str, Any]:
    """What the stored replications of a ``dorothy run`` belong to: the resolved scenario and the
    first seed (hashed, so a changed scenario or seed is never resumed into)."""
    digest = hashlib.sha256(json.dumps({"scenario": scenario.model_dump(mode="json"), "first_seed": seed},
                                       sort_keys=True, default=str).encode()).hexdigest()[:16]
    return {"kind": "run", "spec_hash": digest, "scenario": scenario.name, "label": scenario.display_name,
            "scenario_hash": scenario_hash(scenario), "first_seed": seed,
            "seed_rule": f"replication r uses seed {seed} + r", "dorothy_sim_version": __version__}


def scenario_hash(scenario: Scenario) -> str:
    """A short hash of the resolved scenario (every parameter but the label, which is only shown):
    what tells two runs' scenarios apart in a folder name and in the refusal to write one run over
    another."""
    return hashlib.sha256(json.dumps(scenario.model_dump(mode="json", exclude={"label"}), sort_keys=True,
                                     default=str).encode()).hexdigest()[:16]


def results_of(scenario: Scenario, outputs: dict[Key, RunOutput], complete: bool = True,
               loaded: int = 0) -> Results:
    """The tables of finished replications, in replication order."""
    keys = sorted(outputs)
    table = pd.DataFrame([row for key in keys for row in outputs[key].rows(scenario.name, key[1])],
                         columns=COLUMNS)
    return Results(replications=table, summary=summarise(table), ledgers=[outputs[k].ledger for k in keys],
                   queues=queue_table(outputs, with_configuration=False), complete=complete, loaded=loaded,
                   outputs={k: outputs[k] for k in keys})
