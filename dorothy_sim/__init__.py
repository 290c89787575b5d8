"""dorothy_sim: a discrete-event simulation of the Kent and Medway Local Care ('Dorothy') model."""

from dorothy_sim.errors import ScenarioError
from dorothy_sim.experiment import Results, run_replications, simulate
from dorothy_sim.scenario import INTERVENTIONS_OFF, Scenario, embedded_scenarios, load_scenario

__all__ = [
    "INTERVENTIONS_OFF",
    "Results",
    "Scenario",
    "ScenarioError",
    "embedded_scenarios",
    "load_scenario",
    "run_replications",
    "simulate",
]
__version__ = "0.1.0"
