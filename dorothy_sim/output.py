"""Writing result tables: tidy long CSV and Parquet, the summary, and a manifest of how they were made.

Files are written to a temporary name and renamed into place, so a folder never holds a
half-written table that looks complete.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dorothy_sim import __version__
from dorothy_sim.experiment import Results
from dorothy_sim.scenario import Scenario


def _atomic_write(path: Path, write) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)
    return path


def write_table(table: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _atomic_write(folder / f"{stem}.csv", lambda p: table.to_csv(p, index=False)),
        _atomic_write(folder / f"{stem}.parquet", lambda p: table.to_parquet(p, index=False)),
    ]


def write_results(results: Results, scenario: Scenario, folder: Path, command: str, seed: int,
                  elapsed_seconds: float) -> list[Path]:
    """Write replications, summary, the resolved scenario and a manifest into ``folder``."""
    files = write_table(results.replications, folder, "replications")
    files += write_table(results.summary, folder, "summary")
    files.append(_atomic_write(
        folder / "scenario.json",
        lambda p: p.write_text(json.dumps(scenario.to_dict(), indent=2, default=str)),
    ))
    manifest = {
        "command": command,
        "scenario": scenario.name,
        "replications": int(results.replications["replication"].nunique()),
        "first_seed": seed,
        "elapsed_seconds": round(elapsed_seconds, 2),
        "dorothy_sim_version": __version__,
        "python": platform.python_version(),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "ledgers": results.ledgers,
    }
    files.append(_atomic_write(folder / "manifest.json",
                               lambda p: p.write_text(json.dumps(manifest, indent=2))))
    return files
