"""`make run`'s demo lockers keep moving: once the seeded orders are deposited, the demo leader's
next delivery arrives and the courier deposits it, through the simulated lockers and the ingest."""

import random

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.db import db
from portal.demo import seed_demo
from portal.groupbuy.demo import LEADER
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.lockers.demo import DEMO_LOCKERS
from portal.lockers.models import Compartment, Locker
from portal.lockers.runtime import DemoDriver
from tests.iot.mqtt import wait_for
from tests.lockers.conftest import fresh

pytestmark = pytest.mark.mqtt


class Fleet:
    def __init__(self, *lockers):
        self.lockers = {locker.locker_id: locker for locker in lockers}


def test_an_emptied_demo_locker_bank_gets_the_next_delivery_and_the_courier_deposits_it(app, ingest, sim):
    seed_demo()
    device_id, _name, layout = DEMO_LOCKERS[0]
    ingest()
    locker = sim(
        device_id, ",".join(f"{comp}:{size}{':cold' if cold else ''}" for comp, size, cold in layout)
    )
    point_id = db.session.scalar(sa.select(Locker.pickup_point_id).where(Locker.device_id == device_id))
    waiting = sa.select(Order.reference).where(
        Order.pickup_point_id == point_id, Order.status == OrderStatus.CONFIRMED
    )
    seeded = set(db.session.scalars(waiting))
    assert seeded
    leader_id = db.session.scalar(sa.select(User.id).where(User.phone == LEADER))
    app.config["MQTT_SIMULATE_RESTOCK_EVERY_S"] = 0
    driver = DemoDriver(app, Fleet(locker), rng=random.Random(4))

    def in_lockers() -> set[str]:
        fresh()
        return set(
            db.session.scalars(
                sa.select(Compartment.order_reference).where(Compartment.order_id.is_not(None))
            )
        )

    def step_until(prefix: str) -> str:
        return wait_for(
            lambda: next((s for s in [driver.step()] if s and s.startswith(prefix)), None), timeout=30
        )

    for count in range(1, len(seeded) + 1):  # the seeded orders first, one deposit a step
        step_until("deposit")
        wait_for(lambda count=count: len(in_lockers()) == count)  # (applied by the ingest)
    assert in_lockers() == seeded
    step_until("a new delivery")  # nothing left to deposit: the leader's next buy arrives
    fresh()
    delivered = set(db.session.scalars(waiting)) - seeded
    assert 2 <= len(delivered) <= 4
    buys = db.session.scalars(sa.select(GroupBuy).join(Order).where(Order.reference.in_(delivered))).unique()
    assert [(buy.status, buy.leader_id) for buy in buys] == [(BuyStatus.SUCCEEDED, leader_id)]
    buyers = set(db.session.scalars(sa.select(Order.user_id).where(Order.reference.in_(delivered))))
    assert leader_id not in buyers  # neighbours order, not the leader from her own buy
    step_until("deposit")
    wait_for(lambda: in_lockers() & delivered)
