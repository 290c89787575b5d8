"""Sweep specs: designs planned into configurations (grid, one at a time, Latin hypercube), the spec
hash, and every kind of bad spec refused with one SpecError that names the field and the value."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorothy_sim.errors import ScenarioError, SpecError, StoreError, UserError
from dorothy_sim.kpis import KPI_BY_NAME
from dorothy_sim.spec import Plan, SweepSpec, load_spec, plan, spec_from_dict
from dorothy_sim.sweep import sweep

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CLINICIANS = "rapid_response.clinicians"  # small: 1
PLACES = "reablement.places"  # small: 14
LIVES_ALONE = "population.lives_alone"  # small: 0.4
WINTER_PEAK = "crises.winter_peak"  # small: 0.1
WINDOW = "rapid_response.response_window_hours"  # small: 2.0 (a float field with a whole value)


def spec(**fields: Any) -> dict[str, Any]:
    """A valid spec on the small scenario, with ``fields`` replacing the defaults."""
    return {"name": "test", "scenario": "small", "seed": 1,
            "factors": {CLINICIANS: [1, 2]}, "replications": {"count": 2}, **fields}


def planned(data: dict[str, Any]) -> Plan:
    return plan(spec_from_dict(data))


def write(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def values(the_plan: Plan) -> list[dict[str, Any]]:
    return [c.values for c in the_plan.configurations]


# --------------------------------------------------------------------------- the small scenario


def test_the_baseline_values_these_tests_rely_on(small):
    assert (small.value_at(CLINICIANS), small.value_at(PLACES)) == (1, 14)
    assert (small.value_at(LIVES_ALONE), small.value_at(WINDOW)) == (0.4, 2.0)


# --------------------------------------------------------------------------- grid


def test_grid_is_the_product_of_the_values_with_the_baseline_first_and_not_repeated():
    the_plan = planned(spec(factors={CLINICIANS: [1, 2, 3], PLACES: [14, 20]}))
    # (1, 14) is the baseline point: it is configuration 0 and appears once.
    assert values(the_plan) == [
        {CLINICIANS: 1, PLACES: 14},
        {CLINICIANS: 1, PLACES: 20},
        {CLINICIANS: 2, PLACES: 14},
        {CLINICIANS: 2, PLACES: 20},
        {CLINICIANS: 3, PLACES: 14},
        {CLINICIANS: 3, PLACES: 20},
    ]
    configurations = the_plan.configurations
    assert [c.id for c in configurations] == list(range(6))
    assert all(c.in_design for c in configurations)
    assert configurations[0].label == "baseline"
    assert configurations[0].overrides == {}
    assert configurations[3].label == f"{CLINICIANS}=2, {PLACES}=20"
    assert configurations[3].overrides == {CLINICIANS: 2, PLACES: 20}
    # Only what differs from the baseline is overridden.
    assert configurations[1].overrides == {PLACES: 20}
    assert configurations[2].overrides == {CLINICIANS: 2}
    assert the_plan.factors == [CLINICIANS, PLACES]
    assert len(the_plan.scenarios) == 6
    assert the_plan.scenarios[5].value_at(CLINICIANS) == 3
    assert the_plan.scenarios[5].value_at(PLACES) == 20
    assert the_plan.scenarios[0] == the_plan.baseline


def test_grid_without_the_baseline_point_keeps_the_baseline_but_flags_it_outside_the_design():
    the_plan = planned(spec(factors={CLINICIANS: [2, 3]}))
    assert values(the_plan) == [{CLINICIANS: 1}, {CLINICIANS: 2}, {CLINICIANS: 3}]
    assert [c.in_design for c in the_plan.configurations] == [False, True, True]


def test_baseline_table_moves_the_baseline_and_set_changes_every_configuration():
    the_plan = planned(spec(baseline={CLINICIANS: 0}, set={PLACES: 30}, factors={CLINICIANS: [0, 3]}))
    assert values(the_plan) == [{CLINICIANS: 0}, {CLINICIANS: 3}]
    assert the_plan.baseline.value_at(CLINICIANS) == 0
    assert [s.value_at(PLACES) for s in the_plan.scenarios] == [30, 30]


def test_a_value_numerically_equal_to_a_float_baseline_is_the_baseline():
    # "rapid_response.response_window_hours" = [1, 2, 4] is the natural TOML spelling; 2 == 2.0.
    for design in ("grid", "one_at_a_time"):
        the_plan = planned(spec(design=design, factors={WINDOW: [1, 2, 4]}))
        assert [c.overrides for c in the_plan.configurations] == [{}, {WINDOW: 1}, {WINDOW: 4}], design
        assert [c.label for c in the_plan.configurations] == ["baseline", f"{WINDOW}=1", f"{WINDOW}=4"]
        assert the_plan.configurations[0].in_design


def test_ranges_with_a_step_are_inclusive_and_whole_when_the_ends_and_step_are():
    assert values(planned(spec(factors={PLACES: {"from": 10, "to": 20, "step": 5}})))[1:] == \
        [{PLACES: 10}, {PLACES: 15}, {PLACES: 20}]
    # The end is not overshot when the step does not divide the range.
    assert values(planned(spec(factors={PLACES: {"from": 10, "to": 21, "step": 5}})))[1:] == \
        [{PLACES: 10}, {PLACES: 15}, {PLACES: 20}]
    steps = values(planned(spec(factors={PLACES: {"from": 10, "to": 20, "step": 5}})))
    assert all(type(v[PLACES]) is int for v in steps)
    # A float range: 0.2 + 2 x 0.2 is 0.6 (not 0.6000000000000001), and 0.4 is the baseline.
    lives = planned(spec(factors={LIVES_ALONE: {"from": 0.2, "to": 0.6, "step": 0.2}}))
    assert values(lives) == [{LIVES_ALONE: 0.4}, {LIVES_ALONE: 0.2}, {LIVES_ALONE: 0.6}]
    assert lives.configurations[0].in_design


def test_nested_tables_under_factors_equal_quoted_dotted_keys(tmp_path):
    dotted = write(tmp_path, """
name = "nested"
scenario = "small"

[factors]
"rapid_response.clinicians" = [1, 2]
"reablement.places" = { from = 10, to = 20, step = 5 }

[baseline]
"home_care.packages" = 70
""", "dotted.toml")
    nested = write(tmp_path, """
name = "nested"
scenario = "small"

[factors]
rapid_response.clinicians = [1, 2]
reablement.places = { from = 10, to = 20, step = 5 }

[baseline.home_care]
packages = 70
""", "nested.toml")
    plans = [plan(*load_spec(path)) for path in (dotted, nested)]
    assert plans[0].spec == plans[1].spec
    assert values(plans[0]) == values(plans[1])
    assert len(plans[0].configurations) == 1 + 2 * 3
    assert plans[0].spec_hash == plans[1].spec_hash
    assert plans[1].baseline.value_at("home_care.packages") == 70


def test_a_scenario_path_is_relative_to_the_spec_file(tmp_path):
    (tmp_path / "scenarios").mkdir()
    write(tmp_path / "scenarios", 'extends = "small"\nname = "mine"\n[rapid_response]\nclinicians = 5\n',
          "mine.toml")
    path = write(tmp_path, 'name = "rel"\nscenario = "scenarios/mine.toml"\n[factors]\n'
                 '"reablement.places" = [14, 20]\n')
    the_plan = plan(*load_spec(path))
    assert the_plan.baseline.value_at(CLINICIANS) == 5
    assert the_plan.baseline.name == "mine"


# --------------------------------------------------------------------------- one at a time


def test_one_at_a_time_moves_each_factor_alone_from_the_baseline():
    the_plan = planned(spec(design="one_at_a_time", factors={CLINICIANS: [0, 1, 3], PLACES: [10, 14, 20]}))
    # The values equal to the baseline (clinicians 1, places 14) are the baseline.
    assert values(the_plan) == [
        {CLINICIANS: 1, PLACES: 14},
        {CLINICIANS: 0, PLACES: 14},
        {CLINICIANS: 3, PLACES: 14},
        {CLINICIANS: 1, PLACES: 10},
        {CLINICIANS: 1, PLACES: 20},
    ]
    assert [c.label for c in the_plan.configurations] == [
        "baseline", f"{CLINICIANS}=0", f"{CLINICIANS}=3", f"{PLACES}=10", f"{PLACES}=20"]
    assert [c.overrides for c in the_plan.configurations] == [
        {}, {CLINICIANS: 0}, {CLINICIANS: 3}, {PLACES: 10}, {PLACES: 20}]
    assert all(c.in_design for c in the_plan.configurations)
    for configuration, scenario in zip(the_plan.configurations, the_plan.scenarios, strict=True):
        assert {p: scenario.value_at(p) for p in the_plan.factors} == configuration.values


def test_one_at_a_time_uses_the_baseline_table_for_the_factors_not_moved():
    the_plan = planned(spec(design="one_at_a_time", baseline={PLACES: 30},
                            factors={CLINICIANS: [2], PLACES: [40]}))
    assert values(the_plan) == [{CLINICIANS: 1, PLACES: 30}, {CLINICIANS: 2, PLACES: 30},
                                {CLINICIANS: 1, PLACES: 40}]
    assert not the_plan.configurations[0].in_design


# --------------------------------------------------------------------------- Latin hypercube


def lhs(points: int, seed: int = 1, **factors: Any) -> Plan:
    default = {LIVES_ALONE: {"from": 0.2, "to": 0.6}, WINTER_PEAK: {"from": 0.0, "to": 0.3},
               PLACES: {"from": 10, "to": 40}}
    return planned(spec(design="latin_hypercube", points=points, seed=seed, factors=factors or default))


def test_latin_hypercube_gives_points_samples_stratified_in_every_factor():
    points = 8
    the_plan = lhs(points)
    samples = values(the_plan)[1:]
    assert len(samples) == points
    assert not the_plan.configurations[0].in_design
    for path, (start, stop) in {LIVES_ALONE: (0.2, 0.6), WINTER_PEAK: (0.0, 0.3)}.items():
        width = (stop - start) / points
        strata = sorted(int((s[path] - start) // width) for s in samples)
        assert strata == list(range(points)), (path, [s[path] for s in samples])
    # A whole-number range gives whole numbers, still one per stratum up to rounding.
    places = sorted(s[PLACES] for s in samples)
    assert all(type(v) is int and 10 <= v <= 40 for v in places), places
    width = 30 / points
    for k, value in enumerate(places):
        assert 10 + k * width - 0.5 <= value <= 10 + (k + 1) * width + 0.5, places
    # Each sample is a scenario with exactly those values.
    for configuration, scenario in zip(the_plan.configurations, the_plan.scenarios, strict=True):
        assert {p: scenario.value_at(p) for p in the_plan.factors} == configuration.values


def test_latin_hypercube_is_reproducible_from_the_seed():
    assert values(lhs(6, seed=3)) == values(lhs(6, seed=3))
    assert lhs(6, seed=3).spec_hash == lhs(6, seed=3).spec_hash
    assert values(lhs(6, seed=3))[1:] != values(lhs(6, seed=4))[1:]


def test_latin_hypercube_over_lists_and_stepped_ranges_picks_listed_values():
    the_plan = lhs(4, **{CLINICIANS: [0, 2, 4, 6], PLACES: {"from": 10, "to": 40, "step": 10}})
    samples = values(the_plan)[1:]
    assert len(samples) == 4
    # One sample per quarter: each listed value once.
    assert sorted(s[CLINICIANS] for s in samples) == [0, 2, 4, 6]
    assert sorted(s[PLACES] for s in samples) == [10, 20, 30, 40]


# --------------------------------------------------------------------------- spec hash


def test_the_spec_hash_is_stable_and_changes_with_anything_that_changes_results():
    base = spec(factors={CLINICIANS: [1, 2], PLACES: {"from": 10, "to": 20, "step": 5}})
    first = planned(base).spec_hash
    assert planned(dict(base)).spec_hash == first
    assert len(first) == 16
    changed = {
        "a factor value": spec(factors={CLINICIANS: [1, 3], PLACES: {"from": 10, "to": 20, "step": 5}}),
        "a range step": spec(factors={CLINICIANS: [1, 2], PLACES: {"from": 10, "to": 20, "step": 10}}),
        "the seed": {**base, "seed": 2},
        "the baseline": {**base, "baseline": {"home_care.packages": 70}},
        "a [set] value": {**base, "set": {"home_care.packages": 70}},
        "the design": {**base, "design": "one_at_a_time"},
        "the scenario": {**base, "scenario": "kent_medway"},
    }
    hashes = {what: planned(data).spec_hash for what, data in changed.items()}
    for what, digest in hashes.items():
        assert digest != first, what
    assert len(set(hashes.values())) == len(hashes)


def test_the_replication_rule_is_left_out_of_the_spec_hash():
    # By design (spec.plan): runs are keyed by configuration and replication (seed = seed + r), so a
    # folder resumed with more replications reuses every finished run.
    base = spec(factors={CLINICIANS: [1, 2]})
    first = planned(base).spec_hash
    assert planned({**base, "replications": {"count": 7}}).spec_hash == first
    assert planned({**base, "replications": {"kpi": "admissions", "half_width_pct": 5}}).spec_hash == first


def test_the_spec_hash_is_the_same_from_a_file_and_from_a_dict(tmp_path):
    path = write(tmp_path, 'name = "test"\nscenario = "small"\nseed = 1\n[factors]\n'
                 '"rapid_response.clinicians" = [1, 2]\n[replications]\ncount = 2\n')
    assert plan(*load_spec(path)).spec_hash == planned(spec()).spec_hash


# --------------------------------------------------------------------------- bad specs

VALID_TOML = """
name = "bad"
scenario = "small"
"""

BAD_SPECS: dict[str, tuple[str, list[str]]] = {
    "TOML syntax error": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2\n',
        ["spec.toml", "not valid TOML"]),
    "unknown top-level key": (
        VALID_TOML + 'desing = "grid"\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["'desing'", "did you mean 'design'?"]),
    "unknown replications key": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2]\n[replications]\ncuont = 3\n',
        ["replications.cuont", "did you mean 'replications.count'?"]),
    "unknown range key": (
        VALID_TOML + '[factors]\n"reablement.places" = { from = 10, to = 20, stpe = 5 }\n',
        ["reablement.places.stpe", "did you mean 'factors.reablement.places.step'?"]),
    "unknown factor path": (
        VALID_TOML + '[factors]\n"rapid_response.clinicans" = [1, 2]\n',
        ["rapid_response.clinicans", "did you mean 'rapid_response.clinicians'?"]),
    "unknown factor path (nested spelling)": (
        VALID_TOML + '[factors]\nrapid_response.clinicans = [1, 2]\n',
        ["rapid_response.clinicans", "did you mean 'rapid_response.clinicians'?"]),
    "negative capacity": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, -2]\n',
        ["rapid_response.clinicians", "-2", "greater than or equal to 0"]),
    "negative capacity in a range": (
        VALID_TOML + '[factors]\n"home_care.packages" = { from = -10, to = 10, step = 10 }\n',
        ["home_care.packages", "-10"]),
    "fractional count": (
        VALID_TOML + '[factors]\n"reablement.places" = [14, 2.5]\n',
        ["reablement.places", "2.5", "integer"]),
    "probability above 1": (
        VALID_TOML + '[factors]\n"population.lives_alone" = [0.4, 1.5]\n',
        ["population.lives_alone", "1.5"]),
    "text for a number": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = ["lots"]\n',
        ["rapid_response.clinicians", "'lots'"]),
    "empty list": (
        VALID_TOML + '[factors]\n"reablement.places" = []\n',
        ["factors.reablement.places", "[]", "at least 1 item"]),
    "no factors": (
        VALID_TOML, ["'factors'", "missing"]),
    "inverted range": (
        VALID_TOML + '[factors]\n"reablement.places" = { from = 20, to = 10, step = 5 }\n',
        ["factors.reablement.places", "inverted", "from = 20", "to = 10"]),
    "zero step": (
        VALID_TOML + '[factors]\n"reablement.places" = { from = 10, to = 20, step = 0 }\n',
        ["factors.reablement.places.step", "= 0", "greater than 0"]),
    "negative step": (
        VALID_TOML + '[factors]\n"reablement.places" = { from = 10, to = 20, step = -5 }\n',
        ["factors.reablement.places.step", "-5", "greater than 0"]),
    "too many values in a range": (
        VALID_TOML + '[factors]\n"reablement.places" = { from = 0, to = 1000000, step = 1 }\n',
        ["factors.reablement.places", "10,000"]),
    "continuous range in a grid": (
        VALID_TOML + '[factors]\n"reablement.places" = { from = 10, to = 20 }\n',
        ["'reablement.places'", "without a step", "latin_hypercube"]),
    "continuous range one at a time": (
        VALID_TOML + 'design = "one_at_a_time"\n[factors]\n"reablement.places" = { from = 10, to = 20 }\n',
        ["'reablement.places'", "without a step"]),
    "points with grid": (
        VALID_TOML + 'points = 5\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["points", "grid"]),
    "latin_hypercube without points": (
        VALID_TOML + 'design = "latin_hypercube"\n[factors]\n"reablement.places" = { from = 10, to = 20 }\n',
        ["latin_hypercube", "points"]),
    "unknown design": (
        VALID_TOML + 'design = "gird"\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["design", "'gird'", "'grid'"]),
    "count and kpi": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2]\n'
        '[replications]\ncount = 3\nkpi = "admissions"\nhalf_width_pct = 5.0\n',
        ["replications", "count", "kpi", "not both"]),
    "kpi without half_width_pct": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2]\n[replications]\nkpi = "admissions"\n',
        ["replications", "half_width_pct"]),
    "unknown KPI": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2]\n'
        '[replications]\nkpi = "admisions"\nhalf_width_pct = 5.0\n',
        ["'admisions'", "did you mean 'admissions'?"]),
    "unknown area": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2]\n'
        '[replications]\nkpi = "admissions"\nhalf_width_pct = 5.0\narea = "kent"\n',
        ["replications.area", "'kent'", "small_area"]),
    "max below min": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2]\n'
        '[replications]\nkpi = "admissions"\nhalf_width_pct = 5.0\nmin = 6\nmax = 3\n',
        ["max = 3", "min = 6"]),
    "zero replications": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2]\n[replications]\ncount = 0\n',
        ["replications.count", "= 0"]),
    "factor names a table": (
        VALID_TOML + '[factors]\n"rapid_response" = [1, 2]\n',
        ["'rapid_response'", "table", "clinicians"]),
    "duplicated value": (
        VALID_TOML + '[factors]\n"rapid_response.clinicians" = [1, 2, 2]\n',
        ["'rapid_response.clinicians'", "twice", "[1, 2, 2]"]),
    "duplicated value written twice": (
        VALID_TOML + '[factors]\n"population.lives_alone" = [0.3, 0.30]\n',
        ["'population.lives_alone'", "twice"]),
    "unknown scenario": (
        'name = "bad"\nscenario = "smal"\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["'smal'", "did you mean 'small'?"]),
    "missing scenario file": (
        'name = "bad"\nscenario = "nowhere/mine.toml"\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["nowhere/mine.toml", "does not exist"]),
    "bad [set]": (
        VALID_TOML + '[set]\n"home_care.packages" = -1\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["home_care.packages", "-1"]),
    "bad [baseline]": (
        VALID_TOML + '[baseline]\n"rapid_response.clinicans" = 2\n[factors]\n"reablement.places" = [1, 2]\n',
        ["[baseline]", "rapid_response.clinicans", "did you mean 'rapid_response.clinicians'?"]),
    "bad name": (
        'name = "two words"\nscenario = "small"\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["'name'", "'two words'"]),
    "negative seed": (
        VALID_TOML + 'seed = -1\n[factors]\n"rapid_response.clinicians" = [1, 2]\n',
        ["'seed'", "-1"]),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_a_bad_spec_raises_one_spec_error_naming_the_field_and_the_value(tmp_path, case):
    text, expected = BAD_SPECS[case]
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as info:
        plan(*load_spec(path))
    message = str(info.value)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "Traceback" not in message
    # A user error: the command line prints it and exits with 2.
    assert isinstance(info.value, UserError) and isinstance(info.value, ScenarioError)


def test_a_missing_spec_file_is_a_spec_error_naming_the_path(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(SpecError, match="nope.toml.*does not exist"):
        load_spec(missing)
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path)  # a folder is not a spec file


def test_a_binary_spec_file_is_a_spec_error(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(SpecError, match="spec.toml"):
        load_spec(path)


def test_a_bad_spec_fails_before_anything_runs_or_is_written(tmp_path):
    path = write(tmp_path, BAD_SPECS["negative capacity"][0])
    out = tmp_path / "out"
    with pytest.raises(SpecError, match="-2"):
        sweep(path, out=out, workers=1)
    assert not out.exists()
    with pytest.raises(SpecError, match="did you mean 'rapid_response.clinicians'"):
        sweep(spec(factors={"rapid_response.clinicans": [1]}), out=out, workers=1)
    assert not out.exists()


def test_spec_error_and_store_error_are_user_errors():
    assert issubclass(SpecError, UserError) and issubclass(StoreError, UserError)


def test_a_valid_spec_round_trips_through_its_manifest():
    the_plan = planned(spec(factors={CLINICIANS: [1, 2], PLACES: {"from": 10, "to": 20, "step": 5}}))
    manifest = the_plan.manifest()
    assert manifest["spec"]["factors"][PLACES] == {"from": 10.0, "to": 20.0, "step": 5.0}
    again = spec_from_dict(manifest["spec"])
    assert isinstance(again, SweepSpec)
    assert plan(again).spec_hash == the_plan.spec_hash


def test_a_latin_hypercube_range_too_wide_to_sample_is_a_spec_error():
    with pytest.raises(SpecError, match=CLINICIANS):
        lhs(2, **{CLINICIANS: {"from": -1e308, "to": 1e308}})


# --------------------------------------------------------------------------- properties

# Values a TOML document can hold (no None), including awkward ones.
scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
)
junk = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["from", "to", "step", "count", "kpi", "x", "clinicians"]), inner,
                    max_size=3)), max_leaves=8)

SPEC_FIELDS = (
    "name", "description", "scenario", "seed", "design", "points", "set", "baseline", "factors",
    "replications", "replications.count", "replications.kpi", "replications.area",
    "replications.half_width_pct", "replications.min", "replications.max",
    f"factors.{CLINICIANS}", f"factors.{PLACES}.from", f"factors.{PLACES}.to", f"factors.{PLACES}.step",
    f"set.{PLACES}", f"baseline.{CLINICIANS}", "an_unknown_key",
)


def _with(data: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``field`` (``table.key``: the key inside that table) set to ``value``."""
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    table, _, key = field.partition(".")
    if key:
        if not isinstance(data.get(table), dict):
            data[table] = {}
        inner = data[table]
        if key.endswith((".from", ".to", ".step")):
            path, _, end = key.rpartition(".")
            bounds = inner.get(path)
            inner[path] = {**(bounds if isinstance(bounds, dict) else {}), end: value}
        else:
            inner[key] = value
    else:
        data[table] = value
    return data


def _outcome(data: dict[str, Any]) -> Plan | SpecError:
    try:
        return planned(data)
    except SpecError as exc:
        return exc


BASE = spec(factors={CLINICIANS: [1, 2], PLACES: {"from": 10, "to": 20, "step": 5}})


@FAST
@given(fields=st.lists(st.sampled_from(SPEC_FIELDS), min_size=1, max_size=3, unique=True), data=st.data(),
       design=st.sampled_from(["grid", "one_at_a_time", "latin_hypercube"]))
def test_any_junk_in_any_field_is_a_spec_error_or_a_valid_plan(fields, data, design):
    document = {**BASE, "design": design, **({"points": 3} if design == "latin_hypercube" else {})}
    for field in fields:
        value = data.draw(junk, label=field)
        # Keep every grid small: plan() validates each configuration.
        if isinstance(value, list) and field.startswith("factors"):
            value = value[:4]
        document = _with(document, field, value)
    outcome = _outcome(document)  # anything but a SpecError fails the test
    if isinstance(outcome, SpecError):
        assert str(outcome).strip(), document
    else:
        assert outcome.configurations[0].id == 0 and outcome.configurations[0].label == "baseline"


wrong_type_for = {
    "name": st.one_of(st.integers(), st.lists(st.text(), max_size=2), st.just(""), st.just("a b")),
    "seed": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32), st.floats(), st.text(),
                      st.booleans()),
    "design": st.text().filter(lambda s: s not in ("grid", "one_at_a_time", "latin_hypercube")),
    "points": st.integers(min_value=1, max_value=100),  # with a grid design
    "factors": st.one_of(st.just({}), st.integers(), st.text(), st.lists(st.integers(), max_size=3)),
    "replications": st.one_of(st.integers(), st.text(), st.just({}),
                              st.fixed_dictionaries({"count": st.integers(max_value=0)}),
                              st.fixed_dictionaries({"count": st.floats()}),
                              st.fixed_dictionaries({"count": st.integers(1, 5), "kpi": st.just("admissions"),
                                                     "half_width_pct": st.floats(0.1, 10)}),
                              st.fixed_dictionaries({"kpi": st.text().filter(lambda s: s not in KPI_BY_NAME),
                                                     "half_width_pct": st.just(5.0)})),
    f"factors.{CLINICIANS}": st.one_of(
        st.integers(), st.text(), st.just([]),
        st.lists(st.integers(max_value=-1), min_size=1, max_size=3),
        st.lists(st.floats().filter(lambda x: not float(x).is_integer()), min_size=1, max_size=3),
        st.lists(st.text(min_size=1), min_size=1, max_size=3)),
    f"factors.{PLACES}.step": st.one_of(st.floats(max_value=0), st.integers(max_value=0), st.text()),
    f"factors.{PLACES}.from": st.one_of(st.floats(min_value=20.5, allow_infinity=True), st.text(),
                                        st.just(math.nan)),
    "an_unknown_key": scalars,
}


@FAST
@given(data=st.data(), field=st.sampled_from(list(wrong_type_for)))
def test_a_value_of_the_wrong_kind_is_always_a_spec_error_naming_the_field(data, field):
    value = data.draw(wrong_type_for[field], label=field)
    with pytest.raises(SpecError) as info:
        planned(_with(BASE, field, value))
    named = field.removeprefix("factors.").removesuffix(".step").removesuffix(".from")
    assert named in str(info.value), (field, value, str(info.value))


@pytest.mark.parametrize("end", ["from", "to", "step"])
@pytest.mark.parametrize("value", ["0", "15", True])
def test_a_range_end_that_only_converts_to_a_number_is_refused(end, value):
    # Text that reads as a number, or true, used to pass as one (hypothesis found from = '0').
    field = f"factors.{PLACES}.{end}"
    with pytest.raises(SpecError, match=rf"{field}' = {value!r}: Input should be a valid number"):
        planned(_with(BASE, field, value))
