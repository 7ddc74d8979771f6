"""Boards through HTTP: htmx posting and replying in place, filters and pages, topics, skill
exchange and help days end to end with points, groups, posting rate limits."""

from datetime import timedelta

import pytest

from portal.boards.models import (
    AidGroup,
    ExchangeState,
    HelpNeed,
    NeedState,
    Post,
    SkillExchange,
    SkillListing,
    Topic,
)
from portal.boards.services import posts as boards_posts
from portal.community.models import Role
from portal.core import localtime
from portal.core.db import db
from portal.moderation.services import trust
from portal.points import services as points
from tests.neighbors.html import elements


@pytest.fixture
def hood(app, make):
    a = make.community()
    people = {name: make.member(a) for name in ("wang", "zhang", "liu")}
    people["volunteer"] = make.member(a, roles=Role.RESIDENT | Role.VOLUNTEER)
    with app.test_request_context("/"):
        for m in people.values():
            trust(m.user_id, a.id)
            points.award(m.user_id, a.id, 100, "welcome")
        db.session.commit()
    return a, people


def test_posting_answers_with_a_fresh_form_and_the_post_out_of_band(auth, hood, htmx):
    _a, people = hood
    client = auth.login(people["wang"].user)
    response = client.post(
        "/boards/chat", data={"title": "小区绿化", "body": "种些果树?", "tags": " 绿化 , #绿化"}, headers=htmx
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="post-form"' in html and 'hx-swap-oob="afterbegin:#posts"' in html and "小区绿化" in html
    post = db.session.scalar(db.select(Post))
    assert [t.name for t in post.tags] == ["绿化"]
    assert "<html" not in html


def test_an_invalid_post_is_422_with_errors_and_stores_nothing(auth, hood, htmx):
    _a, people = hood
    client = auth.login(people["wang"].user)
    response = client.post("/boards/chat", data={"title": "", "body": ""}, headers=htmx)
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    response = client.post(
        "/boards/chat", data={"title": "x", "body": "<script>alert(1)</script>"}, headers=htmx
    )
    assert response.status_code == 422  # nothing left once the script is removed
    too_many = ", ".join(f"标签{i}" for i in range(9))
    assert client.post("/boards/chat", data={"title": "x", "body": "y", "tags": too_many}).status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0


def test_replies_appear_in_place_and_lift_the_post(auth, hood, htmx):
    _a, people = hood
    wang = auth.login(people["wang"].user)
    wang.post("/boards/chat", data={"title": "先发", "body": "a"})
    wang.post("/boards/chat", data={"title": "后发", "body": "b"})
    first = db.session.scalar(db.select(Post).where(Post.title == "先发"))
    response = auth.login(people["zhang"].user).post(
        f"/boards/posts/{first.id}/replies", data={"body": "回复一下"}, headers=htmx
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'hx-swap-oob="beforeend:#replies"' in html and "回复一下" in html
    page = wang.get("/boards/chat").get_data(as_text=True)
    assert page.index("先发") < page.index("后发")  # the replied-to post rose to the top
    assert "💬 1" in "".join(elements(page, id=f"post-{first.id}"))
    assert "回复一下" in wang.get(f"/boards/posts/{first.id}").get_data(as_text=True)


def test_lists_paginate_and_filter_by_tag(app, auth, hood, htmx):
    a, people = hood
    with app.test_request_context("/"):
        for i in range(25):
            tags = ["烘焙"] if i % 5 == 0 else []
            boards_posts.create_post(people["wang"], "chat", f"帖子{i:02d}", "内容", tags)
        db.session.commit()
    client = auth.login(people["zhang"].user)
    first = client.get("/boards/chat").get_data(as_text=True)
    assert len(elements(first, "article", class_="post-card")) == 20 and "page=2" in first
    second = client.get("/boards/chat?page=2", headers=htmx).get_data(as_text=True)
    assert len(elements(second, "article", class_="post-card")) == 5 and "page=3" not in second
    tagged = client.get("/boards/chat?tag= 烘焙 ").get_data(as_text=True)
    assert len(elements(tagged, "article", class_="post-card")) == 5


def test_earlier_topics_leave_out_the_one_pinned_now(auth, hood):
    _a, people = hood
    volunteer = auth.login(people["volunteer"].user)
    volunteer.post("/boards/topics", data={"title": "上周话题：晒阳台"})
    volunteer.post("/boards/topics", data={"title": "本周话题：拿手菜"})
    last_week, this_week = db.session.scalars(db.select(Topic).order_by(Topic.id)).all()
    last_week.pinned_until = localtime.today() - timedelta(days=1)
    db.session.commit()

    wang = auth.login(people["wang"].user)
    page = wang.get("/boards/chat").get_data(as_text=True)
    assert "本周话题：拿手菜" in "".join(elements(page, class_="topic-pinned"))
    earlier = "".join(elements(page, id="earlier-topics"))
    assert "上周话题：晒阳台" in earlier and "本周话题：拿手菜" not in earlier
    volunteer.post(f"/boards/topics/{this_week.id}/unpin")
    earlier = "".join(elements(wang.get("/boards/chat").get_data(as_text=True), id="earlier-topics"))
    assert "上周话题：晒阳台" in earlier and "本周话题：拿手菜" in earlier


def test_volunteers_pin_weekly_topics(auth, hood):
    _a, people = hood
    assert (
        auth.login(people["wang"].user).post("/boards/topics", data={"title": "本周菜谱"}).status_code == 403
    )
    volunteer = auth.login(people["volunteer"].user)
    assert (
        volunteer.post(
            "/boards/topics", data={"title": "本周最佳菜谱分享", "prompt": "晒晒拿手菜"}
        ).status_code
        == 303
    )
    topic = db.session.scalar(db.select(Topic))
    assert topic.pinned_until == localtime.today() + timedelta(days=6)
    wang = auth.login(people["wang"].user)
    assert "本周最佳菜谱分享" in "".join(
        elements(wang.get("/boards/chat").get_data(as_text=True), class_="topic-pinned")
    )
    wang.post("/boards/chat", data={"title": "红烧肉", "body": "小火慢炖", "topic_id": topic.id})
    assert db.session.scalar(db.select(Post.topic_id)) == topic.id
    assert "红烧肉" in wang.get(f"/boards/chat?topic={topic.id}").get_data(as_text=True)
    volunteer.post(f"/boards/topics/{topic.id}/unpin")
    assert not elements(wang.get("/boards/chat").get_data(as_text=True), class_="topic-pinned")


def test_skill_exchange_moves_points_from_requester_to_helper_when_both_confirm(auth, hood, htmx):
    a, people = hood
    zhao, wang = auth.login(people["zhang"].user), auth.login(people["wang"].user)
    zhao.post(
        "/boards/skills", data={"kind": "offer", "title": "修小家电", "tags": "会修家电", "points": "15"}
    )
    listing = db.session.scalar(db.select(SkillListing))
    assert (
        wang.post(
            f"/boards/skills/{listing.id}/respond", data={"message": "电风扇坏了"}, headers=htmx
        ).status_code
        == 200
    )
    exchange = db.session.scalar(db.select(SkillExchange))
    assert (exchange.helper_id, exchange.requester_id) == (people["zhang"].user_id, people["wang"].user_id)
    assert wang.post(f"/boards/exchanges/{exchange.id}/agree").status_code == 422  # only the author agrees
    assert zhao.post(f"/boards/exchanges/{exchange.id}/agree", headers=htmx).status_code == 200
    assert points.balance(people["wang"].user_id, a.id) == 85  # held
    assert "Held: paid on completion, returned if called off" in wang.get("/points").get_data(as_text=True)
    assert wang.post(f"/boards/exchanges/{exchange.id}/confirm", headers=htmx).status_code == 200
    db.session.expire_all()
    assert db.session.get(SkillExchange, exchange.id).state == ExchangeState.AGREED
    assert points.balance(people["zhang"].user_id, a.id) == 100
    html = zhao.post(f"/boards/exchanges/{exchange.id}/confirm", headers=htmx).get_data(as_text=True)
    assert "15 points went to the helper" in html
    db.session.expire_all()
    assert db.session.get(SkillExchange, exchange.id).state == ExchangeState.COMPLETED
    assert (points.balance(people["wang"].user_id, a.id), points.balance(people["zhang"].user_id, a.id)) == (
        85,
        115,
    )
    assert zhao.post(f"/boards/exchanges/{exchange.id}/confirm").status_code == 422  # once
    assert points.mismatched_balances() == []
    ledger = wang.get("/points").get_data(as_text=True)
    assert "Paid to the helper on" in ledger and "Held: paid on completion" not in ledger
    page = wang.get(f"/boards/skills/{listing.id}").get_data(as_text=True)
    assert 'id="respond-form"' not in page and "Your exchange on this listing is done." in page
    assert wang.post(f"/boards/skills/{listing.id}/respond", data={"message": "再来一次"}).status_code == 422
    assert 'id="respond-form"' in auth.login(people["liu"].user).get(f"/boards/skills/{listing.id}").get_data(
        as_text=True
    )  # an offer stays open to the other neighbours


def test_a_request_met_by_a_completed_exchange_is_not_offered_to_others(auth, hood, htmx):
    _a, people = hood
    wang, zhang, liu = (auth.login(people[n].user) for n in ("wang", "zhang", "liu"))
    request = {"kind": "request", "title": "谁会修自行车", "tags": "修车", "points": "5"}
    wang.post("/boards/skills", data=request)
    listing = db.session.scalar(db.select(SkillListing))
    assert 'id="respond-form"' in liu.get(f"/boards/skills/{listing.id}").get_data(as_text=True)
    zhang.post(f"/boards/skills/{listing.id}/respond", data={"message": "我会"}, headers=htmx)
    exchange = db.session.scalar(db.select(SkillExchange))
    wang.post(f"/boards/exchanges/{exchange.id}/agree", headers=htmx)
    wang.post(f"/boards/exchanges/{exchange.id}/confirm", headers=htmx)
    zhang.post(f"/boards/exchanges/{exchange.id}/confirm", headers=htmx)
    db.session.expire_all()
    assert db.session.get(SkillExchange, exchange.id).state == ExchangeState.COMPLETED
    page = liu.get(f"/boards/skills/{listing.id}").get_data(as_text=True)
    assert 'id="respond-form"' not in page and "A neighbour has helped with this request already." in page
    assert liu.post(f"/boards/skills/{listing.id}/respond", data={"message": "我也会"}).status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(SkillExchange)) == 1


def test_a_request_beyond_the_balance_is_refused(auth, hood):
    _a, people = hood
    response = auth.login(people["liu"].user).post(
        "/boards/skills", data={"kind": "request", "title": "教我做面包", "tags": "烘焙", "points": "101"}
    )
    assert response.status_code == 422 and "do not have that many points" in response.get_data(as_text=True)


def test_a_need_shows_every_broken_rule_at_once_and_posts_nothing(auth, hood, htmx):
    """No text, a day that has passed and a bounty beyond the balance: one 422 says all three."""
    a, people = hood
    liu = people["liu"]
    yesterday = (localtime.today() - timedelta(days=1)).isoformat()
    too_much = str(points.balance(liu.user_id, a.id) + 1)
    response = auth.login(liu.user).post(
        "/boards/help", data={"what": "", "needed_on": yesterday, "bounty": too_much}, headers=htmx
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    said = ("Say what you need.", "Day: it has passed.", "Points bounty: you do not have that many points.")
    for text in said:
        assert text in page, text
    assert db.session.scalar(db.select(db.func.count()).select_from(HelpNeed)) == 0


def test_help_day_need_offer_accept_complete_points(auth, hood, htmx):
    a, people = hood
    wang, zhang, liu = (auth.login(people[n].user) for n in ("wang", "zhang", "liu"))
    day = (localtime.today() + timedelta(days=3)).isoformat()
    response = wang.post(
        "/boards/help",
        data={
            "what": "需要临时看孩子",
            "needed_on": day,
            "time_note": "14:00–16:00",
            "place": "3栋2单元",
            "bounty": "20",
            "tags": "看孩子",
        },
        headers=htmx,
    )
    assert response.status_code == 200 and 'hx-swap-oob="afterbegin:#needs"' in response.get_data(
        as_text=True
    )
    need = db.session.scalar(db.select(HelpNeed))
    assert need.needed_on.isoformat() == day and need.bounty == 20
    assert "需要临时看孩子" in zhang.get(f"/boards/help?day={day}").get_data(as_text=True)
    assert (
        zhang.post(f"/boards/help/{need.id}/offer", data={"message": "我可以"}, headers=htmx).status_code
        == 200
    )
    assert liu.post(f"/boards/help/{need.id}/offer", data={"message": ""}, headers=htmx).status_code == 200
    assert zhang.post(f"/boards/help/{need.id}/offer", data={}).status_code == 422  # once
    offers = {o.helper_id: o for o in db.session.get(HelpNeed, need.id).offers}
    page = wang.get(f"/boards/help/{need.id}").get_data(as_text=True)
    assert len(elements(page, "li", class_="offer")) == 2
    assert zhang.post(f"/boards/help/offers/{offers[people['zhang'].user_id].id}/accept").status_code == 422
    html = wang.post(f"/boards/help/offers/{offers[people['zhang'].user_id].id}/accept", headers=htmx)
    assert html.status_code == 200
    assert points.balance(people["wang"].user_id, a.id) == 80
    assert wang.post(f"/boards/help/offers/{offers[people['liu'].user_id].id}/accept").status_code == 422
    assert zhang.post(f"/boards/help/{need.id}/complete").status_code == 403
    assert wang.post(f"/boards/help/{need.id}/complete", headers=htmx).status_code == 200
    db.session.expire_all()
    assert db.session.get(HelpNeed, need.id).state == NeedState.COMPLETED
    assert points.balance(people["zhang"].user_id, a.id) == 100 + 20 + points.rule("help")
    assert points.balance(people["liu"].user_id, a.id) == 100
    assert "Helped a neighbour" in zhang.get("/points").get_data(as_text=True)
    assert points.mismatched_balances() == []
    newcomer = auth.login(people["volunteer"].user)
    for client in (newcomer, liu, zhang):  # done: nobody is offered to help any more
        assert 'id="offer-form"' not in client.get(f"/boards/help/{need.id}").get_data(as_text=True)
    assert newcomer.post(f"/boards/help/{need.id}/offer", data={"message": "我也行"}).status_code == 422


def test_help_need_validation(auth, hood):
    _a, people = hood
    client = auth.login(people["wang"].user)
    yesterday = (localtime.today() - timedelta(days=1)).isoformat()
    assert client.post("/boards/help", data={"what": "x", "needed_on": yesterday}).status_code == 422
    assert client.post("/boards/help", data={"what": "", "needed_on": ""}).status_code == 422
    today = localtime.today().isoformat()
    assert (
        client.post("/boards/help", data={"what": "x", "needed_on": today, "bounty": "101"}).status_code
        == 422
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(HelpNeed)) == 0


def test_groups_join_leave_and_their_board(auth, hood, htmx):
    _a, people = hood
    volunteer, wang = auth.login(people["volunteer"].user), auth.login(people["wang"].user)
    assert wang.post("/boards/groups", data={"name": "私建群"}).status_code == 403
    assert (
        volunteer.post("/boards/groups", data={"name": "宠物互助群", "description": "喂猫遛狗"}).status_code
        == 303
    )
    group = db.session.scalar(db.select(AidGroup))
    assert wang.post(f"/boards/groups/{group.id}/posts", data={"body": "hi"}).status_code == 403
    assert "Join the group to read" in wang.get(f"/boards/groups/{group.id}").get_data(as_text=True)
    wang.post(f"/boards/groups/{group.id}/join")
    assert (
        wang.post(f"/boards/groups/{group.id}/posts", data={"body": "求帮忙喂猫"}, headers=htmx).status_code
        == 200
    )
    post = db.session.scalar(db.select(Post).where(Post.group_id == group.id))
    assert "求帮忙喂猫" in wang.get(f"/boards/groups/{group.id}").get_data(as_text=True)
    zhang = auth.login(people["zhang"].user)
    assert zhang.get(f"/boards/posts/{post.id}").status_code == 404  # not a member
    wang.post(f"/boards/groups/{group.id}/leave")
    assert wang.get(f"/boards/posts/{post.id}").status_code == 404


def test_posting_is_rate_limited_per_person(app, auth, hood, htmx):
    _a, people = hood
    app.config["POST_RATE_LIMIT"] = "2 per minute"
    client = auth.login(people["wang"].user)
    for i in range(2):
        assert (
            client.post("/boards/chat", data={"title": f"t{i}", "body": "b"}, headers=htmx).status_code == 200
        )
    response = client.post("/boards/chat", data={"title": "t3", "body": "b"}, headers=htmx)
    assert response.status_code == 429
    assert response.headers["HX-Retarget"] == "#board-flash"
    # the limit is shared by the boards and per person: another resident may still post
    assert (
        client.post(
            "/boards/help", data={"what": "x", "needed_on": localtime.today().isoformat()}
        ).status_code
        == 429
    )
    assert (
        auth.login(people["zhang"].user).post("/boards/chat", data={"title": "z", "body": "b"}).status_code
        == 303
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 3
