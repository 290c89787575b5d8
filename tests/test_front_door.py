"""The front door's levers: each moves its KPIs the right way, with capacity and cost.

Why: the single point of access and expert opinion were free switches (a routing share, a cut in the
chance of admission for everyone), and rapid response's grid varied clinicians where the shift was
the constraint. Now each is bought as capacity for some hours, its effect reaches only the calls it
answers, and its cost follows the capacity and the hours. Every comparison is paired: the same seeds
(common random numbers), so a crisis meets each decision with the same draw in both scenarios.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from dorothy_sim import load_scenario
from dorothy_sim.cli import main
from dorothy_sim.errors import ScenarioError
from dorothy_sim.replication import run_one
from dorothy_sim.spec import plan, spec_from_dict
from tests.conftest import SEEDS  # (1, 2, 3; DOROTHY_TEST_SEEDS reruns the tests on others)

SHORT = {"run.warmup_days": 30, "run.results_days": 150}
_cache: dict[tuple, dict[str, float]] = {}


def total(overrides: dict[str, Any], kpi: str) -> float:
    """The KPI summed over the paired seeds (whole area), short runs of the small scenario."""
    values = []
    for seed in SEEDS:
        key = (repr(sorted(overrides.items())), seed)
        if key not in _cache:
            _cache[key] = run_one(load_scenario("small", {**SHORT, **overrides}), seed).kpis["all"]
        values.append(_cache[key][kpi])
    return sum(values)


# --------------------------------------------------------------------------- single point of access

# Long calls make one handler the constraint (about 80% of calls answered in time, 3 handlers: all).
SLOW_CALLS = {"spa.call_minutes": {"mean": 30.0, "cv": 0.5}}


def test_more_call_handlers_answer_more_calls_and_refer_more_to_rapid_response():
    one, three = {**SLOW_CALLS, "spa.call_handlers": 1}, {**SLOW_CALLS, "spa.call_handlers": 3}
    assert total(three, "spa_answered") > 1.1 * total(one, "spa_answered")  # (about 1.2)
    assert total(three, "spa_answered_pct") > total(one, "spa_answered_pct")
    assert total(three, "rr_referrals") > total(one, "rr_referrals") + 60
    assert total(three, "spa_utilisation_pct") < total(one, "spa_utilisation_pct")
    assert total(three, "cost_spa_gbp") == pytest.approx(3 * total(one, "cost_spa_gbp"))


def test_longer_opening_hours_answer_more_calls_and_cost_more():
    day = {"spa.call_handlers": 1, "spa.open_hour": 8.0, "spa.close_hour": 20.0}
    always = {"spa.call_handlers": 1, "spa.open_hour": 0.0, "spa.close_hour": 24.0}
    assert total(always, "spa_calls") > total(day, "spa_calls")
    assert total(always, "spa_answered") > total(day, "spa_answered")
    assert total(always, "rr_referrals") > total(day, "rr_referrals")
    assert total(always, "cost_spa_gbp") == pytest.approx(2 * total(day, "cost_spa_gbp"))


# --------------------------------------------------------------------------- geriatrician advice line

SLOW_ADVICE = {"expert_opinion.call_minutes": {"mean": 60.0, "cv": 0.5}}


def test_more_advice_line_clinicians_answer_more_calls_and_admit_fewer():
    off, one, three = ({**SLOW_ADVICE, "expert_opinion.clinicians": n} for n in (0, 1, 3))
    assert total(three, "expert_opinion_answered") > total(one, "expert_opinion_answered") > 0
    assert total(three, "expert_opinion_answered_pct") > total(one, "expert_opinion_answered_pct")
    assert total(three, "expert_opinion_admissions_avoided") > total(one, "expert_opinion_admissions_avoided")
    assert total(three, "admissions") < total(one, "admissions") < total(off, "admissions")
    assert total(three, "cost_expert_opinion_gbp") == pytest.approx(3 * total(one, "cost_expert_opinion_gbp"))


def test_the_advice_line_acts_only_on_the_calls_it_answers():
    """A bigger cut in the chance of admission does nothing when no call is answered (every call in
    the closed hours: open 03:00-03:30 is near enough to none), and something when they are."""
    line = {"expert_opinion.clinicians": 1}
    narrow = {**line, "expert_opinion.open_hour": 3.0, "expert_opinion.close_hour": 3.5}
    cut = {"expert_opinion.admission_reduction": 0.5}
    assert total({**narrow, **cut}, "expert_opinion_calls") < 0.05 * total(
        {**line, **cut}, "expert_opinion_calls")
    wide = {**line, "expert_opinion.open_hour": 0.0, "expert_opinion.close_hour": 24.0}
    gain_narrow = total(narrow, "admissions") - total({**narrow, **cut}, "admissions")
    gain_wide = total(wide, "admissions") - total({**wide, **cut}, "admissions")
    assert gain_wide > 5 * max(gain_narrow, 1.0)


# --------------------------------------------------------------------------- rapid response's hours

def test_a_round_the_clock_rapid_response_reaches_a_higher_share():
    day = {"rapid_response.shift_start_hour": 8.0, "rapid_response.shift_end_hour": 20.0}
    always = {"rapid_response.shift_start_hour": 0.0, "rapid_response.shift_end_hour": 24.0}
    assert total(always, "rr_seen_within_2h_pct") > total(day, "rr_seen_within_2h_pct") + 3 * 15.0
    assert total(always, "rr_admissions_avoided") > total(day, "rr_admissions_avoided")
    assert total(always, "ed_attendances") < total(day, "ed_attendances")


def test_a_sweep_over_the_shift_hours_plans():
    the_plan = plan(spec_from_dict({
        "name": "shift", "scenario": "small", "design": "grid",
        "factors": {"rapid_response.shift_start_hour": [0, 8], "rapid_response.shift_end_hour": [20, 24]},
        "replications": {"count": 1}}))
    hours = {(s.rapid_response.shift_start_hour, s.rapid_response.shift_end_hour) for s in the_plan.scenarios}
    assert hours == {(0, 20), (0, 24), (8, 20), (8, 24)}


# --------------------------------------------------------------------------- the counterfactual

NO_RR = {"rapid_response.clinicians": 0}


def test_crises_that_would_have_stayed_home_do_so_without_rapid_response():
    anyway = {"rapid_response.stay_home_anyway_share": 0.3}
    assert total(NO_RR, "rr_stayed_home_anyway") == 0
    assert total({**NO_RR, **anyway}, "rr_stayed_home_anyway") > 0
    assert total({**NO_RR, **anyway}, "ed_attendances") < total(NO_RR, "ed_attendances")


def test_rapid_response_is_credited_only_with_the_crises_that_would_have_gone_to_a_and_e():
    """The A&E attendances rapid response saves (no service against the default service, paired)
    shrink when some of the crises it treats would have stayed home anyway."""
    anyway = {"rapid_response.stay_home_anyway_share": 0.5}
    saved = total(NO_RR, "ed_attendances") - total({}, "ed_attendances")
    saved_net = total({**NO_RR, **anyway}, "ed_attendances") - total(anyway, "ed_attendances")
    assert 0 < saved_net < 0.75 * saved


# --------------------------------------------------------------------------- off, and bad input

def test_no_capacity_means_off_no_calls_and_no_cost():
    off = {"spa.call_handlers": 0, "expert_opinion.clinicians": 0}
    for kpi in ("spa_calls", "spa_answered", "cost_spa_gbp", "expert_opinion_calls",
                "expert_opinion_answered", "cost_expert_opinion_gbp"):
        assert total(off, kpi) == 0, kpi
    for kpi in ("spa_answered_pct", "spa_utilisation_pct", "expert_opinion_answered_pct",
                "expert_opinion_utilisation_pct"):
        assert math.isnan(total(off, kpi)), kpi
    # Switched off, none of the service's other figures changes anything.
    others = {"spa.open_hour": 8.0, "spa.close_hour": 20.0, "spa.call_minutes": {"mean": 30.0, "cv": 1.0},
              "spa.cost_per_handler_hour": 99.0, "expert_opinion.admission_reduction": 0.9,
              "expert_opinion.rr_treated_at_home_gain": 0.9}
    for kpi in ("crises", "rr_referrals", "ed_attendances", "admissions", "acute_bed_days", "cost_total_gbp"):
        assert total({**off, **others}, kpi) == total(off, kpi), kpi


@pytest.mark.parametrize(("field", "value"), [
    ("spa.call_handlers", "-1"),
    ("spa.close_hour", "25"),
    ("spa.answer_minutes", "-5"),
    ("expert_opinion.clinicians", "-2"),
    ("expert_opinion.open_hour", "24.5"),
    ("expert_opinion.admission_reduction", "1.2"),
    ("rapid_response.stay_home_anyway_share", "1.5"),
    ("rapid_response.shift_end_hour", "30"),
])
def test_bad_front_door_input_exits_2_naming_the_field(field, value, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "--scenario", "small", "--set", f"{field}={value}", "--reps", "1", "--workers", "1",
                 "--quiet", "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert field.split(".")[-1] in err and "Traceback" not in err, err
    assert not out.exists()


def test_equal_opening_hours_are_refused_naming_the_field():
    with pytest.raises(ScenarioError, match="close_hour"):
        load_scenario("small", {"spa.open_hour": 9.0, "spa.close_hour": 9.0})
