"""Counters kept per ICP while the model runs; reset in place at the end of the warm-up.

Why plain attributes: the simulation loop increments these hundreds of thousands of times, and
an attribute increment is the cheapest bookkeeping Python offers; a plain class, so a counter is
added here and nowhere else. Processes hold a reference to their ICP's tally, so it is zeroed in
place, never replaced.
"""

from __future__ import annotations

LOS_BINS_PER_DAY = 20
LOS_MAX_DAYS = 400

COUNTERS = (
    "crises", "crises_averted", "rr_referrals", "rr_seen_in_window", "rr_treated_at_home",
    "ed_attendances", "admissions", "bed_waits", "bed_wait_days", "trolley_waits_12h",
    "stays", "stay_days", "stays_over_21d", "discharge_delays",
    "discharge_delay_days", "weekend_discharges", "deaths_in_hospital", "reablement_starts",
    "reablement_waits", "reablement_wait_days", "reablement_ends", "reablement_independent",
    "checks_91d", "at_home_91d", "home_care_starts", "home_care_waits", "home_care_wait_days",
    "community_bed_admissions", "community_bed_wait_days", "care_home_waits",
    "care_home_wait_days", "mdt_referrals", "mdt_reviews",
    "mdt_lapsed", "mdt_wait_days", "mdt_slots_offered", "falls_enrolled", "mh_liaison_cases",
    "ltc_admissions", "deaths", "discharges_to_community", "readmissions_30d", "readmissions_90d",
    "deaths_30d_after_admission", "deaths_90d_after_admission", "post_discharge_crises", "deconditioned",
    "stayed_home_anyway", "place_waits_given_up",
)
"""The tally's scalar counters and sums (its lists: ``pathway``, ``admissions_by_frailty``,
``los_histogram``)."""


class Tally:
    """One ICP's counters, plain attributes (no ``__slots__``, so a counter is one name in
    :data:`COUNTERS`)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        for name in COUNTERS:
            setattr(self, name, 0)
        self.bed_wait_days = 0.0
        self.stay_days = 0.0
        self.discharge_delay_days = 0.0
        self.reablement_wait_days = 0.0
        self.home_care_wait_days = 0.0
        self.community_bed_wait_days = 0.0
        self.care_home_wait_days = 0.0
        self.mdt_wait_days = 0.0
        self.pathway = [0, 0, 0, 0]
        self.admissions_by_frailty = [0, 0, 0]
        self.los_histogram = [0] * (LOS_MAX_DAYS * LOS_BINS_PER_DAY + 1)

    def record_stay(self, days: float) -> None:
        self.stays += 1
        self.stay_days += days
        if days > 21.0:
            self.stays_over_21d += 1
        self.los_histogram[min(int(days * LOS_BINS_PER_DAY), LOS_MAX_DAYS * LOS_BINS_PER_DAY)] += 1
