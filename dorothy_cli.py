"""The ``dorothy`` console script: import the command line, then run it.

Why a module outside the package: importing ``dorothy_sim`` loads numpy, pandas, scipy and pydantic,
about a second in which a Ctrl-C would otherwise end in a KeyboardInterrupt traceback. Here the
import itself is guarded, so an early Ctrl-C says what happened (nothing ran) and exits 130, as a
Ctrl-C at any later moment does.

Why a handler that records the Ctrl-C: the KeyboardInterrupt may be raised inside code that Python
does not let it escape from (a weakref callback or ``__del__`` that the import machinery runs), where
it is printed as "Exception ignored" and the import carries on; the command would then run as if the
Ctrl-C had never come. The record, not the exception, decides.
"""

from __future__ import annotations

import signal
import sys

EXIT_INTERRUPTED = 130
"""dorothy_sim.errors.EXIT_INTERRUPTED, written out: importing the package is what this module guards."""


def _import_command_line():
    """``dorothy_sim.cli.main``, or None if a Ctrl-C came while importing it."""
    interrupted: list[bool] = []

    def on_ctrl_c(signum, frame):
        interrupted.append(True)
        raise KeyboardInterrupt

    def unraisable(hook_args) -> None:  # a KeyboardInterrupt Python could not raise: not printed
        if not isinstance(hook_args.exc_value, KeyboardInterrupt):
            sys.__unraisablehook__(hook_args)

    # An ignored SIGINT (a background job's) stays ignored, as it would for any command.
    listening = signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    previous = signal.signal(signal.SIGINT, on_ctrl_c) if listening else None
    sys.unraisablehook = unraisable
    try:
        from dorothy_sim.cli import main as run_command
    except KeyboardInterrupt:
        interrupted.append(True)
    finally:
        sys.unraisablehook = sys.__unraisablehook__
        if listening and previous is not None:
            signal.signal(signal.SIGINT, previous)
    return None if interrupted else run_command


HELP_FLAGS = ("-h", "--help", "--version")


def _answer_help(argv: list[str]) -> None:
    """For ``dorothy --help``, ``dorothy <command> --help`` or ``--version``: parse with the parser
    alone (dorothy_sim/cli_parser.py, loaded by its path so the package and its numpy, pandas and
    scipy are not imported), which prints the answer and exits."""
    if not any(arg in HELP_FLAGS for arg in argv):
        return
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("dorothy_sim")
    if spec is None or not spec.submodule_search_locations:
        return
    path = Path(next(iter(spec.submodule_search_locations))) / "cli_parser.py"
    loader = importlib.util.spec_from_file_location("_dorothy_cli_parser", path)
    if loader is None or loader.loader is None:
        return
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    module.build_parser().parse_args(argv)  # exits with the help, or an error, before any import


def main() -> int:
    _answer_help(sys.argv[1:])
    run_command = _import_command_line()
    if run_command is None:
        print("\ndorothy: interrupted while starting; nothing was run", file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        return run_command()
    except KeyboardInterrupt:  # between two of the command's own guards (parsing the options...)
        print("\ndorothy: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
