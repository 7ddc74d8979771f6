"""Builders for the survey tests: an order collected (核销 or at a locker) or an event attended,
at a chosen time."""

from datetime import datetime, timedelta

from portal.core.db import db, utcnow
from portal.events.services.signups import sign_up
from portal.events.services.tickets import check_in
from tests.events.helpers import make_event
from tests.reviews.helpers import arrived_buy, collect


def collected_order(leader, point, member, at: datetime | None = None, via: str = "code", title="阳山水蜜桃"):
    """A buy of `leader` that `member` joined and collected, its pickup recorded at `at`."""
    _buy, orders = arrived_buy(leader, point, [member], title=title)
    order = collect(orders[member.user_id], via=via, by=leader.user)
    if at is not None:
        order.collected_at = at
        db.session.commit()
    return order


def attended_event(admin, member, at: datetime | None = None, title="春季亲子插花"):
    """An event of the community that `member` signed up for and was checked in at, at `at`."""
    event = make_event(admin, title=title)
    signup = sign_up(event, member, 0, utcnow())
    db.session.commit()
    assert check_in(signup, admin.user_id, event.starts_at)
    signup.checked_in_at = at or utcnow() - timedelta(hours=1)
    db.session.commit()
    return event, signup
