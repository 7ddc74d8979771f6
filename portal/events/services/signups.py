"""Signing up for events within capacity, cancelling, and the waitlist and its promotion.

Seats are a limited thing: `events.places_taken` only ever changes through a conditional
UPDATE (`places_taken + n <= capacity`) whose row count says whether it worked. Every signup,
cancellation and capacity change first locks the event row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the request's BEGIN IMMEDIATE already serialises writers), so a
cancellation always sees every waitlisted signup committed before it and promotes in order,
in the same transaction, exactly once per freed place.
"""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.community.models import Membership
from portal.core import localtime
from portal.core.db import db
from portal.core.errors import DomainError
from portal.events.models import (
    ACTIVE_SIGNUP,
    Event,
    EventStatus,
    Signup,
    SignupStatus,
)
from portal.events.services.audience import in_audience
from portal.events.services.reading import event_link, live_signup
from portal.notifications.services import notify
from portal.points import services as points

log = logging.getLogger(__name__)

MAX_CAPACITY = 5000
MAX_COMPANIONS = 10



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


def move_status(signup: Signup, from_states, to_state: str, *conditions, **values) -> bool:
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
    if not move_status(
        signup, ACTIVE_SIGNUP, SignupStatus.CANCELLED, Signup.checked_in_at.is_(None), cancelled_at=now
    ):
        db.session.refresh(signup)
        if signup.checked_in_at is not None:
            raise DomainError(_l("You were checked in already."))
        raise DomainError(_l("This signup is no longer active."))
    refund_points(signup)
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
        if not move_status(candidate, [SignupStatus.WAITLISTED], SignupStatus.CONFIRMED, promoted_at=now):
            raise RuntimeError(f"signup {candidate.id} left the waitlist under the event lock")
        promoted.append(candidate)
        notify(
            candidate.user_id, "event_promoted", community_id=event.community_id, link=event_link(event),
            title=event.title, when=localtime.plain(event.starts_at),
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
        if not move_status(signup, [SignupStatus.WAITLISTED], SignupStatus.EXPIRED, cancelled_at=now):
            continue
        expired += 1
        refunded = refund_points(signup)
        event = signup.event
        notify(
            signup.user_id, "event_waitlist_expired_refund" if refunded else "event_waitlist_expired",
            community_id=event.community_id, link=event_link(event), title=event.title, points=refunded,
        )
    return expired


# --- points --------------------------------------------------------------------------------




def _charge(signup: Signup, amount: int) -> None:
    """Pay the event's points cost (DomainError when the balance is too low)."""
    try:
        points.spend(signup.user_id, signup.community_id, amount, "event_signup", ("event_signup", signup.id))
    except DomainError as error:
        raise DomainError(error.message, "companions") from error
    signup.points_paid = amount


def refund_points(signup: Signup) -> int:
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
