"""Running a set of replications into a result store, for ``dorothy run`` and ``dorothy sweep`` alike.

A :class:`Runner` loads every run already in the store, runs the missing ones on an executor, and
stores each the moment it finishes. However the runs stop early — Ctrl-C, the wall-clock limit, a
worker killed by the system — it raises one :class:`~dorothy_sim.errors.RunsStopped` whose
message says how many runs finished, where they are kept and how to resume: the command line prints
that message and exits with the stop's own code, never a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tqdm import tqdm

from dorothy_sim import replication
from dorothy_sim.errors import Interrupted, RunsStopped, TimeLimitReached
from dorothy_sim.executors import Task, Work, execute
from dorothy_sim.formatting import format_seconds
from dorothy_sim.model.model import settle_worker_process
from dorothy_sim.replication import RunOutput
from dorothy_sim.store import ResultStore, forget_inherited_locks

Key = tuple[int, int]  # (configuration, replication)


def start_worker() -> None:
    """Ready a worker process (pool or Dask) for replications: it must not hold the result folder's
    lock it inherited (:func:`store.forget_inherited_locks`), and its imports, with what it inherited
    from the parent, are frozen out of the garbage collector's walks (:func:`model.settle_worker_process`)."""
    forget_inherited_locks()
    settle_worker_process()


def replications() -> Work:
    """A replication as the executors run it: whole (:func:`replication.run_one`), or as its ICP
    groups (:func:`replication.icp_groups`), each run by :func:`replication.run_part` and put back
    together by :func:`replication.assemble`; each worker readied by :func:`start_worker`. The
    functions are read from :mod:`dorothy_sim.replication` at each call."""
    return Work(run=replication.run_one, parts=replication.icp_groups, run_part=replication.run_part,
                assemble=replication.assemble, initializer=start_worker)


class Runner:
    """Runs the missing keys, loading the stored ones first. ``task_of(key)`` says what to run."""

    def __init__(self, task_of: Callable[[Key], Task], store: ResultStore | None, workers: int | None,
                 dask: str | None, progress: bool, description: str,
                 time_limit_seconds: float | None = None, unit: str = "run") -> None:
        self.task_of, self.store, self.workers, self.dask = task_of, store, workers, dask
        self.outputs: dict[Key, RunOutput] = {}
        self.loaded = 0  # outputs read from the store, not run here
        self.unit = unit
        self.bar = tqdm(total=0, desc=description, unit=unit, disable=not progress, dynamic_ncols=True,
                        smoothing=0.1)
        self.done_here = 0
        self.started = time.perf_counter()
        self.deadline = None if time_limit_seconds is None else time.monotonic() + time_limit_seconds
        self.time_limit_seconds = time_limit_seconds

    def run(self, keys: list[Key]) -> None:
        """Make sure every key in ``keys`` has an output (stored, or run now)."""
        todo = []
        for key in keys:
            if key in self.outputs:
                continue
            stored = self.store.load(*key) if self.store is not None else None
            if stored is not None:
                self.outputs[key] = stored
                self.loaded += 1
            else:
                todo.append(key)
        self.bar.total = len(self.outputs) + len(todo)
        self.bar.n = len(self.outputs)
        self.bar.refresh()
        try:
            for key, output in execute([self.task_of(key) for key in todo], self.workers, self.dask,
                                       self.deadline, work=replications()):
                if self.store is not None:
                    self.store.save(*key, output)
                self.outputs[key] = output
                self._tick()
        except KeyboardInterrupt:
            raise self._stopped(Interrupted, "interrupted") from None
        except TimeLimitReached:
            limit = format_seconds(self.time_limit_seconds or 0.0)
            raise self._stopped(TimeLimitReached, f"stopped at the time limit ({limit})") from None
        except RunsStopped as exc:
            raise self._stopped(type(exc), f"stopped: {exc}") from None

    def _stopped(self, kind: type[RunsStopped], reason: str) -> RunsStopped:
        self.bar.close()
        total = self.bar.total
        units = f"{self.unit}s" if total != 1 else self.unit
        if self.store is not None:
            where = f"stored in '{self.store.folder}'; run the same command again to resume"
        else:
            where = "not stored (no output folder was given)"
        return kind(f"{reason}: {len(self.outputs)} of {total} {units} finished and are {where}")

    def _tick(self) -> None:
        self.done_here += 1
        minutes = (time.perf_counter() - self.started) / 60.0
        self.bar.set_postfix_str(f"{self.done_here / minutes:.1f} {self.unit}s/min" if minutes > 0 else "",
                                 refresh=False)
        self.bar.update()

    def close(self) -> None:
        self.bar.close()

