"""After-sales routes in the access matrix (tests/access.py).

Personas besides the basic ones: "case_leader" leads the buy the cases are about; "leader" leads
another buy in the same community; "outsider"/"outsider_admin" belong to another community. A
case is seen by its resident, its leader and the community's admins; everyone else gets 404.
"""

from flask import current_app

from portal.aftersales import money
from portal.aftersales import services as sv
from portal.aftersales.models import LedgerEntry
from portal.community.models import Role
from portal.core.db import db
from tests.access import Route
from tests.aftersales.helpers import collected_order
from tests.groupbuy.helpers import make_point

MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok", "leader": "ok"}
CASE = {
    "anonymous": "login",
    "resident": "ok",
    "outsider": 404,
    "admin": "ok",
    "case_leader": "ok",
    "leader": 404,
    "outsider_admin": 404,
}
# the leader or an admin acts; the resident sees the case but may not do this (422)
HANDLER = {**CASE, "resident": 422}
LEADER_ONLY = {**HANDLER, "admin": 422}
RESIDENT_ONLY = {**CASE, "case_leader": 422, "admin": 422}
# reporting: my own order, or the leader of its buy at the handover
REPORTER = {**CASE, "admin": 404}
LEADERS = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "admin": 403,
    "leader": "ok",
    "case_leader": "ok",
}
ADMINS = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "leader": 403,
    "admin": "ok",
    "outsider_admin": "ok",
}


def populate(world):
    with current_app.test_request_context():  # notifications link to the case pages
        _populate(world)


def _populate(world):
    a = world["community"]
    owner = world.add_person("case_leader", a, Role.RESIDENT | Role.LEADER)
    resident = world.people["resident"]
    point = make_point(a, "5栋自提点")
    order = collected_order(owner, resident, point, quantity=8)
    world.objects["order"] = order

    def case(state):
        made = sv.report(order, resident, reason="damaged", quantity=1)
        if state in ("offered", "rejected", "owed"):
            sv.make_offer(made, owner.user, "refund", cents=500)
        if state == "rejected":
            sv.reject(made, resident, "太少")
        if state == "owed":
            sv.accept(made, resident)
        if state == "claimed":
            money.claim_supplier(made, owner.user, 300)
        db.session.commit()
        world.objects[state] = made

    for state in ("reported", "offered", "rejected", "owed", "claimed"):
        case(state)
    world.objects["owed_entry"] = db.session.query(LedgerEntry).filter_by(case_id=world["owed"].id).first()


def _case(w, state="reported"):
    return f"/aftersales/cases/{w[state].id}"


ROUTES = [
    Route("aftersales.report", "GET", lambda w: f"/aftersales/orders/{w['order'].id}/report", REPORTER),
    Route(
        "aftersales.report",
        "POST",
        lambda w: f"/aftersales/orders/{w['order'].id}/report",
        REPORTER,
        data=lambda w: {"reason": "missing", "quantity": "1"},
    ),
    Route(
        "aftersales.report",
        "POST",
        lambda w: f"/aftersales/orders/{w['order'].id}/report",
        {**REPORTER, "resident": 422, "case_leader": 422},
        data=lambda w: {"reason": "", "quantity": "99"},
    ),
    Route("aftersales.case", "GET", lambda w: _case(w), CASE),
    Route(
        "aftersales.case",
        "GET",
        lambda w: "/aftersales/cases/999999",
        {**CASE, "resident": 404, "admin": 404, "case_leader": 404},
    ),
    Route(
        "aftersales.offer",
        "POST",
        lambda w: f"{_case(w)}/offer",
        HANDLER,
        data=lambda w: {"kind": "refund", "amount": "5.00"},
    ),
    Route("aftersales.accept", "POST", lambda w: f"{_case(w, 'offered')}/accept", RESIDENT_ONLY),
    Route(
        "aftersales.reject",
        "POST",
        lambda w: f"{_case(w, 'offered')}/reject",
        RESIDENT_ONLY,
        data=lambda w: {"reason": "不够"},
    ),
    Route("aftersales.escalate", "POST", lambda w: f"{_case(w, 'rejected')}/escalate", RESIDENT_ONLY),
    Route(
        "aftersales.paid",
        "POST",
        lambda w: f"{_case(w, 'owed')}/paid",
        HANDLER,
        data=lambda w: {"method": "微信"},
    ),
    Route(
        "aftersales.claim",
        "POST",
        lambda w: f"{_case(w)}/claim",
        LEADER_ONLY,
        data=lambda w: {"claim_amount": "3.00"},
    ),
    Route("aftersales.settle", "POST", lambda w: f"{_case(w, 'claimed')}/settle", LEADER_ONLY),
    Route("aftersales.write_off", "POST", lambda w: f"{_case(w, 'claimed')}/write-off", LEADER_ONLY),
    Route(
        "aftersales.correct",
        "POST",
        lambda w: f"/aftersales/ledger/{w['owed_entry'].id}/correct",
        HANDLER,
        data=lambda w: {"fix_amount": "-1.00", "fix_note": "多算"},
    ),
    Route("aftersales.mine", "GET", lambda w: "/aftersales", MEMBERS),
    Route("aftersales.queue", "GET", lambda w: "/aftersales/queue", LEADERS),
    Route("aftersales.rates", "GET", lambda w: "/aftersales/rates", LEADERS),
    Route("aftersales.cases_csv", "GET", lambda w: "/aftersales/cases.csv", LEADERS),
    Route("aftersales.escalated", "GET", lambda w: "/aftersales/escalated", ADMINS),
    Route("aftersales.windows", "GET", lambda w: "/aftersales/windows", ADMINS),
    Route(
        "aftersales.windows",
        "POST",
        lambda w: "/aftersales/windows",
        ADMINS,
        data=lambda w: {f"hours_{c}": "48" for c in ("fresh", "daily", "local", "handmade", "service")},
    ),
]
