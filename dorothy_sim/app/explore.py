"""Opening a finished run or sweep folder from the results root, to browse its tables and figures.

Only folders under the configured root are listed, by name, and only a listed name can be opened:
the page never takes a typed path, so it cannot be made to read anything else on the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dorothy_sim.errors import UserError
from dorothy_sim.kpis import COMPARISON_KPIS, RANKING_KPI
from dorothy_sim.monitor import ALL
from dorothy_sim.store import MANIFEST, RUN_STORE_MANIFEST
from dorothy_sim.sweep import SweepResults, load_results

MAX_DEPTH = 3
"""How deep under the root folders are looked for (results/<study>/<sweep>/ at most)."""


def kind_of(folder: Path) -> str | None:
    """"sweep" for a ``dorothy sweep`` folder, "run" for a ``dorothy run`` folder, else None."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    if (folder / RUN_STORE_MANIFEST).is_file() or (folder / "summary.csv").is_file():
        return "run"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return "sweep" if isinstance(data, dict) and "spec" in data else None


def result_folders(root: Path) -> list[str]:
    """The run and sweep folders under ``root``, as paths relative to it, sorted."""
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for depth in range(1, MAX_DEPTH + 1) for p in root.glob("/".join(["*"] * depth))):
        if folder.is_dir() and not folder.is_symlink() and kind_of(folder) is not None:
            found.append(folder.relative_to(root).as_posix())
    return found


@dataclass
class Opened:
    """An opened folder: its long table (area, kpi, estimate columns) and, for a sweep, its results."""

    name: str
    kind: str
    table: pd.DataFrame
    sweep: SweepResults | None = None
    areas: list[str] = field(default_factory=list)
    kpis: list[str] = field(default_factory=list)

    @property
    def default_kpis(self) -> list[str]:
        wanted = [RANKING_KPI, "days_at_home_gained", "net_saving_gbp"] if self.kind == "sweep" else [
            "admissions", "acute_occupancy_mean_pct", "days_at_home_per_person", "cost_total_gbp"]
        return [k for k in wanted if k in self.kpis]

    def filtered(self, area: str, kpis: list[str]) -> pd.DataFrame:
        """The rows of one area and the chosen KPIs (all KPIs if none is chosen)."""
        rows = self.table[self.table["area"] == area]
        rows = rows[rows["kpi"].isin(kpis)] if kpis else rows
        return rows.dropna(axis="columns", how="all").reset_index(drop=True)


def open_folder(root: Path, name: str) -> Opened:
    """Open one of :func:`result_folders`' names; anything else is refused with a message."""
    if name not in result_folders(root):
        raise UserError(f"'{name}' is not a results folder under {root} (a folder made by dorothy run or "
                        "dorothy sweep); choose one from the list")
    folder = root / name
    kind = kind_of(folder)
    if kind == "sweep":
        results = load_results(folder)
        table = results.comparisons.copy()
        labels = results.configurations.set_index("configuration")["label"]
        table.insert(1, "label", table["configuration"].map(labels))
        order = [k.name for k in COMPARISON_KPIS]
        kpis = [*order, *sorted(set(table["kpi"]) - set(order))]
        return Opened(name, kind, table, results, _areas(table), [k for k in kpis if k in set(table["kpi"])])
    summary = folder / "summary.csv"
    if not summary.is_file():
        raise UserError(f"'{name}' has no summary table yet (summary.csv): the run has not finished")
    table = pd.read_csv(summary)
    return Opened(name, "run", table, None, _areas(table), sorted(set(table["kpi"])))


def _areas(table: pd.DataFrame) -> list[str]:
    return sorted(set(table["area"]), key=lambda a: (a != ALL, a))
