"""Turn one finished replication into KPIs, per ICP and for the whole area (``all``).

Why raw sums first: a rate or a mean for ``all`` must be the ratio of summed numerators and
denominators, not a mean of the ICPs' ratios. So each ICP gives its raw sums (counts, totals,
time integrals, histograms), ``all`` adds them up, and one function makes KPIs from either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dorothy_sim.floats import sum_left_to_right
from dorothy_sim.model import delays
from dorothy_sim.model.cohort import STATE_NAMES
from dorothy_sim.model.model import DorothyModel, results_days
from dorothy_sim.model.tally import COUNTERS, LOS_BINS_PER_DAY, Tally
from dorothy_sim.model.week import Week
from dorothy_sim.registry import QUEUES, plugins
from dorothy_sim.scenario import FRAILTY_LEVELS, Scenario
from dorothy_sim.scenario.costs import FUNDERS, Costs, expected_resident_days

ALL = "all"
MIN_QUEUE_GROWTH = 10
"""People: a queue that grew by fewer over the results period is not called unstable, whatever its
trend (small queues drift up and down by chance)."""
GROWTH_SHARE = 0.05
"""A stable queue ends about where it started, whatever its traffic; one that has kept at least this
share of its arrivals over the results period (a server short of demand by 5% or more) is not."""


@dataclass
class Raw:
    """Sums for one area over the results period."""

    counts: dict[str, float]
    los_histogram: np.ndarray
    occupancy: np.ndarray  # hourly beds in use
    care_plans: np.ndarray  # daily active care plans
    capacity: dict[str, float] = field(default_factory=dict)

    def __add__(self, other: Raw) -> Raw:
        return Raw(
            counts={k: self.counts[k] + other.counts[k] for k in self.counts},
            los_histogram=self.los_histogram + other.los_histogram,
            occupancy=self.occupancy + other.occupancy,
            care_plans=self.care_plans + other.care_plans,
            capacity={k: self.capacity[k] + other.capacity[k] for k in self.capacity},
        )


def _raw_for(model: DorothyModel, index: int) -> Raw:
    services = model.services[index]
    tally: Tally = model.tallies[index]
    counts = {name: float(getattr(tally, name)) for name in COUNTERS}
    for number, value in enumerate(tally.pathway):
        counts[f"pathway_{number}"] = float(value)
    start, end = model.cohort.icp_ranges[index]
    counts["cohort_size"] = float(end - start)
    for level, name in enumerate(FRAILTY_LEVELS):
        counts[f"admissions_{name}"] = float(tally.admissions_by_frailty[level])
        counts[f"cohort_{name}"] = float(sum(g.size for g in model.cohort.groups
                                             if g.icp == index and g.frailty == level))
    _person_time_counts(model, index, counts)
    counts["cohort_bed_days"] = services.cohort_in_beds.area
    counts.update(services.delays.counts())  # bed days after medically fit, by reason
    counts["all_bed_days"] = services.beds.busy_area
    counts["rr_busy_days"] = services.rr.busy_area
    counts["discharge_busy"] = services.discharge.busy_area
    counts["reablement_busy"] = services.reablement.busy_area
    counts["home_care_busy"] = services.home_care.busy_area
    counts["community_beds_busy"] = services.community_beds.busy_area
    counts["mh_liaison_busy"] = services.mh_liaison.busy_area
    occupancy = np.asarray(model.occupancy_samples[index], dtype=float)
    counts["escalation_bed_days"] = float(np.maximum(occupancy - services.core_beds, 0.0).sum() / 24.0)
    counts["escalation_open_hours"] = float(sum(model.escalation_hours[index]))
    counts["sampled_hours"] = float(len(model.escalation_hours[index]))
    counts["electives_cancelled"] = float(services.beds.turned_away)
    counts["care_home_offered"] = float(services.care_homes.offered)
    counts["care_home_used"] = float(services.care_homes.used)
    days = model.results_days
    capacity = {
        "beds": float(services.core_beds),
        "rr_shift_days": services.rr.nominal_capacity * model.rr_on_shift_days(services),
        "rr_clinicians": float(services.rr.nominal_capacity),
        "discharge": float(services.discharge.nominal_capacity),
        "coordinators": float(services.coordinators),
        "reablement": float(services.reablement.nominal_capacity),
        "home_care": float(services.home_care.nominal_capacity),
        "community_beds": float(services.community_beds.nominal_capacity),
        "mh_liaison": float(services.mh_liaison.nominal_capacity),
        "mh_staff": float(services.mh_staff),
        "falls_places": services.falls_places * days / 365.0,
    }
    for built in services.plugins.values():  # plug-in services (registry): their own counts
        counts.update(built.counts())
        capacity.update(built.capacity())
    return Raw(
        counts=counts,
        los_histogram=np.asarray(tally.los_histogram, dtype=float),
        occupancy=occupancy,
        care_plans=np.asarray(model.care_plan_samples[index], dtype=float),
        capacity=capacity,
    )


PERSON_TIME_CATEGORIES = (*STATE_NAMES, "in_long_term_care", "dead")
"""The index cohort's categories of person-time (model/persontime.py): the states, then after leaving."""


def _person_time_counts(model: DorothyModel, index: int, counts: dict[str, float]) -> None:
    """Person-days by state (everyone) and by category (the index cohort), by frailty level and summed:
    ``person_days_<state>[_<level>]`` and ``index_days_<category>[_<level>]``."""
    ledger = model.person_time
    for prefix, names, read in (("person_days", STATE_NAMES, ledger.days_of),
                                ("index_days", PERSON_TIME_CATEGORIES, ledger.index_days_of)):
        for number, name in enumerate(names):
            by_level = [read(index, level, number) for level in range(len(FRAILTY_LEVELS))]
            counts[f"{prefix}_{name}"] = sum_left_to_right(by_level)
            for level, level_name in enumerate(FRAILTY_LEVELS):
                counts[f"{prefix}_{name}_{level_name}"] = by_level[level]


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float:
    return scale * numerator / denominator if denominator > 0 else math.nan


def kpis_from_raw(raw: Raw, scenario: Scenario) -> dict[str, float]:
    c, cap = raw.counts, raw.capacity
    days = results_days(scenario)
    costs = scenario.costs
    year = days / 365.0
    k: dict[str, float] = {}
    k["cohort_size"] = c["cohort_size"]
    k["crises"] = c["crises"]
    k["crises_averted"] = c["crises_averted"]
    k["rr_referrals"] = c["rr_referrals"]
    k["rr_visits"] = c["rr_seen_in_window"]
    k["rr_seen_within_2h_pct"] = _ratio(c["rr_seen_in_window"], c["rr_referrals"], 100)
    k["rr_admissions_avoided"] = c["rr_treated_at_home"]
    k["rr_stayed_home_anyway"] = c["stayed_home_anyway"]
    k["ed_attendances"] = c["ed_attendances"]
    k["admissions"] = c["admissions"]
    k["admissions_per_1000"] = _ratio(c["admissions"], c["cohort_size"] * year, 1000)
    for name in FRAILTY_LEVELS:
        k[f"admissions_per_1000_{name}"] = _ratio(c[f"admissions_{name}"], c[f"cohort_{name}"] * year, 1000)
    k["home_person_years"] = c["person_days_at_home"] / 365.0
    k["admissions_per_1000_home_py"] = _ratio(c["admissions"], c["person_days_at_home"] / 365.0, 1000)
    for name in FRAILTY_LEVELS:
        k[f"admissions_per_1000_home_py_{name}"] = _ratio(
            c[f"admissions_{name}"], c[f"person_days_at_home_{name}"] / 365.0, 1000)
    k["days_at_home_per_person"] = _ratio(c["index_days_at_home"], c["cohort_size"])
    for name in FRAILTY_LEVELS:
        k[f"days_at_home_per_person_{name}"] = _ratio(c[f"index_days_at_home_{name}"], c[f"cohort_{name}"])
    k["acute_bed_days"] = c["cohort_bed_days"] + c["bed_wait_days"]
    k["background_bed_days"] = c["all_bed_days"] - c["cohort_bed_days"]
    k["acute_occupancy_mean_pct"] = _ratio(c["all_bed_days"], cap["beds"] * days, 100)
    k["acute_occupancy_p95_pct"] = (
        _ratio(float(np.percentile(raw.occupancy, 95)), cap["beds"], 100) if raw.occupancy.size else math.nan)
    k["bed_wait_hours_mean"] = _ratio(c["bed_wait_days"], c["bed_waits"], 24)
    k["trolley_waits_12h"] = c["trolley_waits_12h"]
    k["corridor_care_hours"] = 24.0 * c["bed_wait_days"]
    k["escalation_bed_days"] = c["escalation_bed_days"]
    k["electives_cancelled"] = c["electives_cancelled"]
    k["escalation_open_pct"] = _ratio(c["escalation_open_hours"], c["sampled_hours"], 100)
    k["los_mean_days"] = _ratio(c["stay_days"], c["stays"])
    k["los_median_days"] = _median_from_histogram(raw.los_histogram)
    k["los_over_21d_pct"] = _ratio(c["stays_over_21d"], c["stays"], 100)
    k["mffd_bed_days"] = delays.mffd_bed_days(c)
    k["mffd_bed_share_pct"] = _ratio(k["mffd_bed_days"], c["all_bed_days"], 100)
    k.update(delays.kpis(c))
    for number in range(4):
        k[f"discharges_pathway_{number}"] = c[f"pathway_{number}"]
    k["discharge_delay_days_mean"] = _ratio(c["discharge_delay_days"], c["discharge_delays"])
    k["weekend_discharge_ratio"] = _weekend_discharge_ratio(c, scenario)
    k["deaths_in_hospital"] = c["deaths_in_hospital"]
    k["reablement_starts"] = c["reablement_starts"]
    k["place_waits_given_up"] = c["place_waits_given_up"]
    k["reablement_wait_days_mean"] = _ratio(c["reablement_wait_days"], c["reablement_waits"])
    k["reablement_independent_pct"] = _ratio(c["reablement_independent"], c["reablement_ends"], 100)
    k["home_at_91d_pct"] = _ratio(c["at_home_91d"], c["checks_91d"], 100)
    k["home_care_starts"] = c["home_care_starts"]
    k["home_care_wait_days_mean"] = _ratio(c["home_care_wait_days"], c["home_care_waits"])
    k["community_bed_admissions"] = c["community_bed_admissions"]
    k["community_bed_wait_days_mean"] = _ratio(c["community_bed_wait_days"], c["community_bed_admissions"])
    k["care_home_wait_days_mean"] = _ratio(c["care_home_wait_days"], c["care_home_waits"])
    k["mdt_referrals"] = c["mdt_referrals"]
    k["mdt_reviews"] = c["mdt_reviews"]
    k["mdt_referrals_lapsed"] = c["mdt_lapsed"]
    k["mdt_wait_days_mean"] = _ratio(c["mdt_wait_days"], c["mdt_reviews"])
    k["care_plans_active_mean"] = float(raw.care_plans.mean()) if raw.care_plans.size else math.nan
    k["falls_prevention_enrolled"] = c["falls_enrolled"]
    k["mh_liaison_cases"] = c["mh_liaison_cases"]
    k["readmissions"] = c["readmissions_30d"]
    k["readmissions_30d_pct"] = _ratio(c["readmissions_30d"], c["discharges_to_community"], 100)
    k["readmissions_90d_pct"] = _ratio(c["readmissions_90d"], c["discharges_to_community"], 100)
    k["mortality_30d_pct"] = _ratio(c["deaths_30d_after_admission"], c["admissions"], 100)
    k["mortality_90d_pct"] = _ratio(c["deaths_90d_after_admission"], c["admissions"], 100)
    k["post_discharge_crises"] = c["post_discharge_crises"]
    k["discharges_deconditioned"] = c["deconditioned"]
    k["ltc_admissions"] = c["ltc_admissions"]
    k["deaths"] = c["deaths"]
    k["rr_utilisation_pct"] = _ratio(c["rr_busy_days"], cap["rr_shift_days"], 100)
    k["acute_utilisation_pct"] = k["acute_occupancy_mean_pct"]
    k["discharge_utilisation_pct"] = _ratio(c["discharge_busy"], cap["discharge"] * days, 100)
    k["reablement_utilisation_pct"] = _ratio(c["reablement_busy"], cap["reablement"] * days, 100)
    k["home_care_utilisation_pct"] = _ratio(c["home_care_busy"], cap["home_care"] * days, 100)
    k["community_beds_utilisation_pct"] = _ratio(c["community_beds_busy"], cap["community_beds"] * days, 100)
    k["care_homes_utilisation_pct"] = _ratio(c["care_home_used"], c["care_home_offered"], 100)
    k["mdt_utilisation_pct"] = _ratio(c["mdt_reviews"], c["mdt_slots_offered"], 100)
    k["mh_liaison_utilisation_pct"] = _ratio(c["mh_liaison_busy"], cap["mh_liaison"] * days, 100)
    k["falls_prevention_utilisation_pct"] = _ratio(c["falls_enrolled"], cap["falls_places"], 100)

    k["cost_acute_bed_days_gbp"] = k["acute_bed_days"] * costs.acute_bed_day
    k["cost_ed_gbp"] = c["ed_attendances"] * costs.ed_attendance
    k["cost_rapid_response_gbp"] = (cap["rr_clinicians"] * costs.rr_clinician_post_per_year * year
                                    + c["rr_seen_in_window"] * costs.rr_visit)
    # Commissioned capacity is a block, paid for every day it is commissioned, used or not.
    k["cost_reablement_gbp"] = cap["reablement"] * days * costs.reablement_day
    k["cost_home_care_gbp"] = cap["home_care"] * days * costs.home_care_day
    k["cost_community_beds_gbp"] = cap["community_beds"] * days * costs.community_bed_day
    k["cost_care_homes_gbp"] = (c["ltc_admissions"] * costs.care_home_week / 7.0
                                * expected_resident_days(costs.care_home_median_survival_days))
    k["cost_mdt_gbp"] = c["mdt_slots_offered"] * costs.mdt_review
    k["cost_discharge_gbp"] = cap["coordinators"] * costs.discharge_coordinator_per_year * year
    k["cost_mh_liaison_gbp"] = cap["mh_staff"] * costs.mh_liaison_staff_per_year * year
    k["cost_falls_prevention_gbp"] = cap["falls_places"] * costs.falls_prevention_place
    plugin_kpis: dict[str, float] = {}  # plug-in services' KPIs, costs included, from the summed counts
    for module in plugins():
        plugin_kpis.update(module.kpis(c, cap, scenario, days))
    k["cost_total_gbp"] = sum_left_to_right(
        v for name, v in (*k.items(), *plugin_kpis.items()) if name.startswith("cost_"))
    k["cost_admissions_tariff_gbp"] = c["admissions"] * costs.non_elective_admission
    k.update(_by_funder({name: v for name, v in (*k.items(), *plugin_kpis.items())
                         if name.startswith("cost_") and name not in _NOT_COMPONENTS}, costs))
    k.update(plugin_kpis)  # (after the model's own KPIs, in the order of kpis.KPIS)
    return k


_NOT_COMPONENTS = frozenset({"cost_total_gbp", "cost_admissions_tariff_gbp"})


def _by_funder(components: dict[str, float], costs: Costs) -> dict[str, float]:
    """``cost_<funder>_gbp``: each cost component shared between its funders (``costs.funders``);
    the three add up to ``cost_total_gbp``."""
    paid = {funder: [] for funder in FUNDERS}
    for name, value in components.items():
        shares = costs.shares(name.removeprefix("cost_").removesuffix("_gbp"))
        for funder in FUNDERS:
            paid[funder].append(value * getattr(shares, funder))
    return {f"cost_{funder}_gbp": sum_left_to_right(values) for funder, values in paid.items()}


def _weekend_discharge_ratio(c: dict[str, float], scenario: Scenario) -> float:
    """Discharges from acute beds per weekend day over discharges per weekday, in the results period.
    Why from summed counts: for ``all`` this is the ratio of the area's discharges, not a mean of
    the ICPs' ratios; the days are the results period's, the same for every ICP."""
    warmup = scenario.run.warmup_days
    weekend_days = Week.of(scenario).weekend_days(warmup, warmup + scenario.run.results_days)
    weekdays = results_days(scenario) - weekend_days
    discharges = sum_left_to_right(c[f"pathway_{number}"] for number in range(4))
    weekend = c["weekend_discharges"]
    return _ratio(weekend * weekdays, (discharges - weekend) * weekend_days)


def _median_from_histogram(histogram: np.ndarray) -> float:
    total = histogram.sum()
    if total <= 0:
        return math.nan
    index = int(np.searchsorted(np.cumsum(histogram), total / 2.0))
    return (index + 0.5) / LOS_BINS_PER_DAY


@dataclass
class Part:
    """Raw sums of some of a replication's ICPs: what a worker sends back when one replication is
    split across cores (:func:`dorothy_sim.replication.run_part`), and what a whole run makes too.

    Why raw sums and not KPIs: ``all`` is worked out from the summed raw sums of every ICP, so the
    parts of a replication must meet before any ratio is taken (:func:`assemble`).
    """

    raws: dict[str, Raw]  # ICP name -> its sums, in the scenario's order of ICPs
    ledger: dict[str, int]
    queues: dict[str, dict[str, dict[str, float | bool]]]


def part(model: DorothyModel) -> Part:
    """The raw sums of the ICPs ``model`` simulated."""
    names = model.cohort.icp_names
    return Part(raws={names[i]: _raw_for(model, i) for i in model.icps}, ledger=ledger(model),
                queues=queues(model))


def assemble(parts: list[Part], scenario: Scenario
             ) -> tuple[dict[str, dict[str, float]], dict[str, int], dict[str, list[float]],
                        dict[str, dict[str, dict[str, float | bool]]]]:
    """KPIs, ledger, daily occupancy and queues of one replication from the parts that together
    simulated each of its ICPs once: the same numbers, to the last bit, as one process running all
    ICPs (sums are taken in the scenario's order of ICPs, whatever order the parts come in)."""
    raws = {name: raw for piece in parts for name, raw in piece.raws.items()}
    names = list(scenario.icps)
    if set(raws) != set(names) or len(raws) != sum(len(piece.raws) for piece in parts):
        raise ValueError(f"parts cover ICPs {sorted(raws)}, not each of {list(scenario.icps)} once")
    kpis = {name: kpis_from_raw(raws[name], scenario) for name in names}
    total = raws[names[0]]
    for name in names[1:]:
        total = total + raws[name]
    kpis[ALL] = kpis_from_raw(total, scenario)
    ledger_total = dict(parts[0].ledger)
    for piece in parts[1:]:
        for key, value in piece.ledger.items():
            ledger_total[key] += value
    queue_stats = {name: queue for piece in parts for name, queue in piece.queues.items()}
    return (kpis, ledger_total, daily_occupancy_pct([raws[name] for name in names], names),
            {name: queue_stats[name] for name in names})


def ledger(model: DorothyModel) -> dict[str, int]:
    """Where everyone is at the end, counted two independent ways (for conservation checks)."""
    states = model.cohort.state
    counts = {name: 0 for name in STATE_NAMES}
    alive = 0
    for index in model.icps:
        start, end = model.cohort.icp_ranges[index]
        alive += end - start
        for state in states[start:end]:
            counts[STATE_NAMES[state]] += 1
    simulated = [model.services[index] for index in model.icps]
    return {
        "entered": model.entered,
        "alive": alive,
        "died": model.left_dead,
        "entered_ltc": model.left_ltc,
        **counts,
        "stations_in_acute": sum(int(s.cohort_in_beds.level) + s.awaiting_bed for s in simulated),
        # (a community bed kept for someone still in an acute bed over a weekend is not in use; people
        # from outside the cohort, model/external.py, are not the cohort's)
        "stations_in_community_bed": sum(s.community_beds.count - s.community_beds_kept for s in simulated)
        - sum(usage.in_place for (_, name), usage in model.external.items() if name == "community_beds"),
        "stations_in_crisis": model.in_crisis,
    }


def daily_occupancy_pct(raws: list[Raw], names: list[str]) -> dict[str, list[float]]:
    """Mean acute beds in use each day of the results period, as % of core beds, by area and ``all``.

    Why daily means of the hourly samples: the report's occupancy-over-the-year figure and the
    MSER-5 warm-up check both want one observation a day, and a day averages out the ward round.
    """
    hourly = [raw.occupancy for raw in raws]
    beds = [raw.capacity["beds"] for raw in raws]
    result: dict[str, list[float]] = {}
    for name, series, core in zip(names, hourly, beds, strict=True):
        result[name] = _daily_means(series * (100.0 / core))
    result[ALL] = _daily_means(np.sum(hourly, axis=0) * (100.0 / sum(beds)))
    return result


def _daily_means(hourly: np.ndarray) -> list[float]:
    days = hourly.size // 24
    return hourly[: days * 24].reshape(days, 24).mean(axis=1).tolist()


def queues(model: DorothyModel) -> dict[str, dict[str, dict[str, float | bool]]]:
    """Every queue of every ICP over the results period: people waiting at its start and end, the
    most waiting at a daily count, arrivals (``external_arrivals`` of them from outside the cohort,
    model/external.py), and ``still_rising`` (see :func:`still_rising`).

    Why: a scenario whose demand exceeds a station's capacity still finishes (a queue is a list that
    grows), but its KPIs then measure the run length, not a steady state; this flag lets tables and
    the command line say so, per station.
    """
    result: dict[str, dict[str, dict[str, float | bool]]] = {}
    for index in model.icps:
        name, services = model.cohort.icp_names[index], model.services[index]
        daily = np.asarray(model.queue_samples[index], dtype=float).reshape(-1, len(QUEUES))
        ends, arrivals = services.queue_lengths(), services.queue_arrivals()
        result[name] = {}
        for column, queue in enumerate(QUEUES):
            series = np.append(daily[:, column], ends[column])
            result[name][queue] = {
                "queue_start": float(series[0]), "queue_end": float(ends[column]),
                "queue_max": float(series.max()), "arrivals": float(arrivals[column]),
                "external_arrivals": float(external.arrivals if (external := model.external.get(
                    (index, queue))) else 0),
                "still_rising": still_rising(series, arrivals[column]),
            }
    return result


def still_rising(series: np.ndarray, arrivals: float) -> bool:
    """Whether a queue sampled daily over the results period (and at its end) grows without bound.

    Unstable when it grew by at least :data:`MIN_QUEUE_GROWTH` people and :data:`GROWTH_SHARE` of its
    arrivals, and was still growing over the second half (least-squares slope above zero): a stable
    queue's growth over a year is a chance excursion, a few people, not a share of its traffic.
    """
    growth = float(series[-1] - series[0])
    if growth < max(MIN_QUEUE_GROWTH, GROWTH_SHARE * arrivals):
        return False
    tail = series[len(series) // 2:]
    if tail.size < 3:
        return True
    return bool(np.polyfit(np.arange(tail.size, dtype=float), tail, 1)[0] > 0)
