"""Each Local Care lever moves its KPI the expected way, under common random numbers.

Every comparison runs the baseline and the changed scenario on the same seeds (``SEEDS``) and
compares the means: a paired comparison, since both meet the same people and the same crises.
Baselines are chosen so that the lever's service is a real constraint (a tight baseline), and the
changes are large enough that the direction holds on every block of seeds tried when the tests
were written (seeds 1-12 in blocks of three), not just on the seeds used here.
"""

from __future__ import annotations

import math

from tests.conftest import SEEDS


def test_more_rapid_response_never_increases_admissions(small_runs):
    # Measured (seeds 1-3): 0 -> about 1,610, 1 -> 1,385, 2 -> 1,370 admissions. Beyond two
    # clinicians the service is no longer a constraint (about 73% reached either way), so a third
    # and fourth may change nothing; they must not add admissions beyond noise (0.5%).
    means = [small_runs.mean({"rapid_response.clinicians": c}, "admissions") for c in (0, 1, 2)]
    assert means[0] > means[1] >= means[2], means
    four = small_runs.mean({"rapid_response.clinicians": 4}, "admissions")
    assert four <= 1.005 * means[2], (means, four)


def test_more_rapid_response_raises_share_seen_within_two_hours(small_runs):
    # Measured: 1 clinician about 70%, 2 about 74%.
    one = small_runs.mean({"rapid_response.clinicians": 1}, "rr_seen_within_2h_pct")
    two = small_runs.mean({"rapid_response.clinicians": 2}, "rr_seen_within_2h_pct")
    assert two > one + 1.0


def test_more_rapid_response_treats_more_people_at_home(small_runs):
    zero = small_runs.mean({"rapid_response.clinicians": 0}, "rr_admissions_avoided")
    two = small_runs.mean({"rapid_response.clinicians": 2}, "rr_admissions_avoided")
    assert zero == 0
    assert two > 100


def test_no_rapid_response_means_no_referrals_reached(small_runs):
    kpis = small_runs.kpis({"rapid_response.clinicians": 0}, SEEDS[0])
    assert kpis["rr_admissions_avoided"] == 0
    assert math.isnan(kpis["rr_seen_within_2h_pct"]) or kpis["rr_seen_within_2h_pct"] == 0


def test_more_reablement_places_lower_mffd_bed_days(small_runs):
    # Tight baseline: 10 places is a bottleneck (about 8,900 MFFD bed days against 4,500 at 14).
    tight = {"reablement.places": 10}
    more = {"reablement.places": 14}
    assert small_runs.mean(more, "mffd_bed_days") < 0.8 * small_runs.mean(tight, "mffd_bed_days")
    assert small_runs.mean(more, "reablement_wait_days_mean") < small_runs.mean(
        tight, "reablement_wait_days_mean")


def test_more_discharge_coordinators_lower_discharge_delay_when_scarce(small_runs):
    # Scarce: one coordinator carrying three cases (about 20 days' delay; two coordinators about 4).
    scarce = {"discharge.cases_per_coordinator": 3, "discharge.coordinators": 1}
    more = {"discharge.cases_per_coordinator": 3, "discharge.coordinators": 2}
    assert small_runs.mean(more, "discharge_delay_days_mean") < 0.5 * small_runs.mean(
        scarce, "discharge_delay_days_mean")
    assert small_runs.mean(more, "mffd_bed_days") < small_runs.mean(scarce, "mffd_bed_days")


def test_more_falls_prevention_lowers_crises(small_runs):
    # 80 -> 800 places a year: about 50 fewer crises and 47 more averted.
    base = {"falls_prevention.places_per_year": 80}
    more = {"falls_prevention.places_per_year": 800}
    assert small_runs.mean(more, "crises") < small_runs.mean(base, "crises")
    assert small_runs.mean(more, "crises_averted") > small_runs.mean(base, "crises_averted")
    assert small_runs.mean(more, "falls_prevention_enrolled") > small_runs.mean(
        base, "falls_prevention_enrolled")


def test_more_home_care_packages_shorten_waits_and_mffd_bed_days(small_runs):
    # Tight baseline: 40 packages (about 26 days' wait); 100 packages under 1 day.
    tight = {"home_care.packages": 40}
    more = {"home_care.packages": 100}
    assert small_runs.mean(more, "home_care_wait_days_mean") < small_runs.mean(
        tight, "home_care_wait_days_mean")
    assert small_runs.mean(more, "mffd_bed_days") < small_runs.mean(tight, "mffd_bed_days")
    assert small_runs.mean(more, "home_care_starts") > small_runs.mean(tight, "home_care_starts")


def test_single_point_of_access_raises_rapid_response_referrals(small_runs):
    off = small_runs.mean({"spa.call_handlers": 0}, "rr_referrals")
    on = small_runs.mean({"spa.call_handlers": 1}, "rr_referrals")
    # Routing share 0.12 -> 0.30 of answered calls (97% answered): about 500 -> 1,180 referrals.
    assert on > 1.5 * off
    assert small_runs.mean({"spa.call_handlers": 1}, "admissions") < small_runs.mean(
        {"spa.call_handlers": 0}, "admissions")


def test_more_mdt_capacity_raises_reviews_and_does_not_raise_crises(small_runs):
    base = {"mdt.cases_per_week": 10}
    more = {"mdt.cases_per_week": 40}
    assert small_runs.mean(more, "mdt_reviews") > small_runs.mean(base, "mdt_reviews") + 100
    # (within noise, 0.5%: the extra crises after a discharge take their draws in the order they come)
    assert small_runs.mean(more, "crises") <= 1.005 * small_runs.mean(base, "crises")
    assert small_runs.mean(more, "admissions") <= 1.005 * small_runs.mean(base, "admissions")
    assert small_runs.mean(more, "care_plans_active_mean") > small_runs.mean(base, "care_plans_active_mean")


def test_expert_opinion_lowers_admissions(small_runs):
    off = {"expert_opinion.clinicians": 0}
    on = {"expert_opinion.clinicians": 1}
    # About 1,476 -> 1,310 admissions (seeds 1-3: a geriatrician 09:00-22:00 answers 90% of calls).
    assert small_runs.mean(on, "admissions") < 0.95 * small_runs.mean(off, "admissions")
    assert small_runs.mean(on, "rr_admissions_avoided") > small_runs.mean(off, "rr_admissions_avoided")


def test_more_mental_health_liaison_sees_more_cases_and_shortens_stays(small_runs):
    # With onward care ample: in the small scenario reablement is tight, and liaison's shorter
    # treatment then only moves the wait (and its care-home diversions join the reablement queue):
    # seeds 1-3, 1 to 3 staff, mean stay 12.31 to 12.39 days there, 11.85 to 11.66 with onward care ample.
    ample = {"reablement.places": 30, "home_care.packages": 120, "community_beds.beds": 12}
    base = {"mh_liaison.staff": 1, **ample}
    more = {"mh_liaison.staff": 3, **ample}
    assert small_runs.mean(more, "mh_liaison_cases") > small_runs.mean(base, "mh_liaison_cases") + 50
    assert small_runs.mean(more, "los_mean_days") < small_runs.mean(base, "los_mean_days")


def test_more_community_beds_lower_waits_for_a_community_bed(small_runs):
    # Tight baseline: 2 beds (about 60 days' wait in the acute bed); 12 beds none.
    tight = {"community_beds.beds": 2}
    more = {"community_beds.beds": 12}
    assert small_runs.mean(more, "community_bed_wait_days_mean") < small_runs.mean(
        tight, "community_bed_wait_days_mean")
    assert small_runs.mean(more, "mffd_bed_days") < small_runs.mean(tight, "mffd_bed_days")


# More pathway-3 discharges than small.toml's one placement a week can take.
MORE_CARE_HOME_DISCHARGES = {
    "discharge.pathway_shares.mild": [0.55, 0.30, 0.03, 0.12],
    "discharge.pathway_shares.moderate": [0.40, 0.40, 0.05, 0.15],
    "discharge.pathway_shares.severe": [0.30, 0.45, 0.05, 0.20],
}


def test_more_care_home_placements_lower_care_home_waits(small_runs):
    tight = {**MORE_CARE_HOME_DISCHARGES, "care_homes.placements_per_week": 1}
    more = {**MORE_CARE_HOME_DISCHARGES, "care_homes.placements_per_week": 3}
    # About 180 -> 20 days' wait, 20,000 -> 8,000 MFFD bed days.
    assert small_runs.mean(more, "care_home_wait_days_mean") < small_runs.mean(
        tight, "care_home_wait_days_mean")
    assert small_runs.mean(more, "mffd_bed_days") < small_runs.mean(tight, "mffd_bed_days")
    assert small_runs.mean(more, "discharges_pathway_3") > small_runs.mean(tight, "discharges_pathway_3")


def test_length_of_stay_cap_lowers_acute_bed_days(small_runs):
    capped = {"acute.los_cap_days": 10}
    # Measured about a third fewer cohort bed days.
    assert small_runs.mean(capped, "acute_bed_days") < 0.85 * small_runs.mean({}, "acute_bed_days")
    assert small_runs.mean(capped, "los_mean_days") < small_runs.mean({}, "los_mean_days")


def test_length_of_stay_cap_bounds_stays_of_people_aged_70_plus(small_runs):
    # Only the 65-69s may stay beyond the cap, so long stays become rare.
    capped = small_runs.kpis({"acute.los_cap_days": 10}, SEEDS[0])
    uncapped = small_runs.kpis({}, SEEDS[0])
    assert capped["los_over_21d_pct"] < 0.5 * uncapped["los_over_21d_pct"]


def test_fewer_weekend_discharges_raise_mffd_bed_days(small_runs):
    # No weekly pattern (1), the published pattern (0.6), hardly any weekend discharges (0.2): ready
    # people wait in the bed for a weekday, and onward care is arranged more slowly at weekends.
    factor = "discharge.weekend_discharge_factor"
    means = [small_runs.mean({factor: f}, "mffd_bed_days") for f in (1.0, 0.6, 0.2)]
    assert means[0] < means[1] < means[2], means
    assert small_runs.mean({factor: 0.2}, "weekend_discharge_ratio") < 0.4


def test_the_levers_move_the_exposure_adjusted_outcomes_too(small_runs):
    """The main outcomes, not only the counts: more rapid response, expert opinion and reablement lower
    admissions per 1000 person-years at home and raise days alive and at home. Measured (seeds 1-3):
    rapid response 0 to 2 clinicians 355 to 294 and 338.0 to 340.8 days; expert opinion (the advice
    line) 0 to 1 clinician 299 to 265 and 340.5 to 341.9; reablement 10 to 14 places 300.5 to 296.8
    and 340.9 to 341.4 (a smaller gain in days at home since people waiting for a place go home
    without it after the longest wait, 14 days, instead of staying in the bed)."""
    for lower, higher, days in (({"rapid_response.clinicians": 0}, {"rapid_response.clinicians": 2}, 1.0),
                                ({"expert_opinion.clinicians": 0}, {"expert_opinion.clinicians": 1}, 1.0),
                                ({"reablement.places": 10}, {"reablement.places": 14}, 0.25)):
        assert small_runs.mean(higher, "admissions_per_1000_home_py") < small_runs.mean(
            lower, "admissions_per_1000_home_py"), higher
        assert small_runs.mean(higher, "days_at_home_per_person") > small_runs.mean(
            lower, "days_at_home_per_person") + days, higher
