"""Probabilistic sensitivity analysis: ``dorothy psa SPEC`` and :func:`run_psa`.

A spec names a scenario, the option and its comparator (overrides; the comparator is no Local Care,
``INTERVENTIONS_OFF``, unless said otherwise), the uncertain inputs (default: every one in the
scenario's ``[uncertainty]`` table), N parameter sets, R replications and the sampler (``lhs``: a
Latin hypercube of N sets; ``sobol``: Saltelli's design, N x (d + 2) sets, for Sobol indices).

Each parameter set is run for both arms with the same replication seeds (``seed + r``): common random
numbers, so the arms' differences are paired, as in a sweep. Runs go through the same executors
(local processes or a Dask scheduler) and result store (one file per run: a stopped analysis resumes)
as sweeps. Configuration ``2i`` is set i's comparator, ``2i + 1`` its option.

What comes out (:class:`PsaResults`, written by :mod:`dorothy_sim.psa_report`): per parameter set
and replication the paired outcomes (exposure-adjusted avoided admissions, days at home gained, beds
released, net saving in all and per funder, cash releasing saving, the STP view); their distribution
over parameter sets; the probability of a net saving; the acceptability curves; a sensitivity ranking
that separates parameter uncertainty from simulation noise; EVPI and EVPPI
(:mod:`dorothy_sim.psa_analysis`).
"""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from dorothy_sim import psa_analysis as pa
from dorothy_sim._version import __version__
from dorothy_sim.errors import SpecError
from dorothy_sim.executors import Task
from dorothy_sim.kpis import exposure_adjusted_avoided, money_comparisons
from dorothy_sim.replication import RunOutput
from dorothy_sim.runner import Key, Runner
from dorothy_sim.scenario import INTERVENTIONS_OFF, Scenario, load_scenario
from dorothy_sim.spec import _Strict, read_spec_file, validate_spec
from dorothy_sim.store import MANIFEST, ResultStore

__all__ = ["OUTCOMES", "PsaResults", "PsaSpec", "load_psa_spec", "plan_psa", "psa_spec_from_dict", "run_psa"]

OUTCOMES: dict[str, str] = {
    "avoided_admissions_exposure_adjusted": "count",
    "days_at_home_gained": "days",
    "bed_days_saved": "bed days",
    "beds_released_at_85pct": "beds",
    "net_saving_gbp": "GBP",
    "net_saving_nhs_gbp": "GBP",
    "net_saving_council_gbp": "GBP",
    "net_saving_self_funded_gbp": "GBP",
    "cash_releasing_saving_gbp": "GBP",
    "net_saving_stp_view_gbp": "GBP",
}
"""The paired outcomes of the option against its comparator, per parameter set and replication."""

_NEEDED = ("admissions", "home_person_years", "days_at_home_per_person", "cohort_size", "acute_bed_days",
           "cost_total_gbp", "cost_acute_bed_days_gbp", "cost_ed_gbp", "cost_nhs_gbp", "cost_council_gbp",
           "cost_self_funded_gbp")

Wtp = Annotated[float, Field(ge=0.0, le=1e7, allow_inf_nan=False)]


class PsaSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
    description: str = ""
    scenario: str = "kent_medway"
    seed: Annotated[int, Field(ge=0, le=2**32 - 1, strict=True)] = 1
    set: dict[str, Any] = Field(default_factory=dict)
    """Overrides for both arms (a shorter run, another area...)."""
    option: dict[str, Any] = Field(default_factory=dict)
    """Overrides that make the option from the scenario (none: the scenario's own Local Care mix)."""
    comparator: dict[str, Any] | Literal["interventions_off"] = "interventions_off"
    """Overrides that make the comparator, or ``"interventions_off"`` (no Local Care)."""
    inputs: list[str] | None = None
    """The uncertain inputs to vary (dotted paths of the scenario's ``[uncertainty]``); default all."""
    samples: Annotated[int, Field(ge=2, le=4096, strict=True)] = 64
    replications: Annotated[int, Field(ge=1, le=100, strict=True)] = 5
    sampler: Literal["lhs", "sobol"] = "lhs"
    wtp_per_admission: Annotated[list[Wtp], Field(min_length=1)] = Field(
        default_factory=lambda: [0.0, 1000.0, 2000.0, 3560.0, 5000.0, 7500.0, 10000.0, 15000.0, 20000.0])
    """Willingness to pay per avoided admission (GBP) for the acceptability curve and EVPPI."""
    wtp_per_day_at_home: Annotated[list[Wtp], Field(min_length=1)] = Field(
        default_factory=lambda: [0.0, 25.0, 50.0, 100.0, 150.0, 200.0, 300.0, 500.0])
    """Willingness to pay per day at home gained (GBP)."""


def psa_spec_from_dict(data: dict[str, Any], source: str = "psa spec", *, text: str | None = None) -> PsaSpec:
    """Validate a spec given as a dict (the Python API's way in); nested tables under ``set``,
    ``option`` and ``comparator`` are flattened to dotted paths."""
    return validate_spec(PsaSpec, data, source, text, ("set", "option", "comparator"), "psa spec")


def load_psa_spec(path: str | Path) -> PsaSpec:
    path = Path(path)
    data, text = read_spec_file(path, "psa spec")
    return psa_spec_from_dict(data, source=str(path), text=text)


def psa_manifest(folder: Path) -> dict[str, Any] | None:
    """A ``dorothy psa`` folder's manifest (its spec and whether it finished), or None for any other
    folder (a sweep's, a run's, or none)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("kind") == "psa" else None


@dataclass
class PsaPlan:
    """A spec resolved against its scenario: the inputs, their draws and each run's scenario."""

    spec: PsaSpec
    base: Scenario
    names: list[str]
    unit: np.ndarray  # the design in [0, 1]^d, one row per parameter set
    values: np.ndarray  # the inputs' values, one row per parameter set
    option: dict[str, Any]
    comparator: dict[str, Any]
    spec_hash: str

    @property
    def sets(self) -> int:
        return int(self.values.shape[0])

    def scenario(self, configuration: int) -> Scenario:
        """Configuration ``2i`` is set i's comparator, ``2i + 1`` its option."""
        drawn = {name: float(value) for name, value in zip(self.names, self.values[configuration // 2],
                                                           strict=True)}
        arm = self.option if configuration % 2 else self.comparator
        return self.base.with_overrides({**drawn, **arm}, source=f"psa '{self.spec.name}'")

    def manifest(self) -> dict[str, Any]:
        return {"kind": "psa", "spec": self.spec.model_dump(mode="json"), "spec_hash": self.spec_hash,
                "dorothy_sim_version": __version__, "first_seed": self.spec.seed, "inputs": self.names,
                "parameter_sets": self.sets,
                "seed_rule": f"replication r of every parameter set and arm uses seed {self.spec.seed} + r"}


def plan_psa(spec: PsaSpec | dict[str, Any] | str | Path) -> PsaPlan:
    """Resolve a spec: the scenario with ``set``, the inputs, the design and its values."""
    if isinstance(spec, dict):
        spec = psa_spec_from_dict(spec)
    elif not isinstance(spec, PsaSpec):
        spec = load_psa_spec(spec)
    base = load_scenario(spec.scenario).with_overrides(spec.set, source=f"psa '{spec.name}' [set]")
    table = base.uncertainty
    names = list(spec.inputs) if spec.inputs is not None else list(table)
    unknown = [name for name in names if name not in table]
    if unknown or not names:
        raise SpecError(f"psa '{spec.name}': inputs names {unknown or 'nothing'}; the scenario's uncertain "
                        f"inputs are {', '.join(table) or 'none (it has no [uncertainty] table)'}")
    comparator = dict(INTERVENTIONS_OFF) if spec.comparator == "interventions_off" else dict(spec.comparator)
    fixed = set(spec.option) | set(comparator)
    clash = sorted(fixed & set(names))
    if clash:
        raise SpecError(f"psa '{spec.name}': {', '.join(clash)} is both an uncertain input and fixed by "
                        "option or comparator; drop it from one")
    for label, overrides in (("option", spec.option), ("comparator", comparator)):
        base.with_overrides(overrides, source=f"psa '{spec.name}' {label}")  # bad overrides fail now
    unit = pa.unit_samples(spec.sampler, names, spec.samples, spec.seed)
    values = np.column_stack([table[name].ppf(unit[:, j]) for j, name in enumerate(names)])
    digest = hashlib.sha256(json.dumps({"spec": spec.model_dump(mode="json"), "scenario": base.to_dict()},
                                       sort_keys=True, default=str).encode()).hexdigest()[:16]
    return PsaPlan(spec, base, names, unit, values, dict(spec.option), comparator, digest)


@dataclass
class PsaResults:
    """The tables of a PSA. ``draws``: one row per parameter set (its inputs, then each outcome's mean
    over replications); ``replications``: the paired outcomes per set and replication."""

    spec: PsaSpec
    names: list[str]
    draws: pd.DataFrame
    replications: pd.DataFrame
    summary: pd.DataFrame
    noise: pd.DataFrame
    sensitivity: pd.DataFrame
    ceac: pd.DataFrame
    evppi: pd.DataFrame
    inputs: pd.DataFrame
    run_seconds: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"draws": self.draws, "replications": self.replications, "summary": self.summary,
                "noise": self.noise, "sensitivity": self.sensitivity, "ceac": self.ceac,
                "evppi": self.evppi, "inputs": self.inputs}

    def probability(self, outcome: str) -> float:
        """The share of parameter sets whose mean ``outcome`` is above zero."""
        return float((self.draws[outcome] > 0).mean())


def run_psa(spec: PsaSpec | dict[str, Any] | str | Path, out: str | Path | None = None,
            workers: int | None = None, dask: str | None = None, force: bool = False,
            progress: bool = False, time_limit_seconds: float | None = None) -> PsaResults:
    """Run a PSA and return its tables (:class:`PsaResults`); with ``out``, every finished run is
    stored there and a repeat call resumes. ``dask`` is a scheduler address; otherwise ``workers``
    local processes."""
    the_plan = plan_psa(spec)
    reps = the_plan.spec.replications
    store = ResultStore(Path(out), the_plan.manifest(), force=force) if out is not None else None
    with store if store is not None else nullcontext():
        scenarios: dict[int, Scenario] = {}

        def task_of(key: Key) -> Task:
            if key[0] not in scenarios:
                scenarios[key[0]] = the_plan.scenario(key[0])
            return Task(key, scenarios[key[0]], the_plan.spec.seed + key[1])

        runner = Runner(task_of, store, workers, dask, progress, the_plan.spec.name, time_limit_seconds)
        runner.run([(c, r) for c in range(2 * the_plan.sets) for r in range(reps)])
        runner.close()
        if store is not None:
            store.write_manifest(complete=True, replications=reps,
                                 seeds=[the_plan.spec.seed + r for r in range(reps)])
    results = analyse(the_plan, runner.outputs)
    results.run_seconds = float(sum(output.elapsed_seconds for output in runner.outputs.values()))
    results.extras["loaded"] = runner.loaded  # runs read from the store, made by an earlier call
    return results


def paired_outcomes(the_plan: PsaPlan, outputs: dict[Key, RunOutput]) -> pd.DataFrame:
    """One row per parameter set and replication: the option against its comparator (area total)."""
    reps = the_plan.spec.replications
    index = pd.MultiIndex.from_product([range(the_plan.sets), range(reps)], names=["set", "replication"])
    ours = pd.DataFrame([{k: outputs[(2 * i + 1, r)].kpis["all"][k] for k in _NEEDED} for i, r in index],
                        index=index)
    theirs = pd.DataFrame([{k: outputs[(2 * i, r)].kpis["all"][k] for k in _NEEDED} for i, r in index],
                          index=index)
    days = np.array([outputs[(2 * i + 1, r)].results_days for i, r in index], dtype=float)
    avoided = exposure_adjusted_avoided(ours["admissions"], ours["home_person_years"], theirs["admissions"],
                                        theirs["home_person_years"]).to_numpy(dtype=float)
    gained = ((ours["days_at_home_per_person"] - theirs["days_at_home_per_person"])
              * ours["cohort_size"]).to_numpy(dtype=float)
    saved = (theirs["acute_bed_days"] - ours["acute_bed_days"]).to_numpy(dtype=float)
    money = money_comparisons(ours, theirs, avoided, gained, days,
                              [outputs[(2 * i + 1, r)].costs for i, r in index])
    table = pd.DataFrame({
        "avoided_admissions_exposure_adjusted": avoided,
        "days_at_home_gained": gained,
        "bed_days_saved": saved,
        "beds_released_at_85pct": saved / (days * 0.85),
        "net_saving_gbp": (theirs["cost_total_gbp"] - ours["cost_total_gbp"]).to_numpy(dtype=float),
        **{name: money[name] for name in OUTCOMES if name in money},
    }, index=index)
    return table[list(OUTCOMES)].reset_index()


def analyse(the_plan: PsaPlan, outputs: dict[Key, RunOutput]) -> PsaResults:
    """Every table of the PSA from its runs (:func:`paired_outcomes`, then the statistics)."""
    spec, names = the_plan.spec, the_plan.names
    replications = paired_outcomes(the_plan, outputs)
    means = replications.groupby("set")[list(OUTCOMES)].mean()
    draws = pd.concat([pd.DataFrame(the_plan.values, columns=names), means.reset_index(drop=True)], axis=1)
    draws.insert(0, "set", range(the_plan.sets))
    summary = pd.DataFrame([{
        "outcome": name, "unit": unit, "mean": float(draws[name].mean()), "sd": float(draws[name].std()),
        "p2_5": float(draws[name].quantile(0.025)), "median": float(draws[name].median()),
        "p97_5": float(draws[name].quantile(0.975)), "p_above_zero": float((draws[name] > 0).mean()),
    } for name, unit in OUTCOMES.items()])
    noise = pd.DataFrame([
        {"outcome": name,
         **pa.split_noise(replications.pivot(index="set", columns="replication", values=name).to_numpy())}
        for name in OUTCOMES])
    ranked = []
    for outcome in ("net_saving_gbp", "avoided_admissions_exposure_adjusted", "days_at_home_gained"):
        table = pa.sensitivity(spec.sampler, names, the_plan.values, draws[outcome].to_numpy())
        table.insert(0, "outcome", outcome)
        ranked.append(table)
    effects = {"admission": draws["avoided_admissions_exposure_adjusted"].to_numpy(),
               "day_at_home": draws["days_at_home_gained"].to_numpy()}
    grids = {"admission": spec.wtp_per_admission, "day_at_home": spec.wtp_per_day_at_home}
    saving = draws["net_saving_gbp"].to_numpy()
    ceac = pd.concat([pa.ceac(effects[per], saving, grids[per]).assign(per=per) for per in effects],
                     ignore_index=True)[["per", "wtp", "p_cost_effective", "expected_inb", "evpi"]]
    evppi = pd.DataFrame([
        {"per": per, "wtp": float(wtp), "input": name,
         "evppi": pa.evppi(the_plan.values[:, j], wtp * effects[per] + saving)}
        for per in effects for wtp in grids[per] for j, name in enumerate(names)])
    table = the_plan.base.uncertainty
    inputs = pd.DataFrame([{"input": name, "dist": table[name].dist, "mean": table[name].expected(),
                            "low": table[name].support()[0], "high": table[name].support()[1],
                            "drawn_mean": float(the_plan.values[:, j].mean()), "source": table[name].source}
                           for j, name in enumerate(names)])
    seconds = float(sum(output.elapsed_seconds for output in outputs.values()))
    return PsaResults(spec, names, draws, replications, summary, noise, pd.concat(ranked, ignore_index=True),
                      ceac, evppi, inputs, seconds)
