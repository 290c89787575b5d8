"""Names are labels, never paths: the one place a scenario's or spec's name becomes a folder or file name.

A scenario's ``name`` and a spec's ``name`` are text the user writes (or a TOML a colleague sends); the
default result folder and the report's file names are made from them. Used as a path unchanged, a
name such as ``../../../tmp/x`` or ``/etc`` would write outside ``results/``. :func:`folder_name`
keeps letters, digits, ``_`` and ``-`` only, so the result is always one path component: no separator,
no ``..``, no absolute path, no drive letter, never empty, and bounded in length. A name it had to
change gets a short hash of the original, so two different names never share a folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_NAME = 60
"""Longest folder or file stem made from a name (characters), the hash suffix included."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"{port}{i}" for port in ("com", "lpt") for i in range(1, 10))}
"""Names Windows will not give a file, whatever the extension."""


def short_hash(text: str, length: int = 8) -> str:
    """The first ``length`` hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def folder_name(name: object, limit: int = MAX_NAME) -> str:
    """A safe single path component made from ``name`` (see the module docstring).

    ``"small"`` stays ``"small"``; ``"../../../tmp/x"`` becomes ``"tmp_x-<hash>"``; ``""`` becomes
    ``"unnamed-<hash>"``. Only ``[A-Za-z0-9_-]`` survive (accents are folded to their letters, other
    characters become ``_``), and the result is at most ``limit`` characters."""
    text = str(name)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    safe = _UNSAFE.sub("_", ascii_text).strip("_-")
    if safe and safe == text and len(safe) <= limit and safe.lower() not in _RESERVED:
        return safe
    suffix = "-" + short_hash(text)
    stem = (safe or "unnamed")[: max(1, limit - len(suffix))].rstrip("_-") or "unnamed"
    return stem + suffix
