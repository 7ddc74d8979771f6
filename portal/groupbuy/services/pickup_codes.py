"""Pickup codes (提货码) and collecting (核销): the interface the lockers build on, the leader's
verification by code or QR, and the sweep's reminders, overdue flags and expired codes.

For other domains (lockers) — these flush, never commit:
    order_by_reference(pickup_point_id, reference) -> Order | None
    issue_pickup_code(order) -> str
    order_for_code(pickup_point_id, code) -> Order | None
    collected_order_for_code(pickup_point_id, code) -> Order | None
    mark_collected(order, via, by_user=None) -> Order
"""

import logging
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.community.models import Role
from portal.community.services import membership_of
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.people import Duty, staff_views
from portal.core.signals import order_completed, order_ready
from portal.groupbuy.models import GroupBuy, Order, OrderStatus
from portal.notifications.services import notify

log = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^\d{8}$")
CODE_ATTEMPTS = 30
DEFAULTS = {
    "PICKUP_CODE_GRACE_HOURS": 72,  # a code stays valid this long after the pickup window ends
    "PICKUP_REMINDER_HOURS": 4,  # remind uncollected orders this long before the window ends
}


def _setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def _refusal(message, field: str | None = None) -> DomainError:
    """A DomainError that also works outside a request (MQTT ingest, CLI): there the text is
    rendered at once, in the default language, since lazy texts need a request to pick one."""
    if has_request_context():
        return DomainError(message, field)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
        return DomainError(str(message), field)


def order_by_reference(pickup_point_id: int, reference: str) -> Order | None:
    """The order with this reference (GB12-0007) that is to be picked up at this point, or None."""
    reference = (reference or "").strip().upper()
    if not reference:
        return None
    return db.session.scalar(
        sa.select(Order).where(Order.reference == reference, Order.pickup_point_id == pickup_point_id)
    )


def _new_code() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def code_expiry(order: Order, now: datetime) -> datetime:
    """Codes last until the pickup window ends (or now, if later) plus the grace period."""
    return max(order.buy.pickup_until, now) + timedelta(hours=_setting("PICKUP_CODE_GRACE_HOURS"))


def issue_pickup_code(order: Order) -> str:
    """Give a confirmed order its 8-digit pickup code (secrets; unique among the open codes at
    its pickup point), set it ready, tell the resident and any delegate, send `order_ready`.

    Idempotent: an order that already has its code gets the same code back. A code can only be
    issued to a confirmed order (its buy succeeded); anything else is a DomainError.
    """
    if order.status == OrderStatus.READY and order.pickup_code:
        return order.pickup_code
    if order.status != OrderStatus.CONFIRMED:
        raise _refusal(_l("Order %(ref)s cannot get a pickup code now.", ref=order.reference))
    now = utcnow()
    expires = code_expiry(order, now)
    for _attempt in range(CODE_ATTEMPTS):
        code = _new_code()
        if db.session.scalar(
            sa.select(Order.id).where(
                Order.pickup_point_id == order.pickup_point_id, Order.pickup_code == code
            )
        ):
            continue
        try:
            with db.session.begin_nested():  # the unique (point, code) constraint has the last word
                result = db.session.execute(
                    sa.update(Order)
                    .where(
                        Order.id == order.id,
                        Order.status == OrderStatus.CONFIRMED,
                        Order.pickup_code.is_(None),
                    )
                    .values(
                        pickup_code=code,
                        qr_token=secrets.token_urlsafe(24),
                        status=OrderStatus.READY,
                        code_issued_at=now,
                        code_expires_at=expires,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue
        db.session.refresh(order)
        if result.rowcount != 1:  # someone else issued it meanwhile
            if order.status == OrderStatus.READY and order.pickup_code:
                return order.pickup_code
            raise _refusal(_l("Order %(ref)s cannot get a pickup code now.", ref=order.reference))
        _tell_ready(order)
        order_ready.send(order, pickup_point_id=order.pickup_point_id, code=code)
        return code
    raise RuntimeError(f"no free pickup code at point {order.pickup_point_id} after {CODE_ATTEMPTS} tries")


def _order_link(order: Order) -> str:
    try:
        return url_for("groupbuy.order", order_id=order.id)
    except RuntimeError:  # outside a request (MQTT ingest, CLI): a path is enough
        return f"/groupbuy/orders/{order.id}"


def _tell_ready(order: Order) -> None:
    params = {"ref": order.reference, "title": order.buy.title, "point": order.pickup_point.name}
    link = _order_link(order)
    notify(order.user_id, "pickup_ready", community_id=order.community_id, link=link, **params)
    delegate = order.delegate and membership_of(order.delegate, order.community_id)
    if delegate:
        asker = staff_views(Duty.DELEGATE, delegate, [order.user_id])[order.user_id]
        notify(
            order.delegate_user_id,
            "pickup_ready_delegate",
            community_id=order.community_id,
            link=link,
            name=asker.name,
            **params,
        )


def order_for_code(pickup_point_id: int, code: str) -> Order | None:
    """The open order (ready, not collected, code not expired) with this code at this point, or None."""
    code = re.sub(r"\s+", "", code or "")
    if not CODE_PATTERN.match(code):
        return None
    return db.session.scalar(
        sa.select(Order).where(
            Order.pickup_point_id == pickup_point_id,
            Order.pickup_code == code,
            Order.status == OrderStatus.READY,
            Order.code_expires_at > utcnow(),
        )
    )


def collected_order_for_code(pickup_point_id: int, code: str) -> Order | None:
    """The order last collected at this point with this code, or None (to say so when the
    code is typed again)."""
    code = re.sub(r"\s+", "", code or "")
    if not CODE_PATTERN.match(code):
        return None
    return db.session.scalar(
        sa.select(Order)
        .where(
            Order.pickup_point_id == pickup_point_id,
            Order.collected_code == code,
            Order.status == OrderStatus.COLLECTED,
        )
        .order_by(Order.collected_at.desc(), Order.id.desc())
        .limit(1)
    )


def mark_collected(order: Order, via: str, by_user=None) -> Order:
    """Mark a ready order collected, exactly once (conditional UPDATE): voids its code, tells the
    resident, sends `order_completed`. `via` says how: "code", "qr", "locker", ...

    A second call (or a race lost) raises DomainError("already collected").
    """
    now = utcnow()
    result = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.status == OrderStatus.READY)
        .values(
            status=OrderStatus.COLLECTED,
            collected_at=now,
            collected_via=via[:16],
            collected_by_id=by_user.id if by_user is not None else None,
            collected_code=Order.pickup_code,  # the old value: SET reads the row as it was
            pickup_code=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if result.rowcount != 1:
        if order.status == OrderStatus.COLLECTED:
            raise _refusal(_l("Order %(ref)s was collected already.", ref=order.reference))
        raise _refusal(_l("Order %(ref)s is not ready for pickup.", ref=order.reference))
    notify(
        order.user_id,
        "pickup_collected",
        community_id=order.community_id,
        link=_order_link(order),
        ref=order.reference,
        title=order.buy.title,
    )
    order_completed.send(order, user_id=order.user_id, community_id=order.community_id)
    return order


# --- verifying (核销) by the leader ---------------------------------------------------------


def may_hand_out(membership, order: Order) -> bool:
    """The buy's leader, or an admin of its community, may verify (核销) its orders."""
    if membership is None or membership.community_id != order.community_id:
        return False
    return order.buy.leader_id == membership.user_id or membership.has(Role.ADMIN)


def qr_token(order: Order) -> str:
    """What an order's QR link carries: a random token issued with its code (nothing anyone
    can read back into the order or the code); the link works while the code is open."""
    return order.qr_token


def order_by_qr(token: str) -> Order | None:
    """The order a QR token was issued to, in whatever state, or None."""
    if not token or len(token) > 32:
        return None
    return db.session.scalar(sa.select(Order).where(Order.qr_token == token))


def order_for_qr(token: str) -> Order | None:
    """The open order a QR token was issued to, or None (unknown token, code no longer open)."""
    order = order_by_qr(token)
    if order is None or not order.pickup_code:
        return None
    return order_for_code(order.pickup_point_id, order.pickup_code)


# --- reminders, overdue flags, expired codes (run by the sweep) ----------------------------


def remind_uncollected(now: datetime) -> int:
    """Remind, once, residents whose ready order is still waiting near the end of the window."""
    soon = now + timedelta(hours=_setting("PICKUP_REMINDER_HOURS"))
    rows = db.session.scalars(
        sa.select(Order)
        .join(GroupBuy, GroupBuy.id == Order.buy_id)
        .where(
            Order.status == OrderStatus.READY,
            Order.reminded_at.is_(None),
            GroupBuy.pickup_until <= soon,
            GroupBuy.pickup_until > now,
            Order.code_issued_at <= now - timedelta(hours=1),
        )
    ).all()
    sent = 0
    for order in rows:
        claimed = db.session.execute(
            sa.update(Order)
            .where(Order.id == order.id, Order.reminded_at.is_(None), Order.status == OrderStatus.READY)
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            params = {"ref": order.reference, "title": order.buy.title, "point": order.pickup_point.name}
            for user_id in {order.user_id, order.delegate_user_id} - {None}:
                notify(
                    user_id,
                    "pickup_reminder",
                    community_id=order.community_id,
                    link=_order_link(order),
                    **params,
                )
            sent += 1
    return sent


def flag_overdue(now: datetime) -> int:
    """Flag, once, ready orders whose pickup window has ended; the resident and leader are told."""
    rows = db.session.scalars(
        sa.select(Order)
        .join(GroupBuy, GroupBuy.id == Order.buy_id)
        .where(
            Order.status == OrderStatus.READY,
            Order.overdue_at.is_(None),
            GroupBuy.pickup_until <= now,
        )
    ).all()
    per_buy: dict[int, list[Order]] = {}
    for order in rows:
        claimed = db.session.execute(
            sa.update(Order)
            .where(Order.id == order.id, Order.overdue_at.is_(None), Order.status == OrderStatus.READY)
            .values(overdue_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            notify(
                order.user_id,
                "pickup_overdue",
                community_id=order.community_id,
                link=_order_link(order),
                ref=order.reference,
                title=order.buy.title,
                point=order.pickup_point.name,
            )
            per_buy.setdefault(order.buy_id, []).append(order)
    for orders in per_buy.values():
        buy = orders[0].buy
        notify(
            buy.leader_id,
            "pickup_overdue_leader",
            community_id=buy.community_id,
            link=f"/groupbuy/{buy.id}/orders",
            title=buy.title,
            count=len(orders),
        )
    return sum(len(o) for o in per_buy.values())


def expire_codes(now: datetime) -> int:
    """Void the codes of orders never collected within the grace period (status unclaimed)."""
    result = db.session.execute(
        sa.update(Order)
        .where(Order.status == OrderStatus.READY, Order.code_expires_at <= now)
        .values(status=OrderStatus.UNCLAIMED, pickup_code=None, qr_token=None, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount
