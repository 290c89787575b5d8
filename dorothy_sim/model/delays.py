"""Delayed discharges by reason: what each person medically fit for discharge is waiting for.

From medically fit until leaving the acute bed, a person waits for one thing at a time:

    discharge_process        the coordinator's (or the ward's) assessment and the weekend
    social_care_assessment   the council's needs assessment (social workers, trusted assessors)
    chc_assessment           an NHS continuing healthcare assessment
    patient_choice           the patient and family choosing (a care home, mostly): no capacity shortens it
    intermediate_care        a reablement place or a community bed
    home_care                a home-care package (the home-care market)
    care_home                a care-home placement

Each reason is a time-weighted count of people (:class:`DelayLedger`), so the bed days by reason are
areas over the results period and sum to the delayed (MFFD) bed days by construction: the KPIs
``delay_bed_days_<reason>`` and ``delay_share_<reason>_pct`` (:func:`kpis`).
"""

from __future__ import annotations

import math

import simpy

from dorothy_sim.floats import sum_left_to_right
from dorothy_sim.model.stations import TimeWeighted
from dorothy_sim.registry import Kpi

REASONS = ("discharge_process", "social_care_assessment", "chc_assessment", "patient_choice",
           "intermediate_care", "home_care", "care_home")
"""What a delayed person waits for, in the order of the tables."""

(DISCHARGE_PROCESS, SOCIAL_CARE_ASSESSMENT, CHC_ASSESSMENT, PATIENT_CHOICE, INTERMEDIATE_CARE,
 HOME_CARE_PACKAGE, CARE_HOME_PLACEMENT) = range(len(REASONS))

SOCIAL_CARE_REASONS = ("social_care_assessment", "home_care", "care_home")
"""The reasons that count as waiting for social care (Wood et al. 2023's split)."""

KPIS: tuple[Kpi, ...] = (
    *(Kpi(f"delay_bed_days_{reason}", "bed days",
          f"bed days after medically fit spent waiting for {reason.replace('_', ' ')}", False)
      for reason in REASONS),
    *(Kpi(f"delay_share_{reason}_pct", "%",
          f"share of the bed days after medically fit spent waiting for {reason.replace('_', ' ')}", None)
      for reason in REASONS),
    Kpi("delay_share_social_care_pct", "%",
        "share of the bed days after medically fit spent waiting for social care (assessment, home care, "
        "a care home)", None),
)


class DelayLedger:
    """One ICP's people medically fit and still in an acute bed, by what they wait for."""

    def __init__(self, env: simpy.Environment) -> None:
        self.by_reason = [TimeWeighted(env) for _ in REASONS]

    def start(self, reason: int) -> int:
        """A person becomes medically fit, waiting for ``reason``; returns it (the person's reason)."""
        self.by_reason[reason].add(1)
        return reason

    def switch(self, current: int, reason: int) -> int:
        """The person waiting for ``current`` now waits for ``reason``; returns it."""
        if reason != current:
            self.by_reason[current].add(-1)
            self.by_reason[reason].add(1)
        return reason

    def end(self, current: int) -> None:
        """The person leaves the bed."""
        self.by_reason[current].add(-1)

    def reset(self) -> None:
        for level in self.by_reason:
            level.reset()

    def close(self) -> None:
        for level in self.by_reason:
            level.close()

    def counts(self) -> dict[str, float]:
        return {f"delay_bed_days_{reason}": level.area
                for reason, level in zip(REASONS, self.by_reason, strict=True)}


def mffd_bed_days(c: dict[str, float]) -> float:
    """The bed days after medically fit: the sum of the days by reason (left to right, so the parts
    sum to the whole exactly as the tables show them)."""
    return sum_left_to_right(c[f"delay_bed_days_{reason}"] for reason in REASONS)


def kpis(c: dict[str, float]) -> dict[str, float]:
    """The delay KPIs from summed counts (an ICP's or the area's)."""
    total = mffd_bed_days(c)
    k = {f"delay_bed_days_{reason}": c[f"delay_bed_days_{reason}"] for reason in REASONS}
    for reason in REASONS:
        k[f"delay_share_{reason}_pct"] = (100.0 * c[f"delay_bed_days_{reason}"] / total if total > 0
                                          else math.nan)
    social = sum_left_to_right(c[f"delay_bed_days_{reason}"] for reason in SOCIAL_CARE_REASONS)
    k["delay_share_social_care_pct"] = 100.0 * social / total if total > 0 else math.nan
    return k
