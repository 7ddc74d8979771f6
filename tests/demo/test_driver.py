"""`make run`'s demo lockers keep moving: once the seeded orders are deposited, the demo leader's
next delivery arrives and the courier deposits it, through the simulated lockers and the ingest."""

import random

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.db import db
from portal.demo import seed_demo
from portal.demo.groupbuy import LEADER
from portal.demo.lockers import DEMO_LOCKERS, DemoDriver
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.lockers.models import Compartment, Locker
from portal.pickup.models import PickupPoint
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


def test_the_demo_driver_never_acts_for_someone_who_joined_for_real(app, ingest, sim, make):
    """A newcomer who joined the demo community by invite and ordered at the locker point: the
    driver deposits, types codes and restocks around her — her order is never deposited, no
    delivery orders for her, no notification or points arise from the driver."""
    from portal.community.models import Community, Membership, Role
    from portal.community.services import create_invite, join_by_invite
    from portal.demo import DEMO_COMMUNITY
    from portal.groupbuy.services.closing import close_buy
    from portal.groupbuy.services.joining import join_buy
    from portal.notifications.models import Notification
    from portal.points.models import PointsEntry
    from tests.groupbuy.helpers import make_buy, pass_deadline

    seed_demo()
    device_id, _name, layout = DEMO_LOCKERS[0]
    point_id = db.session.scalar(sa.select(Locker.pickup_point_id).where(Locker.device_id == device_id))
    community = db.session.scalar(sa.select(Community).where(Community.name == DEMO_COMMUNITY))
    admin = db.session.scalar(
        sa.select(Membership).where(
            Membership.community_id == community.id, Membership.roles.op("&")(int(Role.ADMIN)) != 0
        )
    )
    newcomer = make.user("真邻居 小吴", phone="13912345678")
    unit = community.buildings[0].units[0]
    join_by_invite(newcomer, create_invite(admin), unit)
    db.session.commit()
    leader = db.session.scalar(
        sa.select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.community_id == community.id, User.phone == LEADER)
    )
    buy = make_buy(leader, [db.session.get(PickupPoint, point_id)], min_quantity=1)
    join_buy(newcomer, buy, 1, "", point_id)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    her_order = db.session.scalar(sa.select(Order).where(Order.user_id == newcomer.id))
    assert her_order.status == OrderStatus.CONFIRMED  # waiting at the locker point, like the demo's
    ingest()  # the lockers come up once she has ordered
    locker = sim(
        device_id, ",".join(f"{comp}:{size}{':cold' if cold else ''}" for comp, size, cold in layout)
    )

    def hers():
        fresh()
        return (
            db.session.scalars(sa.select(Order.status).where(Order.user_id == newcomer.id)).all(),
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Notification)
                .where(Notification.user_id == newcomer.id)
            ),
            db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)),
        )

    before = hers()
    seeded = set(
        db.session.scalars(
            sa.select(Order.reference).where(
                Order.pickup_point_id == point_id,
                Order.status == OrderStatus.CONFIRMED,
                Order.user_id != newcomer.id,
            )
        )
    )
    app.config["MQTT_SIMULATE_RESTOCK_EVERY_S"] = 0
    driver = DemoDriver(app, Fleet(locker), rng=random.Random(7))

    def step_until(prefix: str) -> str:
        return wait_for(
            lambda: next((s for s in [driver.step()] if s and s.startswith(prefix)), None), timeout=30
        )

    def in_lockers() -> set[str]:
        fresh()
        return set(
            db.session.scalars(sa.select(Compartment.order_reference).where(Compartment.order_id.is_not(None)))
        )

    for count in range(1, len(seeded) + 1):
        step_until("deposit")
        wait_for(lambda count=count: len(in_lockers()) == count)
    # her order is left alone: nothing is left to deposit, so the next delivery comes …
    step_until("a new delivery")
    fresh()
    delivered = set(
        db.session.scalars(
            sa.select(Order.reference).where(
                Order.pickup_point_id == point_id,
                Order.status == OrderStatus.CONFIRMED,
                Order.reference.not_in([*seeded, her_order.reference]),
            )
        )
    )
    assert delivered  # … ordered by the demo's own neighbours only (`hers()` below), and deposited
    for count in range(len(seeded) + 1, len(seeded) + len(delivered) + 1):
        step_until("deposit")
        wait_for(lambda count=count: len(in_lockers()) == count)
    assert delivered <= in_lockers()
    assert her_order.reference not in in_lockers()
    assert hers() == before
