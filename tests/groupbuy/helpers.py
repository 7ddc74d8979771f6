"""Builders for group-buy tests: pickup points, buys in any state, orders."""

from datetime import timedelta

import sqlalchemy as sa

from portal.core.db import db, utcnow
from portal.groupbuy.models import BuyStatus, GroupBuy, Order
from portal.groupbuy.services.buys import BuyInput, create_buy
from portal.notifications.models import Notification
from portal.pickup.models import PickupKind, PickupPoint


def make_point(community, name="3栋自提点", kind=PickupKind.STATION, **fields) -> PickupPoint:
    point = PickupPoint(
        community_id=community.id,
        name=name,
        kind=kind,
        opening_hours=fields.pop("opening_hours", "每天 08:00–20:00"),
        **fields,
    )
    db.session.add(point)
    db.session.commit()
    return point


def make_buy(leader_membership, points, commit=True, **overrides) -> GroupBuy:
    """An open buy by the leader, deadline in a day unless given."""
    now = utcnow()
    deadline = overrides.pop("deadline", now + timedelta(days=2))
    typed_deadline = deadline if deadline > now else now + timedelta(hours=1)
    fields = {
        "title": "阳山水蜜桃",
        "unit": "斤",
        "unit_price_cents": 1280,
        "reference_price_cents": 1800,
        "min_quantity": 10,
        "stock_cap": None,
        "per_person_limit": None,
        "deadline": typed_deadline,
        "pickup_from": typed_deadline + timedelta(hours=12),
        "pickup_until": typed_deadline + timedelta(hours=36),
        "pickup_point_ids": [p.id for p in points],
        "commission_bp": 1000,
        "description": "今早 4 点采摘, 中午分拣, 17 点到自提点",
    }
    fields.update(overrides)
    buy = create_buy(leader_membership, BuyInput(**fields))
    if deadline != typed_deadline:
        buy.deadline = deadline  # past deadlines cannot be typed in; tests set them directly
    db.session.flush()
    if commit:
        db.session.commit()
    return buy


def pass_deadline(buy: GroupBuy) -> None:
    """Move the deadline into the past (as if time went by)."""
    buy.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()


def notifications(kind: str | None = None, user_id: int | None = None) -> list[Notification]:
    query = sa.select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    if user_id:
        query = query.where(Notification.user_id == user_id)
    return list(db.session.scalars(query))


def order_rows(buy_id: int) -> list[Order]:
    return list(db.session.scalars(sa.select(Order).where(Order.buy_id == buy_id).order_by(Order.id)))


def state(buy_id: int) -> GroupBuy:
    """The buy as committed now (ends the session's snapshot, so other writers' work shows)."""
    db.session.commit()
    return db.session.get(GroupBuy, buy_id)


__all__ = ["BuyStatus", "make_buy", "make_point", "notifications", "order_rows", "pass_deadline", "state"]
