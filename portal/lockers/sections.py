"""The community home's "ready for you" card (core/sections.py page "home.community"): my
parcels ready for pickup — where (the pickup point, the locker compartment) and the pickup slot
I booked. Groupbuy owns the orders; the lockers know which compartment holds one."""

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.core.db import db
from portal.core.sections import register_section
from portal.groupbuy.models import Order, OrderStatus
from portal.lockers.models import Compartment, Locker

CARD_ROWS = 3


def ready_for_me(user_id: int, community_id: int, limit: int = CARD_ROWS) -> tuple[list, bool]:
    """My orders ready for pickup (mine, or a neighbour's I collect), soonest slot first, each
    with the compartment that holds it (None at a manned point); and whether there are more."""
    orders = list(
        db.session.scalars(
            sa.select(Order)
            .where(
                Order.community_id == community_id,
                Order.status == OrderStatus.READY,
                sa.or_(Order.user_id == user_id, Order.delegate_user_id == user_id),
            )
            .options(selectinload(Order.buy), selectinload(Order.pickup_point), selectinload(Order.slot))
            .order_by(Order.code_expires_at, Order.id)
            .limit(limit + 1)
        )
    )
    more, orders = len(orders) > limit, orders[:limit]
    held = {}
    if orders:
        held = {
            c.order_id: c
            for c in db.session.scalars(
                sa.select(Compartment)
                .join(Locker)
                .where(Compartment.order_id.in_([o.id for o in orders]), Locker.community_id == community_id)
                .options(selectinload(Compartment.locker))
            )
        }
    return [(order, held.get(order.id)) for order in orders], more


def ready_card(membership=None, **_):
    """Needs me now: parcels ready and where; hidden when nothing waits for me."""
    rows, more = ready_for_me(current_user.id, membership.community_id)
    if not rows:
        return None
    return {"rows": rows, "more": more}


def register() -> None:
    register_section(
        "home.community",
        "lockers/_home_ready.html",
        ready_card,
        order=2,
        name="ready",
        live=("order", "notification"),
    )
