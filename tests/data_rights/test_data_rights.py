"""Download my data; delete my account and what remains of it."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import LoginSession, User
from portal.boards.models import Board, Post
from portal.boards.services.posts import create_post
from portal.community.models import Membership, MembershipStatus, Role
from portal.core.db import db, utcnow
from portal.events.services.signups import sign_up
from portal.groupbuy.models import BuyStatus, Order, OrderStatus
from portal.groupbuy.services.joining import join_buy
from portal.moderation.models import ContentStatus, Trust
from portal.neighbors.models import ContactRequest, Profile, ProfileTag, Tag, Visibility
from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.points.models import PointsEntry
from portal.points.services import award
from tests.conftest import TEST_PASSWORD
from tests.events.helpers import make_event
from tests.groupbuy.helpers import make_buy, make_point
from tests.snapshot import db_snapshot

PASSWORD = TEST_PASSWORD


@pytest.fixture(autouse=True)
def _english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def town(app, make):
    """A community where 王阿姨 (the person) bought, posted, earned points and signed up; a
    neighbour 神秘邻居 (name private, phone 13900009999) shares her buy and her board."""

    class Town:
        pass

    t = Town()
    t.community = make.community("幸福里")
    t.point = make_point(t.community)
    t.leader = make.member(t.community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    t.admin = make.member(t.community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN)
    t.me = make.member(t.community, make.user("王阿姨", phone="13800001111"))
    t.neighbour = make.member(t.community, make.user("神秘邻居", phone="13900009999"), building_index=1)
    with app.test_request_context():
        t.buy = make_buy(t.leader, [t.point], commit=False)
        join_buy(t.me.user, t.buy, 2, note="放门口")
        join_buy(t.neighbour.user, t.buy, 1)
        t.post = create_post(t.me, Board.CHAT, "谁家有梯子", "借用一下,谢谢")
        t.post.status = ContentStatus.VISIBLE
        create_post(t.neighbour, Board.CHAT, "楼下有人吗", "我家有梯子")
        award(t.me.user_id, t.community.id, 30, "invite", note="邀请奖励")
        notify(t.me.user_id, "help_cancelled", community_id=t.community.id)
        t.event = make_event(t.admin)
        sign_up(t.event, t.me, 0, utcnow())
        profile = Profile(
            membership_id=t.me.id, user_id=t.me.user_id, community_id=t.community.id, occupation="退休教师",
            name_visibility=Visibility.COMMUNITY, discoverable=True,
        )
        profile.tags.append(ProfileTag(tag=Tag(name="烘焙"), kind="skill"))
        db.session.add(profile)
        db.session.add(Trust(user_id=t.me.user_id, community_id=t.community.id))
        db.session.add(
            ContactRequest(
                community_id=t.community.id, from_membership_id=t.neighbour.id, to_membership_id=t.me.id,
                message="你好",
            )
        )
    db.session.commit()
    return t


def _hand_out(t):
    """The buy arrived and both collected: nothing of the person's is open any more."""
    t.buy.status = BuyStatus.ARRIVED
    for order in db.session.scalars(sa.select(Order).where(Order.buy_id == t.buy.id)):
        order.status = OrderStatus.COLLECTED
        order.collected_at = utcnow()
    db.session.commit()


def test_json_holds_my_rows_from_every_section_and_nothing_hidden_of_others(town, auth):
    client = auth.login(town.me.user)
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="linli-my-data-')
    assert response.headers["Content-Disposition"].endswith('.json"')
    text = response.get_data(as_text=True)
    data = json.loads(text)["sections"]
    assert data["account"]["account"]["phone"] == "13800001111"
    assert data["account"]["login_sessions"]
    assert data["communities"]["memberships"][0]["community"] == "幸福里"
    assert data["neighbours"]["profiles"][0]["skills"] == ["烘焙"]
    assert data["neighbours"]["contact_requests"][0]["direction"] == "received"
    assert data["neighbours"]["contact_requests"][0]["neighbour"].startswith("神**")  # as I see them
    assert data["groupbuy"]["orders"][0]["note"] == "放门口"
    assert data["groupbuy"]["orders"][0]["created_at"].endswith("Z")
    assert data["boards"]["posts"][0]["title"] == "谁家有梯子"
    assert data["points"]["ledger"][0]["amount"] == 30
    assert data["events"]["signups"][0]["event"] == town.event.title
    assert data["notifications"]
    assert data["moderation"]["trusted_poster"]
    # the neighbour shares my buy and my board but hid her name: neither it nor her phone leaks
    assert "神秘邻居" not in text and "13900009999" not in text
    assert "团长李姐" not in text


@pytest.mark.parametrize("locale, heading", [("en", "My data"), ("zh", "我的数据")])
def test_the_page_renders_in_both_languages(town, auth, app, locale, heading):
    app.config["BABEL_DEFAULT_LOCALE"] = locale
    client = auth.login(town.me.user)
    client.post("/locale", data={"locale": locale})
    page = client.get("/me/data", headers={"Accept-Language": locale}).get_data(as_text=True)
    assert heading in page
    assert "谁家有梯子" in page and "放门口" in page
    assert "神秘邻居" not in page and "13900009999" not in page
    assert "/me/delete" in client.get("/me").get_data(as_text=True)


def test_a_wrong_password_changes_nothing(town, auth):
    _hand_out(town)
    client = auth.login(town.me.user)
    before = db_snapshot()
    response = client.post("/me/delete", data={"password": "not it"})
    assert response.status_code == 422
    assert "This is not your password." in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_guessing_the_password_is_limited(town, auth):
    _hand_out(town)
    client = auth.login(town.me.user)
    before = db_snapshot()
    answers = [client.post("/me/delete", data={"password": f"guess {n}"}).status_code for n in range(11)]
    assert answers == [422] * 10 + [429]
    assert client.post("/me/delete", data={"password": PASSWORD}).status_code == 429  # the right one too
    assert db_snapshot() == before


def test_an_open_order_blocks_the_deletion(town, auth):
    client = auth.login(town.me.user)
    before = db_snapshot()
    response = client.post("/me/delete", data={"password": PASSWORD})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is not collected yet" in page and town.buy.title in page
    assert db_snapshot() == before


def test_leading_an_unfinished_buy_or_being_the_only_admin_blocks(town, auth, app):
    _hand_out(town)
    with app.test_request_context():
        make_buy(town.leader, [town.point], title="明天的鸡蛋")  # open, nobody joined yet
    for member, words in ((town.leader, "You lead the group buy"), (town.admin, "the only admin")):
        response = auth.login(member.user).post("/me/delete", data={"password": PASSWORD})
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(User, member.user_id).deleted_at is None


def test_what_remains_after_a_deletion(town, auth, app, make):
    _hand_out(town)
    me_id, membership_id = town.me.user_id, town.me.id
    client = auth.login(town.me.user)
    response = client.post("/me/delete", data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/deleted")
    assert client.get("/me").status_code == 302  # logged out
    db.session.expire_all()

    user = db.session.get(User, me_id)
    assert user.phone is None and user.deleted_at is not None and user.stored_name == ""
    assert db.session.get(Membership, membership_id).status == MembershipStatus.REMOVED
    for model, column in (
        (LoginSession, LoginSession.user_id), (Notification, Notification.user_id),
        (Profile, Profile.user_id), (Trust, Trust.user_id),
    ):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(column == me_id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileTag)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactRequest)) == 0
    # the community's accounts keep their rows, under the person's id
    assert db.session.scalar(sa.select(Order).where(Order.user_id == me_id)).quantity == 2
    assert db.session.scalar(sa.select(PointsEntry).where(PointsEntry.user_id == me_id)).amount == 30
    assert db.session.get(Post, town.post.id).author_id == me_id

    leader = auth.login(town.leader.user)
    orders_page = leader.get(f"/groupbuy/{town.buy.id}/orders").get_data(as_text=True)
    assert "Former resident" in orders_page and "王阿姨" not in orders_page
    csv = leader.get(f"/groupbuy/{town.buy.id}/orders.csv").get_data(as_text=True)
    assert "Former resident" in csv and "王阿姨" not in csv
    neighbour = auth.login(town.neighbour.user)
    post_page = neighbour.get(f"/boards/posts/{town.post.id}").get_data(as_text=True)
    assert "Former resident" in post_page and "王**" not in post_page
    assert "王" not in neighbour.get("/neighbors").get_data(as_text=True).split("<main", 1)[-1]
    buy_page = neighbour.get(f"/groupbuy/{town.buy.id}").get_data(as_text=True)
    assert "王**" not in buy_page and "Former resident" not in buy_page

    # in Chinese too
    zh = auth.login(town.leader.user)
    zh.post("/locale", data={"locale": "zh"})
    assert "已注销用户" in zh.get(f"/groupbuy/{town.buy.id}/orders").get_data(as_text=True)

    # the old password opens nothing; the number registers again
    assert app.test_client().post(
        "/login", data={"phone": "13800001111", "password": PASSWORD}
    ).status_code == 422
    newcomer = app.test_client()
    unit = town.community.buildings[0].units[0]
    response = newcomer.post(
        f"/apply/{town.community.id}",
        data={"display_name": "王阿姨", "phone": "13800001111", "password": "a new password",
              "confirm": "a new password", "unit": unit.id},
    )
    assert response.status_code == 303
    again = db.session.scalar(sa.select(User).where(User.phone == "13800001111"))
    assert again.id != me_id and again.deleted_at is None


def test_deletion_cancels_future_signups_through_the_events_rule(town, auth):
    _hand_out(town)
    auth.login(town.me.user).post("/me/delete", data={"password": PASSWORD})
    db.session.expire_all()
    db.session.refresh(town.event)
    assert town.event.places_taken == 0


def test_the_readable_page_is_bounded(town, auth, app):
    with app.test_request_context():
        for _ in range(60):
            notify(town.me.user_id, "help_cancelled", community_id=town.community.id)
    db.session.commit()
    page = auth.login(town.me.user).get("/me/data").get_data(as_text=True)
    assert "The latest 50 are shown here; the JSON file has them all." in page
    download = json.loads(auth.login(town.me.user).get("/me/data.json").data)
    assert len(download["sections"]["notifications"]) == 61


def test_kiosk_screens_have_no_data_page(app, make, auth):
    community = make.community()
    screen = make.member(community, roles=Role.KIOSK)
    client = auth.login(screen.user)
    assert client.get("/me/data").status_code == 404
    assert client.get("/me/delete").status_code == 404


def test_signups_started_stay(town, auth):
    """An event already begun keeps its signup (history), shown as Former resident."""
    town.event.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    _hand_out(town)
    auth.login(town.me.user).post("/me/delete", data={"password": PASSWORD})
    db.session.expire_all()
    db.session.refresh(town.event)
    assert town.event.places_taken == 1
