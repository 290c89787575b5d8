"""The services of the model, one declaration each: every list of services is derived from here.

A :class:`Service` names the scenario section that configures it, the capacity lever a sweep varies
and any further :class:`Lever` of its section (opening hours, say, with unit and range), the
overrides that switch it off (for the Local Care interventions), its cost KPI, the queue its station
keeps, its KPI prefix and the label reports and figures give it. From :data:`SERVICES` come the
capacity levers, every lever (:data:`LEVERS`, :data:`LEVER_RANGES`), ``INTERVENTIONS_OFF``, the
sections whose capacity is shared between ICPs, the queues table, the report's service names, the
interventions' cost KPIs and the tests' "no capacity" cases (``tests/test_registry.py`` fails if a
service is missing from any of them).

A service written as a module of its own (a *plug-in*, such as ``model/virtual_ward.py``) names
that module here; the model then builds its stations, runs its hooks in the journeys and adds its
KPIs without any other file changing (docs/architecture.md, "How to add a service").
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType, ModuleType
from typing import Any


@dataclass(frozen=True)
class Kpi:
    """A KPI every result table keeps: its name, unit, meaning and which way is better."""

    name: str
    unit: str
    meaning: str
    higher_is_better: bool | None = None


@dataclass(frozen=True)
class Lever:
    """A field of a service's section that a commissioner can change and a sweep can vary, besides
    its capacity: its name in the section, unit and allowed range (the scenario's schema enforces
    the same range; ``tests/test_registry.py`` checks that it does)."""

    field: str
    """The field of the service's section, e.g. ``shift_start_hour``."""
    unit: str
    low: float
    high: float
    meaning: str = ""


@dataclass(frozen=True)
class Service:
    """One service of the model."""

    name: str
    """The service's name in tables: its queue, its cost KPI (``cost_<name>_gbp``)."""
    label: str
    """What reports and figures call it."""
    section: str
    """The scenario section that configures it."""
    capacity: str | None = None
    """The capacity field of ``section`` that a sweep varies (an area total), or None."""
    shared: bool = True
    """Whether the capacity is an area total shared between ICPs (with optional ``allocation``)."""
    off: Mapping[str, Any] = field(default_factory=dict)
    """Dotted overrides that switch it off, for the Local Care interventions (empty for others)."""
    intervention: int | None = None
    """Its number among the eight Local Care interventions (seed 004), if it is one."""
    kpi_prefix: str = ""
    """The prefix of its KPIs (``rr`` for ``rr_utilisation_pct``...)."""
    queue: bool = False
    """Whether people can wait for it (a row of the queues table, in this order)."""
    costed: bool = True
    """Whether ``cost_<name>_gbp`` is among the interventions' own costs."""
    module: str | None = None
    """A plug-in service's module (``dorothy_sim.model.<module>``), see :func:`plugin`."""
    kpis: tuple[Kpi, ...] = ()
    """A plug-in service's KPIs (built-in services' KPIs are in :mod:`dorothy_sim.kpis`)."""
    levers: tuple[Lever, ...] = ()
    """Further levers of its section besides the capacity (hours of opening, say)."""

    @property
    def lever(self) -> str | None:
        """The capacity lever's dotted path, e.g. ``reablement.places``."""
        return f"{self.section}.{self.capacity}" if self.capacity else None

    @property
    def cost_kpi(self) -> str:
        return f"cost_{self.name}_gbp"

    def lever_paths(self) -> tuple[str, ...]:
        """The dotted paths of every lever of the service: its capacity first, then the others."""
        others = tuple(f"{self.section}.{lever.field}" for lever in self.levers)
        return ((self.lever,) if self.lever else ()) + others


HOURS = "hour of the day"


def _hours(opens: str, closes: str) -> tuple[Lever, Lever]:
    """Opening and closing hours as levers (0 and 24: round the clock; closing before opening:
    overnight)."""
    return (Lever(opens, HOURS, 0.0, 24.0, "opens at"),
            Lever(closes, HOURS, 0.0, 24.0, "closes at (opening at 0 and closing at 24: round the clock)"))


def _team_kpis(name: str, prefix: str, what: str) -> tuple[Kpi, ...]:
    """The KPIs of an assessment team (model/assessment.py)."""
    return (
        Kpi(f"{prefix}_assessments", "count", what, None),
        Kpi(f"{prefix}_wait_days_mean", "days", f"mean wait for an assessor ({what})", False),
        Kpi(f"{prefix}_utilisation_pct", "%", "assessors' case slots in use, share of slots", None),
        Kpi(f"cost_{name}_gbp", "GBP", "assessors commissioned x cost per assessor a year", False),
    )


SERVICES: tuple[Service, ...] = (
    Service("rapid_response", "Rapid response", "rapid_response", "clinicians", intervention=3,
            off={"rapid_response.clinicians": 0}, kpi_prefix="rr", queue=True,
            levers=_hours("shift_start_hour", "shift_end_hour")),
    Service("acute_beds", "Acute beds", "icps", shared=False, kpi_prefix="acute", queue=True,
            costed=False),
    Service("discharge", "Discharge coordinators", "discharge", "coordinators", intervention=7,
            off={"discharge.coordinators": 0}, kpi_prefix="discharge", queue=True),
    Service("reablement", "Reablement", "reablement", "places", kpi_prefix="reablement", queue=True),
    Service("home_care", "Home care", "home_care", "packages", intervention=2,
            off={"home_care.packages": 0}, kpi_prefix="home_care", queue=True),
    Service("community_beds", "Community beds", "community_beds", "beds", kpi_prefix="community_beds",
            queue=True),
    Service("mh_liaison", "Mental-health liaison", "mh_liaison", "staff", intervention=8,
            off={"mh_liaison.staff": 0}, kpi_prefix="mh_liaison", queue=True),
    Service("care_homes", "Care homes", "care_homes", "placements_per_week", kpi_prefix="care_homes",
            queue=True),
    Service("virtual_ward", "Virtual ward", "virtual_ward", "places", kpi_prefix="vw", queue=True,
            module="virtual_ward", kpis=(
                Kpi("vw_admissions", "count", "patients taken onto the frailty virtual ward", None),
                Kpi("vw_step_up", "count", "virtual-ward patients stepped up from rapid response or A&E "
                    "instead of an acute bed", True),
                Kpi("vw_step_down", "count", "virtual-ward patients stepped down early from an acute bed",
                    True),
                Kpi("vw_conversions", "count", "virtual-ward patients transferred to an acute bed", False),
                Kpi("vw_deaths", "count", "deaths on the virtual ward", False),
                Kpi("vw_bed_days", "place days", "virtual-ward places in use, days", None),
                Kpi("vw_utilisation_pct", "%", "virtual-ward places in use, share of places", None),
                Kpi("cost_virtual_ward_gbp", "GBP", "virtual-ward places commissioned x cost per place-day",
                    False))),
    Service("social_care_assessment", "Social-care assessment", "social_care_assessment", "assessors",
            kpi_prefix="sca", queue=True, module="social_care_assessment", kpis=_team_kpis(
                "social_care_assessment", "sca", "social-care assessments before onward care")),
    Service("chc_assessment", "Continuing-healthcare assessment", "chc_assessment", "assessors",
            kpi_prefix="chc", queue=True, module="chc_assessment", kpis=_team_kpis(
                "chc_assessment", "chc", "NHS continuing-healthcare assessments in the acute bed")),
    Service("mdt", "MDT", "mdt", "cases_per_week", intervention=5, off={"mdt.cases_per_week": 0},
            kpi_prefix="mdt"),
    Service("falls_prevention", "Falls prevention", "falls_prevention", "places_per_year", intervention=1,
            off={"falls_prevention.places_per_year": 0}, kpi_prefix="falls_prevention"),
    Service("spa", "Single point of access", "spa", "call_handlers", intervention=4,
            off={"spa.call_handlers": 0}, kpi_prefix="spa", queue=True, module="spa",
            levers=_hours("open_hour", "close_hour"), kpis=(
                Kpi("spa_calls", "count", "crisis calls made while the single point of access was open",
                    None),
                Kpi("spa_answered", "count", "crisis calls a call handler answered within the answer "
                    "time (routed to rapid response with the 'on' share)", True),
                Kpi("spa_answered_pct", "%", "calls made while open that a handler answered in time", True),
                Kpi("spa_utilisation_pct", "%", "call handlers busy, share of handler time while open", None),
                Kpi("cost_spa_gbp", "GBP", "call handlers x hours open x cost per handler-hour", False))),
    Service("expert_opinion", "Expert opinion", "expert_opinion", "clinicians", intervention=6,
            off={"expert_opinion.clinicians": 0}, kpi_prefix="expert_opinion", module="expert_opinion",
            levers=_hours("open_hour", "close_hour"), kpis=(
                Kpi("expert_opinion_calls", "count", "calls to the geriatrician advice line while open: A&E "
                    "about to admit, rapid response about to convey", None),
                Kpi("expert_opinion_answered", "count", "advice-line calls a geriatrician answered (free at "
                    "once)", True),
                Kpi("expert_opinion_answered_pct", "%",
                    "advice-line calls made while open that were answered", True),
                Kpi("expert_opinion_admissions_avoided", "count",
                    "answered A&E calls after which the person went home instead of being admitted", True),
                Kpi("expert_opinion_utilisation_pct", "%", "advice-line clinicians busy, share of their time "
                    "while open", None),
                Kpi("cost_expert_opinion_gbp", "GBP", "advice-line clinicians x hours open x cost per "
                    "clinician-hour", False))),
)
"""Every service, in the order of the queues table and of reports."""


CAPACITY_LEVERS: tuple[str, ...] = tuple(s.lever for s in SERVICES if s.lever and s.shared)
"""The capacity each service is bought in: a total for the whole area, at most its registered population."""

LEVERS: tuple[str, ...] = tuple(path for s in SERVICES for path in s.lever_paths())
"""Every lever of every service (capacities, then each service's further levers), as dotted paths."""

LEVER_RANGES: Mapping[str, Lever] = MappingProxyType({
    f"{s.section}.{lever.field}": lever for s in SERVICES for lever in s.levers})
"""The further levers (not capacities) by dotted path: unit and allowed range."""

SERVICE_SECTIONS: tuple[str, ...] = tuple(s.section for s in SERVICES if s.lever and s.shared)
"""The sections whose capacity is shared between ICPs (each may have an ``allocation`` table)."""

INTERVENTIONS_OFF: dict[str, Any] = {
    path: value for s in sorted(SERVICES, key=lambda s: s.intervention or 0)
    if s.intervention for path, value in s.off.items()}
"""Dotted overrides that switch all eight Local Care interventions off (the 'no Local Care' case)."""

QUEUES: tuple[str, ...] = tuple(s.name for s in SERVICES if s.queue)
"""Every queue a person can join, by the name tables give it."""

LABELS: Mapping[str, str] = MappingProxyType({s.kpi_prefix: s.label for s in SERVICES})
"""Report labels by KPI prefix (``rr`` -> "Rapid response")."""

INTERVENTION_COSTS: tuple[str, ...] = tuple(s.cost_kpi for s in SERVICES if s.costed)
"""The services' own cost KPIs: everything in ``cost_total_gbp`` except acute bed days and A&E
attendances, which are what the services are meant to save."""


def plugin(service: Service) -> ModuleType | None:
    """The module of a plug-in service (None for a service built into the model)."""
    return _module(service.module) if service.module else None


@cache
def _module(name: str) -> ModuleType:
    return importlib.import_module(f"dorothy_sim.model.{name}")


def plugins() -> tuple[ModuleType, ...]:
    """The modules of every plug-in service, in registry order."""
    return tuple(module for s in SERVICES if (module := plugin(s)) is not None)
