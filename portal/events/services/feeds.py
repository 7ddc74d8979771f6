"""Calendar feeds: a member's private .ics address and the events it carries."""

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.community.models import Membership, MembershipStatus
from portal.core.db import db, utcnow
from portal.events.models import (
    CalendarFeed,
    Event,
)
from portal.events.services.audience import audience_clause

log = logging.getLogger(__name__)


def calendar_feed(membership: Membership, create: bool = True) -> CalendarFeed | None:
    """The member's private feed token for their community (made on first use)."""
    feed = db.session.scalar(
        sa.select(CalendarFeed).where(
            CalendarFeed.user_id == membership.user_id, CalendarFeed.community_id == membership.community_id
        )
    )
    if feed is None and create:
        feed = CalendarFeed(
            user_id=membership.user_id, community_id=membership.community_id, token=secrets.token_urlsafe(32)
        )
        db.session.add(feed)
        db.session.flush()
    return feed


def reset_calendar_feed(membership: Membership) -> CalendarFeed:
    """A new secret address; the old one stops working."""
    feed = calendar_feed(membership)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = utcnow()
    db.session.flush()
    return feed


def membership_for_feed(token: str) -> Membership | None:
    """The active membership a feed token belongs to, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        sa.select(Membership)
        .join(
            CalendarFeed,
            sa.and_(
                CalendarFeed.user_id == Membership.user_id,
                CalendarFeed.community_id == Membership.community_id,
            ),
        )
        .where(CalendarFeed.token == token, Membership.status == MembershipStatus.ACTIVE)
    )


def feed_events(membership: Membership, now: datetime) -> list[Event]:
    """What a member's calendar feed carries: their audience's events from 30 days back on."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(audience_clause(membership), Event.ends_at > now - timedelta(days=30))
            .order_by(Event.starts_at, Event.id)
            .limit(500)
        )
    )
