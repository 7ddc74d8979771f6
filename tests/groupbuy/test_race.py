"""Stock under real concurrency: a running portal (gunicorn, 4 workers × 8 threads) and 4 client
processes firing 120 joins at once at a buy with a stock of 10 — on SQLite, and on PostgreSQL
with PORTAL_TEST_DATABASE_URL (make test; required when CI=true).

With the guard (the conditional UPDATE) exactly 10 units are sold and the counters equal the
order rows; the control run switches the guard off (GROUPBUY_STOCK_GUARD=false: check, then
write) and must oversell, which shows that this test catches the race.
"""

import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db
from portal.groupbuy.models import GroupBuy, Order, OrderStatus
from tests.conftest import TEST_PASSWORD
from tests.groupbuy import race_client
from tests.groupbuy.helpers import make_buy, make_point
from tests.race import run_at_once

STOCK = 10
RESIDENTS = 100
DOUBLE_SUBMITTERS = 20  # these send the same join twice at the same moment
PROCESSES = 4


def _setup(make):
    community = make.community("抢购小区")
    point = make_point(community)
    leader = make.member(community, roles=Role.RESIDENT | Role.LEADER)
    residents = [make.member(community).user for _ in range(RESIDENTS)]
    buy = make_buy(leader, [point], title="限量土蜂蜜", min_quantity=1, stock_cap=STOCK)
    return buy, residents


def _fire(url: str, buy_id: int, residents) -> list:
    jobs = [
        (user.phone, buy_id, 1, 2 if index < DOUBLE_SUBMITTERS else 1) for index, user in enumerate(residents)
    ]
    shares = [(url, TEST_PASSWORD, jobs[i::PROCESSES]) for i in range(PROCESSES)]
    reports = run_at_once(race_client.run, shares)
    return [outcome for report in reports for outcome in report]


def _tally(buy_id: int):
    db.session.rollback()  # end the test's read snapshot; see what the server committed
    buy = db.session.get(GroupBuy, buy_id)
    joined = db.session.scalars(
        sa.select(Order).where(Order.buy_id == buy_id, Order.status == OrderStatus.JOINED)
    ).all()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Order).where(Order.buy_id == buy_id))
    return buy, joined, rows


def test_concurrent_joins_never_oversell(live_server, make):
    buy, residents = _setup(make)
    server = live_server(workers=4)
    outcome = _fire(server.url, buy.id, residents)
    statuses = [status for _phone, status in outcome]
    assert len(statuses) == RESIDENTS + DOUBLE_SUBMITTERS
    assert set(statuses) <= {303, 422}, (sorted(set(statuses)), server.output()[-3000:])
    buy, joined, rows = _tally(buy.id)
    sold = sum(o.quantity for o in joined)
    print(
        f"\nrace (guard on): {len(statuses)} joins, {statuses.count(303)} accepted, "
        f"{statuses.count(422)} sold out; sold {sold}/{STOCK}, counter {buy.quantity_total}"
    )
    assert sold == STOCK and buy.quantity_total == STOCK  # exactly the stock, 0 oversold
    assert buy.participant_count == len(joined) == STOCK  # counters equal the order rows
    assert rows == len(joined)  # refused joins left no rows behind
    assert len({o.user_id for o in joined}) == len(joined)  # one order per resident
    accepted_phones = [phone for phone, status in outcome if status == 303]
    assert len(set(accepted_phones)) == STOCK  # a double submission counts once
    assert all(o.quantity == 1 for o in joined)


def test_control_without_the_guard_oversells(live_server, make):
    buy, residents = _setup(make)
    server = live_server(workers=4, GROUPBUY_STOCK_GUARD=False)
    outcome = _fire(server.url, buy.id, residents)
    statuses = [status for _phone, status in outcome]
    assert set(statuses) <= {303, 422}, (sorted(set(statuses)), server.output()[-3000:])
    buy, joined, _rows = _tally(buy.id)
    sold = sum(o.quantity for o in joined)
    print(
        f"\nrace (guard off, control): {statuses.count(303)} accepted; sold {sold}/{STOCK}, "
        f"counter {buy.quantity_total}"
    )
    assert sold > STOCK, "the control run should oversell; if it does not, the race test proves nothing"
