"""Errors a user can cause and fix. The command line prints their message and exits with 2."""


class UserError(ValueError):
    """Something the user gave (a file, an option, a folder) cannot be used; the message says why."""


class ScenarioError(UserError):
    """A scenario, an override or an input file is invalid; the message says where and why."""


class SpecError(ScenarioError):
    """A sweep spec is invalid: the message names the file, the field, the value and what is allowed."""


class StoreError(UserError):
    """A result folder cannot be used as asked (another spec's results, locked by another sweep...)."""
