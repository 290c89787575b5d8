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


class _Monitored:
    """Counters for arrivals, waits, busy time and queue length, mixed into a SimPy resource."""

    def __init__(self, env: simpy.Environment, capacity: int, name: str) -> None:
        # SimPy refuses capacity 0; a zero-capacity station is never requested (callers check
        # ``available``), so keep one nominal server and report capacity 0.
        super().__init__(env, capacity=max(capacity, 1))
        self.name = name
        self.nominal_capacity = capacity
        self.busy_area = 0.0
        self.queue_area = 0.0
        self.arrivals = 0
        self.served = 0
        self.wait_total = 0.0
        self._last = env.now

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

    # A grant (_do_put) happens only inside request() or right after a release at the same
    # instant, both of which have already brought the areas up to date.
    def _do_get(self, event):  # type: ignore[override]
        self._accumulate()
        return super()._do_get(event)

    def request(self, priority: int = 0):  # type: ignore[override]
        self._accumulate()
        self.arrivals += 1
        return super().request()

    def record_wait(self, wait: float) -> None:
        self.served += 1
        self.wait_total += wait

    def reset(self) -> None:
        self._accumulate()
        self.busy_area = 0.0
        self.queue_area = 0.0
        self.arrivals = 0
        self.served = 0
        self.wait_total = 0.0

    def close(self) -> None:
        self._accumulate()

    def renege(self, request) -> None:
        """Withdraw a request that gave up waiting, keeping the queue-length area exact."""
        self._accumulate()
        request.cancel()


class Station(_Monitored, simpy.Resource):
    """A first-come, first-served station (acute beds, clinicians, coordinators...).

    ``priority`` is accepted and ignored so callers need not know which kind they hold; a plain
    FIFO queue costs O(1) per request where SimPy's priority queue re-sorts on every one.
    """


class PriorityStation(_Monitored, simpy.PriorityResource):
    """A station whose queue serves priority 0 (hospital discharges) before 1 (from home)."""

    def request(self, priority: int = 0):  # type: ignore[override]
        self._accumulate()
        self.arrivals += 1
        return simpy.PriorityResource.request(self, priority=priority)
