"""Notify people in-app; other domains register the kinds of message they send."""

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.core.db import db, utcnow
from portal.core.paging import Page, page_of
from portal.core.signals import notification_created
from portal.notifications.models import Notification

log = logging.getLogger(__name__)

MESSAGES = {
    "application_received": _l("%(name)s applied to join %(community)s."),
    "application_approved": _l("Welcome! Your application to join %(community)s was approved."),
    "application_rejected": _l("Your application to join %(community)s was not approved."),
    "invite_accepted": _l("%(name)s joined %(community)s through your invitation."),
    "roles_changed": _l("Your roles in %(community)s are now: %(roles)s."),
    "password_reset": _l("An administrator set a new password for your account."),
}


def register_messages(messages: dict) -> None:
    """Let a domain add its kinds of notification (kind → lazy text with %(name)s fields)."""
    MESSAGES.update(messages)


def notify(user_id: int, kind: str, *, community_id=None, link: str = "", **params):
    """Queue a notification for a person; pushed live after the transaction commits."""
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    notification = Notification(
        user_id=user_id, community_id=community_id, kind=kind, params=params, link=link
    )
    db.session.add(notification)
    db.session.flush()
    notification_created.send(notification, user_id=user_id)
    return notification


def message_for(notification: Notification) -> str:
    """The notification's text in the current language."""
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    try:
        return str(template) % notification.params
    except (KeyError, TypeError, ValueError):
        log.warning("notification %s has params that do not fit its text", notification.id)
        return str(template)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


NOTIFICATIONS_PAGE = 30


def recent_for(user_id: int, page: int = 1) -> Page:
    """A page of my notifications, newest first."""
    return page_of(
        sa.select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page,
        NOTIFICATIONS_PAGE,
    )


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the person read; returns how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
