"""Capacity stations: SimPy resources that keep their own time-weighted statistics.

Why here and not in a list of events: utilisation, mean queue length and Little's law need the
area under the busy-servers and queue-length curves. Each station adds to those areas whenever its
state changes (a constant amount of work per event, constant memory), and the monitor resets them
at the end of the warm-up so only the results period counts.
"""

from __future__ import annotations

from collections import deque

import simpy
from simpy.events import PENDING

from dorothy_sim.model.events import Deadline, Timeout


class TimeWeighted:
    """A level whose time integral is kept as it changes (people in MFFD beds, active plans...)."""

    def __init__(self, env: simpy.Environment, level: float = 0.0) -> None:
        self.env = env
        self.level = level
        self.area = 0.0
        self._last = env._now

    def add(self, delta: float) -> None:
        now = self.env._now
        self.area += self.level * (now - self._last)
        self._last = now
        self.level += delta

    def reset(self) -> None:
        self.area = 0.0
        self._last = self.env._now

    def close(self) -> float:
        """Bring the area up to now and return it."""
        self.add(0.0)
        return self.area


class Request:
    """A claim on one server of a station: an event, processed when the server is granted.

    Granted on the spot (a free server, nothing queued ahead), it is born processed, so a process
    that yields it goes straight on with no trip through the event heap. It never fails.

    Why not a subclass of SimPy's ``Event``: a replication makes about 317,000 requests, and
    compiled (docs/architecture.md, "The compiled core") this is a C class, made and read at C
    speed, which a class derived from a Python class cannot be. It has the part of ``Event`` that
    SimPy's processes, conditions and ``schedule`` use (``env``, ``callbacks``, ``_value``,
    ``_ok``) and the ``triggered``, ``processed``, ``ok``, ``value``, ``&`` and ``|`` that SimPy
    code uses, so SimPy processes and lean processes yield it as they yield any event
    (tests/test_engine.py).
    """

    def __init__(self, station: Station, asked: float, priority: int, granted: bool) -> None:
        self.env = station._env
        self.station = station
        self.callbacks = None if granted else []
        self._value = None if granted else PENDING
        self._ok = True
        self.asked = asked
        self.priority = priority
        self.released = False

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *exc_info) -> None:
        """Leaving ``with station.request() as req:`` frees the server, or leaves the queue if it
        was never granted (SimPy's ``Resource`` does the same)."""
        if not self.released:
            if self._value is PENDING:
                self.station.renege(self)
            else:
                self.station.release(self)

    @property
    def triggered(self) -> bool:
        """Whether the server was granted (as ``Event.triggered``)."""
        return self._value is not PENDING

    @property
    def processed(self) -> bool:
        """Whether the processes waiting for it were resumed (as ``Event.processed``)."""
        return self.callbacks is None

    @property
    def ok(self) -> bool:
        return self._ok

    @property
    def value(self) -> None:
        """None once granted; before, an AttributeError, as SimPy's events."""
        if self._value is PENDING:
            raise AttributeError(f"value of {self} is not yet available")
        return self._value

    def __and__(self, other) -> simpy.AllOf:
        """``request & event``: both, as SimPy's events combine."""
        return simpy.AllOf(self.env, [self, other])

    def __or__(self, other) -> simpy.AnyOf | Deadline:
        """``request | event``: whichever comes first. With ``env.timeout(limit)`` this is a
        :class:`~dorothy_sim.model.events.Deadline`: a lean process waits for it without events."""
        if type(other) is Timeout:
            return Deadline(self, max(other.at - self.station._env._now, 0.0), other)
        return simpy.AnyOf(self.env, [self, other])


class Station:
    """A capacity station: ``capacity`` servers, a queue (FIFO, or by priority then FIFO), and
    time-weighted statistics (busy servers, queue length), arrivals, waits and sojourns.

    Why not ``simpy.Resource``: SimPy makes two events per use (the request, processed even when
    granted at once, and a release event no one waits for) and re-runs its put/get queues on each;
    this station grants on the spot when it can and releases with a plain method call, and the
    statistics are kept as the state changes (constant work per event, constant memory), so every
    station, whoever its callers are, can be checked against Little's law and queueing formulas
    (tests/test_verification.py). Requests work as SimPy events: SimPy processes can yield them too.

    A zero-capacity station keeps one nominal server (SimPy's rule) and reports capacity 0: callers
    check :attr:`available` and never ask it for service.
    """

    def __init__(self, env, capacity: int, name: str, priorities: int = 1) -> None:
        self._env = env
        self.name = name
        self.nominal_capacity = capacity
        self.available = capacity > 0  # (an attribute, not a property: read on every crisis)
        self.capacity = max(capacity, 1)
        self.count = 0
        self._queues: list[deque[Request]] = [deque() for _ in range(priorities)]
        self._waiting = 0
        self.reset()

    @property
    def queue_length(self) -> int:
        return self._waiting

    def _accumulate(self) -> None:
        now = self._env._now
        dt = now - self._last
        if dt:
            self.busy_area += self.count * dt
            self.queue_area += self._waiting * dt
            self._last = now

    def request(self, priority: int = 0) -> Request:
        """Ask for a server. ``priority`` 0 is served before 1 on a station with priorities; a FIFO
        station accepts and ignores it, so callers need not know which kind they hold."""
        env = self._env
        now = env._now
        if now != self._last:  # _accumulate(), inlined: this is the hottest call of a run
            dt = now - self._last
            self.busy_area += self.count * dt
            self.queue_area += self._waiting * dt
            self._last = now
        self.arrivals += 1
        if self.count < self.capacity:  # the queue is empty whenever a server is free
            self.count += 1
            self.grants += 1
            return Request(self, now, priority, True)
        request = Request(self, now, priority, False)
        queues = self._queues
        queues[priority if len(queues) > 1 else 0].append(request)
        self._waiting += 1
        return request

    def release(self, request: Request) -> None:
        """Free the server ``request`` holds and grant it to the next in the queue, if any."""
        now = self._env._now
        if now != self._last:
            dt = now - self._last
            self.busy_area += self.count * dt
            self.queue_area += self._waiting * dt
            self._last = now
        request.released = True
        self.count -= 1
        self.departures += 1
        self.sojourn_total += now - request.asked
        if self._waiting:
            self._grant_waiting()

    def stay_from_source(self, chunk: tuple, row: int) -> None:
        """A source's handler (``Environment.add_source``): an arrival that holds a server for
        ``chunk[1][row]`` days from when it is granted, then leaves. Why no process: such a stay needs
        no decisions (admissions from outside the cohort), and a timed call costs a fraction of one."""
        request = self.request()
        days = chunk[1][row]
        if request.callbacks is None:  # a free server: in at once
            self._env.call_later(days, self.release, request)
        else:
            request.callbacks.append(lambda _granted: self._env.call_later(days, self.release, request))

    def stay_if_free_from_source(self, chunk: tuple, row: int) -> None:
        """A source's handler for arrivals that yield (planned admissions): a stay of ``chunk[1][row]``
        days if a server is free (then no one waits: see :meth:`request`), else turned away (counted,
        not queued)."""
        if self.count < self.capacity:
            request = self.request()
            self._env.call_later(chunk[1][row], self.release, request)
        else:
            self.turned_away += 1

    def _grant_waiting(self) -> None:
        env = self._env
        for queue in self._queues:
            while queue and self.count < self.capacity:
                request = queue.popleft()
                self._waiting -= 1
                self.count += 1
                self.grants += 1
                self.wait_total += env._now - request.asked
                request._value = None
                env.schedule(request)  # its waiters resume at this instant, after what is due
            if self.count >= self.capacity:
                return

    def set_capacity(self, capacity: int) -> None:
        """Open or close servers mid-run (escalation beds). Closing never evicts anyone: people
        already served stay, and no one new is admitted until use falls below the new capacity."""
        self._accumulate()
        self.capacity = max(capacity, 1)
        if self._waiting:
            self._grant_waiting()

    def renege(self, request: Request) -> None:
        """Withdraw a request that gave up waiting, keeping the queue-length area exact."""
        self._accumulate()
        queue = self._queues[request.priority if len(self._queues) > 1 else 0]
        queue.remove(request)
        request.released = True
        self._waiting -= 1
        self.reneged += 1
        self.departures += 1
        self.sojourn_total += self._env._now - request.asked

    def reset(self) -> None:
        """Zero the statistics (end of warm-up); the current contents carry on."""
        self._last = self._env._now
        self.busy_area = 0.0
        self.queue_area = 0.0
        self.arrivals = 0
        self.grants = 0
        self.wait_total = 0.0
        self.reneged = 0
        self.departures = 0
        self.sojourn_total = 0.0
        self.turned_away = 0

    def close(self) -> None:
        self._accumulate()


class PriorityStation(Station):
    """A station whose queue serves priority 0 (hospital discharges) before 1 (from home)."""

    def __init__(self, env, capacity: int, name: str) -> None:
        super().__init__(env, capacity, name, priorities=2)
