"""Where each key of a TOML document is written: its line number, for error messages.

Why: ``tomllib`` gives a position only for a syntax error. A value that parses but is invalid
(``clinicians = -3``) or a misspelt key should still say which line of the file to fix, and
pydantic only knows the key's path. This scans a document that ``tomllib`` has already accepted
and records, for every key path, the line where it is written; values are skipped, not decoded.
Why not a library: ``tomlkit`` keeps the layout but exposes no line numbers.

Paths are tuples of keys, as the parsed document nests them: ``[rapid_response]`` then
``visit_hours = { mean = 1.5 }`` gives ``("rapid_response",)``, ``("rapid_response", "visit_hours")``
and ``("rapid_response", "visit_hours", "mean")``; array elements are keyed by their index as text
(``("crises", "hourly_profile", "3")``), as pydantic writes locations; the n-th ``[[t]]`` is
``("t", "n")``. A quoted key stays one key (``"rapid_response.clinicians"`` is one key with a dot).
"""

from __future__ import annotations

import bisect
import contextlib
import re
import tomllib
from collections.abc import Sequence

KeyPath = tuple[str, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every key path written in ``text`` (a valid TOML document) and its 1-based line.

    A table named by a header is at the header's line; a table made implicitly by a dotted key
    (``a.b = 1`` makes ``a``) is at that key's line. Never raises: if the scan meets something it
    does not expect (it should not, on a document tomllib accepted), it returns what it found.
    """
    scanner = _Scanner(text)
    with contextlib.suppress(IndexError, ValueError, tomllib.TOMLDecodeError):
        scanner.document()
    return scanner.lines


def dotted_lines(lines: dict[KeyPath, int]) -> dict[str, int]:
    """The same lines keyed by the dotted path as text, so that ``"a.b" = 1`` and ``a.b = 1`` (and
    ``[a] b = 1``) are found alike, as a sweep spec's flattened factor paths need."""
    found: dict[str, int] = {}
    for path, line in lines.items():
        found.setdefault(".".join(path), line)
    return found


def nearest(lines: dict[KeyPath, int], path: Sequence[str]) -> tuple[KeyPath, int] | None:
    """The longest prefix of ``path`` written in the document and its line (``None`` if none is).

    Why: a missing field has no line of its own, but the table it is missing from has.
    """
    for end in range(len(path), 0, -1):
        prefix = tuple(path[:end])
        if prefix in lines:
            return prefix, lines[prefix]
    return None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[KeyPath, int] = {}
        self._line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        self._array_tables: dict[KeyPath, int] = {}

    # ------------------------------------------------------------------ positions

    def line(self, pos: int | None = None) -> int:
        return bisect.bisect_right(self._line_starts, self.pos if pos is None else pos)

    def record(self, path: KeyPath, line: int) -> None:
        self.lines.setdefault(path, line)

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos:self.pos + count]

    def skip_blank(self, newlines: bool) -> None:
        """Skip spaces and tabs, comments, and (when ``newlines``) line ends."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r" or (newlines and char == "\n"):
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    # ------------------------------------------------------------------ grammar

    def document(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            line = self.line()
            if self.peek(2) == "[[":
                self.pos += 2
                name = self.key()
                self.expect("]]")
                index = self._array_tables.get(name, -1) + 1
                self._array_tables[name] = index
                self.record_prefixes(name, line)
                table = (*name, str(index))
                self.record(table, line)
            elif self.peek() == "[":
                self.pos += 1
                table = self.key()
                self.expect("]")
                self.record_prefixes(table, line)
            else:
                self.keyval(table)

    def keyval(self, table: KeyPath) -> None:
        line = self.line()
        path = (*table, *self.key())
        self.record_prefixes(path, line)
        self.skip_blank(newlines=False)
        self.expect("=")
        self.skip_blank(newlines=False)
        self.value(path)

    def record_prefixes(self, path: KeyPath, line: int) -> None:
        for end in range(1, len(path) + 1):
            self.record(path[:end], line)

    def key(self) -> KeyPath:
        """A dotted key: simple keys (bare, "basic" or 'literal') joined by dots."""
        parts: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            char = self.peek()
            if char in ('"', "'"):
                start = self.pos
                self.string()
                parts.append(tomllib.loads(f"k = {self.text[start:self.pos]}")["k"])
            else:
                start = self.pos
                while self.pos < len(self.text) and self.text[self.pos] in _BARE:
                    self.pos += 1
                if self.pos == start:
                    raise ValueError(f"no key at {self.pos}")
                parts.append(self.text[start:self.pos])
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.pos += 1

    def expect(self, token: str) -> None:
        self.skip_blank(newlines=False)
        if self.peek(len(token)) != token:
            raise ValueError(f"expected {token!r} at {self.pos}")
        self.pos += len(token)

    def value(self, path: KeyPath) -> None:
        char = self.peek()
        if char in ('"', "'"):
            self.string()
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        else:  # number, boolean, date: up to what ends a value (dates may hold a space)
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}\n#":
                self.pos += 1

    def array(self, path: KeyPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "]":
                self.pos += 1
                return
            element = (*path, str(index))
            self.record(element, self.line())
            self.value(element)
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.pos += 1
            index += 1

    def inline_table(self, path: KeyPath) -> None:
        self.pos += 1
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "}":
                self.pos += 1
                return
            self.keyval(path)
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.pos += 1

    def string(self) -> None:
        """Skip a string of any of TOML's four kinds (escapes only in the basic kinds)."""
        quote = self.peek()
        if self.peek(3) == quote * 3:
            self.pos += 3
            while not self.text.startswith(quote * 3, self.pos):
                if self.pos >= len(self.text):
                    raise ValueError("unterminated string")
                self.pos += 2 if quote == '"' and self.text[self.pos] == "\\" else 1
            self.pos += 3
            # up to two more quotes just before the closing delimiter belong to the string
            for _ in range(2):
                if self.peek() == quote:
                    self.pos += 1
            return
        self.pos += 1
        while self.text[self.pos] != quote:
            self.pos += 2 if quote == '"' and self.text[self.pos] == "\\" else 1
        self.pos += 1


_POSITION = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")


def describe_decode_error(source: str, exc: tomllib.TOMLDecodeError, text: str) -> str:
    """One message for a TOML syntax error: file, ``line N, column M``, the reason, the line itself,
    and a hint for a key or table given twice (which TOML refuses, and tomllib words obscurely)."""
    message = str(exc)
    match = _POSITION.search(message)
    reason = message[: match.start()] if match else message
    where = source
    if match and match.group(1):
        number = int(match.group(1))
        where = f"{source}, line {number}, column {match.group(2)}"
        lines = text.splitlines()
        if 0 < number <= len(lines) and lines[number - 1].strip():
            shown = lines[number - 1].strip()
            reason += f" (the line reads: {shown[:80] + ('...' if len(shown) > 80 else '')})"
    elif match:
        where = f"{source}, line {text.count(chr(10)) + 1} (end of file)"
        reason += " (something opened, such as '[', '{' or a quote, is never closed)"
    if reason.startswith(("Cannot overwrite a value", "Cannot declare")):
        reason += "; a key or table is given twice (TOML allows each only once), so remove one of them"
    return f"{where}: not valid TOML: {reason}"
