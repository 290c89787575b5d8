"""The what-if page's inputs: one per lever of the service registry, with its unit, range and default.

Nothing here is listed by hand. The levers are :data:`dorothy_sim.registry.LEVERS` (each service's
capacity, then its further levers); a further lever's unit and range are its
:class:`~dorothy_sim.registry.Lever`; a capacity's unit is its field's name ("places per year") and
its range is what the scenario's schema allows (the field's lower bound; at most the people
registered in the area, the schema's rule for every capacity). The default is the scenario's own
value. Levers are grouped by the Local Care intervention they belong to (seed 004's numbering),
then the other services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import annotated_types

from dorothy_sim.registry import LEVER_RANGES, SERVICES, Service
from dorothy_sim.scenario import Scenario
from dorothy_sim.scenario.schema import MAX_COUNT

OTHER_SERVICES = "Other services"


@dataclass(frozen=True)
class LeverInput:
    """One input of the page: the dotted path it sets, how to show it and what it may be."""

    path: str
    label: str
    unit: str
    low: float
    high: float
    default: Any
    whole: bool
    group: str
    help: str = ""

    @property
    def step(self) -> float:
        return 1 if self.whole else 0.5


def group_of(service: Service) -> str:
    """The heading a service's levers are shown under."""
    if service.intervention:
        return f"Intervention {service.intervention}: {service.label}"
    return OTHER_SERVICES


def lever_inputs(scenario: Scenario) -> list[LeverInput]:
    """Every lever of every service of the registry, as inputs with the scenario's values as defaults,
    in intervention order, then the other services in registry order."""
    population = sum(icp.registered_population for icp in scenario.icps.values())
    inputs: list[LeverInput] = []
    for service in sorted(SERVICES, key=lambda s: (s.intervention is None, s.intervention or 0)):
        section = getattr(scenario, service.section)
        for path in service.lever_paths():
            field = path.split(".", 1)[1]
            info = type(section).model_fields[field]
            low, high = _bounds(info.metadata)
            whole = info.annotation is int
            if path in LEVER_RANGES:
                lever = LEVER_RANGES[path]
                low, high, unit, meaning = lever.low, lever.high, lever.unit, lever.meaning
                label = f"{service.label}: {meaning or field.replace('_', ' ')}"
            else:  # the capacity: at most the registered population (the schema's rule)
                high = float(min(high if high is not None else MAX_COUNT, population))
                unit = field.replace("_", " ")
                label = f"{service.label}: {unit}"
                meaning = (f"total for the area, shared between ICPs; 0 switches the service off; at most "
                           f"the {population:,} people registered")
            inputs.append(LeverInput(path, label, unit, float(low or 0.0), float(high),
                                     getattr(section, field), whole, group_of(service), meaning))
    return inputs


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    """A field's lower and upper bounds from its pydantic constraints (None where it has none)."""
    low = high = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge | annotated_types.Gt):
            low = float(getattr(item, "ge", getattr(item, "gt", 0.0)))
        if isinstance(item, annotated_types.Le | annotated_types.Lt):
            high = float(getattr(item, "le", getattr(item, "lt", 0.0)))
    return low, high


def groups(inputs: list[LeverInput]) -> dict[str, list[LeverInput]]:
    """The inputs by heading, in the order they come."""
    grouped: dict[str, list[LeverInput]] = {}
    for lever in inputs:
        grouped.setdefault(lever.group, []).append(lever)
    return grouped


def changed(inputs: list[LeverInput], values: dict[str, Any]) -> dict[str, Any]:
    """The levers whose value differs from the scenario's: the what-if's overrides (whole numbers
    kept whole, so the schema's strict integer fields accept them)."""
    overrides: dict[str, Any] = {}
    for lever in inputs:
        if lever.path not in values:
            continue
        value = values[lever.path]
        if lever.whole and isinstance(value, float) and value.is_integer():
            value = int(value)
        if value != lever.default:
            overrides[lever.path] = value
    return overrides
