"""Profiles, tags, the directory, suggestions, contact requests, ambassadors and newcomers."""

import io

import pytest
from PIL import Image

from portal.community.models import Role
from portal.core.db import db
from portal.neighbors.listeners import on_order_completed
from portal.neighbors.models import ContactRequest, Profile, PurchaseHint, Tag
from portal.neighbors.privacy import public_label
from portal.neighbors.services import update_profile
from portal.neighbors.tags import normalize_tag, parse_tags
from tests.neighbors.html import elements

ALL_COMMUNITY = {
    f: "community" for f in ("name", "avatar", "building", "occupation", "intro", "skills", "interests")
}


def form(**over):
    data = {"display_name": "王阿姨", "occupation": "", "intro": "", "skills": "", "interests": ""}
    data.update({f"{f}_visibility": "me" for f in ALL_COMMUNITY})
    data.update(over)
    return data


@pytest.fixture
def hood(app, make):
    a = make.community()
    return a, {
        name: make.member(a, make.user(name=name), building_index=i % 2)
        for i, name in enumerate(("王阿姨", "张先生", "刘女士"))
    }


def test_tags_are_normalised():
    assert normalize_tag(" 烘焙 ") == normalize_tag("烘焙") == normalize_tag("#烘焙") == "烘焙"
    assert normalize_tag("Ｐｙｔｈｏｎ") == "python"
    assert parse_tags("烘焙, 烘焙 ，#烘焙、 修家电\n园艺") == ["烘焙", "修家电", "园艺"]


def test_a_new_profile_is_private(auth, hood):
    _a, people = hood
    # unlisted and showing nobody her name, her profile is as if it did not exist
    assert auth.login(people["张先生"].user).get(f"/neighbors/{people['王阿姨'].id}").status_code == 404
    assert not elements(
        auth.login(people["张先生"].user).get("/neighbors").get_data(as_text=True), class_="person-card"
    )


def test_editing_the_profile_with_tags_and_privacy(auth, hood, htmx):
    a, people = hood
    client = auth.login(people["王阿姨"].user)
    assert client.get("/neighbors/me").status_code == 200
    response = client.post(
        "/neighbors/me",
        data=form(
            occupation="退休教师",
            skills="育儿经验,  做饭",
            interests=" 烘焙 , 烘焙, #园艺",
            skills_visibility="community",
            interests_visibility="building",
            name_visibility="community",
            discoverable="y",
        ),
        headers=htmx,
    )
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    profile = db.session.scalar(db.select(Profile))
    assert profile.tag_names("skill") == ["育儿经验", "做饭"]
    assert profile.tag_names("interest") == ["烘焙", "园艺"]
    assert profile.skills_visibility == "community" and profile.occupation_visibility == "me"
    assert db.session.scalar(db.select(db.func.count()).select_from(Tag)) == 4
    # the same tag typed differently by another neighbour is the same tag
    auth.login(people["张先生"].user).post(
        "/neighbors/me", data=form(display_name="张先生", interests="＃烘焙 ")
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(Tag)) == 4


def test_bad_profile_input_is_422_and_changes_nothing(auth, hood, htmx):
    _a, people = hood
    client = auth.login(people["王阿姨"].user)
    for bad in (
        form(name_visibility="everyone"),
        form(display_name=""),
        form(skills="x" * 21),
        form(skills=", ".join(f"t{i}" for i in range(11))),
    ):
        response = client.post("/neighbors/me", data=bad, headers=htmx)
        assert response.status_code == 422, bad
        assert "field-error" in response.get_data(as_text=True)
    profile = db.session.scalar(db.select(Profile))
    assert profile is None or not profile.tags


def test_avatar_upload_is_stored_and_served_only_as_allowed(app, auth, hood, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    _a, people = hood
    client = auth.login(people["王阿姨"].user)
    image = io.BytesIO()
    Image.new("RGB", (40, 40), (255, 0, 0)).save(image, "PNG")
    image.seek(0)
    response = client.post(
        "/neighbors/me",
        data={**form(avatar_visibility="community"), "avatar": (image, "me.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    profile = db.session.scalar(db.select(Profile))
    assert profile.avatar.startswith("avatars/") and profile.avatar.endswith(".webp")
    other = auth.login(people["张先生"].user)
    assert other.get(f"/neighbors/{people['王阿姨'].id}/avatar").status_code == 200
    client.post("/neighbors/me", data=form(avatar_visibility="me"))
    assert other.get(f"/neighbors/{people['王阿姨'].id}/avatar").status_code == 404
    bad = client.post(
        "/neighbors/me",
        data={**form(), "avatar": (io.BytesIO(b"not a picture"), "x.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "not a picture" in bad.get_data(as_text=True)


def test_directory_search_by_tag_and_shared_tag_suggestions(app, auth, hood):
    _a, people = hood
    with app.test_request_context("/"):
        update_profile(
            people["王阿姨"],
            display_name="王阿姨",
            occupation="",
            intro="",
            skills=["育儿经验"],
            interests=["烘焙"],
            visibility=ALL_COMMUNITY,
            discoverable=True,
            offers_experience=False,
            wants_suggestions=False,
        )
        update_profile(
            people["刘女士"],
            display_name="刘女士",
            occupation="",
            intro="",
            skills=[],
            interests=["烘焙"],
            visibility=ALL_COMMUNITY,
            discoverable=False,
            offers_experience=False,
            wants_suggestions=False,
        )
        db.session.commit()
    client = auth.login(people["刘女士"].user)
    page = client.get("/neighbors?tag=烘焙").get_data(as_text=True)
    assert elements(page, class_="person-card", data_membership=people["王阿姨"].id)
    assert not client.get("/neighbors?tag=钓鱼").get_data(as_text=True).count("person-card")
    suggestions = "".join(elements(client.get("/neighbors").get_data(as_text=True), class_="suggestions"))
    assert "王阿姨" in suggestions and "烘焙" in suggestions
    # 刘女士 is not listed: nobody finds her, even by a tag she shows
    page = auth.login(people["王阿姨"].user).get("/neighbors?tag=烘焙").get_data(as_text=True)
    assert not elements(page, data_membership=people["刘女士"].id)


def test_experienced_neighbours_need_both_sides_to_opt_in(app, auth, hood):
    a, people = hood
    buyer, expert = people["刘女士"], people["王阿姨"]

    class Order:  # what the group-buy domain sends: an order with its buy
        id = 7

        class buy:  # noqa: N801
            title = "宝宝辅食 有机米粉"
            description = ""
            category = "daily"

    def suggestions():
        page = auth.login(buyer.user).get("/neighbors").get_data(as_text=True)
        return "".join(elements(page, class_="experienced"))

    with app.test_request_context("/"):
        update_profile(
            expert,
            display_name="王阿姨",
            occupation="",
            intro="",
            skills=["育儿经验"],
            interests=[],
            visibility=ALL_COMMUNITY,
            discoverable=True,
            offers_experience=False,
            wants_suggestions=False,
        )
        on_order_completed(Order(), user_id=buyer.user_id, community_id=a.id)
        db.session.commit()
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(PurchaseHint)) == 0
    )  # buyer has not opted in
    with app.test_request_context("/"):
        update_profile(
            buyer,
            display_name="刘女士",
            occupation="",
            intro="",
            skills=[],
            interests=[],
            visibility={},
            discoverable=False,
            offers_experience=False,
            wants_suggestions=True,
        )
        on_order_completed(Order(), user_id=buyer.user_id, community_id=a.id)
        db.session.commit()
    assert db.session.scalar(db.select(PurchaseHint.topic)) == "parenting"
    assert "王阿姨" not in suggestions()  # the expert has not opted in
    with app.test_request_context("/"):
        db.session.get(
            Profile, db.session.scalar(db.select(Profile.id).where(Profile.membership_id == expert.id))
        ).offers_experience = True
        db.session.commit()
    assert "王阿姨" in suggestions() and "parenting" in suggestions()
    # the buyer withdraws: what was derived from orders is forgotten
    auth.login(buyer.user).post("/neighbors/me", data=form(display_name="刘女士"))
    assert db.session.scalar(db.select(db.func.count()).select_from(PurchaseHint)) == 0


def test_contact_requests_share_a_phone_only_when_chosen(auth, hood, htmx):
    _a, people = hood
    wang, zhang = people["王阿姨"], people["张先生"]
    client = auth.login(zhang.user)
    response = client.post(
        f"/neighbors/{wang.id}/contact",
        data={"message": "你好, 想请教育儿", "share_phone": "y"},
        headers=htmx,
    )
    assert response.status_code == 200 and "Sent" in response.get_data(as_text=True)
    assert client.post(f"/neighbors/{wang.id}/contact", data={"message": "again"}).status_code == 422
    assert client.post(f"/neighbors/{wang.id}/contact", data={"message": ""}).status_code == 422
    request = db.session.scalar(db.select(ContactRequest))
    wang_client = auth.login(wang.user)
    inbox = wang_client.get("/neighbors/contacts").get_data(as_text=True)
    assert "你好, 想请教育儿" in inbox and zhang.user.phone not in inbox  # not before accepting
    wang_client.post(f"/neighbors/contacts/{request.id}/accept", data={})  # accepts, keeps her phone
    assert zhang.user.phone in wang_client.get("/neighbors/contacts").get_data(as_text=True)
    assert wang.user.phone not in client.get("/neighbors/contacts").get_data(as_text=True)
    assert (
        wang_client.post(f"/neighbors/contacts/{request.id}/decline").status_code == 422
    )  # answered already
    for page in ("/neighbors", f"/neighbors/{wang.id}", "/boards/chat"):
        assert wang.user.phone not in client.get(page).get_data(as_text=True)


def test_public_label_for_other_domains(app, hood):
    _a, people = hood
    wang, zhang, liu = people["王阿姨"], people["张先生"], people["刘女士"]  # wang, liu: building 0; zhang: 1
    with app.test_request_context("/"):
        assert public_label(zhang, wang) == "王**"
        update_profile(
            wang,
            display_name="王阿姨",
            occupation="",
            intro="",
            skills=[],
            interests=[],
            visibility={"building": "building"},
            discoverable=False,
            offers_experience=False,
            wants_suggestions=False,
        )
        building = wang.building.name
        assert public_label(liu, wang) == f"王** · {building}"
        assert public_label(zhang, wang) == "王**"
        assert public_label(None, wang) == "王**"
        assert public_label(wang, wang) == f"王阿姨 · {building}"


def test_ambassadors_welcome_newcomers(app, auth, make, hood, htmx):
    a, people = hood
    admin = make.member(a, roles=Role.RESIDENT | Role.ADMIN)
    admin_client = auth.login(admin.user)
    assert admin_client.post(f"/neighbors/ambassadors/{people['王阿姨'].id}/on").status_code == 303
    assert "王**" in admin_client.get("/neighbors/ambassadors").get_data(as_text=True)  # her name is private
    newcomer = people["刘女士"]
    from portal.moderation.services import trust

    with app.test_request_context("/"):
        trust(newcomer.user_id, a.id)
        db.session.commit()
    auth.login(newcomer.user).post("/boards/newcomers", data={"body": "大家好, 我是新搬来的"})
    from portal.boards.models import Post

    hello = db.session.scalar(db.select(Post))
    ambassador = auth.login(people["王阿姨"].user)
    board = ambassador.get("/boards/newcomers").get_data(as_text=True)
    assert "Welcome them" in board and "joined in the last 30 days" in board
    ambassador.post(f"/boards/posts/{hello.id}/replies", data={"body": "欢迎欢迎!"})
    board = auth.login(people["张先生"].user).get("/boards/newcomers").get_data(as_text=True)
    assert "Welcomed by an ambassador" in board
    assert "Ambassador" in auth.login(newcomer.user).get(f"/boards/posts/{hello.id}").get_data(as_text=True)


def test_a_newcomer_is_announced_to_the_ambassadors(app, make, hood):
    from portal.community.services import create_invite, join_by_invite
    from portal.notifications.models import Notification

    a, people = hood
    volunteer = make.member(a, roles=Role.RESIDENT | Role.VOLUNTEER)
    newcomer = make.user(name="新邻居")
    with app.test_request_context("/"):
        invite = create_invite(people["王阿姨"])
        join_by_invite(newcomer, invite, a.buildings[0].units[0])
        db.session.commit()
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(db.select(Notification))}
    assert (volunteer.user_id, "newcomer_joined") in kinds
    assert (newcomer.id, "newcomer_hello") in kinds
