"""Fulfilment: the goods arrive at the pickup point, orders are paid, a neighbour may collect
for someone (代取), and manned points offer pickup time slots. Pickup codes and 核销 are
pickup_codes.py.
"""


from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.people import Duty, staff_views
from portal.groupbuy.models import (
    ACTIVE_ORDER,
    BuyStatus,
    GroupBuy,
    Order,
    OrderStatus,
)
from portal.groupbuy.services.closing import orders_in
from portal.groupbuy.services.pickup_codes import issue_pickup_code
from portal.notifications.services import notify
from portal.pickup.models import PickupSlot
from portal.pickup.services import give_back, on_slot_grid, slot_refusal, slot_starts, slots_at, take_place


def mark_arrived(buy: GroupBuy) -> list[Order]:
    """The goods are here: the buy becomes arrived and each order at a manned point gets its code.

    Orders at locker banks get theirs when the parcel is deposited (the lockers domain).
    """
    now = utcnow()
    done = db.session.execute(
        sa.update(GroupBuy)
        .where(GroupBuy.id == buy.id, GroupBuy.status == BuyStatus.SUCCEEDED)
        .values(status=BuyStatus.ARRIVED, arrived_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(buy)
    if not done:
        raise DomainError(_l("Only a buy that succeeded can be marked arrived."))
    issued = []
    for order in orders_in(buy, (OrderStatus.CONFIRMED,)):
        if order.pickup_point.is_manned:
            issue_pickup_code(order)
            issued.append(order)
    return issued


def set_paid(order: Order, paid: bool) -> Order:
    """The leader records that an order was paid (payment happens outside the portal)."""
    if order.status not in ACTIVE_ORDER:
        raise DomainError(_l("Only active orders can be marked paid."))
    db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.paid_at.is_(None) if paid else Order.paid_at.is_not(None))
        .values(paid_at=utcnow() if paid else None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    return order


def find_neighbour(community_id: int, phone: str) -> Membership | None:
    """An active member of the community (a person) by mobile number."""
    return db.session.scalar(
        sa.select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(
            User.phone == phone.strip(),
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            User.is_device.is_(False),
        )
    )


def delegate_pickup(order: Order, phone: str) -> Order:
    """Ask a neighbour (by mobile number) to collect my order (代取); they see the code.

    The answer is the same whoever has the number, so it never tells who lives here: the
    number is kept, and only a neighbour of this community who has it is told and may collect."""
    if order.status not in (OrderStatus.JOINED, OrderStatus.CONFIRMED, OrderStatus.READY):
        raise DomainError(_l("This order can no longer be handed to a neighbour."))
    if phone == order.user.phone:
        raise DomainError(_l("That is your own number."), "phone")
    neighbour = find_neighbour(order.community_id, phone)
    if order.delegate_phone == phone:
        return order
    order.delegate_phone = phone
    order.delegate_user_id = neighbour.user_id if neighbour is not None else None
    db.session.flush()
    if neighbour is not None:
        asker = staff_views(Duty.DELEGATE, neighbour, [order.user_id])
        notify(
            neighbour.user_id,
            "gb_delegated",
            community_id=order.community_id,
            link=f"/groupbuy/orders/{order.id}",
            name=asker[order.user_id].name,
            ref=order.reference,
            title=order.buy.title,
        )
    return order


def remove_delegate(order: Order) -> Order:
    """Collect it myself after all."""
    order.delegate_user_id = order.delegate_phone = None
    db.session.flush()
    return order


# --- pickup time slots --------------------------------------------------------------------


def offered_slots(order: Order) -> list[datetime]:
    """The slot start times offered to an order: its buy's pickup window at its point."""
    return slot_starts(order.pickup_point, order.buy.pickup_from, order.buy.pickup_until)


def slots_for(order: Order) -> list[tuple[datetime, int, bool]]:
    """(start, free places, is mine) for each slot offered to the order."""
    starts = offered_slots(order)
    existing = slots_at(order.pickup_point, starts)
    capacity = order.pickup_point.slot_capacity
    return [
        (
            start,
            existing[start].free if start in existing else capacity,
            start in existing and existing[start].id == order.slot_id,
        )
        for start in starts
    ]


def _lock_order(order: Order) -> Order:
    query = sa.select(Order).where(Order.id == order.id).with_for_update()
    return db.session.scalar(query.execution_options(populate_existing=True))


def book_slot(order: Order, starts_at: datetime) -> PickupSlot:
    """Book a pickup time slot for an order (or move the booking); full, past and closed-hours
    slots are refused."""
    if order.status not in (OrderStatus.CONFIRMED, OrderStatus.READY):
        raise DomainError(_l("Slots can be booked once the buy has succeeded."))
    if not on_slot_grid(order.pickup_point, order.buy.pickup_from, order.buy.pickup_until, starts_at):
        raise DomainError(_l("Choose one of the offered times."), "slot")
    refusal = slot_refusal(order.pickup_point, starts_at)
    if refusal is not None:  # passed, or the point is closed then: a form posted by hand
        raise refusal
    order = _lock_order(order)
    if order.slot is not None and order.slot.starts_at == starts_at:
        return order.slot
    slot = take_place(order.pickup_point, starts_at)
    give_back(order.slot_id)
    order.slot_id = slot.id
    db.session.flush()
    return slot


def cancel_slot(order: Order) -> None:
    """Give the booked slot back."""
    order = _lock_order(order)
    give_back(order.slot_id)
    order.slot_id = None
    db.session.flush()
