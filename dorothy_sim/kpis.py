"""The KPI names, units and meanings that every result table keeps (MODEL.md §5).

One list, read by the monitor that computes KPIs, the summaries, the reports and the docs, so
names and units live in exactly one place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dorothy_sim.model.delays import KPIS as DELAY_KPIS
from dorothy_sim.registry import SERVICES, Kpi

__all__ = ["COMPARISON_BY_NAME", "COMPARISON_KPIS", "KPIS", "KPI_BY_NAME", "RANKING_KPI", "RAW_AVOIDED_KPI",
           "Kpi", "UNITS", "exposure_adjusted_avoided", "money_comparisons"]

_MODEL_KPIS: tuple[Kpi, ...] = (
    Kpi("cohort_size", "people", "people in the frail 65+ cohort (constant: a newly frail person replaces "
        "each death or entry to long-term care)"),
    Kpi("crises", "count", "crises in the cohort during the results period", False),
    Kpi("crises_averted", "count",
        "candidate crises prevented by falls prevention, home care or care plans", True),
    Kpi("rr_referrals", "count", "crisis calls routed to rapid response", None),
    Kpi("rr_visits", "count", "rapid-response visits made within the response window", None),
    Kpi("rr_seen_within_2h_pct", "%", "rapid-response referrals reached within the response window", True),
    Kpi("rr_admissions_avoided", "count",
        "crises treated at home by rapid response (no A&E attendance, so no admission at that crisis)", True),
    Kpi("rr_stayed_home_anyway", "count", "crises rapid response did not treat at home that stayed at home "
        "without A&E, as they would have without the service (rapid_response.stay_home_anyway_share)", None),
    Kpi("ed_attendances", "count", "A&E attendances of the cohort", False),
    Kpi("admissions", "count", "non-elective admissions of the cohort", False),
    Kpi("admissions_per_1000", "per 1000 per year", "admissions per 1000 cohort members per year", False),
    Kpi("admissions_per_1000_mild", "per 1000 per year",
        "admissions per 1000 mildly frail people per year", False),
    Kpi("admissions_per_1000_moderate", "per 1000 per year",
        "admissions per 1000 moderately frail people per year", False),
    Kpi("admissions_per_1000_severe", "per 1000 per year",
        "admissions per 1000 severely frail people per year", False),
    Kpi("home_person_years", "person-years",
        "person-time of the cohort alive and at home (not in a crisis, a bed or long-term care): the "
        "exposure that admission rates divide by", True),
    Kpi("admissions_per_1000_home_py", "per 1000 person-years at home",
        "admissions per 1000 person-years at home: time held in a bed is not counted as time at risk",
        False),
    *(Kpi(f"admissions_per_1000_home_py_{level}", "per 1000 person-years at home",
          f"admissions of {level}ly frail people per 1000 of their person-years at home", False)
      for level in ("mild", "moderate", "severe")),
    Kpi("days_at_home_per_person", "days",
        "days alive and at home (DAH) per person in the cohort at the start of the results period, "
        "followed over it (days in a crisis, a bed or long-term care, and after death, do not count)", True),
    *(Kpi(f"days_at_home_per_person_{level}", "days",
          f"days alive and at home per {level}ly frail person in the cohort at the start of the period", True)
      for level in ("mild", "moderate", "severe")),
    Kpi("acute_bed_days", "bed days",
        "acute bed days used by the cohort, including days waiting for a bed after the decision to admit "
        "(on a trolley or in a corridor)", False),
    Kpi("background_bed_days", "bed days",
        "acute bed days used by non-cohort admissions (emergency and elective)", None),
    Kpi("acute_occupancy_mean_pct", "%", "mean acute bed occupancy, all patients, of core beds", None),
    Kpi("acute_occupancy_p95_pct", "%", "95th percentile of hourly acute bed occupancy, of core beds", None),
    Kpi("bed_wait_hours_mean", "hours", "mean wait for an acute bed after the decision to admit", False),
    Kpi("trolley_waits_12h", "count",
        "cohort admissions that waited over 12 hours from the decision to admit for a bed", False),
    Kpi("corridor_care_hours", "hours",
        "hours the cohort waited for a bed after the decision to admit (corridor care, boarding)", False),
    Kpi("escalation_bed_days", "bed days", "bed days in escalation beds (above the core beds)", False),
    Kpi("electives_cancelled", "count",
        "planned admissions cancelled because no bed was free or people waited for one", False),
    Kpi("escalation_open_pct", "%", "share of hours with escalation beds open", False),
    Kpi("los_mean_days", "days",
        "mean acute length of stay of the cohort (admission to leaving the bed)", False),
    Kpi("los_median_days", "days", "median acute length of stay of the cohort", False),
    Kpi("los_over_21d_pct", "%", "cohort stays longer than 21 days", False),
    Kpi("mffd_bed_days", "bed days", "bed days after the person was medically fit for discharge", False),
    Kpi("mffd_bed_share_pct", "%",
        "share of all occupied acute bed days that are after medically fit", False),
    *DELAY_KPIS,
    Kpi("discharges_pathway_0", "count", "discharges home without new support", None),
    Kpi("discharges_pathway_1", "count", "discharges home with reablement or a home-care package", None),
    Kpi("discharges_pathway_2", "count", "discharges to a community (step-down) bed", None),
    Kpi("discharges_pathway_3", "count", "discharges to a care-home placement", None),
    Kpi("discharge_delay_days_mean", "days", "mean time from medically fit to leaving the acute bed", False),
    Kpi("weekend_discharge_ratio", "ratio",
        "discharges from acute beds per weekend day over discharges per weekday (1: no weekly pattern)",
        None),
    Kpi("deaths_in_hospital", "count", "deaths in an acute bed", None),
    Kpi("reablement_starts", "count", "reablement episodes started (discharges and step-ups)", None),
    Kpi("place_waits_given_up", "count",
        "people sent home without the reablement place or community bed they waited for, at the longest "
        "wait (an unsupported discharge)", False),
    Kpi("reablement_wait_days_mean", "days", "mean wait for a reablement place", False),
    Kpi("reablement_independent_pct", "%", "reablement episodes ending with no ongoing support needed", True),
    Kpi("home_at_91d_pct", "%", "people discharged into reablement still at home 91 days later", True),
    Kpi("home_care_starts", "count", "home-care packages started", None),
    Kpi("home_care_wait_days_mean", "days", "mean wait for a home-care package", False),
    Kpi("community_bed_admissions", "count", "admissions to community (step-down) beds", None),
    Kpi("community_bed_wait_days_mean", "days", "mean wait in an acute bed for a community bed", False),
    Kpi("care_home_wait_days_mean", "days", "mean wait in an acute bed for a care-home placement", False),
    Kpi("mdt_referrals", "count", "referrals to the MDT", None),
    Kpi("mdt_reviews", "count", "MDT case reviews", None),
    Kpi("mdt_referrals_lapsed", "count", "MDT referrals that lapsed unreviewed", False),
    Kpi("mdt_wait_days_mean", "days", "mean wait from MDT referral to review", False),
    Kpi("care_plans_active_mean", "people",
        "mean number of people with an active anticipatory care plan", None),
    Kpi("falls_prevention_enrolled", "people", "people enrolled in falls prevention", None),
    Kpi("mh_liaison_cases", "count", "acute admissions seen by mental-health liaison", None),
    Kpi("readmissions", "count",
        "emergency admissions within 30 days of the person's last discharge home from an acute bed", False),
    Kpi("readmissions_30d_pct", "%",
        "emergency readmissions within 30 days, per 100 discharges home from an acute bed", False),
    Kpi("readmissions_90d_pct", "%",
        "emergency readmissions within 90 days, per 100 discharges home from an acute bed", False),
    Kpi("mortality_30d_pct", "%",
        "deaths (in or out of hospital) within 30 days of the person's last emergency admission, per 100 "
        "admissions", False),
    Kpi("mortality_90d_pct", "%",
        "deaths (in or out of hospital) within 90 days of the person's last emergency admission, per 100 "
        "admissions", False),
    Kpi("post_discharge_crises", "count",
        "crises brought by the raised risk after a discharge home (readmission risk)", False),
    Kpi("discharges_deconditioned", "count",
        "discharges whose pathway stepped up a level because of a long stay (deconditioning)", False),
    Kpi("ltc_admissions", "count", "entries to long-term (care-home) care", False),
    Kpi("deaths", "count", "deaths in the cohort", None),
    Kpi("rr_utilisation_pct", "%", "rapid-response clinician time busy, of on-shift time", None),
    Kpi("acute_utilisation_pct", "%", "acute core beds busy (equals mean occupancy)", None),
    Kpi("discharge_utilisation_pct", "%", "discharge-coordinator case slots busy", None),
    Kpi("reablement_utilisation_pct", "%", "reablement places busy", None),
    Kpi("home_care_utilisation_pct", "%", "home-care packages in use", None),
    Kpi("community_beds_utilisation_pct", "%", "community beds occupied", None),
    Kpi("care_homes_utilisation_pct", "%", "care-home placements offered that were used", None),
    Kpi("mdt_utilisation_pct", "%", "MDT review slots used", None),
    Kpi("mh_liaison_utilisation_pct", "%", "mental-health liaison case slots busy", None),
    Kpi("falls_prevention_utilisation_pct", "%", "falls-prevention places filled", None),
    Kpi("cost_acute_bed_days_gbp", "GBP", "acute bed days (waits for a bed included) x unit cost", False),
    Kpi("cost_ed_gbp", "GBP", "A&E attendances x unit cost", False),
    Kpi("cost_rapid_response_gbp", "GBP", "rapid-response posts and visits", False),
    Kpi("cost_reablement_gbp", "GBP",
        "reablement places commissioned x days x cost per place-day (a block: used or not)", False),
    Kpi("cost_home_care_gbp", "GBP",
        "home-care packages commissioned x days x cost per package-day (a block: used or not)", False),
    Kpi("cost_community_beds_gbp", "GBP",
        "community beds commissioned x days x cost per bed day (a block: used or not)", False),
    Kpi("cost_care_homes_gbp", "GBP",
        "entries to long-term care in the period x expected resident days after entry (survival) x "
        "cost per day: the care the entries commit to, whoever pays", False),
    Kpi("cost_mdt_gbp", "GBP", "MDT review slots commissioned x cost per review (a block)", False),
    Kpi("cost_discharge_gbp", "GBP", "discharge coordinators employed", False),
    Kpi("cost_mh_liaison_gbp", "GBP", "mental-health liaison staff employed", False),
    Kpi("cost_falls_prevention_gbp", "GBP",
        "falls-prevention places commissioned x cost per place (a block: filled or not)", False),
    Kpi("cost_total_gbp", "GBP", "sum of the cost components above (all funders)", False),
    Kpi("cost_admissions_tariff_gbp", "GBP",
        "admissions x national average tariff (a second view, not in the total)", False),
    Kpi("cost_nhs_gbp", "GBP",
        "the NHS's share of cost_total_gbp (acute and community health services, NHS-funded nursing "
        "care and continuing healthcare in care homes): costs.funders", False),
    Kpi("cost_council_gbp", "GBP",
        "the councils' share of cost_total_gbp (Kent County Council, Medway Council: reablement, "
        "home care, care homes, social-care assessment): costs.funders", False),
    Kpi("cost_self_funded_gbp", "GBP",
        "what people pay for their own care (home care, care homes): costs.funders", False),
)

KPIS: tuple[Kpi, ...] = (*_MODEL_KPIS, *(kpi for service in SERVICES for kpi in service.kpis))
"""Every KPI: the model's, then each plug-in service's (declared in :mod:`dorothy_sim.registry`)."""

KPI_BY_NAME: dict[str, Kpi] = {k.name: k for k in KPIS}

# Comparison KPIs exist only for a configuration paired with its baseline (same seeds, common random
# numbers). Each is computed per replication and then summarised, so its interval is a paired one.
# Signs are chosen so that "more is better" reads naturally in a board report.
COMPARISON_KPIS: tuple[Kpi, ...] = (
    Kpi("avoided_admissions_exposure_adjusted", "count",
        "(baseline admissions per person-year at home - scenario's) x scenario person-years at home "
        "(paired): admissions avoided for the time people were at home, not for time held in a bed", True),
    Kpi("avoided_admissions", "count", "baseline admissions minus scenario admissions (paired)", True),
    Kpi("days_at_home_gained", "days",
        "scenario minus baseline days alive and at home, summed over the cohort (paired)", True),
    Kpi("bed_days_saved", "bed days", "baseline acute bed days minus scenario acute bed days (paired)", True),
    Kpi("beds_released_at_85pct", "beds",
        "bed days saved / (results days x 0.85): beds that could close and run at 85% occupancy", True),
    Kpi("beds_released_at_92pct", "beds",
        "bed days saved / (results days x 0.92): beds that could close and run at 92% occupancy", True),
    Kpi("cost_change_gbp", "GBP", "scenario total cost minus baseline total cost (paired)", False),
    Kpi("net_saving_gbp", "GBP", "baseline total cost minus scenario total cost: positive is a saving", True),
    Kpi("net_saving_nhs_gbp", "GBP", "baseline minus scenario cost_nhs_gbp (paired): the NHS's net saving",
        True),
    Kpi("net_saving_council_gbp", "GBP",
        "baseline minus scenario cost_council_gbp (paired): the councils' net saving", True),
    Kpi("net_saving_self_funded_gbp", "GBP",
        "baseline minus scenario cost_self_funded_gbp (paired): what self-funders save", True),
    Kpi("capacity_released_gbp", "GBP",
        "bed days saved x cost per acute bed day (paired): capacity released, valued but not cash", True),
    Kpi("cash_releasing_saving_gbp", "GBP",
        "cash released by whole wards closing (costs.ward_beds beds each at costs.ward_occupancy; "
        "costs.ward_closure_saving_per_bed_day) minus the change in every cost but acute bed days and "
        "A&E (paired): what a finance director can take out of budgets", True),
    Kpi("net_saving_stp_view_gbp", "GBP",
        "acute bed-day and A&E savings net of seed 004's reinvestment rates (35% of avoided "
        "admissions' bed days and A&E, 25% of shorter stays'), the STP's arithmetic: the reinvestment "
        "stands for the new services' cost, which is not subtracted again (paired)", True),
    Kpi("cost_per_avoided_admission_gbp", "GBP per admission",
        "mean cost change (all funders) / mean exposure-adjusted avoided admissions over the paired "
        "replications (a ratio of means, its interval by the delta method; blank where the mean avoided "
        "is not above zero, no interval where the avoided admissions' own interval reaches zero): "
        "negative is a saving while avoiding admissions", False),
    Kpi("cost_per_day_at_home_gbp", "GBP per day",
        "mean cost change (all funders) / mean days at home gained over the paired replications (as "
        "above): negative is a saving while adding days at home", False),
)
RATIO_KPIS: dict[str, tuple[str, str]] = {
    "cost_per_avoided_admission_gbp": ("cost_change_gbp", "avoided_admissions_exposure_adjusted"),
    "cost_per_day_at_home_gbp": ("cost_change_gbp", "days_at_home_gained"),
}
"""Comparison KPIs that are a ratio of two others' means (numerator, denominator): a mean of
per-replication ratios would be dominated by the replications that avoid almost nothing."""
COMPARISON_BY_NAME: dict[str, Kpi] = {k.name: k for k in COMPARISON_KPIS}
UNITS: dict[str, str] = {k.name: k.unit for k in (*KPIS, *COMPARISON_KPIS)}

RANKING_KPI = "avoided_admissions_exposure_adjusted"
"""The measure every ranking, "best" configuration, search objective and headline figure uses.

Why not the raw count (:data:`RAW_AVOIDED_KPI`): crises happen only to people at home, so a
configuration that keeps people in hospital (a bed gridlocked for want of onward care) has fewer
admissions simply because fewer people are at home to have a crisis. The exposure-adjusted count
compares admissions per person-year at home, so time held in a bed is not an admission avoided. It
does not remove every bias (people held in hospital also miss their raised risk after discharge, so
those at home are at lower risk on average), which is why gridlocked configurations are flagged and
never ranked, and days at home gained is shown beside it."""

RAW_AVOIDED_KPI = "avoided_admissions"
"""Baseline minus configuration admissions: shown beside :data:`RANKING_KPI`, labelled as the raw
count, never used to rank."""


def exposure_adjusted_avoided(admissions: Any, home_person_years: Any, baseline_admissions: Any,
                              baseline_home_person_years: Any) -> Any:
    """(baseline admissions per person-year at home - the configuration's) x the configuration's
    person-years at home: the admissions it avoided for the time people were at home. Works on
    numbers, arrays and aligned pandas Series alike (one value per replication)."""
    baseline_rate = baseline_admissions / baseline_home_person_years
    return (baseline_rate - admissions / home_person_years) * home_person_years


def money_comparisons(ours: Any, theirs: Any, avoided: np.ndarray, days_gained: np.ndarray,
                      results_days: np.ndarray, costs: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The money comparison KPIs, one value per replication: net saving per funder, capacity released,
    cash releasing saving, the STP view of net saving and the cost-effectiveness ratios.

    ``ours`` and ``theirs`` hold the configuration's and the baseline's KPIs (columns) per replication
    (rows, aligned); ``avoided`` (exposure-adjusted) and ``days_gained`` are the paired benefits;
    ``costs`` is each replication's ``[costs]`` section as a dict (a stored run from before it was
    kept gives NaN for the KPIs that need its prices)."""
    change = (ours["cost_total_gbp"] - theirs["cost_total_gbp"]).to_numpy(dtype=float)
    acute = (ours["cost_acute_bed_days_gbp"] - theirs["cost_acute_bed_days_gbp"]).to_numpy(dtype=float)
    ed = (ours["cost_ed_gbp"] - theirs["cost_ed_gbp"]).to_numpy(dtype=float)
    saved = (theirs["acute_bed_days"] - ours["acute_bed_days"]).to_numpy(dtype=float)

    def price(name: str) -> np.ndarray:
        return np.array([float(c.get(name, np.nan)) for c in costs], dtype=float)

    ward_beds = price("ward_beds")
    beds = saved / (results_days * price("ward_occupancy"))
    wards = np.trunc(beds / ward_beds)  # whole wards only (opening one costs the same, if beds are needed)
    cash_released = wards * ward_beds * results_days * price("ward_closure_saving_per_bed_day")
    baseline_stay = (theirs["acute_bed_days"] / theirs["admissions"]).to_numpy(dtype=float)
    from_admissions = (theirs["admissions"] - ours["admissions"]).to_numpy(dtype=float) * baseline_stay
    bed_day = price("acute_bed_day")
    stp = (bed_day * ((1.0 - price("reinvestment_admissions")) * from_admissions
                      + (1.0 - price("reinvestment_los")) * (saved - from_admissions))
           - (1.0 - price("reinvestment_ed")) * ed)
    return {
        **{f"net_saving_{funder}_gbp": -(ours[f"cost_{funder}_gbp"] - theirs[f"cost_{funder}_gbp"]).to_numpy(
            dtype=float) for funder in ("nhs", "council", "self_funded")},
        "capacity_released_gbp": -acute,
        "cash_releasing_saving_gbp": cash_released - (change - acute - ed),
        "net_saving_stp_view_gbp": stp,
    }


def ratio_of_means(numerator: np.ndarray, denominator: np.ndarray,
                   confidence: float = 0.95) -> tuple[float, float, float, int]:
    """mean(numerator) / mean(denominator) over paired replications, and its delta-method interval
    (the t interval of the linearised residual numerator - ratio x denominator, divided by the mean
    denominator): (ratio, low, high, n). NaN where the mean denominator is not above zero; the
    interval NaN where the denominator's own t interval reaches zero (the ratio is then unbounded)."""
    from scipy import stats

    pair = ~(np.isnan(numerator) | np.isnan(denominator))
    top, bottom = np.asarray(numerator, dtype=float)[pair], np.asarray(denominator, dtype=float)[pair]
    n = int(top.size)
    if n == 0 or bottom.mean() <= 0.0:
        return (np.nan, np.nan, np.nan, n)
    ratio = float(top.mean() / bottom.mean())
    if n < 2:
        return (ratio, np.nan, np.nan, n)
    t = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))
    if bottom.mean() - t * bottom.std(ddof=1) / np.sqrt(n) <= 0.0:
        return (ratio, np.nan, np.nan, n)
    half = t * float((top - ratio * bottom).std(ddof=1)) / np.sqrt(n) / float(bottom.mean())
    return (ratio, ratio - half, ratio + half, n)
