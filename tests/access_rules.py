"""Foundation routes in the access matrix (see tests/access.py)."""

from portal.community.models import MembershipStatus
from portal.community.services import create_invite
from portal.core.db import db
from tests.access import Route

ANYONE = {"anonymous": "ok", "resident": "ok", "outsider": "ok", "admin": "ok"}
MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok"}
ADMINS = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": "ok", "outsider_admin": "ok"}
# an object of community A: its admin may, B's admin gets 404, non-admins 403
A_ADMIN_OBJECT = {**ADMINS, "outsider_admin": 404}
# an invitation made by A's resident: only its maker sees it
OWN_INVITE = {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": 404}
PLATFORM = {"anonymous": "login", "resident": 403, "admin": 403, "outsider": 403, "platform": "ok"}
INVALID_FORM = {"anonymous": 422, "resident": 422, "outsider": 422, "admin": 422}


def populate(world):
    a = world["community"]
    world.objects["invite"] = create_invite(world.memberships["resident"])
    world.objects["applicant"] = world.make.member(a, status=MembershipStatus.PENDING)
    db.session.commit()


def _a(world):
    return world["community"].id


ROUTES = [
    Route("home.index", "GET", lambda w: "/", ANYONE),
    # a card of my community's home: for its residents; a kiosk screen or no community: 404
    Route(
        "home.card",
        "GET",
        lambda w: "/home/cards/ready",
        {**MEMBERS, "leader": "ok", "outsider_admin": "ok", "kiosk": 404, "platform": 404},
    ),
    Route("accounts.login", "GET", lambda w: "/login", ANYONE),
    Route("accounts.login", "POST", lambda w: "/login", INVALID_FORM, data=lambda w: {"phone": "1"}),
    Route("accounts.logout", "POST", lambda w: "/logout", ANYONE),
    Route("accounts.me", "GET", lambda w: "/me", MEMBERS),
    Route(
        "accounts.me", "POST", lambda w: "/me", {**MEMBERS, "resident": 422, "admin": 422, "outsider": 422}
    ),
    Route("community.mine", "GET", lambda w: "/communities", MEMBERS),
    Route(
        "community.switch",
        "POST",
        lambda w: f"/communities/{_a(w)}/switch",
        {"anonymous": "login", "resident": "ok", "admin": "ok", "outsider": 404},
    ),
    Route("community.apply_choose", "GET", lambda w: "/apply", ANYONE),
    Route("community.apply", "GET", lambda w: f"/apply/{_a(w)}", ANYONE),
    Route("community.apply", "GET", lambda w: "/apply/999999", {p: 404 for p in ANYONE}),
    Route("community.apply", "POST", lambda w: f"/apply/{_a(w)}", INVALID_FORM, data=lambda w: {}),
    Route("community.join", "GET", lambda w: f"/join/{w['invite'].token}", ANYONE),
    Route("community.join", "GET", lambda w: "/join/no-such-token", {p: 404 for p in ANYONE}),
    Route("community.join", "POST", lambda w: f"/join/{w['invite'].token}", INVALID_FORM, data=lambda w: {}),
    Route("community.invites", "GET", lambda w: "/invites", MEMBERS),
    Route("community.new_invite", "POST", lambda w: "/invites", MEMBERS),
    Route("community.revoke", "POST", lambda w: f"/invites/{w['invite'].id}/revoke", OWN_INVITE),
    Route("community.invite_qr", "GET", lambda w: f"/invites/{w['invite'].id}/qr.svg", OWN_INVITE),
    Route("community.members", "GET", lambda w: "/admin/members", ADMINS),
    Route(
        "community.member",
        "GET",
        lambda w: f"/admin/members/{w.memberships['resident'].id}",
        A_ADMIN_OBJECT,
    ),
    Route(
        "community.member_roles",
        "POST",
        lambda w: f"/admin/members/{w.memberships['resident'].id}/roles",
        A_ADMIN_OBJECT,
        data=lambda w: {"roles": ["1", "2"]},
    ),
    Route(
        "community.member_password",
        "POST",
        lambda w: f"/admin/members/{w.memberships['resident'].id}/password",
        A_ADMIN_OBJECT,
        data=lambda w: {"password": "a new password", "confirm": "a new password"},
    ),
    Route(
        "community.member_remove",
        "POST",
        lambda w: f"/admin/members/{w.memberships['resident'].id}/remove",
        A_ADMIN_OBJECT,
    ),
    Route("community.applications", "GET", lambda w: "/admin/applications", ADMINS),
    Route(
        "community.decide",
        "POST",
        lambda w: f"/admin/applications/{w['applicant'].id}/approve",
        A_ADMIN_OBJECT,
    ),
    Route("community.buildings", "GET", lambda w: "/admin/buildings", ADMINS),
    Route(
        "community.buildings",
        "POST",
        lambda w: "/admin/buildings",
        {**ADMINS, "admin": 422, "outsider_admin": 422},
        data=lambda w: {"buildings": ""},
    ),
    Route("community.invitations", "GET", lambda w: "/admin/invitations", ADMINS),
    Route("community.platform_communities", "GET", lambda w: "/platform/communities", PLATFORM),
    Route(
        "community.platform_communities",
        "POST",
        lambda w: "/platform/communities",
        {**PLATFORM, "platform": 422},
        data=lambda w: {"name": ""},
    ),
    Route("notifications.index", "GET", lambda w: "/notifications", MEMBERS),
    Route("notifications.read_all", "POST", lambda w: "/notifications/read", MEMBERS),
    Route("notifications.badge", "GET", lambda w: "/notifications/badge", MEMBERS),
    Route("i18n.set_locale", "POST", lambda w: "/locale", ANYONE, data=lambda w: {"locale": "en"}),
    Route("health.healthz", "GET", lambda w: "/healthz", {**ANYONE, "platform": "ok"}),
    Route("webapp.manifest", "GET", lambda w: "/manifest.webmanifest", ANYONE),
    Route("webapp.kiosk_manifest", "GET", lambda w: "/kiosk.webmanifest", ANYONE),
    Route("webapp.favicon", "GET", lambda w: "/favicon.ico", ANYONE),
]
