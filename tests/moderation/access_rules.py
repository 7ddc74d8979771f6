"""Moderation routes in the access matrix (see tests/access.py)."""

from flask import current_app

from portal.boards.services import posts as boards_posts
from portal.core.db import db
from portal.moderation.services import trust
from tests.access import Route

MODERATORS = {
    "anonymous": "login",
    "resident": 403,
    "outsider": 403,
    "admin": "ok",
    "volunteer": "ok",
    "leader": 403,
    "kiosk": 403,
}


def populate(world):
    volunteer = world.memberships["volunteer"]
    with current_app.test_request_context("/"):
        trust(volunteer.user_id, volunteer.community_id)
        world.objects["post"] = boards_posts.create_post(volunteer, "chat", "欢迎", "大家好", [])
    db.session.commit()


ROUTES = [
    Route(
        "moderation.report",
        "POST",
        lambda w: f"/moderation/report/post/{w['post'].id}",
        {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": "ok", "volunteer": 422},
        data=lambda w: {"reason": "spam"},
    ),
    Route("moderation.queue", "GET", lambda w: "/moderation", MODERATORS),
    Route(
        "moderation.action",
        "POST",
        lambda w: f"/moderation/post/{w['post'].id}/hide",
        {**MODERATORS, "outsider_admin": 404},
    ),
    Route("moderation.log", "GET", lambda w: "/moderation/log", MODERATORS),
]
