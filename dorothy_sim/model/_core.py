"""Which core runs the model: the compiled one (Cython) or the Python source, decided once, at import.

Why a choice at all: the model's kernel (:data:`MODULES`) is compiled with Cython (setup.py, at
``pip install -e .``, which ``make`` runs whenever a kernel source changed) into C extensions that
sit next to their ``.py`` files. The ``.py`` files stay the one source: the types the compiler needs
are in ``.pxd`` files beside them (and a few ``cython`` names, which do nothing when the source is
interpreted). Python imports an extension in preference to its source, so an extension built from an
older source would silently run old code; this module stops that. Every other module of the model
(the journeys, services, wiring) is plain Python and never compiled.

The rule, applied before any module of the model is imported (``dorothy_sim/model/__init__.py``):

- ``DOROTHY_PURE_PYTHON`` set (to anything but ``0`` or empty): the source is interpreted.
- No extensions built for this Python: the source is interpreted (a machine without a C compiler).
- Extensions built, and the build's record (``_compiled.<python>.json``, written by the build) holds
  the digest of every compiled module's ``.py`` and ``.pxd`` as they are now: the extensions run.
- Otherwise (a source edited since the build): the source is interpreted, with a warning that says
  which file changed and how to rebuild.

Interpreting when extensions exist needs an import hook (:class:`_SourceFirst`), since Python's own
finder would load the extension. Both cores give the same tables to the bit: the pinned tests run
on both (Makefile ``test``).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parent
PACKAGE = "dorothy_sim.model"
MODULES = ("events", "engine", "stations", "draws", "thinning", "persontime")
"""The compiled kernel: the event loop and its cheap events, the capacity stations, the rows of
named draws, the thinning of candidate crises and the ledger of person-time by state. The journeys,
the services and the wiring stay plain Python, so adding a service, a counter or a person's attribute
never touches C."""
PURE_ENV = "DOROTHY_PURE_PYTHON"


def record_path(cache_tag: str | None = None) -> Path:
    """The build's record for this Python (one per interpreter version: their extensions differ)."""
    return MODEL_DIR / f"_compiled.{cache_tag or sys.implementation.cache_tag}.json"


def source_digests() -> dict[str, str]:
    """SHA-256 of each file the compiled modules are built from (``engine.py``, ``engine.pxd``...)."""
    files = [MODEL_DIR / f"{name}{suffix}" for name in MODULES for suffix in (".py", ".pxd")]
    return {file.name: hashlib.sha256(file.read_bytes()).hexdigest() for file in files if file.exists()}


def built_extensions() -> list[Path]:
    """The compiled modules' extension files for this Python that exist."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return [MODEL_DIR / f"{name}{suffix}" for name in MODULES if (MODEL_DIR / f"{name}{suffix}").exists()]


def _changed_since_build() -> list[str] | None:
    """The source files that differ from what was built (added, edited or removed); None without a
    build record."""
    try:
        built = json.loads(record_path().read_text())["sources"]
    except (OSError, ValueError, KeyError):
        return None
    now = source_digests()
    return sorted(name for name in built.keys() | now.keys() if built.get(name) != now.get(name))


def choose() -> tuple[bool, str]:
    """(compiled?, why), by the rule of the module docstring. Installs the import hook when the
    source must be interpreted although extensions exist, and warns when they are out of date."""
    extensions = built_extensions()
    strays = stray_extensions()
    if strays:
        sys.meta_path.insert(0, _SourceFirst(strays))
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        why = f"interpreted ({PURE_ENV} is set)"
    elif not extensions:
        return False, "interpreted (not compiled for this Python: see README, 'The compiled core')"
    elif len(extensions) < len(MODULES):
        why = f"interpreted (only {len(extensions)} of {len(MODULES)} modules compiled)"
        _warn(why)
    elif (changed := _changed_since_build()) is None:
        why = "interpreted (the compiled modules have no build record: the last build did not finish)"
        _warn(why)
    elif changed:
        why = f"interpreted (compiled before the last change to {', '.join(changed)})"
        _warn(why)
    else:
        return True, "compiled (Cython)"
    if extensions:
        sys.meta_path.insert(0, _SourceFirst(MODULES))
    return False, why


def _warn(why: str) -> None:
    warnings.warn(f"dorothy_sim: the model runs {why}, slower than compiled; rebuild it with "
                  "`pip install -e .` (any `make` target does when a model source changed)",
                  RuntimeWarning, stacklevel=3)


def stray_extensions() -> list[str]:
    """Modules of the model with an extension beside their ``.py`` that are not in the kernel (left by
    an older build): they always run from their source."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    names = (file.name[: -len(suffix)] for file in MODEL_DIR.glob(f"*{suffix}"))
    return sorted(name for name in names if name not in MODULES and (MODEL_DIR / f"{name}.py").exists())


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Loads the named modules of the model from their ``.py`` files even though extensions sit
    beside them."""

    def __init__(self, names: tuple[str, ...] | list[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, fullname: str, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package != PACKAGE or name not in self.names:
            return None
        return importlib.util.spec_from_file_location(fullname, MODEL_DIR / f"{name}.py")
