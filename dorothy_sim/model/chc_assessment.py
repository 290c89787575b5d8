"""NHS continuing healthcare (CHC) assessment before a care home or a community bed.

Some people leaving hospital for a care home (pathway 3) or a community bed (pathway 2) are assessed
for NHS continuing healthcare funding before the place is arranged (the national framework: a
checklist, then a full assessment by a multidisciplinary team). The share assessed in the bed is by
route (``p_care_home``, ``p_community_bed``); they wait for a CHC assessor's case slot and the
assessment (:mod:`~dorothy_sim.model.assessment`). Delayed days: ``delay_bed_days_chc_assessment``.

This module is a plug-in service (``dorothy_sim.registry``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dorothy_sim.model import assessment
from dorothy_sim.model.delays import CHC_ASSESSMENT
from dorothy_sim.model.discharge import CARE_HOME, COMMUNITY_BED
from dorothy_sim.model.draws import duration, uniform
from dorothy_sim.scenario.schema import Probability

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel

NAME = "chc_assessment"
REASON = CHC_ASSESSMENT


class Section(assessment.TeamSection):
    """The ``[chc_assessment]`` section of a scenario (defaults: no team)."""

    p_care_home: Probability = 0.0
    """Of discharges to a care home: assessed for continuing healthcare in the bed first."""
    p_community_bed: Probability = 0.0
    """Of discharges to a community bed: assessed for continuing healthcare in the bed first."""


uniform("chc_needed")  # pathways 2-3: assessed for continuing healthcare in the bed?
duration("chc_days", lambda scenario: assessment.team_draw(NAME, scenario))


def build(env, scenario, services, cohort_sizes: list[int]) -> assessment.Team:
    return assessment.build_team(NAME, env, scenario, services, cohort_sizes)


def assessment_for(model: DorothyModel, crisis: Crisis, route: int, deadline: float):
    """The CHC assessment this patient waits for in the bed (a process step), or None."""
    team: assessment.Team = crisis.services.plugins[NAME]
    if not team.station.available:
        return None
    section = model.scenario.chc_assessment
    share = {CARE_HOME: section.p_care_home, COMMUNITY_BED: section.p_community_bed}.get(route, 0.0)
    if crisis.draw.chc_needed >= share:
        return None
    return assessment.assessment(model, crisis, team, crisis.days.chc_days, deadline)


def kpis(c: dict[str, float], capacity: dict[str, float], scenario, days: float) -> dict[str, float]:
    return assessment.team_kpis(NAME, "chc", c, capacity, scenario, days)
