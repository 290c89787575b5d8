"""Opening a finished run, comparison, sweep or PSA folder from the results root, to browse its tables
and figures: a run's summary, a comparison's paired table and report figures (``dorothy compare``),
a sweep's comparisons and figures, a PSA's outcomes, its probability of a net saving per funder, its
sensitivity ranking, cost-effectiveness plane and acceptability curves (``dorothy psa``).

Only folders under the configured root are listed, by name, and only a listed name can be opened:
the page never takes a typed path, so it cannot be made to read anything else on the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dorothy_sim.app.whatif import FUNDER_CARDS, title
from dorothy_sim.cli import COMPARISON_MARKER
from dorothy_sim.errors import UserError
from dorothy_sim.formatting import format_estimate
from dorothy_sim.kpis import COMPARISON_KPIS, RANKING_KPI
from dorothy_sim.monitor import ALL
from dorothy_sim.psa import psa_manifest
from dorothy_sim.store import MANIFEST, RUN_STORE_MANIFEST
from dorothy_sim.sweep import SweepResults, load_results

MAX_DEPTH = 3
"""How deep under the root folders are looked for (results/<study>/<sweep>/ at most)."""


KINDS = ("run", "comparison", "sweep", "psa")


def kind_of(folder: Path) -> str | None:
    """What made ``folder`` (one of :data:`KINDS`: ``dorothy run``, ``compare``, ``sweep``, ``psa``),
    told apart as ``dorothy report`` tells them, or None for any other folder."""
    if (folder / COMPARISON_MARKER).is_file():
        return "comparison"
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    if (folder / RUN_STORE_MANIFEST).is_file():
        return "run"
    if psa_manifest(folder) is not None:
        return "psa"
    if (folder / "summary.csv").is_file():
        return "run"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return "sweep" if isinstance(data, dict) and "spec" in data else None


def result_folders(root: Path) -> list[str]:
    """The run, comparison, sweep and PSA folders under ``root``, as paths relative to it, sorted."""
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for depth in range(1, MAX_DEPTH + 1) for p in root.glob("/".join(["*"] * depth))):
        if folder.is_dir() and not folder.is_symlink() and kind_of(folder) is not None:
            found.append(folder.relative_to(root).as_posix())
    return found


@dataclass
class Opened:
    """An opened folder: its long table (area, kpi, estimate columns), for a sweep its results, and
    the figures it holds as (caption, PNG file). A PSA also has its probability of a net saving per
    funder (``funders``) and its sensitivity ranking (``sensitivity``, one block per outcome)."""

    name: str
    kind: str
    table: pd.DataFrame
    sweep: SweepResults | None = None
    areas: list[str] = field(default_factory=list)
    kpis: list[str] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)
    funders: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None

    @property
    def default_kpis(self) -> list[str]:
        wanted = {"run": ["admissions", "acute_occupancy_mean_pct", "days_at_home_per_person",
                          "cost_total_gbp"],
                  "psa": [RANKING_KPI, "days_at_home_gained", "beds_released_at_85pct", "net_saving_gbp",
                          *FUNDER_CARDS]}.get(self.kind, [RANKING_KPI, "days_at_home_gained",
                                                          "beds_released_at_92pct", "net_saving_gbp",
                                                          *FUNDER_CARDS])
        return [k for k in wanted if k in self.kpis]

    def filtered(self, area: str, kpis: list[str]) -> pd.DataFrame:
        """The rows of one area and the chosen KPIs (all KPIs if none is chosen); a paired difference
        also as text, "mean (95% CI low to high)" (``estimate``)."""
        rows = self.table[self.table["area"] == area]
        rows = rows[rows["kpi"].isin(kpis)] if kpis else rows
        paired = ("diff_mean", "diff_ci_low", "diff_ci_high", "unit")
        if set(paired) <= set(rows.columns):
            at = list(rows.columns).index("kpi") + 1
            rows = rows.copy()
            rows.insert(at, "estimate", [format_estimate(*values) if pd.notna(values[0]) else "" for values in
                                         zip(*(rows[c] for c in paired), strict=True)])
        return rows.dropna(axis="columns", how="all").reset_index(drop=True)

    def ranking(self, outcome: str) -> pd.DataFrame:
        """A PSA's sensitivity ranking of one outcome, the input that matters most first."""
        if self.sensitivity is None:
            return pd.DataFrame()
        rows = self.sensitivity[self.sensitivity["outcome"] == outcome]
        return rows.drop(columns="outcome").dropna(axis="columns", how="all").reset_index(drop=True)


def open_folder(root: Path, name: str) -> Opened:
    """Open one of :func:`result_folders`' names; anything else is refused with a message."""
    if name not in result_folders(root):
        raise UserError(f"'{name}' is not a results folder under {root} (a folder made by dorothy run, "
                        "compare, sweep or psa); choose one from the list")
    folder = root / name
    kind = kind_of(folder)
    if kind == "sweep":
        results = load_results(folder)
        table = results.comparisons.copy()
        labels = results.configurations.set_index("configuration")["label"]
        table.insert(1, "label", table["configuration"].map(labels))
        return Opened(name, kind, table, results, _areas(table), _comparison_kpis(table))
    if kind == "comparison":
        return _open_comparison(folder, name)
    if kind == "psa":
        return _open_psa(folder, name)
    summary = folder / "summary.csv"
    if not summary.is_file():
        raise UserError(f"'{name}' has no summary table yet (summary.csv): the run has not finished")
    table = pd.read_csv(summary)
    return Opened(name, "run", table, None, _areas(table), sorted(set(table["kpi"])))


def _open_comparison(folder: Path, name: str) -> Opened:
    """A ``dorothy compare`` folder: its paired table (``tables/comparison.csv``) and the figures of
    its report (``report/*.png``), as written; nothing is read from the run folders it compared."""
    path = folder / "tables" / "comparison.csv"
    if not path.is_file():
        raise UserError(f"'{name}' has no comparison table (tables/comparison.csv); re-run its 'dorothy "
                        "compare' command")
    table = pd.read_csv(path)
    figures = [(path.stem.replace("_", " "), path) for path in sorted((folder / "report").glob("*.png"))]
    return Opened(name, "comparison", table, None, _areas(table), _comparison_kpis(table), figures)


PSA_FIGURES: dict[str, str] = {
    "ce_plane": "Cost-effectiveness plane: each point a parameter set (cost change = -net saving)",
    "ceac_admission": "Acceptability curve: probability the option is worth it, by willingness to pay per "
                      "avoided admission",
    "ceac_day_at_home": "Acceptability curve: probability the option is worth it, by willingness to pay "
                        "per day at home gained",
    "net_saving_by_funder": "Net saving by funder, and cash releasing (GBP; above 0 is a saving)",
    "sensitivity": "Sensitivity of the net saving to each input (Sobol total index or |PRCC|)",
}
"""The figures of ``dorothy psa`` (:func:`dorothy_sim.psa_report.figures`' stems) the page shows
first, with their captions: the cost-effectiveness plane and the acceptability curves; the others
it wrote (distributions, EVPPI) follow."""


def _open_psa(folder: Path, name: str) -> Opened:
    """A ``dorothy psa`` folder: its outcomes over parameter sets (``summary.csv``), the probability
    of a net saving per funder, the sensitivity ranking and the figures it wrote (``figures/``)."""
    manifest = psa_manifest(folder) or {}
    summary, sensitivity = folder / "summary.csv", folder / "sensitivity.csv"
    if not manifest.get("complete") or not summary.is_file() or not sensitivity.is_file():
        raise UserError(f"the PSA in '{name}' is not finished; re-run its 'dorothy psa' command to finish "
                        "it (finished runs are loaded, not run again), which writes the report")
    outcomes = pd.read_csv(summary).rename(columns={"outcome": "kpi"})
    outcomes.insert(0, "area", ALL)
    funders = outcomes[outcomes["kpi"].isin(["net_saving_gbp", *FUNDER_CARDS, "cash_releasing_saving_gbp"])]
    funders = pd.DataFrame({"saving": [title(k).rsplit(" (", 1)[0] for k in funders["kpi"]],
                            "kpi": funders["kpi"].to_numpy(),
                            "probability_pct": (100 * funders["p_above_zero"]).round(1).to_numpy(),
                            "mean_gbp": funders["mean"].round(0).to_numpy()})
    written = {path.stem: path for path in sorted((folder / "figures").glob("*.png"))}
    figures = [(caption, written[stem]) for stem, caption in PSA_FIGURES.items() if stem in written]
    figures += [(stem.replace("_", " "), path) for stem, path in written.items() if stem not in PSA_FIGURES]
    return Opened(name, "psa", outcomes, None, [ALL], _comparison_kpis(outcomes), figures, funders,
                  pd.read_csv(sensitivity))


def _comparison_kpis(table: pd.DataFrame) -> list[str]:
    """The table's KPIs, the comparison KPIs first in the kpis module's order."""
    order = [k.name for k in COMPARISON_KPIS]
    present = set(table["kpi"])
    return [k for k in order if k in present] + sorted(present - set(order))


def _areas(table: pd.DataFrame) -> list[str]:
    return sorted(set(table["area"]), key=lambda a: (a != ALL, a))
