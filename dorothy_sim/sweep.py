"""Capacity sweeps: every configuration of a spec paired with its baseline under common random numbers.

Replication ``r`` of every configuration uses seed ``spec.seed + r``, the same as the baseline's, so a
configuration and its baseline see the same people and the same candidate crises, and their paired
differences (``avoided_admissions``, bed days saved, ...) have narrow intervals. Each finished run is
stored at once (store.py), so a sweep resumes where it stopped; the tables are assembled from the
stored runs sorted by configuration and replication, so they are identical whatever the executor and
the number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dorothy_sim.analysis import interval_table, paired_differences, summarise, t_interval
from dorothy_sim.errors import UserError
from dorothy_sim.executors import Task
from dorothy_sim.kpis import (
    COMPARISON_KPIS,
    RATIO_KPIS,
    UNITS,
    exposure_adjusted_avoided,
    money_comparisons,
    ratio_of_means,
)
from dorothy_sim.monitor import ALL
from dorothy_sim.replication import COLUMNS, RunOutput, queue_table, unstable_queues
from dorothy_sim.runner import Key, Runner
from dorothy_sim.spec import Plan, SweepSpec, load_spec, plan, spec_from_dict
from dorothy_sim.store import ResultStore, read_manifest, read_run

RUN_KEYS = ["configuration", "scenario"]
# A configuration whose acute beds are gridlocked (mean occupancy at or above all core beds, or a mean
# wait for a bed of a day or more) has fewer admissions because people are stuck in hospital, not at
# home where crises happen: its "avoided admissions" are not a benefit, and tables flag it. The
# exposure-adjusted count (per person-year at home) and days at home gained do not reward it.
GRIDLOCK_OCCUPANCY_PCT = 100.0
GRIDLOCK_BED_WAIT_HOURS = 24.0
GRIDLOCK_TEXT = (f"gridlocked: occupancy \u2265 {GRIDLOCK_OCCUPANCY_PCT:g}% or bed wait "
                 f"\u2265 {GRIDLOCK_BED_WAIT_HOURS:g} h")
UNSTABLE_TEXT = "queues still rising at the end of the run"


def flags_text(gridlocked: bool, unstable_queues: str) -> str:
    """A headline row's flags as words ("" when neither): how tables, legends and printouts name a
    gridlocked configuration and one whose queues were still rising at the end."""
    return ", ".join(text for flagged, text in ((gridlocked, GRIDLOCK_TEXT), (bool(unstable_queues),
                                                                              UNSTABLE_TEXT)) if flagged)


HEADLINE = tuple(kpi.name for kpi in COMPARISON_KPIS)
"""The headline's comparison KPIs: every one, in the order of :data:`~dorothy_sim.kpis.COMPARISON_KPIS`."""


@dataclass
class SweepResults:
    """The tables of a sweep. Configuration 0 is the baseline; ``configurations`` has one column per
    factor (its dotted path) and joins every other table on ``configuration``."""

    name: str
    description: str
    design: str
    factors: list[str]
    spec_hash: str
    first_seed: int
    configurations: pd.DataFrame
    replications: pd.DataFrame
    summary: pd.DataFrame
    comparisons: pd.DataFrame
    occupancy_daily: pd.DataFrame
    queues: pd.DataFrame
    complete: bool = True
    ledgers: dict[Key, dict[str, int]] = field(default_factory=dict, repr=False)
    run_seconds: float = 0.0  # summed time of the runs themselves (each run records its own)
    occupancy_monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    command: str = ""  # the command that made the runs, as typed (for a report's provenance)
    label: str = ""  # the spec's friendly name ("Winter push"), shown instead of ``name`` where set

    @property
    def title(self) -> str:
        """What headers and reports call the sweep: its label, else its name."""
        return self.label or self.name
    loaded: int = 0  # runs read from the folder's store rather than run (a resumed sweep)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables by the file stem they are written under."""
        return {"configurations": self.configurations, "headline": self.headline(),
                "replications": self.replications, "summary": self.summary,
                "comparisons": self.comparisons, "occupancy_daily": self.occupancy_daily,
                "occupancy_monthly": self.occupancy_monthly, "queues": self.queues}

    def headline(self, area: str = ALL) -> pd.DataFrame:
        """One row per configuration: factor values, replications, the comparison KPIs with their
        95% CIs, mean acute occupancy and bed wait, a ``gridlocked`` flag, and ``unstable_queues``
        naming the queues still rising at the end of a replication — the table a board report starts
        from."""
        table = self.configurations.set_index("configuration")[[*self.factors, "replications"]].copy()
        comparisons = self.comparisons[self.comparisons["area"] == area].set_index(["configuration", "kpi"])
        for kpi in HEADLINE:
            rows = comparisons.xs(kpi, level="kpi") if len(comparisons) else comparisons
            table[kpi] = rows["diff_mean"]
            table[f"{kpi}_ci_low"] = rows["diff_ci_low"]
            table[f"{kpi}_ci_high"] = rows["diff_ci_high"]
        summary = self.summary[self.summary["area"] == area].set_index(["configuration", "kpi"])
        for kpi in ("acute_occupancy_mean_pct", "bed_wait_hours_mean"):
            rows = summary.xs(kpi, level="kpi")
            table[kpi] = rows["mean"]
            table[f"{kpi}_ci_low"] = rows["ci_low"]
            table[f"{kpi}_ci_high"] = rows["ci_high"]
        table["gridlocked"] = ((table["acute_occupancy_mean_pct"] >= GRIDLOCK_OCCUPANCY_PCT)
                               | (table["bed_wait_hours_mean"] >= GRIDLOCK_BED_WAIT_HOURS))
        rising = unstable_queues(self.queues, by=["configuration"])
        named = rising.assign(name=rising["area"] + " " + rising["queue"]).groupby("configuration")["name"]
        table["unstable_queues"] = named.agg(", ".join).reindex(table.index).fillna("")
        return table.reset_index()


# --------------------------------------------------------------------------- running


def sweep(spec: Plan | SweepSpec | Mapping[str, Any] | str | Path, out: str | Path | None = None,
          workers: int | None = None, dask: str | None = None, force: bool = False,
          progress: bool = False, time_limit_seconds: float | None = None,
          command: str = "") -> SweepResults:
    """Run a sweep and return its tables.

    ``spec`` is a spec object, a dict in the spec's TOML shape, the path of a TOML file, or a plan. With
    ``out`` every finished run is stored there and a repeat call resumes; without, nothing is written.
    ``dask`` is a scheduler address (``tcp://host:port``); otherwise ``workers`` local processes.
    A sweep stopped early (Ctrl-C, ``time_limit_seconds`` of wall clock, a worker lost) raises
    :class:`~dorothy_sim.errors.RunsStopped` saying what was kept and how to resume.
    """
    the_plan = _plan_of(spec)
    manifest = {**the_plan.manifest(), **({"command": command} if command else {})}
    store = ResultStore(Path(out), manifest, force=force) if out is not None else None
    with store if store is not None else nullcontext():
        def task_of(key: Key) -> Task:
            return Task(key, the_plan.scenarios[key[0]], the_plan.spec.seed + key[1])

        runner = Runner(task_of, store, workers, dask, progress, the_plan.spec.name, time_limit_seconds)
        wanted = {c.id: the_plan.spec.replications.initial for c in the_plan.configurations}
        wanted[0] = max(wanted.values())
        while True:
            runner.run([(c, r) for c in sorted(wanted) for r in range(wanted[c])])
            more = _more_replications(the_plan, runner.outputs, wanted)
            if more == wanted:
                break
            wanted = more
        runner.close()
        finished = {"replications": {str(c): n for c, n in wanted.items()}, "complete": True,
                    "seeds": [the_plan.spec.seed + r for r in range(max(wanted.values()))]}
        if store is not None:
            store.write_manifest(**finished)
    results = assemble({**manifest, **finished}, runner.outputs)
    results.loaded = runner.loaded
    return results


def _plan_of(spec: Plan | SweepSpec | Mapping[str, Any] | str | Path) -> Plan:
    if isinstance(spec, Plan):
        return spec
    if isinstance(spec, SweepSpec):
        return plan(spec)
    if isinstance(spec, Mapping):
        return plan(spec_from_dict(dict(spec)))
    loaded, path = load_spec(spec)
    return plan(loaded, path)


def _more_replications(the_plan: Plan, outputs: dict[Key, RunOutput],
                       wanted: dict[int, int]) -> dict[int, int]:
    """The adaptive rule: any configuration whose 95% CI half-width of the chosen KPI is above the
    target gets the replications the current variance says it needs (at least one more, at most
    the cap); the baseline always has as many as the most replicated configuration, so every
    configuration stays paired. Depends only on results, so it is deterministic."""
    rule = the_plan.spec.replications
    if not rule.adaptive:
        return wanted
    assert rule.kpi is not None and rule.half_width_pct is not None
    more = dict(wanted)
    for configuration, n in wanted.items():
        values = np.array([outputs[(configuration, r)].kpis[rule.area][rule.kpi] for r in range(n)])
        relative = _relative_half_width(values)
        if relative > rule.half_width_pct and n < rule.max:
            finite = math.isfinite(relative)
            needed = math.ceil(n * (relative / rule.half_width_pct) ** 2) if finite else n + 1
            more[configuration] = min(rule.max, max(n + 1, needed))
    more[0] = max(more.values())
    return more


def _relative_half_width(values: np.ndarray) -> float:
    """The 95% CI half-width as % of the mean (infinite when it cannot be told: n < 2 or mean 0)."""
    mean, _, _, high, _ = t_interval(values)
    if not np.isfinite(high):
        return math.inf
    if mean == 0:
        return 0.0 if high == mean else math.inf
    return abs(high - mean) / abs(mean) * 100.0


# --------------------------------------------------------------------------- tables


def load_results(folder: str | Path) -> SweepResults:
    """The tables of a sweep folder from its stored runs (for reports), without running anything.
    An unfinished sweep gives tables of its finished runs, paired where both sides finished."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    wanted = {int(c): int(n) for c, n in manifest.get("replications", {}).items()}
    outputs: dict[Key, RunOutput] = {}
    for path in sorted((folder / "runs").glob("c*-r*.json")):
        try:
            configuration, replication = (int(part[1:]) for part in path.stem.split("-"))
        except ValueError:
            continue
        if configuration in wanted and replication >= wanted[configuration]:
            continue  # a finished sweep asked for fewer replications than the folder holds
        output = read_run(path, manifest["spec_hash"], configuration, replication)
        if output is not None:
            outputs[(configuration, replication)] = output
    if not outputs:
        raise UserError(f"'{folder}' has no finished runs yet; run the sweep first")
    return assemble(manifest, outputs)


def assemble(meta: dict[str, Any], outputs: dict[Key, RunOutput]) -> SweepResults:
    """Build every table from the runs, sorted by configuration then replication."""
    configurations = meta["configurations"]
    spec = meta["spec"]
    factors = list(spec["factors"])
    labels = {c["id"]: c["label"] for c in configurations}
    keys = sorted(k for k in outputs if k[0] in labels)
    rows = [(configuration, *row) for configuration, replication in keys
            for row in outputs[(configuration, replication)].rows(labels[configuration], replication)]
    replications = pd.DataFrame(rows, columns=["configuration", *COLUMNS])
    counts = pd.Series([k[0] for k in keys]).value_counts()
    config_table = pd.DataFrame([
        {"configuration": c["id"], "label": c["label"], "in_design": c["in_design"],
         "replications": int(counts.get(c["id"], 0)), **c["values"]} for c in configurations])
    summary = summarise(replications, keys=[*RUN_KEYS, "area", "kpi", "unit"])
    comparisons = _comparisons(replications, outputs, keys)
    expected = sum(int(n) for n in meta.get("replications", {}).values())
    return SweepResults(
        name=spec["name"], description=spec.get("description", ""), design=spec["design"],
        factors=factors, spec_hash=meta["spec_hash"], first_seed=int(spec["seed"]),
        configurations=config_table, replications=replications, summary=summary,
        comparisons=comparisons, occupancy_daily=_occupancy_daily(outputs, keys),
        occupancy_monthly=occupancy_monthly(outputs, keys), command=str(meta.get("command", "")),
        label=str(spec.get("label") or ""),
        queues=queue_table({k: outputs[k] for k in keys}, with_configuration=True),
        complete=bool(meta.get("complete")) and len(keys) >= expected,
        ledgers={k: outputs[k].ledger for k in keys},
        run_seconds=float(sum(outputs[k].elapsed_seconds for k in keys)),
    )


_COMPARED = ("admissions", "home_person_years", "days_at_home_per_person", "cohort_size", "acute_bed_days",
             "cost_total_gbp", "cost_acute_bed_days_gbp", "cost_ed_gbp", "cost_nhs_gbp", "cost_council_gbp",
             "cost_self_funded_gbp")
"""The KPIs the comparison KPIs are made from, per replication and paired with the baseline's."""


def _comparisons(replications: pd.DataFrame, outputs: dict[Key, RunOutput], keys: list[Key]) -> pd.DataFrame:
    """Paired differences from the baseline for every KPI, then the comparison KPIs (avoided
    admissions, raw and exposure-adjusted, days at home gained, bed days saved, beds released, cost
    change, net saving)."""
    columns = [*RUN_KEYS, "area", "kpi", "unit", "mean", "baseline_mean", "diff_mean", "diff_ci_low",
               "diff_ci_high", "n"]
    baseline = replications[replications["configuration"] == 0]
    if baseline.empty:  # an unfinished sweep whose baseline has no finished run: nothing to pair
        return pd.DataFrame(columns=columns)
    paired = paired_differences(replications, baseline, keys=[*RUN_KEYS, "area", "kpi", "unit"],
                                unpaired="ignore")  # (an unfinished sweep pairs what has finished)

    merged = replications.merge(baseline[["replication", "area", "kpi", "value"]],
                                on=["replication", "area", "kpi"], suffixes=("", "_baseline"))
    merged = merged[merged["kpi"].isin(_COMPARED)]
    index = [*RUN_KEYS, "replication", "area"]
    ours = merged.pivot_table(index=index, columns="kpi", values="value", sort=False)
    theirs = merged.pivot_table(index=index, columns="kpi", values="value_baseline", sort=False)
    wide = ours - theirs
    days = pd.Series({k: outputs[k].results_days for k in keys})
    results_days = np.array([days[(c, r)] for c, _, r, _ in wide.index])
    saved = -wide["acute_bed_days"].to_numpy()
    adjusted = exposure_adjusted_avoided(ours["admissions"], ours["home_person_years"], theirs["admissions"],
                                         theirs["home_person_years"])
    derived = {
        "avoided_admissions": -wide["admissions"].to_numpy(),
        "avoided_admissions_exposure_adjusted": adjusted.to_numpy(),
        "days_at_home_gained": (wide["days_at_home_per_person"] * ours["cohort_size"]).to_numpy(),
        "bed_days_saved": saved,
        "beds_released_at_85pct": saved / (results_days * 0.85),
        "beds_released_at_92pct": saved / (results_days * 0.92),
        "cost_change_gbp": wide["cost_total_gbp"].to_numpy(),
        "net_saving_gbp": -wide["cost_total_gbp"].to_numpy(),
        **money_comparisons(ours, theirs, adjusted.to_numpy(),
                            (wide["days_at_home_per_person"] * ours["cohort_size"]).to_numpy(), results_days,
                            [outputs[(c, r)].costs for c, _, r, _ in wide.index]),
    }
    long = pd.concat([pd.DataFrame({"kpi": name, "value": values}, index=wide.index)
                      for name, values in derived.items()]).reset_index()
    long["unit"] = long["kpi"].map(UNITS)
    order = {k.name: i for i, k in enumerate(COMPARISON_KPIS)}
    grouped = long.groupby([*RUN_KEYS, "area", "kpi", "unit"], sort=False)["value"]
    table = interval_table(grouped).rename(
        columns={"mean": "diff_mean", "ci_low": "diff_ci_low", "ci_high": "diff_ci_high"}).reset_index()
    table = pd.concat([table, _ratios(long)], ignore_index=True)
    table["mean"] = np.nan
    table["baseline_mean"] = np.nan
    table = table.sort_values(["configuration", "area", "kpi"], key=lambda s: s.map(order) if s.name == "kpi"
                              else s, kind="stable")
    return pd.concat([table[columns], paired[columns]], ignore_index=True).sort_values(
        ["configuration"], kind="stable").reset_index(drop=True)


def _ratios(long: pd.DataFrame) -> pd.DataFrame:
    """The ratio comparison KPIs (:data:`~dorothy_sim.kpis.RATIO_KPIS`) of each configuration and
    area: a ratio of the paired means with its delta-method interval, not a mean of ratios."""
    keys = [*RUN_KEYS, "area"]
    per_replication = long.pivot_table(index=[*keys, "replication"], columns="kpi", values="value",
                                       sort=False)
    rows = []
    for key, group in per_replication.groupby(level=keys, sort=False):
        for name, (top, bottom) in RATIO_KPIS.items():
            ratio, low, high, n = ratio_of_means(group[top].to_numpy(), group[bottom].to_numpy())
            rows.append({**dict(zip(keys, key, strict=True)), "kpi": name, "unit": UNITS[name],
                         "diff_mean": ratio, "std": np.nan, "diff_ci_low": low, "diff_ci_high": high, "n": n})
    return pd.DataFrame(rows)


def _occupancy_daily(outputs: dict[Key, RunOutput], keys: list[Key]) -> pd.DataFrame:
    """Daily acute occupancy (% of core beds) by configuration and area: mean and 95% CI over
    replications, for the occupancy-over-the-year figure."""
    frames = []
    for configuration in sorted({k[0] for k in keys}):
        runs = [outputs[k] for k in keys if k[0] == configuration]
        for area in runs[0].daily_occupancy_pct:
            series = np.array([run.daily_occupancy_pct[area] for run in runs])
            frame = pd.DataFrame({"day": np.tile(np.arange(series.shape[1]), series.shape[0]),
                                  "value": series.ravel()})
            table = interval_table(frame.groupby("day")["value"]).reset_index()
            table.insert(0, "area", area)
            table.insert(0, "configuration", configuration)
            frames.append(table)
    table = pd.concat(frames, ignore_index=True)
    table["ci_low"] = table["ci_low"].clip(lower=0.0)  # occupancy is never negative
    return table.rename(columns={"mean": "mean_pct", "ci_low": "ci_low_pct", "ci_high": "ci_high_pct"}) \
        .drop(columns="std")


DAYS_PER_MONTH = 365.25 / 12


def occupancy_monthly(outputs: dict[Key, RunOutput], keys: list[Key]) -> pd.DataFrame:
    """Acute occupancy (% of core beds) by configuration, area and month of the results period.

    Two different things, kept apart: ``mean_pct`` with ``ci_low_pct``/``ci_high_pct``, the 95% CI of
    the month's mean occupancy over replications (how sure the mean is); and ``p10_pct``/``p90_pct``,
    the 10th and 90th percentiles of the daily occupancy in that month over every replication (what a
    day could be like). The CI is bounded below at 0 (:func:`~dorothy_sim.analysis.bounded`)."""
    rows = []
    for configuration in sorted({k[0] for k in keys}):
        runs = [outputs[k] for k in keys if k[0] == configuration]
        for area in runs[0].daily_occupancy_pct:
            series = np.array([run.daily_occupancy_pct[area] for run in runs], dtype=float)
            month = (np.arange(series.shape[1]) // DAYS_PER_MONTH).astype(int)
            for m in np.unique(month):
                days = series[:, month == m]
                mean, _, low, high, n = t_interval(days.mean(axis=1))
                rows.append((configuration, area, int(m) + 1, int(days.shape[1]), mean,
                             max(low, 0.0) if np.isfinite(low) else low, high,
                             float(np.percentile(days, 10)), float(np.percentile(days, 90)), n))
    return pd.DataFrame(rows, columns=["configuration", "area", "month", "days", "mean_pct", "ci_low_pct",
                                       "ci_high_pct", "p10_pct", "p90_pct", "n"])
