"""Every way a scenario or sweep spec can be wrong gives one clear message: the file, the line
(where the file gives it), the dotted field, the value and what is allowed. Covers the line
locator (dorothy_sim/toml_lines.py), NaN and infinity, the upper limits that stop a typo from
hanging the model, duplicate factors, and property tests that feed random invalid documents to the
command line (exit code 2, one message naming the field, nothing written, never a traceback)."""

from __future__ import annotations

import json
import math
import re
import time
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorothy_sim.cli import main
from dorothy_sim.errors import ScenarioError, SpecError
from dorothy_sim.experiment import run_one
from dorothy_sim.scenario import (
    CAPACITY_LEVERS,
    MAX_COUNT,
    MAX_DAYS,
    MAX_REGISTERED_POPULATION,
    Scenario,
    load_scenario,
)
from dorothy_sim.scenario.messages import model_in  # the schema walk the "did you mean" hints use
from dorothy_sim.spec import load_spec, plan, spec_from_dict
from dorothy_sim.toml_lines import dotted_lines, key_lines, nearest
from tests.conftest import assert_conserved

CLI_EXAMPLES = settings(max_examples=25, deadline=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --------------------------------------------------------------------------- helpers


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def to_toml(document: dict[str, Any]) -> str:
    """A tiny TOML writer (the venv has no tomli_w): scalars and lists inline, tables as headers."""
    lines: list[str] = []

    def table(node: dict[str, Any], path: tuple[str, ...]) -> None:
        values = {k: v for k, v in node.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in node.items() if isinstance(v, dict)}
        if path and (values or not tables):
            lines.append(f"\n[{'.'.join(toml_key(p) for p in path)}]")
        lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in values.items())
        for key, child in tables.items():
            table(child, (*path, key))

    table(document, ())
    return "\n".join(lines) + "\n"


def plain(value: Any) -> Any:
    """A scenario dump as plain TOML-able data (tuples as lists, no None)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        return [leaf for key, child in node.items() for leaf in leaves(child, (*path, key))]
    return [(path, node)]


def write(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path_or_name: str | Path, overrides: Any = None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path_or_name, overrides)
    return str(info.value)


def spec_error_of(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        plan(*load_spec(path))
    return str(info.value)


SMALL = plain(load_scenario("small").to_dict())
KENT_MEDWAY_TEXT = resources.files("dorothy_sim.scenarios").joinpath("kent_medway.toml").read_text("utf-8")


def test_the_test_writer_round_trips_the_small_scenario():
    assert tomllib.loads(to_toml(SMALL)) == SMALL
    assert Scenario.model_validate(tomllib.loads(to_toml(SMALL))) == load_scenario("small")


# --------------------------------------------------------------------------- the line locator


LOCATOR_DOCUMENT = '''\
top = 1                      # line 1
text = """not a key = 1
[not.a.table]
"""
'quoted.key' = 2             # line 5
[section]                    # line 6
plain = 3
dotted.inner.leaf = 4        # line 8
inline = { a = 1, b = { c = [1, 2] } }
listed = [
  10,                        # line 11
  { x = 1 },                 # line 12
]
when = 1979-05-27 07:32:00   # line 14
[ other . "with.dot" ]       # line 15
k = 'literal # not a comment'
[[runs]]                     # line 17
n = 1
[[runs]]                     # line 19
n = 2
'''


def test_the_locator_finds_tables_dotted_quoted_inline_array_and_array_of_table_keys():
    lines = key_lines(LOCATOR_DOCUMENT)
    expected = {
        ("top",): 1, ("text",): 2, ("quoted.key",): 5, ("section",): 6, ("section", "plain"): 7,
        ("section", "dotted"): 8, ("section", "dotted", "inner", "leaf"): 8,
        ("section", "inline", "b", "c", "1"): 9, ("section", "listed", "0"): 11,
        ("section", "listed", "1", "x"): 12, ("section", "when"): 14, ("other", "with.dot"): 15,
        ("other", "with.dot", "k"): 16, ("runs", "0"): 17, ("runs", "0", "n"): 18, ("runs", "1", "n"): 20,
    }
    assert {path: lines.get(path) for path in expected} == expected
    # Nothing inside a multi-line string is taken for a key or a table.
    assert ("not",) not in lines and ("not a key",) not in lines
    assert dotted_lines(lines)["other.with.dot.k"] == 16
    assert nearest(lines, ["section", "missing_field"]) == (("section",), 6)
    assert nearest(lines, ["nowhere"]) is None


@pytest.mark.parametrize("name", ["kent_medway", "small"])
def test_every_key_of_the_embedded_scenarios_is_found_on_a_line_that_writes_it(name):
    text = resources.files("dorothy_sim.scenarios").joinpath(f"{name}.toml").read_text("utf-8")
    lines = key_lines(text)
    rows = text.splitlines()
    for path, _ in leaves(tomllib.loads(text)):
        assert path in lines, path
        assert path[-1] in rows[lines[path] - 1], (path, rows[lines[path] - 1])


@settings(max_examples=60, deadline=None)
@given(document=st.recursive(
    st.dictionaries(st.text("abc_.\" -", min_size=1, max_size=6),
                    st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False),
                              st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8),
                              st.booleans()),
                    max_size=3),
    lambda inner: st.dictionaries(st.text("abc_.\" -", min_size=1, max_size=6), inner, max_size=3),
    max_leaves=10))
def test_the_locator_finds_every_key_of_any_document_written_by_the_test_writer(document):
    text = to_toml(document)
    assert tomllib.loads(text) == document
    lines = key_lines(text)
    for path, _ in leaves(document):
        if path:  # an empty table has no leaf
            assert path in lines, (path, text)


def test_the_locator_never_raises_on_text_that_is_not_toml():
    # Keys found before the scan gives up are kept; nothing is raised.
    assert key_lines('a = 1\nb = "unterminated') == {("a",): 1, ("b",): 2}
    assert key_lines("[unclosed\nkey = ") == {}


# --------------------------------------------------------------------------- scenario files: lines


def test_an_invalid_value_in_a_file_gives_the_file_the_line_the_field_the_value_and_the_rule(tmp_path):
    path = write(tmp_path, 'extends = "small"\nname = "mine"\n\n[rapid_response]\n# a comment\n'
                           "clinicians = -3\n")
    assert error_of(path) == (f"{path}, line 6: field 'rapid_response.clinicians' = -3: "
                              "Input should be greater than or equal to 0")


def test_a_typo_in_a_dotted_key_gives_its_line_and_the_nearest_valid_key(tmp_path):
    path = write(tmp_path, 'extends = "small"\nname = "mine"\nreablement.placs = 3\n')
    message = error_of(path)
    assert message.startswith(f"{path}, line 3: unknown field 'reablement.placs'")
    assert "did you mean 'reablement.places'?" in message


def test_a_bad_value_in_an_inline_table_or_a_list_over_lines_gives_that_line(tmp_path):
    path = write(tmp_path, 'extends = "small"\nname = "mine"\n[acute]\n'
                           "treatment_days.mild = { mean = 7.4, cv = nan }\n"
                           "[crises]\nhourly_profile = [\n"
                           + "1.0,\n" * 5 + "-1.0,\n" + "1.0,\n" * 18 + "]\n")
    message = error_of(path)
    assert "invalid scenario (2 problems)" in message
    assert "line 4: field 'acute.treatment_days.mild.cv' = nan: Input should be a finite number" in message
    assert "line 12: field 'crises.hourly_profile.5' = -1.0" in message


def test_a_rule_across_fields_is_located_at_the_field_it_names(tmp_path):
    path = write(tmp_path, 'extends = "small"\nname = "mine"\n[crises]\n'
                           "mix = { fall = 0.5, infection = 0.24, exacerbation = 0.2, "
                           "carer_breakdown = 0.09, delirium = 0.09 }\n")
    assert error_of(path) == f"{path}, line 4: 'crises.mix': must sum to 1 (it sums to 1.1200)"


def test_a_missing_field_is_located_at_its_table(tmp_path):
    document = {k: v for k, v in SMALL.items()}
    document["home_care"] = {k: v for k, v in SMALL["home_care"].items() if k != "packages"}
    path = write(tmp_path, to_toml(document))
    line = to_toml(document).splitlines().index("[home_care]") + 1
    assert error_of(path) == f"{path}, line {line}: field 'home_care.packages' is required but missing"


def test_a_value_from_an_override_or_an_extended_scenario_says_where_it_came_from(tmp_path):
    path = write(tmp_path, 'extends = "small"\nname = "mine"\n[crises]\nrate_ratio_80_plus = 100\n'
                           "rate_ratio_dementia = 100\n")
    message = error_of(path)
    # The rule names rate_per_year (inherited) and the ratios the file sets: the file's line is given.
    assert message.startswith(f"{path}, line 4: 'crises.rate_per_year': the highest crisis rate")
    message = error_of("small", ["rapid_response.clinicians=-3"])
    assert message == ("embedded scenario 'small': field 'rapid_response.clinicians' = -3: Input should be "
                       "greater than or equal to 0 (from --set rapid_response.clinicians=-3)")
    assert "line" not in message
    path = write(tmp_path, 'extends = "small"\nname = "mine"\n[icps.small_area]\nlabel = "x"\n',
                 "partial.toml")
    message = error_of(path)
    assert f"{path}: invalid scenario" in message or f"{path}, line 3" in message
    assert "field 'icps.small_area.registered_population' is required but missing" in message


def test_an_inherited_value_that_breaks_a_rule_says_it_was_inherited(tmp_path):
    # One ICP of 50 people: small's capacities, inherited through extends, are larger.
    path = write(tmp_path, 'extends = "small"\nname = "tiny"\n[icps.small_area]\nlabel = "tiny"\n'
                           'registered_population = 50\nacute_trust = "t"\nacute_beds = 10\n'
                           "background_admissions_per_day = 0.5\n")
    message = error_of(path)
    assert "'home_care.packages': packages = 74 is more than the 50 people registered" in message
    assert f"{path}, line 3" in message  # located at the ICPs the file writes


def test_toml_syntax_errors_give_the_line_and_column_and_a_duplicate_key_says_so(tmp_path):
    path = write(tmp_path, 'extends = "small"\nname = "x"\n[rapid_response\nclinicians = 2\n')
    message = error_of(path)
    assert message.startswith(f"{path}, line 3, column ")
    assert "not valid TOML" in message and "[rapid_response" in message
    path = write(tmp_path, 'extends = "small"\nname = "x"\n[reablement]\nplaces = 3\nplaces = 4\n')
    message = error_of(path)
    assert message.startswith(f"{path}, line 5, column ")
    assert "given twice" in message
    path = write(tmp_path, 'extends = "small"\nname = "x"\nlist = [1, 2\n')
    assert "end of file" in error_of(path)


def test_an_unknown_parent_gives_the_line_of_extends(tmp_path):
    path = write(tmp_path, 'name = "x"\nextends = "kent"\n')
    assert error_of(path).startswith(f"{path}, line 2: extends = 'kent' is not an embedded scenario")


# --------------------------------------------------------------------------- NaN and infinity

FLOAT_LEAVES = [".".join(path) for path, value in leaves(SMALL)
                if isinstance(value[0] if isinstance(value, list) and value else value, float)]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("field", FLOAT_LEAVES)
def test_every_float_field_refuses_nan_and_infinity_naming_the_field(field, bad):
    small = load_scenario("small")
    current = small.value_at(field)
    value = [bad, *current[1:]] if isinstance(current, tuple) else bad
    if field == "rapid_response.response_window_hours" and bad == math.inf:
        # documented: no window (infinite patience)
        assert small.with_overrides({field: value}).rapid_response.response_window_hours == math.inf
        return
    with pytest.raises(ScenarioError) as info:
        small.with_overrides({field: value})
    message = str(info.value)
    assert f"'{field}" in message
    allowed = ("finite number", "NaN is not a number", "greater than or equal to 0")
    assert any(text in message for text in allowed), message


def test_the_float_fields_checked_include_every_kind():
    assert {"population.lives_alone", "crises.hourly_profile", "rapid_response.shift_start_hour",
            "rapid_response.response_window_hours", "costs.acute_bed_day", "mdt.allocation.small_area",
            "crises.rate_per_year.mild", "crises.rate_ratio_80_plus", "run.warmup_days"} <= set(FLOAT_LEAVES)


# --------------------------------------------------------------------------- limits on size

LIMITS = [
    # (override, field named, text in the message)
    ({"home_care.packages": 10**9}, "home_care.packages", "10000000"),
    ({"falls_prevention.places_per_year": 10**9}, "falls_prevention.places_per_year", "10000000"),
    ({"discharge.cases_per_coordinator": 10**9}, "discharge.cases_per_coordinator", "10000000"),
    ({"acute.escalation_open_when_waiting": 10**9}, "acute.escalation_open_when_waiting", "10000000"),
    ({"home_care.packages": 50_001}, "home_care.packages", "more than the 50000 people registered"),
    ({"reablement.places": 60_000}, "reablement.places", "50000 people registered"),
    ({"falls_prevention.programme_effect_days": 3650, "falls_prevention.places_per_year": 10_000},
     "falls_prevention.programme_effect_days", "100000 people in the programme's effect"),
    ({"icps.small_area.registered_population": 10**9}, "icps.small_area.registered_population", "20000000"),
    ({"icps.small_area.acute_beds": 60_000}, "icps.small_area.acute_beds", "more beds than people"),
    ({"icps.small_area.background_admissions_per_day": 501.0},
     "icps.small_area.background_admissions_per_day", "1% of registered_population"),
    ({"run.results_days": 36_501}, "run.results_days", "36500"),
    ({"run.warmup_days": 1e9}, "run.warmup_days", "100 years"),
    ({"reablement.episode_days.mean": 1e6}, "reablement.episode_days.mean", "36500"),
    ({"rapid_response.visit_hours.cv": 1e300}, "rapid_response.visit_hours.cv", "100"),
    ({"crises.rate_per_year.severe": 400.0}, "crises.rate_per_year.severe", "365"),
    ({"crises.rate_ratio_dementia": 1e6}, "crises.rate_ratio_dementia", "100"),
    ({"crises.rate_per_year.severe": 100.0, "crises.rate_ratio_dementia": 50.0},
     "crises.rate_per_year", "the highest crisis rate"),
    ({"acute.escalation_check_hours": 1e-9}, "acute.escalation_check_hours", "0.1"),
    ({"costs.acute_bed_day": 1e12}, "costs.acute_bed_day", "1000000000"),
    ({"crises.hourly_profile": [1e300] * 24}, "crises.hourly_profile.0", "1000000000"),
    ({"mdt.allocation.small_area": 0.0}, "mdt.allocation", "all zero"),
]


@pytest.mark.parametrize("overrides, field, text", LIMITS, ids=[case[1] for case in LIMITS])
def test_an_absurd_size_is_refused_naming_the_field_the_value_and_the_limit(overrides, field, text):
    message = error_of("small", overrides)
    assert f"'{field}'" in message, message
    assert text in message, message
    assert "typo" in message or "zero" in message, message  # says why


def test_the_registered_populations_of_all_icps_together_are_limited():
    icp = dict(SMALL["icps"]["small_area"], registered_population=MAX_REGISTERED_POPULATION // 2 + 1)
    message = error_of("small", {"icps": {"a": icp, "b": icp}, "mdt.allocation": {"a": 1.0}})
    assert "'icps'" in message and "sum to 20000002" in message and "20000000" in message


@pytest.mark.parametrize("lever", CAPACITY_LEVERS)
def test_each_capacity_at_its_largest_allowed_value_runs_in_bounded_time(lever):
    largest = SMALL["icps"]["small_area"]["registered_population"]
    scenario = load_scenario("small", {lever: largest, "run.warmup_days": 10, "run.results_days": 30})
    with pytest.raises(ScenarioError, match=re.escape(lever)):
        scenario.with_overrides({lever: largest + 1})
    started = time.perf_counter()
    output = run_one(scenario, 1)
    assert time.perf_counter() - started < 60
    assert_conserved(output.ledger)


def test_the_limits_leave_every_embedded_scenario_valid_and_are_far_above_them():
    for name in ("kent_medway", "small"):
        scenario = load_scenario(name)
        population = sum(icp.registered_population for icp in scenario.icps.values())
        for lever in CAPACITY_LEVERS:
            assert scenario.value_at(lever) * 10 < population, lever
    assert MAX_COUNT == 10_000_000 and MAX_DAYS == 36_500


# --------------------------------------------------------------------------- the weekly pattern

BAD_WEEK = [
    ("discharge.weekend_discharge_factor", 0.0, "greater than 0"),
    ("discharge.weekend_discharge_factor", -0.4, "greater than 0"),
    ("discharge.weekend_discharge_factor", 1.5, "less than or equal to 1"),
    ("run.start_weekday", "funday", "'monday', 'tuesday'"),
    ("run.start_weekday", 3, "'sunday'"),
]


@pytest.mark.parametrize("field, value, allowed", BAD_WEEK, ids=[f"{f}={v}" for f, v, _ in BAD_WEEK])
def test_a_bad_factor_or_weekday_names_the_field_the_value_and_what_is_allowed(field, value, allowed):
    message = error_of("small", {field: value})
    assert f"'{field}'" in message and repr(value) in message and allowed in message, message


def test_a_bad_factor_exits_2_with_one_message(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["run", "--scenario", "small", "--set", "discharge.weekend_discharge_factor=0",
            "--reps", "1", "--workers", "1", "--quiet", "--out", str(out)]
    code, stdout, stderr = run_cli(argv, capsys)
    assert_one_clear_error(code, stdout, stderr, "discharge.weekend_discharge_factor")
    assert not out.exists()


# --------------------------------------------------------------------------- sweep specs

SPEC_HEAD = 'name = "t"\nscenario = "small"\n'


def test_a_factor_spelt_twice_is_refused_naming_both_spellings_and_lines(tmp_path):
    path = write(tmp_path, SPEC_HEAD + '[factors]\n"rapid_response.clinicians" = [1, 2]\n'
                                       "[factors.rapid_response]\nclinicians = [3, 4]\n", "spec.toml")
    assert spec_error_of(path) == (
        f"{path}: factor 'rapid_response.clinicians' is given twice, as "
        'factors."rapid_response.clinicians" (line 4) and as factors.rapid_response.clinicians (line 6); '
        "both spell the same path: give it once")
    with pytest.raises(SpecError, match=r"\[set\] path 'reablement.places' is given twice"):
        spec_from_dict({"name": "t", "factors": {"rapid_response.clinicians": [1]},
                        "set": {"reablement.places": 1, "reablement": {"places": 2}}})


def test_a_factor_also_fixed_in_set_is_a_contradiction(tmp_path):
    path = write(tmp_path, SPEC_HEAD + '[set]\n"reablement.places" = 20\n'
                                       "[factors]\nreablement.places = [10, 30]\n", "spec.toml")
    message = spec_error_of(path)
    assert message.startswith(f"{path}, line 6: factor 'reablement.places' is also fixed in [set]")
    assert "line 4" in message and "[baseline]" in message


def test_a_literal_duplicate_factor_is_a_clear_toml_error(tmp_path):
    path = write(tmp_path, SPEC_HEAD + '[factors]\n"reablement.places" = [1]\n"reablement.places" = [2]\n',
                 "spec.toml")
    message = spec_error_of(path)
    assert message.startswith(f"{path}, line 5, column ") and "given twice" in message


@pytest.mark.parametrize("factor, line, fragments", [
    ('"population.lives_alone" = [0.3, nan]', 4, ["'factors.population.lives_alone.1'", "nan"]),
    ('"reablement.places" = { from = 10, to = 20, step = nan }', 4,
     ["factors.reablement.places.step", "finite number"]),
    ('"reablement.places" = { from = 10, to = inf, step = 5 }', 4, ["factors.reablement.places", "finite"]),
    ('"rapid_response.clinicians" = [\n  1,\n  -2,\n]', 6, ["rapid_response.clinicians=-2", "-2"]),
    ('"reablement.places" = [1, 2.5]', 4, ["reablement.places", "2.5"]),
    ('"reablement.places" = [1, 1000000000]', 4, ["reablement.places", "10000000"]),
    ('"rapid_response.clinicans" = [1]', 4, ["did you mean 'rapid_response.clinicians'?"]),
    ('"reablement.places" = 5', 4, ["a factor is a list of values"]),
])
def test_a_bad_factor_gives_the_spec_file_and_the_line(tmp_path, factor, line, fragments):
    path = write(tmp_path, SPEC_HEAD + "[factors]\n" + factor + "\n", "spec.toml")
    message = spec_error_of(path)
    assert message.startswith(f"{path}, line {line}: "), message
    for fragment in fragments:
        assert fragment in message, message


def test_bad_set_and_baseline_values_give_their_lines_in_the_spec(tmp_path):
    path = write(tmp_path, SPEC_HEAD + '[set]\n"run.results_days" = 30\n"population.lives_alone" = nan\n'
                                       '[factors]\n"reablement.places" = [1, 2]\n', "spec.toml")
    assert spec_error_of(path).startswith(
        f"{path}, line 5: [set]: field 'population.lives_alone' = nan: Input should be a finite number")
    path = write(tmp_path, SPEC_HEAD + '[baseline]\nrapid_response.clinicans = 2\n'
                                       '[factors]\n"reablement.places" = [1, 2]\n', "spec.toml")
    assert spec_error_of(path).startswith(
        f"{path}, line 4: [baseline]: unknown field 'rapid_response.clinicans'")
    path = write(tmp_path, SPEC_HEAD + '[factors]\n"reablement.places" = [1, 2]\n'
                                       "[replications]\nkpi = 'admissions'\nhalf_width_pct = nan\n",
                 "spec.toml")
    assert spec_error_of(path).startswith(f"{path}, line 7: field 'replications.half_width_pct' = nan")


# --------------------------------------------------------------------------- random invalid documents


def _paths_of(model: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Field paths of the scenario schema that are models (tables whose keys are fields)."""
    found = {prefix: model}
    for name, field in model.model_fields.items():
        sub = model_in(field.annotation)
        if sub is not None and not _is_dict(field.annotation):
            found.update(_paths_of(sub, (*prefix, name)))
    return found


def _is_dict(annotation: Any) -> bool:
    """A table keyed by name (a dict) or an array of tables (``[[arrivals]]``, a tuple): its keys are
    not the schema's fields."""
    text = str(annotation)
    return "dict[" in text or "tuple[" in text


def _probability_paths() -> list[str]:
    """Leaves of the small scenario whose field is a probability (a bound of 1)."""
    small = load_scenario("small")
    found = []
    for path, value in leaves(SMALL):
        dotted = ".".join(path)
        if isinstance(value, float) and 0 <= value <= 1:
            try:
                small.with_overrides({dotted: 1.5})
            except ScenarioError as exc:
                if "less than or equal to 1" in str(exc) or "less than 1" in str(exc):
                    found.append(dotted)
    return found


MODEL_TABLES = [path for path in _paths_of(Scenario) if path and path[0] in SMALL]
PROBABILITIES = _probability_paths()
OPTIONAL = {"description", "start_day_of_year", "start_weekday", "escalation_beds",
            "elective_admissions_per_day", "cv", "exponential", "max", "allocation"}
SCHEMA_TABLES = _paths_of(Scenario)


def _required(path: tuple[str, ...]) -> bool:
    """Whether the schema requires the leaf at ``path``: its field's own answer where the leaf is a
    field of a schema table (a plug-in's section has defaults for every field: the service off),
    else (inside a dict, such as an ICP's table) by name."""
    table = SCHEMA_TABLES.get(path[:-1])
    if table is not None and path[-1] in table.model_fields:
        return table.model_fields[path[-1]].is_required()
    return not OPTIONAL & set(path)


REQUIRED_LEAVES = [path for path, _ in leaves(SMALL) if _required(path)
                   and path[:2] != ("population", "frailty_shares_65_plus")]
NUMBER_LEAVES = [path for path, value in leaves(SMALL)
                 if isinstance(value, int | float) and not isinstance(value, bool)]
SHARES = {("crises", "mix"): "crises.mix", ("population", "frailty_shares_65_plus"): "frailty_shares_65_plus"}


def _set(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    node = document
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


_DELETE = object()


@st.composite
def invalid_scenarios(draw) -> tuple[dict[str, Any], str]:
    """The small scenario, resolved, with one thing made wrong, and the field a message must name."""
    kind = draw(st.sampled_from(["delete", "unknown", "typo", "wrong type", "nan", "inf", "negative",
                                 "fraction", "probability", "shares", "absurd"]))
    if kind == "delete":
        path = draw(st.sampled_from(REQUIRED_LEAVES))
        return _set(SMALL, path, _DELETE), ".".join(path)
    if kind in ("unknown", "typo"):
        table = draw(st.sampled_from(MODEL_TABLES))
        node = SMALL
        for key in table:
            node = node[key]
        if kind == "typo":
            name = draw(st.sampled_from(sorted(node)))
            cut = draw(st.integers(0, len(name) - 1))
            name = name[:cut] + name[cut + 1:] if len(name) > 3 else name + "x"
            if name in node:
                name += "_x"
        else:
            name = draw(st.sampled_from(["colour", "extra", "zzz", "clinicians_total"]))
            if name in node:
                name += "_x"
        return _set(SMALL, (*table, name), 1), ".".join((*table, name))
    if kind == "wrong type":
        path, value = draw(st.sampled_from(leaves(SMALL)))
        return _set(SMALL, path, 3 if isinstance(value, str) else "lots"), ".".join(path)
    if kind in ("nan", "inf", "negative", "fraction", "absurd"):
        candidates = NUMBER_LEAVES
        if kind == "fraction":
            candidates = [p for p, v in leaves(SMALL) if isinstance(v, int) and not isinstance(v, bool)]
        if kind == "absurd":
            candidates = [tuple(lever.split(".")) for lever in CAPACITY_LEVERS]
        if kind == "inf":
            candidates = [p for p in candidates if p != ("rapid_response", "response_window_hours")]
        path = draw(st.sampled_from(candidates))
        value = {"nan": math.nan, "inf": draw(st.sampled_from([math.inf, -math.inf])),
                 "negative": draw(st.sampled_from([-1, -0.5, -1e9])), "fraction": 2.5, "absurd": 10**9}[kind]
        return _set(SMALL, path, value), ".".join(path)
    if kind == "probability":
        dotted = draw(st.sampled_from(PROBABILITIES))
        value = draw(st.floats(min_value=1.0 + 1e-6, max_value=1e6))
        return _set(SMALL, tuple(dotted.split(".")), value), dotted
    # shares that must sum to 1 and do not
    table = draw(st.sampled_from([*SHARES, ("discharge", "pathway_shares", "mild")]))
    if table[-1] == "mild":
        shares = list(SMALL["discharge"]["pathway_shares"]["mild"])
        shares[0] = shares[0] * 0.5
        return _set(SMALL, table, shares), "discharge.pathway_shares.mild"
    node = SMALL[table[0]][table[1]]
    key = draw(st.sampled_from(sorted(node)))
    return _set(SMALL, (*table, key), node[key] * 0.5 + 0.01), SHARES[table]


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)  # an exception here fails the test: never a traceback
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_clear_error(code: int, out: str, err: str, field: str) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert err.startswith("dorothy: error:") and err.count("dorothy: error:") == 1, err
    assert field in err, (field, err)


@CLI_EXAMPLES
@given(case=invalid_scenarios())
def test_any_invalid_scenario_file_exits_2_with_one_message_naming_the_field(case, tmp_path, capsys):
    document, field = case
    path = write(tmp_path, to_toml(document))
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["run", "--scenario", str(path), "--reps", "1", "--workers", "1",
                                    "--quiet", "--out", str(out)], capsys)
    assert_one_clear_error(code, stdout, stderr, field)
    assert str(path) in stderr
    assert not out.exists()


VALID_SPEC: dict[str, Any] = {
    "name": "t", "scenario": "small", "design": "grid", "seed": 1,
    "set": {"run.results_days": 30},
    "factors": {"rapid_response.clinicians": [1, 2], "reablement.places": {"from": 10, "to": 20, "step": 5}},
    "replications": {"count": 1},
}

BAD_SPECS: list[tuple[tuple[str, ...], Any, str]] = [
    (("desing",), "grid", "desing"),
    (("factors", "rapid_response.clinicans"), [1], "rapid_response.clinicans"),
    (("factors", "population.lives_alone"), [0.3, math.nan], "population.lives_alone"),
    (("factors", "population.lives_alone"), [0.3, 1.5], "population.lives_alone"),
    (("factors", "rapid_response.clinicians"), [1, -2], "rapid_response.clinicians"),
    (("factors", "rapid_response.clinicians"), [1, 2.5], "rapid_response.clinicians"),
    (("factors", "rapid_response.clinicians"), [1, 10**9], "rapid_response.clinicians"),
    (("factors", "rapid_response.clinicians"), [], "rapid_response.clinicians"),
    (("factors", "rapid_response"), {"clinicians": [3]}, "rapid_response.clinicians"),  # spelt twice
    (("factors", "run.results_days"), [20, 40], "run.results_days"),  # also in [set]
    (("factors", "reablement.places"), {"from": 20, "to": 10, "step": 5}, "reablement.places"),
    (("factors", "reablement.places"), {"from": 10, "to": 20, "step": 0}, "reablement.places"),
    (("factors", "reablement.places"), {"from": 10, "to": math.inf, "step": 5}, "reablement.places"),
    (("factors", "reablement.places"), {"from": 10, "to": 20, "step": math.nan}, "reablement.places"),
    (("replications", "count"), 0, "replications.count"),
    (("replications", "count"), 2.5, "replications.count"),
    (("replications",), {"kpi": "admissions", "half_width_pct": math.nan}, "replications.half_width_pct"),
    (("seed",), -1, "seed"),
    (("design",), "gird", "design"),
    (("set", "home_care.packages"), 10**9, "home_care.packages"),
    (("set", "home_care.packages"), math.inf, "home_care.packages"),
]


@CLI_EXAMPLES
@given(case=st.sampled_from(BAD_SPECS), extra=st.sampled_from(BAD_SPECS + [None]))
def test_any_invalid_sweep_spec_exits_2_with_one_message_naming_the_field(case, extra, tmp_path, capsys):
    document = json.loads(json.dumps(VALID_SPEC))
    named = []
    for path, value, field in [c for c in (case, extra) if c is not None]:
        node = document
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        named.append(field)
    path = write(tmp_path, to_toml(document), "spec.toml")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(["sweep", str(path), "--workers", "1", "--quiet", "--out", str(out)],
                                   capsys)
    assert code == 2, (code, stdout, stderr)
    assert "Traceback" not in stdout + stderr
    assert stderr.startswith("dorothy: error:") and stderr.count("dorothy: error:") == 1, stderr
    assert str(path) in stderr
    assert any(field in stderr for field in named), (named, stderr)
    assert not out.exists()
