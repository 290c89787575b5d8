"""What the report calls things: display names of measures, services and factors, values as text,
the note on paired intervals, and how the report was made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from dorothy_sim._version import __version__
from dorothy_sim.areas import ICPS, TRUSTS, area_title, icp_name, trust_name  # noqa: F401 (re-exported)
from dorothy_sim.registry import LABELS
from dorothy_sim.sweep import SweepResults

RAW_TEXT = "raw count, not exposure-adjusted"
"""How the raw avoided-admissions count is labelled wherever it is shown beside the ranking measure."""

# Display names of the headline measures (the tidy tables keep the machine names).
TITLES: dict[str, str] = {
    "avoided_admissions_exposure_adjusted": "Avoided admissions (exposure-adjusted)",
    "avoided_admissions": f"Avoided admissions ({RAW_TEXT})",
    "days_at_home_gained": "Days at home gained (whole cohort)",
    "home_person_years": "Person-years at home",
    "admissions_per_1000_home_py": "Admissions per 1,000 person-years at home",
    **{f"admissions_per_1000_home_py_{level}": f"Admissions per 1,000 person-years at home, {level} frailty"
       for level in ("mild", "moderate", "severe")},
    "days_at_home_per_person": "Days alive and at home per person",
    **{f"days_at_home_per_person_{level}": f"Days alive and at home per person, {level} frailty"
       for level in ("mild", "moderate", "severe")},
    "bed_days_saved": "Bed days saved",
    "beds_released_at_85pct": "Beds released at 85% occupancy",
    "beds_released_at_92pct": "Beds released at 92% occupancy",
    "cost_change_gbp": "Cost change",
    "net_saving_gbp": "Net saving",
    "net_saving_nhs_gbp": "Net saving, NHS",
    "net_saving_council_gbp": "Net saving, councils",
    "net_saving_self_funded_gbp": "Net saving, self-funders",
    "capacity_released_gbp": "Capacity released (non-cash)",
    "cash_releasing_saving_gbp": "Cash-releasing saving",
    "net_saving_stp_view_gbp": "Net saving, STP view",
    "cost_per_avoided_admission_gbp": "Cost per avoided admission",
    "cost_per_day_at_home_gbp": "Cost per day at home gained",
    "acute_occupancy_mean_pct": "Acute occupancy, mean",
    "cost_total_gbp": "Total cost",
    "admissions": "Emergency admissions",
    "acute_bed_days": "Acute bed days",
    "admissions_per_1000": "Admissions per 1,000 a year",
    "bed_wait_hours_mean": "Wait for an acute bed, mean",
}
CI_TEXT = "95% CI over replications (simulation noise only)"
"""What every interval the report draws or prints is: the paired t interval over replications."""

WORDS: dict[str, str] = {"rr": "rapid-response", "mdt": "MDT", "mh": "mental-health", "icps": "ICPs",
                         "ed": "A&E", "spa": "SPA", "ltc": "long-term care", "los": "LOS",
                         "chc": "CHC", "nhs": "NHS", "gbp": "£", "pct": "%"}

PAIRED_NOTE = (
    "Every configuration was run with the same seeds as the baseline (replication r uses seed "
    "first seed + r), so both meet the same people and the same candidate crises: common random "
    "numbers. Each difference from the baseline (avoided admissions, days at home gained, bed days "
    "saved, beds released, cost change, net saving) is taken within a replication and then summarised, "
    "so its 95% confidence interval is a paired t interval over the n replications. It is much narrower "
    "than two separate intervals would suggest, because the noise both runs share cancels. An interval "
    "that excludes zero says the difference is unlikely to be the simulation's own randomness; it says "
    "nothing about whether the model's inputs are right. Configurations are ranked by avoided admissions, "
    "exposure-adjusted: the fall in admissions per person-year at home times the configuration's "
    "person-years at home. The raw count (baseline admissions minus the configuration's) is shown beside "
    "it but never ranks: crises happen only to people at home, so a configuration that keeps people "
    "stuck in hospital has fewer admissions without preventing any. Beds released are bed days saved "
    "divided by the results days times the target occupancy (85% or 92%).")


@dataclass(frozen=True)
class Made:
    """How the report was made, for the About sheet and the HTML page."""

    sweep: str
    report: str
    written_at: str


def how_made(results: SweepResults, command: str | None) -> Made:
    """The command that made the runs (as typed, when the folder recorded it), the report's
    ``command`` (or the tool and version), and the time."""
    made_by = results.command or ("dorothy sweep <spec> --out <folder>" if results.design not in
                                  ("run", "comparison") else "dorothy run")
    sweep = f"{made_by} ('{results.name}', hash {results.spec_hash}, seeds from {results.first_seed})"
    report = command or f"dorothy report DIR (dorothy_sim {__version__})"
    return Made(sweep, report, datetime.now(UTC).isoformat(timespec="seconds"))


def unit_label(unit: str) -> str:
    """The unit as a header shows it (GBP as £)."""
    return "£" if unit == "GBP" else unit


def pretty_path(path: str) -> str:
    """``rapid_response.clinicians`` -> ``Rapid response clinicians``: factor names for axis labels
    (the dotted path is shown beside them, as the spec spells it)."""
    words = [WORDS.get(word, word) for part in path.split(".") for word in part.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def service_name(kpi: str) -> str:
    key = kpi.removesuffix("_utilisation_pct")
    return LABELS.get(key, pretty_path(key))  # (service names by KPI prefix: the registry's)


def value_text(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"  # a switch (a true/false field) reads as on or off
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def replication_text(counts: pd.Series) -> str:
    low, high = int(counts.min()), int(counts.max())
    return f"{low} per configuration" if low == high else f"{low} to {high} per configuration"

