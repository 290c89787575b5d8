"""Pydantic's validation errors as one message a person can act on: each problem names the dotted
field, the value and what is allowed, with a "did you mean" hint for a misspelt field."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from dorothy_sim.scenario.schema import FieldRule, Scenario

MAX_PROBLEMS_SHOWN = 12


def problems_of(exc: ValidationError) -> list[tuple[list[list[str]], str, bool]]:
    """(locations, message, whether the field is missing) for each of pydantic's errors.

    A rule across fields (:class:`FieldRule`) has the location of each field it names, the first
    first; any other error has one. Pydantic's echo of an element's error as "too short" on the
    whole list is dropped (the element's own error says it).
    """
    errors = exc.errors()
    # (a dict's key that fails is at [..., key, "[key]"]: named by the key's own path)
    locations = [[str(part) for part in err["loc"] if part != "[key]"] for err in errors]
    problems: list[tuple[list[list[str]], str, bool]] = []
    for err, loc in zip(errors, locations, strict=True):
        if err["type"] == "too_short" and any(
                len(other) > len(loc) and other[:len(loc)] == loc for other in locations):
            continue
        dotted = ".".join(loc) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        rule = (err.get("ctx") or {}).get("error")
        if isinstance(rule, FieldRule):
            problems.append(([[*loc, *field.split(".")] for field in rule.fields],
                             f"'{'.'.join([*loc, rule.fields[0]])}': {message}", False))
        elif err["type"] == "extra_forbidden":
            siblings = allowed_fields(loc[:-1])
            hint = difflib.get_close_matches(loc[-1], siblings, n=1)
            suggestion = f"; did you mean '{'.'.join(loc[:-1] + [hint[0]])}'?" if hint else ""
            allowed = f" Allowed here: {', '.join(siblings)}" if siblings and not hint else ""
            problems.append(([loc], f"unknown field '{dotted}'{suggestion}{allowed}", False))
        elif err["type"] == "missing":
            problems.append(([loc], f"field '{dotted}' is required but missing", True))
        elif isinstance(err.get("input"), dict) and err["type"] == "value_error":
            problems.append(([loc], f"'{dotted}': {message}", False))
        else:
            if err["type"] == "finite_number":
                message += " (NaN and infinity are not allowed here)"
            problems.append(([loc], f"field '{dotted}' = {err.get('input')!r}: {message}", False))
    return problems


def compose(source: str, kind: str, problems: list[tuple[int | None, str, str]]) -> str:
    """The message: ``FILE, line N: problem (note)`` for one problem; for several, a header and one
    ``- line N: problem (note)`` per line in the file's order (at most :data:`MAX_PROBLEMS_SHOWN`)."""
    def entry(line: int | None, note: str, text: str) -> str:
        return f"{f'line {line}: ' if line else ''}{text}{f' {note}' if note else ''}"

    # In the order of the file (pydantic's is the schema's), problems without a line last.
    problems = sorted(problems, key=lambda problem: (problem[0] is None, problem[0] or 0))
    if len(problems) == 1:
        line, note, text = problems[0]
        where = ", ".join(part for part in (source, f"line {line}" if line else "") if part)
        return f"{where + ': ' if where else ''}{text}{f' {note}' if note else ''}"
    shown = [f"  - {entry(*problem)}" for problem in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"  - ... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    return "\n".join([f"{source + ': ' if source else ''}invalid {kind} ({len(problems)} problems)", *shown])


def allowed_fields(loc: list[str]) -> list[str]:
    """Field names the schema allows at a location (for 'did you mean' hints)."""
    model: Any = Scenario
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        # A key that is not a field is an entry of a dict[str, Model] (icps.east_kent): the
        # model stays the dict's value model.
        if part in fields:
            model = model_in(fields[part].annotation)
        if model is None:
            return []
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields else []


def model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = model_in(arg)
        if found is not None:
            return found
    return None
