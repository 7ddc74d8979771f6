"""The privacy matrix: every profile field × every visibility × every kind of viewer, on every
surface that shows neighbours (profile page, directory and tag search, suggestions, participant
lists — help offers, group members, post authors — and their htmx fragments).

A field shows exactly when its owner's setting allows the viewer: "community" → anyone in the
community, "building" → neighbours of the same building, "me" → nobody else. Viewers from
another community and anonymous visitors never see anything of it.
"""

import io
import tempfile
from datetime import timedelta

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.boards.services import groups as boards_groups
from portal.boards.services import help as boards_help
from portal.boards.services import posts as boards_posts
from portal.core import localtime
from portal.core.db import db
from portal.core.uploads import save_image
from portal.moderation.services import trust
from portal.neighbors.models import PROFILE_FIELDS
from portal.neighbors.privacy import ensure_profile
from portal.neighbors.services import update_profile
from tests.neighbors.html import elements

LEVELS = ("me", "building", "community")
VIEWERS = ("same_building", "other_building", "other_community", "anonymous")
ANCHOR = "共同爱好"  # a tag every viewer shares with the owner, shown to the whole community

MARKERS = {
    "name": "名字标记",  # the owner is 甲名字标记; masked, only 甲** shows
    "building": "标记楼A",
    "occupation": "职业标记",
    "intro": "简介标记",
    "skills": "技能标记",
    "interests": "兴趣标记",
}

# which fields each surface displays at all (the others must never appear there)
PROFILE_SHOWS = set(PROFILE_FIELDS)
CARD_SHOWS = {"name", "avatar", "building", "occupation", "skills", "interests"}
INLINE_SHOWS = {"name", "avatar", "building"}


def should_see(viewer: str, level: str) -> bool:
    if viewer == "same_building":
        return level in ("building", "community")
    if viewer == "other_building":
        return level == "community"
    return False


def png() -> FileStorage:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (20, 120, 200)).save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(buffer, filename="me.png", content_type="image/png")


@pytest.fixture
def world(app, make):
    """Community A (标记楼A, 乙楼B) with the owner, a neighbour in each building, a volunteer;
    community B with an outsider."""
    app.config["UPLOAD_FOLDER"] = tempfile.mkdtemp(prefix="linli-privacy-")
    a = make.community(buildings="标记楼A: 1单元\n乙楼B: 1单元")
    b = make.community(buildings="丙楼: 1单元")
    people = {
        "owner": make.member(a, make.user(name="甲名字标记"), building_index=0),
        "same_building": make.member(a, make.user(name="邻居一"), building_index=0),
        "other_building": make.member(a, make.user(name="邻居二"), building_index=1),
        "helper": make.member(a, make.user(name="组织者"), building_index=1),
        "other_community": make.member(b, make.user(name="外人")),
    }
    with app.test_request_context("/"):
        for m in people.values():
            trust(m.user_id, m.community_id)
        for name in ("same_building", "other_building", "other_community"):
            viewer = people[name]
            update_profile(
                viewer,
                display_name=viewer.user.display_name,
                occupation="",
                intro="",
                skills=[],
                interests=[ANCHOR],
                visibility={"interests": "community"},
                discoverable=True,
                offers_experience=False,
                wants_suggestions=False,
            )
        db.session.commit()
    return a, people


def set_owner(app, owner, field: str, level: str) -> dict:
    """The tested field at `level`, every other field private — except the anchor tag."""
    visibility = {name: "me" for name in PROFILE_FIELDS}
    visibility[field] = level
    anchor_kind = "skills" if field == "interests" else "interests"
    visibility[anchor_kind] = "community" if field != anchor_kind else level
    with app.test_request_context("/"):
        update_profile(
            owner,
            display_name="甲名字标记",
            occupation=MARKERS["occupation"],
            intro=MARKERS["intro"],
            skills=[MARKERS["skills"]] + ([ANCHOR] if anchor_kind == "skills" else []),
            interests=[MARKERS["interests"]] + ([ANCHOR] if anchor_kind == "interests" else []),
            visibility=visibility,
            discoverable=True,
            offers_experience=False,
            wants_suggestions=False,
        )
        ensure_profile(owner).avatar = save_image(png(), "avatars")
        db.session.commit()
    return visibility


def marker(field: str, owner) -> str:
    return f"/neighbors/{owner.id}/avatar" if field == "avatar" else MARKERS[field]


def participants(app, community, people):
    """A help need of each same-community viewer with the owner's offer, a group the owner is in,
    a chat post by the owner."""
    owner = people["owner"]
    made = {}
    with app.test_request_context("/"):
        day = localtime.today() + timedelta(days=1)
        for name in ("same_building", "other_building"):
            need = boards_help.create_need(people[name], f"{name} 的需要", "", day, "", "", 0)
            made[name] = (need, boards_help.offer_help(owner, need, "我来帮忙"))
        from portal.community.models import Role

        people["helper"].roles = people["helper"].roles | Role.VOLUNTEER
        group = boards_groups.create_group(people["helper"], "互助小组", "")
        boards_groups.join_group(owner, group)
        post = boards_posts.create_post(owner, "chat", "一条帖子", "大家好", [])
        db.session.commit()
        return made, group.id, post.id


def surfaces(client, viewer, people, made, group_id, post_id):
    """(surface name, html of the owner's part, fields the surface displays) for this viewer."""
    owner = people["owner"]
    htmx = {"HX-Request": "true"}
    found = []
    for fragment in (False, True):
        headers = htmx if fragment else {}
        suffix = " (fragment)" if fragment else ""
        page = client.get(f"/neighbors/{owner.id}", headers=headers).get_data(as_text=True)
        found.append(("profile" + suffix, "".join(elements(page, id="profile")), PROFILE_SHOWS))
        for query in ("", f"?tag={ANCHOR}"):
            page = client.get(f"/neighbors{query}", headers=headers).get_data(as_text=True)
            cards = elements(page, class_="person-card", data_membership=owner.id)
            found.append((f"directory{query}{suffix}", "".join(cards), CARD_SHOWS))
            if not query:
                box = "".join(elements(page, class_="suggestions"))
                found.append(
                    ("suggestions" + suffix, "".join(elements(box, data_membership=owner.id)), CARD_SHOWS)
                )
        need, offer = made[viewer]
        page = client.get(f"/boards/help/{need.id}", headers=headers).get_data(as_text=True)
        found.append(("help offers" + suffix, "".join(elements(page, id=f"offer-{offer.id}")), INLINE_SHOWS))
        if not fragment:  # the group page's fragment is its board, without the member list
            page = client.get(f"/boards/groups/{group_id}").get_data(as_text=True)
            found.append(("group members", "".join(elements(page, data_membership=owner.id)), INLINE_SHOWS))
        page = client.get("/boards/chat", headers=headers).get_data(as_text=True)
        found.append(("chat author" + suffix, "".join(elements(page, id=f"post-{post_id}")), INLINE_SHOWS))
    return found


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("field", PROFILE_FIELDS)
def test_field_shows_exactly_when_allowed(app, auth, world, field, level, viewer):
    community, people = world
    owner = people["owner"]
    set_owner(app, owner, field, level)
    made, group_id, post_id = participants(app, community, people)
    text = marker(field, owner)

    if viewer in ("other_community", "anonymous"):
        client = auth.login(people[viewer].user) if viewer == "other_community" else app.test_client()
        expected = 404 if viewer == "other_community" else 302
        for url in (
            f"/neighbors/{owner.id}",
            f"/neighbors/{owner.id}/avatar",
            f"/boards/help/{made['same_building'][0].id}",
            f"/boards/groups/{group_id}",
            f"/boards/posts/{post_id}",
        ):
            response = client.get(url)
            assert response.status_code == expected, url
            if not url.endswith("/avatar"):  # (the error page repeats its own address)
                assert text not in response.get_data(as_text=True), url
        for url in (
            "/neighbors",
            f"/neighbors?tag={MARKERS['skills']}",
            f"/neighbors?tag={ANCHOR}",
            "/boards/chat",
            "/boards/help",
        ):
            page = client.get(url).get_data(as_text=True)
            assert not elements(page, data_membership=owner.id), url
            if MARKERS["skills"] not in url:  # (a search box repeats what was searched)
                assert text not in page, url
        return

    client = auth.login(people[viewer].user)
    visible = should_see(viewer, level)
    checked = 0
    for surface, html, shows in surfaces(client, viewer, people, made, group_id, post_id):
        assert html, f"the owner is missing from {surface}"
        expect = visible and field in shows
        assert (text in html) == expect, f"{field}={level} seen by {viewer} on {surface}: expected {expect}"
        if field == "name" and not expect:
            assert "甲**" in html, surface  # the masked name stands in
        checked += 1
    assert checked == 13

    avatar = client.get(f"/neighbors/{owner.id}/avatar")
    assert avatar.status_code == (200 if field == "avatar" and visible else 404)

    # searching by the tested tag finds the owner only when the tag is visible to the viewer
    if field in ("skills", "interests"):
        page = client.get(f"/neighbors?tag={MARKERS[field]}").get_data(as_text=True)
        assert bool(elements(page, class_="person-card", data_membership=owner.id)) == visible
