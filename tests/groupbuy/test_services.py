"""Group-buy services: opening, joining within stock, the waitlist, closing once, fulfilment."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.localtime import to_wall_clock
from portal.core.signals import order_completed, order_ready
from portal.groupbuy.models import BuyStatus, Order, OrderStatus, WaitlistEntry, WaitStatus
from portal.groupbuy.services.buys import BuyInput, create_buy, update_buy
from portal.groupbuy.services.closing import cancel_buy, close_buy, sweep
from portal.groupbuy.services.fulfilment import delegate_pickup, mark_arrived, set_paid
from portal.groupbuy.services.joining import SoldOut, join_buy, join_waitlist, leave_buy
from portal.groupbuy.services.pickup_codes import mark_collected, order_by_reference, order_for_code
from portal.pickup.models import PickupKind
from tests.groupbuy.helpers import make_buy, make_point, notifications, order_rows, pass_deadline, state

pytestmark = pytest.mark.usefixtures("in_request")


def counted(buy_id):
    """(quantity counter, participant counter, sum of joined order rows, number of joined rows)."""
    buy = state(buy_id)
    rows = [o for o in order_rows(buy_id) if o.status == OrderStatus.JOINED]
    return buy.quantity_total, buy.participant_count, sum(o.quantity for o in rows), len(rows)


def test_open_a_buy_checks_the_rules(world):
    now = utcnow()
    good = dict(
        title="土鸡蛋",
        unit="盒",
        unit_price_cents=2500,
        min_quantity=5,
        deadline=now + timedelta(days=1),
        pickup_from=now + timedelta(days=2),
        pickup_until=now + timedelta(days=3),
        pickup_point_ids=[world.point.id],
    )
    buy = create_buy(world.leader, BuyInput(**good))
    assert buy.status == BuyStatus.OPEN and buy.pickup_points == [world.point]
    db.session.rollback()
    other_point = make_point(world.other, "外面的点")
    for change, field in [
        ({"deadline": now - timedelta(minutes=1)}, "deadline"),
        ({"pickup_from": now + timedelta(hours=1)}, "pickup_from"),
        ({"pickup_until": now + timedelta(days=1, hours=12)}, "pickup_until"),
        ({"stock_cap": 3}, "stock_cap"),
        ({"pickup_point_ids": []}, "pickup_points"),
        ({"pickup_point_ids": [other_point.id]}, "pickup_points"),
        ({"category": "weapons"}, "category"),
    ]:
        with pytest.raises(DomainError) as refused:
            create_buy(world.leader, BuyInput(**{**good, **change}))
        assert refused.value.field == field
        db.session.rollback()
    with pytest.raises(DomainError):
        create_buy(world.residents[0], BuyInput(**good))  # not a leader


def test_join_change_and_leave_keep_counters_equal_to_rows(world):
    buy = make_buy(world.leader, [world.point])
    wang, zhang = (m.user for m in world.residents[:2])
    order = join_buy(wang, buy, 3, note="新搬来的, 喜欢种花", show_building=True)
    db.session.commit()
    assert order.reference == f"GB{buy.id}-0001"
    join_buy(zhang, buy, 2)
    db.session.commit()
    assert counted(buy.id) == (5, 2, 5, 2)
    join_buy(wang, buy, 1)  # change: down to 1
    db.session.commit()
    assert counted(buy.id) == (3, 2, 3, 2)
    leave_buy(zhang, buy)
    db.session.commit()
    assert counted(buy.id) == (1, 1, 1, 1)
    again = join_buy(zhang, buy, 4)  # back in: the same row and reference
    db.session.commit()
    assert again.reference == f"GB{buy.id}-0002"
    assert counted(buy.id) == (5, 2, 5, 2)
    assert len(order_rows(buy.id)) == 2


def test_the_same_submission_twice_makes_one_order(world):
    buy = make_buy(world.leader, [world.point], stock_cap=10)
    wang = world.residents[0].user
    join_buy(wang, buy, 2)
    db.session.commit()
    join_buy(wang, buy, 2)
    db.session.commit()
    assert counted(buy.id) == (2, 1, 2, 1)
    assert len(order_rows(buy.id)) == 1


def test_stock_cap_and_per_person_limit(world):
    buy = make_buy(world.leader, [world.point], min_quantity=2, stock_cap=5, per_person_limit=3)
    wang, zhang, liu = (m.user for m in world.residents)
    with pytest.raises(DomainError, match="At most 3"):
        join_buy(wang, buy, 4)
    db.session.rollback()
    join_buy(wang, buy, 3)
    db.session.commit()
    with pytest.raises(SoldOut) as sold_out:
        join_buy(zhang, buy, 3)
    assert sold_out.value.remaining == 2
    db.session.rollback()
    join_buy(zhang, buy, 2)
    db.session.commit()
    assert state(buy.id).is_full
    with pytest.raises(SoldOut):
        join_buy(liu, buy, 1)
    db.session.rollback()
    assert counted(buy.id) == (5, 2, 5, 2)
    assert len(order_rows(buy.id)) == 2  # the refused join left nothing behind


def test_waitlist_promotes_the_first_entry_that_fits_and_tells_them(world, make):
    buy = make_buy(world.leader, [world.point], min_quantity=2, stock_cap=4)
    wang, zhang, liu = (m.user for m in world.residents)
    fourth = make.member(world.community).user
    join_buy(wang, buy, 3)
    join_buy(zhang, buy, 1)
    db.session.commit()
    join_waitlist(liu, buy, 3, note="等等我")  # first in line, needs 3
    db.session.commit()
    join_waitlist(fourth, buy, 1)  # second, needs 1
    db.session.commit()
    assert state(buy.id).waitlist_count == 2
    leave_buy(zhang, buy)  # 1 frees up: only the second entry fits
    db.session.commit()
    entries = {e.user_id: e for e in db.session.scalars(sa.select(WaitlistEntry))}
    assert entries[fourth.id].status == WaitStatus.PROMOTED
    assert entries[liu.id].status == WaitStatus.WAITING
    assert [n.user_id for n in notifications("gb_waitlist_promoted")] == [fourth.id]
    assert counted(buy.id) == (4, 2, 4, 2)
    join_buy(wang, buy, 0 + 1)  # wang goes 3 -> 1: 2 free, liu needs 3: still waiting
    db.session.commit()
    assert entries[liu.id].status == WaitStatus.WAITING
    leave_buy(wang, buy)  # now 3 free
    db.session.commit()
    db.session.refresh(entries[liu.id])
    assert entries[liu.id].status == WaitStatus.PROMOTED
    assert counted(buy.id) == (4, 2, 4, 2)
    liu_order = db.session.scalar(sa.select(Order).where(Order.user_id == liu.id))
    assert liu_order.note == "等等我" and liu_order.quantity == 3
    assert state(buy.id).waitlist_count == 0


def test_closing_succeeds_once_and_tells_everyone(world):
    buy = make_buy(world.leader, [world.point], min_quantity=3, stock_cap=3)
    wang, zhang, liu = (m.user for m in world.residents)
    join_buy(wang, buy, 2)
    join_buy(zhang, buy, 1)
    db.session.commit()
    join_waitlist(liu, buy, 1)
    db.session.commit()
    pass_deadline(buy)
    assert close_buy(buy.id) == BuyStatus.SUCCEEDED
    db.session.commit()
    assert close_buy(buy.id) is None  # second time: nothing happens
    db.session.commit()
    assert {o.status for o in order_rows(buy.id)} == {OrderStatus.CONFIRMED}
    assert sorted(n.user_id for n in notifications("gb_succeeded")) == sorted([wang.id, zhang.id])
    assert [n.user_id for n in notifications("gb_waitlist_closed")] == [liu.id]
    assert [n.user_id for n in notifications("gb_leader_succeeded")] == [world.leader.user_id]
    with pytest.raises(DomainError, match="closed"):
        join_buy(liu, state(buy.id), 1)


def test_closing_fails_below_the_minimum(world):
    buy = make_buy(world.leader, [world.point], min_quantity=10)
    join_buy(world.residents[0].user, buy, 2)
    db.session.commit()
    pass_deadline(buy)
    report = sweep()
    assert report["failed"] == 1
    assert state(buy.id).status == BuyStatus.FAILED
    assert {o.status for o in order_rows(buy.id)} == {OrderStatus.VOID}
    assert len(notifications("gb_failed")) == 1 and len(notifications("gb_leader_failed")) == 1
    assert sweep()["failed"] == 0


def test_a_buy_cannot_be_edited_once_someone_joined(world):
    buy = make_buy(world.leader, [world.point])
    now = utcnow()
    changed = BuyInput(
        title="新标题",
        unit="斤",
        unit_price_cents=999,
        min_quantity=1,
        deadline=now + timedelta(days=1),
        pickup_from=now + timedelta(days=2),
        pickup_until=now + timedelta(days=3),
        pickup_point_ids=[world.point.id],
    )
    update_buy(buy, changed)
    db.session.commit()
    assert state(buy.id).title == "新标题"
    join_buy(world.residents[0].user, state(buy.id), 1)
    db.session.commit()
    with pytest.raises(DomainError, match="no longer be changed"):
        update_buy(state(buy.id), changed)


def test_cancel_tells_everyone(world):
    buy = make_buy(world.leader, [world.point])
    for m in world.residents:
        join_buy(m.user, buy, 1)
    db.session.commit()
    cancel_buy(buy, world.leader.user, "供应商缺货")
    db.session.commit()
    assert state(buy.id).status == BuyStatus.CANCELLED
    assert {o.status for o in order_rows(buy.id)} == {OrderStatus.VOID}
    told = notifications("gb_cancelled")
    assert sorted(n.user_id for n in told) == sorted(m.user_id for m in world.residents)
    assert told[0].params["reason"] == "供应商缺货"
    with pytest.raises(DomainError):
        cancel_buy(state(buy.id), world.leader.user)


def _arrived_buy(world, points=None, **fields):
    buy = make_buy(world.leader, points or [world.point], min_quantity=2, **fields)
    for m in world.residents:
        join_buy(m.user, buy, 1)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    return state(buy.id)


def test_arrival_issues_unique_codes_and_signals(world):
    sent = []

    def on_ready(order, **kwargs):
        sent.append((order.id, kwargs["pickup_point_id"], kwargs["code"]))

    order_ready.connect(on_ready)
    try:
        buy = _arrived_buy(world)
        issued = mark_arrived(buy)
        db.session.commit()
    finally:
        order_ready.disconnect(on_ready)
    codes = [o.pickup_code for o in issued]
    assert len(issued) == 3 and len(set(codes)) == 3
    assert all(len(c) == 8 and c.isdigit() for c in codes)
    assert {o.status for o in order_rows(buy.id)} == {OrderStatus.READY}
    assert sorted(sent) == sorted((o.id, world.point.id, o.pickup_code) for o in issued)
    assert len(notifications("pickup_ready")) == 3
    with pytest.raises(DomainError):
        mark_arrived(state(buy.id))  # only once


def test_orders_at_a_locker_wait_for_the_deposit(world):
    locker = make_point(world.community, "5栋智能柜", kind=PickupKind.LOCKER)
    buy = _arrived_buy(world, points=[locker])
    assert mark_arrived(buy) == []
    db.session.commit()
    assert {o.status for o in order_rows(buy.id)} == {OrderStatus.CONFIRMED}


def test_pickup_interface_for_the_lockers_domain(world):
    from portal.groupbuy.services.pickup_codes import issue_pickup_code

    buy = _arrived_buy(world)
    order = order_rows(buy.id)[0]
    assert order_by_reference(world.point.id, order.reference.lower()) == order
    assert order_by_reference(world.point.id + 999, order.reference) is None
    code = issue_pickup_code(order)
    assert issue_pickup_code(order) == code  # idempotent
    db.session.commit()
    assert order_for_code(world.point.id, code) == order
    assert order_for_code(world.point.id, f"{code[:4]} {code[4:]}") == order
    assert order_for_code(world.point.id + 999, code) is None
    assert order_for_code(world.point.id, "1234567") is None
    completed = []

    def on_completed(o, **kw):
        completed.append((o.id, kw))

    order_completed.connect(on_completed)
    try:
        mark_collected(order, "locker")
        db.session.commit()
        with pytest.raises(DomainError, match="collected already"):
            mark_collected(order, "code")
    finally:
        order_completed.disconnect(on_completed)  # only this one: the domains' receivers stay
    assert completed == [(order.id, {"user_id": order.user_id, "community_id": order.community_id})]
    assert order.status == OrderStatus.COLLECTED and order.pickup_code is None
    assert order_for_code(world.point.id, code) is None
    with pytest.raises(DomainError):
        issue_pickup_code(order)


def test_delegate_sees_and_is_told(world):
    buy = _arrived_buy(world)
    order = order_rows(buy.id)[0]
    neighbour = (
        world.residents[2].user if order.user_id != world.residents[2].user_id else world.residents[1].user
    )
    # a number of no neighbour here is taken like any other (the answer never tells who is a
    # member), and nobody is told or may collect
    delegate_pickup(order, world.outsider.user.phone)
    db.session.commit()
    assert (order.delegate_phone, order.delegate_user_id, notifications("gb_delegated")) == (
        world.outsider.user.phone,
        None,
        [],
    )
    with pytest.raises(DomainError):
        delegate_pickup(order, order.user.phone)  # my own
    delegate_pickup(order, neighbour.phone)
    db.session.commit()
    assert [n.user_id for n in notifications("gb_delegated")] == [neighbour.id]
    mark_arrived(state(buy.id))
    db.session.commit()
    assert neighbour.id in [n.user_id for n in notifications("pickup_ready_delegate")]


def test_reminders_overdue_and_expiry(world, app):
    buy = _arrived_buy(world)
    mark_arrived(buy)
    db.session.commit()
    for order in order_rows(buy.id):
        order.code_issued_at = utcnow() - timedelta(hours=5)
    db.session.commit()
    near_end = state(buy.id).pickup_until - timedelta(hours=1)
    assert sweep(near_end)["reminded"] == 3
    assert sweep(near_end)["reminded"] == 0
    after = state(buy.id).pickup_until + timedelta(minutes=1)
    assert sweep(after)["overdue"] == 3
    assert sweep(after)["overdue"] == 0
    assert len(notifications("pickup_overdue")) == 3 and len(notifications("pickup_overdue_leader")) == 1
    later = state(buy.id).pickup_until + timedelta(hours=app.config.get("PICKUP_CODE_GRACE_HOURS", 72) + 1)
    assert sweep(later)["expired"] == 3
    assert {(o.status, o.pickup_code) for o in order_rows(buy.id)} == {(OrderStatus.UNCLAIMED, None)}


def test_slots_have_a_capacity(world):
    from portal.groupbuy.services.fulfilment import book_slot, slots_for

    world.point.slot_capacity = 1
    world.point.slot_minutes = 60
    db.session.commit()
    buy = _arrived_buy(world)
    first, second, _third = order_rows(buy.id)
    slots = slots_for(first)
    assert 11 <= len(slots) <= 12 and all(free == 1 for _s, free, _m in slots)
    assert all(8 <= to_wall_clock(s).hour < 20 for s, _f, _m in slots)  # open 每天 08:00–20:00
    assert all(s.minute == 0 and s.second == 0 for s, _f, _m in slots)  # on the hour
    assert slots[0][0] >= buy.pickup_from and slots[-1][0] + timedelta(hours=1) <= buy.pickup_until
    start = slots[0][0]
    book_slot(first, start)
    db.session.commit()
    book_slot(first, start)  # the same booking again changes nothing
    db.session.commit()
    with pytest.raises(DomainError, match="fully booked"):
        book_slot(second, start)
    db.session.rollback()
    book_slot(first, slots[1][0])  # moving frees the first slot
    db.session.commit()
    book_slot(second, start)
    db.session.commit()
    assert [free for _s, free, _m in slots_for(second)[:3]] == [0, 0, 1]
    with pytest.raises(DomainError):
        book_slot(second, start + timedelta(minutes=7))


def test_paid_and_unpaid(world):
    buy = make_buy(world.leader, [world.point])
    order = join_buy(world.residents[0].user, buy, 1)
    db.session.commit()
    set_paid(order, True)
    assert order.paid_at is not None
    set_paid(order, False)
    assert order.paid_at is None


def test_devices_cannot_order(world, make):
    kiosk = make.member(world.community, make.user(is_device=True), roles=Role.KIOSK).user
    buy = make_buy(world.leader, [world.point], stock_cap=5, min_quantity=1)
    with pytest.raises(DomainError, match="devices cannot order"):
        join_buy(kiosk, buy, 1)
    with pytest.raises(DomainError, match="devices cannot order"):
        join_waitlist(kiosk, buy, 1)
