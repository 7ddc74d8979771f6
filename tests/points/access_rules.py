"""Points routes in the access matrix (see tests/access.py)."""

from flask import current_app

from portal.core import localtime
from portal.core.db import db
from portal.points import catalogue
from portal.points import services as points
from tests.access import Route

ANYONE = {"anonymous": "ok", "resident": "ok", "outsider": "ok", "admin": "ok"}
MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok"}
A_OBJECT = {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": "ok"}
ADMINS = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": "ok", "outsider_admin": "ok"}
ADMINS_422 = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": 422, "outsider_admin": 422}
A_ADMIN_OBJECT = {**ADMINS, "outsider_admin": 404}


def populate(world):
    a = world["community"]
    with current_app.test_request_context("/"):
        for name in ("resident", "admin", "volunteer"):
            points.award(world.people[name].id, a.id, 100, "admin_grant")
        world.objects["item"] = catalogue.create_item(
            a.id, title="家政保洁 2 小时", cost=30, provider="阿姨家政"
        )
        world.objects["campaign"] = points.create_campaign(
            a.id, "邻里介绍月", "invite", 2, localtime.today(), localtime.today()
        )
    db.session.commit()


def _item(w):
    return w["item"].id


ROUTES = [
    Route("points.index", "GET", lambda w: "/points", {**MEMBERS, "kiosk": 403}),
    Route("points.index", "GET", lambda w: "/points?page=2", MEMBERS),
    Route(
        "points.give",
        "POST",
        lambda w: f"/points/give/{w.memberships['volunteer'].id}",
        {**A_OBJECT, "volunteer": 422},
        data=lambda w: {"amount": "5", "note": "谢谢"},
    ),
    Route("points.catalogue", "GET", lambda w: "/points/catalogue", MEMBERS),
    Route("points.redeem_item", "POST", lambda w: f"/points/catalogue/{_item(w)}/redeem", A_OBJECT),
    Route("points.redemptions", "GET", lambda w: "/points/redemptions", MEMBERS),
    Route("points.check", "GET", lambda w: f"/points/check/{w['item'].check_token}", ANYONE),
    Route("points.check", "GET", lambda w: "/points/check/not-a-token", {p: 404 for p in ANYONE}),
    Route(
        "points.check",
        "POST",
        lambda w: f"/points/check/{w['item'].check_token}",
        {p: 422 for p in ANYONE},
        data=lambda w: {"code": "ZZZZZZZZ"},
    ),
    Route("points.admin_catalogue", "GET", lambda w: "/points/admin/catalogue", ADMINS),
    Route(
        "points.admin_catalogue", "POST", lambda w: "/points/admin/catalogue", ADMINS_422, data=lambda w: {}
    ),
    Route("points.admin_item", "GET", lambda w: f"/points/admin/catalogue/{_item(w)}", A_ADMIN_OBJECT),
    Route(
        "points.admin_item",
        "POST",
        lambda w: f"/points/admin/catalogue/{_item(w)}",
        {**A_ADMIN_OBJECT, "admin": 422},
        data=lambda w: {},
    ),
    Route("points.admin_campaigns", "GET", lambda w: "/points/admin/campaigns", ADMINS),
    Route(
        "points.admin_campaigns", "POST", lambda w: "/points/admin/campaigns", ADMINS_422, data=lambda w: {}
    ),
    Route(
        "points.end_campaign",
        "POST",
        lambda w: f"/points/admin/campaigns/{w['campaign'].id}/end",
        A_ADMIN_OBJECT,
    ),
    Route("points.admin_invitations", "GET", lambda w: "/points/admin/invitations", ADMINS),
    Route("points.admin_badges", "GET", lambda w: "/points/admin/badges?q=邻", ADMINS),
    Route(
        "points.admin_badge_action",
        "POST",
        lambda w: f"/points/admin/badges/{w.memberships['resident'].id}/grant",
        A_ADMIN_OBJECT,
        data=lambda w: {"badge": "gold_leader"},
    ),
]
