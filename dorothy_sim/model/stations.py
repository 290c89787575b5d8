"""Capacity stations: SimPy resources that keep their own time-weighted statistics.

Why here and not in a list of events: utilisation, mean queue length and Little's law need the
area under the busy-servers and queue-length curves. Each station adds to those areas whenever its
state changes (a constant amount of work per event, constant memory), and the monitor resets them
at the end of the warm-up so only the results period counts.
"""

from __future__ import annotations

import simpy


class TimeWeighted:
    """A level whose time integral is kept as it changes (people in MFFD beds, active plans...)."""

    __slots__ = ("env", "level", "area", "_last")

    def __init__(self, env: simpy.Environment, level: float = 0.0) -> None:
        self.env = env
        self.level = level
        self.area = 0.0
        self._last = env.now

    def add(self, delta: float) -> None:
        now = self.env.now
        self.area += self.level * (now - self._last)
        self._last = now
        self.level += delta

    def reset(self) -> None:
        self.area = 0.0
        self._last = self.env.now

    def close(self) -> float:
        """Bring the area up to now and return it."""
        self.add(0.0)
        return self.area


class _Users(dict):
    """The requests holding a station, with O(1) removal.

    SimPy keeps them in a list and removes a finishing request by scanning it; a trust's beds hold
    hundreds of people, so that scan showed in profiles. SimPy's Resource only appends, removes and
    counts users (never by position), which a dict keyed by request does in constant time.
    """

    __slots__ = ()

    def append(self, request) -> None:
        self[request] = None

    def remove(self, request) -> None:
        try:
            del self[request]
        except KeyError:
            raise ValueError("request is not a user of this station") from None


class _Monitored:
    """Counters mixed into a SimPy resource: arrivals, waits, sojourns, busy time, queue length.

    Waits are recorded when a request is granted (or withdrawn), sojourns when it is released,
    so every station, whoever its callers are, can be checked against Little's law and queueing
    formulas (tests/test_verification.py).
    """

    def __init__(self, env: simpy.Environment, capacity: int, name: str) -> None:
        # SimPy refuses capacity 0; a zero-capacity station is never requested (callers check
        # ``available``), so keep one nominal server and report capacity 0.
        super().__init__(env, capacity=max(capacity, 1))
        self.users = _Users()
        self.name = name
        self.nominal_capacity = capacity
        self.reset()

    @property
    def available(self) -> bool:
        return self.nominal_capacity > 0

    def _accumulate(self) -> None:
        now = self._env.now
        dt = now - self._last
        if dt:
            self.busy_area += len(self.users) * dt
            self.queue_area += len(self.put_queue) * dt
            self._last = now

    def request(self, priority: int = 0):  # type: ignore[override]
        self._accumulate()
        self.arrivals += 1
        request = self._make_request(priority)
        request.asked = self._env.now
        if request.triggered:  # a free server: granted at once, no wait
            self.grants += 1
        else:  # queued: the wait is known when the grant is processed (same instant)
            request.callbacks.append(self._granted)
        return request

    def _make_request(self, priority: int):
        return super().request()

    def _granted(self, request) -> None:
        self.grants += 1
        self.wait_total += self._env.now - request.asked

    # A grant (SimPy's _do_put) happens only inside request() or right after a release at the same
    # instant, both of which have already brought the areas up to date.
    def _do_get(self, event):  # type: ignore[override]
        self._accumulate()
        request = event.request
        self.departures += 1
        self.sojourn_total += self._env.now - request.asked
        return super()._do_get(event)

    def set_capacity(self, capacity: int) -> None:
        """Open or close servers mid-run (escalation beds). Closing never evicts anyone: people
        already served stay, and no one new is admitted until use falls below the new capacity."""
        self._accumulate()
        self._capacity = max(capacity, 1)
        self._trigger_put(None)

    def renege(self, request) -> None:
        """Withdraw a request that gave up waiting, keeping the queue-length area exact."""
        self._accumulate()
        request.cancel()
        self.reneged += 1
        self.departures += 1
        self.sojourn_total += self._env.now - request.asked

    def reset(self) -> None:
        """Zero the statistics (end of warm-up); the current contents carry on."""
        self._last = self._env.now
        self.busy_area = 0.0
        self.queue_area = 0.0
        self.arrivals = 0
        self.grants = 0
        self.wait_total = 0.0
        self.reneged = 0
        self.departures = 0
        self.sojourn_total = 0.0

    def close(self) -> None:
        self._accumulate()


class Station(_Monitored, simpy.Resource):
    """A first-come, first-served station (acute beds, clinicians, coordinators...).

    ``priority`` is accepted and ignored so callers need not know which kind they hold; a plain
    FIFO queue costs O(1) per request where SimPy's priority queue re-sorts on every one.
    """


class PriorityStation(_Monitored, simpy.PriorityResource):
    """A station whose queue serves priority 0 (hospital discharges) before 1 (from home)."""

    def _make_request(self, priority: int):
        return simpy.PriorityResource.request(self, priority=priority)
