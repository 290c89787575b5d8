"""Errors a user can cause and fix. The command line prints their message and exits with 2."""

from __future__ import annotations

from collections.abc import Sequence


class UserError(ValueError):
    """Something the user gave (a file, an option, a folder) cannot be used; the message says why."""


class ScenarioError(UserError):
    """A scenario, an override or an input file is invalid; the message says where and why.

    ``fields`` are the dotted paths at fault and ``detail`` the message without its leading
    "where" (file and line). Why: a caller that applied the values itself (a sweep spec's
    ``[set]`` or factors) can then say where *it* was given them (its own file and line) instead.
    """

    def __init__(self, message: str, *, fields: Sequence[str] = (), detail: str | None = None) -> None:
        super().__init__(message)
        self.fields: tuple[str, ...] = tuple(fields)
        self.detail: str = message if detail is None else detail


class SpecError(ScenarioError):
    """A sweep spec is invalid: the message names the file, the field, the value and what is allowed."""


class StoreError(UserError):
    """A result folder cannot be used as asked (another spec's results, locked by another sweep...)."""
