"""The pickup interface the lockers domain calls from its MQTT ingest, outside any request:
refusals are plain DomainErrors there (no lazy text that needs a request to render)."""

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.core.errors import DomainError
from portal.groupbuy.models import Order, OrderStatus
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.joining import join_buy
from portal.groupbuy.services.pickup_codes import (
    issue_pickup_code,
    mark_collected,
    order_by_reference,
    order_for_code,
)
from tests.groupbuy.helpers import make_buy, pass_deadline


def test_interface_outside_a_request(world):
    buy = make_buy(world.leader, [world.point], min_quantity=1)
    order = join_buy(world.residents[0].user, buy, 2)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        issue_pickup_code(order)  # the buy has not succeeded yet
    assert isinstance(refused.value.message, str) and order.reference in refused.value.message
    db.session.rollback()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    order = order_by_reference(world.point.id, order.reference)
    code = issue_pickup_code(order)
    db.session.commit()
    assert order_for_code(world.point.id, code).id == order.id
    mark_collected(order, "locker")
    db.session.commit()
    with pytest.raises(DomainError) as again:
        mark_collected(order, "locker")
    assert isinstance(again.value.message, str)
    assert db.session.scalar(sa.select(Order.status).where(Order.id == order.id)) == OrderStatus.COLLECTED


def test_codes_stay_unique_at_a_point_when_the_random_source_repeats(world, monkeypatch):
    from portal.groupbuy.services import pickup_codes as services

    buy = make_buy(world.leader, [world.point], min_quantity=1)
    orders = [join_buy(m.user, buy, 1) for m in world.residents]
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    draws = iter(["11112222", "11112222", "11112222", "33334444", "11112222", "55556666"])
    monkeypatch.setattr(services, "_new_code", lambda: next(draws))
    codes = [issue_pickup_code(o) for o in orders]
    db.session.commit()
    assert codes == ["11112222", "33334444", "55556666"]
