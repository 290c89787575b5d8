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

import fcntl
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dorothy_sim.errors import StoreError
from dorothy_sim.experiment import RunOutput
from dorothy_sim.output import atomic_write_text, check_folder

MANIFEST = "manifest.json"
RUNS = "runs"
LOCK = ".lock"
FINISHED_KEYS = ("complete", "replications", "seeds")  # written when a sweep finishes


class ResultStore:
    """A folder of finished runs for one spec. Use as a context manager: it holds the lock."""

    def __init__(self, folder: Path, manifest: dict[str, Any], force: bool = False) -> None:
        self.folder = Path(folder)
        self.manifest = manifest
        self.force = force
        self._lock_handle: Any = None
        self.discarded: list[str] = []

    # ---------------------------------------------------------------- opening and closing

    def __enter__(self) -> ResultStore:
        check_folder(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
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
                f"'{self.folder}' is in use by another dorothy sweep ({holder}); wait for it to finish, "
                "or give a different --out folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        self._lock_handle = handle

    def _unlock(self) -> None:
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    def _adopt_manifest(self) -> None:
        path = self.folder / MANIFEST
        existing = read_manifest(self.folder) if path.exists() else None
        if existing is not None and existing.get("spec_hash") != self.manifest["spec_hash"]:
            if not self.force:
                raise StoreError(
                    f"'{self.folder}' holds results of a different spec or baseline scenario (spec "
                    f"'{existing.get('spec', {}).get('name')}', hash {existing.get('spec_hash')}; this one: "
                    f"'{self.manifest['spec']['name']}', hash {self.manifest['spec_hash']}). Give another "
                    "--out folder, or --force to delete those results and start again")
            shutil.rmtree(self.folder / RUNS, ignore_errors=True)
        if existing is None and (self.folder / RUNS).exists() and any((self.folder / RUNS).iterdir()):
            if not self.force:
                raise StoreError(f"'{self.folder}/{RUNS}' holds run files but no manifest; give another "
                                 "--out folder, or --force to delete them")
            shutil.rmtree(self.folder / RUNS, ignore_errors=True)
        if existing is not None and existing.get("spec_hash") == self.manifest["spec_hash"]:
            # Resuming (perhaps with more replications): what the last sweep finished is no longer
            # the target, so it is cleared until this sweep finishes and records its own.
            kept = {k: v for k, v in existing.items() if k not in FINISHED_KEYS}
            self.manifest = {**kept, **self.manifest, "created_at": existing.get("created_at")}
        else:
            self.manifest = {**self.manifest,
                             "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        self.write_manifest()

    def write_manifest(self, **updates: Any) -> None:
        self.manifest.update(updates)
        atomic_write_text(self.folder / MANIFEST, json.dumps(self.manifest, indent=2, default=str))

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


def read_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
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
