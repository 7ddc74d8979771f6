"""Brute force at the keypad: five wrong codes within ten minutes lock it (the sixth gets
`locked_out`, a right code too, until the lockout ends); each further lockout that day doubles;
twenty wrong codes a day wait for an admin."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.groupbuy.models import Order
from portal.lockers.models import Locker, LockerAlarm
from portal.notifications.models import Notification
from tests.iot.mqtt import wait_for
from tests.lockers.conftest import fresh
from tests.lockers.helpers import RawLocker, settle

pytestmark = pytest.mark.mqtt


@pytest.fixture
def keypad(world, ingest, mqtt_broker, root):
    """A locker holding a deposited order; returns (device, ingest, the order's code)."""
    running = ingest()
    device = RawLocker(mqtt_broker, root, world.locker.device_id)
    order = world.order()
    device.status()
    device.event("deposit", comp="A01", order=order.reference)
    settle(running, 2)
    fresh()
    yield device, running, db.session.get(Order, order.id).pickup_code
    device.close()


def type_code(device, code):
    event = device.event("pickup_code", code=code)
    return wait_for(lambda: (replies := device.replies_to(event["id"])) and replies[0])


def locker_row(world) -> Locker:
    fresh()
    return db.session.get(Locker, world.locker.id)


def end_lockout(world) -> None:
    """Let the lockout run out now, as time passing would (what was typed before still does
    not count)."""
    from portal.core.db import utcnow

    locker = locker_row(world)
    locker.locked_until = locker.count_wrong_since = utcnow()
    db.session.commit()


def test_the_sixth_wrong_code_is_locked_out_and_so_is_a_right_one(app, world, keypad):
    from portal.core.db import utcnow

    app.config["LOCKER_LOCKOUT_S"] = 600
    device, _running, code = keypad
    wrong = [type_code(device, f"1000000{n}") for n in range(5)]
    assert [(r["type"], r["reason"]) for r in wrong] == [("deny", "invalid")] * 5
    sixth = type_code(device, "10000009")
    assert (sixth["type"], sixth["reason"]) == ("deny", "locked_out")
    right = type_code(device, code)
    assert (right["type"], right["reason"]) == ("deny", "locked_out")

    locker = locker_row(world)
    assert locker.keypad_locked() and not locker.locked_by_admin
    assert timedelta(seconds=540) < locker.locked_until - utcnow() <= timedelta(seconds=600)
    [alarm] = db.session.scalars(sa.select(LockerAlarm).where(LockerAlarm.kind == "lockout")).all()
    assert alarm.resolved_at is None
    alerted = set(
        db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "locker_lockout"))
    )
    assert alerted == {world.admin.id}  # the community's admins

    end_lockout(world)
    opened = type_code(device, code)
    assert (opened["type"], opened["comp"]) == ("open", "A01")
    wait_for(lambda: fresh() or db.session.get(LockerAlarm, alarm.id).resolved_at is not None)


def test_each_further_lockout_that_day_doubles(app, world, keypad):
    from portal.core.db import utcnow

    app.config["LOCKER_LOCKOUT_S"] = 600
    device, _running, _code = keypad

    def lock_for() -> tuple[float, float]:
        for n in range(4):
            assert type_code(device, f"2000000{n}")["reason"] == "invalid"
        before = utcnow()
        assert type_code(device, "20000009")["reason"] == "invalid"  # the fifth locks
        after = utcnow()
        until = locker_row(world).locked_until
        assert type_code(device, "20000008")["reason"] == "locked_out"
        return (until - before).total_seconds(), (until - after).total_seconds()

    longest, shortest = lock_for()
    assert shortest <= 600 <= longest
    end_lockout(world)
    longest, shortest = lock_for()
    assert shortest <= 1200 <= longest
    assert locker_row(world).lockouts_today == 2


def test_twenty_wrong_codes_a_day_wait_for_an_admin(app, world, keypad, auth):
    app.config.update(LOCKER_WRONG_CODES=1000, LOCKER_WRONG_CODES_PER_DAY=20)
    device, _running, code = keypad
    replies = [type_code(device, f"4{n:07d}") for n in range(20)]
    assert [r["reason"] for r in replies] == ["invalid"] * 20
    assert type_code(device, code)["reason"] == "locked_out"
    locker = locker_row(world)
    assert locker.locked_by_admin and locker.wrong_today == 20
    alerted = set(
        db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "locker_lockout_admin"))
    )
    assert alerted == {world.admin.id}

    admin = auth.login(world.admin)
    response = admin.post(f"/admin/lockers/{world.locker.id}/unlock")
    assert response.status_code == 303
    assert not locker_row(world).keypad_locked()
    opened = type_code(device, code)
    assert opened["type"] == "open"
