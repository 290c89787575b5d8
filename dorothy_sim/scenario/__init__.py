"""The scenario: one validated, immutable object that holds every parameter of the model.

Why one object: a sweep, a comparison or a report must be able to say exactly what was run.
The model reads this object and nothing else. Scenarios are TOML files; an embedded scenario
may ``extends = "<name>"`` another, so ``kent_medway.toml`` is the single place where the Kent and
Medway figures (and their sources) live. Any field can be overridden by its dotted path
(``rapid_response.clinicians=12``), which is how the command line and sweeps change a scenario.

One module a job: :mod:`.schema` (the sections, their types and limits), :mod:`.services` (the
services' lists and how a capacity is shared between ICPs), :mod:`.loading` (files, ``extends``,
overrides) and :mod:`.messages` (validation errors as messages).
"""

from dorothy_sim.scenario.loading import embedded_scenarios, load_scenario, parse_assignments
from dorothy_sim.scenario.messages import MAX_PROBLEMS_SHOWN, compose, problems_of
from dorothy_sim.scenario.schema import (
    CRISIS_TYPES,
    FRAILTY_LEVELS,
    MAX_COUNT,
    MAX_DAYS,
    MAX_REGISTERED_POPULATION,
    PATHWAYS,
    WEEKDAY_NAMES,
    FieldRule,
    Scenario,
)
from dorothy_sim.scenario.services import CAPACITY_LEVERS, INTERVENTIONS_OFF, SERVICE_SECTIONS, apportion

__all__ = [
    "CAPACITY_LEVERS",
    "CRISIS_TYPES",
    "FRAILTY_LEVELS",
    "INTERVENTIONS_OFF",
    "MAX_COUNT",
    "MAX_DAYS",
    "MAX_PROBLEMS_SHOWN",
    "MAX_REGISTERED_POPULATION",
    "PATHWAYS",
    "WEEKDAY_NAMES",
    "SERVICE_SECTIONS",
    "FieldRule",
    "Scenario",
    "apportion",
    "compose",
    "embedded_scenarios",
    "load_scenario",
    "parse_assignments",
    "problems_of",
]
