"""The front door's scenario sections and types: rapid response, and what the single point of access
(``model/spa.py``) and the geriatrician advice line (``model/expert_opinion.py``) share with it,
opening hours and answer times.

Why a module of its own: the schema (:mod:`.schema`) holds the rest of the model's sections; the
front door's levers (hours as well as capacities) and their rules are read together here.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from dorothy_sim.scenario.schema import (
    Capacity,
    FieldRule,
    HourOfDay,
    LogNormal,
    Probability,
    ProbByCrisisType,
    _at_most,
    _Service,
)

__all__ = ["AnswerMinutes", "HourOfDay", "OpenDaily", "RapidResponse", "check_hours"]

MAX_ANSWER_MINUTES = 24 * 60.0
_WHY_ANSWER = "a day: a call not answered within a day is not an urgent call; a larger number is a typo"

AnswerMinutes = Annotated[float, Field(ge=0.0, allow_inf_nan=False),
                          _at_most(MAX_ANSWER_MINUTES, _WHY_ANSWER)]
"""How long a caller waits for an answer, in minutes (0: only a handler free at once answers)."""


def check_hours(opens: float, closes: float, opens_field: str, closes_field: str) -> None:
    """Opening hours must differ: 0 and 24 are round the clock, closing before opening is overnight,
    and equal hours would say neither."""
    if opens == closes:
        raise FieldRule((closes_field,), (
            f"{opens_field} and {closes_field} are equal; use 0 and 24 for a "
            "service round the clock, or opening after closing for an overnight one"))


class OpenDaily(_Service):
    """A service section open ``open_hour`` to ``close_hour`` every day (the single point of access,
    the advice line); each service gives its own default hours."""

    open_hour: HourOfDay = 0.0
    close_hour: HourOfDay = 24.0

    @model_validator(mode="after")
    def _open_for_some_hours(self) -> OpenDaily:
        check_hours(self.open_hour, self.close_hour, "open_hour", "close_hour")
        return self


def _no_nan_hours(value: float) -> float:
    """``response_window_hours`` may be ``inf`` (documented: no window), but never NaN, which would
    otherwise slip past ``ge=0`` with a message about being below zero."""
    if isinstance(value, float) and math.isnan(value):
        raise ValueError("NaN is not a number of hours; give hours >= 0, or inf for no window")
    return value


class RapidResponse(_Service):
    clinicians: Capacity
    shift_start_hour: HourOfDay
    shift_end_hour: HourOfDay
    response_window_hours: Annotated[float, BeforeValidator(_no_nan_hours), Field(ge=0.0)]
    """May be ``inf`` (no window: infinite patience, for M/M/c verification); never NaN."""
    visit_hours: LogNormal
    p_treated_at_home: ProbByCrisisType
    p_step_up_reablement: Probability
    p_mdt_referral: Probability
    stay_home_anyway_share: Probability = 0.0
    """Of the crises rapid response would treat at home: the share that would have stayed at home,
    with no A&E attendance, had rapid response not treated them (the counterfactual). Such a crisis
    that rapid response does not treat (not routed, not reached, no service) stays at home; so rapid
    response's benefit counts only for the rest. 0: every one would have gone to A&E."""

    @model_validator(mode="after")
    def _shift_has_hours(self) -> RapidResponse:
        check_hours(self.shift_start_hour, self.shift_end_hour, "shift_start_hour", "shift_end_hour")
        return self
