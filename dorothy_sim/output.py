"""Writing result tables: tidy long CSV and Parquet, the summary, and a manifest of how they were made.

Files are written to a temporary name and renamed into place, so a folder never holds a
half-written table that looks complete.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from dorothy_sim._version import __version__
from dorothy_sim.errors import UserError
from dorothy_sim.scenario import Scenario

if TYPE_CHECKING:  # experiment builds on the store, which writes through this module
    from dorothy_sim.experiment import Results


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)``, flush ``tmp`` to disk, then rename it to ``path``: readers (and a run
    killed mid-write) see the old file or the whole new one, never a part. The temporary name keeps
    the suffix, because some writers (Excel, Parquet) choose the format by it."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def check_folder(folder: Path, what: str = "--out") -> None:
    """Refuse a folder that cannot be made (a file in the way) before any work, not after it."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"{what} '{folder}': '{parent}' exists and is a file, not a folder")
            return


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_table(table: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        atomic_write(folder / f"{stem}.csv", lambda p: table.to_csv(p, index=False)),
        atomic_write(folder / f"{stem}.parquet", lambda p: table.to_parquet(p, index=False)),
    ]


def write_results(results: Results, scenario: Scenario, folder: Path, command: str, seed: int,
                  elapsed_seconds: float) -> list[Path]:
    """Write replications, summary, the resolved scenario and a manifest into ``folder``."""
    files = write_table(results.replications, folder, "replications")
    files += write_table(results.summary, folder, "summary")
    files += write_table(results.queues, folder, "queues")
    files.append(atomic_write(
        folder / "scenario.json",
        lambda p: p.write_text(json.dumps(scenario.to_dict(), indent=2, default=str)),
    ))
    manifest = {
        "command": command,
        "scenario": scenario.name,
        "replications": int(results.replications["replication"].nunique()),
        "complete": results.complete,
        "unstable_queues": results.unstable().to_dict(orient="records"),
        "first_seed": seed,
        "elapsed_seconds": round(elapsed_seconds, 2),
        "dorothy_sim_version": __version__,
        "python": platform.python_version(),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "ledgers": results.ledgers,
    }
    files.append(atomic_write(folder / "manifest.json",
                               lambda p: p.write_text(json.dumps(manifest, indent=2))))
    return files
