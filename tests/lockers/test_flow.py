"""The whole locker flow against a real broker: a leader deposits, the resident is told the
code, types it at the locker, the door opens, the parcel is taken, the order is done."""

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.groupbuy.models import Order, OrderStatus
from portal.lockers.models import Compartment, Locker, LockerCommand, LockerEvent
from portal.notifications.models import Notification
from tests.iot.mqtt import wait_for
from tests.lockers.conftest import fresh

pytestmark = pytest.mark.mqtt


def _locker(world) -> Locker:
    fresh()
    return db.session.get(Locker, world.locker.id)


def _order(order_id) -> Order:
    fresh()
    return db.session.get(Order, order_id)


def _comp(world, comp) -> Compartment:
    fresh()
    return db.session.scalar(
        sa.select(Compartment).where(Compartment.locker_id == world.locker.id, Compartment.comp == comp)
    )


def test_deposit_code_open_collect(world, ingest, sim, auth):
    ingest()
    locker = sim(world.locker.device_id)
    wait_for(lambda: _locker(world).is_online())
    assert _locker(world).boot == locker.boot
    order = world.order(delegate=world.delegate)

    locker.deposit("A02", order.reference)
    ready = wait_for(lambda: (o := _order(order.id)).status == OrderStatus.READY and o)
    assert ready.pickup_code and len(ready.pickup_code) == 8 and ready.pickup_code.isdigit()
    comp = _comp(world, "A02")
    assert comp.order_id == order.id and comp.order_reference == order.reference and comp.occupied
    kinds = dict(db.session.execute(sa.select(Notification.user_id, Notification.kind)).all())
    assert kinds[world.resident.id] == "pickup_ready"
    assert kinds[world.delegate.id] == "pickup_ready_delegate"
    for person in (world.resident, world.delegate):  # the order page says where it waits
        page = auth.login(person).get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
        assert "A柜 · A02 号格口" in page and ready.pickup_code[:4] in page

    event = locker.enter_code(ready.pickup_code)
    reply = locker.wait_for_reply(event["id"], timeout=30)
    assert reply["type"] == "open" and reply["comp"] == "A02" and reply["order"] == order.reference
    assert reply["in_reply_to"] == event["id"]
    done = wait_for(lambda: (o := _order(order.id)).status == OrderStatus.COLLECTED and o)
    assert done.collected_via == "locker" and done.pickup_code is None
    wait_for(lambda: _comp(world, "A02").order_id is None)
    comp = _comp(world, "A02")
    assert not comp.occupied and comp.door == "closed"
    outcomes = [e.outcome for e in db.session.scalars(sa.select(LockerEvent).order_by(LockerEvent.id))]
    assert outcomes == ["ready", "open", "collected"]
    command = db.session.scalar(sa.select(LockerCommand))
    assert command.sent_at is not None and command.in_reply_to == event["id"]
    assert len(locker.replies[event["id"]]) == 1
