"""The events sweep: reminders the day before, waitlists closed once an event has begun."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.core import localtime
from portal.core.db import db, utcnow
from portal.events.models import (
    Event,
    EventStatus,
    Signup,
    SignupStatus,
)
from portal.events.services.reading import event_link
from portal.events.services.signups import expire_waitlists
from portal.notifications.services import notify

log = logging.getLogger(__name__)


REMIND_AHEAD = timedelta(days=1)


def send_due_reminders(now: datetime) -> int:
    """Remind everyone confirmed for an event starting within a day, once each (the
    conditional UPDATE of `reminded_at` makes a second run, or a parallel one, send nothing).
    Returns how many were reminded. The caller owns the transaction."""
    due = db.session.scalars(
        sa.select(Signup)
        .join(Event, Event.id == Signup.event_id)
        .where(
            Signup.status == SignupStatus.CONFIRMED,
            Signup.reminded_at.is_(None),
            Event.status == EventStatus.OPEN,
            Event.starts_at > now,
            Event.starts_at <= now + REMIND_AHEAD,
        )
        .order_by(Signup.id)
    ).all()
    sent = 0
    for signup in due:
        claimed = db.session.execute(
            sa.update(Signup)
            .where(Signup.id == signup.id, Signup.reminded_at.is_(None),
                   Signup.status == SignupStatus.CONFIRMED)
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        event = signup.event
        notify(
            signup.user_id, "event_reminder", community_id=event.community_id, link=event_link(event),
            title=event.title, when=localtime.plain(event.starts_at), place=event.place,
        )
        sent += 1
    return sent


def run_periodic(now: datetime | None = None) -> dict:
    """The events sweep a scheduler runs: reminders, then waitlists of events that began.
    Owns its transaction (call outside a request)."""
    from portal.core.db import begin_write

    now = now or utcnow()
    begin_write()
    try:
        reminded = send_due_reminders(now)
        expired = expire_waitlists(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return {"reminded": reminded, "expired": expired}
