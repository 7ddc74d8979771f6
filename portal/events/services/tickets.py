"""Tickets: the signed link behind a ticket's QR code, and checking its holder in at the door
(once; `event_attended` announces it and points listen)."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from portal.core.db import db
from portal.core.errors import DomainError
from portal.core.signals import event_attended
from portal.events.models import (
    Signup,
    SignupStatus,
)

log = logging.getLogger(__name__)


CHECK_IN_OPENS = timedelta(hours=12)  # before the start


CHECK_IN_CLOSES = timedelta(hours=12)  # after the end


def _ticket_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="linli-event-ticket")


def ticket_token(signup: Signup) -> str:
    """The signed part of a ticket's link (its QR code)."""
    return _ticket_serializer().dumps([signup.id, signup.user_id])


def signup_for_ticket(token: str) -> Signup | None:
    """The signup a ticket link names, or None when the signature does not hold."""
    try:
        signup_id, user_id = _ticket_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    signup = db.session.get(Signup, signup_id) if isinstance(signup_id, int) else None
    if signup is None or signup.user_id != user_id:
        return None
    return signup


def check_in_problem(signup: Signup, now: datetime):
    """Why this signup cannot be checked in now, or None."""
    event = signup.event
    if event.is_cancelled:
        return _l("This event was cancelled.")
    if signup.status == SignupStatus.WAITLISTED:
        return _l("Still on the waitlist: no place yet.")
    if signup.status != SignupStatus.CONFIRMED:
        return _l("This signup was cancelled.")
    if now < event.starts_at - CHECK_IN_OPENS:
        return _l("Check-in opens on the day of the event.")
    if now > event.ends_at + CHECK_IN_CLOSES:
        return _l("The event is over.")
    return None


def check_in(signup: Signup, by_user_id: int, now: datetime) -> bool:
    """Mark a confirmed signup as attended, once; announces `event_attended` (points listen).
    Returns False when it was checked in already."""
    problem = check_in_problem(signup, now)
    if problem:
        raise DomainError(problem)
    changed = db.session.execute(
        sa.update(Signup)
        .where(
            Signup.id == signup.id,
            Signup.status == SignupStatus.CONFIRMED,
            Signup.checked_in_at.is_(None),
        )
        .values(checked_in_at=now, checked_in_by_id=by_user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(signup)
    if changed != 1:
        return False
    event_attended.send(signup, user_id=signup.user_id, community_id=signup.community_id)
    return True
