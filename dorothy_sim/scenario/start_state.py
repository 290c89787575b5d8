"""The scenario's start state and external arrivals: ``start_date``, ``[start.<station>]`` and
``[[arrivals]]``.

A run may start from a given state instead of empty: places held and people waiting at any station
of the queues table (:data:`dorothy_sim.registry.QUEUES`: acute beds, reablement, community beds,
care homes, the discharge-delay stations...), and may feed any station with arrivals from outside the
cohort (Poisson, a daily rate, a weekday profile and an optional table of rates by date). Left out,
nothing changes: the run starts empty and only the cohort uses the stations. The model's side is
:mod:`dorothy_sim.model.external`; docs/model.md ("Starting from today's state; external arrivals")
says what each figure means.

Stations are looked up by their registry name, so a station added later (a plug-in service with a
queue) can be started and fed without any change here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, PrivateAttr, field_validator, model_validator

from dorothy_sim.registry import QUEUES, SERVICES
from dorothy_sim.scenario.schema import (
    WEEKDAY_NAMES,
    Capacity,
    FieldRule,
    Frozen,
    FrozenDict,
    LogNormal,
    Weight,
    _at_most,
    _Section,
)

MAX_PER_DAY = 10_000.0
_WHY_PER_DAY = ("ten thousand referrals a day to one station is far above any area's figure: a larger "
                "rate is a typo and would make millions of arrivals")
PerDay = Annotated[float, Field(ge=0.0, allow_inf_nan=False), _at_most(MAX_PER_DAY, _WHY_PER_DAY)]

OWN_STAY: dict[str, str] = {
    "acute_beds": "acute.background_los",
    "reablement": "reablement.episode_days",
    "home_care": "home_care.package_days",
    "community_beds": "community_beds.stay_days",
}
"""Each built-in station's own stay distribution (dotted path). Acute beds use the stay of admissions
from outside the cohort (``acute.background_los``): external people are not the cohort's crises. A
plug-in service's own is its section's ``stay_days``, if it has one. Any other station (rapid
response, discharge coordinators, mental-health liaison) needs ``stay_days`` given."""

PLACEMENTS: frozenset[str] = frozenset({"care_homes"})
"""Stations that offer placements (a number a week), not places held for a stay: people can wait
for them and arrive at them, but none is 'occupied' and no stay is drawn."""

RATES_COLUMNS = ("date", "per_day")


def known_stations() -> str:
    return ", ".join(QUEUES)


def _known_station(name: str) -> str:
    if name not in QUEUES:
        raise ValueError(f"unknown station {name!r}; known stations: {known_stations()}")
    return name


def _known_keys(table: dict[str, Any]) -> dict[str, Any]:
    for name in table:
        if name not in QUEUES:
            raise FieldRule((name,), f"unknown station {name!r}; known stations: {known_stations()}")
    return table


class Counts(_Section):
    """People at one ICP's station at the start."""

    occupied: Capacity = 0
    waiting: Capacity = 0


class StationStart(_Section):
    """One station at the start of the run (clock time 0, the start of the warm-up)."""

    occupied: Capacity = 0
    """Places held, an area total shared between ICPs in proportion to the station's places in each."""
    waiting: Capacity = 0
    """People waiting for a place, an area total shared as ``occupied``; served first come first
    served, each then for a whole stay."""
    by_icp: Frozen(dict[str, Counts]) | None = None
    """Instead of the area totals: the counts at each ICP's station, by ICP name."""
    stay_days: LogNormal | None = None
    """The stay distribution (required where the station has none of its own, see :data:`OWN_STAY`)."""


class Arrivals(_Section):
    """A stream of arrivals from outside the cohort at one station (referrals into a pathway)."""

    station: Annotated[str, AfterValidator(_known_station)]
    per_day: PerDay = 0.0
    """The mean arrivals a day, for the area (shared between ICPs as ``start`` places are, unless
    ``icp`` names one); on dates the ``rates_csv`` table covers, its rate instead."""
    weekday_profile: Annotated[tuple[Weight, ...], Field(min_length=7, max_length=7)] | None = None
    """Relative weights Monday to Sunday, scaled to a mean of 1 (left out: the same every day)."""
    rates_csv: str | None = None
    """A CSV table of daily rates (columns ``date,per_day``, one row a day, no gaps), a path
    relative to the scenario file; its dates must lie within the run (``start_date`` is needed)."""
    rates_sha256: str | None = None
    """The SHA-256 of the ``rates_csv`` file's bytes, filled in when the scenario is loaded: a saved
    scenario (``scenario.json`` of a run) names the table it ran with, and a table changed since then
    is refused, so a resumed run never mixes runs made with two tables."""
    icp: str | None = None
    """The one ICP these arrivals come to (left out: every ICP, in shares)."""
    stay_days: LogNormal | None = None
    """The stay distribution (required where the station has none of its own, see :data:`OWN_STAY`)."""

    _rates: tuple[tuple[dt.date, float], ...] = PrivateAttr(default=())

    @field_validator("rates_csv")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        return None if value is None else str(Path(value).expanduser().absolute())

    @model_validator(mode="after")
    def _read_rates(self) -> Arrivals:
        if self.weekday_profile is not None and max(self.weekday_profile) <= 0:
            raise FieldRule(("weekday_profile",), "needs at least one positive day")
        if self.rates_csv is not None:
            path = Path(self.rates_csv)
            self._rates = read_rates(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if self.rates_sha256 is None:
                object.__setattr__(self, "rates_sha256", digest)  # (a frozen section: set once, here)
            elif self.rates_sha256 != digest:
                raise FieldRule(("rates_sha256",), (
                    f"{path} has changed since this scenario was saved (its SHA-256 is {digest}, the "
                    f"scenario names {self.rates_sha256}); restore the table, or leave rates_sha256 out "
                    "to run with the table as it is now (in a new result folder)"))
        elif self.rates_sha256 is not None:
            raise FieldRule(("rates_sha256",), "is the fingerprint of a rates_csv table; there is none")
        return self

    @property
    def rates(self) -> tuple[tuple[dt.date, float], ...]:
        """The rates table as (date, per day), one row a day in order; empty without ``rates_csv``."""
        return self._rates


def read_rates(path: Path) -> tuple[tuple[dt.date, float], ...]:
    """A table of daily rates, checked: each problem names the file, the row and the column."""
    def problem(text: str) -> FieldRule:
        return FieldRule(("rates_csv",), f"{path}: {text}")

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise problem("the file does not exist (a relative path is read from the scenario file's "
                      "folder)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise problem(f"cannot be read as a text file ({exc})") from None
    reader = csv.reader(text.splitlines())
    header = [cell.strip() for cell in next(reader, [])]
    missing = [name for name in RATES_COLUMNS if name not in header]
    extra = [name for name in header if name not in RATES_COLUMNS]
    if missing or extra:
        raise problem(f"row 1 (the header) has columns {header}; it must have exactly the columns "
                      f"{', '.join(RATES_COLUMNS)}" + (f" (missing: {', '.join(missing)})" if missing else "")
                      + (f" (unknown: {', '.join(extra)})" if extra else ""))
    at = {name: header.index(name) for name in RATES_COLUMNS}
    rows: list[tuple[dt.date, float]] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise problem(f"row {number} has {len(row)} cells; the header has {len(header)}")
        raw_date, raw_rate = row[at["date"]].strip(), row[at["per_day"]].strip()
        try:
            when = dt.date.fromisoformat(raw_date)
            if len(raw_date) != 10:
                raise ValueError
        except ValueError:
            raise problem(f"row {number}, column 'date' = {raw_date!r}: not a date; "
                          "write YYYY-MM-DD") from None
        try:
            rate = float(raw_rate)
        except ValueError:
            rate = math.nan
        if not (math.isfinite(rate) and 0.0 <= rate <= MAX_PER_DAY):
            raise problem(f"row {number}, column 'per_day' = {raw_rate!r}: must be a number from 0 to "
                          f"{MAX_PER_DAY:.0f} ({_WHY_PER_DAY})")
        if rows:
            expected = rows[-1][0] + dt.timedelta(days=1)
            if when > expected:
                raise problem(f"row {number}, column 'date' = {raw_date}: a gap, no rate for {expected} to "
                              f"{when - dt.timedelta(days=1)}; give one row for every day")
            if when < expected:
                raise problem(f"row {number}, column 'date' = {raw_date}: not the day after the row before "
                              f"({rows[-1][0]}); dates must increase by one day a row")
        rows.append((when, rate))
    if not rows:
        raise problem("has a header but no rows; give one row a day")
    return tuple(rows)


FIELDS: dict[str, Any] = {
    "start_date": (dt.date | None, None),
    "start": (Annotated[Frozen(dict[str, StationStart]), AfterValidator(_known_keys)],
              Field(default_factory=FrozenDict)),
    "arrivals": (tuple[Arrivals, ...], ()),
}
"""The scenario's fields for a start state and external arrivals (the scenario schema adds them)."""

# ----------------------------------------------------------------------------- rules across sections

def station_stay(scenario: Any, name: str) -> LogNormal | None:
    """The station's own stay distribution (:data:`OWN_STAY`, or a plug-in section's ``stay_days``)."""
    if name in OWN_STAY:
        section, field = OWN_STAY[name].split(".")
        return getattr(getattr(scenario, section), field)
    service = next(s for s in SERVICES if s.name == name)
    own = getattr(getattr(scenario, service.section, None), "stay_days", None)
    return own if isinstance(own, LogNormal) else None


def area_capacity(scenario: Any, name: str) -> int | None:
    """The station's places (or placements a week) for the whole area, where the scenario says."""
    if name == "acute_beds":
        return sum(icp.acute_beds for icp in scenario.icps.values())
    service = next(s for s in SERVICES if s.name == name)
    if service.capacity is None:
        return None
    return getattr(getattr(scenario, service.section), service.capacity)


def check(scenario: Any) -> Any:
    """The rules across sections (a model validator of the scenario)."""
    if scenario.start_date is not None:
        weekday = WEEKDAY_NAMES[scenario.start_date.weekday()]
        if weekday != scenario.run.start_weekday:
            raise FieldRule(("start_date", "run.start_weekday"), (
                f"{scenario.start_date} is a {weekday.title()}, but run.start_weekday = "
                f"{scenario.run.start_weekday!r}; the results period starts on one day: set "
                f"run.start_weekday = \"{weekday}\" (or another start_date)"))
    for name, spec in scenario.start.items():
        _check_start(scenario, name, spec)
    for number, spec in enumerate(scenario.arrivals):
        _check_arrivals(scenario, number, spec)
    return scenario


def _check_start(scenario: Any, name: str, spec: StationStart) -> None:
    where = f"start.{name}"
    if spec.by_icp is not None:
        if spec.occupied or spec.waiting:
            raise FieldRule((f"{where}.by_icp", f"{where}.occupied"), (
                "give either the area totals (occupied, waiting) or by_icp, not both"))
        _check_icps(scenario, spec.by_icp, f"{where}.by_icp")
        occupied = sum(counts.occupied for counts in spec.by_icp.values())
        waiting = sum(counts.waiting for counts in spec.by_icp.values())
    else:
        occupied, waiting = spec.occupied, spec.waiting
    if name in PLACEMENTS:
        if occupied:
            raise FieldRule((f"{where}.occupied",), (
                f"{name} offers placements each week, not places held for a stay: give only waiting"))
    elif (occupied or waiting) and spec.stay_days is None and station_stay(scenario, name) is None:
        raise FieldRule((f"{where}.stay_days",), _stay_required(name))
    capacity = area_capacity(scenario, name)
    if capacity is not None and occupied > capacity and name not in PLACEMENTS:
        raise FieldRule((f"{where}.occupied",), (
            f"{occupied} places occupied is more than the station's {capacity} places"))
    if capacity == 0 and waiting:
        raise FieldRule((f"{where}.waiting",), (
            f"{waiting} people waiting at a station with no capacity would wait for ever; give it "
            "capacity, or no one waiting"))


def _check_arrivals(scenario: Any, number: int, spec: Arrivals) -> None:
    where = f"arrivals.{number}"
    if spec.icp is not None:
        _check_icps(scenario, {spec.icp: None}, f"{where}.icp")
    own = station_stay(scenario, spec.station)
    if spec.station not in PLACEMENTS and spec.stay_days is None and own is None:
        raise FieldRule((f"{where}.stay_days",), _stay_required(spec.station))
    if area_capacity(scenario, spec.station) == 0:
        raise FieldRule((f"{where}.station",), (
            f"{spec.station} has no capacity in this scenario, so no arrival could be served; give it "
            "capacity"))
    if spec.rates:
        if scenario.start_date is None:
            raise FieldRule(("start_date", f"{where}.rates_csv"), (
                "is required with a rates_csv table: the calendar date of the results period's first "
                "day, so the table's dates can be placed on the run's clock"))
        first, last = run_dates(scenario)
        low, high = spec.rates[0][0], spec.rates[-1][0]
        if low < first or high > last:
            outside = low if low < first else high
            row = 2 if low < first else len(spec.rates) + 1
            raise FieldRule((f"{where}.rates_csv",), (
                f"{spec.rates_csv}: row {row}, column 'date' = {outside}: outside the run, which runs from "
                f"{first} to {last} (start_date {scenario.start_date} less run.warmup_days, to the end "
                "of the results period)"))


def run_dates(scenario: Any) -> tuple[dt.date, dt.date]:
    """The dates of the run's first and last clock days (the warm-up's first day, the last day)."""
    run = scenario.run
    first = scenario.start_date - dt.timedelta(days=math.floor(run.warmup_days))
    days = math.ceil(run.warmup_days + run.results_days)
    return first, first + dt.timedelta(days=days - 1)


def _check_icps(scenario: Any, names: Iterable[str], where: str) -> None:
    unknown = sorted(set(names) - set(scenario.icps))
    if unknown:
        raise FieldRule((where,), f"names unknown ICP(s) {unknown}; ICPs are {sorted(scenario.icps)}")


def _stay_required(name: str) -> str:
    return (f"is required: the {name} station has no stay distribution of its own; give "
            "stay_days = { mean = DAYS, cv = CV }")


def resolve_paths(data: dict[str, Any], folder: Path) -> None:
    """Make each ``rates_csv`` of a scenario document (before validation) relative to ``folder``,
    the scenario file's own. A path is only ever read, never written."""
    arrivals = data.get("arrivals")
    if not isinstance(arrivals, list):
        return
    for item in arrivals:
        if isinstance(item, dict) and isinstance(item.get("rates_csv"), str):
            path = Path(item["rates_csv"]).expanduser()
            if not path.is_absolute():
                item["rates_csv"] = str(folder / path)


def cohort_off(scenario: Any) -> dict[str, Any]:
    """Overrides that leave the stations to external people alone: no crises, deaths, moves into
    long-term care, MDT risk referrals, admissions from outside the cohort (emergency or planned),
    home-care packages in place at the start or falls-prevention enrolments. The cohort is still
    built (its person-time is kept) but uses nothing, so one pathway can be studied on its own.
    In a scenario file, the same figures set to 0 do the same."""
    overrides: dict[str, Any] = {}
    for table in ("crises.rate_per_year", "crises.death_rate_per_year", "crises.ltc_entry_rate_per_year",
                  "mdt.risk_referral_rate_per_year"):
        for level in ("mild", "moderate", "severe"):
            overrides[f"{table}.{level}"] = 0.0
    for name in scenario.icps:
        overrides[f"icps.{name}.background_admissions_per_day"] = 0.0
        overrides[f"icps.{name}.elective_admissions_per_day"] = 0.0
    overrides["home_care.initial_occupancy"] = 0.0
    overrides["falls_prevention.places_per_year"] = 0
    return overrides
