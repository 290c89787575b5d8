"""Names are labels, never paths; and a run never silently replaces another run's replications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorothy_sim.cli import main
from dorothy_sim.names import MAX_NAME, folder_name

HOSTILE = ["../../../tmp/x", "/etc/passwd", "..", ".", "", "a/b", "a\\b", "C:\\Windows", "~/x", "con",
           "NUL", "name\x00with nul", " spaced out ", "x" * 500, "résumé", "../..", "..\\..\\x", "a/../../b"]
SHORT = ["run.warmup_days=5", "run.results_days=20"]


def _is_one_safe_component(name: str) -> bool:
    return (bool(name) and len(name) <= MAX_NAME and Path(name).name == name and not Path(name).is_absolute()
            and name not in (".", "..") and "/" not in name and "\\" not in name and ".." not in name)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_becomes_one_safe_folder_name(name):
    safe = folder_name(name)
    assert _is_one_safe_component(safe), safe
    assert safe.lower() not in ("con", "nul")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_becomes_one_safe_folder_name(name):
    assert _is_one_safe_component(folder_name(name))


def test_plain_names_are_kept_and_changed_names_stay_distinct():
    assert folder_name("small") == "small"
    assert folder_name("rr_x-reab2") == "rr_x-reab2"
    assert folder_name("a/b") != folder_name("a_b") != folder_name("a b")


def _toml(path: Path, name: str) -> Path:
    path.write_text(f'extends = "small"\nname = {json.dumps(name)}\nlabel = "Winter push"\n'
                    '[run]\nwarmup_days = 5\nresults_days = 20\n', encoding="utf-8")
    return path


def test_a_hostile_scenario_name_never_writes_outside_results(tmp_path, monkeypatch, capsys):
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    scenario = _toml(work / "evil.toml", "../../../tmp/x")
    assert main(["run", "--scenario", str(scenario), "--reps", "1", "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    written = [p for p in tmp_path.rglob("manifest.json")]
    assert len(written) == 1 and written[0].parent.parent == work / "results", written
    assert not (tmp_path / "tmp").exists()
    assert "'Winter push' (scenario '../../../tmp/x')" in out  # the name is shown, as a label


def test_a_hostile_spec_name_never_writes_outside_results(tmp_path, monkeypatch, capsys):
    work = tmp_path / "a"
    work.mkdir()
    monkeypatch.chdir(work)
    spec = work / "spec.toml"
    spec.write_text('name = ".."\nscenario = "small"\n[set]\n"run.warmup_days" = 5\n"run.results_days" = 20\n'
                    '[factors]\n"rapid_response.clinicians" = [1]\n[replications]\ncount = 1\n',
                    encoding="utf-8")
    assert main(["sweep", str(spec), "--workers", "1", "--quiet"]) == 0
    manifests = list(tmp_path.rglob("manifest.json"))
    assert len(manifests) == 1 and manifests[0].parent.parent == work / "results", manifests


def test_a_what_if_gets_its_own_folder_and_the_header_echoes_its_overrides(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = ["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet",
            *(arg for item in SHORT for arg in ("--set", item))]
    assert main(base) == 0
    first = capsys.readouterr().out
    assert main([*base, "--set", "reablement.places=20"]) == 0
    second = capsys.readouterr().out
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert len(folders) == 2 and all(f.startswith("small-") for f in folders), folders
    assert "--set reablement.places=20" in second and "reablement.places" not in first
    assert "Folder: results/small-" in second


def test_a_toml_without_a_name_does_not_land_in_its_parents_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text('extends = "small"\n[run]\nwarmup_days = 5\nresults_days = 20\n',
                                        encoding="utf-8")
    assert main(["run", "--scenario", "mine.toml", "--reps", "1", "--workers", "1", "--quiet"]) == 0
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.name.startswith("small-") and folder.name != "small"


def test_writing_a_run_over_another_scenarios_run_is_refused_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    sets = [arg for item in SHORT for arg in ("--set", item)]
    common = ["run", "--scenario", "small", "--reps", "1", "--workers", "1", "--quiet", "--out", str(out),
              *sets]
    assert main(common) == 0
    before = (out / "replications.csv").read_bytes()
    capsys.readouterr()
    assert main([*common, "--set", "reablement.places=20"]) == 2
    err = capsys.readouterr().err
    assert "holds the replications of a different scenario" in err and "--force" in err
    assert (out / "replications.csv").read_bytes() == before
    assert main([*common, "--seed", "7"]) == 2
    assert "first seed 1" in capsys.readouterr().err
    assert main([*common, "--set", "reablement.places=20", "--force"]) == 0
    assert main(common) == 2  # the folder now holds the what-if
    assert main(common + ["--reps", "2"]) == 2
    capsys.readouterr()


def test_a_spec_label_is_shown_and_leaves_the_spec_hash_alone(capsys):
    from dorothy_sim.spec import plan, spec_from_dict
    from dorothy_sim.sweep import sweep

    spec = {"name": "lab", "scenario": "small", "set": {"run.warmup_days": 5, "run.results_days": 20},
            "factors": {"rapid_response.clinicians": [1]}, "replications": {"count": 1}}
    labelled = {**spec, "label": "Winter push"}
    assert plan(spec_from_dict(spec)).spec_hash == plan(spec_from_dict(labelled)).spec_hash
    assert sweep(labelled, workers=1).title == "Winter push"
