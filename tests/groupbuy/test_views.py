"""Group-buy pages as residents and leaders use them (test client; htmx fragments and full pages)."""

import base64
import csv
import io
import re
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from PIL import Image

from portal.core.db import db, utcnow
from portal.core.localtime import from_wall_clock, to_wall_clock, today
from portal.core.masking import mask_phone
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy
from portal.pickup.models import PickupPoint, PickupSlot
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


def _field_errors(page: str, name: str) -> str:
    """The error text the form shows beside the field `name` (its wrapper up to the next one)."""
    part = page.split(f'name="{name}"', 1)[1]
    return " ".join(re.findall(r'class="field-error"[^>]*>([^<]*)<', part.split('name="', 1)[0]))


def test_one_submit_shows_every_rule_the_buy_breaks_and_opens_nothing(world, auth):
    """A past deadline, a reversed pickup window, no pickup point and a non-image photo: all four
    come back in the one 422, each beside its field and naming it, in both languages."""
    now = utcnow()
    data = buy_form(
        world,
        deadline=local(now - timedelta(hours=1)),
        pickup_from=local(now + timedelta(days=2, hours=8)),
        pickup_until=local(now + timedelta(days=2)),
        pickup_points=[],
    )
    data["photos"] = [(io.BytesIO(b"%PDF-1.4 nope"), "menu.pdf")]
    client = auth.login(world.leader.user)
    response = client.post("/groupbuy/new", data=data, content_type="multipart/form-data", headers=HX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="gb-buy-form"' in page and "<html" not in page
    assert "Order deadline: must be in the future." in _field_errors(page, "deadline")
    assert "Pickup until: must be later than pickup from." in _field_errors(page, "pickup_until")
    assert "Pickup points: choose at least one pickup point of this community." in page
    assert "Photos: This file is not a picture (JPEG, PNG or WebP)." in _field_errors(page, "photos")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupBuy)) == 0

    data["photos"] = [(io.BytesIO(b"%PDF-1.4 nope"), "menu.pdf")]
    zh = client.post(
        "/groupbuy/new",
        data=data,
        content_type="multipart/form-data",
        headers={**HX, "Accept-Language": "zh-CN"},
    )
    page = zh.get_data(as_text=True)
    assert zh.status_code == 422
    shown = ("截单时间已过：请选择将来的时间。", "自提截止：须晚于自提开始。", "自提点：请至少", "商品图片：")
    for text in shown:
        assert text in page, text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupBuy)) == 0


def test_the_service_still_refuses_what_skips_the_form(world, in_request):
    """The rules stay the service's guard: a caller that never saw the form gets a DomainError."""
    from portal.core.errors import DomainError
    from portal.groupbuy.services.buys import BuyInput, create_buy

    now = utcnow()
    data = BuyInput(
        title="桃",
        unit="箱",
        unit_price_cents=100,
        min_quantity=1,
        deadline=now + timedelta(days=1),
        pickup_from=now + timedelta(days=3),
        pickup_until=now + timedelta(days=2),
        pickup_point_ids=[world.point.id],
    )
    try:
        create_buy(world.leader, data)
    except DomainError as error:
        assert error.field == "pickup_until"
    else:
        raise AssertionError("a reversed pickup window was accepted")
    db.session.rollback()
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
    assert f'hx-trigger="portal:groupbuy:{buy.id} from:body, portal:resync from:body"' in progress
    assert "every" not in progress and "every" not in fragment  # pushed, not polled
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


def test_a_collected_code_typed_again_says_when_and_by_whom(world, auth):
    buy = _arrived(world)
    mark_arrived(buy)
    db.session.commit()
    order = order_rows(buy.id)[0]
    code = order.pickup_code
    admin = auth.login(world.admin.user)
    handed = admin.post("/pickup/collect", data={"point": world.point.id, "code": code}, headers=HX)
    assert handed.status_code == 200
    collected = state(buy.id) and db.session.get(Order, order.id)
    assert collected.status == OrderStatus.COLLECTED and collected.pickup_code is None
    leader = auth.login(world.leader.user)
    for path in ("/pickup/verify", "/pickup/collect"):
        typed = {"point": world.point.id, "code": f"{code[:4]} {code[4:]}"}
        again = leader.post(path, data=typed, headers=HX)
        page = again.get_data(as_text=True)
        assert again.status_code == 422 and "This code was used already" in page
        assert f"Collected already: {order.reference}" in page
        shown = to_wall_clock(collected.collected_at)
        assert f"Collected {shown:%b} {shown.day} {shown:%H:%M}" in page  # the community's clock
        assert "handed over by 周**" in page and "王**" in page  # masked, as the staff policy says
        assert "周经理" not in page and "王阿姨" not in page
    in_zh = {**HX, "Accept-Language": "zh"}
    zh = leader.post("/pickup/verify", data={"point": world.point.id, "code": code}, headers=in_zh)
    zh = zh.get_data(as_text=True)
    assert f"已领取：{order.reference}" in zh and f"{shown.month}月{shown.day}日 {shown:%H:%M}" in zh
    assert state(buy.id) and db.session.get(Order, order.id).collected_by_id == world.admin.user_id
    other = make_point(world.community, name="南门便利店")
    elsewhere = leader.post("/pickup/verify", data={"point": other.id, "code": code}, headers=HX)
    assert elsewhere.status_code == 422
    assert "No open order has this code here" in elsewhere.get_data(as_text=True)
    outsider = auth.login(world.residents[1].user)
    assert outsider.post("/pickup/verify", data={"point": world.point.id, "code": code}).status_code == 403


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


def test_pick_lists_by_building(world, auth, make):
    shop = make_point(world.community, "南门便利店", kind="shop")
    buy = make_buy(world.leader, [world.point, shop], min_quantity=2)
    wang, zhang, liu = (m.user for m in world.residents)  # in 1栋, 3栋, 5栋
    late = make.member(world.community, make.user("赵大爷"), building_index=0)  # 1栋 too
    for user, point in ((liu, world.point), (zhang, shop), (wang, shop), (late.user, world.point)):
        join_buy(user, buy, 2 if user is wang else 1, pickup_point_id=point.id)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    db.session.commit()
    leader = auth.login(world.leader.user)
    buildings = {b.name: b for b in world.community.buildings}
    url = f"/groupbuy/workbench/picklist?buy={buy.id}"

    page = leader.get(f"{url}&by=building").get_data(as_text=True)
    assert re.findall(r"<h2>🏢 (\S+) ", page) == ["1栋", "3栋", "5栋"]  # the community's order
    first = page.split("<h2>🏢 1栋")[1].split("<h2>🏢")[0]
    assert "南门便利店" in first and "3栋自提点" in first and "阳山水蜜桃: <strong>3</strong>" in first
    assert 'value="building" selected' in page

    only = leader.get(f"{url}&building={buildings['3栋'].id}").get_data(as_text=True)
    refs = set(re.findall(rf"GB{buy.id}-\d+", only))
    assert refs == {o.reference for o in order_rows(buy.id) if o.user_id == zhang.id}
    assert re.findall(r"<h2>📍 (\S+) ", only) == ["南门便利店"]  # still per point, of that building
    assert "阳山水蜜桃: <strong>1</strong>" in only

    both = leader.get(f"{url}&building={buildings['1栋'].id}&point={shop.id}&by=building")
    refs = set(re.findall(rf"GB{buy.id}-\d+", both.get_data(as_text=True)))
    assert refs == {o.reference for o in order_rows(buy.id) if o.user_id == wang.id}
    assert leader.get(f"{url}&by=nonsense&building=x").status_code == 200  # read as the default


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


def test_past_and_closed_slots_are_neither_offered_nor_booked(world, auth):
    world.point.slot_capacity, world.point.slot_minutes = 2, 60
    world.point.opening_hours = "每天 08:00–20:00"
    buy = _arrived(world)
    buy.pickup_from, buy.pickup_until = utcnow() - timedelta(days=2), utcnow() + timedelta(days=2)
    db.session.commit()
    order = order_rows(buy.id)[0]
    client = auth.login(order.user)
    page = client.get(f"/groupbuy/orders/{order.id}").get_data(as_text=True)
    offered = [datetime.fromisoformat(s) for s in re.findall(r'name="slot" value="([^"]+)"', page)]
    assert offered and all(s + timedelta(hours=1) > utcnow() for s in offered)
    assert all(8 <= to_wall_clock(s).hour < 20 for s in offered)
    yesterday, tomorrow = today() - timedelta(days=1), today() + timedelta(days=1)
    assert from_wall_clock(datetime.combine(tomorrow, time(10))) in offered
    refused = {
        from_wall_clock(datetime.combine(yesterday, time(10))): "This pickup time has passed",
        from_wall_clock(datetime.combine(tomorrow, time(4))): "closed at this time (open 每天 08:00–20:00)",
        from_wall_clock(datetime.combine(tomorrow, time(19, 30))): "Choose one of the offered times",
    }
    for start, message in refused.items():
        assert start not in offered
        response = client.post(
            f"/groupbuy/orders/{order.id}/slot", data={"slot": start.isoformat()}, headers=HX
        )
        text = response.get_data(as_text=True)
        assert response.status_code == 422 and message in text and "field-error" in text
    assert state(buy.id) and db.session.get(Order, order.id).slot_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PickupSlot)) == 0


def test_slots_follow_a_pickup_points_hours_as_typed(world, auth):
    admin = auth.login(world.admin.user)
    fields = {"name": "5栋门岗", "kind": "station", "slot_capacity": "4", "slot_minutes": "30", "active": "y"}
    response = admin.post("/pickup/points/new", data={**fields, "opening_hours": "问团长"}, headers=HX)
    assert response.status_code == 422
    assert "Write the opening hours with times" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(PickupPoint).where(PickupPoint.name == "5栋门岗")) is None
    response = admin.post("/pickup/points/new", data={**fields, "opening_hours": "工作日 18:00–21:00"})
    assert response.status_code == 303


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
