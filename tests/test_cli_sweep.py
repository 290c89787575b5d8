"""``dorothy sweep | report | warmup`` end to end, as a modeller types them: exit codes, messages,
files, resume, and Ctrl-C keeping every finished run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dorothy_sim.sweep import load_results
from tests.conftest import assert_conserved, sigint_as_in_a_terminal
from tests.test_cli import assert_one_clear_error, run_cli, run_console_script

SPEC = """
name = "cli_grid"
scenario = "small"
seed = 3
[factors]
"rapid_response.clinicians" = [0, 2]
"reablement.places" = [14, 28]
[replications]
count = 2
"""
TABLES = {f"{stem}.{ext}"
          for stem in ("configurations", "headline", "replications", "summary", "comparisons",
                       "occupancy_daily", "occupancy_monthly", "queues")
          for ext in ("csv", "parquet")}


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("cli_sweep")
    spec = folder / "grid.toml"
    spec.write_text(SPEC, encoding="utf-8")
    done = run_console_script(["sweep", str(spec), "--out", str(folder / "out"), "--workers", "2"], folder)
    return spec, folder / "out", done


def test_sweep_writes_the_store_and_tables_and_prints_the_headline(swept):
    _, out, done = swept
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert set(p.name for p in (out / "tables").iterdir()) == TABLES
    assert len(list((out / "runs").glob("c*.json"))) == 5 * 2  # baseline (0, 14) is a grid point
    assert "avoided admissions" in done.stdout and "rapid_response.clinicians=2" in done.stdout
    assert f"dorothy report {out}" in done.stdout
    headline = pd.read_csv(out / "tables" / "headline.csv")
    assert headline.loc[headline["configuration"] == 0, "avoided_admissions"].item() == 0
    for ledger in load_results(out).ledgers.values():
        assert_conserved(ledger)


def test_the_same_command_resumes_without_running_again(swept):
    spec, out, _ = swept
    before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    again = run_console_script(["sweep", str(spec), "--out", str(out), "--quiet"], spec.parent)
    assert again.returncode == 0, again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == before
    assert "10 run(s)" in again.stdout


def test_a_changed_spec_is_refused_unless_forced(swept, tmp_path, capsys):
    spec, out, _ = swept
    changed = tmp_path / "changed.toml"
    changed.write_text(SPEC.replace("[0, 2]", "[0, 3]"), encoding="utf-8")
    code, stdout, err = run_cli(["sweep", str(changed), "--out", str(out), "--quiet"], capsys)
    assert_one_clear_error(code, stdout, err, "different spec", "--force")
    copy = tmp_path / "copy"
    code, _, err = run_cli(["sweep", str(spec), "--out", str(copy), "--quiet", "--workers", "1"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["sweep", str(changed), "--out", str(copy), "--quiet", "--force",
                            "--workers", "1"], capsys)
    assert code == 0, err
    labels = load_results(copy).configurations["label"].str.split(",").str[0]
    assert "rapid_response.clinicians=3" in set(labels)


@pytest.mark.parametrize("text, expected", [
    ('name = "x"\nscenario = "small"\n[factors]\n"rapid_response.clinicans" = [1]\n',
     ("rapid_response.clinicans", "did you mean 'rapid_response.clinicians'")),
    ('name = "x"\nscenario = "small"\n[factors\n', ("not valid TOML",)),
    ('name = "x"\nscenario = "small"\n[factors]\n"reablement.places" = [-3]\n',
     ("reablement.places", "-3")),
    ('name = "x"\nscenario = "small"\ndesing = "grid"\n[factors]\n"reablement.places" = [3]\n',
     ("desing", "did you mean 'design'")),
])
def test_a_bad_spec_is_one_clear_error_and_writes_nothing(tmp_path, capsys, text, expected):
    spec = tmp_path / "bad.toml"
    spec.write_text(text, encoding="utf-8")
    code, out, err = run_cli(["sweep", str(spec), "--out", str(tmp_path / "out")], capsys)
    assert_one_clear_error(code, out, err, *expected)
    assert not (tmp_path / "out").exists()


def test_report_of_a_folder_that_is_not_a_result_folder_is_a_clear_error(tmp_path, capsys):
    code, out, err = run_cli(["report", str(tmp_path)], capsys)
    assert_one_clear_error(code, out, err, "not a dorothy result folder", "store.json", "manifest.json")


def test_warmup_recommends_a_warmup(capsys):
    code, out, err = run_cli(["warmup", "--scenario", "small", "--reps", "2", "--workers", "1"], capsys)
    assert code == 0, err
    assert "MSER-5" in out and "recommended warm-up:" in out
    days = int(out.split("recommended warm-up:")[1].split()[0])
    assert 0 <= days <= 200 and days % 10 == 0


def test_ctrl_c_keeps_finished_runs_and_the_same_command_finishes_the_sweep(tmp_path):
    """SIGINT to the whole process group (what a terminal's Ctrl-C does): the sweep stops within
    seconds with exit code 130, says how to resume, and the resumed tables equal an uninterrupted
    sweep's."""
    spec = tmp_path / "long.toml"
    spec.write_text(SPEC.replace("count = 2", "count = 8"), encoding="utf-8")
    out = tmp_path / "out"
    command = [str(Path(sys.executable).with_name("dorothy")), "sweep", str(spec), "--out", str(out),
               "--workers", "2", "--quiet"]
    process = subprocess.Popen(command, start_new_session=True,
                               preexec_fn=sigint_as_in_a_terminal, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("runs/c*.json"))) < 6:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    started = time.monotonic()
    _, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 10
    assert process.returncode == 130, err
    assert "Traceback" not in err and "run the same command again to resume" in err
    kept = len(list(out.glob("runs/c*.json")))
    assert 6 <= kept < 40

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert len(list(out.glob("runs/c*.json"))) == 40
    fresh = subprocess.run([*command[:4], str(tmp_path / "fresh"), "--workers", "2", "--quiet"],
                           capture_output=True, text=True, timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    a, b = load_results(out), load_results(tmp_path / "fresh")
    for name in ("replications", "summary", "comparisons", "occupancy_daily"):
        assert_frame_equal(getattr(a, name), getattr(b, name))
