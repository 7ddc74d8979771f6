"""The community home's room: residents may watch it (not a kiosk, not another community's
people); something new in the community is pushed to it once, after the commit; a join, which
changes a buy's counters by a conditional UPDATE, is not."""

from datetime import timedelta

import pytest

from portal.boards.models import Board, HelpNeed, Post
from portal.community.models import Role
from portal.core import localtime
from portal.core.db import db
from portal.groupbuy.services.joining import join_buy
from tests.groupbuy.helpers import make_buy, make_point

PUSH = ("portal", [{"type": "community"}])


@pytest.fixture
def place(make):
    class Place:
        pass

    p = Place()
    p.community = make.community()
    p.point = make_point(p.community)
    p.leader = make.member(p.community, roles=Role.RESIDENT | Role.LEADER)
    p.resident = make.member(p.community)
    return p


def _watching(socket_client, membership):
    sock = socket_client(membership.user)
    joined = sock.emit("watch", {"rooms": [f"community:{membership.community_id}"]}, callback=True)
    return sock, joined["joined"]


def _pushes(sock):
    return [(r["name"], r["args"]) for r in sock.get_received() if r["args"][0]["type"] == "community"]


# one Socket.IO test client per test: the clients of one test share the app context's `g`,
# where Flask-Login keeps the current user


def test_a_resident_watches_their_community(place, socket_client):
    assert _watching(socket_client, place.resident)[1] == [f"community:{place.community.id}"]


def test_another_communitys_resident_may_not_watch(place, make, socket_client):
    outsider = make.member(make.community())
    sock = socket_client(outsider.user)
    assert sock.emit("watch", {"rooms": [f"community:{place.community.id}"]}, callback=True)["joined"] == []


def test_a_kiosk_screen_may_not_watch(place, make, socket_client):
    kiosk = make.member(place.community, roles=Role.KIOSK)
    assert _watching(socket_client, kiosk)[1] == []


def test_a_new_buy_need_or_introduction_is_pushed_once_after_the_commit(app, place, socket_client):
    sock, _ = _watching(socket_client, place.resident)
    with app.test_request_context():
        buy = make_buy(place.leader, [place.point], commit=False)
        db.session.flush()
        assert _pushes(sock) == []  # not before the commit
        db.session.commit()
    assert _pushes(sock) == [PUSH]

    db.session.add(
        HelpNeed(
            community_id=place.community.id,
            author_id=place.resident.user_id,
            what="帮忙搬书柜",
            needed_on=localtime.today() + timedelta(days=1),
        )
    )
    db.session.add(
        Post(
            community_id=place.community.id,
            author_id=place.resident.user_id,
            board=Board.NEWCOMERS,
            title="大家好",
            body="你好",
            body_html="<p>你好</p>",
        )
    )
    db.session.commit()
    assert _pushes(sock) == [PUSH]  # one push for the transaction

    with app.test_request_context():
        join_buy(place.resident.user, buy, 2, pickup_point_id=place.point.id)
        db.session.commit()
    assert _pushes(sock) == []  # a join changes counters only: no refetch on every phone

    db.session.add(
        Post(
            community_id=place.community.id,
            author_id=place.resident.user_id,
            board=Board.CHAT,
            title="闲聊",
            body="你好",
            body_html="<p>你好</p>",
        )
    )
    db.session.commit()
    assert _pushes(sock) == []  # the chat board is not on the home


def test_the_happening_cards_refetch_on_the_community_push(place, auth):
    html = auth.login(place.resident.user).get("/").get_data(as_text=True)
    assert f'data-rooms="community:{place.community.id}"' in html
    for name in ("buys", "topic", "help", "newcomers", "events"):
        start = html.index(f'id="home-card-{name}"')
        assert "portal:community from:body" in html[start : html.index(">", start)], name
