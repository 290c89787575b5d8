"""The ``dorothy`` console script: import the command line, then run it.

Why a module outside the package: importing ``dorothy_sim`` loads numpy, pandas, scipy and pydantic,
about a second in which a Ctrl-C would otherwise end in a KeyboardInterrupt traceback. Here the
import itself is guarded, so an early Ctrl-C says what happened (nothing ran) and exits 130, as a
Ctrl-C at any later moment does.
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from dorothy_sim.cli import main as run_command
    except KeyboardInterrupt:
        print("\ndorothy: interrupted while starting; nothing was run", file=sys.stderr)
        return 130
    try:
        return run_command()
    except KeyboardInterrupt:  # between two of the command's own guards (parsing the options...)
        print("\ndorothy: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
