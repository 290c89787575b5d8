"""Running a set of replications into a result store, for ``dorothy run`` and ``dorothy sweep`` alike.

A :class:`Runner` loads every run already in the store, runs the missing ones on an executor, and
stores each the moment it finishes. However the runs stop early — Ctrl-C, the wall-clock limit, a
worker killed by the system — it raises one :class:`~dorothy_sim.executors.RunsStopped` whose
message says how many runs finished, where they are kept and how to resume: the command line prints
that message and exits with the stop's own code, never a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tqdm import tqdm

from dorothy_sim.executors import Interrupted, RunsStopped, Task, TimeLimitReached, execute
from dorothy_sim.replication import RunOutput
from dorothy_sim.store import ResultStore

Key = tuple[int, int]  # (configuration, replication)


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
                                       self.deadline):
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


def format_seconds(seconds: float) -> str:
    """``90`` -> ``1 min 30 s``: how a time limit is echoed back to the user."""
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{rest} s" if rest else ""]
    return " ".join(p for p in parts if p) or f"{seconds:g} s"
