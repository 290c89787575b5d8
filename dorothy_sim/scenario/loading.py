"""Loading a scenario: embedded scenarios and TOML files, ``extends``, dotted-path overrides, and
validation against the schema with a message that says where to fix each problem.

An embedded scenario may ``extends = "<name>"`` another, so ``kent_medway.toml`` is the single place
where the Kent and Medway figures (and their sources) live. Any field can be overridden by its
dotted path (``rapid_response.clinicians=12``), which is how the command line and sweeps change a
scenario.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dorothy_sim.errors import ScenarioError
from dorothy_sim.scenario.messages import allowed_fields, compose, problems_of
from dorothy_sim.scenario.schema import Scenario
from dorothy_sim.scenario.start_state import resolve_paths
from dorothy_sim.toml_lines import describe_decode_error, key_lines, nearest


def embedded_scenarios() -> list[str]:
    """Names of the scenarios shipped inside the package."""
    folder = resources.files("dorothy_sim.scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


@dataclass(frozen=True)
class _Origins:
    """Where a scenario's values came from, so that a message can give the line to fix.

    ``files`` are (source, text) of the scenario file and then of the scenarios it ``extends``;
    ``overrides`` are (dotted path, how it was given) for values set on top (``--set``).
    """

    files: tuple[tuple[str, str], ...] = ()
    overrides: tuple[tuple[str, str], ...] = ()

    def locate(self, paths: list[list[str]], missing: bool = False) -> tuple[int | None, str]:
        """The line of the scenario file where the first of ``paths`` written there is, or no line
        and a note that says where the value came from instead (an override, or a scenario the file
        extends). Several paths: a rule across fields is located at whichever the user wrote."""
        for dotted, given in self.overrides:
            keys = dotted.split(".")
            for path in paths:
                common = min(len(keys), len(path))
                if path and keys[:common] == path[:common]:
                    return None, f"(from {given})"
        if not self.files:
            return None, ""
        found = [key_lines(text) for _, text in self.files]  # only when there is an error to report
        for path in paths:
            if tuple(path) in found[0]:
                return found[0][tuple(path)], ""
        if not missing:
            for (parent, _), lines in zip(self.files[1:], found[1:], strict=True):
                if tuple(paths[0]) in lines:
                    return None, f"(inherited from {parent} through extends)"
        table = nearest(found[0], paths[0])
        return (table[1], "") if table else (None, "")


def _read_toml(name_or_path: str | Path) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """Read a scenario file (a path) or an embedded scenario (a name), following ``extends``.

    Returns the merged document and the (source, text) of each file read, the named one first.
    """
    text, source = _scenario_text(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(describe_decode_error(source, exc, text)) from None
    files: tuple[tuple[str, str], ...] = ((source, text),)
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str) or parent not in embedded_scenarios():
            line = key_lines(text).get(("extends",))
            raise ScenarioError(
                f"{source}{f', line {line}' if line else ''}: extends = {parent!r} is not an embedded "
                f"scenario; allowed: {', '.join(embedded_scenarios())}"
            )
        base, inherited = _read_toml(parent)
        data = _deep_merge(base, data)
        files += inherited
    return data, files


def _scenario_text(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in str(name_or_path):
        if not path.is_file():
            hint = difflib.get_close_matches(path.stem, embedded_scenarios(), n=1)
            suggestion = (f"; did you mean the embedded scenario '{hint[0]}' (--scenario {hint[0]})?"
                          if hint else "")
            raise ScenarioError(f"scenario file '{path}' does not exist{suggestion}")
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"{path}: not a text file ({exc})") from None
    names = embedded_scenarios()
    if str(name_or_path) not in names:
        hint = difflib.get_close_matches(str(name_or_path), names, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ScenarioError(
            f"unknown scenario name '{name_or_path}'{suggestion}; embedded scenarios: "
            f"{', '.join(names)}; or give a path to a .toml file"
        )
    text = resources.files("dorothy_sim.scenarios").joinpath(f"{name_or_path}.toml").read_text(
        encoding="utf-8"
    )
    return text, f"embedded scenario '{name_or_path}'"


def load_scenario(
    name_or_path: str | Path = "kent_medway",
    overrides: dict[str, Any] | list[str] | None = None,
) -> Scenario:
    """Load an embedded scenario by name, or a TOML file by path, then apply dotted overrides.

    ``overrides`` is either ``{"rapid_response.clinicians": 12}`` or ``["rapid_response.clinicians=12"]``.
    Raises :class:`ScenarioError` with a message that names the file, the line, the field, the
    value and what is allowed (or, for a value set by an override or inherited through
    ``extends``, where it came from).
    """
    data, files = _read_toml(name_or_path)
    given: list[tuple[str, str]] = []
    if overrides:
        items = parse_assignments(overrides) if isinstance(overrides, list) else overrides
        if isinstance(overrides, list):
            given = [(item.split("=", 1)[0].strip(), f"--set {item.strip()}") for item in overrides]
        else:
            given = [(path, f"override {path}={value!r}") for path, value in items.items()]
        for path, value in items.items():
            set_dotted(data, path, value, source="--set")
    resolve_paths(data, _folder_of(name_or_path))
    return validate(data, source=files[0][0], origins=_Origins(files, tuple(given)))


def _folder_of(name_or_path: str | Path) -> Path:
    """Where a scenario's relative paths (``rates_csv``) start: its file's folder (the package's
    scenarios folder for an embedded scenario)."""
    path = Path(name_or_path)
    if path.is_file():
        return path.absolute().parent
    return Path(str(resources.files("dorothy_sim.scenarios")))


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """Parse ``PATH=VALUE`` strings; VALUE is read as TOML (numbers, booleans, lists), else text."""
    parsed: dict[str, Any] = {}
    for item in assignments:
        if "=" not in item:
            raise ScenarioError(f"--set '{item}': expected PATH=VALUE, e.g. rapid_response.clinicians=12")
        path, raw = (part.strip() for part in item.split("=", 1))
        if not path:
            raise ScenarioError(f"--set '{item}': the dotted path before '=' is empty")
        parsed[path] = _parse_value(raw)
    return parsed


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


_REPLACED_TABLES = {"icps", "allocation"}
"""Tables keyed by ICP name: a scenario that extends another replaces them whole, never merges. So is
a distribution of ``[uncertainty]`` (a table with ``dist``): another kind has other parameters."""


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if (
            isinstance(value, dict)
            and isinstance(merged.get(key), dict)
            and key not in _REPLACED_TABLES
            and "dist" not in value
        ):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def set_dotted(data: dict[str, Any], path: str, value: Any, source: str) -> None:
    """Set ``data[a][b][c] = value`` for path ``a.b.c``; unknown keys are errors with a hint.

    A last key that the file leaves out but the schema knows (an optional field such as
    ``acute.los_cap_days``) may be set; anything else unknown is refused here, before validation.
    """
    keys = path.split(".")
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        if isinstance(node, dict) and key in node and not isinstance(node[key], dict):
            walked = ".".join(keys[: depth + 1])
            detail = (f"'{walked}' is a value ({node[key]!r}), not a table, so '{path}' cannot be set; "
                      f"set '{walked}' itself")
            raise ScenarioError(f"{source}: {detail}", fields=(path,), detail=detail)
        if not isinstance(node, dict) or key not in node:
            _raise_unknown(node, keys[: depth + 1], source, value, rest=keys[depth + 1:])
        node = node[key]
    last = keys[-1]
    if last not in node and last not in allowed_fields(keys[:-1]):
        _raise_unknown(node, keys, source, value)
    node[last] = value


def _raise_unknown(node: Any, walked: list[str], source: str, value: Any,
                   rest: list[str] | None = None) -> None:
    options = sorted(node) if isinstance(node, dict) else []
    hint = difflib.get_close_matches(walked[-1], options, n=1)
    suggestion = (f"; did you mean '{'.'.join(walked[:-1] + [hint[0]] + (rest or []))}'?"
                  if hint else "")
    allowed = f"; allowed here: {', '.join(options)}" if options and not hint else ""
    detail = f"unknown field '{'.'.join(walked)}' (value {value!r}){suggestion}{allowed}"
    raise ScenarioError(f"{source}: {detail}", fields=(".".join(walked + (rest or [])),), detail=detail)


def validate(data: dict[str, Any], source: str, origins: _Origins | None = None) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _scenario_error(exc, source, origins or _Origins()) from None


def _scenario_error(exc: ValidationError, source: str, origins: _Origins) -> ScenarioError:
    """One ScenarioError for all of pydantic's errors: each names the dotted field, the value and
    what is allowed, with the line of the file it is written on (or where it came from)."""
    found = problems_of(exc)
    problems = [(*origins.locate(paths, missing), text) for paths, text, missing in found]
    fields = tuple(dict.fromkeys(".".join(path) for paths, _, _ in found for path in paths))
    return ScenarioError(compose(source, "scenario", problems), fields=fields,
                         detail=compose("", "scenario", problems))
