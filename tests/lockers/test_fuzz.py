"""A fuzz run: well over a thousand malformed messages from the simulator's garbage maker.
The ingest stays connected, counts every one with its reason, and the database does not move;
the locker's next real message is applied as usual."""

import random

import pytest
import sqlalchemy as sa

from devices.garbage import GARBAGE_KINDS, fuzz_messages, make_garbage
from devices.protocol import Topics
from portal.core.db import db
from portal.groupbuy.models import Order
from portal.lockers.models import (
    CodeAttempt,
    Compartment,
    Locker,
    LockerAlarm,
    LockerCommand,
    LockerEvent,
    LockerSighting,
)
from portal.notifications.models import Notification
from tests.iot.mqtt import connect, wait_for, wait_for_count
from tests.lockers.conftest import fresh
from tests.lockers.helpers import device_messages

pytestmark = pytest.mark.mqtt
FUZZ_COUNT = 1200
PUBLISH_CHUNK = 200


def snapshot() -> dict:
    """Every row the ingest could touch, as plain values."""
    fresh()
    tables = [
        Locker,
        Compartment,
        LockerEvent,
        LockerCommand,
        LockerAlarm,
        CodeAttempt,
        LockerSighting,
        Order,
        Notification,
    ]
    result = {}
    for model in tables:
        columns = [c.key for c in sa.inspect(model).column_attrs]
        result[model.__tablename__] = sorted(
            tuple(str(getattr(row, name)) for name in columns) for row in db.session.scalars(sa.select(model))
        )
    return result


def test_a_thousand_malformed_messages_change_nothing(world, ingest, mqtt_broker, root, sim):
    running = ingest()
    locker = sim(world.locker.device_id, heartbeat_s=3600)
    world.order()
    wait_for(lambda: fresh() or db.session.get(Locker, world.locker.id).online)
    assert running.drain(30)
    before_counts = running.counters.snapshot()
    before = snapshot()

    topics = Topics(root, world.locker.device_id)
    rng = random.Random(20261122)
    garbage = [make_garbage(kind, topics, rng) for kind in GARBAGE_KINDS]
    garbage += list(fuzz_messages(topics, FUZZ_COUNT, rng))
    device_messages_before = before_counts["received"] - before_counts["ignored"]
    expected = device_messages_before
    publisher = connect(mqtt_broker, username=world.locker.device_id)
    try:
        # in chunks the ingest takes in before the next: a broker keeps at most 1000 messages
        # for a subscriber that lags (Mosquitto's default max_queued_messages) and drops the rest
        for start in range(0, len(garbage), PUBLISH_CHUNK):
            chunk = garbage[start : start + PUBLISH_CHUNK]
            for info in [publisher.publish(g.topic, g.payload, qos=1, retain=False) for g in chunk]:
                info.wait_for_publish(30)
            expected += len(chunk)
            wait_for_count(lambda: device_messages(running), expected)
    finally:
        publisher.disconnect()
        publisher.loop_stop()

    assert running.drain(30)
    after_counts = running.counters.snapshot()
    assert running.connected
    assert after_counts["malformed"] - before_counts["malformed"] == len(garbage)
    assert after_counts["applied"] == before_counts["applied"]
    assert after_counts["errors"] == 0 and after_counts["stale"] == before_counts["stale"]
    assert device_messages(running) - device_messages_before == len(garbage)
    reasons = running.counters.reasons()
    assert sum(reasons.values()) == len(garbage)
    assert reasons["unknown-locker"] == sum(g.kind == "unknown-locker" for g in garbage)
    assert {"bad-json", "not-utf8", "oversize", "wrong-type", "missing-field", "bad-topic"} <= set(reasons)
    assert snapshot() == before

    # still listening: the locker's next real message is applied
    event = locker.deposit("A02", world.orders[0].reference)
    wait_for(lambda: fresh() or db.session.get(Order, world.orders[0].id).pickup_code)
    assert event["id"] in set(fresh() or db.session.scalars(sa.select(LockerEvent.event_id)))
