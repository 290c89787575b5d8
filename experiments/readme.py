"""Writing a study's README: how it was made (command, date, package and commit, seeds, runs and
their cost), then its findings, every number read from the result tables by code, never typed by hand.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from dorothy_sim._version import __version__
from dorothy_sim.formatting import format_duration
from dorothy_sim.sweep import SweepResults, flags_text

REPO_ROOT = Path(__file__).resolve().parents[1]


class Provenance(Protocol):
    """How a result folder was made: the lines of the README's first section."""

    def lines(self) -> list[str]: ...


def rel(path: Path) -> str:
    """A path relative to the repository root when it is inside it (READMEs stay portable)."""
    for candidate in (Path(path).absolute(), Path(path).resolve()):  # a venv's python is a symlink
        if candidate.is_relative_to(REPO_ROOT):
            return str(candidate.relative_to(REPO_ROOT))
    return str(path)


def command_line() -> str:
    """The command that ran this script, as one would type it from the repository root."""
    python = rel(Path(sys.executable))
    python = python if not Path(python).is_absolute() else "python"
    return shlex.join([python, rel(Path(sys.argv[0])), *sys.argv[1:]])


def package_version() -> str:
    """dorothy_sim's version and the git commit, noting uncommitted changes to the package (other
    engineers edit it while studies run, so the commit alone may not say which code made a table)."""
    text = f"dorothy_sim {__version__}"
    try:
        commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "dorothy_sim"],
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return text
    return f"{text}, git commit {commit}" + (" with uncommitted changes to dorothy_sim/" if dirty else "")


def seeds_text(first_seed: int, reps: int) -> str:
    last = first_seed + reps - 1
    return (f"{first_seed} to {last} (replication r uses seed {first_seed} + r in every configuration: "
            "common random numbers)")


def write_readme(folder: Path, title: str, intro: str, provenance: Provenance,
                 sections: Sequence[tuple[str, str]]) -> Path:
    """``folder/README.md``: title, what the study is, how it was made, then the findings sections.
    Written atomically and in full each time, so it always matches the tables beside it."""
    parts = [f"# {title}", "", intro.strip(), "", "## How this was made", "", *provenance.lines(), "",
             "This file is written by the study script from the result tables; do not edit it by hand "
             "(re-run the command above: finished runs are loaded, not run again).", ""]
    for heading, body in sections:
        parts += [f"## {heading}", "", body.strip(), ""]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "README.md"
    tmp = path.with_name(".README.md.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path


def announce(readme: Path, started: float) -> None:
    print(f"README written to {readme} ({format_duration(time.perf_counter() - started)} in all)")


def markdown_table(table: pd.DataFrame | Sequence[dict[str, Any]]) -> str:
    """A GitHub markdown table (pandas' to_markdown needs tabulate, which is not a dependency)."""
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    if frame.empty:
        return "(no rows)"
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def gridlock_lines(results: SweepResults) -> list[str]:
    """A README warning naming every configuration whose acute beds are gridlocked (the sweep's
    ``gridlocked`` flag: mean occupancy >= 100% of core beds or a mean bed wait >= 24 hours). There,
    fewer admissions mean people stuck in hospital, where the model gives them no new crises, rather
    than crises prevented, so the raw count of avoided admissions must not be read as a benefit; the
    studies rank by the exposure-adjusted count and never pick a gridlocked configuration."""
    table = results.headline()
    rows = table[table["gridlocked"]]
    if rows.empty:
        return []
    labels = results.configurations.set_index("configuration")["label"]
    items = [f"{labels[row.configuration]} (occupancy {row.acute_occupancy_mean_pct:.1f}%, mean wait for "
             f"a bed {row.bed_wait_hours_mean:,.0f} hours)" for row in rows.itertuples()]
    return [f"- **Gridlocked acute beds in {len(rows)} configuration(s):** {'; '.join(items)}. There, "
            "fewer admissions mean people stuck in hospital (waiting for a bed or for onward care), not "
            "crises prevented: their raw count of avoided admissions is not a benefit. They are marked "
            "\"gridlocked\" in the tables below and never chosen as a best point."]


def flags(results: SweepResults) -> pd.Series:
    """Each configuration's flags in words (gridlocked, queues still rising; "" when neither), indexed
    by configuration: the "flags" column of the studies' tables."""
    table = results.headline()
    return pd.Series([flags_text(row.gridlocked, row.unstable_queues) for row in table.itertuples()],
                     index=table["configuration"])
