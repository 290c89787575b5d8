"""Wiring: one SimPy environment, the cohort, each ICP's services, and the processes that drive them.

``DorothyModel(scenario, seed).run()`` simulates the warm-up and the results period and returns
the raw tallies that :mod:`dorothy_sim.monitor` turns into KPIs. Nothing here decides a patient's
route: that reads top to bottom in :mod:`dorothy_sim.model.journey` and the station modules.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dorothy_sim.model import downstream, external, mdt, prevention, readmission
from dorothy_sim.model.cohort import (
    AT_HOME,
    Cohort,
    DemandProfile,
    background_arrivals,
    crisis_candidates,
    person_event_candidates,
)
from dorothy_sim.model.engine import Environment
from dorothy_sim.model.journey import Crisis, crisis_journey
from dorothy_sim.model.services import IcpServices
from dorothy_sim.model.tally import Tally
from dorothy_sim.model.thinning import Thinning
from dorothy_sim.model.week import Week
from dorothy_sim.registry import plugins
from dorothy_sim.scenario import CRISIS_TYPES, Scenario

FALL = CRISIS_TYPES.index("fall")


# Collect the young generation after 50,000 net allocations of containers, the middle one every 50
# of those, the oldest practically never (see _young_garbage_only).
RUN_THRESHOLDS = (50_000, 50, 1000)


def collect_before_a_model() -> None:
    """Free what earlier models left behind, before a new model allocates anything.

    Why: a finished model is one large reference cycle (environment, scheduled calls, processes,
    the model), freed only by a full collection. A worker process runs replication after
    replication, and the collector is held back during a run (:func:`_young_garbage_only`), so
    without this the earlier models pile up. Done before the new model exists, the collection walks
    only the garbage and what lives on in the process, not the new model's cohort: this keeps one
    model's worth of memory at the peak, not two.
    """
    gc.collect()


def settle_worker_process() -> None:
    """In a worker process that runs replications for the tool, collect, then freeze what is alive.

    Why: every model begins with a full collection (:func:`collect_before_a_model`), and its cost
    is the number of objects it walks. In a worker that is about 110,000 objects from the imported
    libraries (0.05–0.09 s a collection, four parts a replication), which live as long as the
    worker. Frozen once at the worker's start they are not walked again (benchmarks/RESULTS.md);
    the one collection here walks them, and whatever a forked worker inherited, once.
    Only where the process is the tool's own (its pool's workers, the Dask workers it is given):
    ``gc.freeze`` is process-wide, and a modeller's own session keeps its collector as it was.
    Freezing after a collection leaves no garbage frozen; what a model allocates later is not frozen.

    The worker also keeps the run's thresholds (:data:`RUN_THRESHOLDS`) between runs. Restoring
    Python's default (700 net allocations) after a run would set off, at the next allocation, a
    young collection of the whole finished model, which is still young, to find nothing the
    collection before the next model would not free anyway.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*RUN_THRESHOLDS)


@contextmanager
def _young_garbage_only() -> Iterator[None]:
    """Run with Python's cyclic garbage collector mostly out of the way.

    Why: a replication allocates millions of short-lived tuples and frames, and each collection of
    the older generations walks every long-lived object (the cohort's lists, the stations, the
    scheduled processes). With these thresholds only the young generations are collected during a
    run (an oldest-generation collection would take 2.5 billion net allocations of containers),
    with the same peak memory (benchmarks/RESULTS.md): the few reference cycles the model makes
    (finished processes) are still collected.

    Nothing is frozen here: the thresholds alone keep the older generations unwalked, and a freeze
    without a collection first would keep every earlier model alive in a worker.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(*RUN_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


class DorothyModel:
    """One replication of the Dorothy model."""

    def __init__(self, scenario: Scenario, seed: int, icps: Sequence[int] | None = None) -> None:
        collect_before_a_model()
        self.scenario = scenario
        self.seed = seed
        self.env = Environment()
        self.warmup = scenario.run.warmup_days
        self.horizon = scenario.run.warmup_days + scenario.run.results_days
        self.week = Week.of(scenario)
        # The ICPs this model simulates (indices): all, or some for one part of a replication split
        # across cores (replication.run_part). The others have no people, services or events;
        # capacities are still shared out over every ICP's cohort, so each ICP gets what it gets in
        # a whole run.
        self.icps = _chosen_icps(icps, len(scenario.icps))
        self.cohort = Cohort(scenario, seed, self.icps)
        self.person_time = self.cohort.keep_time(self.env)
        sizes = self.cohort.icp_sizes
        self.services: list[IcpServices] = [
            IcpServices(self.env, scenario, i, sizes) if i in self.icps else None  # type: ignore[misc]
            for i in range(len(sizes))]
        self.simulated = [self.services[i] for i in self.icps]
        self.tallies = [Tally() for _ in sizes]
        self.profile = DemandProfile(scenario, self.horizon)
        self.occupancy_samples: list[list[int]] = [[] for _ in sizes]
        self.care_plan_samples: list[list[int]] = [[] for _ in sizes]
        self.escalation_hours: list[list[int]] = [[] for _ in sizes]
        self.queue_samples: list[list[list[int]]] = [[] for _ in sizes]  # daily, by QUEUES
        self.in_crisis = 0
        self.entered = sum(sizes[i] for i in self.icps)
        self.left_dead = 0
        self.left_ltc = 0
        self.external: dict[tuple[int, str], external.Usage] = {}  # (ICP, station): people from outside

        # Precomputed per-run constants read on the hot path
        self.falls_ratio = scenario.falls_prevention.falls_rate_ratio
        self.package_factor = 1.0 - scenario.home_care.crisis_rate_reduction
        self.plan_factor = 1.0 - scenario.mdt.crisis_rate_reduction
        spa = scenario.spa  # (the share without a first contact's answer: journey.py)
        self.rr_routing_share_on = spa.rr_routing_share_on
        self.rr_routing_share_off = spa.rr_routing_share_off
        self.stay_home_anyway_share = scenario.rapid_response.stay_home_anyway_share
        self.p_admit = scenario.ed.p_admit.as_tuple()  # (the advice line's effect: journey.py)
        self.plan_admit_factor = 1.0 - scenario.mdt.admission_reduction
        # Plug-in services' hooks into the journeys (registry): the first contact of a crisis and
        # second opinions before admitting or conveying (journey.py), alternatives to an acute
        # admission (journey.py) and early supported discharge (acute.py).
        self.plugins = plugins()
        self.first_contacts = [module.first_contact for module in self.plugins
                               if hasattr(module, "first_contact")]
        self.second_opinions = [module.second_opinion for module in self.plugins
                                if hasattr(module, "second_opinion")]
        self.admission_alternatives = [module.instead_of_admission for module in self.plugins
                                       if hasattr(module, "instead_of_admission")]
        self.step_downs = [module for module in self.plugins if hasattr(module, "plan_step_down")]
        # ... and the assessment teams a discharge may wait for (discharge.py), in registry order.
        self.assessment_teams = [module for module in self.plugins if hasattr(module, "assessment_for")]
        self.choice_share_care_home = scenario.discharge.patient_choice_share_care_home
        self.choice_share_other = scenario.discharge.patient_choice_share_other
        crises = scenario.crises
        self.post_discharge_days = crises.post_discharge_days
        self.post_discharge_hazard = [(crises.post_discharge_death_ratio - 1.0) * rate / 365.0
                                      for rate in crises.death_rate_per_year.as_tuple()]
        self.after_stay = readmission.AfterTheStay(self)  # deconditioning, readmission risk

    def turned_round(self, crisis, source: str, p_admit: float = 0.0) -> bool:
        """Whether a second opinion (a plug-in's hook: the geriatrician advice line) turns round a
        decision to admit at A&E (``source`` "ed", chance ``p_admit``) or to convey after a
        rapid-response visit ("rapid_response")."""
        for ask in self.second_opinions:  # noqa: SIM110 (no generator made per would-be admission)
            if ask(self, crisis, source, p_admit):
                return True
        return False

    # ----------------------------------------------------------------- people leaving the cohort

    def leave(self, slot: int, died: bool) -> None:
        """The person in ``slot`` dies or enters long-term care; a newly frail person replaces them."""
        tally = self.tallies[self.cohort.icp[slot]]
        if died:
            tally.deaths += 1
            self.left_dead += 1
            readmission.on_death(self, tally, slot)
        else:
            tally.ltc_admissions += 1
            self.left_ltc += 1
        for process in self.cohort.holdings.pop(slot, {}).values():
            if process.is_alive:
                process.interrupt("left the cohort")
        self.cohort.replace(slot, died)
        self.entered += 1

    # ----------------------------------------------------------------- sources of events

    def _start_crisis_source(self) -> None:
        """Candidate crises (model/cohort.py) become crises at each person's own rate, lowered by
        falls prevention, a home-care package and a care plan; each crisis is a process."""
        env, cohort = self.env, self.cohort
        tallies = self.tallies
        # Rate modifiers (kernel: model/thinning.py), in this order: falls prevention (falls only),
        # a home-care package, a care plan.
        modifiers = [(cohort.falls_until, self.falls_ratio, FALL),
                     (cohort.package_until, self.package_factor, -1),
                     (cohort.plan_until, self.plan_factor, -1)]

        start_crisis = self.start_crisis

        def start(chunk, row: int, slot: int, kind: int) -> None:
            start_crisis(slot, kind, chunk[4].row(row), chunk[5].row(row))

        on_candidate = Thinning(env, cohort.state, AT_HOME, cohort.rate_share, cohort.icp, tallies,
                                modifiers, start).handle
        # A source (Environment.add_source), not a process or a timer chain: each of about 250,000
        # candidates costs a comparison with the event heap's head, not a heap push and pop.
        for index in self.icps:
            env.add_source(crisis_candidates(cohort, self.scenario, self.seed, self.horizon, index),
                           on_candidate)

    def start_crisis(self, slot: int, kind: int, draw, days) -> None:
        """A crisis of type ``kind`` for the person in ``slot`` now, with its named draws (a process)."""
        area = self.cohort.icp[slot]
        crisis = Crisis(slot, self.cohort.generation[slot], kind, self.services[area], self.tallies[area],
                        draw, days)
        self.env.start(crisis_journey(self, crisis))

    def _start_person_events(self) -> None:
        crises = self.scenario.crises
        sources = (
            ("deaths_at_home", crises.death_rate_per_year.as_tuple(),
             lambda slot: self.leave(slot, died=True)),
            ("ltc_entries_from_home", crises.ltc_entry_rate_per_year.as_tuple(),
             lambda slot: self.leave(slot, died=False)),
            ("mdt_risk_referrals", self.scenario.mdt.risk_referral_rate_per_year.as_tuple(),
             lambda slot: mdt.refer(self, slot)),
        )
        state = self.cohort.state
        for name, rates, happen in sources:
            # people away from home are skipped: deaths and moves to care from an acute or
            # community bed are modelled there
            def on_candidate(chunk, row: int, happen=happen) -> None:
                slot = chunk[1][row]
                if state[slot] == AT_HOME:
                    happen(slot)

            for index in self.icps:
                self.env.add_source(
                    person_event_candidates(self.cohort, rates, self.seed, name, self.horizon, index),
                    on_candidate)

    def schedule_post_discharge_death(self, slot: int, u: float) -> None:
        """The extra risk of death after an emergency admission: a hazard of (ratio - 1) times the
        person's usual death rate for ``post_discharge_days``, on top of the deaths at home that
        everyone faces. Drawn once, at discharge, from the crisis's own uniform (common random
        numbers), and scheduled only if it falls inside the window."""
        extra = self.post_discharge_hazard[self.cohort.frailty[slot]]
        if extra <= 0.0:
            return
        delay = -math.log1p(-u) / extra
        if delay < self.post_discharge_days:
            self.env.call_later(delay, self._post_discharge_death, (slot, self.cohort.generation[slot]))

    def _post_discharge_death(self, person: tuple[int, int]) -> None:
        slot, generation = person
        if self.cohort.generation[slot] == generation and self.cohort.state[slot] == AT_HOME:
            self.leave(slot, died=True)

    def _start_background_admissions(self, services: IcpServices) -> None:
        """Non-elective and elective admissions from outside the frail cohort, competing for the same
        beds: stays that need no decisions, so each is a station's handler (a bed for the stay, no
        process): :meth:`~stations.Station.stay_from_source`, or for electives
        :meth:`~stations.Station.stay_if_free_from_source`."""
        if services.background_per_day > 0:
            self.env.add_source(background_arrivals(self.seed, services.name, services.background_per_day,
                                                    self.profile, services.background_los, self.horizon),
                                services.beds.stay_from_source)
        # Planned (elective) admissions, on weekdays, yield to emergencies: one that finds no free bed,
        # or people waiting for one, is cancelled (counted), which is how a trust near 100% keeps going.
        if services.elective_per_day > 0:
            self.env.add_source(background_arrivals(self.seed, services.name, services.elective_per_day,
                                                    self.profile, services.elective_los, self.horizon,
                                                    kind="elective", working_week=self.week),
                                services.beds.stay_if_free_from_source)

    def _bed_manager(self, services: IcpServices):
        """Escalation beds: opened at a site bed meeting when too many people wait for a bed,
        closed when no one waits and use is back within the core beds."""
        acute = self.scenario.acute
        beds = services.beds
        while True:
            yield self.env.timeout(acute.escalation_check_hours / 24.0)
            waiting = beds.queue_length
            if not services.escalation_open and waiting > acute.escalation_open_when_waiting:
                services.escalation_open = True
                beds.set_capacity(services.core_beds + services.escalation_beds)
            elif services.escalation_open and waiting == 0 and beds.count <= services.core_beds:
                services.escalation_open = False
                beds.set_capacity(services.core_beds)

    # ----------------------------------------------------------------- measurement

    def _hourly_sampler(self):
        """Bed occupancy and escalation every hour, active care plans and queue lengths every day,
        in the results period. Counting hours as integers keeps the sample times exact (no drift
        from adding 1/24)."""
        env = self.env
        hour = 0
        while True:
            if env.now >= self.warmup:
                for index in self.icps:
                    services = self.services[index]
                    self.occupancy_samples[index].append(services.beds.count)
                    self.escalation_hours[index].append(1 if services.escalation_open else 0)
                if hour % 24 == 0:
                    for index in self.icps:
                        services = self.services[index]
                        self.care_plan_samples[index].append(services.mdt.active_plans(env.now))
                        self.queue_samples[index].append(services.queue_lengths())
            hour += 1
            yield env.timeout(hour / 24.0 - env.now)

    def _end_warmup(self):
        yield self.env.timeout(self.warmup)
        for tally in self.tallies:
            tally.reset()
        for services in self.simulated:
            services.reset_statistics()
        self.person_time.reset()

    # ----------------------------------------------------------------- run

    def run(self) -> DorothyModel:
        with _young_garbage_only():
            return self._run()

    def _run(self) -> DorothyModel:
        env = self.env
        self._start_crisis_source()
        self._start_person_events()
        for services in self.simulated:
            self._start_background_admissions(services)
            if services.escalation_beds:
                env.start(self._bed_manager(services))
            mdt.start_meetings(self, services)
            downstream.start_initial_packages(self, services)
            prevention.start_falls_prevention(self, services)
            for module in self.plugins:
                if hasattr(module, "start"):
                    module.start(self, services)
        external.begin(self)  # a start state and arrivals from outside the cohort, if configured
        env.start(self._hourly_sampler())
        env.start(self._end_warmup())
        env.run(until=self.horizon)
        for services in self.simulated:
            services.close_statistics()
        self.person_time.close()
        return self

    @property
    def results_days(self) -> float:
        return results_days(self.scenario)

    def rr_on_shift_days(self, services: IcpServices) -> float:
        """Clock days of rapid-response shift time in the results period (utilisation's base)."""
        return services.on_shift_days(self.warmup, self.horizon)


def results_days(scenario: Scenario) -> float:
    """The results period's length as the model works it out (horizon minus warm-up): for
    fractional days this can differ in the last bit from ``run.results_days``, and the KPIs of a
    replication put together from parts must divide by the same number as the model's own."""
    warmup = scenario.run.warmup_days
    return (warmup + scenario.run.results_days) - warmup


def _chosen_icps(icps: Sequence[int] | None, count: int) -> list[int]:
    if icps is None:
        return list(range(count))
    chosen = sorted(set(icps))
    if not chosen or chosen[0] < 0 or chosen[-1] >= count or len(chosen) != len(icps):
        raise ValueError(f"icps {list(icps)}: give each ICP index (0 to {count - 1}) at most once, "
                         "and at least one")
    return chosen
