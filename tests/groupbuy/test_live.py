"""A buy's progress toward 成团, pushed: after a join commits the community's buy room hears it,
and the buy's progress fragment and its listing card refetch alone; 成团 as a label in words."""

import re

from flask_babel import force_locale

from portal.core.db import db
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.joining import join_buy
from portal.groupbuy.texts import listing_texts
from tests.groupbuy.helpers import make_buy, pass_deadline

HX = {"HX-Request": "true"}


def _watch(app, sock, room: str):
    """Ask to watch a room, in an app context of its own as a real connection's event is (the
    test's own context would keep the first socket's user in `g`)."""
    with app.app_context():
        return sock.emit("watch", {"rooms": [room]}, callback=True)


def _pushes(sock) -> list[dict]:
    return [message["args"][0] for message in sock.get_received() if message["name"] == "portal"]


def test_a_join_is_pushed_to_the_community_room_and_the_progress_shows_it(world, auth, socket_client, app):
    buy = make_buy(world.leader, [world.point], min_quantity=10)
    watcher = auth.login(world.residents[1].user)
    sock = socket_client(world.residents[1].user)
    room = f"groupbuy:{world.community.id}"
    assert _watch(app, sock, room) == {"joined": [room]}
    outsider = socket_client(world.outsider.user)
    assert _watch(app, outsider, room) == {"joined": []}
    page = watcher.get(f"/groupbuy/{buy.id}").get_data(as_text=True)
    assert f'data-rooms="{room}"' in page  # the page asks to watch the room
    sock.get_received()
    outsider.get_received()

    joiner = auth.login(world.residents[0].user)
    response = joiner.post(f"/groupbuy/{buy.id}/join", data={"quantity": "3"}, headers=HX)
    assert response.status_code == 200

    assert _pushes(sock) == [{"type": "groupbuy", "id": buy.id}]
    assert _pushes(outsider) == []
    progress = watcher.get(f"/groupbuy/{buy.id}/progress", headers=HX).get_data(as_text=True)
    assert '<strong class="gb-qty">3</strong>' in progress
    assert "7 斤 to go" in progress

    joiner.post(f"/groupbuy/{buy.id}/leave", headers=HX)
    assert _pushes(sock) == [{"type": "groupbuy", "id": buy.id}]
    progress = watcher.get(f"/groupbuy/{buy.id}/progress", headers=HX).get_data(as_text=True)
    assert '<strong class="gb-qty">0</strong>' in progress


def test_a_cancellation_and_the_close_at_the_deadline_are_pushed(world, auth, socket_client, app):
    cancelled = make_buy(world.leader, [world.point])
    closing = make_buy(world.leader, [world.point], min_quantity=2)
    join_buy(world.residents[0].user, closing, 2)
    db.session.commit()
    sock = socket_client(world.residents[1].user)
    _watch(app, sock, f"groupbuy:{world.community.id}")
    sock.get_received()

    leader = auth.login(world.leader.user)
    assert leader.post(f"/groupbuy/{cancelled.id}/cancel", data={"reason": "下雨摘不了"}).status_code == 303
    assert _pushes(sock) == [{"type": "groupbuy", "id": cancelled.id}]

    pass_deadline(closing)
    assert close_buy(closing.id) == "succeeded"
    assert _pushes(sock) == []  # not before the commit
    db.session.commit()
    assert _pushes(sock) == [{"type": "groupbuy", "id": closing.id}]
    resident = auth.login(world.residents[1].user)
    card = resident.get(f"/groupbuy/{closing.id}/card", headers=HX).get_data(as_text=True)
    assert "✓ Reached" in card and "hx-trigger" not in card  # closed: it listens no more


def test_a_refused_join_pushes_nothing(world, auth, socket_client, app):
    buy = make_buy(world.leader, [world.point], stock_cap=2, min_quantity=2)
    sock = socket_client(world.residents[1].user)
    _watch(app, sock, f"groupbuy:{world.community.id}")
    sock.get_received()
    response = auth.login(world.residents[0].user).post(f"/groupbuy/{buy.id}/join", data={"quantity": "5"})
    assert response.status_code == 422
    assert _pushes(sock) == []


def test_the_listing_refetches_only_the_card_of_the_buy_pushed(world, auth):
    first = make_buy(world.leader, [world.point], title="土鸡蛋", min_quantity=4)
    second = make_buy(world.leader, [world.point], title="明早的豆腐", min_quantity=4)
    client = auth.login(world.residents[0].user)
    listing = client.get("/groupbuy", headers=HX).get_data(as_text=True)
    section = re.search(r'<section id="gb-list"[^>]*>', listing).group(0)
    assert "every" not in section and "portal:groupbuy " not in section  # no poll, no refetch per join
    assert f'data-rooms="groupbuy:{world.community.id}"' in section
    for buy in (first, second):
        assert f'hx-get="/groupbuy/{buy.id}/card" hx-trigger="portal:groupbuy:{buy.id} from:body"' in listing

    join_buy(world.residents[1].user, first, 4)
    db.session.commit()
    card = client.get(f"/groupbuy/{first.id}/card", headers=HX).get_data(as_text=True)
    assert card.lstrip().startswith(f'<a class="gb-card" id="gb-card-{first.id}"')
    assert "4/4 斤" in card and "土鸡蛋" in card and "明早的豆腐" not in card
    assert "✓ Reached" in card
    # another community's buy is not there to fetch
    assert auth.login(world.outsider.user).get(f"/groupbuy/{first.id}/card", headers=HX).status_code == 404


def test_the_goal_is_a_label_in_words_in_both_languages(world, auth, app):
    short = make_buy(world.leader, [world.point], title="土鸡蛋", min_quantity=5)
    reached = make_buy(world.leader, [world.point], title="明早的豆腐", min_quantity=2)
    join_buy(world.residents[0].user, short, 2)
    join_buy(world.residents[1].user, reached, 2)
    db.session.commit()
    client = auth.login(world.residents[0].user)

    listing = client.get("/groupbuy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span class="gb-goal gb-goal-short">3 斤 to go</span>' in listing
    assert '<span class="gb-goal gb-goal-reached">✓ Reached</span>' in listing
    page = client.get(f"/groupbuy/{reached.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "✓ Reached" in page

    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    listing = client.get("/groupbuy", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert '<span class="gb-goal gb-goal-short">还差 3 斤 成团</span>' in listing
    assert '<span class="gb-goal gb-goal-reached">✓ 已成团</span>' in listing
    page = client.get(f"/groupbuy/{short.id}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "还差 3 斤 成团" in page
    with app.test_request_context(), force_locale("zh"):
        assert listing_texts().reached == "已成团"


def _statements(app, client, url) -> int:
    """How many SQL statements one request runs."""
    import sqlalchemy as sa

    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get(url, headers=HX).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    return count


def test_a_card_and_the_listing_cost_the_same_queries_with_more_buys_and_orders(world, auth, app, make):
    client = auth.login(world.residents[0].user)
    buy = make_buy(world.leader, [world.point], min_quantity=50)
    join_buy(world.residents[0].user, buy, 1)
    db.session.commit()
    card_few = _statements(app, client, f"/groupbuy/{buy.id}/card")
    list_few = _statements(app, client, "/groupbuy")
    assert card_few > 0 and list_few > 0
    for i in range(8):
        member = make.member(world.community, make.user(f"邻居{i}"))
        join_buy(member.user, buy, 2)
        make_buy(world.leader, [world.point], title=f"第{i}个团")
    db.session.commit()
    assert _statements(app, client, f"/groupbuy/{buy.id}/card") == card_few
    assert _statements(app, client, "/groupbuy") == list_few
