"""A batch of locker messages applied in one transaction, as the ingest takes them off the socket."""

import json
import logging
import time
import uuid

import sqlalchemy as sa

from portal.core.db import db
from portal.iot.client import Ingest
from portal.iot.dispatch import DeviceMessage
from portal.iot.schemas import parse
from portal.iot.topics import Topics
from portal.lockers.ingest import LockerHandlers
from portal.lockers.models import LockerAlarm
from tests.lockers.conftest import fresh
from tests.lockers.helpers import now_ts

ROOT = "batch-test"


def messages(device_id: str, *bodies: tuple[str, dict]) -> list[DeviceMessage]:
    topics = Topics(ROOT)
    out = []
    for suffix, body in bodies:
        topic = f"{ROOT}/v1/lockers/{device_id}/{suffix}"
        parsed = topics.parse(topic)
        payload = parse(parsed.kind, json.dumps(body).encode(), parsed.comp)
        out.append(DeviceMessage(topic, parsed.locker, parsed.kind, payload, time.time()))
    return out


def test_repeated_alarms_in_one_batch_are_counted_without_falling_back(app, world, caplog):
    """A door left open alarms again and again: the repeats can share a transaction with the first
    (also once the handlers know when people were last alerted and ask the database nothing)."""
    ingest = Ingest(app, LockerHandlers(), url="mqtt://portal:x@127.0.0.1:1", topic_root=ROOT)
    device = world.locker.device_id
    seq = iter(range(1, 100))
    status = {
        "online": True,
        "boot": "b1",
        "fw": "1",
        "seq": next(seq),
        "compartments": [{"id": "A02", "size": "M", "cold": False}],
    }

    def door(position):
        state = {"door": position, "occupied": False, "temp_c": None, "fault": None}
        return "compartments/A02", {"seq": next(seq), "ts": now_ts(), **state}

    def alarm():
        event = {"id": str(uuid.uuid4()), "seq": next(seq), "ts": now_ts()}
        return "events", {**event, "type": "door_alarm", "comp": "A02"}

    with caplog.at_level(logging.WARNING, logger="portal.iot.ingest"):
        first = ingest._apply_in_transaction(messages(device, ("status", status), door("open"), alarm()))
        again = ingest._apply_in_transaction(
            messages(device, door("closed"), door("open"), alarm(), alarm(), alarm())
        )
    assert (first["applied"], again["applied"]) == (3, 5)
    assert "message by message" not in caplog.text
    fresh()
    rows = db.session.scalars(sa.select(LockerAlarm).where(LockerAlarm.kind == "door").order_by("id")).all()
    assert [(a.count, a.resolved_at is None) for a in rows] == [(1, False), (3, True)]
