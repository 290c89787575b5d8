"""The kernel's cheap events: ``env.timeout(...)`` and ``request | env.timeout(limit)``.

A lean process (``engine.Lean``) waits for these without making or scheduling a SimPy event: a
:class:`Timeout` costs what a yielded number of days costs, and a :class:`Deadline` is one timer and
one callback. For SimPy's own processes and conditions each hands on a real SimPy event, made only
when one of them asks for it, so SimPy code sees ordinary events.
"""

from __future__ import annotations

from typing import Any

import simpy
from simpy.events import Event

__all__ = ["Deadline", "Timeout"]


class _StandIn:
    """The part of SimPy's ``Event`` that SimPy's processes and conditions read, handed on to the
    SimPy event that :meth:`_scheduled` makes only when one of them asks."""

    def _scheduled(self) -> Event:
        raise NotImplementedError

    @property
    def callbacks(self) -> list | None:
        return self._scheduled().callbacks

    @property
    def _value(self) -> Any:
        return self._scheduled()._value

    @property
    def _ok(self) -> bool:
        return self._scheduled()._ok

    @property
    def triggered(self) -> bool:
        return self._scheduled().triggered

    @property
    def processed(self) -> bool:
        return self._scheduled().processed

    def __and__(self, other) -> simpy.AllOf:
        return simpy.AllOf(self.env, [self, other])

    def __or__(self, other) -> simpy.AnyOf:
        return simpy.AnyOf(self.env, [self, other])


class Timeout(_StandIn):
    """SimPy's ``env.timeout(delay, value)``, as cheap as a yielded number for a lean process.

    A lean process that yields it sleeps until :attr:`at` and goes on with :attr:`value`: no event
    is made or scheduled. Only when something reads :attr:`callbacks` (a SimPy process or condition
    waiting for it) does it schedule a ``simpy.Timeout`` for the same instant and hand that on, so
    SimPy code sees an ordinary event. A timeout made and yielded later still ends at ``at``.
    Made by ``env.timeout`` (``engine.Environment.timeout``), which fills its fields.
    """

    def _scheduled(self) -> Event:
        if self._event is None:
            self._event = simpy.Timeout(self.env, max(self.at - self.env._now, 0.0), self.value)
        return self._event


class Deadline(_StandIn):
    """Wait for ``event`` for at most ``limit`` days: what ``request | env.timeout(limit)`` makes
    (:meth:`stations.Request.__or__`). A lean process resumes with True if the event came first,
    False if the time ran out; a SimPy process or condition sees SimPy's ``AnyOf`` of the two."""

    def __init__(self, event: Event, limit: float, timeout: Timeout | None = None) -> None:
        self.event = event
        self.env = event.env
        self.limit = limit
        self._timeout = timeout
        self._event = None

    def _scheduled(self) -> Event:
        if self._event is None:
            timeout = self._timeout if self._timeout is not None else self.env.timeout(self.limit)
            self._event = simpy.AnyOf(self.env, [self.event, timeout])
        return self._event
