"""The demo data covers every state of a group buy, and its pages render."""

import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db
from portal.demo import groupbuy as demo
from portal.groupbuy.models import ACTIVE_ORDER, BuyStatus, GroupBuy, Order, OrderStatus


def test_demo_buys_cover_every_state(make, auth):
    community = make.community(
        "南京 · 翠屏幸福里", buildings="1栋: 1单元\n3栋: 1单元, 2单元\n5栋: 1单元\n6栋: 3单元\n8栋: 2单元"
    )
    people = {}
    for phone, roles in (
        (demo.LEADER, Role.RESIDENT | Role.LEADER),
        (demo.WANG, Role.RESIDENT),
        (demo.ZHANG, Role.RESIDENT),
        (demo.LIU, Role.RESIDENT),
        (demo.CHEN, Role.RESIDENT | Role.VOLUNTEER),
        (demo.ZHOU, Role.RESIDENT | Role.ADMIN),
    ):
        people[phone] = make.member(community, make.user(phone=phone), roles=roles).user
    demo.seed(community, people)
    db.session.commit()
    demo.seed(community, people)  # a second run changes nothing
    db.session.commit()
    statuses = set(db.session.scalars(sa.select(GroupBuy.status)))
    assert statuses == set(BuyStatus)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupBuy)) == 8
    order_states = set(db.session.scalars(sa.select(Order.status)))
    assert {
        OrderStatus.JOINED,
        OrderStatus.CONFIRMED,
        OrderStatus.READY,
        OrderStatus.COLLECTED,
        OrderStatus.VOID,
    } <= order_states
    for buy in db.session.scalars(sa.select(GroupBuy).where(GroupBuy.status == BuyStatus.OPEN)):
        joined = db.session.scalars(
            sa.select(Order).where(Order.buy_id == buy.id, Order.status.in_(ACTIVE_ORDER))
        ).all()
        assert buy.participant_count == len(joined) and buy.quantity_total == sum(o.quantity for o in joined)
    leader = auth.login(people[demo.LEADER])
    for path in (
        "/groupbuy",
        "/groupbuy?view=ended",
        "/groupbuy/workbench",
        "/groupbuy/workbench/picklist",
        "/pickup/points",
        "/pickup/verify",
    ):
        assert leader.get(path).status_code == 200, path
    resident = auth.login(people[demo.WANG])
    for buy_id in db.session.scalars(sa.select(GroupBuy.id)):
        assert resident.get(f"/groupbuy/{buy_id}").status_code == 200
    for order_id in db.session.scalars(sa.select(Order.id).where(Order.user_id == people[demo.WANG].id)):
        assert resident.get(f"/groupbuy/orders/{order_id}").status_code == 200
