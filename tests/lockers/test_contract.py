"""The ingest against a real broker, message by message of contracts/locker-mqtt-v1.md:
valid and malformed, duplicates, stale seqs, offline by will and by silence."""

import json
import time

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.groupbuy.models import Order, OrderStatus
from portal.lockers.ingest import LockerHandlers
from portal.lockers.models import (
    Compartment,
    Locker,
    LockerAlarm,
    LockerCommand,
    LockerEvent,
    LockerSighting,
)
from portal.notifications.models import Notification
from tests.iot.mqtt import wait_for
from tests.lockers.conftest import fresh
from tests.lockers.helpers import RawLocker, settle

pytestmark = pytest.mark.mqtt


@pytest.fixture
def raw(mqtt_broker, root, world):
    lockers = []

    def make(device_id=None):
        locker = RawLocker(mqtt_broker, root, device_id or world.locker.device_id)
        lockers.append(locker)
        return locker

    yield make
    for locker in lockers:
        locker.close()


def locker_row(world) -> Locker:
    fresh()
    return db.session.get(Locker, world.locker.id)


def comp_row(world, comp) -> Compartment:
    fresh()
    return db.session.scalar(
        sa.select(Compartment).where(Compartment.locker_id == world.locker.id, Compartment.comp == comp)
    )


def alarms(world, kind=None, open_only=True):
    fresh()
    query = sa.select(LockerAlarm).where(LockerAlarm.locker_id == world.locker.id)
    if kind:
        query = query.where(LockerAlarm.kind == kind)
    if open_only:
        query = query.where(LockerAlarm.resolved_at.is_(None))
    return db.session.scalars(query).all()


def notified(kind) -> set[int]:
    fresh()
    return set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == kind)))


def order_row(order_id) -> Order:
    fresh()
    return db.session.get(Order, order_id)


# ------------------------------------------------------------------ status


def test_status_brings_a_locker_online_and_learns_new_compartments(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status(
        layout=(
            ("A01", "S", False),
            ("A02", "M", False),
            ("A03", "L", False),
            ("C01", "M", True),
            ("D01", "L", True),
        )
    )
    settle(running, 1)
    locker = locker_row(world)
    assert locker.online and locker.is_online() and locker.boot == device.boot and locker.last_seq == 1
    assert locker.fw == "1.4.2"
    learned = comp_row(world, "D01")
    assert learned is not None and not learned.approved and learned.cold and learned.size == "L"
    assert comp_row(world, "A01").approved

    device.status(layout=(("A01", "S", False), ("A02", "M", False)))
    settle(running, 2)
    assert not comp_row(world, "A03").present and comp_row(world, "A02").present


def test_last_will_shows_offline_and_alerts_host_and_admins(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status()
    device.send("status", b'{"online": false}', retain=True)  # what the broker publishes as the will
    settle(running, 2)
    locker = locker_row(world)
    assert not locker.online and locker.offline_reason == "will" and not locker.is_online()
    assert [a.detail for a in alarms(world, "offline")] == ["will"]
    assert notified("locker_offline") == {world.admin.id, world.leader.id}
    device.status()
    settle(running, 3)
    assert locker_row(world).online and alarms(world, "offline") == []


def test_clean_shutdown_is_offline_without_an_alarm(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status()
    device.send("status", {"online": False, "boot": device.boot, "seq": device.next_seq()}, retain=True)
    settle(running, 2)
    assert locker_row(world).offline_reason == "shutdown" and not locker_row(world).online
    assert alarms(world, "offline") == []


def test_stale_status_changes_nothing(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status(seq=5)
    device.status(seq=3)
    device.send("status", {"online": False, "boot": device.boot, "seq": 4})  # older than seq 5
    settle(running, 3)
    assert running.counters["stale"] == 2
    locker = locker_row(world)
    assert locker.online and locker.last_seq == 5


def test_unknown_locker_is_counted_refused_and_remembered_for_registration(world, ingest, raw):
    running = ingest()
    stranger = raw("stranger-9")
    stranger.status()
    stranger.event("door_alarm")
    settle(running, 2)
    assert running.counters.reasons()["unknown-locker"] == 2
    assert running.counters["malformed"] == 2 and running.counters["applied"] == 0
    fresh()
    sighting = db.session.get(LockerSighting, "stranger-9")
    assert sighting.layout == "A01:S,A02:M,A03:L,C01:M:cold"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LockerEvent)) == 0


# ------------------------------------------------------------------ compartments


def test_compartment_state_and_out_of_order_seq(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status(seq=1)
    device.state("C01", seq=10, door="open", occupied=True, temp_c=4.2)
    device.state("C01", seq=7, door="closed", occupied=False, temp_c=9.9)  # arrives late: stale
    device.state("C01", seq=10, door="closed", occupied=False, temp_c=9.9)  # same seq again: stale
    settle(running, 4)
    comp = comp_row(world, "C01")
    assert (comp.door, comp.occupied, comp.temp_c, comp.last_seq) == ("open", True, 4.2, 10)
    assert running.counters["stale"] == 2

    device.state("C01", seq=11, door="closed", occupied=True, temp_c=4.0, fault="display broken")
    settle(running, 5)
    comp = comp_row(world, "C01")
    assert (comp.door, comp.temp_c, comp.fault, comp.state) == ("closed", 4.0, "display broken", "fault")


def test_a_new_boot_starts_seq_again(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status(seq=40)
    device.state("A01", seq=41, occupied=True)
    device.boot = "newboot0001"
    device.status(seq=1)
    device.state("A01", seq=2, occupied=False)
    settle(running, 4, exact=False)  # the reboot makes the ingest fetch retained states again
    comp = comp_row(world, "A01")
    assert comp.last_seq == 2 and not comp.occupied and comp.boot == "newboot0001"
    assert locker_row(world).last_seq == 1


def test_state_of_an_unknown_compartment_is_refused(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status()
    device.state("Z09")
    settle(running, 2)
    assert running.counters.reasons() == {"unknown-compartment": 1}


# ------------------------------------------------------------------ events


def test_deposit_issues_the_code_and_tells_resident_and_delegate(world, ingest, raw):
    running = ingest()
    device = raw()
    order = world.order(delegate=world.delegate)
    device.status()
    sent = device.event(
        "deposit", comp="A03", order=order.reference.lower()
    )  # the scanner may send lower case
    settle(running, 2)
    ready = order_row(order.id)
    assert ready.status == OrderStatus.READY and len(ready.pickup_code) == 8
    assert comp_row(world, "A03").order_id == order.id
    assert notified("pickup_ready") == {world.resident.id}
    assert notified("pickup_ready_delegate") == {world.delegate.id}
    event = db.session.scalar(sa.select(LockerEvent))
    assert (event.event_id, event.type, event.outcome, event.comp) == (sent["id"], "deposit", "ready", "A03")


def test_deposit_of_an_unknown_order_alerts(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status()
    device.event("deposit", comp="A02", order="NOPE-0001")
    settle(running, 2)
    assert [a.detail for a in alarms(world, "deposit")] == ["NOPE-0001"]
    assert notified("locker_unknown_deposit") == {world.admin.id, world.leader.id}


def test_pickup_code_gets_exactly_one_reply_also_when_delivered_twice(world, ingest, raw):
    running = ingest()
    device = raw()
    order = world.order()
    device.status()
    device.event("deposit", comp="A01", order=order.reference)
    settle(running, 2)
    code = order_row(order.id).pickup_code
    typed = device.event("pickup_code", code=code)
    device.send("events", typed)  # the broker delivers it again (QoS 1 at least once)
    device.send("events", typed)
    settle(running, 5)
    assert running.counters["duplicate"] == 2
    wait_for(lambda: device.replies_to(typed["id"]))
    time.sleep(0.5)
    replies = device.replies_to(typed["id"])
    assert len(replies) == 1
    assert (replies[0]["type"], replies[0]["comp"], replies[0]["order"]) == ("open", "A01", order.reference)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LockerCommand)) == 1


def test_wrong_and_expired_codes_are_denied(world, ingest, raw):
    from datetime import timedelta

    from portal.core.db import begin_write, utcnow

    running = ingest()
    device = raw()
    device.status()
    wrong = device.event("pickup_code", code="00000000")
    short = device.event("pickup_code", code="123")
    old = world.order()
    fresh()
    begin_write()
    expired = db.session.get(Order, old.id)
    expired.status, expired.pickup_code = OrderStatus.READY, "55554444"
    expired.code_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = device.event("pickup_code", code="55554444")
    settle(running, 4)
    wait_for(lambda: all(device.replies_to(e["id"]) for e in (wrong, short, late)))
    assert [device.replies_to(e["id"])[0]["reason"] for e in (wrong, short, late)] == [
        "invalid",
        "invalid",
        "expired",
    ]
    assert all(device.replies_to(e["id"])[0]["type"] == "deny" for e in (wrong, short, late))
    assert locker_row(world).wrong_today == 2  # an expired code is no guess


def test_code_of_a_parcel_in_another_locker_does_not_open_this_one(world, ingest, raw, make):
    from portal.lockers.services import register_locker

    running = ingest()
    fresh()
    from portal.core.db import begin_write

    begin_write()
    other, _ = register_locker(db.session.merge(world.point), "other-bank", "B柜", "B01:M")
    db.session.commit()
    order = world.order()
    here, there = raw(), raw("other-bank")
    here.status()
    there.status(layout=(("B01", "M", False),))
    there.event("deposit", comp="B01", order=order.reference)
    settle(running, 3)
    typed = here.event("pickup_code", code=order_row(order.id).pickup_code)
    settle(running, 4)
    wait_for(lambda: here.replies_to(typed["id"]))
    assert here.replies_to(typed["id"])[0]["type"] == "deny"
    assert locker_row(world).wrong_today == 0


def test_collected_completes_the_order_once(world, ingest, raw):
    running = ingest()
    device = raw()
    order = world.order()
    device.status()
    device.event("deposit", comp="A02", order=order.reference)
    collected = device.event("collected", comp="A02", order=order.reference)
    device.send("events", collected)
    settle(running, 4)
    done = order_row(order.id)
    assert (
        done.status == OrderStatus.COLLECTED and done.collected_via == "locker" and done.pickup_code is None
    )
    assert comp_row(world, "A02").order_id is None
    assert notified("pickup_collected") == {world.resident.id}
    assert running.counters["duplicate"] == 1


def test_door_alarm_raised_to_host_and_admins_and_cleared_when_closed(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status()
    device.state("A02", door="open")
    device.event("door_alarm", comp="A02")
    device.event("door_alarm", comp="A02")  # a second one is counted on the same alarm
    settle(running, 4)
    [alarm] = alarms(world, "door")
    assert alarm.comp == "A02" and alarm.count == 2
    assert notified("locker_door") == {world.admin.id, world.leader.id}
    device.state("A02", door="closed")
    settle(running, 5)
    assert alarms(world, "door") == []
    device.event("door_alarm", comp="A03")  # another door soon after: a new alarm, but no new alert
    settle(running, 6)
    assert [a.comp for a in alarms(world, "door")] == ["A03"]
    fresh()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(Notification.kind == "locker_door")
        )
        == 2
    )  # one each for the admin and the host


def test_temperature_and_fault_alarms(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status()
    device.state("C01", temp_c=11.2)
    device.event("temp_alarm", comp="C01", temp_c=11.2)
    device.state("A01", fault="lock motor stalled")
    device.event("fault", comp="A01", detail="lock motor stalled")
    settle(running, 5)
    [temp] = alarms(world, "temp")
    assert temp.temp_c == 11.2 and temp.comp == "C01"
    [fault] = alarms(world, "fault")
    assert fault.detail == "lock motor stalled"
    assert notified("locker_temp") == notified("locker_fault") == {world.admin.id, world.leader.id}
    device.state("A01", fault=None)
    settle(running, 6)
    assert alarms(world, "fault") == [] and len(alarms(world, "temp")) == 1


def test_malformed_messages_of_every_kind_change_nothing(world, ingest, raw):
    running = ingest()
    device = raw()
    device.status(seq=1)
    settle(running, 1)
    for suffix, payload in [
        ("status", b'{"online": "yes"}'),
        ("compartments/A01", json.dumps({"seq": True, "ts": "x"}).encode()),
        ("compartments/a-1", b'{"seq": 2}'),
        ("events", b'{"id": 1'),
        (
            "events",
            json.dumps(
                {
                    "id": "nope",
                    "seq": 2,
                    "ts": "2026-11-21T08:30:00Z",
                    "type": "deposit",
                    "comp": "A01",
                    "order": "X",
                }
            ).encode(),
        ),
        ("events", b"\xff\xfe"),
        ("events", b"x" * 5000),
        ("telemetry", b"{}"),
    ]:
        device.send(suffix, payload)
    settle(running, 9)
    assert running.counters["malformed"] == 8 and running.counters["applied"] == 1
    assert running.connected
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LockerEvent)) == 0
    assert locker_row(world).last_seq == 1


# ------------------------------------------------------------------ offline


def test_a_locker_that_loses_power_shows_offline(world, ingest, sim):
    ingest()
    locker = sim(world.locker.device_id)
    wait_for(lambda: locker_row(world).is_online())
    locker.drop_connection()  # the socket closes without DISCONNECT: the broker publishes the will
    wait_for(lambda: not locker_row(world).online)
    assert locker_row(world).offline_reason == "will"


def test_a_silent_locker_shows_offline_after_90_seconds(world, ingest, sim, app):
    running = ingest()
    locker = sim(world.locker.device_id)
    wait_for(lambda: locker_row(world).is_online())
    locker.go_silent()  # a plain DISCONNECT: no will, the retained status still says online
    time.sleep(0.3)
    handlers = LockerHandlers()
    with app.app_context():
        handlers.tick(time.time() + 60)
        db.session.commit()
    assert locker_row(world).online
    with app.app_context():
        handlers.tick(time.time() + 91)
        db.session.commit()
    row = locker_row(world)
    assert not row.online and row.offline_reason == "silence"
    assert [a.detail for a in alarms(world, "offline")] == ["silence"]
    locker.start()  # heard again: back online
    wait_for(lambda: locker_row(world).online)
    assert running.connected


def test_silence_is_offline_on_the_board_even_before_the_sweep(world):
    from datetime import timedelta

    from portal.core.db import utcnow

    locker = locker_row(world)
    locker.online, locker.last_seen = True, utcnow() - timedelta(seconds=91)
    assert not locker.is_online()
    locker.last_seen = utcnow() - timedelta(seconds=30)
    assert locker.is_online()


def test_an_admins_remote_open_reaches_the_locker(world, ingest, raw, auth):
    running = ingest()
    device = raw()
    device.status()
    settle(running, 1)
    admin = auth.login(world.admin)
    assert admin.post(f"/admin/lockers/{world.locker.id}/open", data={"comp": "A03"}).status_code == 200
    command = wait_for(lambda: next((c for c in device.commands if c["type"] == "open"), None))
    assert command["comp"] == "A03" and "in_reply_to" not in command
    wait_for(
        lambda: fresh() or db.session.scalar(sa.select(LockerCommand)).sent_at
    )  # stamped after publishing
