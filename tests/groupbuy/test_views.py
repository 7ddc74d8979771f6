"""Group-buy pages as residents and leaders use them (test client; htmx fragments and full pages)."""

import base64
import csv
import io
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from PIL import Image

from portal.core.db import db, utcnow
from portal.core.localtime import to_wall_clock
from portal.core.masking import mask_phone
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy
from tests.groupbuy.helpers import make_buy, make_point, notifications, order_rows, pass_deadline, state

HX = {"HX-Request": "true"}


def local(value):
    return to_wall_clock(value).strftime("%Y-%m-%dT%H:%M")


def picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (250, 160, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def buy_form(world, **changes):
    now = utcnow()
    data = {
        "title": "阳山水蜜桃 5 斤装",
        "category": "fresh",
        "description": "今早采摘",
        "unit": "箱",
        "unit_price": "59.90",
        "reference_price": "79.00",
        "min_quantity": "10",
        "stock_cap": "30",
        "per_person_limit": "5",
        "deadline": local(now + timedelta(days=1)),
        "pickup_from": local(now + timedelta(days=2)),
        "pickup_until": local(now + timedelta(days=2, hours=8)),
        "pickup_points": [str(world.point.id)],
        "commission": "8",
    }
    data.update(changes)
    return data


def test_leader_opens_a_buy_with_photos(world, auth, app):
    client = auth.login(world.leader.user)
    assert client.get("/groupbuy/new").status_code == 200
    data = buy_form(world)
    data["photos"] = [(io.BytesIO(picture()), "peach.jpg"), (io.BytesIO(picture()), "box.jpg")]
    response = client.post("/groupbuy/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    buy = db.session.scalar(sa.select(GroupBuy))
    assert (buy.title, buy.unit_price_cents, buy.reference_price_cents, buy.commission_bp) == (
        "阳山水蜜桃 5 斤装",
        5990,
        7900,
        800,
    )
    assert len(buy.photos) == 2 and all(p.path.endswith(".webp") for p in buy.photos)
    page = client.get(f"/groupbuy/{buy.id}").get_data(as_text=True)
    assert "¥59.90" in page and "¥79.00" in page and buy.photos[0].path in page


def test_bad_buy_form_is_422_with_errors_beside_fields_and_nothing_stored(world, auth):
    client = auth.login(world.leader.user)
    data = buy_form(world, unit_price="abc", min_quantity="0")
    response = client.post("/groupbuy/new", data=data, headers=HX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="gb-buy-form"' in page and "<html" not in page
    assert page.count("field-error") >= 2
    data = buy_form(world, deadline=local(utcnow() - timedelta(hours=1)))
    response = client.post("/groupbuy/new", data=data, headers=HX)
    assert response.status_code == 422 and "future" in response.get_data(as_text=True)
    data = buy_form(world)
    data["photos"] = [(io.BytesIO(b"%PDF-1.4 nope"), "menu.pdf")]
    response = client.post("/groupbuy/new", data=data, content_type="multipart/form-data", headers=HX)
    assert response.status_code == 422 and "not a picture" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupBuy)) == 0


def test_listing_filters_and_progress(world, auth):
    buy = make_buy(world.leader, [world.point], title="土鸡蛋", category="local", min_quantity=4)
    soon = make_buy(
        world.leader,
        [world.point],
        title="明早的豆腐",
        category="fresh",
        deadline=utcnow() + timedelta(hours=3),
    )
    join_buy(world.residents[0].user, buy, 3)
    db.session.commit()
    client = auth.login(world.residents[0].user)
    page = client.get("/groupbuy").get_data(as_text=True)
    assert "土鸡蛋" in page and "明早的豆腐" in page
    assert '<progress value="3" max="4"' in page
    closing = client.get("/groupbuy?view=closing").get_data(as_text=True)
    assert "明早的豆腐" in closing and "土鸡蛋" not in closing
    mine = client.get("/groupbuy?view=mine").get_data(as_text=True)
    assert "土鸡蛋" in mine and "明早的豆腐" not in mine
    local_only = client.get("/groupbuy?category=local").get_data(as_text=True)
    assert "土鸡蛋" in local_only and "明早的豆腐" not in local_only
    fragment = client.get("/groupbuy?view=open", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="gb-list"')
    progress = client.get(f"/groupbuy/{buy.id}/progress").get_data(as_text=True)
    assert 'hx-trigger="every 10s, portal:groupbuy from:body, portal:resync from:body"' in progress
    assert soon.id


def test_resident_joins_changes_and_leaves_through_the_page(world, auth):
    buy = make_buy(world.leader, [world.point], stock_cap=5, min_quantity=2)
    client = auth.login(world.residents[0].user)
    response = client.post(
        f"/groupbuy/{buy.id}/join",
        data={"quantity": "2", "note": "新搬来的, 喜欢种花", "show_building": "y"},
        headers=HX,
    )
    assert response.status_code == 200
    panel = response.get_data(as_text=True)
    assert 'id="gb-panel"' in panel and "王**" in panel and "新搬来的, 喜欢种花" in panel and "1栋" in panel
    assert "王阿姨" not in panel  # names are masked
    response = client.post(f"/groupbuy/{buy.id}/join", data={"quantity": "9"}, headers=HX)
    assert response.status_code == 422 and "Only 3" in response.get_data(as_text=True)
    assert state(buy.id).quantity_total == 2
    response = client.post(f"/groupbuy/{buy.id}/join", data={"quantity": "x"})
    assert response.status_code == 422
    response = client.post(f"/groupbuy/{buy.id}/leave")
    assert response.status_code == 303
    assert state(buy.id).quantity_total == 0


def test_full_buy_offers_the_waitlist(world, auth):
    buy = make_buy(world.leader, [world.point], stock_cap=2, min_quantity=2)
    join_buy(world.residents[0].user, buy, 2)
    db.session.commit()
    client = auth.login(world.residents[1].user)
    page = client.get(f"/groupbuy/{buy.id}").get_data(as_text=True)
    assert f"/groupbuy/{buy.id}/waitlist" in page and "Sold out" in page
    response = client.post(f"/groupbuy/{buy.id}/waitlist", data={"quantity": "1"}, headers=HX)
    assert response.status_code == 200 and "You are on the waitlist" in response.get_data(as_text=True)
    owner = auth.login(world.residents[0].user)
    owner.post(f"/groupbuy/{buy.id}/join", data={"quantity": "1"}, headers=HX)
    assert [n.user_id for n in notifications("gb_waitlist_promoted")] == [world.residents[1].user_id]
    assert state(buy.id).quantity_total == 2


def _arrived(world, **fields):
    buy = make_buy(world.leader, [world.point], min_quantity=2, **fields)
    for m in world.residents[:2]:
        join_buy(m.user, buy, 1)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    return state(buy.id)


def test_leader_marks_arrived_and_verifies_by_code(world, auth):
    buy = _arrived(world)
    leader = auth.login(world.leader.user)
    page = leader.get(f"/groupbuy/{buy.id}/orders").get_data(as_text=True)
    assert "gb-mark-arrived" in page and "****" in page
    assert leader.post(f"/groupbuy/{buy.id}/arrived").status_code == 303
    assert state(buy.id).status == BuyStatus.ARRIVED
    order = order_rows(buy.id)[0]
    resident = auth.login(order.user)
    mine = resident.get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    assert f"{order.pickup_code[:4]} {order.pickup_code[4:]}" in mine
    qr = resident.get(f"/groupbuy/orders/{order.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    wrong = leader.post("/pickup/verify", data={"point": world.point.id, "code": "0000 0000"}, headers=HX)
    assert wrong.status_code == 422
    found = leader.post(
        "/pickup/verify", data={"point": world.point.id, "code": order.pickup_code}, headers=HX
    )
    assert found.status_code == 200 and order.reference in found.get_data(as_text=True)
    assert (
        state(buy.id) and db.session.get(Order, order.id).status == OrderStatus.READY
    )  # looking is not handing over
    done = leader.post(
        "/pickup/collect", data={"point": world.point.id, "code": order.pickup_code}, headers=HX
    )
    assert done.status_code == 200 and "Handed over" in done.get_data(as_text=True)
    db.session.expire_all()
    collected = db.session.get(Order, order.id)
    assert collected.status == OrderStatus.COLLECTED and collected.collected_via == "code"
    again = leader.post(
        "/pickup/collect", data={"point": world.point.id, "code": order.pickup_code}, headers=HX
    )
    assert again.status_code == 422


def test_leader_verifies_by_opening_the_qr_link(world, auth):
    from portal.groupbuy.services.pickup_codes import qr_token

    buy = _arrived(world)
    mark_arrived(buy)
    db.session.commit()
    order = order_rows(buy.id)[0]
    token = qr_token(order)
    # opaque: nothing in it reads back into the order or its code, however it is decoded
    padded = token.replace("-", "+").replace("_", "/") + "=" * (-len(token) % 4)
    readable = token + base64.b64decode(padded).decode("latin-1")
    assert order.pickup_code not in readable and f"[{order.id}," not in readable and len(token) >= 32
    link = f"/pickup/v/{token}"
    resident = auth.login(order.user)
    assert resident.get(link).status_code == 403  # residents cannot hand out
    leader = auth.login(world.leader.user)
    page = leader.get(link)
    assert page.status_code == 200 and "pickup-hand-over" in page.get_data(as_text=True)
    assert leader.post(link).status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, order.id).collected_via == "qr"
    assert leader.get(link).status_code == 200  # shows "handed over"
    assert leader.get("/pickup/v/forged-token").status_code == 404


def test_delegate_sees_the_code(world, auth):
    buy = _arrived(world)
    order = order_rows(buy.id)[0]
    owner = auth.login(order.user)
    neighbour = world.residents[2].user
    # the same answer for a stranger's number and a neighbour's: no name, the number masked
    stranger = owner.post(f"/groupbuy/orders/{order.id}/delegate", data={"phone": "13999999999"}, headers=HX)
    assert stranger.status_code == 200 and "139****9999" in stranger.get_data(as_text=True)
    response = owner.post(
        f"/groupbuy/orders/{order.id}/delegate", data={"phone": neighbour.phone}, headers=HX
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and neighbour.display_name not in page
    answers = ((stranger.get_data(as_text=True), "139****9999"), (page, mask_phone(neighbour.phone)))
    for answer, phone in answers:
        assert f"Asked {phone} to collect it for you." in answer
        assert f"You asked {phone} to collect this order. If the number is a neighbour" in answer
    mark_arrived(state(buy.id))
    db.session.commit()
    db.session.expire_all()
    code = db.session.get(Order, order.id).pickup_code
    helper = auth.login(neighbour)
    assert code[:4] in helper.get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    assert "for " in helper.get("/groupbuy/orders").get_data(as_text=True)
    assert (
        helper.post(f"/groupbuy/orders/{order.id}/delegate", data={"phone": neighbour.phone}).status_code
        == 404
    )


def test_workbench_picklist_csv_and_paid(world, auth, make):
    second = make_point(world.community, "南门便利店", kind="shop")
    buy = _arrived(world)
    leader = auth.login(world.leader.user)
    order = order_rows(buy.id)[0]
    response = leader.post(f"/groupbuy/orders/{order.id}/paid", data={"paid": "1"}, headers=HX)
    assert response.status_code == 200 and "✓" in response.get_data(as_text=True)
    bench = leader.get("/groupbuy/workbench").get_data(as_text=True)
    assert "¥25.60" in bench and "¥2.56" in bench  # 2 × ¥12.80, commission 10 %
    picklist = leader.get(f"/groupbuy/workbench/picklist?buy={buy.id}").get_data(as_text=True)
    buildings = re.findall(r"<td>(\d栋) ", picklist)
    assert buildings == sorted(buildings) and "****" in picklist
    assert leader.get(f"/groupbuy/workbench/picklist?point={second.id}").status_code == 200
    export = leader.get(f"/groupbuy/{buy.id}/orders.csv")
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and rows[1][0].startswith(f"GB{buy.id}-")
    assert all("****" in row[12] for row in rows[1:])
    resident = auth.login(world.residents[0].user)
    assert resident.post(f"/groupbuy/orders/{order.id}/paid").status_code == 403
    assert resident.get("/groupbuy/workbench").status_code == 403


def test_orders_csv_times_are_on_the_community_clock_as_spreadsheets_read_them(world, auth):
    buy = _arrived(world)
    order = db.session.get(Order, order_rows(buy.id)[0].id)
    order.status = OrderStatus.COLLECTED
    order.collected_at = datetime(2026, 12, 1, 10, 30, 15, 123456, tzinfo=UTC)
    db.session.commit()
    leader = auth.login(world.leader.user)
    export = leader.get(f"/groupbuy/{buy.id}/orders.csv", headers={"Accept-Language": "en"})
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("Collected at")
    collected = {row[0]: row[column] for row in rows[1:]}
    assert collected[order.reference] == "2026-12-01 18:30"  # Asia/Shanghai, to the minute
    assert sorted(collected.values()) == ["", "2026-12-01 18:30"]


def test_slot_booking_page(world, auth):
    world.point.slot_capacity = 2
    db.session.commit()
    buy = _arrived(world)
    order = order_rows(buy.id)[0]
    client = auth.login(order.user)
    page = client.get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    starts = re.findall(r'name="slot" value="([^"]+)"', page)
    assert starts
    response = client.post(f"/groupbuy/orders/{order.id}/slot", data={"slot": starts[0]}, headers=HX)
    assert response.status_code == 200 and "gb-slot-mine" in response.get_data(as_text=True)
    response = client.post(
        f"/groupbuy/orders/{order.id}/slot", data={"slot": "2020-01-01T00:00:00+00:00"}, headers=HX
    )
    assert response.status_code == 422


def test_edit_and_cancel_pages(world, auth):
    buy = make_buy(world.leader, [world.point])
    leader = auth.login(world.leader.user)
    assert leader.get(f"/groupbuy/{buy.id}/edit").status_code == 200
    response = leader.post(f"/groupbuy/{buy.id}/edit", data=buy_form(world, title="改了名字"))
    assert response.status_code == 303 and state(buy.id).title == "改了名字"
    join_buy(world.residents[0].user, state(buy.id), 1)
    db.session.commit()
    response = leader.post(f"/groupbuy/{buy.id}/edit", data=buy_form(world, title="再改"), headers=HX)
    assert response.status_code == 422 and state(buy.id).title == "改了名字"
    response = leader.post(f"/groupbuy/{buy.id}/cancel", data={"reason": "下雨摘不了"})
    assert response.status_code == 303 and state(buy.id).status == BuyStatus.CANCELLED
    assert notifications("gb_cancelled")[0].params["reason"] == "下雨摘不了"


def test_pickup_points_admin(world, auth):
    admin = auth.login(world.admin.user)
    response = admin.post(
        "/pickup/points/new",
        data={
            "name": "5栋快递柜",
            "kind": "locker",
            "opening_hours": "24 小时",
            "slot_capacity": "5",
            "slot_minutes": "30",
            "active": "y",
        },
    )
    assert response.status_code == 303
    page = admin.get("/pickup/points").get_data(as_text=True)
    assert "5栋快递柜" in page and "24 小时" in page
    response = admin.post(
        "/pickup/points/new", data={"name": "5栋快递柜", "kind": "locker", "slot_minutes": "30"}, headers=HX
    )
    assert response.status_code == 422  # same name
    response = admin.post(
        "/pickup/points/new", data={"name": "x", "kind": "castle", "slot_minutes": "30"}, headers=HX
    )
    assert response.status_code == 422
    resident = auth.login(world.residents[0].user)
    assert resident.get(f"/pickup/points/{world.point.id}").status_code == 200
    assert resident.post("/pickup/points/new", data={"name": "y"}).status_code == 403


def test_pages_speak_chinese(world, auth, app):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    buy = make_buy(world.leader, [world.point], stock_cap=5, min_quantity=2)
    client = auth.login(world.residents[0].user)
    page = client.get(f"/groupbuy/{buy.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "我要参团" in page and "成团进度" in page and "Join this buy" not in page
    listing = client.get("/groupbuy", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "社区团购" in listing and "生鲜" in listing
