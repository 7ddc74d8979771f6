"""Organising events (admins): create, edit — people signed up hear of a new time or place —
and cancel, everyone told and refunded."""

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.community.models import Building, Membership
from portal.core import localtime
from portal.core.db import db
from portal.core.errors import DomainError
from portal.events.models import (
    ACTIVE_SIGNUP,
    Audience,
    Event,
    EventKind,
    EventStatus,
    Signup,
    SignupStatus,
)
from portal.events.services.audience import groups_of_community
from portal.events.services.reading import event_link, signups_of
from portal.events.services.signups import (
    MAX_CAPACITY,
    MAX_COMPANIONS,
    lock_event,
    move_status,
    promote_waitlist,
    refund_points,
)
from portal.notifications.services import notify

log = logging.getLogger(__name__)


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


STARTS_PAST = _l("Starts: must be in the future.")
ENDS_BEFORE_START = _l("Ends: must be after the start.")
SIGNUP_AFTER_START = _l("Signing up closes: must be before the event starts.")
SIGNUP_PAST = _l("Signing up closes: cannot be in the past.")
NO_BUILDING = _l("Building: choose the building the event is for.")
NO_GROUP = _l("Mutual-aid group: choose the group the event is for.")


def schedule_problems(
    starts_at: datetime | None,
    ends_at: datetime | None,
    signup_deadline: datetime | None,
    now: datetime | None = None,
    new: bool = False,
    current_deadline: datetime | None = None,
) -> list[DomainError]:
    """Every broken rule among an event's times, each beside its field; a time that is None
    (missing, or it did not parse) takes part in no rule, nor does `now` when it is None.

    A new event starts in the future; a deadline set (or moved) must still be ahead, one already
    past would close signing up the moment the event is saved (a deadline left as it was,
    `current_deadline`, may have passed). The form shows them all; the service refuses the first."""
    problems = []
    if new and now is not None and starts_at is not None and starts_at <= now:
        problems.append(DomainError(STARTS_PAST, "starts_at"))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(DomainError(ENDS_BEFORE_START, "ends_at"))
    if signup_deadline is not None and starts_at is not None and signup_deadline > starts_at:
        problems.append(DomainError(SIGNUP_AFTER_START, "signup_deadline"))
    elif (
        signup_deadline is not None
        and now is not None
        and signup_deadline != current_deadline
        and signup_deadline <= now
    ):
        problems.append(DomainError(SIGNUP_PAST, "signup_deadline"))
    return problems


def _refuse_first(problems: list[DomainError]) -> None:
    if problems:
        raise problems[0]


def check_data(community_id: int, data: EventData) -> None:
    """Refuse inconsistent event data (DomainError naming the field)."""
    _refuse_first(schedule_problems(data.starts_at, data.ends_at, data.signup_deadline))
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
            raise DomainError(NO_BUILDING, "building_id")
        data.group_id = None
    elif data.audience == Audience.GROUP:
        if data.group_id not in {gid for gid, _name in groups_of_community(community_id)}:
            raise DomainError(NO_GROUP, "group_id")
        data.building_id = None
    elif data.audience == Audience.COMMUNITY:
        data.building_id = data.group_id = None
    else:
        raise DomainError(_l("Choose who the event is for."), "audience")


def create_event(membership: Membership, data: EventData, now: datetime) -> Event:
    """A new event in the admin's community."""
    check_data(membership.community_id, data)
    _refuse_first(schedule_problems(data.starts_at, data.ends_at, data.signup_deadline, now, new=True))
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
    _refuse_first(
        schedule_problems(
            data.starts_at, data.ends_at, data.signup_deadline, now, current_deadline=event.signup_deadline
        )
    )
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
                signup.user_id, "event_changed", community_id=event.community_id, link=event_link(event),
                title=event.title, when=localtime.plain(event.starts_at), place=event.place,
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
        if not move_status(signup, ACTIVE_SIGNUP, SignupStatus.CANCELLED, cancelled_at=now):
            continue
        refunded = refund_points(signup)
        notify(
            signup.user_id, "event_cancelled_refund" if refunded else "event_cancelled",
            community_id=event.community_id, link=event_link(event),
            title=event.title, when=localtime.plain(event.starts_at), points=refunded,
        )
    return len(signups)
