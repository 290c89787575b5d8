"""The what-if: a scenario's baseline and the same scenario with some levers changed, run with the
same seeds and compared pair by pair.

A what-if is a sweep of one configuration: :func:`plan_of` turns it into a sweep spec (each changed
lever a factor with one value), so the scenario is resolved and validated exactly as ``dorothy
sweep`` does (the same :class:`~dorothy_sim.errors.UserError` messages), and the tables are
:func:`dorothy_sim.sweep.assemble`'s: the paired comparison KPIs, their 95% CIs and the gridlock and
unstable-queue flags are the sweep's own. Every finished run is kept in the session's cache under
its resolved scenario and seed, so the baseline of a second what-if is not run again, and a run
that is stopped keeps what finished (:func:`results_from_cache` shows it; Run again resumes).

Page logic only: nothing here imports Streamlit.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import tomllib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dorothy_sim.areas import area_label
from dorothy_sim.errors import ScenarioError, UserError
from dorothy_sim.executors import Task, execute
from dorothy_sim.formatting import format_estimate
from dorothy_sim.kpis import COMPARISON_BY_NAME, COMPARISON_KPIS, RANKING_KPI
from dorothy_sim.monitor import ALL
from dorothy_sim.registry import SERVICES
from dorothy_sim.replication import RunOutput
from dorothy_sim.runner import replications as replication_work
from dorothy_sim.scenario import Scenario, embedded_scenarios, load_scenario
from dorothy_sim.spec import Plan, plan, spec_from_dict
from dorothy_sim.sweep import SweepResults, assemble, flags_text
from dorothy_sim.toml_lines import describe_decode_error

MAX_UPLOAD_BYTES = 256 * 1024
"""An uploaded scenario is a page of TOML; anything larger is refused before it is read."""
MAX_REPLICATIONS = 100
WHATIF = 1
"""The what-if's configuration number (the baseline is 0)."""
CARDS: tuple[str, ...] = (RANKING_KPI, "days_at_home_gained", "beds_released_at_92pct", "net_saving_gbp")
"""The comparison KPIs of the first row of headline cards (any comparison KPI of the table can be added)."""
FUNDER_CARDS: tuple[str, ...] = ("net_saving_nhs_gbp", "net_saving_council_gbp", "net_saving_self_funded_gbp")
"""The second row, the net cost by funder: what the NHS, the councils and self-funders save."""

Cache = MutableMapping[tuple[str, int], RunOutput]
"""A session's finished runs by (resolved scenario's hash, seed)."""
MAX_CACHED_RUNS = 2_000
"""A session keeps at most this many runs (tens of kilobytes each), the oldest let go first."""


@dataclass(frozen=True)
class ScenarioChoice:
    """The scenario a what-if starts from: an embedded one by name, or an uploaded TOML's text."""

    name: str = "kent_medway"
    upload_name: str | None = None
    upload_text: str | None = None

    @property
    def label(self) -> str:
        return f"uploaded {self.upload_name}" if self.upload_text is not None else self.name


@dataclass(frozen=True)
class WhatIf:
    """What the page's Run button runs: the scenario, the changed levers, the run settings."""

    scenario: ScenarioChoice
    overrides: dict[str, Any]
    replications: int = 5
    seed: int = 1
    settings: dict[str, Any] = field(default_factory=dict)
    """Overrides applied to the baseline and the what-if alike (the run's length, say)."""


def read_upload(name: str, data: bytes) -> ScenarioChoice:
    """An uploaded scenario file, refused unless it is a small TOML text that ``extends`` an embedded
    scenario and reads no other file (``rates_csv``): the page may only vary the embedded scenarios.
    Its errors read as the command line's (file, line, field, value, what is allowed)."""
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "_", Path(name).name) or "upload.toml"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(f"{safe}: the file is {len(data):,} bytes; an uploaded scenario may be at most "
                            f"{MAX_UPLOAD_BYTES:,} bytes (it extends an embedded scenario, so it holds only "
                            "what it changes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{safe}: not a text file ({exc})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(describe_decode_error(safe, exc, text)) from None
    parent = document.get("extends")
    if parent not in embedded_scenarios():
        raise ScenarioError(f"{safe}: extends = {parent!r}: an uploaded scenario must extend an embedded "
                            f"scenario (allowed: {', '.join(embedded_scenarios())}), e.g. extends = "
                            "\"kent_medway\" on its first line")
    if "rates_csv" in text:
        raise ScenarioError(f"{safe}: rates_csv: an uploaded scenario may not read other files; run it "
                            "from the command line instead")
    choice = ScenarioChoice(name=str(parent), upload_name=safe, upload_text=text)
    load(choice)  # validated now, so the page says what is wrong before anything runs
    return choice


def load(choice: ScenarioChoice, overrides: dict[str, Any] | None = None) -> Scenario:
    """The chosen scenario (with ``overrides``), validated with the command line's messages."""
    if choice.upload_text is None:
        return load_scenario(choice.name, overrides)
    with tempfile.TemporaryDirectory(prefix="dorothy-upload-") as folder:
        path = Path(folder) / (choice.upload_name or "upload.toml")
        path.write_text(choice.upload_text, encoding="utf-8")
        try:
            return load_scenario(path, overrides)
        except ScenarioError as exc:
            raise ScenarioError(str(exc).replace(f"{folder}/", ""), fields=exc.fields,
                                detail=exc.detail.replace(f"{folder}/", "")) from None


def plan_of(request: WhatIf) -> Plan:
    """The what-if as a one-configuration sweep of the chosen scenario (validated, as ``dorothy
    sweep`` validates a spec). Raises :class:`UserError` for anything the page cannot run."""
    if not 1 <= request.replications <= MAX_REPLICATIONS:
        raise UserError(f"replications = {request.replications}: give a whole number from 1 to "
                        f"{MAX_REPLICATIONS}")
    if not request.overrides:
        raise UserError("no lever differs from the scenario: change at least one to see what it does")
    spec = {"name": "what_if", "seed": request.seed, "design": "grid",
            "description": f"what-if on {request.scenario.label}",
            "factors": {path: [value] for path, value in request.overrides.items()},
            "set": dict(request.settings), "replications": {"count": request.replications}}
    with tempfile.TemporaryDirectory(prefix="dorothy-upload-") as folder:
        spec["scenario"] = request.scenario.name
        if request.scenario.upload_text is not None:
            path = Path(folder) / (request.scenario.upload_name or "upload.toml")
            path.write_text(request.scenario.upload_text, encoding="utf-8")
            spec["scenario"] = str(path)
        try:
            return plan(spec_from_dict(spec, source="the what-if"))
        except ScenarioError as exc:  # worded for the page: no temporary folder, no sweep spec
            text = str(exc).replace(f"{folder}/", "").replace("sweep spec 'what_if': the configuration ",
                                                              "the what-if ")
            raise ScenarioError(text, fields=exc.fields) from None


def scenario_key(scenario: Scenario) -> str:
    """A resolved scenario's identity in the cache: two scenarios with equal parameters share runs."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _keys(the_plan: Plan, reps: int) -> dict[tuple[int, int], tuple[str, int]]:
    """Each (configuration, replication) of the what-if with its cache key."""
    scenario_keys = [scenario_key(s) for s in the_plan.scenarios]
    return {(c, r): (scenario_keys[c], the_plan.spec.seed + r)
            for c in range(len(the_plan.scenarios)) for r in range(reps)}


def run(request: WhatIf, cache: Cache, progress: Callable[[int, int], None] | None = None,
        workers: int | None = None, dask: str | None = None) -> SweepResults:
    """Run what the cache does not hold yet (the baseline's runs are reused from an earlier what-if
    of the same scenario, seeds and settings), each stored in ``cache`` as it finishes, and return
    the tables. ``progress(done, total)`` is called as runs finish; ``dask`` is a scheduler address."""
    the_plan = plan_of(request)
    keys = _keys(the_plan, request.replications)
    todo = [Task(key, the_plan.scenarios[key[0]], seed) for key, (_, seed) in keys.items()
            if keys[key] not in cache]
    done = len(keys) - len(todo)
    if progress is not None:
        progress(done, len(keys))
    wanted = set(keys.values())
    for key, output in execute(todo, workers, dask, None, work=replication_work()):
        cache[keys[key]] = output
        while len(cache) > MAX_CACHED_RUNS:  # the oldest run no longer wanted
            oldest = next((k for k in cache if k not in wanted), None)
            if oldest is None:
                break
            del cache[oldest]
        done += 1
        if progress is not None:
            progress(done, len(keys))
    results = results_from_cache(request, cache, the_plan)
    assert results is not None
    return results


def results_from_cache(request: WhatIf, cache: Cache, the_plan: Plan | None = None) -> SweepResults | None:
    """The tables of the what-if's runs that the cache holds (all of them after a finished run;
    those that finished before a stop otherwise, marked incomplete), or None if none did."""
    the_plan = the_plan or plan_of(request)
    keys = _keys(the_plan, request.replications)
    outputs = {key: cache[cached] for key, cached in keys.items() if cached in cache}
    if not outputs:
        return None
    finished = {"replications": {str(c.id): request.replications for c in the_plan.configurations},
                "complete": len(outputs) == len(keys),
                "seeds": [request.seed + r for r in range(request.replications)]}
    return assemble({**the_plan.manifest(), **finished}, outputs)


def missing_runs(request: WhatIf, cache: Cache) -> int:
    """How many of the what-if's runs the cache does not hold."""
    return sum(cached not in cache for cached in _keys(plan_of(request), request.replications).values())


# --------------------------------------------------------------------------- what the page shows


@dataclass(frozen=True)
class Card:
    """A headline card: a comparison KPI's paired mean difference and 95% CI."""

    kpi: str
    title: str
    value: str
    interval: str
    better: bool | None
    """Whether the difference is better than the baseline (None: the CI straddles zero)."""


def cards(comparisons: pd.DataFrame, configuration: int = WHATIF, area: str = ALL,
          kpis: tuple[str, ...] = CARDS) -> list[Card]:
    """The headline cards from a comparison table (the sweep's ``comparisons`` shape: configuration,
    area, kpi, unit, diff_mean, diff_ci_low, diff_ci_high), for any comparison KPI named in ``kpis``."""
    rows = comparisons[(comparisons["configuration"] == configuration) & (comparisons["area"] == area)]
    rows = rows.set_index("kpi")
    out = []
    for kpi in kpis:
        if kpi not in rows.index:
            continue
        row = rows.loc[kpi]
        meta = COMPARISON_BY_NAME.get(kpi)
        unit = str(row["unit"])
        mean, low, high = (float(row[c]) for c in ("diff_mean", "diff_ci_low", "diff_ci_high"))
        estimate = format_estimate(mean, low, high, unit)
        value, _, interval = estimate.partition(" (")
        better = None
        known = meta is not None and meta.higher_is_better is not None and pd.notna(low) and pd.notna(high)
        if known and (low > 0 or high < 0):
            better = (low > 0) == meta.higher_is_better
        title = (meta.meaning.split(":")[0].split("(")[0] if meta else kpi).strip()
        out.append(Card(kpi, _TITLES.get(kpi, title), value, interval.rstrip(")"), better))
    return out


_TITLES = {
    RANKING_KPI: "Admissions avoided (exposure-adjusted)",
    "avoided_admissions": "Admissions avoided (raw count)",
    "days_at_home_gained": "Days at home gained",
    "bed_days_saved": "Bed days saved",
    "beds_released_at_85pct": "Beds released at 85% occupancy",
    "beds_released_at_92pct": "Beds released at 92% occupancy",
    "cost_change_gbp": "Cost change",
    "net_saving_gbp": "Net saving",
    "net_saving_nhs_gbp": "Net saving to the NHS",
    "net_saving_council_gbp": "Net saving to the councils",
    "net_saving_self_funded_gbp": "Net saving to self-funders",
    "cash_releasing_saving_gbp": "Cash-releasing saving",
}


def title(kpi: str) -> str:
    """A comparison KPI as the page names it, with its unit."""
    meta = COMPARISON_BY_NAME.get(kpi)
    unit = f" ({meta.unit})" if meta is not None else ""
    return _TITLES.get(kpi, kpi.replace("_", " ")) + unit


def comparison_table(comparisons: pd.DataFrame, configuration: int = WHATIF,
                     kpis: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every comparison KPI (rows) by area (columns) as "mean (95% CI a to b)" text: the per-ICP
    breakdown. ``kpis`` defaults to every comparison KPI in the table, in the kpis module's order."""
    names = kpis or tuple(k.name for k in COMPARISON_KPIS if k.name in set(comparisons["kpi"]))
    rows = comparisons[(comparisons["configuration"] == configuration) & comparisons["kpi"].isin(names)]
    text = rows.assign(estimate=[format_estimate(m, lo, hi, u) for m, lo, hi, u in zip(
        rows["diff_mean"], rows["diff_ci_low"], rows["diff_ci_high"], rows["unit"], strict=True)])
    table = text.pivot(index="kpi", columns="area", values="estimate").reindex(list(names))
    areas = [a for a in table.columns if a != ALL] + ([ALL] if ALL in table.columns else [])
    return table[areas]


def area_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`comparison_table` as the page shows it: each KPI by its title and unit, each area by
    its ICP's name and acute trust (:func:`dorothy_sim.areas.area_label`: "Dartford, Gravesham and
    Swanley (DGT)"; the whole area last)."""
    shown = table.copy()
    shown.index = [title(kpi) for kpi in shown.index]
    shown.columns = [area_label(str(area)) for area in shown.columns]
    return shown


def utilisation(summary: pd.DataFrame, configuration: int = WHATIF, area: str = ALL) -> pd.DataFrame:
    """Each service's utilisation (%), baseline and what-if, from the summary table."""
    rows = summary[(summary["area"] == area) & summary["kpi"].str.endswith("_utilisation_pct")]
    table = rows.pivot(index="kpi", columns="configuration", values="mean")
    return table.rename(columns={0: "baseline", configuration: "what-if"})


HIGH_UTILISATION_PCT = 95.0


def warnings(results: SweepResults, configuration: int = WHATIF) -> list[str]:
    """What the page must say loudly: gridlock (the sweep's flag), queues still rising at the end,
    services run above :data:`HIGH_UTILISATION_PCT`, and an unfinished run."""
    messages = []
    headline = results.headline().set_index("configuration")
    for c, name in ((0, "the baseline"), (configuration, "the what-if")):
        if c not in headline.index:
            continue
        row = headline.loc[c]
        flags = flags_text(bool(row["gridlocked"]), str(row["unstable_queues"]))
        if row["gridlocked"]:
            messages.append(f"GRIDLOCK in {name}: {flags}. Acute beds are full, so fewer people are at home "
                            "to have a crisis; its 'avoided admissions' are not a benefit.")
        elif row["unstable_queues"]:
            messages.append(f"{name.capitalize()}: queues still rising at the end of the run "
                            f"({row['unstable_queues']}): demand above capacity; their waits measure the run "
                            "length, not a steady state.")
    table = utilisation(results.summary, configuration)
    queued = {f"{s.kpi_prefix}_utilisation_pct": s.label for s in SERVICES if s.queue}
    if "what-if" in table:
        for kpi, value in table["what-if"].items():
            if kpi in queued and pd.notna(value) and value >= HIGH_UTILISATION_PCT:
                messages.append(f"The what-if runs {queued[kpi].lower()} at {value:.0f}% utilisation: "
                                "people queue for it.")
    if not results.complete:
        done = int(results.configurations["replications"].sum())
        messages.append(f"Not finished: {done} run(s) kept; press Run to finish the rest (finished runs are "
                        "not run again).")
    return messages


def resolved_toml(request: WhatIf) -> tuple[str, str]:
    """The what-if's scenario, every parameter resolved, as TOML, and the ``dorothy run`` command that
    reruns it from that file with the page's seeds: its table is the page's what-if runs."""
    from dorothy_sim.app.downloads import scenario_toml

    the_plan = plan_of(request)
    command = f"dorothy run --scenario what_if.toml --reps {request.replications} --seed {request.seed}"
    given = {**request.settings, **request.overrides}
    changed = ", ".join(f"{path} = {value!r}" for path, value in given.items())
    note = (f"The what-if of the dorothy_sim page: {request.scenario.label} with {changed}.\n"
            f"Rerun it exactly with: {command}")
    return scenario_toml(the_plan.scenarios[-1], note), command
