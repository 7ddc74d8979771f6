"""The community home: the cards a resident sees (and their empty states), each card's refresh
route with its access checks, and a query count that does not grow with the data."""

import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from bench.pages import QueryCounter
from portal.aftersales.models import Case, Resolution
from portal.boards.models import Board, HelpNeed, Post, Topic
from portal.community.models import Role
from portal.core import localtime
from portal.core.db import db, utcnow
from portal.events.models import Signup, SignupStatus
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.lockers.models import Compartment, Locker
from portal.neighbors.models import ContactRequest, Profile, Visibility
from tests.events.helpers import make_event
from tests.groupbuy.helpers import make_buy, make_point

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", **EN}
CARDS = ("ready", "aftersales", "contacts", "tomorrow", "buys", "topic", "help", "newcomers", "events")


@pytest.fixture
def world(make):
    class World:
        pass

    w = World()
    w.community = make.community("翠屏幸福里", buildings="1栋: 1单元\n3栋: 1单元")
    w.point = make_point(w.community, name="3栋自提点")
    w.admin = make.member(w.community, make.user("管理员周"), roles=Role.RESIDENT | Role.ADMIN)
    w.leader = make.member(w.community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    w.me = make.member(w.community, make.user("王阿姨"))
    w.neighbour = make.member(w.community, make.user("张明华"), building_index=1)
    return w


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _card(html: str, name: str) -> str:
    """The inside of one card's slot on the home page."""
    found = re.search(
        rf'id="home-card-{name}".*?>(.*?)</div>\s*(?:<div class="home-slot"|</div>)', html, re.S
    )
    assert found, f"no slot for {name}"
    return found.group(1)


_seq = iter(range(1, 10**6))


def _order(w, buy, user_membership, status=OrderStatus.READY, **fields) -> Order:
    n = next(_seq)
    order = Order(
        buy_id=buy.id,
        user_id=user_membership.user_id,
        community_id=w.community.id,
        reference=f"H{n:06d}",
        quantity=1,
        pickup_point_id=w.point.id,
        status=status,
        unit_price_cents=buy.unit_price_cents,
        **fields,
    )
    db.session.add(order)
    db.session.flush()
    return order


def fill(w, n: int) -> None:
    """n of everything each card shows, for me (王阿姨) and around me."""
    now = utcnow()
    tomorrow = datetime.combine(localtime.today() + timedelta(days=1), time(10), localtime.zone())
    for i in range(n):
        buy = make_buy(w.leader, [w.point], title=f"阳山水蜜桃{i}", deadline=now + timedelta(hours=5 + i))
        ready = _order(w, buy, w.me, pickup_code=f"{i:08d}")
        buy.quantity_total, buy.participant_count = 1, 1
        locker = Locker(
            community_id=w.community.id,
            pickup_point_id=w.point.id,
            device_id=f"LK-{next(_seq)}",
            name=f"{i}号柜",
        )
        db.session.add(locker)
        db.session.flush()
        db.session.add(Compartment(locker_id=locker.id, comp=f"A0{i}", order_id=ready.id, occupied=True))
        done = make_buy(w.leader, [w.point], title=f"上周的团{i}")
        done.status = BuyStatus.ARRIVED
        collected = _order(w, done, w.me, status=OrderStatus.COLLECTED)
        db.session.add(
            Case(
                community_id=w.community.id,
                order_id=collected.id,
                buy_id=done.id,
                user_id=w.me.user_id,
                leader_id=w.leader.user_id,
                reason="damaged",
                quantity=1,
                resolution=Resolution.OFFERED,
                offered_at=now,
            )
        )
        other = db.session.get(type(w.me), w.neighbour.id) if i == 0 else _member(w, f"新邻居{i}")
        db.session.add(
            ContactRequest(community_id=w.community.id, from_membership_id=other.id, to_membership_id=w.me.id)
        )
        event = make_event(w.admin, title=f"插花课{i}", starts_at=tomorrow + timedelta(minutes=i))
        db.session.add(
            Signup(
                event_id=event.id,
                community_id=w.community.id,
                user_id=w.me.user_id,
                places=1,
                status=SignupStatus.CONFIRMED,
            )
        )
        event.places_taken += 1
        db.session.add(
            HelpNeed(
                community_id=w.community.id,
                author_id=w.neighbour.user_id,
                what=f"帮忙搬书柜{i}",
                needed_on=localtime.today() + timedelta(days=1 + i),
                place="3栋",
            )
        )
        db.session.add(
            Post(
                community_id=w.community.id,
                author_id=other.user_id,
                board=Board.NEWCOMERS,
                title=f"大家好,我是新来的{i}",
                body="你好",
                body_html="<p>你好</p>",
            )
        )
    db.session.add(
        Topic(
            community_id=w.community.id,
            title="你家阳台种了什么?",
            pinned_until=localtime.today() + timedelta(days=6),
        )
    )
    db.session.commit()


def _member(w, name):
    from tests.conftest import TEST_PASSWORD
    from tests.factories import Factory

    return Factory(TEST_PASSWORD).member(w.community, Factory(TEST_PASSWORD).user(name), building_index=1)


def test_a_resident_sees_what_needs_them_and_what_is_happening(world, auth):
    fill(world, 1)
    client = auth.login(world.me.user)
    html = _text(client.get("/", headers=EN))
    ready = _card(html, "ready")
    assert "Ready for you" in ready and "阳山水蜜桃0" in ready
    assert "3栋自提点" in ready and "locker 0号柜, compartment A00" in ready
    assert "A reply to your case" in _card(html, "aftersales")
    contacts = _card(html, "contacts")
    assert "would like to get in touch" in contacts
    assert (
        "张明华" not in contacts and "张*" in contacts
    )  # the name is masked: her profile shows it to nobody
    tomorrow = _card(html, "tomorrow")
    assert "Tomorrow" in tomorrow and "插花课0" in tomorrow
    buys = _card(html, "buys")
    assert "阳山水蜜桃0" in buys and "9 斤 to go" in buys and "closing soon" in buys
    assert "你家阳台种了什么?" in _card(html, "topic")
    assert "帮忙搬书柜0" in _card(html, "help")
    newcomers = _card(html, "newcomers")
    assert "大家好,我是新来的0" in newcomers and "Say welcome" in newcomers
    assert "插花课0" in _card(html, "events") and "Signed up" in _card(html, "events")
    # the cards come first, what needs me before what is happening; the tiles stay below
    assert (
        html.index('id="home-card-ready"')
        < html.index('id="home-card-buys"')
        < html.index('class="tiles home-tiles"')
    )
    assert 'href="/groupbuy/orders"' in html  # a launcher tile: nothing became unreachable


def test_a_neighbour_who_shows_their_name_is_named(world, auth):
    fill(world, 1)
    db.session.add(
        Profile(
            membership_id=world.neighbour.id,
            user_id=world.neighbour.user_id,
            community_id=world.community.id,
            name_visibility=Visibility.COMMUNITY,
        )
    )
    db.session.commit()
    html = _text(auth.login(world.me.user).get("/", headers=EN))
    assert "张明华 would like to get in touch" in _card(html, "contacts")


def test_an_empty_community_invites_the_first_step(world, auth):
    html = _text(auth.login(world.me.user).get("/", headers=EN))
    for hidden in ("ready", "aftersales", "contacts", "tomorrow"):
        assert _card(html, hidden).strip() == "", hidden  # nothing needs me: no card
    assert "No open group buys right now." in _card(html, "buys")
    assert "Tell the leaders what you would buy" in _card(html, "buys")
    assert "Say hello on the chat board" in _card(html, "topic")
    assert "Ask for help" in _card(html, "help")
    assert "New here? Introduce yourself" in _card(html, "newcomers")
    assert "No events coming up yet." in _card(html, "events")
    leader_html = _text(auth.login(world.leader.user).get("/", headers=EN))
    assert 'href="/groupbuy/new"' in _card(leader_html, "buys")


def test_the_cards_show_a_few_rows_at_most(world, auth):
    fill(world, 5)
    html = _text(auth.login(world.me.user).get("/", headers=EN))
    assert html.count("阳山水蜜桃") < 5 * 4  # bounded in every card
    ready = _card(html, "ready")
    assert ready.count("<li>") == 3 and "More ready for you" in ready
    assert _card(html, "help").count("<li>") == 3
    assert _card(html, "events").count("<li>") == 3


def test_each_card_refetches_itself_after_its_pushes(world, auth):
    html = _text(auth.login(world.me.user).get("/", headers=EN))
    assert 'hx-get="/home/cards/ready"' in html
    slot = re.search(r'id="home-card-ready"[^>]*>', html).group(0)
    assert "portal:order from:body" in slot and "portal:resync from:body" in slot
    assert "portal:groupbuy from:body" not in re.search(r'id="home-card-buys"[^>]*>', html).group(0)


def test_the_buys_card_refetches_after_a_push_on_a_buy_it_shows_only(world, auth):
    fill(world, 3)
    shown = db.session.scalar(sa.select(GroupBuy.id).where(GroupBuy.title == "阳山水蜜桃0"))
    other = make_buy(world.leader, [world.point], title="不在卡上", deadline=utcnow() + timedelta(days=20))
    other.created_at = utcnow() - timedelta(days=8)  # neither closing first nor new this week
    db.session.commit()
    card = _card(_text(auth.login(world.me.user).get("/", headers=EN)), "buys")
    watcher = re.search(r"<span hidden data-rooms=[^>]*>", card).group(0)
    assert f'data-rooms="groupbuy:{world.me.community_id}"' in watcher
    assert f"portal:groupbuy:{shown} from:body" in watcher
    assert f"portal:groupbuy:{other.id} from:body" not in watcher  # beyond the card's three rows


def test_a_card_fragment_shows_the_state_now(world, auth):
    client = auth.login(world.me.user)
    assert client.get("/home/cards/ready", headers=HTMX).get_data(as_text=True).strip() == ""
    fill(world, 1)
    response = client.get("/home/cards/ready", headers=HTMX)
    assert response.status_code == 200 and "阳山水蜜桃0" in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)
    for name in CARDS:
        assert client.get(f"/home/cards/{name}", headers=HTMX).status_code == 200, name
    assert client.get("/home/cards/nothing", headers=HTMX).status_code == 404
    assert client.get("/home/cards/ready").headers["Location"].endswith("/")  # without htmx: the home


def test_a_card_shows_only_my_own(world, auth):
    fill(world, 1)
    response = auth.login(world.neighbour.user).get("/home/cards/ready", headers=HTMX)
    assert response.status_code == 200 and "阳山水蜜桃0" not in response.get_data(as_text=True)


def test_card_routes_need_a_resident_of_the_community(world, auth, client, make):
    assert client.get("/home/cards/ready", headers=HTMX).status_code in (302, 401)
    outsider = make.user("外人")
    assert auth.login(outsider).get("/home/cards/ready", headers=HTMX).status_code == 404
    kiosk = make.member(world.community, roles=Role.KIOSK)
    assert auth.login(kiosk.user).get("/home/cards/ready", headers=HTMX).status_code == 404


def test_a_kiosk_keeps_its_pickup_board_tile_and_gets_no_cards(world, auth, make):
    kiosk = make.member(world.community, roles=Role.KIOSK)
    fill(world, 1)
    html = _text(auth.login(kiosk.user).get("/", headers=EN))
    assert "home-card" not in html and "Pickup board" in html


def test_an_admin_gets_the_cards_and_the_admin_tiles(world, auth):
    fill(world, 1)
    html = _text(auth.login(world.admin.user).get("/", headers=EN))
    assert 'id="home-card-buys"' in html and "Run events" in html and "Kiosk screens" in html


def _count_home_queries(app, client) -> int:
    client.get("/", headers=EN)  # warm: per-process caches
    with QueryCounter(db.engine) as counter:
        assert client.get("/", headers=EN).status_code == 200
    return counter.count


def test_the_home_runs_the_same_queries_with_more_data(app, make, auth):
    counts = []
    for n in (1, 6):

        class World:
            pass

        w = World()
        w.community = make.community(buildings="1栋: 1单元\n3栋: 1单元")
        w.point = make_point(w.community, name="3栋自提点")
        w.admin = make.member(w.community, make.user(), roles=Role.RESIDENT | Role.ADMIN)
        w.leader = make.member(w.community, make.user(), roles=Role.RESIDENT | Role.LEADER)
        w.me = make.member(w.community, make.user())
        w.neighbour = make.member(w.community, make.user(), building_index=1)
        fill(w, n)
        counts.append(_count_home_queries(app, auth.login(w.me.user)))
    assert counts[0] == counts[1], counts


def test_the_page_and_the_cards_are_translated(world, auth):
    fill(world, 1)
    html = _text(auth.login(world.me.user).get("/", headers={"Accept-Language": "zh"}))
    assert "Ready for you" not in html and "Group buys" not in html
