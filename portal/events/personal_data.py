"""A person's event signups and calendar feeds. Deleting the account cancels the signups for
events not yet begun through the events' own rule (points back, the waitlist promoted)."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.core.db import db, utcnow
from portal.core.personal_data import columns, latest
from portal.events.live import push_counts
from portal.events.models import ACTIVE_SIGNUP, CalendarFeed, Event, Signup
from portal.events.services.signups import cancel_signup


def export(user, limit: int | None = None) -> dict:
    signups = db.session.scalars(
        latest(
            sa.select(Signup).where(Signup.user_id == user.id).options(selectinload(Signup.event)),
            Signup.id,
            limit,
        )
    )
    feeds = db.session.scalars(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return {
        "signups": [
            {
                "event": s.event.title,
                "starts_at": columns(s.event, "starts_at")["starts_at"],
                **columns(
                    s, "places", "status", "points_paid", "created_at", "cancelled_at", "checked_in_at"
                ),
            }
            for s in signups
        ],
        "calendar_feeds": [columns(f, "created_at") for f in feeds],
    }


def erase(user) -> None:
    now = utcnow()
    live = db.session.scalars(
        sa.select(Signup)
        .join(Event, Event.id == Signup.event_id)
        .where(
            Signup.user_id == user.id,
            Signup.status.in_(ACTIVE_SIGNUP),
            Signup.checked_in_at.is_(None),
            Event.starts_at > now,
        )
        .order_by(Signup.id)
    ).all()
    for signup in live:
        cancel_signup(signup, now)
        push_counts(signup.event)
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
