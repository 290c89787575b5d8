"""What the what-if page offers to download: the tables (CSV in a zip, Excel), the report (HTML, Word)
and the resolved scenario as TOML, from which ``dorothy run`` reruns the what-if exactly.

Each returns bytes; the report is the one ``dorothy report`` writes, from the same tables.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from dorothy_sim.report import write_report
from dorothy_sim.report.docx import write_docx
from dorothy_sim.report.labels import how_made
from dorothy_sim.report.workbook import write_workbook
from dorothy_sim.scenario import Scenario
from dorothy_sim.sweep import SweepResults


def tables_zip(results: SweepResults) -> bytes:
    """Every tidy table as CSV, in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, table in results.tables().items():
            archive.writestr(f"{stem}.csv", table.to_csv(index=False))
    return buffer.getvalue()


def workbook(results: SweepResults) -> bytes:
    """The report's Excel workbook."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(results, Path(folder) / f"{results.name}.xlsx", how_made(results, None))
        return path.read_bytes()


def html_report(results: SweepResults, command: str | None = None) -> bytes:
    """The report's self-contained HTML page (figures inline as SVG)."""
    with tempfile.TemporaryDirectory() as folder:
        write_report(results, Path(folder), command=command)
        return (Path(folder) / f"{results.name}.html").read_bytes()


def docx_report(results: SweepResults, command: str | None = None) -> bytes:
    """The report as a Word document."""
    with tempfile.TemporaryDirectory() as folder:
        return write_docx(results, Path(folder) / f"{results.name}.docx", command=command).read_bytes()


# --------------------------------------------------------------------------- the scenario as TOML


def scenario_toml(scenario: Scenario, note: str = "") -> str:
    """The resolved scenario, every parameter written out, as a TOML file that ``dorothy run
    --scenario FILE`` loads to the same scenario (fields left unset are left out, as in a file).
    ``note`` opens the file as comments (how it was made)."""
    data = scenario.model_dump(mode="python")
    lines = [f"# {line}" for line in note.splitlines()] if note else []
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list | tuple) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, list(value)))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, table in tables:
        lines += ["", f"[{_key(key)}]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items() if v is not None]
    for key, items in arrays:
        for item in items:
            lines += ["", f"[[{_key(key)}]]"]
            lines += [f"{_key(k)} = {_value(v)}" for k, v in item.items() if v is not None]
    return "\n".join(lines) + "\n"


_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _key(key: Any) -> str:
    text = str(key)
    return text if text and set(text) <= _BARE else json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
