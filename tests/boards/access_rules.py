"""Boards routes in the access matrix (see tests/access.py)."""

from datetime import timedelta

from portal.boards.services import groups as boards_groups
from portal.boards.services import help as boards_help
from portal.boards.services import posts as boards_posts
from portal.boards.services import skills as boards_skills
from portal.community.models import Role
from portal.core import localtime
from portal.core.db import db
from portal.moderation.services import trust
from tests.access import Route

MEMBERS = {"anonymous": "login", "resident": "ok", "outsider": "ok", "admin": "ok"}
MEMBERS_422 = {"anonymous": "login", "resident": 422, "outsider": 422, "admin": 422}
A_OBJECT = {"anonymous": "login", "resident": "ok", "outsider": 404, "admin": "ok"}
MODERATORS_422 = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": 422, "volunteer": 422}
MODERATORS_OK = {"anonymous": "login", "resident": 403, "outsider": 403, "admin": "ok", "volunteer": "ok"}
A_MOD_OBJECT = {"anonymous": "login", "resident": 403, "outsider": 404, "admin": "ok", "volunteer": "ok"}
# a volunteer's own item: only they act on it; everyone else in A gets 403 or 404
A_AUTHOR_403 = {"anonymous": "login", "resident": 403, "outsider": 404, "admin": 403, "volunteer": "ok"}
A_PARTY_ONLY = {"anonymous": "login", "resident": 404, "outsider": 404, "admin": 404, "volunteer": "ok"}


def populate(world):
    from flask import current_app

    a = world["community"]
    volunteer, leader = world.memberships["volunteer"], world.memberships["leader"]
    with current_app.test_request_context("/"):
        for m in world.memberships.values():
            trust(m.user_id, m.community_id)
        world.objects["post"] = boards_posts.create_post(volunteer, "chat", "欢迎", "大家好", ["闲聊"])
        world.objects["topic"] = boards_posts.create_topic(volunteer, "本周话题", "")
        listing = boards_skills.create_listing(volunteer, "offer", "教做手工", "", ["手工"], 0)
        world.objects["listing"] = listing
        world.objects["exchange"] = boards_skills.respond(leader, listing, "想学")
        need = boards_help.create_need(
            volunteer, "帮忙搬柜子", "", localtime.today() + timedelta(days=1), "", "", 0
        )
        world.objects["need"] = need
        world.objects["offer"] = boards_help.offer_help(leader, need, "我来")
        world.objects["group"] = boards_groups.create_group(volunteer, "宠物互助群", "")
    db.session.commit()
    assert volunteer.has(Role.VOLUNTEER) and a.id == volunteer.community_id


ROUTES = [
    Route("boards.index", "GET", lambda w: "/boards", {**MEMBERS, "kiosk": 403, "leader": "ok"}),
    Route("boards.chat", "GET", lambda w: "/boards/chat", MEMBERS),
    Route("boards.chat_post", "POST", lambda w: "/boards/chat", MEMBERS_422, data=lambda w: {}),
    Route("boards.newcomers", "GET", lambda w: "/boards/newcomers", MEMBERS),
    Route("boards.newcomers_post", "POST", lambda w: "/boards/newcomers", MEMBERS_422, data=lambda w: {}),
    Route("boards.post", "GET", lambda w: f"/boards/posts/{w['post'].id}", A_OBJECT),
    Route(
        "boards.post_reply",
        "POST",
        lambda w: f"/boards/posts/{w['post'].id}/replies",
        A_OBJECT,
        data=lambda w: {"body": "说得好"},
    ),
    Route("boards.topic_create", "POST", lambda w: "/boards/topics", MODERATORS_422, data=lambda w: {}),
    Route("boards.topic_unpin", "POST", lambda w: f"/boards/topics/{w['topic'].id}/unpin", A_MOD_OBJECT),
    Route("boards.skills", "GET", lambda w: "/boards/skills", MEMBERS),
    Route("boards.skill_create", "POST", lambda w: "/boards/skills", MEMBERS_422, data=lambda w: {}),
    Route("boards.skill", "GET", lambda w: f"/boards/skills/{w['listing'].id}", A_OBJECT),
    Route(
        "boards.skill_respond",
        "POST",
        lambda w: f"/boards/skills/{w['listing'].id}/respond",
        {**A_OBJECT, "volunteer": 422},
        data=lambda w: {"message": "我想学"},
    ),
    Route("boards.skill_close", "POST", lambda w: f"/boards/skills/{w['listing'].id}/close", A_AUTHOR_403),
    Route(
        "boards.exchange_action",
        "POST",
        lambda w: f"/boards/exchanges/{w['exchange'].id}/agree",
        A_PARTY_ONLY,
    ),
    Route("boards.help_needs", "GET", lambda w: "/boards/help", MEMBERS),
    Route("boards.need_create", "POST", lambda w: "/boards/help", MEMBERS_422, data=lambda w: {}),
    Route("boards.need", "GET", lambda w: f"/boards/help/{w['need'].id}", A_OBJECT),
    Route(
        "boards.need_offer",
        "POST",
        lambda w: f"/boards/help/{w['need'].id}/offer",
        {**A_OBJECT, "volunteer": 422},
        data=lambda w: {"message": "我可以"},
    ),
    Route(
        "boards.offer_action", "POST", lambda w: f"/boards/help/offers/{w['offer'].id}/accept", A_PARTY_ONLY
    ),
    Route("boards.need_action", "POST", lambda w: f"/boards/help/{w['need'].id}/cancel", A_AUTHOR_403),
    Route("boards.groups", "GET", lambda w: "/boards/groups", MEMBERS),
    Route("boards.group_create", "POST", lambda w: "/boards/groups", MODERATORS_422, data=lambda w: {}),
    Route("boards.group", "GET", lambda w: f"/boards/groups/{w['group'].id}", A_OBJECT),
    Route("boards.group_membership", "POST", lambda w: f"/boards/groups/{w['group'].id}/join", A_OBJECT),
    Route(
        "boards.group_post",
        "POST",
        lambda w: f"/boards/groups/{w['group'].id}/posts",
        {"anonymous": "login", "resident": 403, "outsider": 404, "admin": 403, "volunteer": 422},
        data=lambda w: {},
    ),
]
