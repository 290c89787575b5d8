"""Comparing ad-hoc runs: a baseline ``dorothy run`` folder against one or more what-if run folders.

A comparison is a sweep whose configurations are runs: configuration 0 is the baseline, 1.. are the
what-ifs, and every table, interval and figure comes from the sweep's own paired computation
(:func:`dorothy_sim.sweep.assemble`), so a comparison and a sweep can never disagree on what "avoided
admissions" means. Differences are oriented as a reader expects: avoided admissions, bed days saved
and the net saving are baseline minus what-if (a positive number is a benefit), days at home gained
is what-if minus baseline; every comparison KPI of :data:`dorothy_sim.kpis.COMPARISON_KPIS` is there.

Replications are paired by seed (common random numbers): a seed run on one side only is dropped from
that pair, with a warning naming it; runs that share no seed cannot be paired at all, which is a user
error (exit 2) saying which seeds each side has and the command that would pair them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from dorothy_sim.analysis import MIN_STABLE_REPLICATIONS
from dorothy_sim.errors import UserError
from dorothy_sim.experiment import Results
from dorothy_sim.kpis import COMPARISON_KPIS, RATIO_KPIS
from dorothy_sim.monitor import ALL
from dorothy_sim.replication import RunOutput
from dorothy_sim.runner import Key
from dorothy_sim.store import RUN_STORE_MANIFEST, RUNS, read_run
from dorothy_sim.sweep import SweepResults, assemble

__all__ = ["COMPARISON_DESIGN", "RUN_DESIGN", "Comparison", "RunSet", "compare_runs", "load_run",
           "run_results"]

COMPARISON_DESIGN = "comparison"
"""The ``design`` of a comparison's :class:`~dorothy_sim.sweep.SweepResults` (reports draw it so)."""
RUN_DESIGN = "run"
"""The ``design`` of one run's :class:`~dorothy_sim.sweep.SweepResults` (:func:`run_results`)."""


@dataclass
class RunSet:
    """The finished replications of one run, by seed, with what names it."""

    label: str
    name: str
    first_seed: int
    outputs: dict[int, RunOutput]
    folder: Path | None = None
    command: str = ""

    @property
    def seeds(self) -> list[int]:
        return sorted(self.outputs)

    def where(self) -> str:
        return f"'{self.label}'" + (f" ({self.folder})" if self.folder is not None else "")


def load_run(folder: str | Path) -> RunSet:
    """The replications stored in a ``dorothy run`` folder (its ``runs/`` files), as many as its
    tables hold. A folder that is not a run's is a user error naming what it lacks."""
    folder = Path(folder)
    store = folder / RUN_STORE_MANIFEST
    if not store.is_file():
        what = ("a sweep folder; compare runs, or read the sweep's own paired table with 'dorothy report'"
                if (folder / "manifest.json").is_file() and not (folder / "scenario.json").is_file()
                else "not the --out folder of a 'dorothy run' (it has no store.json)")
        raise UserError(f"'{folder}' is {what}")
    try:
        manifest = json.loads(store.read_text(encoding="utf-8"))
        tables = _json_or_empty(folder / "manifest.json")
        scenario = _json_or_empty(folder / "scenario.json")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"'{store}' is not readable ({exc}); re-run that 'dorothy run'") from None
    wanted = int(tables.get("replications", 10**9))
    outputs: dict[int, RunOutput] = {}
    for path in sorted((folder / RUNS).glob("c0000-r*.json")):
        try:
            replication = int(path.stem.split("-r")[1])
        except (IndexError, ValueError):
            continue
        if replication >= wanted:
            continue  # the last run asked for fewer replications than the folder keeps
        output = read_run(path, manifest.get("spec_hash", ""), 0, replication)
        if output is not None:
            outputs[output.seed] = output
    if not outputs:
        raise UserError(f"'{folder}' holds no finished replication of this code; run it again")
    name = str(manifest.get("scenario") or scenario.get("name") or folder.name)
    label = str(scenario.get("label") or _with_overrides(name, str(tables.get("command", ""))))
    return RunSet(label, name, int(manifest.get("first_seed", min(outputs))), outputs, folder,
                  str(tables.get("command", "")))


def _with_overrides(name: str, command: str) -> str:
    """An unlabelled run's name with the overrides it was run with: "small (reablement.places=20)"."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return name
    overrides = [value for flag, value in zip(words, words[1:], strict=False) if flag == "--set"]
    return f"{name} ({', '.join(overrides)})" if overrides else name


def _json_or_empty(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def run_set(run: str | Path | RunSet | Results, label: str | None = None) -> RunSet:
    """A run folder, a :class:`RunSet` or the :class:`~dorothy_sim.experiment.Results` of
    :func:`~dorothy_sim.experiment.run_replications` (in-process, e.g. an app) as a :class:`RunSet`."""
    if isinstance(run, RunSet):
        found = run
    elif isinstance(run, Results):
        if not run.outputs:
            raise UserError("these results hold no replication outputs to compare")
        outputs = {output.seed: output for output in run.outputs.values()}
        name = str(run.replications["scenario"].iloc[0]) if len(run.replications) else "run"
        found = RunSet(name, name, min(outputs), outputs)
    else:
        found = load_run(run)
    if label:
        found = RunSet(label, found.name, found.first_seed, found.outputs, found.folder, found.command)
    return found


@dataclass
class Comparison:
    """A baseline and its what-ifs, paired by seed. ``results`` is a sweep of them (configuration 0
    the baseline, configuration i the i-th what-if) with every sweep table; ``warnings`` name the
    replications left unpaired."""

    results: SweepResults
    runs: list[RunSet]
    warnings: list[str] = field(default_factory=list)

    @property
    def baseline(self) -> RunSet:
        return self.runs[0]

    @property
    def whatifs(self) -> list[RunSet]:
        return self.runs[1:]

    def table(self, area: str = ALL) -> pd.DataFrame:
        """One row per what-if and comparison KPI (in the order of
        :data:`~dorothy_sim.kpis.COMPARISON_KPIS`): ``configuration, label, kpi, unit, diff_mean,
        diff_ci_low, diff_ci_high, n``, oriented so that a positive number is a benefit except
        ``cost_change_gbp`` (what-if minus baseline)."""
        names = [kpi.name for kpi in COMPARISON_KPIS]
        rows = self.results.comparisons
        rows = rows[(rows["area"] == area) & rows["kpi"].isin(names) & (rows["configuration"] != 0)].copy()
        rows["order"] = rows["kpi"].map({name: i for i, name in enumerate(names)})
        labels = self.results.configurations.set_index("configuration")["label"]
        rows.insert(1, "label", rows["configuration"].map(labels))
        rows = rows.sort_values(["configuration", "order"], kind="stable")
        columns = ["configuration", "label", "area", "kpi", "unit", "diff_mean", "diff_ci_low",
                   "diff_ci_high", "n"]
        return rows[columns].reset_index(drop=True)

    def levels(self, area: str = ALL) -> pd.DataFrame:
        """Every KPI's paired difference (what-if minus baseline) with both means, per what-if."""
        rows = self.results.comparisons
        rows = rows[(rows["area"] == area) & rows["mean"].notna()]
        return rows.reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The comparison table (every area) first, then the sweep's tables."""
        areas = self.results.comparisons["area"].unique()
        return {"comparison": pd.concat([self.table(area) for area in areas], ignore_index=True),
                **self.results.tables()}


def compare_runs(base: str | Path | RunSet | Results, whatifs: Sequence[str | Path | RunSet | Results],
                 labels: Sequence[str | None] | None = None) -> Comparison:
    """Pair every what-if with the baseline by seed and compute the sweep's paired differences.

    ``base`` and each what-if are a ``dorothy run`` folder, a :class:`RunSet` or in-process
    :class:`~dorothy_sim.experiment.Results`; ``labels`` optionally renames them (baseline first).
    Raises :class:`~dorothy_sim.errors.UserError` when a what-if shares no seed with the baseline or
    was run over a different results period (its differences would mean nothing)."""
    if not whatifs:
        raise UserError("give at least one what-if to compare with the baseline")
    names = list(labels or [])
    names += [None] * (len(whatifs) + 1 - len(names))
    runs = [replace(run_set(run, label)) for run, label in zip([base, *whatifs], names, strict=True)]
    _distinct_labels(runs)
    baseline = runs[0]
    index = {seed: r for r, seed in enumerate(baseline.seeds)}
    outputs: dict[Key, RunOutput] = {(0, index[seed]): baseline.outputs[seed] for seed in baseline.seeds}
    warnings: list[str] = []
    for configuration, run in enumerate(runs[1:], start=1):
        common = sorted(set(run.outputs) & set(baseline.outputs))
        if not common:
            raise UserError(
                f"{run.where()} and the baseline {baseline.where()} share no seed, so they cannot be "
                f"paired: the what-if has seeds {_seeds_text(run.seeds)}, the baseline "
                f"{_seeds_text(baseline.seeds)}. Re-run the what-if with --seed {baseline.first_seed} "
                f"--reps {len(baseline.seeds)} (common random numbers need the same seeds)")
        days = {outputs[(0, index[s])].results_days for s in common} | {run.outputs[s].results_days
                                                                        for s in common}
        if len(days) > 1:
            raise UserError(f"{run.where()} and the baseline {baseline.where()} have different results "
                            f"periods ({', '.join(f'{d:g}' for d in sorted(days))} days); a paired "
                            "difference needs the same period")
        unpaired = {"what-if": sorted(set(run.outputs) - set(common)),
                    "baseline": sorted(set(baseline.outputs) - set(common))}
        if any(unpaired.values()):
            dropped = "; ".join(f"{side} seed(s) {_seeds_text(seeds)}" for side, seeds in unpaired.items()
                                if seeds)
            warnings.append(f"{run.where()} is paired with the baseline on {len(common)} seed(s); dropped "
                            f"from this pair: {dropped} (run both with the same --seed and --reps to use "
                            "them)")
        for seed in common:
            outputs[(configuration, index[seed])] = run.outputs[seed]
    meta = _meta(runs, outputs)
    return Comparison(assemble(meta, outputs), runs, warnings)


def _distinct_labels(runs: list[RunSet]) -> None:
    """Two runs of one scenario (a what-if made with --set keeps its scenario's name) are told apart
    by their folders."""
    seen: dict[str, int] = {}
    for run in runs:
        seen[run.label] = seen.get(run.label, 0) + 1
    for i, run in enumerate(runs):
        if seen[run.label] > 1:
            suffix = run.folder.name if run.folder is not None else str(i)
            run.label = f"{run.label} [{suffix}]"


def _seeds_text(seeds: list[int]) -> str:
    if not seeds:
        return "none"
    if seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


def run_results(run: str | Path | RunSet | Results) -> SweepResults:
    """One run (a folder, a :class:`RunSet` or in-process results) as a sweep of one configuration,
    for its report: every table and figure but the comparisons."""
    found = run_set(run)
    outputs = {(0, r): found.outputs[seed] for r, seed in enumerate(found.seeds)}
    return assemble(_meta([found], outputs), outputs)


def _meta(runs: list[RunSet], outputs: dict[Key, RunOutput]) -> dict[str, Any]:
    """A sweep manifest for the comparison (or the single run): no factors, one configuration per
    run."""
    counts = {c: sum(1 for key in outputs if key[0] == c) for c in range(len(runs))}
    configurations = [{"id": c, "label": run.label, "in_design": True, "values": {}}
                      for c, run in enumerate(runs)]
    digest = hashlib.sha256(json.dumps([[run.label, run.seeds, run.command] for run in runs]).encode())
    if len(runs) == 1:
        name, description, design = runs[0].label, f"Run {runs[0].where()}", RUN_DESIGN
    else:
        name = f"{runs[0].label} vs " + ", ".join(run.label for run in runs[1:])
        description = "Baseline " + runs[0].where() + "; what-if(s) " + ", ".join(r.where() for r in runs[1:])
        design = COMPARISON_DESIGN
    return {"configurations": configurations, "spec_hash": digest.hexdigest()[:16], "complete": True,
            "replications": {str(c): n for c, n in counts.items()},
            "command": "; ".join(run.command for run in runs if run.command),
            "spec": {"name": name, "description": description, "factors": {}, "design": design,
                     "seed": runs[0].first_seed}}




TITLE_WIDTH = 56
UNIT_WIDTH = max(len(kpi.unit) for kpi in COMPARISON_KPIS)
"""Characters of a measure's title in the comparison printout."""


def format_comparison(comparison: Comparison, area: str = ALL) -> str:
    """The comparison KPIs of every what-if against the baseline, one column per what-if: mean and
    paired 95% CI, positive a benefit (cost change excepted), with the pairing stated."""
    from dorothy_sim.formatting import format_console
    from dorothy_sim.report.labels import TITLES, pretty_path

    table = comparison.table(area)
    whatifs = comparison.whatifs
    width = max(28, *(len(run.label) + 2 for run in whatifs))
    lines = [f"Comparison with the baseline {comparison.baseline.where()}, "
             f"{'whole area' if area == ALL else area}: paired differences by seed (common random numbers), "
             "mean [95% CI over replications, simulation noise only]. Positive is better: avoided admissions "
             "and bed days saved are baseline minus what-if; cost change is what-if minus baseline.",
             "", f"{'':{TITLE_WIDTH}s} {'unit':>{UNIT_WIDTH}s} "
             + " ".join(f"{run.label:>{width}s}" for run in whatifs)]
    for kpi in COMPARISON_KPIS:
        cells = []
        for configuration in range(1, len(whatifs) + 1):
            row = table[(table["configuration"] == configuration) & (table["kpi"] == kpi.name)]
            if row.empty:
                cells.append("n/a")
                continue
            r = row.iloc[0]
            if pd.isna(r["diff_mean"]):
                cells.append("n/a (no gain)" if kpi.name in RATIO_KPIS else "n/a")
                continue
            if pd.notna(r["diff_ci_low"]):
                ci = f" [{format_console(r['diff_ci_low'])}, {format_console(r['diff_ci_high'])}]"
            elif r["n"] < 2:
                ci = " (needs 2+ reps)"
            else:  # a ratio whose denominator's interval reaches zero
                ci = " [unbounded]"
            cells.append(format_console(r["diff_mean"]) + ci)
        title = TITLES.get(kpi.name, pretty_path(kpi.name))
        row_title = f"{title[:TITLE_WIDTH]:{TITLE_WIDTH}s} {kpi.unit:>{UNIT_WIDTH}s} "
        lines.append(row_title + " ".join(f"{c:>{width}s}" for c in cells))
    counts = [int(table.loc[table["configuration"] == c, "n"].max()) if (table["configuration"] == c).any()
              else 0 for c in range(1, len(whatifs) + 1)]
    lines.append(f"{'paired replications':{TITLE_WIDTH}s} {'':>{UNIT_WIDTH}s} "
                 + " ".join(f"{n:>{width}d}" for n in counts))
    lines += _format_areas(comparison)
    few = min(counts) if counts else 0
    if few < MIN_STABLE_REPLICATIONS:
        lines += ["", f"note: {few} paired replication(s): too few for a stable interval (a t interval from "
                      f"fewer than {MIN_STABLE_REPLICATIONS} moves a lot with one more run); re-run both "
                      f"with --reps 10 or more before quoting it"]
    return "\n".join(lines)


AREA_KPIS: tuple[tuple[str, str], ...] = (
    ("avoided_admissions_exposure_adjusted", "avoided (exposure-adj.)"), ("bed_days_saved", "bed days saved"),
    ("net_saving_gbp", "net saving GBP"))


def _format_areas(comparison: Comparison) -> list[str]:
    """Each what-if's main comparison KPIs by ICP (named, with its acute trust); none for one ICP."""
    from dorothy_sim.areas import area_label
    from dorothy_sim.formatting import format_console

    rows = comparison.results.comparisons
    areas = [a for a in rows["area"].unique() if a != ALL]
    if len(areas) < 2:
        return []
    width = max(len(area_label(a)) for a in areas) + 2
    lines = []
    for configuration, run in enumerate(comparison.whatifs, start=1):
        these = rows[rows["configuration"] == configuration].set_index(["area", "kpi"])
        lines += ["", f"By ICP (acute trust), {run.label}: mean [95% CI]",
                  f"{'':{width}s}" + "".join(f" {title:>33s}" for _, title in AREA_KPIS)]
        for area in [*areas, ALL]:
            cells = []
            for kpi, _ in AREA_KPIS:
                if (area, kpi) not in these.index:
                    cells.append("n/a")
                    continue
                row = these.loc[(area, kpi)]
                cells.append(f"{format_console(row['diff_mean'])} [{format_console(row['diff_ci_low'])}, "
                             f"{format_console(row['diff_ci_high'])}]")
            name = "Whole area" if area == ALL else area_label(area)
            lines.append(f"{name:{width}s}" + "".join(f" {cell:>33s}" for cell in cells))
    return lines
