"""Events: who may see them, signups within capacity, the waitlist and its promotion, tickets,
check-in, reminders.

Seats are a limited thing: `events.places_taken` only ever changes through a conditional
UPDATE (`places_taken + n <= capacity`) whose row count says whether it worked. Every signup,
cancellation and capacity change first locks the event row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the request's BEGIN IMMEDIATE already serialises writers), so a
cancellation always sees every waitlisted signup committed before it and promotes in order,
in the same transaction, exactly once per freed place.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from portal.boards import services as boards
from portal.community.models import Building, Membership, MembershipStatus, Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.signals import event_attended
from portal.events.models import (
    ACTIVE_SIGNUP,
    Audience,
    CalendarFeed,
    Event,
    EventKind,
    EventStatus,
    Signup,
    SignupStatus,
)
from portal.notifications.services import notify, register_messages
from portal.points import services as points
from portal.points.services import register_reasons

log = logging.getLogger(__name__)

MAX_CAPACITY = 5000
MAX_COMPANIONS = 10
CHECK_IN_OPENS = timedelta(hours=12)  # before the start
CHECK_IN_CLOSES = timedelta(hours=12)  # after the end
REMIND_AHEAD = timedelta(days=1)

register_messages(
    {
        "event_promoted": _l("A place freed up: you are now signed up for “%(title)s” on %(when)s."),
        "event_cancelled": _l("“%(title)s” on %(when)s was cancelled."),
        "event_cancelled_refund": _l(
            "“%(title)s” on %(when)s was cancelled; your %(points)s points were refunded."
        ),
        "event_changed": _l("“%(title)s” changed: now %(when)s at %(place)s."),
        "event_reminder": _l("Reminder: “%(title)s” starts %(when)s at %(place)s. Bring your ticket."),
        "event_waitlist_expired": _l("“%(title)s” has begun and no place freed up for you."),
        "event_waitlist_expired_refund": _l(
            "“%(title)s” has begun and no place freed up for you; your %(points)s points were refunded."
        ),
    }
)


# --- time ----------------------------------------------------------------------------------


def community_timezone(community=None) -> ZoneInfo:
    """The time zone a community lives in (every community of this install shares one)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def local_date(moment: datetime, community=None) -> date:
    return moment.astimezone(community_timezone(community)).date()


def when_text(event: Event) -> str:
    """Start of an event in the community's time, for notification texts (language neutral)."""
    return event.starts_at.astimezone(community_timezone(event.community)).strftime("%Y-%m-%d %H:%M")


# --- audience ------------------------------------------------------------------------------


def group_ids_of(user_id: int, community_id: int) -> set[int]:
    """The mutual-aid groups a person belongs to in a community."""
    return boards.my_group_ids(community_id, user_id)


def groups_of_community(community_id: int) -> list[tuple[int, str]]:
    """(id, name) of the community's mutual-aid groups, for the audience choice."""
    return [(group.id, group.name) for group, _members in boards.groups(community_id)]


def is_staff(membership) -> bool:
    """Admins and volunteers run events (volunteers check people in)."""
    return membership is not None and (membership.has(Role.ADMIN) or membership.has(Role.VOLUNTEER))


def is_person(membership) -> bool:
    """A member who is a person, not a kiosk screen (screens never sign up)."""
    return membership is not None and bool(membership.roles & ~Role.KIOSK)


def in_audience(event: Event, membership) -> bool:
    """Whether the event is meant for this member: the whole community, their building, or a
    mutual-aid group they belong to."""
    if not is_person(membership) or not membership.is_active or membership.community_id != event.community_id:
        return False
    if event.audience == Audience.COMMUNITY:
        return True
    if event.audience == Audience.BUILDING:
        return event.building_id is not None and membership.building_id == event.building_id
    if event.audience == Audience.GROUP:
        return event.group_id in group_ids_of(membership.user_id, membership.community_id)
    return False


def audience_clause(membership):
    """SQL condition: events of the member's community meant for them."""
    if not is_person(membership):
        return sa.false()
    clauses = [Event.audience == Audience.COMMUNITY]
    if membership.building_id:
        clauses.append(
            sa.and_(Event.audience == Audience.BUILDING, Event.building_id == membership.building_id)
        )
    groups = group_ids_of(membership.user_id, membership.community_id)
    if groups:
        clauses.append(sa.and_(Event.audience == Audience.GROUP, Event.group_id.in_(groups)))
    return sa.and_(Event.community_id == membership.community_id, sa.or_(*clauses))


def can_see(event: Event, membership) -> bool:
    """Staff see every event of their community; residents those meant for them, or that
    they signed up for."""
    if membership is None or membership.community_id != event.community_id:
        return False
    if is_staff(membership) or in_audience(event, membership):
        return True
    return live_signup(event.id, membership.user_id) is not None


def help_needs_for(event: Event) -> list:
    """The open 互助日 help needs of a help day's date (the boards domain keeps them)."""
    return boards.open_help_needs_on(event.community_id, local_date(event.starts_at))


# --- reading -------------------------------------------------------------------------------


def upcoming_for(membership, now: datetime, limit: int = 50) -> list[Event]:
    """Events not yet over that the member is in the audience for, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(audience_clause(membership), Event.ends_at > now)
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def past_for(membership, now: datetime, limit: int = 20) -> list[Event]:
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(audience_clause(membership), Event.ends_at <= now)
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
        )
    )


def community_events(community_id: int, *, upcoming: bool, now: datetime, limit: int = 100) -> list[Event]:
    """All events of a community (for admins): upcoming soonest first, or past latest first."""
    query = sa.select(Event).where(Event.community_id == community_id)
    if upcoming:
        query = query.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)
    else:
        query = query.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id.desc())
    return list(db.session.scalars(query.limit(limit)))


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


def my_signups(user_id: int, community_id: int) -> dict[int, Signup]:
    """event id → the person's live signup, for marking lists."""
    rows = db.session.scalars(
        sa.select(Signup).where(
            Signup.user_id == user_id,
            Signup.community_id == community_id,
            Signup.status.in_(ACTIVE_SIGNUP),
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


def counts(event: Event) -> Counts:
    """How many people are signed up, waiting, and checked in."""
    rows = db.session.execute(
        sa.select(
            Signup.status,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(Signup.places), 0),
            sa.func.count(Signup.checked_in_at),
            sa.func.coalesce(
                sa.func.sum(sa.case((Signup.checked_in_at.is_not(None), Signup.places), else_=0)), 0
            ),
        )
        .where(Signup.event_id == event.id, Signup.status.in_(ACTIVE_SIGNUP))
        .group_by(Signup.status)
    )
    result = Counts()
    for status, n, people, checked_signups, checked_people in rows:
        if status == SignupStatus.CONFIRMED:
            result.confirmed_signups, result.confirmed_people = n, people
            result.checked_in_signups, result.checked_in_people = checked_signups, checked_people
        else:
            result.waitlisted_signups, result.waitlisted_people = n, people
    return result


def signups_of(event: Event, status: str | None = None, search: str = "") -> list[Signup]:
    """The event's signups (by state, or live ones), optionally searched by name, in order."""
    from portal.accounts.models import User

    query = sa.select(Signup).join(User, User.id == Signup.user_id).where(Signup.event_id == event.id)
    query = query.where(Signup.status == status) if status else query.where(Signup.status.in_(ACTIVE_SIGNUP))
    if search:
        like = f"%{search}%"
        query = query.where(sa.or_(User.display_name.ilike(like), User.phone.like(f"%{search}")))
    return list(db.session.scalars(query.order_by(Signup.id)))


# --- admins: create, edit, cancel ----------------------------------------------------------


@dataclass
class EventData:
    """What an admin fills in; times are aware UTC."""

    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime | None
    capacity: int
    max_companions: int = 2
    audience: str = Audience.COMMUNITY
    building_id: int | None = None
    group_id: int | None = None
    points_cost: int = 0
    kind: str = EventKind.EVENT
    photo: str | None = None  # None: keep the current one


def check_data(community_id: int, data: EventData) -> None:
    """Refuse inconsistent event data (DomainError naming the field)."""
    if data.ends_at <= data.starts_at:
        raise DomainError(_l("The end must come after the start."), "ends_at")
    if data.signup_deadline is not None and data.signup_deadline > data.starts_at:
        raise DomainError(_l("Signing up must close before the event starts."), "signup_deadline")
    if not 1 <= data.capacity <= MAX_CAPACITY:
        raise DomainError(_l("Between 1 and %(n)s places.", n=MAX_CAPACITY), "capacity")
    if not 0 <= data.max_companions <= MAX_COMPANIONS:
        raise DomainError(_l("Between 0 and %(n)s companions.", n=MAX_COMPANIONS), "max_companions")
    if data.points_cost < 0:
        raise DomainError(_l("Points cannot be negative."), "points_cost")
    if data.kind not in set(EventKind):
        raise DomainError(_l("Choose a kind of event."), "kind")
    if data.audience == Audience.BUILDING:
        building = db.session.get(Building, data.building_id) if data.building_id else None
        if building is None or building.community_id != community_id:
            raise DomainError(_l("Choose the building the event is for."), "building_id")
        data.group_id = None
    elif data.audience == Audience.GROUP:
        if data.group_id not in {gid for gid, _name in groups_of_community(community_id)}:
            raise DomainError(_l("Choose the mutual-aid group the event is for."), "group_id")
        data.building_id = None
    elif data.audience == Audience.COMMUNITY:
        data.building_id = data.group_id = None
    else:
        raise DomainError(_l("Choose who the event is for."), "audience")


def create_event(membership: Membership, data: EventData, now: datetime) -> Event:
    """A new event in the admin's community."""
    check_data(membership.community_id, data)
    if data.starts_at <= now:
        raise DomainError(_l("The event must start in the future."), "starts_at")
    event = Event(
        community_id=membership.community_id,
        created_by_id=membership.user_id,
        created_at=now,
        updated_at=now,
        capacity=data.capacity,
        places_taken=0,
        status=EventStatus.OPEN,
        sequence=0,
    )
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    return event


def _apply(event: Event, data: EventData) -> None:
    for name in (
        "title", "description", "place", "starts_at", "ends_at", "signup_deadline", "max_companions",
        "audience", "building_id", "group_id", "points_cost", "kind",
    ):
        setattr(event, name, getattr(data, name))
    if data.photo is not None:
        event.photo = data.photo


def update_event(event: Event, data: EventData, now: datetime) -> list[Signup]:
    """Change an event; a larger capacity promotes from the waitlist, a smaller one must still
    hold everyone confirmed; people signed up are told when the time or place changes.
    Returns the signups promoted."""
    event = lock_event(event.id)
    if event.is_cancelled:
        raise DomainError(_l("This event was cancelled."))
    check_data(event.community_id, data)
    if data.points_cost != event.points_cost and _has_live_signups(event):
        raise DomainError(_l("The points cost cannot change once people have signed up."), "points_cost")
    moved = (data.starts_at, data.ends_at, data.place) != (event.starts_at, event.ends_at, event.place)
    if data.capacity != event.capacity:
        changed = db.session.execute(
            sa.update(Event)
            .where(Event.id == event.id, Event.places_taken <= data.capacity)
            .values(capacity=data.capacity)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise DomainError(
                _l("%(n)s places are taken already; the capacity cannot be lower.", n=event.places_taken),
                "capacity",
            )
    _apply(event, data)
    event.updated_at = now
    if moved:
        event.sequence += 1
    db.session.flush()
    db.session.refresh(event)
    if moved:
        for signup in signups_of(event):
            notify(
                signup.user_id, "event_changed", community_id=event.community_id, link=_event_link(event),
                title=event.title, when=when_text(event), place=event.place,
            )
    return promote_waitlist(event, now)


def _has_live_signups(event: Event) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Signup)
            .where(Signup.event_id == event.id, Signup.status.in_(ACTIVE_SIGNUP))
        )
    )


def cancel_event(event: Event, now: datetime) -> int:
    """Cancel an event: everyone signed up or waiting is told and gets their points back.
    Returns how many signups were cancelled."""
    event = lock_event(event.id)
    if event.is_past(now):
        raise DomainError(_l("This event is over; it cannot be cancelled."))
    changed = db.session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.status == EventStatus.OPEN)
        .values(status=EventStatus.CANCELLED, cancelled_at=now, updated_at=now, places_taken=0,
                sequence=Event.sequence + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise DomainError(_l("This event was cancelled already."))
    db.session.refresh(event)
    signups = signups_of(event)
    for signup in signups:
        if not _set_status(signup, ACTIVE_SIGNUP, SignupStatus.CANCELLED, cancelled_at=now):
            continue
        refunded = _refund(signup)
        notify(
            signup.user_id, "event_cancelled_refund" if refunded else "event_cancelled",
            community_id=event.community_id, link=_event_link(event),
            title=event.title, when=when_text(event), points=refunded,
        )
    return len(signups)


# --- residents: sign up, cancel, the waitlist ----------------------------------------------


def lock_event(event_id: int) -> Event:
    """The event, locked for this transaction (FOR UPDATE; SQLite is already serialised)."""
    query = sa.select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if seat_guard():
        query = query.with_for_update()
    event = db.session.scalar(query)
    if event is None:
        raise DomainError(_l("This event does not exist."))
    return event


def seat_guard() -> bool:
    """Always on. Only the race test's control run turns it off, to show the test catches a
    naive read-then-write implementation."""
    return current_app.config.get("EVENTS_SEAT_GUARD", True)


def signup_closed_reason(event: Event, now: datetime):
    """Why nobody can sign up now, or None."""
    if event.is_cancelled:
        return _l("This event was cancelled.")
    if now >= event.deadline:
        return _l("Signing up has closed.")
    return None


def sign_up(event: Event, membership: Membership, companions: int, now: datetime) -> Signup:
    """Sign a member (and companions) up: confirmed when the places are free, otherwise into
    the waitlist. The points cost is paid now and refunded on cancellation."""
    event = lock_event(event.id)
    if not in_audience(event, membership):
        raise DomainError(_l("This event is not open to you."))
    reason = signup_closed_reason(event, now)
    if reason:
        raise DomainError(reason)
    if not 0 <= companions <= event.max_companions:
        raise DomainError(
            _l("You can bring up to %(n)s companions.", n=event.max_companions), "companions"
        )
    if live_signup(event.id, membership.user_id) is not None:
        raise DomainError(_l("You are signed up already."))
    places = 1 + companions
    if places > event.capacity:
        raise DomainError(_l("The event has only %(n)s places.", n=event.capacity), "companions")
    signup = Signup(
        event_id=event.id,
        community_id=event.community_id,
        user_id=membership.user_id,
        places=places,
        status=SignupStatus.WAITLISTED,
        created_at=now,
        points_paid=0,
    )
    db.session.add(signup)
    db.session.flush()
    if event.points_cost:
        _charge(signup, event.points_cost * places)
    if _take_places(event, places):
        signup.status = SignupStatus.CONFIRMED
    db.session.flush()
    return signup


def _take_places(event: Event, places: int) -> bool:
    """Take seats if they are free: one conditional UPDATE, the row count says whether it did."""
    if not seat_guard():
        return _take_places_unguarded(event, places)
    taken = db.session.execute(
        sa.update(Event)
        .where(
            Event.id == event.id,
            Event.status == EventStatus.OPEN,
            Event.places_taken + places <= Event.capacity,
        )
        .values(places_taken=Event.places_taken + places)
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


def _take_places_unguarded(event: Event, places: int) -> bool:
    """The naive version the race test's control runs: read, decide, write back."""
    confirmed = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Signup.places), 0)).where(
            Signup.event_id == event.id, Signup.status == SignupStatus.CONFIRMED
        )
    )
    if confirmed + places > event.capacity:
        return False
    db.session.execute(
        sa.update(Event).where(Event.id == event.id).values(places_taken=confirmed + places)
        .execution_options(synchronize_session=False)
    )
    return True


def _set_status(signup: Signup, from_states, to_state: str, *conditions, **values) -> bool:
    """A state transition that happens once: conditional UPDATE, row count checked."""
    changed = db.session.execute(
        sa.update(Signup)
        .where(Signup.id == signup.id, Signup.status.in_(list(from_states)), *conditions)
        .values(status=to_state, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        db.session.refresh(signup)
    return changed == 1


def cancel_signup(signup: Signup, now: datetime) -> list[Signup]:
    """A resident withdraws (before the start): points back, freed places go to the waitlist in
    order, in this same transaction. Returns the signups promoted."""
    event = lock_event(signup.event_id)
    db.session.refresh(signup)
    if event.has_started(now):
        raise DomainError(_l("The event has started; the signup can no longer be cancelled."))
    if signup.checked_in_at is not None:
        raise DomainError(_l("You were checked in already."))
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    # not checked in, even by a volunteer at this very moment (check-in takes no event lock)
    if not _set_status(
        signup, ACTIVE_SIGNUP, SignupStatus.CANCELLED, Signup.checked_in_at.is_(None), cancelled_at=now
    ):
        db.session.refresh(signup)
        if signup.checked_in_at is not None:
            raise DomainError(_l("You were checked in already."))
        raise DomainError(_l("This signup is no longer active."))
    _refund(signup)
    if not was_confirmed:
        return []
    freed = db.session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.places_taken >= signup.places)
        .values(places_taken=Event.places_taken - signup.places)
        .execution_options(synchronize_session=False)
    ).rowcount
    if freed != 1:
        raise RuntimeError(f"event {event.id}: places_taken below a confirmed signup's places")
    return promote_waitlist(event, now)


def promote_waitlist(event: Event, now: datetime) -> list[Signup]:
    """Give free places to waiting signups in the order they joined (a party too big for what
    is free is passed over, not dropped). Each promotion takes its seats by conditional UPDATE
    and flips the signup by conditional UPDATE, so it happens once. Caller holds the event lock."""
    if event.is_cancelled or event.has_started(now):
        return []
    promoted = []
    waiting = db.session.scalars(
        sa.select(Signup)
        .where(Signup.event_id == event.id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(Signup.id)
    ).all()
    for candidate in waiting:
        if not _take_places(event, candidate.places):
            if _free_places(event.id) == 0:
                break
            continue
        if not _set_status(candidate, [SignupStatus.WAITLISTED], SignupStatus.CONFIRMED, promoted_at=now):
            raise RuntimeError(f"signup {candidate.id} left the waitlist under the event lock")
        promoted.append(candidate)
        notify(
            candidate.user_id, "event_promoted", community_id=event.community_id, link=_event_link(event),
            title=event.title, when=when_text(event),
        )
    return promoted


def _free_places(event_id: int) -> int:
    return db.session.scalar(sa.select(Event.capacity - Event.places_taken).where(Event.id == event_id))


def expire_waitlists(now: datetime) -> int:
    """Events that have begun: whoever still waits is told, and gets their points back."""
    waiting = db.session.scalars(
        sa.select(Signup)
        .join(Event, Event.id == Signup.event_id)
        .where(Signup.status == SignupStatus.WAITLISTED, Event.starts_at <= now)
        .order_by(Signup.id)
    ).all()
    expired = 0
    for signup in waiting:
        if not _set_status(signup, [SignupStatus.WAITLISTED], SignupStatus.EXPIRED, cancelled_at=now):
            continue
        expired += 1
        refunded = _refund(signup)
        event = signup.event
        notify(
            signup.user_id, "event_waitlist_expired_refund" if refunded else "event_waitlist_expired",
            community_id=event.community_id, link=_event_link(event), title=event.title, points=refunded,
        )
    return expired


# --- points --------------------------------------------------------------------------------


register_reasons(
    {
        "event_signup": _l("Signed up for an event"),
        "event_refund": _l("Event points refunded"),
    }
)


def _charge(signup: Signup, amount: int) -> None:
    """Pay the event's points cost (DomainError when the balance is too low)."""
    try:
        points.spend(signup.user_id, signup.community_id, amount, "event_signup", ("event_signup", signup.id))
    except DomainError as error:
        raise DomainError(error.message, "companions") from error
    signup.points_paid = amount


def _refund(signup: Signup) -> int:
    """Give back what the signup paid; returns the amount."""
    amount = signup.points_paid
    if not amount:
        return 0
    points.refund(signup.user_id, signup.community_id, amount, "event_refund", ("event_signup", signup.id))
    db.session.execute(
        sa.update(Signup).where(Signup.id == signup.id).values(points_paid=0)
        .execution_options(synchronize_session=False)
    )
    signup.points_paid = 0
    return amount


# --- tickets and check-in ------------------------------------------------------------------


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


# --- reminders -----------------------------------------------------------------------------


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
            signup.user_id, "event_reminder", community_id=event.community_id, link=_event_link(event),
            title=event.title, when=when_text(event), place=event.place,
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


# --- calendar feeds ------------------------------------------------------------------------


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


def _event_link(event: Event) -> str:
    return f"/events/{event.id}"


def member_home(user_id: int, community_id: int) -> str:
    """"3栋 1单元": where a member lives, to recognise them at the door."""
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user_id, Membership.community_id == community_id)
    )
    if membership is None or membership.building is None:
        return ""
    return " ".join(p.name for p in (membership.building, membership.unit) if p is not None)


def staff_user_ids(community_id: int) -> list[int]:
    """Admins and volunteers of a community (they watch attendance live)."""
    rows = db.session.execute(
        sa.select(Membership.user_id, Membership.roles).where(
            Membership.community_id == community_id, Membership.status == MembershipStatus.ACTIVE
        )
    )
    return [uid for uid, roles in rows if roles & (Role.ADMIN | Role.VOLUNTEER)]
