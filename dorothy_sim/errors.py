"""Errors a user can cause and fix. The command line prints their message and exits with 2."""


class ScenarioError(ValueError):
    """A scenario, an override or an input file is invalid; the message says where and why."""
