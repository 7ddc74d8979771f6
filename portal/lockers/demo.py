"""Demo lockers: three locker banks at the demo community's locker pickup point, its kiosk
screen and a few announcements. `flask serve` simulates these lockers (portal.lockers.runtime).
"""

import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.lockers.models import Announcement, Compartment, KioskDevice, Locker
from portal.lockers.services import rotate_credentials
from portal.pickup.models import PickupKind, PickupPoint

# (device id, name, layout: (compartment, size, cold))
DEMO_LOCKERS = [
    ("cuiping-3-a", "A柜", [(f"A{n:02d}", "SML"[n % 3], n >= 7) for n in range(1, 9)]),
    ("cuiping-3-b", "B柜", [(f"B{n:02d}", "SML"[n % 3], n >= 7) for n in range(1, 9)]),
    ("cuiping-3-c", "C柜", [(f"C{n:02d}", "ML"[n % 2], False) for n in range(1, 7)]),
]
DEMO_POINT = "3栋 智能柜自提点"
ANNOUNCEMENTS = [
    "冷藏格请在取件后随手关门，谢谢邻居们配合 🙏",
    "本周六上午 9:00–11:00 柜机例行维护，期间请到物业前台核销取货",
]


def locker_point(community) -> PickupPoint:
    """The community's locker pickup point (the group-buy demo's, or a new one)."""
    point = db.session.scalar(
        sa.select(PickupPoint)
        .where(PickupPoint.community_id == community.id, PickupPoint.kind == PickupKind.LOCKER)
        .order_by(PickupPoint.id)
    )
    if point is None:
        point = PickupPoint(
            community_id=community.id,
            name=DEMO_POINT,
            kind=PickupKind.LOCKER,
            address="3栋东侧 快递驿站旁",
            opening_hours="全天 24 小时",
        )
        db.session.add(point)
        db.session.flush()
    return point


def seed(community, people: dict) -> None:
    """Lockers, a kiosk screen and announcements for the demo community (once)."""
    if db.session.scalar(sa.select(Locker.id).where(Locker.device_id == DEMO_LOCKERS[0][0])):
        return
    point = locker_point(community)
    for device_id, name, layout in DEMO_LOCKERS:
        locker = Locker(community_id=community.id, pickup_point_id=point.id, device_id=device_id, name=name)
        db.session.add(locker)
        for comp, size, cold in layout:
            locker.compartments.append(Compartment(comp=comp, size=size, cold=cold))
        rotate_credentials(locker)  # `flask serve` gives the simulated lockers fresh ones anyway
    kiosk = _kiosk_user(community, people)
    if kiosk is not None and db.session.get(KioskDevice, kiosk.id) is None:
        db.session.add(KioskDevice(user_id=kiosk.id, pickup_point_id=point.id))
    for text in ANNOUNCEMENTS:
        db.session.add(Announcement(pickup_point_id=point.id, text=text, created_at=utcnow()))
    db.session.flush()


def _kiosk_user(community, people: dict):
    for user in people.values():
        if getattr(user, "is_device", False):
            return user
    from portal.accounts.models import User
    from portal.community.models import Membership

    return db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.roles.op("&")(int(Role.KIOSK)) != 0)
    )
