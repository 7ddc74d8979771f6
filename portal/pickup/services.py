"""Pickup points (自提点) and their time slots: where residents collect, when it is open, and
how many people a slot of a manned point takes (avoid crowds).

What is collected there, and by whom, is group buying's business (portal.groupbuy): it books
a place in a slot for an order with `take_place` and gives it back with `give_back`.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.community.models import Membership, MembershipStatus
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.localtime import local
from portal.pickup.hours import OpeningHours
from portal.pickup.hours import parse as parse_hours
from portal.pickup.models import PickupKind, PickupPoint, PickupSlot

MAX_SLOTS = 48  # slots offered in one pickup window (PICKUP_MAX_SLOTS)


# --- pickup points ------------------------------------------------------------------------


def points_of(community_id: int, only_active: bool = True) -> list[PickupPoint]:
    """The community's pickup points by name."""
    query = sa.select(PickupPoint).where(PickupPoint.community_id == community_id)
    if only_active:
        query = query.where(PickupPoint.active)
    return list(db.session.scalars(query.order_by(PickupPoint.name)))


def save_point(point: PickupPoint, **fields) -> PickupPoint:
    """Create or change a pickup point; names are unique within a community."""
    name = fields["name"].strip()
    clash = db.session.scalar(
        sa.select(PickupPoint.id).where(
            PickupPoint.community_id == point.community_id,
            PickupPoint.name == name,
            PickupPoint.id != (point.id or 0),
        )
    )
    if clash:
        raise DomainError(_l("Another pickup point has this name."), "name")
    if fields["kind"] not in set(PickupKind):
        raise DomainError(_l("Choose what kind of pickup point this is."), "kind")
    with_slots = fields["kind"] != PickupKind.LOCKER and (fields.get("slot_capacity") or 0) > 0
    hours = (fields.get("opening_hours") or "").strip()
    if with_slots and hours and parse_hours(hours) is None:
        raise DomainError(
            _l("Write the opening hours with times, like 每天 08:00–20:00: pickup times follow them."),
            "opening_hours",
        )
    host_id = fields.pop("host_user_id", None)
    if host_id is not None and not _is_member(host_id, point.community_id):
        raise DomainError(_l("The host must be a member of this community."), "host")
    for key, value in fields.items():
        setattr(point, key, value.strip() if isinstance(value, str) else value)
    point.name = name
    point.host_user_id = host_id
    if point.kind == PickupKind.LOCKER:
        point.slot_capacity = 0
    db.session.add(point)
    db.session.flush()
    return point


def _is_member(user_id: int, community_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user_id,
                Membership.community_id == community_id,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    )


# --- time slots ---------------------------------------------------------------------------


def _step(point: PickupPoint) -> timedelta:
    return timedelta(minutes=max(point.slot_minutes, 5))


def _aligned(moment: datetime, step: timedelta) -> datetime:
    """The first slot start at or after `moment`: on the hour, the half hour, … ."""
    minutes = step.total_seconds() / 60
    offset = moment.timestamp() / 60 % minutes
    if not offset:
        return moment
    return (moment + timedelta(minutes=minutes - offset)).replace(second=0, microsecond=0)


def on_slot_grid(point: PickupPoint, window_from: datetime, window_until: datetime, starts_at) -> bool:
    """Whether `starts_at` (an aware time, or anything a form sent) starts a slot of the pickup
    window at this point, past or not, open or not."""
    if not point.has_slots or not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        return False
    step = _step(point)
    return (
        window_from <= starts_at
        and starts_at + step <= window_until
        and _aligned(starts_at, step) == starts_at
    )


def slot_refusal(point: PickupPoint, starts_at: datetime, now: datetime | None = None) -> DomainError | None:
    """Why a slot of the grid cannot be booked: it has ended, or the point is closed for part of
    it (its opening hours, on the community's wall clock); None when it can."""
    if starts_at + _step(point) <= (now or utcnow()):
        return DomainError(_l("This pickup time has passed; choose a later one."), "slot")
    if not _open_for(opening_hours(point), point, starts_at):
        shown = " · ".join(line.strip() for line in point.opening_hours.splitlines() if line.strip())
        return DomainError(
            _l("The pickup point is closed at this time (open %(hours)s); choose another.", hours=shown),
            "slot",
        )
    return None


def opening_hours(point: PickupPoint) -> OpeningHours | None:
    """The point's opening hours as understood from its text (None: nothing to go by)."""
    return parse_hours(point.opening_hours)


def _open_for(hours: OpeningHours | None, point: PickupPoint, starts_at: datetime) -> bool:
    return hours is None or hours.covers(local(starts_at), local(starts_at + _step(point)))


def slot_starts(point: PickupPoint, window_from: datetime, window_until: datetime) -> list[datetime]:
    """The slot start times a pickup window offers at this point now, at most PICKUP_MAX_SLOTS:
    slot_minutes steps that begin on the hour, the half hour, …, that have not ended and lie
    within the point's opening hours; none at a point without slots."""
    if not point.has_slots:
        return []
    step, hours = _step(point), opening_hours(point)
    start = _aligned(max(window_from, utcnow() - step + timedelta(seconds=1)), step)
    limit = current_app.config.get("PICKUP_MAX_SLOTS", MAX_SLOTS)
    starts = []
    while start + step <= window_until and len(starts) < limit:
        if _open_for(hours, point, start):
            starts.append(start)
        start += step
    return starts


def slots_at(point: PickupPoint, starts: list[datetime]) -> dict[datetime, PickupSlot]:
    """The slot rows that exist for these starts (a slot gets its row at its first booking)."""
    if not starts:
        return {}
    query = sa.select(PickupSlot).where(
        PickupSlot.pickup_point_id == point.id, PickupSlot.starts_at.in_(starts)
    )
    return {slot.starts_at: slot for slot in db.session.scalars(query)}


def _ensure_slot(point: PickupPoint, starts_at: datetime) -> PickupSlot:
    """The slot row for this start, created once (a concurrent creator is tolerated)."""
    query = sa.select(PickupSlot).where(
        PickupSlot.pickup_point_id == point.id, PickupSlot.starts_at == starts_at
    )
    slot = db.session.scalar(query)
    if slot is None:
        try:
            with db.session.begin_nested():
                slot = PickupSlot(
                    pickup_point_id=point.id,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=point.slot_minutes),
                    capacity=point.slot_capacity,
                )
                db.session.add(slot)
        except IntegrityError:
            slot = db.session.scalar(query)
    return slot


def take_place(point: PickupPoint, starts_at: datetime) -> PickupSlot:
    """One place in the slot starting then (conditional UPDATE: a full slot is refused)."""
    slot = _ensure_slot(point, starts_at)
    taken = db.session.execute(
        sa.update(PickupSlot)
        .where(PickupSlot.id == slot.id, PickupSlot.booked < PickupSlot.capacity)
        .values(booked=PickupSlot.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise DomainError(_l("This time is fully booked; please choose another."), "slot")
    db.session.refresh(slot)
    return slot


def give_back(slot_id: int | None) -> None:
    """Free the place taken in a slot."""
    if slot_id:
        db.session.execute(
            sa.update(PickupSlot)
            .where(PickupSlot.id == slot_id, PickupSlot.booked > 0)
            .values(booked=PickupSlot.booked - 1)
            .execution_options(synchronize_session=False)
        )
