"""Joining a buy (race-free), changing or leaving it, and the waitlist.

Stock and the buy's counters change only through conditional UPDATEs whose WHERE clause is the
rule ("still open, before the deadline, within the stock cap"), so it holds however many
requests race for the last box. Services flush, never commit.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.core.db import begin_write, db, utcnow
from portal.core.errors import DomainError
from portal.groupbuy.models import (
    BuyStatus,
    GroupBuy,
    Order,
    OrderStatus,
    WaitlistEntry,
    WaitStatus,
)
from portal.groupbuy.services.buys import buy_link
from portal.notifications.services import notify


def _stock_guard_on() -> bool:
    return current_app.config.get("GROUPBUY_STOCK_GUARD", True)


def _check_joinable(buy: GroupBuy, now: datetime) -> None:
    if buy.status != BuyStatus.OPEN or buy.deadline <= now:
        raise DomainError(_l("This group buy is closed."))


def _check_person(user: User) -> None:
    if user.is_device:
        raise DomainError(_l("Screens and devices cannot order."))


def _check_quantity(buy: GroupBuy, quantity: int) -> None:
    if quantity < 1:
        raise DomainError(_l("Order at least 1."), "quantity")
    if buy.per_person_limit is not None and quantity > buy.per_person_limit:
        raise DomainError(
            _l("At most %(n)s %(unit)s per person.", n=buy.per_person_limit, unit=buy.unit), "quantity"
        )


def _choose_point(buy: GroupBuy, pickup_point_id: int | None) -> int:
    ids = [p.id for p in buy.pickup_points]
    if pickup_point_id is None and len(ids) == 1:
        return ids[0]
    if pickup_point_id not in ids:
        raise DomainError(_l("Choose one of this buy's pickup points."), "pickup_point")
    return pickup_point_id


def _next_reference(buy: GroupBuy) -> str:
    """GB<buy>-<nnnn>: the next number of this buy, taken with an atomic increment."""
    seq = db.session.execute(
        sa.update(GroupBuy)
        .where(GroupBuy.id == buy.id)
        .values(order_seq=GroupBuy.order_seq + 1)
        .returning(GroupBuy.order_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"GB{buy.id}-{seq:04d}"


def _lock_buy(buy: GroupBuy) -> None:
    """Row-lock the buy first (PostgreSQL; SQLite's write transaction is exclusive already), so
    every unit of work takes its locks in one order — buy, then orders — and none deadlock."""
    db.session.execute(sa.select(GroupBuy.id).where(GroupBuy.id == buy.id).with_for_update())


def _my_order_locked(buy: GroupBuy, user_id: int) -> Order | None:
    return db.session.scalar(
        sa.select(Order)
        .where(Order.buy_id == buy.id, Order.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _order_row(buy: GroupBuy, user_id: int, pickup_point_id: int) -> Order:
    """My order row in this buy, locked; created (not yet counted) if I never had one.

    Two identical submissions racing here end up with the same row: the unique (buy, user)
    constraint makes the second insert fail, and it then works on the first one's row.
    """
    order = _my_order_locked(buy, user_id)
    if order is not None:
        return order
    try:
        with db.session.begin_nested():
            order = Order(
                buy_id=buy.id,
                user_id=user_id,
                community_id=buy.community_id,
                reference=_next_reference(buy),
                quantity=0,
                status=OrderStatus.CANCELLED,
                pickup_point_id=pickup_point_id,
                unit_price_cents=buy.unit_price_cents,
            )
            db.session.add(order)
    except IntegrityError:
        order = _my_order_locked(buy, user_id)
        if order is None:
            raise
    return order


def _reserve(buy: GroupBuy, delta: int, new_participants: int, now: datetime) -> None:
    """Move the buy's counters by `delta` units, only while open and within the stock cap."""
    query = sa.update(GroupBuy).where(
        GroupBuy.id == buy.id, GroupBuy.status == BuyStatus.OPEN, GroupBuy.deadline > now
    )
    if delta > 0:
        query = query.where(
            sa.or_(GroupBuy.stock_cap.is_(None), GroupBuy.quantity_total + delta <= GroupBuy.stock_cap)
        )
    done = db.session.execute(
        query.values(
            quantity_total=GroupBuy.quantity_total + delta,
            participant_count=GroupBuy.participant_count + new_participants,
        ).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(buy)
    if not done:
        _check_joinable(buy, now)
        raise SoldOut(buy)


class SoldOut(DomainError):
    """Not enough left for the quantity asked; the page offers the waitlist."""

    def __init__(self, buy: GroupBuy):
        left = buy.remaining or 0
        if left:
            message = _l("Only %(n)s %(unit)s left.", n=left, unit=buy.unit)
        else:
            message = _l("Sold out: the buy is full.")
        super().__init__(message, "quantity")
        self.remaining = left


def _unguarded_check(buy: GroupBuy, user_id: int, quantity: int) -> None:
    """CONTROL ONLY (GROUPBUY_STOCK_GUARD=False): the naive check-then-act a race test must catch.

    Reads what is left in its own transaction, outside the write lock, and later adds to the
    counter without re-checking; concurrent joins then all pass the check and oversell.
    """
    db.session.rollback()
    total, cap = db.session.execute(
        sa.select(GroupBuy.quantity_total, GroupBuy.stock_cap).where(GroupBuy.id == buy.id)
    ).one()
    mine = (
        db.session.scalar(
            sa.select(Order.quantity).where(
                Order.buy_id == buy.id, Order.user_id == user_id, Order.status == OrderStatus.JOINED
            )
        )
        or 0
    )
    begin_write()
    if cap is not None and total + quantity - mine > cap:
        db.session.refresh(buy)
        raise SoldOut(buy)


def join_buy(
    user: User,
    buy: GroupBuy,
    quantity: int,
    note: str = "",
    pickup_point_id: int | None = None,
    show_building: bool = False,
) -> Order:
    """Join a buy, or change my quantity: the same submission twice leaves one order as asked.

    Raises SoldOut (a DomainError) when the stock cannot cover the increase.
    """
    now = utcnow()
    _check_person(user)
    _check_joinable(buy, now)
    _check_quantity(buy, quantity)
    point_id = _choose_point(buy, pickup_point_id)
    guarded = _stock_guard_on()
    if guarded:
        _lock_buy(buy)
    else:
        _unguarded_check(buy, user.id, quantity)
    order = _order_row(buy, user.id, point_id)
    had = order.quantity if order.status == OrderStatus.JOINED else 0
    delta = quantity - had
    if delta or not had:
        if guarded:
            _reserve(buy, delta, 0 if had else 1, now)
        else:
            _add_unchecked(buy, delta, 0 if had else 1)
    order.quantity = quantity
    order.status = OrderStatus.JOINED
    order.note = note.strip()[:200]
    order.pickup_point_id = point_id
    order.show_building = show_building
    order.unit_price_cents = buy.unit_price_cents
    order.updated_at = now
    _leave_waitlist_row(buy, user.id, now)
    db.session.flush()
    if delta < 0:
        promote_waitlist(buy)
    return order


def _add_unchecked(buy: GroupBuy, delta: int, new_participants: int) -> None:
    db.session.execute(
        sa.update(GroupBuy)
        .where(GroupBuy.id == buy.id)
        .values(
            quantity_total=GroupBuy.quantity_total + delta,
            participant_count=GroupBuy.participant_count + new_participants,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(buy)


def leave_buy(user: User, buy: GroupBuy) -> Order:
    """Cancel my order before the deadline; the freed quantity goes to the waitlist."""
    now = utcnow()
    _check_joinable(buy, now)
    _lock_buy(buy)
    order = _my_order_locked(buy, user.id)
    if order is None or order.status != OrderStatus.JOINED:
        raise DomainError(_l("You have not joined this buy."))
    _reserve(buy, -order.quantity, -1, now)
    order.status = OrderStatus.CANCELLED
    order.quantity = 0
    order.updated_at = now
    db.session.flush()
    promote_waitlist(buy)
    return order


# --- the waitlist --------------------------------------------------------------------------


def join_waitlist(
    user: User,
    buy: GroupBuy,
    quantity: int,
    note: str = "",
    pickup_point_id: int | None = None,
    show_building: bool = False,
) -> WaitlistEntry:
    """Wait for a full buy; promoted automatically when enough frees up (same submission: one entry)."""
    now = utcnow()
    _check_person(user)
    _check_joinable(buy, now)
    _check_quantity(buy, quantity)
    point_id = _choose_point(buy, pickup_point_id)
    if buy.stock_cap is None:
        raise DomainError(_l("This buy has no stock limit: just join."))
    _lock_buy(buy)
    if db.session.scalar(
        sa.select(Order.id).where(
            Order.buy_id == buy.id, Order.user_id == user.id, Order.status == OrderStatus.JOINED
        )
    ):
        raise DomainError(_l("You have joined this buy already."))
    entry = db.session.scalar(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.buy_id == buy.id, WaitlistEntry.user_id == user.id)
        .with_for_update()
    )
    counted = entry is not None and entry.status == WaitStatus.WAITING
    if entry is None:
        try:
            with db.session.begin_nested():
                entry = WaitlistEntry(
                    buy_id=buy.id, user_id=user.id, quantity=quantity, pickup_point_id=point_id
                )
                db.session.add(entry)
        except IntegrityError:
            entry = db.session.scalar(
                sa.select(WaitlistEntry)
                .where(WaitlistEntry.buy_id == buy.id, WaitlistEntry.user_id == user.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            counted = entry.status == WaitStatus.WAITING
    if not counted:
        _count_waiters(buy, +1)
        entry.created_at = now  # back of the queue
    entry.status = WaitStatus.WAITING
    entry.quantity = quantity
    entry.note = note.strip()[:200]
    entry.pickup_point_id = point_id
    entry.show_building = show_building
    db.session.flush()
    promote_waitlist(buy)  # something may have freed up meanwhile
    db.session.refresh(entry)
    return entry


def _count_waiters(buy: GroupBuy, delta: int) -> None:
    db.session.execute(
        sa.update(GroupBuy)
        .where(GroupBuy.id == buy.id)
        .values(waitlist_count=GroupBuy.waitlist_count + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(buy)


def _leave_waitlist_row(buy: GroupBuy, user_id: int, now: datetime, status=WaitStatus.LEFT) -> bool:
    left = db.session.execute(
        sa.update(WaitlistEntry)
        .where(
            WaitlistEntry.buy_id == buy.id,
            WaitlistEntry.user_id == user_id,
            WaitlistEntry.status == WaitStatus.WAITING,
        )
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if left:
        _count_waiters(buy, -1)
    return bool(left)


def leave_waitlist(user: User, buy: GroupBuy) -> None:
    """Stop waiting for a buy."""
    if not _leave_waitlist_row(buy, user.id, utcnow()):
        raise DomainError(_l("You are not on the waitlist."))
    db.session.flush()


def promote_waitlist(buy: GroupBuy) -> list[Order]:
    """Give freed quantity to the waitlist: the earliest entries that fit are promoted and told."""
    now = utcnow()
    promoted = []
    if buy.stock_cap is None or buy.status != BuyStatus.OPEN or buy.deadline <= now:
        return promoted
    waiting = db.session.scalars(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.buy_id == buy.id, WaitlistEntry.status == WaitStatus.WAITING)
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    ).all()
    for entry in waiting:
        if (buy.remaining or 0) <= 0:
            break
        if entry.quantity > (buy.remaining or 0):
            continue  # not eligible yet: a later, smaller entry may fit
        try:
            with db.session.begin_nested():  # an entry that cannot be served leaves no trace
                order = _order_row(buy, entry.user_id, entry.pickup_point_id)
                if order.status == OrderStatus.JOINED:
                    raise DomainError("joined already")
                _reserve(buy, entry.quantity, 1, now)
        except DomainError:
            db.session.refresh(buy)
            continue
        order.quantity = entry.quantity
        order.status = OrderStatus.JOINED
        order.note = entry.note
        order.show_building = entry.show_building
        order.pickup_point_id = entry.pickup_point_id
        order.unit_price_cents = buy.unit_price_cents
        order.updated_at = now
        _leave_waitlist_row(buy, entry.user_id, now, status=WaitStatus.PROMOTED)
        notify(
            entry.user_id,
            "gb_waitlist_promoted",
            community_id=buy.community_id,
            link=buy_link(buy.id),
            title=buy.title,
            qty=entry.quantity,
            unit=buy.unit,
        )
        promoted.append(order)
    db.session.flush()
    return promoted


