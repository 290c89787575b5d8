"""How a benchmark figure was made: the command, Python, the machine and when (shared by the scripts).

Why: benchmarks/RESULTS.md quotes figures from several scripts; each JSON record must say how to
make it again, in the same words, so a figure can always be traced to a command and a date.
"""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from dorothy_sim.model import CORE


def provenance() -> dict[str, str]:
    """The command line that is running (as ``python benchmarks/<script> ...``), and where and when."""
    script = Path(sys.argv[0]).name
    return {
        "command": " ".join(["python", f"benchmarks/{script}", *sys.argv[1:]]),
        "python": platform.python_version(),
        "model_core": CORE,  # compiled (Cython) or interpreted, and why
        "machine": f"{platform.machine()}, {platform.processor() or 'unknown cpu'}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
