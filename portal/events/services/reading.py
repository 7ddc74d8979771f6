"""What the event pages read: who may see an event, upcoming and past events, my signups,
the counts, the signups staff see."""

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.community.models import Membership, MembershipStatus, Role
from portal.core.db import db
from portal.core.paging import Page, page_of
from portal.core.people import name_search_clause
from portal.events.models import (
    ACTIVE_SIGNUP,
    Event,
    Signup,
    SignupStatus,
)
from portal.events.services.audience import audience_clause, in_audience, is_staff

log = logging.getLogger(__name__)


def can_see(event: Event, membership) -> bool:
    """Staff see every event of their community; residents those meant for them, or that
    they signed up for."""
    if membership is None or membership.community_id != event.community_id:
        return False
    if is_staff(membership) or in_audience(event, membership):
        return True
    return live_signup(event.id, membership.user_id) is not None


EVENTS_PAGE = 20


def upcoming_for(membership, now: datetime, page: int = 1, per_page: int = EVENTS_PAGE) -> Page:
    """A page of the events not yet over that the member is in the audience for, soonest first."""
    return page_of(
        sa.select(Event)
        .where(audience_clause(membership), Event.ends_at > now)
        .order_by(Event.starts_at, Event.id),
        page,
        per_page,
    )


def my_events_between(
    user_id: int, community_id: int, start: datetime, end: datetime, limit: int
) -> list[Signup]:
    """My live signups (with their events) for events starting in [start, end), soonest first."""
    return list(
        db.session.scalars(
            sa.select(Signup)
            .join(Event, Signup.event_id == Event.id)
            .where(
                Signup.user_id == user_id,
                Signup.community_id == community_id,
                Signup.status.in_(ACTIVE_SIGNUP),
                Event.starts_at >= start,
                Event.starts_at < end,
            )
            .options(selectinload(Signup.event))
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def past_for(membership, now: datetime, page: int = 1, per_page: int = 10) -> Page:
    """A page of the member's past events, latest first."""
    return page_of(
        sa.select(Event)
        .where(audience_clause(membership), Event.ends_at <= now)
        .order_by(Event.starts_at.desc(), Event.id.desc()),
        page,
        per_page,
    )


def community_events(community_id: int, *, upcoming: bool, now: datetime, page: int = 1) -> Page:
    """A page of a community's events (for admins): upcoming soonest first (EVENTS_PAGE), or past
    latest first (half as many)."""
    query = sa.select(Event).where(Event.community_id == community_id)
    if upcoming:
        query = query.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)
        return page_of(query, page, EVENTS_PAGE)
    query = query.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id.desc())
    return page_of(query, page, EVENTS_PAGE // 2)


def live_signup(event_id: int, user_id: int) -> Signup | None:
    """The person's confirmed or waitlisted signup for an event."""
    return db.session.scalar(
        sa.select(Signup).where(
            Signup.event_id == event_id, Signup.user_id == user_id, Signup.status.in_(ACTIVE_SIGNUP)
        )
    )


def latest_signup(event_id: int, user_id: int) -> Signup | None:
    """The person's most recent signup for an event, whatever its state."""
    return db.session.scalar(
        sa.select(Signup)
        .where(Signup.event_id == event_id, Signup.user_id == user_id)
        .order_by(Signup.id.desc())
        .limit(1)
    )


def my_signups(user_id: int, event_ids) -> dict[int, Signup]:
    """event id → the person's live signup, for marking a list of events."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Signup).where(
            Signup.user_id == user_id, Signup.event_id.in_(ids), Signup.status.in_(ACTIVE_SIGNUP)
        )
    )
    return {s.event_id: s for s in rows}


def waitlist_position(signup: Signup) -> int:
    """1 for the first in line."""
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Signup)
        .where(
            Signup.event_id == signup.event_id,
            Signup.status == SignupStatus.WAITLISTED,
            Signup.id < signup.id,
        )
    )
    return ahead + 1


@dataclass
class Counts:
    confirmed_people: int = 0
    confirmed_signups: int = 0
    waitlisted_people: int = 0
    waitlisted_signups: int = 0
    checked_in_people: int = 0
    checked_in_signups: int = 0
    cancelled_signups: int = 0


def counts_for(event_ids) -> dict[int, Counts]:
    """event id → how many people are signed up, waiting, checked in (and signups cancelled),
    for many events in one query."""
    ids = list(event_ids)
    result = {event_id: Counts() for event_id in ids}
    if not ids:
        return result
    rows = db.session.execute(
        sa.select(
            Signup.event_id,
            Signup.status,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(Signup.places), 0),
            sa.func.count(Signup.checked_in_at),
            sa.func.coalesce(
                sa.func.sum(sa.case((Signup.checked_in_at.is_not(None), Signup.places), else_=0)), 0
            ),
        )
        .where(Signup.event_id.in_(ids), Signup.status.in_([*ACTIVE_SIGNUP, SignupStatus.CANCELLED]))
        .group_by(Signup.event_id, Signup.status)
    )
    for event_id, status, n, people, checked_signups, checked_people in rows:
        counted = result[event_id]
        if status == SignupStatus.CONFIRMED:
            counted.confirmed_signups, counted.confirmed_people = n, people
            counted.checked_in_signups, counted.checked_in_people = checked_signups, checked_people
        elif status == SignupStatus.WAITLISTED:
            counted.waitlisted_signups, counted.waitlisted_people = n, people
        else:
            counted.cancelled_signups = n
    return result


def counts(event: Event) -> Counts:
    """How many people are signed up, waiting, and checked in."""
    return counts_for([event.id])[event.id]


def signups_of(event: Event, status: str | None = None) -> list[Signup]:
    """The event's signups (by state, or live ones), in order."""
    query = sa.select(Signup).where(Signup.event_id == event.id)
    query = query.where(Signup.status == status) if status else query.where(Signup.status.in_(ACTIVE_SIGNUP))
    return list(db.session.scalars(query.order_by(Signup.id)))


SIGNUPS_PAGE = 30
DOOR_RESULTS = 20  # names found at the door; a longer list means: type more of the name


def signups_page(event: Event, status: str, page: int = 1, per_page: int = SIGNUPS_PAGE) -> Page:
    """A page of the event's signups in one state, in order, with who signed up."""
    return page_of(
        sa.select(Signup)
        .where(Signup.event_id == event.id, Signup.status == status)
        .options(selectinload(Signup.user))
        .order_by(Signup.id),
        page,
        per_page,
    )


def door_search(event: Event, staff: Membership, search: str) -> Page:
    """The first DOOR_RESULTS confirmed signups whose name (as `staff` may see it) contains
    `search`, or whose mobile number ends with it (four digits at least)."""
    from portal.accounts.models import User

    matches = [name_search_clause(staff, search)]
    if search.isdigit() and len(search) >= 4:
        matches.append(User.phone.endswith(search))
    return page_of(
        sa.select(Signup)
        .join(User, User.id == Signup.user_id)
        .join(
            Membership, sa.and_(Membership.user_id == User.id, Membership.community_id == event.community_id)
        )
        .where(
            Signup.event_id == event.id,
            Signup.status == SignupStatus.CONFIRMED,
            sa.or_(*matches),
        )
        .options(selectinload(Signup.user))
        .order_by(Signup.id),
        1,
        DOOR_RESULTS,
    )


def event_link(event: Event) -> str:
    return f"/events/{event.id}"


def staff_user_ids(community_id: int) -> list[int]:
    """Admins and volunteers of a community (they watch attendance live)."""
    rows = db.session.execute(
        sa.select(Membership.user_id, Membership.roles).where(
            Membership.community_id == community_id, Membership.status == MembershipStatus.ACTIVE
        )
    )
    return [uid for uid, roles in rows if roles & (Role.ADMIN | Role.VOLUNTEER)]
