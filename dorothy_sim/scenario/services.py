"""The services a scenario buys, in one place: the sections that are services, the capacity each is
bought in, the overrides that switch the Local Care interventions off, and how an area's capacity is
shared between its ICPs.
"""

from __future__ import annotations

import math
from typing import Any

from dorothy_sim.floats import sum_left_to_right

CAPACITY_LEVERS: tuple[str, ...] = (
    "rapid_response.clinicians",
    "discharge.coordinators",
    "reablement.places",
    "home_care.packages",
    "community_beds.beds",
    "care_homes.placements_per_week",
    "mdt.cases_per_week",
    "falls_prevention.places_per_year",
    "mh_liaison.staff",
)
"""The capacity each service is bought in: a total for the whole area, at most its registered population."""

SERVICE_SECTIONS: tuple[str, ...] = (
    "rapid_response",
    "discharge",
    "reablement",
    "home_care",
    "community_beds",
    "care_homes",
    "mdt",
    "falls_prevention",
    "mh_liaison",
)

INTERVENTIONS_OFF: dict[str, Any] = {
    "falls_prevention.places_per_year": 0,
    "home_care.packages": 0,
    "rapid_response.clinicians": 0,
    "spa.enabled": False,
    "mdt.cases_per_week": 0,
    "expert_opinion.enabled": False,
    "discharge.coordinators": 0,
    "mh_liaison.staff": 0,
}
"""Dotted overrides that switch all eight Local Care interventions off (the 'no Local Care' case)."""


def apportion(total: int, weights: list[float]) -> list[int]:
    """Share an integer capacity between areas in proportion to weights (largest remainder).

    Why: commissioners buy a total; each ICP's station needs a whole number, and the parts must
    add up to exactly the total so a sweep over the total is honest.
    """
    weight = sum_left_to_right(weights)
    if total <= 0 or not weights or weight <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight for w in weights]
    floors = [math.floor(q) for q in quotas]
    remaining = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (quotas[i] - floors[i], weights[i]), reverse=True)
    for i in order[:remaining]:
        floors[i] += 1
    return floors
