"""dorothy_sim: a discrete-event simulation of the Kent and Medway Local Care ('Dorothy') model."""

from dorothy_sim._version import __version__
from dorothy_sim.errors import ScenarioError, SpecError, StoreError, UserError
from dorothy_sim.experiment import Results, run_replications, simulate
from dorothy_sim.scenario import (
    INTERVENTIONS_OFF,
    Scenario,
    embedded_scenarios,
    load_scenario,
)
from dorothy_sim.scenario.schema import resolve_plugin_sections
from dorothy_sim.spec import SweepSpec, load_spec
from dorothy_sim.sweep import SweepResults, load_results, sweep
from dorothy_sim.warmup import check_warmup

# Last, once every module can be imported: the plug-in services' scenario sections get their types.
resolve_plugin_sections()

__all__ = [
    "INTERVENTIONS_OFF",
    "Results",
    "Scenario",
    "ScenarioError",
    "SpecError",
    "StoreError",
    "SweepResults",
    "SweepSpec",
    "UserError",
    "__version__",
    "check_warmup",
    "embedded_scenarios",
    "load_results",
    "load_scenario",
    "load_spec",
    "run_replications",
    "simulate",
    "sweep",
]
