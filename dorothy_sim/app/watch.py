"""Watching a run: the sampled people's event log (:mod:`dorothy_sim.eventlog`) animated with vidigi,
each person an icon moving day by day along the pathway: home, a crisis, rapid response, A&E, the
virtual ward or an acute bed, the delay steps (medically fit, the assessments, the wait for the
onward place by route), then onward care (reablement, a home-care package, a community bed) and home
again."""

from __future__ import annotations

import pandas as pd

from dorothy_sim.errors import UserError

PLACES: tuple[tuple[str, str, int, int], ...] = (
    # In pathway order, three to a row from the top: home (with room above for its crowd) and the
    # virtual ward (above A&E, whose admissions it takes, and apart from home's crowd), the crisis,
    # the acute stay and its delay steps, the waits for each onward place, onward care. Places are 500
    # apart and queues wrap at 12 people (360 wide), so no queue reaches the next place's label.
    ("at_home", "At home", 50, 900),
    ("virtual_ward", "Virtual ward (instead of the bed, or after it)", 1050, 900),
    ("in_crisis", "A crisis: the call", 50, 750),
    ("rapid_response", "Rapid response", 550, 750),
    ("ed", "A&E", 1050, 750),
    ("acute_bed", "Acute bed", 50, 600),
    ("medically_fit", "Medically fit: discharge planning", 550, 600),
    ("social_care_assessment", "Social care assessment", 1050, 600),
    ("chc_assessment", "CHC assessment", 50, 450),
    ("waiting_reablement", "Waiting: reablement", 550, 450),
    ("waiting_home_care", "Waiting: home care", 1050, 450),
    ("waiting_community_bed", "Waiting: community bed", 50, 300),
    ("waiting_care_home", "Waiting: care home", 550, 300),
    ("reablement", "Reablement", 1050, 300),
    ("home_care", "Home-care package", 50, 150),
    ("in_community_bed", "Community bed", 550, 150),
)
"""Each state's or step's place in the picture, in pathway order: (event, label, x, y); queues build
to the right of it."""

SAME_PLACE = {"in_acute": "acute_bed"}
"""A state drawn at a step's place (moving into the acute bed comes with the ``acute_bed`` step)."""


def positions() -> pd.DataFrame:
    """Where vidigi draws each state (and, off the picture, where people leave)."""
    rows = [{"event": event, "label": label, "x": x, "y": y} for event, label, x, y in PLACES]
    rows += [{"event": "depart", "label": "Died or entered long-term care", "x": 1050, "y": 150}]
    return pd.DataFrame(rows)


def vidigi_log(events: pd.DataFrame, first_day: float, days: float) -> pd.DataFrame:
    """The event log as vidigi reads it, for ``days`` days from results day ``first_day``: each person
    arrives at the window's start in the state they were in, moves as the log says, and departs when
    they die or enter long-term care. Time is in days from the window's start."""
    end = first_day + days
    rows = []
    ordered = events.sort_values(["entity_id", "time"], kind="stable")
    for person, log in ordered.groupby("entity_id", sort=False):
        before = log[log["day"] <= first_day]
        if len(before) and before["event_type"].iloc[-1] == "arrival_departure":
            continue  # left before the window opened
        state = before["event"].iloc[-1] if len(before) else log["event"].iloc[0]
        rows.append((person, 0.0, "arrival", "arrival_departure"))
        rows.append((person, 0.0, SAME_PLACE.get(state, state), "queue"))
        for row in log[(log["day"] > first_day) & (log["day"] < end)].itertuples(index=False):
            if row.event_type == "arrival_departure":
                rows.append((person, row.day - first_day, "depart", "arrival_departure"))
                break
            event = SAME_PLACE.get(row.event, row.event)
            if event != rows[-1][2]:  # (a state that comes with its step: already there)
                rows.append((person, row.day - first_day, event, "queue"))
    return pd.DataFrame(rows, columns=["entity_id", "time", "event", "event_type"])


def animation(events: pd.DataFrame, first_day: float = 0.0, days: int = 90, height: int = 800):
    """A plotly figure (vidigi's ``animate_activity_log``): one frame a day."""
    try:
        from vidigi.animation import animate_activity_log
    except ImportError:
        raise UserError("the animation needs vidigi: pip install 'dorothy_sim[app]'") from None
    log = vidigi_log(events, first_day, days)
    if log.empty:
        raise UserError("no sampled person is in the model in that window; record more people")
    return animate_activity_log(
        log, positions(), simulation_time_unit="days", every_x_time_units=1, limit_duration=days,
        step_snapshot_max=50, wrap_queues_at=12, gap_between_entities=30, gap_between_queue_rows=35,
        plotly_height=height, entity_icon_size=18, text_size=14,
        frame_duration=300, frame_transition_duration=200, display_stage_labels=True, debug_mode=False,
        queue_direction="right", override_x_max=1500, override_y_max=1300)
