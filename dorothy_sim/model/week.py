"""The days of the week on the model's clock.

The clock counts days from the start of the warm-up, and a whole number is a midnight (as the
hour-of-day profile of crises has it). ``run.start_weekday`` names the day of the week of the clock
day in which the results period starts, as ``run.start_day_of_year`` dates it; every other day
follows. Saturday and Sunday are the weekend.

Everything here is arithmetic on the clock (no process polls the calendar): whether a time falls on
a weekend, when the next weekday begins, how much of a period is weekend, and when a piece of work
paced by the week (slower at weekends) is done.
"""

from __future__ import annotations

import math

from dorothy_sim.scenario import WEEKDAY_NAMES, Scenario

DAYS_A_WEEK = 7
SATURDAY = WEEKDAY_NAMES.index("saturday")
WORKING_DAYS = SATURDAY
"""Monday to Friday: the days of a week before its weekend (the week's days counted from Monday)."""


class Week:
    """The weekdays of one run's clock, and a weekend day's pace of work relative to a weekday's."""

    def __init__(self, start_weekday: str, warmup_days: float, weekend_pace: float = 1.0) -> None:
        if not 0.0 < weekend_pace <= 1.0:
            raise ValueError(f"weekend_pace must be in (0, 1], not {weekend_pace!r}")
        # The weekday of clock day 0 (Monday 0 ... Sunday 6); clock time -monday is a Monday midnight.
        self.first = (WEEKDAY_NAMES.index(start_weekday) - math.floor(warmup_days)) % DAYS_A_WEEK
        self.weekend_pace = weekend_pace
        self._per_week = WORKING_DAYS + (DAYS_A_WEEK - WORKING_DAYS) * weekend_pace  # a week's work

    @classmethod
    def of(cls, scenario: Scenario) -> Week:
        run = scenario.run
        return cls(run.start_weekday, run.warmup_days, scenario.discharge.weekend_discharge_factor)

    def weekday(self, t: float) -> int:
        """The day of the week of clock time ``t``: 0 Monday ... 6 Sunday."""
        return (self.first + math.floor(t)) % DAYS_A_WEEK

    def is_weekend(self, t: float) -> bool:
        return (self.first + math.floor(t)) % DAYS_A_WEEK >= SATURDAY

    def next_weekday(self, t: float) -> float:
        """When the next weekday begins: ``t`` itself on a weekday, else the following Monday's midnight."""
        day = self.weekday(t)
        return t if day < SATURDAY else math.floor(t) + (DAYS_A_WEEK - day)

    def weekend_days(self, start: float, end: float) -> float:
        """How many days of ``[start, end)`` fall on a weekend (fractions of a day counted)."""
        return self._weekend_before(end) - self._weekend_before(start)

    def _weekend_before(self, t: float) -> float:
        """Weekend days between the Monday midnight at or before clock day 0 and ``t``."""
        weeks, rest = divmod(t + self.first, DAYS_A_WEEK)
        return (DAYS_A_WEEK - WORKING_DAYS) * weeks + max(rest - WORKING_DAYS, 0.0)

    def finished(self, start: float, work: float) -> float:
        """When ``work`` (in weekdays' worth of work) begun at ``start`` is done, a weekend day doing
        :attr:`weekend_pace` of a weekday's work. With a pace of 1, ``start + work`` exactly."""
        pace = self.weekend_pace
        if pace == 1.0:
            return start + work
        # Work done since the Monday midnight at or before clock day 0, at the start and at the end.
        weeks, rest = divmod(start + self.first, DAYS_A_WEEK)
        done = self._per_week * weeks
        done = done + rest if rest <= WORKING_DAYS else done + WORKING_DAYS + pace * (rest - WORKING_DAYS)
        weeks, rest = divmod(done + work, self._per_week)
        if rest > WORKING_DAYS:
            rest = WORKING_DAYS + (rest - WORKING_DAYS) / pace
        end = DAYS_A_WEEK * weeks + rest - self.first
        return end if end > start else start  # (never before it began, in rounding)
