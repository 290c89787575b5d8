"""Build the compiled core: the model's hot modules as C extensions, with Cython (pyproject.toml
holds everything else about the package).

Why: a replication of the default scenario is about a million timed happenings, each a few
microseconds of Python; compiled with the types in ``dorothy_sim/model/*.pxd`` the same ``.py``
source runs about 1.6x faster (benchmarks/RESULTS.md), which brings a 20 x 30 sweep of the default
scenario under ten minutes on two cores. ``pip install -e .`` (``make``) builds them in place, next
to their sources; the ``.py`` files stay the model's only source and run interpreted wherever
nothing is compiled (``dorothy_sim/model/_core.py`` decides at import).

The extensions are optional: without a C compiler setuptools warns and the install carries on, and
the model runs interpreted (the same tables, slower). A record of the sources' digests is written
after a complete build only, so a failed or partial build is never mistaken for a current one.
"""

import importlib.util
import json
import warnings
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_core", HERE / "dorothy_sim" / "model" / "_core.py")
core = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(core)  # (by path: importing the package would import the model itself)

DIRECTIVES = {
    "language_level": 3,
    # C types come from the .pxd files and explicit cython.* declarations only: the source's own
    # annotations (slot: int, a Python int) describe the interpreted code.
    "annotation_typing": False,
}


class BuildWithRecord(build_ext):
    """build_ext, then the record that says which sources the extensions were built from: written
    only when this build made (or found up to date) every one of them, and removed first, so that
    a module that failed to compile never leaves an older extension that the record vouches for."""

    def run(self) -> None:
        folder = Path("dorothy_sim", "model")
        if not self.inplace:
            folder = Path(self.build_lib, folder)
        record = folder / core.record_path().name
        record.unlink(missing_ok=True)
        self.built: set[str] = set()
        super().run()
        if self.built == {extension.name for extension in self.extensions}:
            record.write_text(json.dumps({"sources": CYTHONIZED}, indent=1) + "\n")

    def build_extension(self, extension: Extension) -> None:
        super().build_extension(extension)  # (an optional extension's failure is caught above this)
        self.built.add(extension.name)


CYTHONIZED: dict[str, str] = {}
"""The sources' digests as Cython read them (an edit during the build must not be vouched for)."""


def extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:  # (not in pyproject's build requirements' environment: build without them)
        print("setup.py: Cython is not installed; the model will run interpreted")
        return []
    CYTHONIZED.update(core.source_digests())
    modules = cythonize([Extension(f"{core.PACKAGE}.{name}", [f"dorothy_sim/model/{name}.py"])
                         for name in core.MODULES],
                        compiler_directives=DIRECTIVES, build_dir="build/cython", nthreads=2, quiet=True)
    for module in modules:
        module.optional = True  # a failed compile (no C compiler) warns instead of failing the install
    return modules


# setuptools' note on every editable install (that a folder named like the package may shadow it),
# which pip shows once Cython is imported here: this project's folder is the package.
warnings.filterwarnings("ignore", message="Editable installation")
setup(ext_modules=extensions(), cmdclass={"build_ext": BuildWithRecord},
      options={"build_ext": {"parallel": 2}})
