"""Build the compiled kernel (``dorothy_sim/model/_core.py``'s ``MODULES``: the event loop, the
capacity stations, the rows of named draws, the thinning of candidate crises and the ledger of
person-time, each typed by its
``.pxd`` file) as C extensions, with Cython. pyproject.toml
holds everything else about the package.

Why: a replication is about a million timed happenings, and the kernel handles every one of them.
``pip install -e .`` (``make``) builds the extensions in place, next to their sources; the ``.py``
files stay the only source and run interpreted wherever nothing is compiled
(``dorothy_sim/model/_core.py`` decides at import). The journeys and services are never compiled.

Without a C compiler the install carries on and the kernel runs interpreted (the same tables,
slower). With one, a module that fails to compile fails the install. A record of the sources'
digests is written after a complete build only, so a partial build is never mistaken for a current one.
"""

import importlib.util
import json
import os
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
    if not _c_compiler():
        print("setup.py: no C compiler found; the kernel will run interpreted (the same tables, slower)")
        return []
    return modules  # with a compiler, a module that fails to compile fails the install, loudly


def _c_compiler() -> bool:
    """Whether the C compiler that setuptools would call is on this machine."""
    import shlex
    import shutil
    import sysconfig

    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return shutil.which(shlex.split(compiler)[0]) is not None


# setuptools' note on every editable install (that a folder named like the package may shadow it),
# which pip shows once Cython is imported here: this project's folder is the package.
warnings.filterwarnings("ignore", message="Editable installation")
setup(ext_modules=extensions(), cmdclass={"build_ext": BuildWithRecord},
      options={"build_ext": {"parallel": 2}})
