"""How an area's capacity is shared between its ICPs; the lists of services (sections, capacity
levers, the overrides that switch the Local Care interventions off) come from
:mod:`dorothy_sim.registry`.
"""

from __future__ import annotations

import math

from dorothy_sim.floats import sum_left_to_right
from dorothy_sim.registry import CAPACITY_LEVERS, INTERVENTIONS_OFF, SERVICE_SECTIONS  # noqa: E402,F401


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
