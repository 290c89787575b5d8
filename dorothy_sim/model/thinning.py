"""Candidate crises become crises at each person's own rate: the kernel's side of the crisis source.

Candidate crises arrive at the highest rate any person could have (``model/cohort.py``). Each is
kept with probability (the person's own rate) / (that highest rate), lowered by every *rate
modifier* in force for the person: a list of ``(until, factor, kind)``, where ``until[slot]`` is the
time the person's modifier lasts until (falls prevention, a home-care package, a care plan...),
``factor`` multiplies the rate while it lasts, and ``kind`` limits it to one crisis type (-1: all).
A candidate lost to a modifier is counted as averted; a kept one is handed to ``start(chunk, row,
slot, kind)``, which makes the crisis (``model/model.py``).

Why in the kernel: about 250,000 candidates a replication, each a handful of list reads and
comparisons. A service that lowers crisis rates adds a modifier; the kernel does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class Thinning:
    """The handler (:meth:`handle`) of sources of candidate crises (``Environment.add_source``)."""

    def __init__(self, env, state: list, at_home: int, rate_share: list, icp: list, tallies: list,
                 modifiers: Sequence[tuple[list, float, int]], start: Callable) -> None:
        self.env = env
        self.state = state
        self.at_home = at_home
        self.rate_share = rate_share
        self.icp = icp
        self.tallies = tallies
        self.modifiers = list(modifiers)
        self.start = start

    def handle(self, chunk: tuple, row: int) -> None:
        """One candidate: kept (handed to ``start``), averted by a modifier, or not this person's."""
        slots = chunk[1]
        slot = slots[row]
        if self.state[slot] != self.at_home:
            return
        u_accept = chunk[2][row]
        accept = self.rate_share[slot]
        if u_accept >= accept:
            return  # this person's own rate is below the cohort's maximum
        kind = chunk[3][row]
        now = self.env._now
        for modifier in self.modifiers:
            only = modifier[2]
            if (only < 0 or only == kind) and modifier[0][slot] > now:
                accept *= modifier[1]
        if u_accept >= accept:
            self.tallies[self.icp[slot]].crises_averted += 1
            return
        self.start(chunk, row, slot, kind)
