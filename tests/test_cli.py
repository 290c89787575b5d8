"""The ``dorothy`` command line: bad inputs end with exit code 2 and one clear message (never a
traceback) and write nothing; a good run writes the documented tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dorothy_sim import embedded_scenarios, load_scenario, run_replications
from dorothy_sim.cli import main
from dorothy_sim.experiment import COLUMNS
from dorothy_sim.kpis import COMPARISON_KPIS, KPIS
from tests.conftest import assert_conserved

DOROTHY = Path(sys.executable).with_name("dorothy")
OUTPUT_FILES = {"replications.csv", "replications.parquet", "summary.csv", "summary.parquet",
                "queues.csv", "queues.parquet", "scenario.json", "manifest.json"}
STORE_FILES = {"store.json", "runs", ".lock"}  # the finished replications, for resuming


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``main(argv)`` in this process: exit code, stdout, stderr, as the console script would give
    them (argparse errors exit; an uncaught exception is a traceback and exit code 1)."""
    crash = ""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # reported as the user would see it
        code, crash = 1, f"Traceback (most recent call last): ... {type(exc).__name__}: {exc}\n"
    out, err = capsys.readouterr()
    return code, out, err + crash


def run_console_script(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(DOROTHY), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_clear_error(code: int, out: str, err: str, *expected: str) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert err.startswith("dorothy: error:"), err
    assert err.count("dorothy: error:") == 1, err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"


# --------------------------------------------------------------------------- bad inputs

BAD_INPUTS = {
    "unknown key (typo)": (
        ["--set", "rapid_response.clinicans=3"],
        ["rapid_response.clinicans", "did you mean 'rapid_response.clinicians'?"]),
    "unknown ICP field": (
        ["--set", "icps.small_area.acute_bedz=80"],
        ["icps.small_area.acute_bedz", "did you mean 'icps.small_area.acute_beds'?"]),
    "wrong type (text)": (
        ["--set", "rapid_response.clinicians=lots"],
        ["rapid_response.clinicians", "'lots'", "integer"]),
    "absurd size (a cohort that would fill memory)": (
        ["--set", "icps.small_area.registered_population=1000000000"],
        ["icps.small_area.registered_population", "1000000000", "20000000"]),
    "wrong type (fraction)": (
        ["--set", "reablement.places=2.5"],
        ["reablement.places", "2.5"]),
    "negative capacity": (
        ["--set", "home_care.packages=-5"],
        ["home_care.packages", "-5", "greater than or equal to 0"]),
    "probability above 1": (
        ["--set", "rapid_response.p_mdt_referral=1.5"],
        ["rapid_response.p_mdt_referral", "1.5", "less than or equal to 1"]),
    "probability below 0": (
        ["--set", "ed.p_admit.severe=-0.2"],
        ["ed.p_admit.severe", "-0.2"]),
    "assignment without =": (
        ["--set", "reablement.places"],
        ["reablement.places", "PATH=VALUE"]),
    "missing file": (
        ["--scenario", "{tmp}/nowhere.toml"],
        ["nowhere.toml", "does not exist"]),
    "unknown scenario name": (
        ["--scenario", "kent_medwy"],
        ["unknown scenario name 'kent_medwy'", "did you mean 'kent_medway'?"]),
    "TOML syntax error": (
        ["--scenario", "{tmp}/broken.toml"],
        ["broken.toml", "not valid TOML", "line 3"]),
    "unknown key in a TOML file": (
        ["--scenario", "{tmp}/typo.toml"],
        ["typo.toml", "reablement.placs", "did you mean 'reablement.places'?"]),
    "invalid value in a TOML file": (
        ["--scenario", "{tmp}/negative.toml"],
        ["negative.toml", "community_beds.beds", "-2"]),
    "zero replications": (
        ["--reps", "0"],
        ["--reps", "0"]),
    "negative seed": (
        ["--seed", "-1"],
        ["--seed", "-1"]),
    "zero workers": (
        ["--workers", "0"],
        ["--workers", "0"]),
}


@pytest.fixture
def scenario_files(tmp_path: Path) -> Path:
    _write(tmp_path / "broken.toml", 'extends = "small"\nname = "broken"\n[rapid_response\nclinicians = 2\n')
    _write(tmp_path / "typo.toml", 'extends = "small"\nname = "typo"\n[reablement]\nplacs = 3\n')
    _write(tmp_path / "negative.toml", 'extends = "small"\nname = "negative"\n[community_beds]\nbeds = -2\n')
    return tmp_path


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_clear_message_and_writes_nothing(case, scenario_files, capsys):
    args, expected = BAD_INPUTS[case]
    args = [a.replace("{tmp}", str(scenario_files)) for a in args]
    out_folder = scenario_files / "out"
    argv = ["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
            "--out", str(out_folder), *args]
    code, out, err = run_cli(argv, capsys)
    assert_one_clear_error(code, out, err, *expected)
    assert not out_folder.exists()


def test_console_script_reports_bad_input_without_traceback(scenario_files):
    out_folder = scenario_files / "out"
    result = run_console_script(["run", "--scenario", str(scenario_files / "typo.toml"), "--reps", "1",
                                 "--set", "rapid_response.clinicians=-1", "--out", str(out_folder)],
                                cwd=scenario_files)
    assert_one_clear_error(result.returncode, result.stdout, result.stderr,
                           "typo.toml", "did you mean 'reablement.places'?")
    assert not out_folder.exists()


def test_show_reports_bad_overrides_like_run(capsys):
    code, out, err = run_cli(["show", "--scenario", "small", "--set", "mdt.cases_per_week=-1"], capsys)
    assert_one_clear_error(code, out, err, "mdt.cases_per_week", "-1")
    assert out == ""


def test_an_out_path_that_is_a_file_is_refused(tmp_path, capsys):
    target = _write(tmp_path / "results.txt", "not a folder")
    code, out, err = run_cli(["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
                              "--out", str(target)], capsys)
    assert_one_clear_error(code, out, err, "results.txt", "not a folder")
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_an_out_path_below_a_file_is_a_clear_error(tmp_path, capsys):
    # A user error like any other: exit 2 and one message, not a traceback after the run.
    _write(tmp_path / "afile", "")
    code, out, err = run_cli(["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
                              "--set", "run.results_days=30", "--out", str(tmp_path / "afile" / "results")],
                             capsys)
    assert_one_clear_error(code, out, err, "afile")


@pytest.mark.parametrize("path", ["run.results_days", "run.warmup_days"])
def test_an_infinite_run_length_is_refused(path, tmp_path, capsys):
    # TOML reads 'inf' as a float; a run of infinite length cannot finish.
    code, out, err = run_cli(["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
                              "--set", f"{path}=inf", "--out", str(tmp_path / "out")], capsys)
    assert_one_clear_error(code, out, err, path)
    assert not (tmp_path / "out").exists()


def test_a_boolean_is_not_accepted_as_a_capacity(capsys):
    # '--set rapid_response.clinicians=true' is a wrong type, not one clinician.
    code, out, err = run_cli(["show", "--scenario", "small", "--set", "rapid_response.clinicians=true"],
                             capsys)
    assert_one_clear_error(code, out, err, "rapid_response.clinicians")


# --------------------------------------------------------------------------- a good run


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """``dorothy run --scenario small --reps 2 --out <tmp>`` through the console script."""
    work = tmp_path_factory.mktemp("cli_run")
    out = work / "tmp"
    result = run_console_script(["run", "--scenario", "small", "--reps", "2", "--out", str(out)], cwd=work)
    return result, out


def test_run_exits_0_and_writes_every_table(cli_run):
    result, out = cli_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES | STORE_FILES  # and no half-written files
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["c0000-r0000.json", "c0000-r0001.json"]
    assert "Scenario 'small'" in result.stdout
    assert "admissions" in result.stdout
    assert "2 replication(s)" in result.stdout


def test_run_writes_the_long_table(cli_run, small):
    _, out = cli_run
    table = pd.read_parquet(out / "replications.parquet")
    assert list(table.columns) == COLUMNS
    assert set(table["area"]) == {"all", "small_area"}
    assert set(table["kpi"]) == {k.name for k in KPIS}
    assert sorted(table["replication"].unique()) == [0, 1]
    assert sorted(table["seed"].unique()) == [1, 2]
    assert (table["scenario"] == "small").all()
    assert len(table) == 2 * 2 * len(KPIS)
    from_csv = pd.read_csv(out / "replications.csv")
    assert list(from_csv.columns) == COLUMNS
    assert_frame_equal(from_csv[["replication", "seed", "value"]], table[["replication", "seed", "value"]],
                       check_dtype=False)
    assert (from_csv["kpi"].tolist() == table["kpi"].tolist())


def test_run_tables_match_the_python_api(cli_run, small):
    _, out = cli_run
    table = pd.read_parquet(out / "replications.parquet")
    api = run_replications(small, reps=2, seed=1, workers=1).replications
    assert_frame_equal(table.astype({c: object for c in ("scenario", "area", "kpi", "unit")}),
                       api.astype({c: object for c in ("scenario", "area", "kpi", "unit")}),
                       check_dtype=False)


def test_run_writes_the_summary(cli_run):
    _, out = cli_run
    summary = pd.read_parquet(out / "summary.parquet")
    for column in ("scenario", "area", "kpi", "unit", "mean", "std", "ci_low", "ci_high", "n"):
        assert column in summary.columns, column
    crises = summary[(summary["area"] == "all") & (summary["kpi"] == "crises")].iloc[0]
    assert crises["n"] == 2
    assert crises["ci_low"] <= crises["mean"] <= crises["ci_high"]
    assert len(pd.read_csv(out / "summary.csv")) == len(summary) == 2 * len(KPIS)


def test_run_writes_the_resolved_scenario_and_a_manifest(cli_run, small):
    _, out = cli_run
    scenario = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert scenario == json.loads(json.dumps(small.to_dict(), default=str))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"] == "small"
    assert manifest["replications"] == 2
    assert manifest["first_seed"] == 1
    assert manifest["command"].startswith("dorothy run --scenario small --reps 2 --seed 1")
    assert len(manifest["ledgers"]) == 2
    for ledger in manifest["ledgers"]:
        assert_conserved(ledger)


def test_run_in_process_applies_overrides_and_seed(tmp_path, capsys):
    out = tmp_path / "res"
    code, stdout, err = run_cli(["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
                                 "--seed", "9", "--set", "reablement.places=20",
                                 "--set", "acute.los_cap_days=10", "--all-kpis", "--out", str(out)], capsys)
    assert code == 0, err
    assert "cost_admissions_tariff_gbp" in stdout  # --all-kpis prints every KPI
    scenario = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert scenario["reablement"]["places"] == 20
    assert scenario["acute"]["los_cap_days"] == 10.0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "--set reablement.places=20" in manifest["command"]
    assert manifest["first_seed"] == 9
    table = pd.read_parquet(out / "replications.parquet")
    assert set(table["seed"]) == {9}


def test_run_writes_to_results_folder_by_default(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
                            "--set", "run.results_days=30"], capsys)
    assert code == 0, err
    (folder,) = (tmp_path / "results").iterdir()  # a what-if (--set): its own folder, name + scenario hash
    assert folder.name.startswith("small-")
    assert {p.name for p in folder.iterdir()} == OUTPUT_FILES | STORE_FILES


# --------------------------------------------------------------------------- other commands


def test_scenarios_command_lists_the_embedded_scenarios(capsys):
    code, out, _ = run_cli(["scenarios"], capsys)
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == embedded_scenarios()
    assert {"kent_medway", "small"} <= set(names)


def test_kpis_command_lists_every_kpi(capsys):
    code, out, _ = run_cli(["kpis"], capsys)
    assert code == 0
    model_part, comparison_part = out.split("\nComparison KPIs")
    assert [line.split()[0] for line in model_part.splitlines()] == [k.name for k in KPIS]
    assert [line.split()[0] for line in comparison_part.splitlines()[1:]] == [
        k.name for k in COMPARISON_KPIS]


def test_show_prints_the_resolved_scenario_as_json(capsys):
    code, out, err = run_cli(["show", "--scenario", "small", "--set", "acute.los_cap_days=10"], capsys)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["acute"]["los_cap_days"] == 10.0
    assert shown == json.loads(json.dumps(load_scenario("small", ["acute.los_cap_days=10"]).to_dict(),
                                          default=str))


def test_a_command_is_required(capsys):
    code, _, err = run_cli([], capsys)
    assert code == 2
    assert "Traceback" not in err
