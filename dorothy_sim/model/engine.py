"""The event loop: SimPy's environment with a lean scheduler, timed calls and lean processes.

Why: a replication of the default scenario handles about a million timed happenings. SimPy pays,
for each, an event object, a method call to ``step()`` and, for a process, an ``Initialize`` event,
a resume through ``Process._resume`` and a termination event. This module's ``Environment`` has
SimPy's interface (``now``, ``active_process``, ``process``, ``timeout``, ``event``, ``all_of``,
``any_of``, ``schedule``, ``step``, ``peek``, ``run``, and the ``_now`` and ``_active_proc`` that
SimPy's events read), so every SimPy ``Event``, ``Timeout``, ``Process`` and condition works on it,
and adds cheaper ways to run and to wait, which the model's journeys use through SimPy's own idioms:

- ``env.start(generator)`` starts a :class:`Lean` process: a generator process that yields
  ``env.timeout(delay)`` (a :class:`Timeout`, as cheap as a number), an ``Event`` (a station request,
  a SimPy event) or ``request | env.timeout(limit)`` (a :class:`Deadline`), started at once and
  finished without events. A journey reads as a SimPy process; the kernel makes it cheap.
- ``env.call_at(time, fn, arg)`` / ``env.call_later(delay, fn, arg)``: a plain timed call, one heap
  entry and no object (background stays, the post-discharge risk of death).

Every heap entry is ``(time, priority, eid, fn, arg)``; a SimPy event is scheduled as
``(time, priority, eid, _fire, event)``, so both kinds share one order: by time, then priority
(URGENT before NORMAL, as SimPy), then the order they were scheduled in (compiled, the heap keeps
these entries in C: see "the heap" below). Only what is due before the end of the current day is in
the heap; later entries wait in a bucket per day (``_defer``), so pops stay cheap however many stays
and packages are under way (see ``Environment._defer``). Streams drawn in advance join as *sources*
(:meth:`Environment.add_source`), merged with the heap without entering it.

The kernel reads the clock as ``env._now`` (compiled, a C field); model code reads ``env.now``.

Why not a subclass of ``simpy.Environment``: compiled (docs/architecture.md, "The compiled core"),
this class is a C class whose fields the rest of the model reads directly, and a C class cannot
derive from a Python one. Interpreted, it behaves as the subclass did (tests/test_engine.py runs
SimPy's own kinds of process and condition on it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from heapq import heapify, heappop, heappush, heapreplace
from numbers import Real
from typing import Any

import cython
import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event

from dorothy_sim.model.events import Deadline, Timeout

__all__ = ["Environment", "Lean", "NORMAL", "URGENT"]

_LAST_DAY = 2**62  # the bucket of entries due at infinity (or beyond any day a run reaches)


def _fire(event: Event) -> None:
    """Process one SimPy event: its callbacks, then a crash if it failed and no one handled it
    (what ``simpy.Environment.step`` does)."""
    callbacks, event.callbacks = event.callbacks, None
    for callback in callbacks:
        callback(event)
    if not event._ok and not hasattr(event, "_defused"):
        exc = type(event._value)(*event._value.args)
        exc.__cause__ = event._value
        raise exc


class Environment:
    """A SimPy environment whose heap also holds plain timed calls, run by a tight loop, and that
    merges in *sources*: streams of happenings whose times are known in advance."""

    def __init__(self, initial_time: float = 0) -> None:
        self._now = float(initial_time)
        self._queue: list[tuple] = []  # a heap of (time, priority, eid, fn, arg)
        self._eids = 0  # entries scheduled so far: the next entry's place in the order
        self._active_proc: simpy.Process | Lean | None = None
        # A heap of the sources by (next time, order added): interpreted, of (time, order, source)
        # tuples; compiled, of the _Source objects themselves, which hold their time and order
        # (no tuple and float made for each of 375,000 happenings; _sift_sources).
        self._sources: list = []
        # The heap holds only what is due before _near_until (the end of the current day); later
        # entries wait in a bucket per day (_later), moved into the heap when it runs dry.
        self._near_until = math.floor(initial_time) + 1.0
        self._later: dict[int, list[tuple]] = {}
        self._later_days: list[int] = []  # a heap of the days in _later
        if cython.compiled:
            # Compiled, the heap is a C array of (time, priority, eid, slot) keys, and the call of
            # each entry, fn and arg, sits in slot 2 * slot and 2 * slot + 1 of this list (where
            # the garbage collector can see them). See _push.
            self._calls: list = []

    # ------------------------------------------------------------------ SimPy's interface

    @property
    def now(self) -> float:
        """The current simulation time."""
        return self._now

    @property
    def active_process(self) -> simpy.Process | Lean | None:
        """The process running at this instant (a SimPy process or a :class:`Lean`)."""
        return self._active_proc

    def process(self, generator) -> simpy.Process:
        return simpy.Process(self, generator)  # type: ignore[arg-type]

    def start(self, generator) -> Lean:
        """Start ``generator`` as a process now: the model's way to start one (a :class:`Lean`
        process, which runs at once, up to its first ``yield``, and costs no events)."""
        return Lean(self, generator)

    def timeout(self, delay: float = 0, value: Any = None) -> Timeout:
        """SimPy's ``env.timeout``: an event processed ``delay`` days from now (see :class:`Timeout`).
        Made without a call to its ``__init__`` (compiled, a C struct filled in place)."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        timeout = cython.declare(Timeout, Timeout.__new__(Timeout))
        timeout.env = self
        timeout.at = self._now + delay
        timeout.value = value
        timeout._event = None
        return timeout

    def event(self) -> Event:
        return Event(self)  # type: ignore[arg-type]

    def all_of(self, events) -> simpy.AllOf:
        return simpy.AllOf(self, events)  # type: ignore[arg-type]

    def any_of(self, events) -> simpy.AnyOf:
        return simpy.AnyOf(self, events)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ scheduling

    def schedule(self, event: Event, priority: int = NORMAL, delay: float = 0) -> None:
        self.call_at(self._now + delay, _fire, event, priority)

    def call_at(self, time: float, fn, arg: Any = None, priority: int = NORMAL) -> None:
        """Call ``fn(arg)`` at clock time ``time`` (not before now)."""
        eid = self._eids  # (a plain counter, not itertools.count: compiled, a C integer)
        self._eids = eid + 1
        if time >= self._near_until:
            self._defer((time, priority, eid, fn, arg))
        elif cython.compiled:
            self._push(time, priority, eid, fn, arg)
        else:
            heappush(self._queue, (time, priority, eid, fn, arg))

    def call_later(self, delay: float, fn, arg: Any = None, priority: int = NORMAL) -> None:
        """Call ``fn(arg)`` after ``delay`` days."""
        self.call_at(self._now + delay, fn, arg, priority)

    def _defer(self, entry: tuple) -> None:
        """Keep an entry due after the current day in its day's bucket.

        Why: most entries are due days or months ahead (stays, packages, 91-day checks); kept out of
        the heap, they do not make every pop walk a deeper heap, which costs more the larger the
        cohort (the heap outgrows the processor's caches). Order is unchanged: a day's bucket joins
        the heap before anything due that day can run, and the heap orders by the full key.
        """
        time = entry[0]
        day = math.floor(time) if time < _LAST_DAY else _LAST_DAY
        bucket = self._later.get(day)
        if bucket is None:
            self._later[day] = [entry]
            heappush(self._later_days, day)
        else:
            bucket.append(entry)

    def _refill(self) -> bool:
        """The heap ran dry: move the next day's bucket into it. False when nothing is left."""
        if not self._later_days:
            return False
        day = heappop(self._later_days)
        if cython.compiled:
            for entry in self._later.pop(day):
                self._push(entry[0], entry[1], entry[2], entry[3], entry[4])
        else:
            queue = self._queue  # (the same list: the run loop holds it)
            queue.extend(self._later.pop(day))
            heapify(queue)
        self._near_until = day + 1.0 if day < _LAST_DAY else math.inf
        return True

    # ------------------------------------------------------------------ the heap
    # Interpreted, a list of (time, priority, eid, fn, arg) tuples kept by heapq. Compiled, a C array
    # of _Entry keys (time, priority, eid, slot) with the calls in _calls: heapq compares tuples
    # item by item through Python's rich comparison, and allocates a tuple, a float and an int for
    # every entry; about a tenth of a compiled replication went there. The order is the same: every
    # eid is different, so (time, priority, eid) orders all entries strictly, whatever the layout
    # of the heap, and the tables are the same to the bit (tests/test_pinned.py, on both cores).

    def _push(self, time: float, priority: int, eid: int, fn, arg: Any) -> None:
        """Add an entry due before the end of the current day to the compiled heap."""
        if self._size == self._capacity:
            self._grow()
        size = self._size
        slot = self._free_slots[self._capacity - size - 1]
        self._calls[2 * slot] = fn
        self._calls[2 * slot + 1] = arg
        entry.time = time  # noqa: F821  (entry: a C struct, declared in engine.pxd)
        entry.priority = priority  # noqa: F821
        entry.eid = eid  # noqa: F821
        entry.slot = slot  # noqa: F821
        heap = self._heap
        i = size
        while i > 0:  # sift up
            parent = (i - 1) >> 1
            if not _before(entry, heap[parent]):  # noqa: F821
                break
            heap[i] = heap[parent]
            i = parent
        heap[i] = entry  # noqa: F821
        self._size = size + 1

    def _grow(self) -> None:
        """Double the compiled heap's room (its slots and its calls' room with it)."""
        old = self._capacity
        capacity = 2 * old if old else 1024
        heap = cython.cast("_Entry*", realloc(self._heap, capacity * cython.sizeof(_Entry)))  # noqa: F821
        if heap == cython.NULL:
            raise MemoryError("the event heap could not grow")
        self._heap = heap
        free_slots = cython.cast("Py_ssize_t*", realloc(  # noqa: F821
            self._free_slots, capacity * cython.sizeof(cython.Py_ssize_t)))
        if free_slots == cython.NULL:
            raise MemoryError("the event heap could not grow")
        self._free_slots = free_slots
        for k in range(capacity - old):  # (the heap is full: only the new slots are free)
            free_slots[k] = old + k
        self._calls.extend([None] * (2 * (capacity - old)))
        self._capacity = capacity

    def __dealloc__(self) -> None:  # (compiled only: the C arrays of the heap)
        free(self._heap)  # noqa: F821
        free(self._free_slots)  # noqa: F821

    def _pending(self) -> int:
        """How many entries the heap holds (not counting later days' buckets)."""
        return self._size if cython.compiled else len(self._queue)

    def _head(self) -> float:
        """When the heap's next entry is due, after moving the next day's bucket in if the heap ran
        dry (infinity when nothing is left)."""
        if cython.compiled:
            while self._size == 0:
                if not self._refill():
                    return math.inf
            return self._heap[0].time
        queue = self._queue
        while not queue:
            if not self._refill():
                return math.inf
        return queue[0][0]

    def _fire_next(self) -> None:
        """Take the heap's next entry, move the clock to its time and make its call."""
        if not cython.compiled:
            self._now, _, _, fn, arg = heappop(self._queue)
            fn(arg)
            return
        heap = self._heap
        self._now = heap[0].time
        slot = heap[0].slot
        calls = self._calls
        fn = calls[2 * slot]
        arg = calls[2 * slot + 1]
        calls[2 * slot] = None  # (the call's objects are not kept alive by a spent slot)
        calls[2 * slot + 1] = None
        size = self._size - 1
        self._size = size
        self._free_slots[self._capacity - size - 1] = slot
        if size:  # the last entry fills the hole at the top: sift it down
            last = heap[size]
            i = 0
            while True:
                child = 2 * i + 1
                if child >= size:
                    break
                if child + 1 < size and _before(heap[child + 1], heap[child]):
                    child += 1
                if not _before(heap[child], last):
                    break
                heap[i] = heap[child]
                i = child
            heap[i] = last
        if type(fn) is Lean:  # a sleeping process's wake-up: a C call, not a Python one
            cython.cast(Lean, fn)._wake(arg)
        else:
            fn(arg)

    def add_source(self, chunks: Iterator[tuple], handle: Callable[[tuple, int], None]) -> None:
        """Call ``handle(chunk, row)`` at ``chunk[0][row]`` for every row of every chunk, in order.

        Why: arrival streams drawn in advance (candidate crises, deaths at home, admissions from
        outside the cohort) are a third of a replication's happenings. Kept out of the event heap,
        each costs a comparison with the heap's head instead of a push and a pop on a heap of
        thousands. The times of each source must not decrease; a source's happening and a heap
        entry due at the same instant run heap entry first.
        """
        source = _Source(chunks, handle)
        first = source.advance()
        if first >= math.inf:
            return
        if cython.compiled:
            source._when, source._order = first, len(self._sources)
            self._sources.append(source)
            self._sources.sort(key=_source_key)  # (a sorted list is a heap; a few dozen sources)
        else:
            heappush(self._sources, (first, len(self._sources), source))

    def _source_head(self) -> float:
        """When the next source happening is due (infinity when no source is left)."""
        sources = self._sources
        if not sources:
            return math.inf
        if cython.compiled:
            return cython.cast(_Source, sources[0])._when
        return sources[0][0]

    def peek(self) -> float:
        return min(self._head(), self._source_head())

    def step(self) -> None:
        sources = self._sources
        head = self._head()
        if self._source_head() < head:
            self._fire_source(sources)
        elif self._pending():
            self._fire_next()
        else:
            raise EmptySchedule

    def _fire_source(self, sources: list) -> None:
        if not cython.compiled:
            self._now, order, source = sources[0]
            source._handle(source._chunk, source._row)  # (inlined, not a method: 375,000 calls)
            when = source.advance()
            if when < math.inf:
                heapreplace(sources, (when, order, source))
            else:
                heappop(sources)
            return
        source = sources[0]
        self._now = source._when
        source._handle(source._chunk, source._row)
        when = source.advance()
        if when < math.inf:
            source._when = when
        else:  # this source is spent: the last takes its place
            last = sources.pop()
            if not sources:
                return
            sources[0] = last
        _sift_sources(sources)

    def run(self, until: float | Event | None = None) -> Any:
        """Run until clock time ``until`` (events at exactly ``until`` are left, as in SimPy), or
        until nothing is left to do. Until an event: see :meth:`_run_until_event`."""
        if hasattr(until, "callbacks"):  # an Event, or anything that works as one
            return self._run_until_event(until)
        sources = self._sources
        at = math.inf if until is None else float(until)
        if at <= self._now:
            raise ValueError(f"until ({at}) must be greater than the current simulation time")
        while True:
            head = self._head()
            next_source = self._source_head()
            if next_source < head:
                if next_source >= at:
                    break
                self._fire_source(sources)
            elif head < at:
                self._fire_next()
            else:
                break
        if until is not None:
            self._now = at
        return None

    def _run_until_event(self, until) -> Any:
        """Run until ``until`` is processed and return its value: SimPy's loop of ``step()``, as
        ``simpy.Environment.run`` does for an event, here also for anything that works as one (a
        station's request, which SimPy's would take for a number)."""
        if until.callbacks is None:
            return until.value
        until.callbacks.append(StopSimulation.callback)
        try:
            while True:
                self.step()
        except StopSimulation as stop:
            return stop.args[0]
        except EmptySchedule:
            raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}'
                               ) from None


def _before(a, b) -> bool:
    """Compiled heap only: is entry ``a`` due before entry ``b``? (By time, then priority, then
    the order they were scheduled in, as heapq orders the interpreted heap's tuples.)"""
    if a.time != b.time:
        return a.time < b.time
    if a.priority != b.priority:
        return a.priority < b.priority
    return a.eid < b.eid


def _source_key(source: _Source) -> tuple[float, int]:
    """Compiled only: a source's place in the order of sources (as the interpreted heap's tuples)."""
    return source._when, source._order


def _sift_sources(sources: list) -> None:
    """Compiled only: move the source at the top of the sources' heap down to its place (its time
    changed, or the last source took the place of a spent one)."""
    item = sources[0]
    size = len(sources)
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _source_before(sources[child + 1], sources[child]):
            child += 1
        if not _source_before(sources[child], item):
            break
        sources[i] = sources[child]
        i = child
    sources[i] = item


def _source_before(a: _Source, b: _Source) -> bool:
    return a._when < b._when or (a._when == b._when and a._order < b._order)


class _Source:
    """A position in a stream of chunks ``(times, ...)``: see :meth:`Environment.add_source`."""

    def __init__(self, chunks: Iterator[tuple], handle: Callable[[tuple, int], None]) -> None:
        self._chunks = chunks
        self._handle = handle
        self._chunk: tuple = ((),)
        self._times: list[float] = []
        self._row = -1

    def advance(self) -> float:
        """Move to the next row; return its time (infinity when none is left)."""
        self._row += 1
        while self._row >= len(self._times):  # (a chunk may be empty)
            chunk = next(self._chunks, None)
            if chunk is None:
                return math.inf
            self._chunk, self._times, self._row = chunk, chunk[0], 0
        return self._times[self._row]


class Lean:
    """A generator process driven by timed calls instead of events.

    The generator yields ``env.timeout(days)`` (or a bare number of days), an ``Event`` (resume with
    its value once processed; at once if it already was, such as a station request granted on the
    spot) or a :class:`Deadline` (``request | env.timeout(limit)``). It starts running when created
    (``env.start``), like a function call, and ends without an event; another process that must
    wait for it yields :attr:`done`.

    Stale wake-ups (a timer or an event callback that was overtaken by an interrupt or by the
    other side of a deadline) are told apart by a token that every wait increments.
    """

    def __init__(self, env: Environment, generator) -> None:
        self.env = env
        self._gen = generator
        self._token = 0
        self._target: Event | None = None
        self._racing = False
        self.is_alive = True
        self._done: Event | None = None
        self.value: Any = None
        self._run(None, None)

    @property
    def done(self) -> Event:
        """An event processed when the generator returns (with its return value)."""
        if self._done is None:
            self._done = Event(self.env)
            if not self.is_alive:
                self._done.succeed(self.value)
        return self._done

    def interrupt(self, cause: Any = None) -> None:
        """Throw ``simpy.Interrupt(cause)`` into the generator at this instant, after what is
        already due now (as SimPy schedules interruptions: urgently, not synchronously)."""
        if self.is_alive:
            self.env.call_at(self.env._now, self._throw, cause, URGENT)

    # ------------------------------------------------------------------ driving the generator
    # One loop (_run) sends values into the generator and parks it on what it yields; the entry
    # points below only decide what value, or which exception, the generator sees next.

    def _throw(self, cause: Any) -> None:
        if self.is_alive:
            self._token += 1
            self._target = None
            self._run(None, simpy.Interrupt(cause))

    def __call__(self, token: int) -> None:
        """The call a sleeping process leaves in the event heap (compiled, ``_fire_next`` calls
        :meth:`_wake` directly, a C call)."""
        self._wake(token)

    def _wake(self, token: int) -> None:
        """Wake from a sleep, unless a later wait overtook it."""
        if token == self._token:
            self._run(None, None)

    def _time_up(self, token: int) -> None:
        if token == self._token:
            self._token += 1
            self._target = None
            self._run(False, None)

    def _event_done(self, event: Event) -> None:
        if event is not self._target:
            return  # overtaken by an interrupt or by the deadline
        self._target = None
        self._token += 1
        if event._ok:
            self._run(True if self._racing else event._value, None)
        else:  # a failed event is the process's to handle, as in SimPy
            event._defused = True
            self._run(None, event._value)

    def _run(self, value: Any, error: BaseException | None) -> None:
        env = self.env
        gen = self._gen
        outer, env._active_proc = env._active_proc, self  # env.active_process, as in SimPy
        while True:
            if cython.compiled and error is None:
                # PyIter_Send (engine.pxd): a return is a status, not a StopIteration raised,
                # caught and given a traceback at the end of every process
                target = _send(gen, value, cython.address(returned))  # noqa: F821
                if returned:  # noqa: F821
                    self._finish(target)
                    break
            else:
                try:
                    target = gen.send(value) if error is None else gen.throw(error)
                except StopIteration as stop:
                    self._finish(stop.value)
                    break
            error = None
            kind = type(target)
            if kind is float or kind is int:  # (the commonest waits: a number, or env.timeout below)
                self._sleep_until(env._now + target)
                break
            if kind is Timeout:  # (a yielded number's path, for env.timeout)
                timeout = target
                when = timeout.at
                if timeout.value is not None or timeout._event is not None:
                    target = timeout._scheduled()  # a value to resume with: wait as for an event
                elif when < env._now:
                    value = None  # made earlier and already due: SimPy would have processed it
                    continue
                else:
                    self._sleep_until(when)
                    break
            if kind is Deadline:
                event = target.event
                if event.callbacks is None:
                    value = True
                    continue
                self._token = token = self._token + 1
                self._target = event
                self._racing = True
                event.callbacks.append(self._event_done)
                env.call_at(env._now + target.limit, self._time_up, token)
                break
            try:
                callbacks = target.callbacks
            except AttributeError:
                if isinstance(target, Real):  # a numpy number, say: a delay like any other
                    self._sleep_until(env._now + float(target))
                    break
                error = TypeError(f"a lean process yielded {target!r}: it may yield a delay in days "
                                  "(a number), an Event or a Deadline")
                value = None
                continue
            if callbacks is None:  # an event already processed: go on at once
                value = target._value
                continue
            self._token += 1
            self._target = target
            self._racing = False
            callbacks.append(self._event_done)
            break
        env._active_proc = outer

    def _sleep_until(self, when: float) -> None:
        """Wake at clock time ``when``: one entry in the event heap, the process itself, called
        with this wait's token."""
        self._token = token = self._token + 1
        self.env.call_at(when, self, token)

    def _finish(self, value: Any) -> None:
        self.is_alive = False
        self.value = value
        if self._done is not None:
            self._done.succeed(value)
