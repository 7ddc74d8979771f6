"""The after-sales quantity guard under real concurrency: a running portal (gunicorn, 4 workers ×
8 threads) and 4 client processes firing 56 reports at once at one collected order of 10 — on
SQLite, and on PostgreSQL with PORTAL_TEST_DATABASE_URL.

With the guard (the conditional UPDATE of aftersales_order_claims) the cases never cover more
than the 10 collected; the control switches it off (AFTERSALES_QUANTITY_GUARD=false: check, then
write) and must exceed it, which shows that this test catches the race.
"""


import sqlalchemy as sa

from portal.aftersales.models import Case, OrderClaim
from portal.community.models import Role
from portal.core.db import db
from tests.aftersales import race_client
from tests.aftersales.helpers import collected_order
from tests.conftest import TEST_PASSWORD
from tests.groupbuy.helpers import make_point
from tests.race import run_at_once

COLLECTED = 10
REPORTS = 56
PROCESSES = 4


def _setup(make, app):
    community = make.community("售后小区")
    point = make_point(community)
    leader = make.member(community, roles=Role.RESIDENT | Role.LEADER)
    resident = make.member(community).user
    with app.test_request_context():
        order = collected_order(leader, resident, point, quantity=COLLECTED)
    return order, resident


def _fire(url: str, order_id: int, phone: str) -> list:
    jobs = [(phone, order_id, 1) for _ in range(REPORTS)]
    shares = [(url, TEST_PASSWORD, jobs[i::PROCESSES]) for i in range(PROCESSES)]
    reports = run_at_once(race_client.run, shares)
    return [outcome for report in reports for outcome in report]


def _tally(order_id: int):
    db.session.rollback()  # see what the server committed
    cases = db.session.scalars(sa.select(Case).where(Case.order_id == order_id)).all()
    claim = db.session.get(OrderClaim, order_id)
    return sum(c.quantity for c in cases), len(cases), claim.reported_quantity if claim else 0


def test_concurrent_reports_never_exceed_the_collected_quantity(live_server, make, app):
    order, resident = _setup(make, app)
    server = live_server(workers=4)
    statuses = _fire(server.url, order.id, resident.phone)
    assert len(statuses) == REPORTS
    assert set(statuses) <= {303, 422}, (sorted(set(statuses)), server.output()[-3000:])
    covered, count, counter = _tally(order.id)
    print(
        f"\nafter-sales race (guard on): {statuses.count(303)} accepted of {REPORTS}; "
        f"cases cover {covered}/{COLLECTED}"
    )
    assert covered == COLLECTED == counter  # exactly what was collected, never more
    assert count == statuses.count(303) == COLLECTED


def test_control_without_the_guard_exceeds_it(live_server, make, app):
    order, resident = _setup(make, app)
    server = live_server(workers=4, AFTERSALES_QUANTITY_GUARD=False)
    statuses = _fire(server.url, order.id, resident.phone)
    assert set(statuses) <= {303, 422}, (sorted(set(statuses)), server.output()[-3000:])
    covered, _count, counter = _tally(order.id)
    print(
        f"\nafter-sales race (guard off, control): {statuses.count(303)} accepted; "
        f"cases cover {covered}/{COLLECTED}"
    )
    assert covered > COLLECTED, (
        "the control should exceed the collected quantity, or the race test proves nothing"
    )
