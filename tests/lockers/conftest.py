"""Fixtures for the lockers domain: a community with a locker pickup point, orders, the real
broker, an ingest under a test's own topic root, and simulated lockers from devices/."""

import contextlib
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from portal.community.models import Role
from portal.core.db import db, utcnow
from tests.iot.mqtt import broker_for_tests, clear_retained, forget_session, topic_root

LAYOUT = "A01:S,A02:M,A03:L,C01:M:cold"
_refs = itertools.count(1)


@dataclass
class LockerWorld:
    community: object
    point: object
    admin: object
    leader: object
    resident: object
    delegate: object
    kiosk: object
    locker: object
    orders: list = field(default_factory=list)

    def new_buy(self):
        from portal.groupbuy.models import BuyStatus, GroupBuy

        now = utcnow()
        buy = GroupBuy(
            community_id=self.community.id,
            leader_id=self.leader.id,
            title="阳山水蜜桃",
            unit="箱",
            unit_price_cents=1280,
            min_quantity=1,
            deadline=now - timedelta(hours=1),
            pickup_from=now,
            pickup_until=now + timedelta(days=2),
            status=BuyStatus.SUCCEEDED,
        )
        db.session.add(buy)
        db.session.flush()
        return buy

    def order(self, user=None, delegate=None, status="confirmed", reference=None):
        """A group-buy order for this pickup point (made directly: the lockers tests own no buys)."""
        from portal.core.db import begin_write
        from portal.groupbuy.models import Order

        db.session.rollback()
        begin_write()
        buy = self.new_buy()  # one order per person and buy: each order gets its own buy
        order = Order(
            buy_id=buy.id,
            user_id=(user or self.resident).id,
            community_id=self.community.id,
            reference=reference or f"GB9-{next(_refs):04d}-{uuid.uuid4().hex[:4].upper()}",
            quantity=1,
            pickup_point_id=self.point.id,
            status=status,
            unit_price_cents=1280,
            delegate_user_id=delegate.id if delegate else None,
        )
        db.session.add(order)
        db.session.commit()
        self.orders.append(order)
        return order


def build_locker_world(make, device_id: str | None = None, layout: str = LAYOUT) -> LockerWorld:
    from portal.lockers.services import register_locker
    from portal.pickup.models import PickupKind, PickupPoint

    community = make.community()
    admin = make.member(community, roles=Role.RESIDENT | Role.ADMIN).user
    leader = make.member(community, roles=Role.RESIDENT | Role.LEADER).user
    resident = make.member(community, make.user(name="王阿姨")).user
    delegate = make.member(community, make.user(name="张先生")).user
    kiosk = make.member(community, roles=Role.KIOSK).user
    point = PickupPoint(
        community_id=community.id, name="3栋智能柜", kind=PickupKind.LOCKER, host_user_id=leader.id
    )
    db.session.add(point)
    db.session.flush()
    locker, _password = register_locker(point, device_id or f"t-{uuid.uuid4().hex[:10]}", "A柜", layout)
    db.session.commit()
    from portal.lockers.models import KioskDevice

    db.session.add(KioskDevice(user_id=kiosk.id, pickup_point_id=point.id))
    db.session.commit()
    return LockerWorld(community, point, admin, leader, resident, delegate, kiosk, locker)


@pytest.fixture(scope="session")
def mqtt_broker():
    """Mosquitto at 127.0.0.1:1883 (required with CI=true), else the embedded broker."""
    yield from broker_for_tests()


@pytest.fixture
def world(app, make) -> LockerWorld:
    return build_locker_world(make)


@pytest.fixture
def root(mqtt_broker):
    """This test's own topic root (cleared of retained messages afterwards)."""
    value = topic_root()
    yield value
    clear_retained(mqtt_broker, value)


@pytest.fixture
def ingest(app, mqtt_broker, root):
    """Start the portal's ingest (LockerHandlers) under the test's root: `ingest()` → Ingest."""
    from portal.iot.client import Ingest
    from portal.lockers.ingest import LockerHandlers

    started = []
    client_ids = set()

    def start(client_id: str | None = None) -> Ingest:
        client_id = client_id or f"portal-{uuid.uuid4().hex[:10]}"
        client_ids.add(client_id)
        running = Ingest(app, LockerHandlers(), url=mqtt_broker.url(), topic_root=root, client_id=client_id)
        running.start()
        assert running.wait_connected(30), "the ingest did not connect"
        started.append(running)
        return running

    yield start
    for running in started:
        if running.connected:
            running.stop()
    for client_id in client_ids:
        forget_session(mqtt_broker, client_id)


@pytest.fixture
def sim(mqtt_broker, root):
    """Start a simulated locker from devices/: `sim(device_id, layout=LAYOUT, **options)`."""
    from devices.locker import SimulatedLocker, parse_layout

    started = []

    def start(device_id: str, layout: str = LAYOUT, **options) -> SimulatedLocker:
        options.setdefault("heartbeat_s", 30)
        options.setdefault("collect_delay_s", 0.3)
        options.setdefault("restore", False)
        locker = SimulatedLocker(
            device_id,
            parse_layout(layout),
            broker=mqtt_broker.locker_config(device_id),
            topic_root=root,
            **options,
        )
        locker.start()
        started.append(locker)
        return locker

    yield start
    for locker in started:
        with contextlib.suppress(Exception):  # a test may have dropped it already
            locker.stop()


def fresh():
    """Forget what this thread's session has cached: the ingest writes from its own thread."""
    db.session.rollback()
    db.session.expire_all()
