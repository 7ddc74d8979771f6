"""Builders for after-sales tests: a collected order in a buy of any category."""

from datetime import timedelta

from portal.core.db import db, utcnow
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy
from portal.groupbuy.services.pickup_codes import mark_collected
from tests.groupbuy.helpers import make_buy, pass_deadline


def collected_order(leader, resident_user, point, quantity=4, category="daily", collected_ago=None, **buy):
    """A buy by `leader` (a Membership) that `resident_user` joined, arrived and collected."""
    buy = make_buy(leader, [point], min_quantity=1, category=category, **buy)
    order = join_buy(resident_user, buy, quantity)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    mark_arrived(buy)
    db.session.commit()
    mark_collected(order, "code", by_user=leader.user)
    if collected_ago is not None:
        order.collected_at = utcnow() - collected_ago
    db.session.commit()
    return order


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
