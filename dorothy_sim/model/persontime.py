"""Person-time by state: the kernel's ledger of how long people spend at home, in a crisis, in an
acute bed or in a community bed, and, for the people who start the results period in the cohort,
in long-term care or dead after they leave it.

Why: the outcomes a commissioner may act on are exposure-adjusted (MODEL.md §5). Crises happen only
to people at home, so a count of admissions rewards a configuration that keeps people in hospital;
admissions per person-year at home do not, and days alive and at home (DAH) fall when people stay in
hospital, enter long-term care or die.

Two ledgers, both by ICP and frailty level:

- **everyone** (the open cohort: a newly frail person replaces each death or entry into long-term
  care), by the person's state: the states add up to the cohort's size times the period. This is the
  exposure that rates divide by.
- **the index cohort**, the people in the cohort when the period starts (:meth:`PersonTime.reset`),
  followed to its end: their states while in the cohort, then long-term care or death for the rest
  of the period. These add up to the index cohort's size times the period; DAH is their time at home.

A person's state changes only through :meth:`PersonTime.move` and :meth:`PersonTime.leave`, which
book the time spent in the state left. Why in the kernel: about 600,000 moves a replication. A new
state is a new number below ``states``; the kernel does not change.
"""

from __future__ import annotations


class PersonTime:
    """The person-time ledgers of one model's cohort (``state``, ``icp`` and ``frailty`` are the
    cohort's per-slot lists; ``state`` is changed here and read everywhere else)."""

    def __init__(self, env, state: list, icp: list, frailty: list, icps: int, levels: int,
                 states: int, at_home: int) -> None:
        self.env = env
        self.state = state
        self.icp = icp
        self.frailty = frailty
        self.levels = levels
        self.states = states
        self.at_home = at_home
        self.groups = icps * levels
        self.since = [0.0] * len(state)
        self.index = [True] * len(state)
        self.start = 0.0
        self.days: list[float] = []
        self.index_days: list[float] = []
        self.left_count: list[int] = []
        self.left_time: list[float] = []
        self._zero()

    # ------------------------------------------------------------------ while the model runs

    def move(self, slot: int, new: int) -> None:
        """The person in ``slot`` moves to state ``new`` now."""
        self._book(slot, self.env._now)
        self.state[slot] = new

    def leave(self, slot: int, died: bool) -> None:
        """The person in ``slot`` dies or enters long-term care now. If they are of the index cohort,
        the rest of the period is theirs in that state; the slot's newcomer starts at home."""
        now = self.env._now
        group = self._book(slot, now)
        if self.index[slot]:
            self.index[slot] = False
            key = group * 2 + (1 if died else 0)
            self.left_count[key] += 1
            self.left_time[key] += now
        self.state[slot] = self.at_home

    def _book(self, slot: int, now: float) -> int:
        """Add the time since the person's last move to the state they are in; returns the person's
        group (ICP and frailty level)."""
        spent = now - self.since[slot]
        group = self.icp[slot] * self.levels + self.frailty[slot]
        state = self.state[slot]
        self.days[group * self.states + state] += spent
        if self.index[slot]:
            self.index_days[group * (self.states + 2) + state] += spent
        self.since[slot] = now
        return group

    # ------------------------------------------------------------------ the period

    def reset(self) -> None:
        """Start the period now: everyone in the cohort is of the index cohort, the ledgers are zero."""
        now = self.env._now
        self.start = now
        for slot in range(len(self.state)):
            self.since[slot] = now
            self.index[slot] = True
        self._zero()

    def close(self) -> None:
        """End the period now: book everyone's time in their current state, and the index cohort's
        time in long-term care or dead since they left."""
        now = self.env._now
        for slot in range(len(self.state)):
            self._book(slot, now)
        width = self.states + 2
        for key in range(2 * self.groups):
            group, died = divmod(key, 2)
            self.index_days[group * width + self.states + died] += (
                self.left_count[key] * now - self.left_time[key])
            self.left_count[key] = 0
            self.left_time[key] = 0.0

    def _zero(self) -> None:
        self.days = [0.0] * (self.groups * self.states)
        self.index_days = [0.0] * (self.groups * (self.states + 2))
        self.left_count = [0] * (2 * self.groups)
        self.left_time = [0.0] * (2 * self.groups)

    # ------------------------------------------------------------------ reading

    def days_of(self, icp: int, level: int, state: int) -> float:
        """Everyone's days in ``state`` (an ICP's people of one frailty level)."""
        return self.days[(icp * self.levels + level) * self.states + state]

    def index_days_of(self, icp: int, level: int, category: int) -> float:
        """The index cohort's days in ``category``: a state, then ``states`` for long-term care and
        ``states + 1`` for dead (after :meth:`close`)."""
        return self.index_days[(icp * self.levels + level) * (self.states + 2) + category]
