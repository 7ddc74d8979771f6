"""Closing buys: at their deadline (成团 or failed, driven by the sweep), or called off.

State transitions are conditional UPDATEs, so a buy closes once however many sweepers race.
"""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.core.db import begin_write, db, utcnow
from portal.core.errors import DomainError
from portal.groupbuy.live import push_progress
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

log = logging.getLogger(__name__)


def orders_in(buy: GroupBuy, statuses) -> list[Order]:
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
    orders = orders_in(buy, (OrderStatus.JOINED,))
    succeeded = buy.status == BuyStatus.SUCCEEDED
    _set_orders(buy, (OrderStatus.JOINED,), OrderStatus.CONFIRMED if succeeded else OrderStatus.VOID, now)
    waiters = _close_waitlist(buy, now)
    link = buy_link(buy.id)
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
    push_progress(buy)  # open pages show 成团 or not once this commits
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
    from portal.groupbuy.services.pickup_codes import expire_codes, flag_overdue, remind_uncollected

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
    orders = orders_in(buy, (OrderStatus.JOINED, OrderStatus.CONFIRMED))
    _set_orders(buy, (OrderStatus.JOINED, OrderStatus.CONFIRMED), OrderStatus.VOID, now)
    waiters = _close_waitlist(buy, now)
    params = {"title": buy.title, "reason": reason or "—"}
    for user_id in sorted({o.user_id for o in orders} | {w.user_id for w in waiters}):
        notify(user_id, "gb_cancelled", community_id=buy.community_id, link=buy_link(buy.id), **params)
    if by_user.id != buy.leader_id:
        notify(buy.leader_id, "gb_cancelled", community_id=buy.community_id, link=buy_link(buy.id), **params)
    return buy


