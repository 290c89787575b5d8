"""Common random numbers: scenarios that differ only in levers meet the same people and crises.

These pin the design (model/cohort.py): the cohort and the candidate-crisis stream depend only on
the seed and the population inputs, never on a lever, so paired comparisons are exact where the
inputs agree.
"""

from __future__ import annotations

import numpy as np

from dorothy_sim import INTERVENTIONS_OFF, load_scenario
from dorothy_sim.model import draws
from dorothy_sim.model.cohort import Cohort, crisis_candidates, person_event_candidates
from dorothy_sim.model.draws import CrisisDraws, DrawColumns

LEVERS = {
    "rapid_response.clinicians": 5,
    "reablement.places": 3,
    "mdt.cases_per_week": 40,
    "falls_prevention.places_per_year": 900,
    "expert_opinion.clinicians": 2,
}


def _first_chunk(scenario, seed):
    cohort = Cohort(scenario, seed)
    horizon = scenario.run.warmup_days + scenario.run.results_days
    return cohort, next(crisis_candidates(cohort, scenario, seed, horizon, 0))


def test_levers_do_not_change_the_people_or_the_candidate_crises():
    base = load_scenario("small")
    for changed in (base.with_overrides(LEVERS), base.with_overrides(INTERVENTIONS_OFF)):
        cohort_a, chunk_a = _first_chunk(base, 7)
        cohort_b, chunk_b = _first_chunk(changed, 7)
        assert cohort_a.age_band == cohort_b.age_band
        assert cohort_a.dementia == cohort_b.dementia
        assert cohort_a.lives_alone == cohort_b.lives_alone
        for part_a, part_b in zip(chunk_a, chunk_b, strict=True):
            np.testing.assert_array_equal(_values(part_a), _values(part_b))


def _values(part) -> np.ndarray:
    return np.asarray(part.values if isinstance(part, DrawColumns) else part)


def test_a_different_seed_gives_different_crises():
    base = load_scenario("small")
    _, chunk_a = _first_chunk(base, 7)
    _, chunk_b = _first_chunk(base, 8)
    assert chunk_a[0] != chunk_b[0]


def test_changing_one_person_event_rate_leaves_the_other_kinds_alone():
    # Deaths, entries to care and MDT risk referrals have one stream each.
    base = load_scenario("small")
    more_referrals = base.with_overrides({"mdt.risk_referral_rate_per_year.mild": 0.5})
    cohort = Cohort(base, 3)
    deaths_a = next(person_event_candidates(cohort, base.crises.death_rate_per_year.as_tuple(), 3,
                                            "deaths_at_home", 100.0, 0))
    deaths_b = next(person_event_candidates(cohort, more_referrals.crises.death_rate_per_year.as_tuple(),
                                            3, "deaths_at_home", 100.0, 0))
    assert deaths_a == deaths_b
    referrals_a = next(person_event_candidates(cohort, base.mdt.risk_referral_rate_per_year.as_tuple(),
                                               3, "mdt_risk_referrals", 100.0, 0))
    referrals_b = next(person_event_candidates(
        cohort, more_referrals.mdt.risk_referral_rate_per_year.as_tuple(), 3, "mdt_risk_referrals", 100.0, 0))
    assert referrals_a != referrals_b


def test_each_named_draw_has_its_own_stream_so_adding_one_changes_no_other(monkeypatch):
    scenario = load_scenario("small")
    frailty = np.zeros(64, dtype=np.int64)
    before_uniforms, before_durations = CrisisDraws(scenario, 5, "icp").chunk(64, frailty)
    monkeypatch.setitem(draws._UNIFORMS, "a_new_decision", None)
    monkeypatch.setitem(draws._DURATIONS, "a_new_duration", draws._DURATIONS["treatment"])
    after_uniforms, after_durations = CrisisDraws(scenario, 5, "icp").chunk(64, frailty)
    for row in (0, 31, 63):
        for name in before_uniforms.index:
            assert getattr(before_uniforms.row(row), name) == getattr(after_uniforms.row(row), name)
        for name in before_durations.index:
            assert getattr(before_durations.row(row), name) == getattr(after_durations.row(row), name)
    assert 0.0 <= after_uniforms.row(7).a_new_decision < 1.0
    assert after_durations.row(7).a_new_duration > 0.0


def test_every_decision_of_the_journeys_is_a_named_draw_read_by_name():
    import dorothy_sim.model.model  # noqa: F401  (imports every journey module, which declare their draws)

    names = draws.uniform_names() + draws.duration_names()
    assert len(set(names)) == len(names)
    assert {"route", "admit", "pathway", "treatment", "ed_hours"} <= set(names)
    row = DrawColumns(np.zeros((1, 1)), {"admit": 0}).row(0)
    assert row.admit == 0.0
    try:
        row.no_such_draw  # noqa: B018
    except AttributeError as error:
        assert "no_such_draw" in str(error)
    else:
        raise AssertionError("an undeclared draw must be an AttributeError")
