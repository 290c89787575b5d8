"""Where replications run: in this process, in a local process pool, or on a Dask cluster.

Every executor takes the same tasks and yields ``(key, output)`` as runs finish, in whatever order
they finish. Callers store each output under its key and assemble tables sorted by key, so results are
identical whatever the executor and the number of workers: a run's numbers depend only on its scenario
and seed.

Why the results are yielded one at a time: the caller writes each to the result store at once, so a
sweep stopped at any moment (Ctrl-C, SIGKILL, a cluster failure) keeps every run that had finished.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dorothy_sim.errors import TimeLimitReached, UserError, WorkerLost

if TYPE_CHECKING:
    from dorothy_sim.scenario import Scenario


def _nothing() -> None:
    pass


START_METHOD_VARIABLE = "DOROTHY_START_METHOD"
"""The environment variable that chooses how pool workers start: ``fork``, ``forkserver`` or
``spawn``."""

START_METHODS = ("fork", "forkserver", "spawn")


def start_method() -> str:
    """How pool workers start: ``fork`` where the platform has it (Linux, macOS), else ``spawn``
    (Windows); the environment variable :data:`START_METHOD_VARIABLE` chooses any of
    :data:`START_METHODS` the platform has. A threaded server (the what-if page) uses ``forkserver``:
    a process forked from one with threads may inherit a lock another thread held, while the fork
    server is a single-threaded process, started once, that has imported the package already
    (:func:`pool_context`), so its workers still start at once.

    Why fork by default, named rather than left to Python's default (forkserver from Python 3.14 on
    Linux, spawn on macOS): a forked worker starts with the imports already done and frozen out of
    its collector's walks (:func:`_start_worker`), so the first run starts at once. Under spawn each
    worker imports the package itself (about a second) and then runs the same replications: every
    task and result crosses the pipe pickled either way, so the tables are identical."""
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    available = multiprocessing.get_all_start_methods()
    if chosen:
        if chosen not in START_METHODS or chosen not in available:
            offered = ", ".join(method for method in START_METHODS if method in available)
            raise UserError(f"{START_METHOD_VARIABLE}={chosen!r}: give {offered} (what this platform has)")
        return chosen
    return "fork" if "fork" in available else "spawn"


def pool_context():
    """The multiprocessing context of :func:`start_method`; a fork server imports the package before
    it forks any worker."""
    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["dorothy_sim"])
    return context


@dataclass(frozen=True)
class Work:
    """What a replication is and how a worker gets ready for one, given by the caller.

    Why given: this module knows how to spread runs over processes and stop them, not what a run
    is, so it imports nothing of the model or of the result store. A replication runs whole with
    ``run(scenario, seed)`` in this process; elsewhere as the pieces ``parts(scenario)`` (groups of
    ICP indices), each run by ``run_part(scenario, seed, icps)`` and put back together by
    ``assemble(scenario, seed, part_outputs)``. ``initializer()`` runs once in each worker process
    (pool or Dask) before its first piece. Each must be picklable (a module-level function) for Dask.
    """

    run: Callable[[Scenario, int], Any]
    parts: Callable[[Scenario], list[tuple[int, ...]]]
    run_part: Callable[[Scenario, int, tuple[int, ...]], Any]
    assemble: Callable[[Scenario, int, list[Any]], Any]
    initializer: Callable[[], None] = _nothing


@dataclass(frozen=True)
class Task:
    """One replication to run: a key that names it (e.g. ``(configuration, replication)``)."""

    key: Hashable
    scenario: Scenario
    seed: int


def default_workers() -> int:
    """Local worker processes when none are asked for: one a core, at most eight."""
    return max(1, min(os.cpu_count() or 1, 8))


def execute(tasks: list[Task], workers: int | None = None, dask_address: str | None = None,
            deadline: float | None = None, *, work: Work) -> Iterator[tuple[Hashable, Any]]:
    """Run ``tasks`` as ``work`` says and yield ``(task.key, output)`` as each finishes.

    ``dask_address`` (``tcp://host:port``) sends them to an existing Dask distributed scheduler;
    otherwise ``workers`` local processes (default: the number of cores), or this process if 1.
    ``deadline`` (a :func:`time.monotonic` time) raises :class:`TimeLimitReached` when it passes,
    even in the middle of a run; a worker that dies raises :class:`WorkerLost`. Closing the
    generator early (an interrupt) cancels the runs not yet started.
    """
    if not tasks:
        return
    if dask_address is not None:
        yield from _execute_dask(tasks, work, dask_address, deadline)
        return
    workers = default_workers() if workers is None else max(1, workers)
    pieces = split(tasks, work)
    if workers == 1 or len(pieces) == 1:
        for task in tasks:
            with _alarm_at(deadline):
                output = work.run(task.scenario, task.seed)
            yield task.key, output
        return
    yield from _execute_pool(pieces, work, min(workers, len(pieces)), deadline)


@dataclass(frozen=True)
class Piece:
    """What one worker runs: some of a replication's ICPs, one of ``parts`` pieces that together
    simulate each of its ICPs once (:attr:`Work.run_part`)."""

    task: Task
    icps: tuple[int, ...]
    parts: int


def split(tasks: list[Task], work: Work) -> list[Piece]:
    """Every replication as its parts (:attr:`Work.parts`: one per ICP in Kent and Medway), the
    largest first, the parts of a replication one after another.

    Why: parts keep every worker busy to the end of a batch (one replication on two workers takes
    about half a run's time; a batch's last round does not wait for its slowest whole run), and
    they cost less CPU than the whole run they make up (benchmarks/RESULTS.md). Kept together, a
    replication's parts finish close together, so little is held back or lost to an interrupt.
    """
    pieces = []
    for task in tasks:
        groups = work.parts(task.scenario)
        pieces.extend(Piece(task, group, len(groups)) for group in groups)
    return pieces


def _arrive(arrived: dict[Hashable, list[Any]], piece: Piece, output: Any, work: Work) -> Any | None:
    """Keep a finished piece in ``arrived``; once its replication's last piece is in, the
    replication put together (and its pieces let go). For the pool and Dask alike."""
    parts = arrived.setdefault(piece.task.key, [])
    parts.append(output)
    if len(parts) < piece.parts:
        return None
    del arrived[piece.task.key]
    return work.assemble(piece.task.scenario, piece.task.seed, parts)


ALARM_RETRY_SECONDS = 0.1
"""How soon the time limit's alarm repeats if its exception was lost in a finalizer (:func:`_alarm_at`)."""


def _time_limit_reached() -> TimeLimitReached:
    return TimeLimitReached("the time limit was reached")


@contextlib.contextmanager
def _alarm_at(deadline: float | None) -> Iterator[None]:
    """Stop a run in this process when ``deadline`` passes: a SIGALRM handler raises
    :class:`TimeLimitReached` wherever the run is (Python runs signal handlers between bytecodes),
    so one long replication cannot overrun the limit. Needs the main thread, as signals do; in
    another thread the limit is checked between runs only.

    The alarm repeats until the run has stopped: an exception raised in a finalizer (Python code run
    while a generator is freed) is printed and dropped, not raised, and with the model compiled
    little else is Python code, so the first alarm can land there (it did, in tests). Those dropped
    exceptions are kept quiet while the alarm is armed."""
    if deadline is None:
        yield
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _time_limit_reached()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _time_limit_reached()

    def unraisable(report) -> None:  # (sys.UnraisableHookArgs)
        if not isinstance(report.exc_value, TimeLimitReached):
            previous_hook(report)
        # else: the alarm landed in a finalizer (a generator freed mid-run), which cannot raise; the
        # alarm repeats every ALARM_RETRY_SECONDS until this context ends, so the next one stops the run

    previous = signal.signal(signal.SIGALRM, on_alarm)
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    signal.setitimer(signal.ITIMER_REAL, remaining, ALARM_RETRY_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = previous_hook


def _start_worker(initializer: Callable[[], None]) -> None:
    """A pool worker's start: Ctrl-C ignored, then the caller's ``initializer`` (:attr:`Work.initializer`).

    Why ignore Ctrl-C: it reaches the whole process group, but only the parent decides what to keep;
    it then stops the workers itself (:func:`_stop_workers`). A worker interrupted in the middle of
    freeing a model's generators prints 'Exception ignored' tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    initializer()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the workers of a pool whose runs are abandoned (after Ctrl-C or an error), rather
    than wait for runs no one will read, then close this process's end of the pipe they send their
    results on.

    Why close the pipe: a worker stopped while it was sending a result (a part's output is about
    140 KB, more than a pipe holds) leaves half a message in the pipe. The pool's own thread waits
    for the rest, and since this process holds the pipe's writing end too, it waited forever: the
    command printed its message and then hung at exit, where Python joins that thread (2 of 118
    interrupts; CI timed out on a hang of this kind). With every writing end closed it reads
    end-of-file instead and winds the pool up. ``_processes`` and ``_result_queue`` are the
    executor's own (CPython 3.11)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:  # closed before the joins, so that nothing raised in them can skip it
        writer.close()
    for process in processes:  # the pipe's last writing ends close as the workers die
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


# How often a pool run looks for a Ctrl-C it has recorded (seconds): the longest a Ctrl-C waits.
CTRL_C_POLL = 0.1


@contextlib.contextmanager
def _ctrl_c_recorded() -> Iterator[list[int]]:
    """Record a Ctrl-C in the list yielded instead of raising KeyboardInterrupt wherever this
    process happens to be; the pool's loop raises it where the pool is safe to leave, and one that
    comes as the last run finishes is raised on the way out.

    Why: raised inside ``concurrent.futures``' own code (its ``wait`` takes and releases every
    pending future's lock), the interrupt could leave a future's lock taken. The pool's thread then
    waited forever for that lock to fail the future, and the command, its message printed, hung at
    exit (once in 158 interrupts, with the result pipe already mended). Only the default handler in
    the main thread is replaced: an ignored SIGINT stays ignored, a modeller's own handler is kept."""
    caught: list[int] = []
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield caught
        return

    def record(signum: int, frame: object) -> None:
        caught.append(signum)

    previous = signal.signal(signal.SIGINT, record)
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:  # came as the last run finished: not lost, raised now
        raise KeyboardInterrupt


def _execute_pool(pieces: list[Piece], work: Work, workers: int,
                  deadline: float | None) -> Iterator[tuple[Hashable, Any]]:
    """A local process pool, kept at most ``2 x workers`` pieces ahead so that an interrupt has
    little to cancel and scenarios are not all pickled up front. A split replication is put
    together (and yielded) when its last piece finishes; an interrupt loses its finished pieces.
    A Ctrl-C, recorded while the pool runs (:func:`_ctrl_c_recorded`), is raised here as a
    KeyboardInterrupt within :data:`CTRL_C_POLL` seconds."""
    with _ctrl_c_recorded() as ctrl_c:
        yield from _run_in_pool(pieces, work, workers, deadline, ctrl_c)


def _run_in_pool(pieces: list[Piece], work: Work, workers: int, deadline: float | None,
                 ctrl_c: list[int]) -> Iterator[tuple[Hashable, Any]]:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(),
                               initializer=_start_worker, initargs=(work.initializer,))
    pending: dict[Future, Piece] = {}
    arrived: dict[Hashable, list[Any]] = {}
    queue = iter(pieces)
    finished = False
    try:
        for piece in queue:
            pending[_submit(pool, work, piece)] = piece
            if len(pending) >= 2 * workers:
                break
        while pending:
            if ctrl_c:
                raise KeyboardInterrupt
            timeout = CTRL_C_POLL
            if deadline is not None:
                timeout = min(timeout, max(0.0, deadline - time.monotonic()))
            done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            if not done:
                if deadline is not None and time.monotonic() >= deadline:
                    raise _time_limit_reached()
                continue
            for future in done:
                if ctrl_c:  # also between the runs that finished together
                    raise KeyboardInterrupt
                piece = pending.pop(future)
                try:
                    output = future.result()
                except BrokenProcessPool:
                    raise WorkerLost("a worker process died (stopped by the system, perhaps for "
                                     "want of memory)") from None
                following = next(queue, None)
                if following is not None:
                    pending[_submit(pool, work, following)] = following
                whole = _arrive(arrived, piece, output, work)
                if whole is not None:
                    yield piece.task.key, whole
        finished = True
    finally:
        # After an error or an interrupt, waiting for the pool could hang (a broken pool, a task
        # that could not be sent); the runs in flight are lost anyway, so do not wait for them.
        # The futures left are not cancelled: the pool fails them itself once its workers are gone,
        # and in Python 3.11.7 failing one already cancelled raised InvalidStateError in the pool's
        # own thread (CPython gh-107219, fixed in later releases). Finished, nothing is left.
        manager = getattr(pool, "_executor_manager_thread", None)
        if not finished:
            _stop_workers(pool)
        pool.shutdown(wait=finished)
        if manager is not None:
            # Stopped, the pool's thread winds up on its own; waited for (briefly) because Python's
            # exit wakes it through a pipe that the thread closes as it ends, with no lock between
            # the two in 3.11 (CPython gh-125451 added one): an exit during the wind-up printed
            # 'OSError: [Errno 9] Bad file descriptor' (once in 29 interrupts on a loaded machine).
            manager.join(timeout=5)


def _submit(pool: ProcessPoolExecutor, work: Work, piece: Piece) -> Future:
    return pool.submit(work.run_part, piece.task.scenario, piece.task.seed, piece.icps)


def _execute_dask(tasks: list[Task], work: Work, address: str,
                  deadline: float | None) -> Iterator[tuple[Hashable, Any]]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UserError(
            f"--dask {address}: Dask distributed is not installed; install the optional extra "
            "with: pip install 'dorothy_sim[distributed]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UserError(f"--dask {address}: could not connect to a Dask scheduler there ({exc}); "
                        "give the address the scheduler printed, e.g. tcp://10.0.0.5:8786") from None
    futures = []
    try:
        client.run(work.initializer)  # the workers there now; one that joins later runs without it
        pieces = split(tasks, work)
        of_future: dict[str, Piece] = {}
        for piece in pieces:
            future = client.submit(work.run_part, piece.task.scenario, piece.task.seed, piece.icps,
                                   pure=False)
            of_future[future.key] = piece
            futures.append(future)
        arrived: dict[Hashable, list[Any]] = {}
        timeout = None if deadline is None else max(0.001, deadline - time.monotonic())
        try:
            for future in as_completed(futures, timeout=timeout):
                piece = of_future[future.key]
                whole = _arrive(arrived, piece, future.result(), work)
                if whole is not None:
                    yield piece.task.key, whole
        except TimeoutError:
            raise _time_limit_reached() from None
    finally:
        client.cancel(futures)
        client.close()
