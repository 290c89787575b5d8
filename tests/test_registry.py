"""The service registry: every list of services is derived from it, and none misses a service.

Why: a service added to the model must reach the capacity levers, the "no Local Care" switch, the
queues table, the report's names, the costs and the tests' "no capacity" case; each of these is
derived from ``dorothy_sim.registry.SERVICES``, and these tests fail if a list and the registry
ever disagree.
"""

from __future__ import annotations

import pytest

from dorothy_sim import INTERVENTIONS_OFF, load_scenario
from dorothy_sim.errors import ScenarioError
from dorothy_sim.kpis import KPI_BY_NAME
from dorothy_sim.model.model import DorothyModel
from dorothy_sim.registry import (
    CAPACITY_LEVERS,
    INTERVENTION_COSTS,
    LABELS,
    LEVER_RANGES,
    LEVERS,
    QUEUES,
    SERVICE_SECTIONS,
    SERVICES,
    plugin,
)
from dorothy_sim.replication import run_one
from dorothy_sim.report.labels import service_name
from dorothy_sim.scenario import Scenario
from tests.conftest import ZERO_CAPACITIES


def test_every_service_is_declared_once_with_a_section_of_the_scenario():
    names = [s.name for s in SERVICES]
    assert len(names) == len(set(names))
    fields = set(Scenario.model_fields)
    for service in SERVICES:
        assert service.section in fields, service
        if service.capacity:  # the capacity lever is a field of the section's own schema
            section = Scenario.model_fields[service.section].annotation
            assert service.capacity in section.model_fields, (service.name, section)


def test_every_capacity_lever_is_a_lever_and_a_no_capacity_case():
    levers = {s.lever for s in SERVICES if s.lever and s.shared}
    assert set(CAPACITY_LEVERS) == levers
    assert set(ZERO_CAPACITIES) == levers
    assert set(SERVICE_SECTIONS) == {lever.split(".")[0] for lever in levers}
    scenario = load_scenario("small")
    for lever in CAPACITY_LEVERS:
        assert isinstance(scenario.value_at(lever), int), lever


def test_the_eight_local_care_interventions_can_each_be_switched_off():
    numbers = sorted(s.intervention for s in SERVICES if s.intervention)
    assert numbers == list(range(1, 9))
    for service in SERVICES:
        for path, value in service.off.items():
            assert INTERVENTIONS_OFF[path] == value
    off = load_scenario("small").with_overrides(INTERVENTIONS_OFF)
    assert off.value_at("spa.call_handlers") == 0 and off.value_at("expert_opinion.clinicians") == 0


def test_the_queues_table_has_a_row_for_every_queue_of_the_registry():
    scenario = load_scenario("small", {"run.warmup_days": 5, "run.results_days": 20})
    output = run_one(scenario, 1)
    for by_queue in output.queues.values():
        assert tuple(by_queue) == QUEUES
    model = DorothyModel(scenario, 1)
    assert [name for name, _ in model.services[0].queues()] == list(QUEUES)


def test_every_service_has_a_report_label_and_its_cost_is_a_kpi():
    for service in SERVICES:
        assert LABELS[service.kpi_prefix] == service.label
        assert service_name(f"{service.kpi_prefix}_utilisation_pct") == service.label
    kpis = run_one(load_scenario("small", {"run.warmup_days": 5, "run.results_days": 20}), 1).kpis
    for cost in INTERVENTION_COSTS:
        assert cost in KPI_BY_NAME, cost
        assert cost in kpis["all"], cost


@pytest.mark.parametrize("service", [s for s in SERVICES if s.module], ids=lambda s: s.name)
def test_a_plug_in_service_brings_its_section_kpis_and_hooks(service):
    module = plugin(service)
    assert Scenario.model_fields[service.section].annotation is module.Section
    for kpi in service.kpis:
        assert kpi.name.startswith(service.kpi_prefix + "_") or kpi.name == service.cost_kpi
        assert KPI_BY_NAME[kpi.name] is kpi


def test_every_lever_is_a_field_of_the_scenario_and_its_range_is_enforced():
    """Every lever (a capacity, or a further lever such as opening hours) is a field of the small
    scenario, and the schema refuses the values outside a further lever's declared range."""
    small = load_scenario("small")
    assert {s.lever for s in SERVICES if s.lever} <= set(LEVERS)
    assert len(LEVERS) == len(set(LEVERS))
    for path in LEVERS:
        assert small.value_at(path) is not None, path
    for path, lever in LEVER_RANGES.items():
        assert path in LEVERS
        assert lever.low <= small.value_at(path) <= lever.high, path
        with pytest.raises(ScenarioError, match=path.split(".")[-1]):
            small.with_overrides({path: lever.high + 1})
        with pytest.raises(ScenarioError, match=path.split(".")[-1]):
            small.with_overrides({path: lever.low - 1})
