"""Demand-pool routes in the access matrix (see tests/access.py).

Everyone of community A lives in the same unit (tests/access.py), so they are one household:
the volunteer's wish carries the household's +1, which any of them may change or take back.
"outsider_leader" leads in community B: A's wishes are 404 to them.
"""

from flask import current_app

from portal.community.models import Role
from portal.core.db import db
from portal.demand.services import WishInput, post_wish
from portal.moderation.services import trust
from tests.access import Route

MEMBERS = {
    "anonymous": "login",
    "resident": "ok",
    "outsider": "ok",
    "admin": "ok",
    "leader": "ok",
    "kiosk": 403,
}
MEMBERS_422 = {"anonymous": "login", "resident": 422, "outsider": 422, "admin": 422, "kiosk": 403}
A_OBJECT = {
    "anonymous": "login",
    "resident": "ok",
    "outsider": 404,
    "admin": "ok",
    "leader": "ok",
    "outsider_admin": 404,
    "kiosk": 403,
}
DECIDERS = {
    "anonymous": "login",
    "resident": 403,
    "volunteer": 403,
    "outsider": 403,
    "admin": "ok",
    "leader": "ok",
    "outsider_admin": 404,
    "outsider_leader": 404,
    "kiosk": 403,
}
LEADERS = {**DECIDERS, "admin": 403, "outsider_admin": 403}
ADMINS = {
    "anonymous": "login",
    "resident": 403,
    "leader": 403,
    "outsider": 403,
    "admin": "ok",
    "outsider_admin": "ok",
    "kiosk": 403,
}


def populate(world):
    world.add_person("outsider_leader", world["other_community"], Role.RESIDENT | Role.LEADER)
    volunteer = world.memberships["volunteer"]
    with current_app.test_request_context("/"):
        for m in world.memberships.values():
            trust(m.user_id, m.community_id)
        world.objects["wish"] = post_wish(volunteer, WishInput(title="崇明大米", quantity=2))
        world.objects["target"] = post_wish(volunteer, WishInput(title="崇明的大米", quantity=1))
    db.session.commit()


ROUTES = [
    Route("demand.index", "GET", lambda w: "/demand", MEMBERS),
    Route("demand.new", "GET", lambda w: "/demand/new", MEMBERS),
    Route("demand.new", "POST", lambda w: "/demand/new", MEMBERS_422, data=lambda w: {}),
    Route("demand.wish", "GET", lambda w: f"/demand/{w['wish'].id}", A_OBJECT),
    Route(
        "demand.plus",
        "POST",
        lambda w: f"/demand/{w['wish'].id}/plus",
        A_OBJECT,
        data=lambda w: {"quantity": "3"},
    ),
    Route("demand.withdraw_vote", "POST", lambda w: f"/demand/{w['wish'].id}/withdraw", A_OBJECT),
    Route("demand.plan", "POST", lambda w: f"/demand/{w['wish'].id}/plan", DECIDERS),
    Route(
        "demand.decline_wish",
        "POST",
        lambda w: f"/demand/{w['wish'].id}/decline",
        DECIDERS,
        data=lambda w: {"reason": "供应商不送"},
    ),
    Route(
        "demand.merge_wish",
        "POST",
        lambda w: f"/demand/{w['wish'].id}/merge",
        DECIDERS,
        data=lambda w: {"target": str(w["target"].id)},
    ),
    Route("demand.convert", "GET", lambda w: f"/demand/{w['wish'].id}/convert", LEADERS),
    Route("demand.export", "GET", lambda w: "/demand/export.csv", ADMINS),
]
