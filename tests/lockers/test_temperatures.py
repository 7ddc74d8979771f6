"""Cold compartments' temperatures: kept from the statuses, and handed to a trace step recorded at
the locker's pickup point for exactly the time the batch's orders were inside."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.core.db import db, utcnow
from portal.iot.client import Ingest
from portal.iot.dispatch import DeviceMessage
from portal.iot.schemas import parse
from portal.iot.topics import Topics
from portal.lockers import temperatures
from portal.lockers.ingest import LockerHandlers
from portal.lockers.models import TemperatureReading
from portal.trace import sensors, services
from portal.trace.models import BizStep
from tests.lockers.conftest import fresh
from tests.trace.helpers import make_batch, make_product, make_supplier

ROOT = "temperature-test"


class Feed:
    """Messages from one locker, each with the moment the portal received it."""

    def __init__(self, app, device_id: str):
        self.ingest = Ingest(app, LockerHandlers(), url="mqtt://portal:x@127.0.0.1:1", topic_root=ROOT)
        self.device_id = device_id
        self.seq = 0
        self.t0 = time.time() - 3600  # an hour of messages that has just arrived

    def _message(self, suffix: str, body: dict, at: float) -> DeviceMessage:
        topic = f"{ROOT}/v1/lockers/{self.device_id}/{suffix}"
        parsed = Topics(ROOT).parse(topic)
        payload = parse(parsed.kind, json.dumps(body).encode(), parsed.comp)
        return DeviceMessage(topic, parsed.locker, parsed.kind, payload, at)

    def send(self, suffix: str, body: dict, second: float) -> None:
        self.seq += 1
        at = self.t0 + second
        stamped = {
            "seq": self.seq,
            "ts": datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **body,
        }
        self.ingest._apply_in_transaction([self._message(suffix, stamped, at)])

    def status(self):
        layout = [{"id": "A02", "size": "M", "cold": False}, {"id": "C01", "size": "M", "cold": True}]
        self.send("status", {"online": True, "boot": "b1", "fw": "1", "compartments": layout}, 0)

    def temperature(self, second: float, value: float, comp="C01", occupied=True):
        state = {"door": "closed", "occupied": occupied, "temp_c": value, "fault": None}
        self.send(f"compartments/{comp}", state, second)

    def event(self, kind: str, second: float, **fields):
        self.send("events", {"id": str(uuid.uuid4()), "type": kind, **fields}, second)


def test_readings_are_kept_when_they_move_or_every_five_minutes(app, world):
    feed = Feed(app, world.locker.device_id)
    feed.status()
    for second, value in [(1, 4.0), (2, 4.2), (3, 4.6), (303, 4.6), (304, 4.7)]:
        feed.temperature(second, value)
    feed.temperature(4, 5.0, comp="A02")  # no sensor would send null; a value is kept like any other
    fresh()
    kept = (
        db.session.execute(sa.select(TemperatureReading.temp_c).order_by(TemperatureReading.at))
        .scalars()
        .all()
    )
    assert kept == [4.0, 4.6, 5.0, 4.6]  # 4.2 and 4.7: within half a degree and five minutes


def test_a_step_at_the_locker_carries_the_temperatures_while_the_batch_was_inside(app, world, make):
    batch = make_batch(make_product(make_supplier(world.community, leaders=[world.leader])))
    order = world.order()
    db.session.get(type(order), order.id).buy.batch_id = batch.id
    db.session.commit()
    feed = Feed(app, world.locker.device_id)
    feed.status()
    feed.temperature(1, 9.5, occupied=False)  # before the deposit: not the batch's
    feed.event("deposit", 10, comp="C01", order=order.reference)
    feed.temperature(20, 4.0)
    feed.temperature(30, 5.5)
    feed.event("collected", 40, comp="C01", order=order.reference)
    feed.temperature(50, 11.0, occupied=False)  # after the collection: not the batch's
    fresh()
    readings = sensors.readings_for(batch.id, world.point.id, utcnow() + timedelta(minutes=1))
    assert [r["value"] for r in readings] == [4.0, 5.5]
    assert {r["device"] for r in readings} == {f"urn:linli:locker:{world.locker.device_id}:C01"}

    step = services.Step(
        biz_step=BizStep.STORING,
        event_time=utcnow(),
        where=world.point.name,
        readings=readings,
        read_point=f"urn:linli:pickup-point:{world.point.id}",
    )
    record = services.record_step(batch, step, by_user_id=world.leader.id, role="leader")
    db.session.commit()
    (element,) = json.loads(record.body)["sensorElementList"]
    assert [(r["type"], r["value"], r["uom"]) for r in element["sensorReport"]] == [
        ("gs1:Temperature", 4.0, "CEL"),
        ("gs1:Temperature", 5.5, "CEL"),
    ]


def test_old_readings_are_swept(app, world):
    feed = Feed(app, world.locker.device_id)
    feed.status()
    feed.temperature(1, 4.0)
    fresh()
    assert temperatures.sweep(utcnow() - timedelta(days=1)) == 0
    assert temperatures.sweep(utcnow() + timedelta(days=1)) == 1
