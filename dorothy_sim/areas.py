"""Names of the areas results are broken down by: integrated care partnerships (ICPs) and the acute
trusts that serve them, as the embedded scenarios spell them (``dgs`` -> "Dartford, Gravesham and
Swanley", served by Dartford and Gravesham NHS Trust). A module of its own, light to import, because
the command line's printouts use it as well as the reports."""

from __future__ import annotations

from typing import Any

TRUSTS: dict[str, str] = {
    "EKHUFT": "East Kent Hospitals University NHS Foundation Trust",
    "DGT": "Dartford and Gravesham NHS Trust",
    "MFT": "Medway NHS Foundation Trust",
    "MTW": "Maidstone and Tunbridge Wells NHS Trust",
}
"""Acute trusts by the code a scenario's ``icps.<icp>.acute_trust`` gives."""


def _embedded_icps() -> dict[str, dict[str, Any]]:
    """The ICP tables of the embedded scenarios (label, acute trust), read from their TOML: the one
    place ICP names are written."""
    import tomllib
    from importlib import resources

    icps: dict[str, dict[str, Any]] = {}
    folder = resources.files("dorothy_sim.scenarios")
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            for code, table in (data.get("icps") or {}).items():
                if isinstance(table, dict):
                    icps.setdefault(code, table)
    return icps


ICPS: dict[str, dict[str, Any]] = _embedded_icps()


def icp_name(code: str) -> str:
    """``dgs`` -> ``Dartford, Gravesham and Swanley``; ``all`` -> ``Whole area``; an unknown code reads
    as words."""
    if code == "all":
        return "Whole area"
    table = ICPS.get(code, {})
    return str(table.get("label") or code.replace("_", " ").capitalize())


def trust_name(code: str) -> str:
    """The acute trust serving an ICP, as "Name (CODE)", or "" when unknown."""
    trust = str(ICPS.get(code, {}).get("acute_trust", ""))
    if not trust:
        return ""
    return f"{TRUSTS[trust]} ({trust})" if trust in TRUSTS else trust


def area_title(code: str) -> str:
    """An ICP with its trust, for panel titles: "Dartford, Gravesham and Swanley\\nDartford and
    Gravesham NHS Trust (DGT)"."""
    trust = trust_name(code)
    return icp_name(code) + (f"\n{trust}" if trust else "")


def area_label(code: str) -> str:
    """"Dartford, Gravesham and Swanley (DGT)": the ICP's name with its acute trust's code."""
    trust = str(ICPS.get(code, {}).get("acute_trust", ""))
    return icp_name(code) + (f" ({trust})" if trust and trust in TRUSTS else "")
