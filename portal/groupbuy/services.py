"""Group buying: opening buys, joining (race-free), the waitlist, closing at the deadline, fulfilment.

Stock and the buy's counters change only through conditional UPDATEs whose WHERE clause is the
rule ("still open, before the deadline, within the stock cap"); state transitions the same way,
so each happens once however many requests or sweepers race for it. Services flush, never commit.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.community.models import Membership, MembershipStatus, Role
from portal.core.db import begin_write, db, utcnow
from portal.core.errors import DomainError
from portal.core.uploads import delete_upload, save_image
from portal.groupbuy.models import (
    ACTIVE_ORDER,
    BuyPhoto,
    BuyStatus,
    Category,
    GroupBuy,
    Order,
    OrderStatus,
    WaitlistEntry,
    WaitStatus,
)
from portal.notifications.services import notify
from portal.pickup.models import PickupPoint
from portal.pickup.services import issue_pickup_code

log = logging.getLogger(__name__)

MAX_PHOTOS = 6
CLOSING_SOON = timedelta(hours=24)


@dataclass
class BuyInput:
    """What a leader fills in to open (or edit) a buy; prices in fen, times aware UTC."""

    title: str
    unit: str
    unit_price_cents: int
    min_quantity: int
    deadline: datetime
    pickup_from: datetime
    pickup_until: datetime
    pickup_point_ids: list[int]
    description: str = ""
    category: str = Category.FRESH
    reference_price_cents: int | None = None
    stock_cap: int | None = None
    per_person_limit: int | None = None
    commission_bp: int = 0
    batch_code: str = ""
    photos: list = field(default_factory=list)  # FileStorage objects


def _buy_link(buy_id: int) -> str:
    return f"/groupbuy/{buy_id}"


# --- opening, editing, cancelling ---------------------------------------------------------


def _check_input(data: BuyInput, community_id: int, now: datetime) -> list[PickupPoint]:
    if data.category not in set(Category):
        raise DomainError(_l("Choose a category."), "category")
    if data.deadline <= now:
        raise DomainError(_l("The deadline must be in the future."), "deadline")
    if data.pickup_from < data.deadline:
        raise DomainError(_l("Pickup can start only after the deadline."), "pickup_from")
    if data.pickup_until <= data.pickup_from:
        raise DomainError(_l("The pickup window must end after it starts."), "pickup_until")
    if data.stock_cap is not None and data.stock_cap < data.min_quantity:
        raise DomainError(_l("The stock cannot be smaller than the minimum to succeed."), "stock_cap")
    limit, cap = data.per_person_limit, data.stock_cap
    if limit is not None and cap is not None and limit > cap:
        raise DomainError(_l("The limit per person cannot exceed the stock."), "per_person_limit")
    if len(data.photos) > MAX_PHOTOS:
        raise DomainError(_l("At most %(n)s photos.", n=MAX_PHOTOS), "photos")
    points = list(
        db.session.scalars(
            sa.select(PickupPoint).where(
                PickupPoint.id.in_(data.pickup_point_ids or [0]),
                PickupPoint.community_id == community_id,
                PickupPoint.active,
            )
        )
    )
    if not points or len(points) != len(set(data.pickup_point_ids)):
        raise DomainError(_l("Choose at least one pickup point of this community."), "pickup_points")
    return points


def _apply_input(buy: GroupBuy, data: BuyInput, points: list[PickupPoint]) -> None:
    for name in (
        "title",
        "description",
        "category",
        "unit",
        "unit_price_cents",
        "reference_price_cents",
        "min_quantity",
        "stock_cap",
        "per_person_limit",
        "deadline",
        "pickup_from",
        "pickup_until",
        "commission_bp",
        "batch_code",
    ):
        setattr(buy, name, getattr(data, name))
    buy.pickup_points = points


def _store_photos(buy: GroupBuy, files) -> None:
    """Re-encode and attach photos; refuses the lot if one is not a picture."""
    if len(buy.photos) + len(files) > MAX_PHOTOS:
        raise DomainError(_l("At most %(n)s photos.", n=MAX_PHOTOS), "photos")
    stored = []
    try:
        for upload in files:
            stored.append(save_image(upload, "groupbuy"))
    except DomainError as error:
        for path in stored:
            delete_upload(path)
        raise DomainError(error.message, "photos") from error
    start = max((p.position for p in buy.photos), default=-1) + 1
    for offset, path in enumerate(stored):
        buy.photos.append(BuyPhoto(path=path, position=start + offset))


def create_buy(membership: Membership, data: BuyInput) -> GroupBuy:
    """A leader opens a buy in their community."""
    if not membership.has(Role.LEADER):
        raise DomainError(_l("Only group leaders can open a group buy."))
    points = _check_input(data, membership.community_id, utcnow())
    buy = GroupBuy(community_id=membership.community_id, leader_id=membership.user_id, status=BuyStatus.OPEN)
    _apply_input(buy, data, points)
    db.session.add(buy)
    _store_photos(buy, data.photos)
    db.session.flush()
    return buy


def editable(buy: GroupBuy) -> bool:
    """A buy can be edited while it is open and nobody has joined or is waiting."""
    return buy.status == BuyStatus.OPEN and buy.participant_count == 0 and buy.waitlist_count == 0


def update_buy(buy: GroupBuy, data: BuyInput) -> GroupBuy:
    """Change a buy before anyone joins; claims the row so a join cannot slip in between."""
    claimed = db.session.execute(
        sa.update(GroupBuy)
        .where(
            GroupBuy.id == buy.id,
            GroupBuy.status == BuyStatus.OPEN,
            GroupBuy.participant_count == 0,
            GroupBuy.waitlist_count == 0,
        )
        .values(order_seq=GroupBuy.order_seq)  # takes the row lock on PostgreSQL
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(buy)
    if not claimed:
        raise DomainError(_l("Neighbours have joined already: this buy can no longer be changed."))
    points = _check_input(data, buy.community_id, utcnow())
    _apply_input(buy, data, points)
    _store_photos(buy, data.photos)
    db.session.flush()
    return buy


def remove_photo(buy: GroupBuy, photo_id: int) -> None:
    """Take a photo off a buy that can still be edited."""
    if not editable(buy):
        raise DomainError(_l("Neighbours have joined already: this buy can no longer be changed."))
    photo = next((p for p in buy.photos if p.id == photo_id), None)
    if photo is None:
        raise DomainError(_l("No such photo."))
    buy.photos.remove(photo)
    db.session.flush()
    delete_upload(photo.path)


def cancel_buy(buy: GroupBuy, by_user: User, reason: str = "") -> GroupBuy:
    """Call a buy off (before the goods arrive); every participant and waiter is told."""
    now = utcnow()
    done = db.session.execute(
        sa.update(GroupBuy)
        .where(GroupBuy.id == buy.id, GroupBuy.status.in_([BuyStatus.OPEN, BuyStatus.SUCCEEDED]))
        .values(status=BuyStatus.CANCELLED, cancelled_at=now, cancel_reason=reason[:200])
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(buy)
    if not done:
        raise DomainError(_l("This buy can no longer be cancelled."))
    orders = _orders_in(buy, (OrderStatus.JOINED, OrderStatus.CONFIRMED))
    _set_orders(buy, (OrderStatus.JOINED, OrderStatus.CONFIRMED), OrderStatus.VOID, now)
    waiters = _close_waitlist(buy, now)
    params = {"title": buy.title, "reason": reason or "—"}
    for user_id in sorted({o.user_id for o in orders} | {w.user_id for w in waiters}):
        notify(user_id, "gb_cancelled", community_id=buy.community_id, link=_buy_link(buy.id), **params)
    if by_user.id != buy.leader_id:
        notify(buy.leader_id, "gb_cancelled", community_id=buy.community_id, link=_buy_link(buy.id), **params)
    return buy


# --- joining -------------------------------------------------------------------------------


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
            link=_buy_link(buy.id),
            title=buy.title,
            qty=entry.quantity,
            unit=buy.unit,
        )
        promoted.append(order)
    db.session.flush()
    return promoted


# --- closing at the deadline ---------------------------------------------------------------


def _orders_in(buy: GroupBuy, statuses) -> list[Order]:
    query = sa.select(Order).where(Order.buy_id == buy.id, Order.status.in_(statuses)).order_by(Order.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def _set_orders(buy: GroupBuy, from_statuses, to_status, now: datetime) -> None:
    db.session.execute(
        sa.update(Order)
        .where(Order.buy_id == buy.id, Order.status.in_(from_statuses))
        .values(status=to_status, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )


def _close_waitlist(buy: GroupBuy, now: datetime) -> list[WaitlistEntry]:
    waiters = list(
        db.session.scalars(
            sa.select(WaitlistEntry).where(
                WaitlistEntry.buy_id == buy.id, WaitlistEntry.status == WaitStatus.WAITING
            )
        )
    )
    if waiters:
        db.session.execute(
            sa.update(WaitlistEntry)
            .where(WaitlistEntry.buy_id == buy.id, WaitlistEntry.status == WaitStatus.WAITING)
            .values(status=WaitStatus.CLOSED, decided_at=now)
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(
            sa.update(GroupBuy)
            .where(GroupBuy.id == buy.id)
            .values(waitlist_count=0)
            .execution_options(synchronize_session=False)
        )
    return waiters


def close_buy(buy_id: int, now: datetime | None = None) -> str | None:
    """Close one buy whose deadline has passed: succeeded or failed, decided and applied once.

    The outcome is set by a single conditional UPDATE (still open, deadline passed); whoever
    does not win it returns None and tells nobody. Participants, waiters and the leader are told.
    """
    now = now or utcnow()
    outcome = sa.case(
        (GroupBuy.quantity_total >= GroupBuy.min_quantity, BuyStatus.SUCCEEDED.value),
        else_=BuyStatus.FAILED.value,
    )
    won = db.session.execute(
        sa.update(GroupBuy)
        .where(GroupBuy.id == buy_id, GroupBuy.status == BuyStatus.OPEN, GroupBuy.deadline <= now)
        .values(status=outcome, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return None
    buy = db.session.get(GroupBuy, buy_id)
    db.session.refresh(buy)
    orders = _orders_in(buy, (OrderStatus.JOINED,))
    succeeded = buy.status == BuyStatus.SUCCEEDED
    _set_orders(buy, (OrderStatus.JOINED,), OrderStatus.CONFIRMED if succeeded else OrderStatus.VOID, now)
    waiters = _close_waitlist(buy, now)
    link = _buy_link(buy.id)
    for order in orders:
        kind = "gb_succeeded" if succeeded else "gb_failed"
        notify(
            order.user_id,
            kind,
            community_id=buy.community_id,
            link=link,
            title=buy.title,
            ref=order.reference,
            qty=order.quantity,
            unit=buy.unit,
        )
    for entry in waiters:
        notify(entry.user_id, "gb_waitlist_closed", community_id=buy.community_id, link=link, title=buy.title)
    notify(
        buy.leader_id,
        "gb_leader_succeeded" if succeeded else "gb_leader_failed",
        community_id=buy.community_id,
        link=f"/groupbuy/{buy.id}/orders",
        title=buy.title,
        qty=buy.quantity_total,
        unit=buy.unit,
        count=buy.participant_count,
        min=buy.min_quantity,
    )
    db.session.flush()
    log.info("group buy %s closed: %s (%s/%s)", buy.id, buy.status, buy.quantity_total, buy.min_quantity)
    return buy.status


def due_buy_ids(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(GroupBuy.id)
            .where(GroupBuy.status == BuyStatus.OPEN, GroupBuy.deadline <= now)
            .order_by(GroupBuy.deadline)
        )
    )


def sweep(now: datetime | None = None) -> dict:
    """Close every buy past its deadline, remind and flag uncollected orders, expire old codes.

    Owns its transactions (one per buy, so one failure does not hold up the rest); for the
    background thread, `flask groupbuy sweep` and start-up. Safe to run anywhere, any number
    of times at once.
    """
    from portal.pickup.services import expire_codes, flag_overdue, remind_uncollected

    now = now or utcnow()
    report = {"succeeded": 0, "failed": 0, "reminded": 0, "overdue": 0, "expired": 0}
    db.session.rollback()
    for buy_id in due_buy_ids(now):
        begin_write()
        try:
            outcome = close_buy(buy_id, now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("closing group buy %s failed", buy_id)
            continue
        if outcome:
            report[outcome] += 1
    for key, step in (("reminded", remind_uncollected), ("overdue", flag_overdue), ("expired", expire_codes)):
        begin_write()
        try:
            report[key] = step(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("pickup sweep step %s failed", key)
    return report


# --- fulfilment -----------------------------------------------------------------------------


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
    for order in _orders_in(buy, (OrderStatus.CONFIRMED,)):
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


def find_neighbour(community_id: int, phone: str) -> User | None:
    """An active member of the community by mobile number."""
    return db.session.scalar(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.phone == phone.strip(),
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            User.is_device.is_(False),
        )
    )


def delegate_pickup(order: Order, phone: str) -> Order:
    """Ask a neighbour (by mobile number) to collect my order (代取); they see the code."""
    if order.status not in (OrderStatus.JOINED, OrderStatus.CONFIRMED, OrderStatus.READY):
        raise DomainError(_l("This order can no longer be handed to a neighbour."))
    neighbour = find_neighbour(order.community_id, phone)
    if neighbour is None:
        raise DomainError(_l("No neighbour in this community has that mobile number."), "phone")
    if neighbour.id == order.user_id:
        raise DomainError(_l("That is your own number."), "phone")
    if order.delegate_user_id == neighbour.id:
        return order
    order.delegate_user_id = neighbour.id
    db.session.flush()
    notify(
        neighbour.id,
        "gb_delegated",
        community_id=order.community_id,
        link=f"/groupbuy/orders/{order.id}",
        name=order.user.display_name,
        ref=order.reference,
        title=order.buy.title,
    )
    return order


def remove_delegate(order: Order) -> Order:
    """Collect it myself after all."""
    order.delegate_user_id = None
    db.session.flush()
    return order


# --- reading ------------------------------------------------------------------------------


CARD_COLUMNS = (
    GroupBuy.id,
    GroupBuy.title,
    GroupBuy.category,
    GroupBuy.unit,
    GroupBuy.unit_price_cents,
    GroupBuy.reference_price_cents,
    GroupBuy.min_quantity,
    GroupBuy.stock_cap,
    GroupBuy.quantity_total,
    GroupBuy.participant_count,
    GroupBuy.status,
    GroupBuy.deadline,
    GroupBuy.pickup_from,
    GroupBuy.leader_id,
)


_LISTING_QUERIES: dict = {}


def _listing_query(view: str, with_category: bool):
    """The listing's statement for a view, built once; values come as bind parameters."""
    key = (view, with_category)
    if key in _LISTING_QUERIES:
        return _LISTING_QUERIES[key]
    photo = (
        sa.select(BuyPhoto.path)
        .where(BuyPhoto.buy_id == GroupBuy.id)
        .order_by(BuyPhoto.position)
        .limit(1)
        .correlate(GroupBuy)
        .scalar_subquery()
        .label("photo")
    )
    mine = (
        sa.select(Order.quantity)
        .where(
            Order.buy_id == GroupBuy.id,
            Order.user_id == sa.bindparam("user_id"),
            Order.status.in_([s.value for s in ACTIVE_ORDER]),
        )
        .correlate(GroupBuy)
        .scalar_subquery()
        .label("mine")
    )
    now = sa.bindparam("now", type_=GroupBuy.deadline.type)
    query = sa.select(*CARD_COLUMNS, photo, mine).where(GroupBuy.community_id == sa.bindparam("community_id"))
    if with_category:
        query = query.where(GroupBuy.category == sa.bindparam("category"))
    if view == "closing":
        query = query.where(
            GroupBuy.status == BuyStatus.OPEN,
            GroupBuy.deadline > now,
            GroupBuy.deadline <= sa.bindparam("soon", type_=GroupBuy.deadline.type),
        ).order_by(GroupBuy.deadline)
    elif view == "mine":
        ordered = sa.select(Order.buy_id).where(
            Order.user_id == sa.bindparam("user_id"), Order.status.in_([s.value for s in ACTIVE_ORDER])
        )
        waiting = sa.select(WaitlistEntry.buy_id).where(
            WaitlistEntry.user_id == sa.bindparam("user_id"), WaitlistEntry.status == WaitStatus.WAITING
        )
        query = query.where(
            sa.or_(
                GroupBuy.id.in_(ordered),
                GroupBuy.id.in_(waiting),
                GroupBuy.leader_id == sa.bindparam("user_id"),
            )
        ).order_by(GroupBuy.deadline.desc())
    elif view == "ended":
        query = query.where(GroupBuy.status != BuyStatus.OPEN).order_by(GroupBuy.deadline.desc())
    else:
        query = query.where(GroupBuy.status == BuyStatus.OPEN).order_by(GroupBuy.deadline)
    _LISTING_QUERIES[key] = query.limit(sa.bindparam("limit"))
    return _LISTING_QUERIES[key]


def listing(community_id: int, user_id: int, view: str = "open", category: str = "", limit: int = 50):
    """Rows for the listing page: open (by deadline), closing soon, mine, or ended.

    One query, plain rows (no ORM objects): the columns a card shows, the first photo's path
    and my quantity (`mine`, None if I have not joined) — the page is the busiest one.
    """
    now = utcnow()
    with_category = category in set(Category)
    params = {
        "community_id": community_id,
        "user_id": user_id,
        "now": now,
        "soon": now + CLOSING_SOON,
        "limit": limit,
    }
    if with_category:
        params["category"] = category
    return db.session.execute(_listing_query(view, with_category), params).all()


def my_quantities(user_id: int) -> dict[int, int]:
    """buy id → quantity of my active order there."""
    rows = db.session.execute(
        sa.select(Order.buy_id, Order.quantity).where(
            Order.user_id == user_id, Order.status.in_(ACTIVE_ORDER)
        )
    )
    return dict(rows.all())


def participants(buy: GroupBuy) -> list[tuple[Order, Membership | None]]:
    """Active orders of a buy with the participant's membership (for masked name + building)."""
    rows = db.session.execute(
        sa.select(Order, Membership)
        .outerjoin(
            Membership,
            sa.and_(Membership.user_id == Order.user_id, Membership.community_id == Order.community_id),
        )
        .where(Order.buy_id == buy.id, Order.status.in_(ACTIVE_ORDER))
        .options(selectinload(Order.user), selectinload(Membership.building))
        .order_by(Order.created_at)
    ).all()
    return [(order, membership) for order, membership in rows]


def participant_rows(buy: GroupBuy) -> list:
    """Who joined, for the buy's page, in one query: name, building (if they show it), quantity, note."""
    from portal.community.models import Building

    return db.session.execute(
        sa.select(
            Order.user_id,
            Order.quantity,
            Order.note,
            Order.show_building,
            User.display_name,
            Building.name.label("building"),
        )
        .join(User, User.id == Order.user_id)
        .outerjoin(
            Membership,
            sa.and_(Membership.user_id == Order.user_id, Membership.community_id == Order.community_id),
        )
        .outerjoin(Building, Building.id == Membership.building_id)
        .where(Order.buy_id == buy.id, Order.status.in_(ACTIVE_ORDER))
        .order_by(Order.created_at, Order.id)
    ).all()


def waitlist_entry(buy: GroupBuy, user_id: int) -> WaitlistEntry | None:
    return db.session.scalar(
        sa.select(WaitlistEntry).where(
            WaitlistEntry.buy_id == buy.id,
            WaitlistEntry.user_id == user_id,
            WaitlistEntry.status == WaitStatus.WAITING,
        )
    )


def my_order(buy: GroupBuy, user_id: int) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.buy_id == buy.id, Order.user_id == user_id))


def mask_name(name: str) -> str:
    """王阿姨 → 王**, Zhang → Z****: enough to recognise a neighbour, not to find them."""
    name = (name or "").strip()
    if not name:
        return "*"
    return name[0] + "*" * max(min(len(name) - 1, 4), 1)


def commission_cents(buy: GroupBuy, goods_cents: int) -> int:
    """The leader's commission in fen, rounded half up (¥179.70 at 8 % → ¥14.38)."""
    return (goods_cents * buy.commission_bp + 5000) // 10000
