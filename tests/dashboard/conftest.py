from datetime import date, timedelta

import pytest

from portal.community.models import Role
from portal.core.db import db
from portal.groupbuy.models import BuyStatus, OrderStatus
from tests.dashboard.helpers import Builder, at


@pytest.fixture(autouse=True)
def _english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def world(make):
    """Two communities with everything the figures measure, November 2026 worked out by hand
    (see test_metrics.py for the answers):

    Community A (3 units): the leader and 王阿姨 and 王先生 in unit 0 (one household), 张先生 in unit 1,
    刘女士 in unit 2; 新邻居 joined by invitation on Nov 9, 老邻居 on Oct 15; an admin who is no resident.
    Community B (3 units): one resident with one order in November.
    """

    class World:
        pass

    w = World()
    a = w.a = Builder(make, "翠屏幸福里")
    w.wang, w.wang2 = a.member(0), a.member(0)
    w.zhang, w.liu = a.member(1), a.member(2)
    w.new = a.member(2, joined=at(date(2026, 11, 9)), invited_by_id=a.leader.user_id)
    w.old = a.member(1, joined=at(date(2026, 10, 15)), invited_by_id=a.leader.user_id)
    w.admin = a.member(1, roles=Role.ADMIN)

    # October: 王阿姨 and 刘女士 order (the repurchase rate's first month); a case reported Oct 31
    october = a.buy(closed=at(date(2026, 10, 8)))
    w.oct_wang = a.order(
        october,
        w.wang,
        at(date(2026, 10, 10)),
        ready=at(date(2026, 10, 11), 9),
        collected=at(date(2026, 10, 11), 10),
    )
    a.order(
        october,
        w.liu,
        at(date(2026, 10, 12)),
        ready=at(date(2026, 10, 11), 9),
        collected=at(date(2026, 10, 20), 9),
    )
    a.case(w.oct_wang, reported=at(date(2026, 10, 31), 12), resolved=at(date(2026, 11, 1), 12))  # 24 h
    a.review(w.oct_wang, 1, published=at(date(2026, 10, 15)))

    # November: a traced buy that arrived (Nov 2), one that failed (Nov 10), one cancelled, one
    # that succeeded (Nov 20)
    w.batch, w.untraced_batch = a.batch(), a.batch()
    w.arrived = a.buy(closed=at(date(2026, 11, 2)), batch=w.batch)
    w.failed = a.buy(status=BuyStatus.FAILED, closed=at(date(2026, 11, 10)))
    a.buy(status=BuyStatus.CANCELLED)
    w.succeeded = a.buy(status=BuyStatus.SUCCEEDED, closed=at(date(2026, 11, 20)))
    w.o1 = a.order(
        w.arrived,
        w.wang,
        at(date(2026, 11, 3), 9),
        ready=at(date(2026, 11, 3), 10),
        collected=at(date(2026, 11, 3), 12),
    )
    w.o2 = a.order(
        w.arrived,
        w.wang2,
        at(date(2026, 11, 4), 9),
        ready=at(date(2026, 11, 4), 10),
        collected=at(date(2026, 11, 4), 20),
    )
    a.order(w.arrived, w.zhang, at(date(2026, 11, 5)), status=OrderStatus.CANCELLED)  # withdrawn
    a.order(w.failed, w.liu, at(date(2026, 11, 8)), status=OrderStatus.VOID)  # the buy failed
    a.order(w.succeeded, w.zhang, at(date(2026, 11, 18)))
    a.case(w.o1, reported=at(date(2026, 11, 5), 12), resolved=at(date(2026, 11, 6), 0))  # 12 h
    a.review(w.o1, 5, published=at(date(2026, 11, 5)))
    a.review(w.o2, 2, published=at(date(2026, 11, 6)), status="hidden")
    a.views(w.batch, date(2026, 11, 3), 5)
    a.views(w.batch, date(2026, 11, 4), 2)
    a.views(w.batch, date(2026, 10, 31), 100)  # before the period
    a.views(w.untraced_batch, date(2026, 11, 3), 50)  # a batch no buy sold

    a.help_need(w.wang, completed=at(date(2026, 11, 7)))
    a.help_need(w.wang, completed=at(date(2026, 10, 20)))
    a.help_need(w.zhang, state="open")
    a.post(w.old, at(date(2026, 11, 20)))

    reading = a.event(at(date(2026, 11, 15), 14))
    a.signup(reading, a.leader, checked_in=True, signed=at(date(2026, 11, 13)))
    a.signup(reading, w.wang, signed=at(date(2026, 11, 13)))
    a.signup(reading, w.wang2, status="cancelled", signed=at(date(2026, 11, 13)))
    a.signup(reading, w.zhang, status="waitlisted", signed=at(date(2026, 11, 13)))
    called_off = a.event(at(date(2026, 11, 20), 14), cancelled=True)
    a.signup(called_off, w.liu, checked_in=True, signed=at(date(2026, 11, 18)))
    october_event = a.event(at(date(2026, 10, 20), 14))
    a.signup(october_event, w.new, checked_in=True, signed=at(date(2026, 10, 18)))

    for score in (10, 9, 8, 7, 6, 0):
        a.nps(w.wang, score, at(date(2026, 11, 21)))
    a.nps(w.wang, 10, at(date(2026, 10, 21)))
    a.nps(w.zhang, None, at(date(2026, 11, 21)))  # offered, never answered

    b = w.b = Builder(make, "梧桐花园")
    w.b_resident = b.member(0)
    b.order(b.buy(closed=at(date(2026, 11, 2))), w.b_resident, at(date(2026, 11, 3)))
    db.session.commit()
    return w


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
