"""dorothy_sim: a discrete-event simulation of the Kent and Medway Local Care ('Dorothy') model."""

__version__ = "0.5.0"  # first, because modules imported below record it in their manifests

from dorothy_sim.errors import ScenarioError, SpecError, StoreError, UserError  # noqa: E402
from dorothy_sim.experiment import Results, run_replications, simulate  # noqa: E402
from dorothy_sim.scenario import (  # noqa: E402
    INTERVENTIONS_OFF,
    Scenario,
    embedded_scenarios,
    load_scenario,
)
from dorothy_sim.spec import SweepSpec, load_spec  # noqa: E402
from dorothy_sim.sweep import SweepResults, load_results, sweep  # noqa: E402
from dorothy_sim.warmup import check_warmup  # noqa: E402

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
    "check_warmup",
    "embedded_scenarios",
    "load_results",
    "load_scenario",
    "load_spec",
    "run_replications",
    "simulate",
    "sweep",
]
