"""Social-care assessment before onward care: the council's social workers and trusted assessors.

A person going home with support (pathway 1: reablement or a home-care package), to a community bed
(pathway 2) or to a care home (pathway 3) needs an assessment of their care needs before the place
can be arranged. Discharge to assess moves the pathway-1 assessment out of the bed: a share
``d2a_share`` of pathway-1 people leave without it (assessed at home afterwards, outside the model's
acute delays). Everyone else waits in the bed for an assessor's case slot and the assessment
(:mod:`~dorothy_sim.model.assessment`). Delayed days: ``delay_bed_days_social_care_assessment``.

This module is a plug-in service (``dorothy_sim.registry``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dorothy_sim.model import assessment
from dorothy_sim.model.delays import SOCIAL_CARE_ASSESSMENT
from dorothy_sim.model.discharge import HOME_CARE, REABLEMENT
from dorothy_sim.model.draws import duration, uniform
from dorothy_sim.scenario.schema import Probability

if TYPE_CHECKING:
    from dorothy_sim.model.journey import Crisis
    from dorothy_sim.model.model import DorothyModel

NAME = "social_care_assessment"
REASON = SOCIAL_CARE_ASSESSMENT


class Section(assessment.TeamSection):
    """The ``[social_care_assessment]`` section of a scenario (defaults: no team)."""

    d2a_share: Probability = 0.0
    """Of pathway-1 discharges: assessed at home after discharge (discharge to assess), not in the bed."""


uniform("sca_d2a")  # pathway 1: assessed at home after discharge (discharge to assess)?
duration("sca_days", lambda scenario: assessment.team_draw(NAME, scenario))


def build(env, scenario, services, cohort_sizes: list[int]) -> assessment.Team:
    return assessment.build_team(NAME, env, scenario, services, cohort_sizes)


def assessment_for(model: DorothyModel, crisis: Crisis, route: int, deadline: float):
    """The assessment this patient waits for in the bed before the route's place is arranged (a
    process step), or None (no team, or assessed at home under discharge to assess)."""
    team: assessment.Team = crisis.services.plugins[NAME]
    if not team.station.available:
        return None
    at_home = crisis.draw.sca_d2a < model.scenario.social_care_assessment.d2a_share
    if route in (REABLEMENT, HOME_CARE) and at_home:
        return None
    return assessment.assessment(model, crisis, team, crisis.days.sca_days, deadline)


def kpis(c: dict[str, float], capacity: dict[str, float], scenario, days: float) -> dict[str, float]:
    return assessment.team_kpis(NAME, "sca", c, capacity, scenario, days)
