"""Scenarios: loading, inheritance, dotted overrides, validation messages, apportioning, immutability."""

from __future__ import annotations

import pytest

from dorothy_sim import INTERVENTIONS_OFF, Scenario, ScenarioError, embedded_scenarios, load_scenario
from dorothy_sim.model.services import capacities
from dorothy_sim.scenario import SERVICE_SECTIONS, apportion, parse_assignments
from tests.conftest import CAPACITY_FIELDS


@pytest.fixture(scope="module")
def kent_medway() -> Scenario:
    return load_scenario("kent_medway")


# --------------------------------------------------------------------------- loading


def test_embedded_scenarios_are_listed_and_load():
    names = embedded_scenarios()
    assert {"kent_medway", "small"} <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert isinstance(scenario, Scenario)
        assert scenario.name == name
        assert scenario.description


def test_default_scenario_is_kent_medway_with_four_icps(kent_medway):
    assert load_scenario() == kent_medway
    assert set(kent_medway.icps) == {"east_kent", "dgs", "medway_swale", "west_kent"}


def test_small_extends_kent_medway(small, kent_medway):
    # Sections small.toml does not touch come whole from kent_medway.toml ...
    for section in ("population", "crises", "ed", "expert_opinion", "acute", "costs"):
        assert getattr(small, section) == getattr(kent_medway, section), section
    # ... a section it touches keeps kent_medway's other fields ...
    assert small.reablement.places < kent_medway.reablement.places
    assert small.reablement.episode_days == kent_medway.reablement.episode_days
    assert small.reablement.p_independent == kent_medway.reablement.p_independent
    # ... and tables keyed by ICP are replaced, not merged.
    assert list(small.icps) == ["small_area"]
    assert small.mdt.allocation == {"small_area": 1.0}


def test_a_scenario_file_can_extend_an_embedded_scenario(tmp_path, small):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "small"\nname = "mine"\n[reablement]\nplaces = 3\n', encoding="utf-8")
    mine = load_scenario(path)
    assert mine.name == "mine"
    assert mine.reablement.places == 3
    assert mine.icps == small.icps
    assert mine.rapid_response == small.rapid_response
    assert load_scenario(str(path)) == mine


def test_a_scenario_file_cannot_extend_an_unknown_scenario(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "kent"\nname = "bad"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="kent_medway") as info:
        load_scenario(path)
    assert "bad.toml" in str(info.value)


def test_unknown_scenario_name_suggests_the_nearest(tmp_path):
    with pytest.raises(ScenarioError, match="did you mean 'small'"):
        load_scenario("smal")


def test_missing_scenario_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError, match="does not exist") as info:
        load_scenario(missing)
    assert str(missing) in str(info.value)


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)


# --------------------------------------------------------------------------- overrides


def test_dotted_overrides_as_dict_and_as_assignments_agree(small):
    as_dict = load_scenario("small", {"rapid_response.clinicians": 5, "spa.call_handlers": 0})
    as_text = load_scenario("small", ["rapid_response.clinicians=5", "spa.call_handlers=0"])
    assert as_dict == as_text
    assert as_dict.rapid_response.clinicians == 5
    assert as_dict.spa.call_handlers == 0
    assert as_dict.rapid_response.shift_start_hour == small.rapid_response.shift_start_hour


def test_icp_fields_can_be_overridden_by_dotted_path():
    scenario = load_scenario("small", ["icps.small_area.acute_beds=80"])
    assert scenario.icps["small_area"].acute_beds == 80


def test_an_optional_field_absent_from_the_file_can_be_set(small):
    assert small.acute.los_cap_days is None
    capped = load_scenario("small", ["acute.los_cap_days=10"])
    assert capped.acute.los_cap_days == 10.0
    assert small.with_overrides({"acute.los_cap_days": 10}) == capped


def test_nested_tables_can_be_overridden(small):
    scenario = load_scenario("small", ["acute.treatment_days.mild.mean=8.5",
                                       "discharge.pathway_shares.mild=[0.5, 0.4, 0.05, 0.05]"])
    assert scenario.acute.treatment_days["mild"].mean == 8.5
    # the rest of the table is kept
    assert scenario.acute.treatment_days["mild"].cv == small.acute.treatment_days["mild"].cv
    assert scenario.discharge.pathway_shares["mild"] == (0.5, 0.4, 0.05, 0.05)


def test_with_overrides_returns_a_new_scenario_and_leaves_the_original(small):
    before = small.to_dict()
    changed = small.with_overrides({"reablement.places": 99})
    assert changed.reablement.places == 99
    assert small.reablement.places != 99
    assert small.to_dict() == before
    assert changed is not small


def test_with_overrides_accepts_assignment_strings(small):
    assert small.with_overrides(["mdt.cases_per_week=20"]).mdt.cases_per_week == 20


def test_interventions_off_switches_each_intervention_off(small):
    off = small.with_overrides(INTERVENTIONS_OFF)
    for path in ("falls_prevention.places_per_year", "home_care.packages", "rapid_response.clinicians",
                 "spa.call_handlers", "expert_opinion.clinicians",
                 "mdt.cases_per_week", "discharge.coordinators", "mh_liaison.staff"):
        section, field = path.split(".")
        assert getattr(getattr(off, section), field) == 0, path
    assert len(INTERVENTIONS_OFF) == 8


def test_assignment_values_are_read_as_toml_else_as_text():
    parsed = parse_assignments(["a=3", "b=2.5", "c=true", "d=[1, 2]", "e=my words", 'f="7"'])
    assert parsed == {"a": 3, "b": 2.5, "c": True, "d": [1, 2], "e": "my words", "f": "7"}


@pytest.mark.parametrize("item, message", [
    ("rapid_response.clinicians", "expected PATH=VALUE"),
    ("=3", "path before '=' is empty"),
])
def test_malformed_assignments_are_refused(item, message):
    with pytest.raises(ScenarioError, match=message):
        parse_assignments([item])


@pytest.mark.parametrize("path, unknown, suggestion", [
    ("rapid_response.clinicans", "rapid_response.clinicans", "rapid_response.clinicians"),
    ("reablement.place", "reablement.place", "reablement.places"),
    ("icps.small_aera.acute_beds", "icps.small_aera", "icps.small_area.acute_beds"),
    ("icps.small_area.acute_bedz", "icps.small_area.acute_bedz", "icps.small_area.acute_beds"),
    ("mdt.cases_per_wek", "mdt.cases_per_wek", "mdt.cases_per_week"),
])
def test_unknown_override_suggests_the_right_dotted_key(path, unknown, suggestion):
    with pytest.raises(ScenarioError) as info:
        load_scenario("small", {path: 3})
    message = str(info.value)
    assert f"unknown field '{unknown}'" in message
    assert f"did you mean '{suggestion}'?" in message


def test_unknown_top_level_section_is_refused_with_a_hint_naming_the_whole_key():
    with pytest.raises(ScenarioError, match="did you mean 'rapid_response.clinicians'"):
        load_scenario("small", {"rapidresponse.clinicians": 3})


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("overrides, field", [
    ({"rapid_response.clinicians": -1}, "rapid_response.clinicians"),
    ({"rapid_response.clinicians": 2.5}, "rapid_response.clinicians"),
    ({"rapid_response.clinicians": "many"}, "rapid_response.clinicians"),
    ({"ed.p_admit.mild": 1.2}, "ed.p_admit.mild"),
    ({"reablement.p_independent": -0.1}, "reablement.p_independent"),
    ({"icps.small_area.registered_population": 0}, "icps.small_area.registered_population"),
    ({"mdt.meetings_per_week": 8}, "mdt.meetings_per_week"),
    ({"acute.los_cap_days": 0}, "acute.los_cap_days"),
    ({"crises.mix.fall": 0.5}, "'crises.mix': must sum to 1"),
    ({"discharge.pathway_shares.mild": [0.5, 0.5, 0.5, 0.0]}, "discharge.pathway_shares.mild"),
    ({"rapid_response.shift_end_hour": 8.0}, "shift_start_hour and shift_end_hour are equal"),
    ({"mdt.allocation": {"nowhere": 1.0}}, "'mdt.allocation': names unknown ICP"),
    ({"population.frailty_shares_65_plus": {"fit": 0.5, "mild": 0.5, "moderate": 0.5, "severe": 0.0}},
     "frailty_shares_65_plus"),
])
def test_invalid_values_are_refused_naming_the_field(overrides, field):
    with pytest.raises(ScenarioError) as info:
        load_scenario("small", overrides)
    message = str(info.value)
    assert field in message
    assert "embedded scenario 'small'" in message


def test_an_unknown_key_in_a_file_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text('extends = "small"\nname = "typo"\n[reablement]\nplacs = 3\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "typo.toml" in message
    assert "unknown field 'reablement.placs'" in message
    assert "did you mean 'reablement.places'?" in message


def test_a_file_with_a_toml_syntax_error_is_refused(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('extends = "small"\n[rapid_response\nclinicians = 2\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML") as info:
        load_scenario(path)
    assert "broken.toml" in str(info.value)


def test_a_file_missing_required_sections_lists_them(tmp_path):
    path = tmp_path / "partial.toml"
    path.write_text('name = "partial"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "field 'rapid_response' is required but missing" in str(info.value)


# --------------------------------------------------------------------------- immutability


def test_a_scenario_cannot_be_changed_by_assignment(small):
    clinicians = small.rapid_response.clinicians
    with pytest.raises((TypeError, ValueError)):
        small.name = "changed"
    with pytest.raises((TypeError, ValueError)):
        small.rapid_response.clinicians = 99
    with pytest.raises((TypeError, ValueError)):
        small.icps["small_area"].acute_beds = 1
    assert small.rapid_response.clinicians == clinicians
    assert small == load_scenario("small")


def test_a_scenario_cannot_be_changed_through_its_tables_or_lists():
    # The scenario promises to be immutable: a replication (or a sweep running several in one
    # process) must not be able to change it for the next one through a nested dict or list.
    scenario = load_scenario("small")
    attempts = {
        "icps[...] = ...": lambda: scenario.icps.__setitem__("extra", scenario.icps["small_area"]),
        "mdt.allocation[...] = ...": lambda: scenario.mdt.allocation.__setitem__("small_area", 9.0),
        "crises.hourly_profile[0] = ...": lambda: scenario.crises.hourly_profile.__setitem__(0, 9.0),
        "discharge.pathway_shares['mild'][0] = ...":
            lambda: scenario.discharge.pathway_shares["mild"].__setitem__(0, 1.0),
    }
    mutable = []
    for label, attempt in attempts.items():
        try:
            attempt()
        except (TypeError, AttributeError, ValueError):
            continue
        mutable.append(label)
    assert not mutable, f"scenario changed in place through: {', '.join(mutable)}"


# --------------------------------------------------------------------------- apportioning


@pytest.mark.parametrize("total, weights, expected", [
    (10, [1, 1, 1], [4, 3, 3]),
    (100, [1, 3], [25, 75]),
    (7, [1, 0, 1], [4, 0, 3]),
    (1, [5, 1], [1, 0]),
    (0, [1, 2], [0, 0]),
    (5, [0, 0], [0, 0]),
    (3, [], []),
])
def test_apportion_examples(total, weights, expected):
    assert apportion(total, weights) == expected


def test_apportion_of_the_mdt_allocation_sums_to_the_total(kent_medway):
    weights = list(kent_medway.mdt.allocation.values())
    parts = apportion(382, weights)
    assert sum(parts) == 382
    assert parts.index(max(parts)) == 0  # East Kent has by far the largest allocation


@pytest.mark.parametrize("path", CAPACITY_FIELDS)
def test_capacities_shared_between_icps_add_up_to_the_total(kent_medway, path):
    section, field = path.split(".")
    sizes = [100_000, 37_000, 58_000, 68_000]
    parts = capacities(kent_medway, section, field, sizes)
    assert len(parts) == 4
    assert sum(parts) == getattr(getattr(kent_medway, section), field)
    assert all(part >= 0 for part in parts)


def test_every_service_section_is_a_capacity_lever():
    assert {path.split(".")[0] for path in CAPACITY_FIELDS} == set(SERVICE_SECTIONS)


def test_float_sums_add_left_to_right_as_python_3_11_did():
    """Python 3.12's sum() of floats is compensated: 1e16 + 1 - 1e16 gives 1.0 there and 0.0 added
    left to right. The tables are pinned to the bit on every supported Python, so the sums that feed
    them add left to right (dorothy_sim.floats)."""
    from dorothy_sim.floats import running_sums, sum_left_to_right

    assert sum_left_to_right([1e16, 1.0, -1e16]) == 0.0
    assert running_sums([1e16, 1.0, -1e16]) == [1e16, 1e16, 0.0]
    assert sum_left_to_right([]) == 0 and sum_left_to_right([2, 3]) == 5
