"""Builders for the reviews tests: a town, buys (linked to a trace batch or not), orders taken all
the way to collected — by 核销 at a manned point or at a locker — and pictures to upload."""

import io
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image

from portal.core.db import db, utcnow
from portal.groupbuy.models import Order
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy
from portal.groupbuy.services.pickup_codes import issue_pickup_code, mark_collected
from portal.moderation.services import trust
from tests.groupbuy.helpers import make_buy, pass_deadline
from tests.trace.helpers import make_batch, make_product, make_supplier


@dataclass
class Town:
    community: object
    station: object
    locker: object
    leader: object
    volunteer: object
    admin: object
    residents: list
    other: object
    other_point: object
    other_leader: object
    outsider: object

    def trust_all(self, app):
        """Everyone here has passed first-post review: reviews appear at once."""
        with app.test_request_context("/"):
            for m in (self.leader, self.volunteer, self.admin, *self.residents):
                trust(m.user_id, self.community.id)
            trust(self.outsider.user_id, self.other.id)
            db.session.commit()


def product_with_batch(community, name="阳山水蜜桃", lot="YS20260712A"):
    supplier = make_supplier(community, name=f"{name}合作社")
    product = make_product(supplier, name=name)
    return product, make_batch(product, lot=lot)


def arrived_buy(leader, point, members, batch=None, title="阳山水蜜桃"):
    """A buy the members joined, closed (成团) and arrived; returns (buy, {user id: order})."""
    buy = make_buy(leader, [point], title=title, min_quantity=1)
    if batch is not None:
        buy.batch_id = batch.id
        db.session.commit()
    orders = {}
    for member in members:
        orders[member.user_id] = join_buy(member.user, buy, 1, pickup_point_id=point.id)
        db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    mark_arrived(buy)
    db.session.commit()
    return buy, orders


def collect(order: Order, via: str = "code", by=None, days_ago: float = 0) -> Order:
    """The order collected: 核销 by the leader (via "code") or at a locker (via "locker": the code
    the locker issued on deposit, then its `collected` event — the lockers ingest's own calls)."""
    order = db.session.get(Order, order.id)
    if via == "locker":
        issue_pickup_code(order)
        mark_collected(order, via="locker")
    else:
        mark_collected(order, via, by_user=by)
    if days_ago:
        order.collected_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return order


def collected_orders(town, members, batch=None, via="code", point=None, title="阳山水蜜桃"):
    """A buy of the town's leader with each member's order collected."""
    point = point or (town.locker if via == "locker" else town.station)
    buy, orders = arrived_buy(town.leader, point, members, batch=batch, title=title)
    with_request = {}
    for user_id, order in orders.items():
        with_request[user_id] = collect(order, via=via, by=town.leader.user)
    return buy, with_request


def picture(name="photo.png", color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buffer, "PNG")
    buffer.seek(0)
    return (buffer, name)


def review_data(stars=5, text="很甜, 个头大, 包装也好", photos=()):
    data = {"stars": str(stars), "text": text}
    if photos:
        data["photos"] = list(photos)
    return data
