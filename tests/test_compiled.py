"""The compiled core and its guard (setup.py, dorothy_sim/model/_core.py).

Why: the model's hot modules run as C extensions built from their ``.py`` files. Python imports an
extension in preference to its source, so the guard must make an edited source run interpreted
(never the old extension), ``DOROTHY_PURE_PYTHON`` must run the source, and both cores must give the
same output to the bit. ``make test`` also runs the pinned tables interpreted.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dorothy_sim
import dorothy_sim.model as model_package
from dorothy_sim import load_scenario
from dorothy_sim.model import _core
from dorothy_sim.replication import run_one

EXTENSION = importlib.machinery.EXTENSION_SUFFIXES[0]
PACKAGE_DIR = Path(dorothy_sim.__file__).resolve().parent
BUILT = len(_core.built_extensions()) == len(_core.MODULES)
needs_build = pytest.mark.skipif(not BUILT, reason="the compiled core is not built here (no C compiler?)")

# Prints the core a fresh interpreter chose, where each compiled module came from, and a digest of
# the small scenario's output for seed 3 (elapsed time left out).
PROBE = """
import hashlib, importlib, json
import dorothy_sim.model as m
from dorothy_sim import load_scenario
from dorothy_sim.replication import run_one
files = {name: importlib.import_module(f"dorothy_sim.model.{name}").__file__ for name in m._core.MODULES}
out = run_one(load_scenario("small"), 3).to_json()
out.pop("elapsed_seconds")
print(json.dumps({"compiled": m.COMPILED, "core": m.CORE, "files": files,
                  "output": hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()}))
"""


def _probe(path: Path | None = None, pure: bool = False) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if k != _core.PURE_ENV}
    if pure:
        env[_core.PURE_ENV] = "1"
    if path is not None:
        env["PYTHONPATH"] = str(path)
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env,
                          cwd=path or Path.cwd(), check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _output_digest() -> str:
    out = run_one(load_scenario("small"), 3).to_json()
    out.pop("elapsed_seconds")
    return hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()


def test_the_core_reported_is_the_one_whose_modules_are_loaded():
    files = [sys.modules[f"dorothy_sim.model.{name}"].__file__ for name in _core.MODULES
             if f"dorothy_sim.model.{name}" in sys.modules]
    assert files, "the model's modules were imported by the line above"
    suffix = EXTENSION if model_package.COMPILED else ".py"
    assert all(f.endswith(suffix) for f in files), (model_package.CORE, files)
    if BUILT and os.environ.get(_core.PURE_ENV, "") in ("", "0") and _core._changed_since_build() == []:
        assert model_package.COMPILED, model_package.CORE


@needs_build
def test_pure_python_runs_every_compiled_module_from_its_source_with_the_same_output():
    compiled, _ = _probe()
    interpreted, _ = _probe(pure=True)
    assert compiled["compiled"] and all(f.endswith(EXTENSION) for f in compiled["files"].values())
    assert not interpreted["compiled"] and "DOROTHY_PURE_PYTHON" in interpreted["core"]
    assert all(f.endswith(".py") for f in interpreted["files"].values()), interpreted["files"]
    assert compiled["output"] == interpreted["output"] == _output_digest()


@needs_build
def test_an_edited_source_runs_interpreted_with_a_warning_never_the_old_extension(tmp_path):
    copy = tmp_path / "dorothy_sim"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    as_built, warned = _probe(tmp_path)
    assert as_built["compiled"] and not warned.strip(), warned
    assert all(f.startswith(str(copy)) and f.endswith(EXTENSION) for f in as_built["files"].values())

    stations = copy / "model" / "stations.py"
    stations.write_text(stations.read_text() + "\n# an edit made after the build\n")
    edited, warned = _probe(tmp_path)
    assert not edited["compiled"] and "stations.py" in edited["core"]
    assert "RuntimeWarning" in warned and "stations.py" in warned and "pip install -e ." in warned
    assert all(f.startswith(str(copy)) and f.endswith(".py") for f in edited["files"].values())
    assert edited["output"] == as_built["output"]

    stations.write_text(stations.read_text().replace("\n# an edit made after the build\n", ""))
    engine_types = copy / "model" / "engine.pxd"
    engine_types.write_text(engine_types.read_text() + "\n")
    edited_pxd, _ = _probe(tmp_path)
    assert not edited_pxd["compiled"] and "engine.pxd" in edited_pxd["core"]
    assert "engine.py" not in edited_pxd["core"]  # the file that changed, not its module

    # A journey module is plain Python: editing it leaves the kernel compiled.
    stations.write_text(stations.read_text())
    engine_types.write_text(engine_types.read_text()[:-1])
    journey = copy / "model" / "journey.py"
    journey.write_text(journey.read_text() + "\n# a modeller's edit\n")
    journey_edited, warned = _probe(tmp_path)
    assert journey_edited["compiled"] and not warned.strip(), warned


def test_the_journeys_and_services_are_plain_python_only_the_kernel_is_compiled():
    kernel = set(_core.MODULES)
    assert kernel == {"events", "engine", "stations", "draws", "thinning", "persontime"}
    model_dir = PACKAGE_DIR / "model"
    for source in model_dir.glob("*.py"):
        text = source.read_text()
        if source.stem in kernel or source.stem == "_core":
            continue
        assert "cython" not in text, f"{source.name} imports or uses cython: only the kernel may"
        assert not (model_dir / f"{source.stem}.pxd").exists(), f"{source.name} has a .pxd"
    assert {p.stem for p in model_dir.glob("*.pxd")} == kernel


@needs_build
def test_a_build_without_its_record_is_not_trusted(tmp_path):
    copy = tmp_path / "dorothy_sim"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "model" / _core.record_path().name).unlink()
    probe, warned = _probe(tmp_path)
    assert not probe["compiled"] and "RuntimeWarning" in warned and "no build record" in warned
    assert all(f.endswith(".py") for f in probe["files"].values())


def test_with_a_c_compiler_a_kernel_that_fails_to_compile_fails_the_install(tmp_path):
    # Arrange: a copy of the package whose stations.py Cython cannot compile (a syntax error).
    root = PACKAGE_DIR.parent
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(root / name, tmp_path / name)
    copy = tmp_path / "dorothy_sim"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so", "_compiled.*"))
    stations = copy / "model" / "stations.py"
    stations.write_text(stations.read_text() + "\ndef broken(:\n")
    # Act
    done = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=tmp_path,
                          capture_output=True, text=True)
    # Assert: the build stops with Cython's error; it does not fall back to the interpreter.
    assert done.returncode != 0, done.stdout[-2000:]
    assert "stations.py" in done.stdout + done.stderr
    assert not list((copy / "model").glob("stations*.so"))
