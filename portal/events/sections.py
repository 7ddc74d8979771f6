"""The community home's event cards (core/sections.py page "home.community"): what I signed up
for tomorrow (needs me now), and the next events meant for me (what is happening)."""

from datetime import datetime, time, timedelta

from flask_login import current_user

from portal.core import localtime
from portal.core.db import utcnow
from portal.core.sections import register_section
from portal.events.services.reading import my_events_between, my_signups, upcoming_for

CARD_ROWS = 3


def tomorrow_card(membership=None, **_):
    """Needs me now: the events I signed up for that start tomorrow; hidden when none."""
    tomorrow = localtime.today() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(), localtime.zone())
    signups = my_events_between(
        current_user.id, membership.community_id, start, start + timedelta(days=1), CARD_ROWS
    )
    return {"signups": signups} if signups else None


def next_card(membership=None, **_):
    """What is happening: the next events meant for me, my signups marked; an empty state."""
    now = utcnow()
    events = upcoming_for(membership, now, per_page=CARD_ROWS)
    return {"events": events, "mine": my_signups(current_user.id, [e.id for e in events]), "now": now}


def register() -> None:
    register_section(
        "home.community",
        "events/_home_tomorrow.html",
        tomorrow_card,
        order=8,
        name="tomorrow",
        live=("community", "notification"),
    )
    register_section(
        "home.community",
        "events/_home_next.html",
        next_card,
        order=40,
        name="events",
        live=("community", "notification"),
    )
