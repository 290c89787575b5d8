"""The result store: one file per finished run, a manifest, a lock, and resume.

Layout of a sweep folder::

    manifest.json          the spec, its hash, the package version, seeds, configurations
    runs/c0003-r0007.json  one finished run (configuration 3, replication 7): KPIs, ledger, daily occupancy
    .lock                  held while a sweep writes here

Why one small file per run, written to a temporary name and renamed: a run is either wholly in the
store or absent, so a sweep killed at any moment (even SIGKILL) loses only the runs in flight, and the
same command resumes by skipping every run whose file is there and readable. A file that cannot be
read back (truncated by a full disk, edited by hand) is moved aside and its run done again.

Why a hash: a folder holds the results of exactly one spec and baseline scenario; resuming a changed
spec into it would pair runs made under different inputs, so that is refused unless ``force``.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dorothy_sim._version import __version__
from dorothy_sim.errors import StoreError
from dorothy_sim.output import atomic_write_text, check_folder
from dorothy_sim.replication import RunOutput

MANIFEST = "manifest.json"
RUN_STORE_MANIFEST = "store.json"  # a 'dorothy run' folder: manifest.json there describes its tables
RUNS = "runs"
LOCK = ".lock"
FINISHED_KEYS = ("complete", "replications", "seeds")  # written when a sweep finishes
_HELD_LOCKS: set[int] = set()  # descriptors of the locks this process holds


def forget_inherited_locks() -> None:
    """Close, in a forked worker process, the lock descriptors it inherited from its parent.

    Why: a ``flock`` lock belongs to the open file, which a forked child shares. If the parent is
    killed while its workers live on (the system's out-of-memory killer picks one process), the
    workers would keep the folder locked and the resume would be refused; after this, the lock dies
    with the parent alone."""
    for descriptor in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _HELD_LOCKS.clear()


class ResultStore:
    """A folder of finished runs for one spec (or one ``dorothy run``). Use as a context manager: it
    holds the lock.

    ``force`` discards runs made for something else (another spec, another version of the package)
    instead of refusing. ``manifest_name`` is ``store.json`` for a ``dorothy run`` folder, whose
    ``manifest.json`` describes its tables.
    """

    def __init__(self, folder: Path, manifest: dict[str, Any], force: bool = False,
                 manifest_name: str = MANIFEST) -> None:
        self.folder = Path(folder)
        self.manifest = manifest
        self.force = force
        self.manifest_name = manifest_name
        self._lock_handle: Any = None
        self.discarded: list[str] = []

    # ---------------------------------------------------------------- opening and closing

    def __enter__(self) -> ResultStore:
        check_folder(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self._refuse_the_other_kind()
            self._adopt_manifest()
            (self.folder / RUNS).mkdir(exist_ok=True)
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._unlock()

    def _lock(self) -> None:
        handle = open(self.folder / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreError(
                f"'{self.folder}' is in use by another dorothy sweep or run ({holder}); wait for it to "
                "finish, or give a different --out folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        self._lock_handle = handle
        _HELD_LOCKS.add(handle.fileno())

    def _unlock(self) -> None:
        if self._lock_handle is not None:
            _HELD_LOCKS.discard(self._lock_handle.fileno())
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    def _refuse_the_other_kind(self) -> None:
        """A sweep folder and a ``dorothy run`` folder both keep their runs in ``runs/``: never let one
        kind discard the other's (even with ``force``)."""
        if self.manifest_name == MANIFEST and (self.folder / RUN_STORE_MANIFEST).exists():
            raise StoreError(f"'{self.folder}' holds the replications of a 'dorothy run'; give a sweep "
                             "another --out folder")
        if self.manifest_name != MANIFEST and (self.folder / MANIFEST).exists():
            try:  # a run's own manifest.json (its tables' provenance) is not a sweep manifest
                read_manifest(self.folder)
            except StoreError:
                return
            raise StoreError(f"'{self.folder}' holds the results of a 'dorothy sweep'; give the run "
                             "another --out folder")

    def _adopt_manifest(self) -> None:
        existing = self._existing_manifest()
        if existing is not None and existing.get("spec_hash") != self.manifest["spec_hash"]:
            if not self.force:
                raise StoreError(
                    f"'{self.folder}' holds results of a different spec or baseline scenario (spec "
                    f"'{_name(existing)}', hash {existing.get('spec_hash')}; this one: "
                    f"'{_name(self.manifest)}', hash {self.manifest['spec_hash']}). Give another "
                    "--out folder, or --force to delete those results and start again")
            self._discard_runs()
        self.manifest["code_fingerprint"] = code_fingerprint()
        same_spec = existing is not None and existing.get("spec_hash") == self.manifest["spec_hash"]
        made_by = _made_by_other_code(existing) if existing is not None and same_spec else None
        if made_by is not None:
            if not self.force:
                raise StoreError(
                    f"'{self.folder}' holds runs made with {made_by}, whose runs may differ from this one's "
                    "(in the last digits or more), so resuming would mix the two in one table. Give another "
                    "--out folder, or --force to delete those runs and start again")
            self._discard_runs()
            existing = None
        if existing is None and (self.folder / RUNS).exists() and any((self.folder / RUNS).iterdir()):
            if not self.force:
                raise StoreError(f"'{self.folder}/{RUNS}' holds run files but no manifest; give another "
                                 "--out folder, or --force to delete them")
            self._discard_runs()
        if existing is not None and existing.get("spec_hash") == self.manifest["spec_hash"]:
            # Resuming (perhaps with more replications): what the last sweep finished is no longer
            # the target, so it is cleared until this sweep finishes and records its own.
            kept = {k: v for k, v in existing.items() if k not in FINISHED_KEYS}
            self.manifest = {**kept, **self.manifest, "created_at": existing.get("created_at")}
        else:
            self.manifest = {**self.manifest,
                             "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        self.write_manifest()

    def _existing_manifest(self) -> dict[str, Any] | None:
        """The manifest already in the folder, if any; with ``force`` an unreadable one counts as none
        (its runs are then discarded), since there is nothing it could be resumed as."""
        if not (self.folder / self.manifest_name).exists():
            return None
        try:
            return read_manifest(self.folder, self.manifest_name)
        except StoreError:
            if not self.force:
                raise
            return None

    def _discard_runs(self) -> None:
        shutil.rmtree(self.folder / RUNS, ignore_errors=True)

    def write_manifest(self, **updates: Any) -> None:
        self.manifest.update(updates)
        atomic_write_text(self.folder / self.manifest_name, json.dumps(self.manifest, indent=2, default=str))

    # ---------------------------------------------------------------- runs

    def path(self, configuration: int, replication: int) -> Path:
        return self.folder / RUNS / f"c{configuration:04d}-r{replication:04d}.json"

    def save(self, configuration: int, replication: int, output: RunOutput) -> None:
        record = {"spec_hash": self.manifest["spec_hash"], "configuration": configuration,
                  "replication": replication, **output.to_json()}
        atomic_write_text(self.path(configuration, replication), json.dumps(record))

    def load(self, configuration: int, replication: int) -> RunOutput | None:
        """The stored run, or ``None`` if it is not there; an unreadable file is set aside."""
        return read_run(self.path(configuration, replication), self.manifest["spec_hash"],
                        configuration, replication, self.discarded)


def folder_in_use(folder: Path) -> bool:
    """Whether another process holds the lock of a result folder right now."""
    path = Path(folder) / LOCK
    if not path.is_file():
        return False
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@functools.cache
def code_fingerprint() -> str:
    """A hash of the package's own source (with the compiled core's ``.pxd`` types) and embedded
    scenarios, as installed.

    Why beside the version: an editable install changes without a new version number (a pull, a
    local edit), and a result folder resumed across such a change would mix runs of two models in
    one table, or ``dorothy run`` would load replications the current code no longer makes."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".pxd", ".toml") and p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _made_by_other_code(manifest: dict[str, Any]) -> str | None:
    """What made a folder's runs, if not this version and code (``None`` when it was)."""
    version = manifest.get("dorothy_sim_version")
    if version != __version__:
        return f"dorothy_sim {version} (this is {__version__})"
    fingerprint = manifest.get("code_fingerprint")
    if fingerprint != code_fingerprint():
        return (f"other code of dorothy_sim {version} (code fingerprint {fingerprint}, now "
                f"{code_fingerprint()}: the installed source has changed since)")
    return None


def _name(manifest: dict[str, Any]) -> str:
    return str(manifest.get("spec", {}).get("name") or manifest.get("scenario"))


def read_manifest(folder: Path, name: str = MANIFEST) -> dict[str, Any]:
    path = Path(folder) / name
    if not path.is_file():
        raise StoreError(f"'{folder}' is not a sweep folder: it has no {MANIFEST} "
                         "(give the --out folder of a 'dorothy sweep')")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"'{path}' is not a readable manifest ({exc}); re-run the sweep with --force") \
            from None
    if not isinstance(manifest, dict) or "spec_hash" not in manifest:
        raise StoreError(f"'{path}' is not a dorothy sweep manifest (no spec_hash)")
    return manifest


def read_run(path: Path, spec_hash: str, configuration: int, replication: int,
             discarded: list[str] | None = None) -> RunOutput | None:
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        ok = (record.pop("spec_hash") == spec_hash and record.pop("configuration") == configuration
              and record.pop("replication") == replication)
        output = RunOutput.from_json(record) if ok else None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
        output = None
    if output is None and discarded is not None:
        aside = path.with_name(path.name + ".corrupt")
        os.replace(path, aside)
        if discarded is not None:
            discarded.append(path.name)
    return output
