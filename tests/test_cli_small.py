"""The command line's small defects of issue 22, each with its test: a report for a run folder, a
closed pipe, the real command in a report's provenance, make's messages while it installs, help pages
with a description and an example, a resumed sweep that says what it loaded, a hint for
``small.toml``, a fast ``dorothy --help``, a warm-up verdict that says when it needs more
replications, and the breakdown by ICP and acute trust in the console."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from dorothy_sim.cli import main
from dorothy_sim.cli_parser import build_parser
from dorothy_sim.errors import EXIT_USER_ERROR
from dorothy_sim.warmup import WarmupCheck

ROOT = Path(__file__).resolve().parents[1]
SHORT = ["--set", "run.warmup_days=5", "--set", "run.results_days=20"]
CONSOLE = "import sys, dorothy_cli; sys.argv = ['dorothy', *sys.argv[1:]]; sys.exit(dorothy_cli.main())"


def _dorothy(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CONSOLE, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, **kwargs)


def test_report_on_a_run_folder_writes_a_run_report(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--scenario", "small", "--reps", "2", "--workers", "1", "--quiet", "--out",
                 str(out), *SHORT]) == 0
    assert main(["report", str(out)]) == 0
    page = next((out / "report").glob("*.html")).read_text(encoding="utf-8")
    assert "Run report: small" in page and 'class="summary"' in page
    assert f"dorothy report {out}" in page  # the real command in the provenance


def test_a_pipe_closed_early_ends_quietly():
    done = subprocess.run(f"{sys.executable} -c \"{CONSOLE}\" kpis | head -1", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("cohort_size")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_the_report_names_the_sweep_command_as_typed(tmp_path, capsys):
    spec = tmp_path / "tiny.toml"
    spec.write_text('name = "tiny"\nscenario = "small"\n[set]\n"run.warmup_days" = 5\n'
                    '"run.results_days" = 20\n[factors]\n"rapid_response.clinicians" = [1]\n'
                    '[replications]\ncount = 1\n', encoding="utf-8")
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "resumed" not in capsys.readouterr().out
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "resumed: 1 of the 1 run(s) were loaded" in capsys.readouterr().out
    assert main(["report", str(out)]) == 0
    page = (out / "report" / "tiny.html").read_text(encoding="utf-8")
    assert f"dorothy sweep {spec} --out {out}" in page and "SPEC.toml" not in page


def test_make_says_what_it_does_before_it_installs():
    done = subprocess.run(["make", "--dry-run", "--always-make", "run"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    lines = done.stdout.splitlines()
    install = next(i for i, line in enumerate(lines) if "pip install --quiet -e" in line)
    assert any(line.startswith('echo "make: installing dorothy_sim') for line in lines[:install])
    assert any(line.startswith('echo "make: running the default scenario') for line in lines[install:])


@pytest.mark.parametrize("command", ["run", "sweep", "compare", "report", "warmup", "scenarios", "show",
                                     "kpis", "validate"])
def test_every_command_has_a_help_page_with_a_description_and_an_example(command):
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    text = sub.format_help()
    assert sub.description and len(sub.description) > 40, command
    assert "example" in text and f"dorothy {command}" in text.split("example", 1)[1], text


def test_a_toml_name_of_an_embedded_scenario_gets_a_hint(capsys):
    assert main(["run", "--scenario", "small.toml"]) == 2
    assert "did you mean the embedded scenario 'small' (--scenario small)" in capsys.readouterr().err


def test_help_is_fast_and_imports_neither_pandas_nor_the_model():
    probe = ("import sys, time, dorothy_cli; sys.argv = ['dorothy', '--help']\n"
             "try:\n    dorothy_cli.main()\nexcept SystemExit:\n    pass\n"
             "heavy = ('pandas', 'scipy', 'numpy', 'dorothy_sim.model')\n"
             "print(sorted(m for m in heavy if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    started = time.perf_counter()
    assert _dorothy("--help").returncode == 0
    assert time.perf_counter() - started < 1.0  # 0.12 s measured; generous for a loaded machine


def test_the_light_parser_agrees_with_the_package():
    from dorothy_sim import cli_parser
    from dorothy_sim._version import __version__
    assert cli_parser.EXIT_USER_ERROR == EXIT_USER_ERROR and cli_parser.__version__ == __version__


def test_the_warmup_verdict_says_when_it_needs_more_replications():
    check = WarmupCheck("small", 200, (10, 80), 40, 40, 90.0, ())
    assert check.needs_more_replications and "needs more replications" in check.describe()
    steady = WarmupCheck("small", 200, (30, 35, 40, 30, 35, 40), 35, 40, 90.0, ())
    assert not steady.needs_more_replications and "needs more" not in steady.describe()


def test_the_console_breaks_a_run_down_by_icp_and_acute_trust(tmp_path, capsys):
    assert main(["run", "--reps", "1", "--workers", "1", "--quiet", "--out", str(tmp_path / "km"),
                 "--set", "run.warmup_days=5", "--set", "run.results_days=10"]) == 0
    out = capsys.readouterr().out
    assert "By ICP (acute trust)" in out
    for name in ("Dartford, Gravesham and Swanley (DGT)", "East Kent (EKHUFT)", "Medway and Swale (MFT)",
                 "West Kent (MTW)", "Maidstone and Tunbridge Wells NHS Trust"):
        assert name in out
