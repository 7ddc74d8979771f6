"""Kiosk screens (自提点屏幕) at pickup points, their announcements, and what the live board shows:
the lockers and their compartments, open alarms, the orders ready for pickup (masked names)."""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.accounts.services import hash_password
from portal.community.models import Membership, MembershipStatus, Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.masking import mask_name
from portal.lockers.models import (
    Announcement,
    Compartment,
    KioskDevice,
    Locker,
    LockerAlarm,
)
from portal.lockers.services import new_password, push_board, setting
from portal.pickup.models import PickupPoint

# --- kiosk screens and their announcements ------------------------------------------------


def kiosk_login_suggestion() -> str:
    """A free 11-digit login number for a new kiosk account (199 + 8 digits)."""
    for _ in range(50):
        phone = f"199{secrets.randbelow(10**8):08d}"
        if not db.session.scalar(sa.select(User.id).where(User.phone == phone)):
            return phone
    raise RuntimeError("no free kiosk login number")


def create_kiosk(point: PickupPoint, name: str, phone: str, by_user: User) -> tuple[User, str]:
    """A device account (role kiosk, long session) that shows the board of `point`."""
    phone = (phone or "").strip()
    if db.session.scalar(sa.select(User.id).where(User.phone == phone)):
        raise DomainError(_l("This login number is taken. Choose another."), "phone")
    password = new_password()
    user = User(
        phone=phone,
        display_name=(name or "").strip()[:40] or point.name[:40],
        password_hash=hash_password(password),
        is_device=True,
        active_community_id=point.community_id,
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(
        Membership(
            user_id=user.id,
            community_id=point.community_id,
            roles=Role.KIOSK,
            status=MembershipStatus.ACTIVE,
            decided_by_id=by_user.id,
            decided_at=utcnow(),
        )
    )
    db.session.add(KioskDevice(user_id=user.id, pickup_point_id=point.id, created_by_id=by_user.id))
    db.session.flush()
    return user, password


def kiosks_of(community_id: int) -> list[KioskDevice]:
    return list(
        db.session.scalars(
            sa.select(KioskDevice)
            .join(PickupPoint, PickupPoint.id == KioskDevice.pickup_point_id)
            .where(PickupPoint.community_id == community_id)
            .order_by(KioskDevice.created_at)
        )
    )


def remove_kiosk(device: KioskDevice) -> None:
    """Retire a kiosk screen: its account and every session of it end."""
    from portal.accounts.models import LoginSession

    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == device.user_id))
    db.session.execute(
        sa.update(Membership)
        .where(Membership.user_id == device.user_id)
        .values(status=MembershipStatus.REMOVED)
    )
    db.session.delete(device)
    db.session.flush()


def kiosk_point_for(user) -> PickupPoint | None:
    """The pickup point a kiosk device account shows."""
    device = db.session.get(KioskDevice, user.id)
    return device.pickup_point if device else None


def add_announcement(point: PickupPoint, text: str, days: int | None, by_user: User) -> Announcement:
    """A line for the kiosk board of a pickup point, for some days or until removed."""
    text = " ".join((text or "").split())
    if not text:
        raise DomainError(_l("Write the announcement."), "text")
    expires = utcnow() + timedelta(days=days) if days else None
    announcement = Announcement(
        pickup_point_id=point.id, text=text[:200], created_by_id=by_user.id, expires_at=expires
    )
    db.session.add(announcement)
    db.session.flush()
    push_board(point.id, point.community_id)
    return announcement


def remove_announcement(announcement: Announcement, point: PickupPoint) -> None:
    db.session.delete(announcement)
    db.session.flush()
    push_board(point.id, point.community_id)


# --- what the board shows ------------------------------------------------------------------


def lockers_at(point_id: int) -> list[Locker]:
    return list(
        db.session.scalars(
            sa.select(Locker).where(Locker.pickup_point_id == point_id).order_by(Locker.name, Locker.id)
        )
    )


def open_alarms(
    *, point_id: int | None = None, community_id: int | None = None, locker_id: int | None = None
) -> list[LockerAlarm]:
    query = (
        sa.select(LockerAlarm)
        .join(Locker, Locker.id == LockerAlarm.locker_id)
        .where(LockerAlarm.resolved_at.is_(None))
    )
    if point_id is not None:
        query = query.where(Locker.pickup_point_id == point_id)
    if community_id is not None:
        query = query.where(LockerAlarm.community_id == community_id)
    if locker_id is not None:
        query = query.where(LockerAlarm.locker_id == locker_id)
    return list(db.session.scalars(query.order_by(LockerAlarm.raised_at.desc()).limit(50)))


def announcements_at(point_id: int, now: datetime | None = None) -> list[Announcement]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Announcement)
            .where(
                Announcement.pickup_point_id == point_id,
                sa.or_(Announcement.expires_at.is_(None), Announcement.expires_at > now),
            )
            .order_by(Announcement.created_at.desc())
            .limit(5)
        )
    )




def ready_orders(point_id: int) -> list[dict]:
    """Orders waiting at a pickup point: masked name, order number, where the parcel is."""
    from portal.groupbuy.models import Order, OrderStatus

    orders = db.session.scalars(
        sa.select(Order)
        .where(Order.pickup_point_id == point_id, Order.status == OrderStatus.READY)
        .options(selectinload(Order.user))
        .order_by(Order.code_issued_at.desc(), Order.id.desc())
        .limit(setting("KIOSK_READY_LIMIT"))
    ).all()
    places = (
        {
            order_id: (name, comp)
            for order_id, name, comp in db.session.execute(
                sa.select(Compartment.order_id, Locker.name, Compartment.comp)
                .join(Locker, Locker.id == Compartment.locker_id)
                .where(Compartment.order_id.in_([o.id for o in orders]))
            )
        }
        if orders
        else {}
    )
    return [
        {
            "reference": order.reference,
            "name": mask_name(order.user.display_name),
            "place": places.get(order.id),
            "since": order.code_issued_at,
        }
        for order in orders
    ]


def order_place(order_id: int) -> Compartment | None:
    """The compartment an order is in, if any (for the resident's order page)."""
    return db.session.scalar(sa.select(Compartment).where(Compartment.order_id == order_id))
