"""Person-time by state (model/persontime.py) and the exposure-adjusted outcomes built on it.

Conservation of person-time: everyone's days by state add up to the cohort's size times the results
period, and the index cohort's (the people there when the period starts) days by state, in long-term
care and dead add up to the same. Then the ledger by hand, as a property over random histories, and
the direction that makes the outcomes hard to game: keeping people in hospital lowers days at home.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorothy_sim.model.cohort import AT_HOME, IN_ACUTE, IN_CRISIS, STATE_NAMES
from dorothy_sim.model.engine import Environment
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.model.persontime import PersonTime
from dorothy_sim.scenario import FRAILTY_LEVELS
from tests.conftest import SEEDS

LEVELS = len(FRAILTY_LEVELS)
STATES = len(STATE_NAMES)
LTC, DEAD = STATES, STATES + 1


@pytest.fixture(scope="module")
def small_model(small) -> DorothyModel:
    return DorothyModel(small, SEEDS[0]).run()


def test_everyones_days_add_up_to_the_cohort_times_the_period(small_model):
    ledger, cohort = small_model.person_time, small_model.cohort
    period = small_model.horizon - small_model.warmup
    for icp, (start, end) in enumerate(cohort.icp_ranges):
        for level in range(LEVELS):
            people = sum(1 for slot in range(start, end) if cohort.frailty[slot] == level)
            days = [ledger.days_of(icp, level, state) for state in range(STATES)]
            assert sum(days) == pytest.approx(people * period, rel=1e-12)
            assert min(days) >= 0.0
    assert math.fsum(ledger.days) == pytest.approx(cohort.size * period, rel=1e-12)


def test_the_index_cohorts_days_add_up_including_long_term_care_and_death(small_model):
    ledger, cohort = small_model.person_time, small_model.cohort
    period = small_model.horizon - small_model.warmup
    assert math.fsum(ledger.index_days) == pytest.approx(cohort.size * period, rel=1e-12)
    dead = sum(ledger.index_days_of(icp, level, DEAD)
               for icp in range(len(cohort.icp_names)) for level in range(LEVELS))
    in_care = sum(ledger.index_days_of(icp, level, LTC)
                  for icp in range(len(cohort.icp_names)) for level in range(LEVELS))
    assert dead > 0.0 and in_care > 0.0  # (people die and enter care in a year of the small scenario)


def test_the_kpis_read_the_ledgers(small_runs):
    kpis = small_runs.kpis({}, SEEDS[0])
    assert 0.0 < kpis["days_at_home_per_person"] < 365.0
    assert kpis["days_at_home_per_person_severe"] < kpis["days_at_home_per_person_mild"]
    assert kpis["home_person_years"] < kpis["cohort_size"]
    assert kpis["admissions_per_1000_home_py"] == pytest.approx(
        1000 * kpis["admissions"] / kpis["home_person_years"])
    # at home less than the whole year, so the rate per home person-year exceeds the rate per place
    assert kpis["admissions_per_1000_home_py"] > kpis["admissions_per_1000"]


def _ledger(slots: int = 2, icps: int = 1) -> tuple[PersonTime, Environment]:
    clock = Environment()  # (its clock is set by hand below)
    state = [AT_HOME] * slots
    return PersonTime(clock, state, [0] * slots, [0] * slots, icps, LEVELS, STATES, AT_HOME), clock


def test_a_history_booked_by_hand():
    ledger, clock = _ledger()
    clock._now = 10.0
    ledger.reset()  # the period starts at day 10
    clock._now = 12.0
    ledger.move(0, IN_CRISIS)
    clock._now = 12.5
    ledger.move(0, IN_ACUTE)
    clock._now = 20.0
    ledger.leave(0, died=True)  # a newcomer takes slot 0, at home
    clock._now = 30.0
    ledger.close()
    assert ledger.days_of(0, 0, AT_HOME) == pytest.approx(2.0 + 10.0 + 20.0)  # person 0, newcomer, person 1
    assert ledger.days_of(0, 0, IN_CRISIS) == pytest.approx(0.5)
    assert ledger.days_of(0, 0, IN_ACUTE) == pytest.approx(7.5)
    assert ledger.index_days_of(0, 0, AT_HOME) == pytest.approx(2.0 + 20.0)  # not the newcomer's
    assert ledger.index_days_of(0, 0, DEAD) == pytest.approx(10.0)
    assert ledger.index_days_of(0, 0, LTC) == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 5.0), st.integers(0, 3), st.integers(-2, STATES - 1)),
                max_size=40))
def test_person_time_adds_up_whatever_the_history(events):
    """Any history of moves (a state) and departures (-1 into care, -2 death): both ledgers add up to
    people x period, every entry is non-negative."""
    ledger, clock = _ledger(slots=4)
    clock._now = 1.0
    ledger.reset()
    for gap, slot, what in events:
        clock._now += gap
        if what >= 0:
            ledger.move(slot, what)
        else:
            ledger.leave(slot, died=what == -2)
    clock._now += 1.0
    ledger.close()
    period = clock._now - 1.0
    assert math.fsum(ledger.days) == pytest.approx(4 * period, rel=1e-9, abs=1e-9)
    assert math.fsum(ledger.index_days) == pytest.approx(4 * period, rel=1e-9, abs=1e-9)
    assert min(ledger.days) >= 0.0 and min(ledger.index_days) >= -1e-9


def test_keeping_people_in_hospital_is_not_a_benefit(small_runs):
    """Halve reablement (14 places to 7, where the small scenario's beds gridlock) and let people
    wait for it as long as it takes: fewer admissions, as people sit in beds where crises do not
    happen, but days alive and at home and person-years at home fall. (The rate per person-year at
    home need not rise: the people still at home are, on average, further from their last discharge
    and its raised risk.) With the default longest wait (14 days) they go home without it instead."""
    waits = {"reablement.max_wait_days": 10000.0, "community_beds.max_wait_days": 10000.0}
    base, starved = waits, {**waits, "reablement.places": 7}
    assert small_runs.mean(starved, "admissions") < small_runs.mean(base, "admissions")
    assert small_runs.mean(starved, "home_person_years") < small_runs.mean(base, "home_person_years")
    assert small_runs.mean(starved, "days_at_home_per_person") < small_runs.mean(
        base, "days_at_home_per_person") - 5.0
