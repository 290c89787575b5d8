"""Readmissions, deconditioning and deaths after an admission (model/readmission.py).

The mechanisms by themselves (the decaying hazard, the pathway's step up with the stay), then each
lever in the small scenario under common random numbers: the raised risk after discharge makes
readmissions, going home unsupported raises it, and a long stay costs independence.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from dorothy_sim.model.discharge import CARE_HOME, COMMUNITY_BED, HOME, HOME_CARE, REABLEMENT
from dorothy_sim.model.readmission import STEPPED_UP, decondition, first_extra_crisis


def test_the_extra_crisis_follows_a_hazard_that_decays():
    """The share with an extra crisis by day t is 1 - exp(-H(t)), H(t) = r tau (1 - exp(-t / tau)):
    most of the risk in the first weeks, and a finite total (some never have one)."""
    rate, tau = 0.02, 30.0
    delays = [first_extra_crisis(u, rate, tau) for u in np.random.default_rng(7).random(200_000)]
    happened = np.array([d for d in delays if d is not None])
    for t in (7.0, 30.0, 90.0):
        expected = 1.0 - math.exp(-rate * tau * (1.0 - math.exp(-t / tau)))
        assert (happened <= t).sum() / len(delays) == pytest.approx(expected, abs=0.003)
    assert len(happened) / len(delays) == pytest.approx(1.0 - math.exp(-rate * tau), abs=0.003)
    # the daily hazard among those still without one falls: first week against the fifth
    assert (happened <= 7).sum() > 2.5 * ((happened > 28) & (happened <= 35)).sum()
    assert first_extra_crisis(0.5, 0.0, tau) is None


def _crisis(u: float, route: int = HOME):
    tally = SimpleNamespace(deconditioned=0)
    return SimpleNamespace(draw=SimpleNamespace(deconditioning=u), tally=tally, services=None, slot=0,
                           needed_route=route)


def _model(after: float = 10.0, per_day: float = 0.02):
    after_stay = SimpleNamespace(decondition_after_days=after, decondition_per_day=per_day)
    return SimpleNamespace(after_stay=after_stay)


@pytest.fixture
def offered_as_asked(monkeypatch):
    """Every route offered (the fallbacks are tested with the discharge module)."""
    monkeypatch.setattr("dorothy_sim.model.readmission.confirm_route",
                        lambda model, services, slot, route: route)


def test_a_long_stay_steps_the_pathway_up_more_often(offered_as_asked):
    model = _model()
    draws = np.random.default_rng(3).random(20_000)
    shares = []
    for days in (5.0, 10.0, 20.0, 40.0):
        stepped = sum(decondition(model, _crisis(u), HOME, days) == REABLEMENT for u in draws)
        shares.append(stepped / len(draws))
    assert shares[0] == shares[1] == 0.0  # (not beyond the threshold)
    assert shares[2] == pytest.approx(1.0 - math.exp(-0.02 * 10.0), abs=0.01)
    assert shares[3] == pytest.approx(1.0 - math.exp(-0.02 * 30.0), abs=0.01)


def test_the_step_up_is_one_pathway_and_noted(offered_as_asked):
    assert STEPPED_UP == {HOME: REABLEMENT, REABLEMENT: COMMUNITY_BED, HOME_CARE: COMMUNITY_BED,
                          COMMUNITY_BED: CARE_HOME, CARE_HOME: CARE_HOME}
    crisis = _crisis(0.0, REABLEMENT)
    assert decondition(_model(), crisis, REABLEMENT, 30.0) == COMMUNITY_BED
    assert crisis.needed_route == COMMUNITY_BED and crisis.tally.deconditioned == 1
    assert decondition(_model(per_day=0.0), _crisis(0.0), HOME, 300.0) == HOME


def test_raised_risk_after_discharge_makes_readmissions(small_runs):
    none, raised = {"crises.post_discharge_crisis_ratio": 1.0}, {}
    assert small_runs.mean(none, "post_discharge_crises") == 0
    assert small_runs.mean(raised, "readmissions_30d_pct") > small_runs.mean(
        none, "readmissions_30d_pct") + 2.0
    assert small_runs.mean(raised, "readmissions") > small_runs.mean(none, "readmissions")
    kpis = small_runs.kpis(raised, 1)
    assert kpis["readmissions_90d_pct"] > kpis["readmissions_30d_pct"] > 0.0
    assert kpis["mortality_90d_pct"] > kpis["mortality_30d_pct"] > 0.0


def test_going_home_unsupported_under_the_stay_cap_raises_readmissions(small_runs):
    """Under the 10-day cap people go home before their place is ready; with a larger
    unsupported_discharge_ratio that costs more extra crises."""
    capped = {"acute.los_cap_days": 10.0, "crises.unsupported_discharge_ratio": 1.0}
    riskier = {"acute.los_cap_days": 10.0, "crises.unsupported_discharge_ratio": 3.0}
    for kpi in ("post_discharge_crises", "readmissions_30d_pct"):
        assert small_runs.mean(riskier, kpi) > small_runs.mean(capped, kpi), kpi


def test_no_deconditioning_when_its_hazard_is_zero(small_runs):
    assert small_runs.mean({"acute.deconditioning_per_day": 0.0}, "discharges_deconditioned") == 0
    more = small_runs.mean({"acute.deconditioning_per_day": 0.05}, "discharges_deconditioned")
    assert more > small_runs.mean({}, "discharges_deconditioned") > 0


def test_the_step_up_raises_the_need_not_the_fallback(offered_as_asked):
    """Someone assessed for reablement but offered only home (no reablement or packages in the
    scenario) who deconditions needs a community bed: the step is from the need, so going home stays
    an unsupported discharge."""
    crisis = _crisis(0.0, REABLEMENT)
    assert decondition(_model(), crisis, HOME, 30.0) == COMMUNITY_BED
    assert crisis.needed_route == COMMUNITY_BED
