"""A person's orders, waitlist places and the buys they lead.

Deleting the account keeps the orders (the leaders' and the community's accounts: the person's
name reads "Former resident" there) and the buys they led; it is refused while an order is still
open or a buy they lead is not yet handed out. Waitlist places are given up (the counts follow)
and nobody may collect an order on the person's behalf any more.
"""

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal.core.db import db, utcnow
from portal.core.personal_data import Blocker, columns, latest
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus, WaitlistEntry, WaitStatus
from portal.groupbuy.services.joining import _leave_waitlist_row

OPEN_ORDER = (OrderStatus.JOINED, OrderStatus.CONFIRMED, OrderStatus.READY)
NOT_HANDED_OUT = (OrderStatus.JOINED, OrderStatus.CONFIRMED, OrderStatus.READY)


def export(user, limit: int | None = None) -> dict:
    orders = db.session.scalars(
        latest(
            sa.select(Order)
            .where(Order.user_id == user.id)
            .options(selectinload(Order.buy), selectinload(Order.pickup_point)),
            Order.id,
            limit,
        )
    )
    waitlist = db.session.scalars(
        latest(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.user_id == user.id)
            .options(selectinload(WaitlistEntry.buy)),
            WaitlistEntry.id,
            limit,
        )
    )
    led = db.session.scalars(
        latest(sa.select(GroupBuy).where(GroupBuy.leader_id == user.id), GroupBuy.id, limit)
    )
    return {
        "orders": [
            {
                **columns(o, "reference"),
                "buy": o.buy.title,
                **columns(o, "quantity"),
                "unit": o.buy.unit,
                **columns(o, "unit_price_cents"),
                "total_cents": o.total_cents,
                **columns(o, "status", "note"),
                "pickup_point": o.pickup_point.name if o.pickup_point else None,
                "collected_by_someone_else": o.delegate_user_id is not None,
                **columns(o, "created_at", "paid_at", "collected_at"),
            }
            for o in orders
        ],
        "waitlist": [
            {"buy": w.buy.title, **columns(w, "quantity", "note", "status", "created_at", "decided_at")}
            for w in waitlist
        ],
        "buys_led": [
            columns(
                b, "id", "title", "status", "deadline", "participant_count", "quantity_total", "created_at"
            )
            for b in led
        ],
    }


def blockers(user) -> list[Blocker]:
    found = []
    open_orders = db.session.scalars(
        sa.select(Order)
        .where(Order.user_id == user.id, Order.status.in_(OPEN_ORDER))
        .options(selectinload(Order.buy))
        .order_by(Order.id)
    )
    for order in open_orders:
        found.append(
            Blocker(
                _(
                    "Your order %(reference)s (%(buy)s) is not collected yet: collect or leave it first.",
                    reference=order.reference,
                    buy=order.buy.title,
                ),
                url_for("groupbuy.order", order_id=order.id),
            )
        )
    waiting_orders = (
        sa.select(Order.id).where(Order.buy_id == GroupBuy.id, Order.status.in_(NOT_HANDED_OUT)).exists()
    )
    led = db.session.scalars(
        sa.select(GroupBuy)
        .where(
            GroupBuy.leader_id == user.id,
            sa.or_(
                GroupBuy.status.in_([BuyStatus.OPEN, BuyStatus.SUCCEEDED]),
                sa.and_(GroupBuy.status == BuyStatus.ARRIVED, waiting_orders),
            ),
        )
        .order_by(GroupBuy.id)
    )
    for buy in led:
        found.append(
            Blocker(
                _(
                    "You lead the group buy “%(title)s”, which is not finished: "
                    "hand it out or cancel it first.",
                    title=buy.title,
                ),
                url_for("groupbuy.detail", buy_id=buy.id),
            )
        )
    return found


def erase(user) -> None:
    now = utcnow()
    waiting = db.session.scalars(
        sa.select(GroupBuy)
        .join(WaitlistEntry, WaitlistEntry.buy_id == GroupBuy.id)
        .where(WaitlistEntry.user_id == user.id, WaitlistEntry.status == WaitStatus.WAITING)
    ).all()
    for buy in waiting:  # each buy's waitlist count goes down by one
        _leave_waitlist_row(buy, user.id, now)
    db.session.execute(sa.delete(WaitlistEntry).where(WaitlistEntry.user_id == user.id))
    db.session.execute(  # nor does anyone's order keep their number as its 代取
        sa.update(Order)
        .where(sa.or_(Order.delegate_user_id == user.id, Order.delegate_phone == user.phone))
        .values(delegate_user_id=None, delegate_phone=None)
        .execution_options(synchronize_session="fetch")
    )
