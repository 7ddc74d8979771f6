"""+1s under real concurrency: a running portal (gunicorn, 4 workers) and every member of twelve
households +1'ing the same wish twice at the same moment, each with their own quantity — on
SQLite, and on PostgreSQL with PORTAL_TEST_DATABASE_URL. Each household counts once, and the
counters equal the +1 rows."""

import threading

import sqlalchemy as sa

from portal.core.db import db
from portal.demand.models import Wish, WishVote
from portal.demand.services import WishInput, post_wish
from portal.moderation.services import trust
from tests.conftest import TEST_PASSWORD
from tests.live import HttpSession

HOUSEHOLDS = 12
MEMBERS_EACH = 3
REPEATS = 2


def test_concurrent_plus_ones_count_each_household_once(app, live_server, make):
    buildings = "\n".join(f"{n}栋: 1单元" for n in range(1, HOUSEHOLDS + 1))
    community = make.community("抢着要小区", buildings=buildings)
    members = [
        make.member(community, building_index=b) for b in range(HOUSEHOLDS) for _ in range(MEMBERS_EACH)
    ]
    for m in members:
        trust(m.user_id, m.community_id)
    with app.test_request_context():
        wish = post_wish(members[0], WishInput(title="土蜂蜜", quantity=1))
    db.session.commit()
    server = live_server(workers=4)
    sessions = []
    for index, m in enumerate(members):
        session = HttpSession(server.url).login(m.user.phone, TEST_PASSWORD)
        _status, page, _headers = session.get(f"/demand/{wish.id}")
        session.csrf = HttpSession.CSRF.search(page).group(1)
        sessions.append((session, 1 + index % 5))
    start, lock, statuses = threading.Event(), threading.Lock(), []

    def fire(session, quantity):
        start.wait()
        status, _body, _headers = session.post(
            f"/demand/{wish.id}/plus", {"quantity": str(quantity)}, headers={"HX-Request": "true"}
        )
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=fire, args=s) for s in sessions for _ in range(REPEATS)]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == len(members) * REPEATS
    assert set(statuses) <= {200, 422}, (sorted(set(statuses)), server.output()[-3000:])
    db.session.rollback()
    wish = db.session.get(Wish, wish.id)
    rows = list(db.session.scalars(sa.select(WishVote).where(WishVote.wish_id == wish.id)))
    assert len(rows) == HOUSEHOLDS == len({v.household for v in rows})
    assert wish.household_count == HOUSEHOLDS
    assert wish.quantity_total == sum(v.quantity for v in rows)
    print(f"\ndemand race: {len(statuses)} +1s, {statuses.count(200)} counted, {statuses.count(422)} retried")
