"""Errors a user can cause and fix, the ways a set of runs can stop early, and the exit code of each.

The command line prints the message of any of these, never a traceback, and exits with the code
given here: :data:`EXIT_USER_ERROR` for something to fix, a stop's own ``exit_code`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

EXIT_FAILED = 1
"""Runs stopped by a failure (a worker process died)."""
EXIT_USER_ERROR = 2
"""Something the user gave cannot be used (as argparse exits for a bad option)."""
EXIT_TIME_LIMIT = 124
"""The wall-clock limit passed: the code GNU ``timeout`` uses, so scripts can tell it apart."""
EXIT_INTERRUPTED = 130
"""Stopped by the user (Ctrl-C): the shell's code for SIGINT."""


class UserError(ValueError):
    """Something the user gave (a file, an option, a folder) cannot be used; the message says why."""


class ScenarioError(UserError):
    """A scenario, an override or an input file is invalid; the message says where and why.

    ``fields`` are the dotted paths at fault and ``detail`` the message without its leading
    "where" (file and line). Why: a caller that applied the values itself (a sweep spec's
    ``[set]`` or factors) can then say where *it* was given them (its own file and line) instead.
    """

    def __init__(self, message: str, *, fields: Sequence[str] = (), detail: str | None = None) -> None:
        super().__init__(message)
        self.fields: tuple[str, ...] = tuple(fields)
        self.detail: str = message if detail is None else detail


class SpecError(ScenarioError):
    """A sweep spec is invalid: the message names the file, the field, the value and what is allowed."""


class StoreError(UserError):
    """A result folder cannot be used as asked (another spec's results, locked by another sweep...)."""


class RunsStopped(UserError):
    """Runs stopped before all finished; the message says how many finished, where they are kept and
    how to resume. ``exit_code`` is what the command line exits with; ``results`` may carry the
    tables of the runs that finished (``dorothy run`` writes them)."""

    exit_code = EXIT_FAILED
    results: Any = None


class Interrupted(RunsStopped):
    """Stopped by the user (Ctrl-C)."""

    exit_code = EXIT_INTERRUPTED


class TimeLimitReached(RunsStopped):
    """The wall-clock limit passed, perhaps in the middle of a run."""

    exit_code = EXIT_TIME_LIMIT


class WorkerLost(RunsStopped):
    """A worker process died (killed by the system, out of memory...), taking its run with it."""
