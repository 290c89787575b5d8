"""Property-based tests (hypothesis) of the scenario's input checks, of apportioning, and of
conservation under arbitrary capacity mixes."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorothy_sim import ScenarioError, load_scenario, simulate
from dorothy_sim.scenario import apportion, parse_assignments
from tests.conftest import CAPACITY_FIELDS, assert_conserved

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

PROBABILITY_FIELDS = (
    "population.lives_alone",
    "population.dementia.severe",
    "spa.rr_routing_share_on",
    "rapid_response.p_treated_at_home.fall",
    "rapid_response.p_step_up_reablement",
    "rapid_response.p_mdt_referral",
    "ed.p_admit.mild",
    "ed.p_mdt_referral_not_admitted",
    "expert_opinion.admission_reduction",
    "rapid_response.stay_home_anyway_share",
    "acute.p_death_in_hospital.severe",
    "discharge.proactive_share",
    "discharge.p1_reablement_share",
    "reablement.p_independent",
    "home_care.crisis_rate_reduction",
    "community_beds.p_death",
    "mdt.admission_reduction",
    "mh_liaison.los_reduction",
)

outside_unit_interval = st.one_of(
    st.floats(min_value=-1e9, max_value=-1e-12),
    st.floats(min_value=1.0 + 1e-12, max_value=1e9),
    st.just(math.nan),
)


@pytest.fixture(scope="module")
def base():
    return load_scenario("small")


def _get(scenario, path: str):
    node = scenario
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


# --------------------------------------------------------------------------- input checks


@FAST
@given(field=st.sampled_from(CAPACITY_FIELDS), value=st.integers(max_value=-1))
def test_any_negative_capacity_is_refused_naming_the_field(base, field, value):
    with pytest.raises(ScenarioError) as info:
        base.with_overrides({field: value})
    message = str(info.value)
    assert f"'{field}'" in message
    assert str(value) in message


@FAST
@given(field=st.sampled_from(CAPACITY_FIELDS), value=st.integers(min_value=0, max_value=10_000))
def test_any_capacity_in_a_modest_range_is_accepted(base, field, value):
    scenario = base.with_overrides({field: value})
    assert _get(scenario, field) == value
    assert scenario.with_overrides({}) == scenario


@FAST
@given(field=st.sampled_from(PROBABILITY_FIELDS), value=outside_unit_interval)
def test_any_probability_outside_0_1_is_refused_naming_the_field(base, field, value):
    with pytest.raises(ScenarioError) as info:
        base.with_overrides({field: value})
    assert f"'{field}'" in str(info.value)


@FAST
@given(field=st.sampled_from(PROBABILITY_FIELDS), value=st.floats(min_value=0.0, max_value=1.0))
def test_any_probability_in_0_1_is_accepted(base, field, value):
    assert _get(base.with_overrides({field: value}), field) == value


@FAST
@given(field=st.sampled_from(CAPACITY_FIELDS), data=st.data())
def test_a_one_letter_typo_in_a_capacity_suggests_the_right_dotted_key(base, field, data):
    section, name = field.split(".")
    cut = data.draw(st.integers(min_value=0, max_value=len(name) - 1))
    typo = f"{section}.{name[:cut]}{name[cut + 1:]}"
    with pytest.raises(ScenarioError) as info:
        base.with_overrides({typo: 1})
    assert f"did you mean '{field}'?" in str(info.value)


@FAST
@given(field=st.sampled_from(CAPACITY_FIELDS), value=st.integers(min_value=-10**6, max_value=10**6))
def test_integer_assignments_are_read_as_integers(field, value):
    assert parse_assignments([f"{field}={value}"]) == {field: value}


# --------------------------------------------------------------------------- apportioning

weights_lists = st.lists(st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_subnormal=False),
                         min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(total=st.integers(min_value=0, max_value=100_000), weights=weights_lists)
def test_apportion_sums_to_the_total_and_each_part_is_within_one_of_its_quota(total, weights):
    parts = apportion(total, weights)
    assert len(parts) == len(weights)
    assert all(isinstance(p, int) and p >= 0 for p in parts)
    if total <= 0 or sum(weights) <= 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        quota = total * weight / sum(weights)
        assert abs(part - quota) < 1.0 + 1e-9
        if weight == 0:
            assert part == 0


@settings(max_examples=100, deadline=None)
@given(total=st.integers(min_value=0, max_value=10_000), n=st.integers(min_value=1, max_value=12))
def test_apportion_between_equal_weights_differs_by_at_most_one(total, n):
    parts = apportion(total, [1.0] * n)
    assert sum(parts) == total
    assert max(parts) - min(parts) <= 1


@settings(max_examples=100, deadline=None)
@given(total=st.integers(min_value=1, max_value=10_000), weights=weights_lists,
       scale=st.floats(min_value=1e-3, max_value=1e3))
def test_apportion_depends_only_on_the_proportions(total, weights, scale):
    if sum(weights) <= 0:
        return
    scaled = apportion(total, [w * scale for w in weights])
    assert sum(scaled) == total
    # Scaling can only move a part across a rounding boundary, never by more than one.
    assert all(abs(a - b) <= 1 for a, b in zip(scaled, apportion(total, weights), strict=True))


# --------------------------------------------------------------------------- conservation


@settings(max_examples=20, deadline=None)
@given(capacities=st.fixed_dictionaries({field: st.integers(min_value=0, max_value=30)
                                         for field in CAPACITY_FIELDS}),
       hours=st.sampled_from([(0.0, 24.0), (8.0, 20.0), (20.0, 8.0)]),
       seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_any_capacity_mix_runs_and_accounts_for_everyone(capacities, hours, seed):
    opening = {f"{section}.{field}": hour for section in ("spa", "expert_opinion")
               for field, hour in zip(("open_hour", "close_hour"), hours, strict=True)}
    scenario = load_scenario("small", {**capacities, **opening,
                                       "run.warmup_days": 10, "run.results_days": 60})
    table, ledger = simulate(scenario, seed)
    assert_conserved(ledger)
    kpis = table[table["area"] == "all"].set_index("kpi")["value"]
    for name in ("crises", "admissions", "acute_bed_days", "deaths", "cost_total_gbp"):
        assert math.isfinite(kpis[name]), name


# --------------------------------------------------------------------------- any valid scenario

shares = st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=4, max_size=5).map(
    lambda raw: [x / sum(raw) for x in raw])
durations = st.fixed_dictionaries({"mean": st.floats(min_value=0.2, max_value=60.0),
                                   "cv": st.floats(min_value=0.0, max_value=3.0)})
TOTAL_UNITS = {"count", "GBP", "bed days", "people"}


@st.composite
def valid_overrides(draw) -> dict:
    """Random valid changes to the small scenario: capacities, probabilities, durations, rates and
    shares (re-normalised to sum to 1), with a short run."""
    mix = draw(shares.filter(lambda s: len(s) == 5))
    frailty = draw(shares.filter(lambda s: len(s) == 4))
    overrides = {
        **{field: draw(st.integers(min_value=0, max_value=200), label=field) for field in CAPACITY_FIELDS},
        **{field: draw(st.floats(min_value=0.0, max_value=1.0), label=field) for field in PROBABILITY_FIELDS},
        **dict(zip(("rapid_response.shift_start_hour", "rapid_response.shift_end_hour"),
                   draw(st.sampled_from([(0.0, 24.0), (6.0, 20.0), (8.0, 20.0), (20.0, 8.0)])), strict=True)),
        "crises.mix": dict(zip(("fall", "infection", "exacerbation", "carer_breakdown", "delirium"), mix,
                               strict=True)),
        "population.frailty_shares_65_plus": dict(zip(("fit", "mild", "moderate", "severe"), frailty,
                                                      strict=True)),
        "crises.rate_per_year": {level: draw(st.floats(min_value=0.0, max_value=3.0), label=level)
                                 for level in ("mild", "moderate", "severe")},
        "run.warmup_days": 10,
        "run.results_days": draw(st.integers(min_value=30, max_value=60)),
    }
    for level in ("mild", "moderate", "severe"):
        overrides[f"discharge.pathway_shares.{level}"] = draw(shares.filter(lambda s: len(s) == 4))
    for path in ("reablement.episode_days", "home_care.package_days", "community_beds.stay_days",
                 "acute.treatment_days.moderate", "rapid_response.visit_hours", "ed.hours_in_department"):
        overrides[path] = draw(durations, label=path)
    return overrides


@settings(max_examples=12, deadline=None)
@given(overrides=valid_overrides(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_any_valid_scenario_runs_accounts_for_everyone_and_gives_no_negative_kpi(overrides, seed):
    from dorothy_sim.kpis import KPIS

    scenario = load_scenario("small", overrides)
    table, ledger = simulate(scenario, seed)
    assert_conserved(ledger)
    values = table.set_index(["area", "kpi"])["value"]
    assert not (values < 0).any(), values[values < 0]
    # Totals are always defined; a mean or a percentage is NaN only when there is nothing to average.
    for kpi in KPIS:
        if kpi.unit in TOTAL_UNITS:
            assert values.xs(kpi.name, level="kpi").map(math.isfinite).all(), kpi.name
