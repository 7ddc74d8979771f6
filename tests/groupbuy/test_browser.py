"""The whole group buy in Chromium on phone screens (390×844), in Chinese and in English:
a leader opens a buy, two residents join, the deadline passes and the running portal's
sweeper closes it (成团), the leader marks the goods arrived, a resident sees code and QR,
the leader verifies one pickup by code and the other by opening the QR link."""

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from portal.community.models import Role
from portal.core.db import begin_write, db, utcnow
from portal.core.localtime import to_wall_clock
from portal.groupbuy.models import BuyStatus, GroupBuy, Order, OrderStatus
from portal.groupbuy.services.pickup_codes import qr_token
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_point
from tests.live import log_in

pytestmark = pytest.mark.browser

TEXT = {
    "zh-CN": {"joined": "你的订单", "succeeded": "成团", "handed": "已核销"},
    "en-US": {"joined": "Your order", "succeeded": "Succeeded", "handed": "Handed over"},
}


def _photo(path):
    image = Image.new("RGB", (900, 600), (255, 183, 120))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        draw.ellipse(
            (80 + i * 130, 200 + (i % 2) * 90, 200 + i * 130, 320 + (i % 2) * 90), fill=(236, 96, 72)
        )
    image.save(path, "JPEG")
    return path


def _local(value):
    return to_wall_clock(value).strftime("%Y-%m-%dT%H:%M")


def _committed(query):
    db.session.rollback()
    return db.session.scalar(query)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_group_buy_from_opening_to_pickup(live_server, make, browser_page, tmp_path, locale):
    lang = locale[:2]
    text = TEXT[locale]
    community = make.community("翠屏幸福里", buildings="1栋: 1单元, 2单元\n3栋: 1单元, 2单元\n5栋: 1单元")
    point = make_point(
        community,
        "3栋一楼自提点",
        opening_hours="每天 08:00–20:00",
        address="3栋一楼大厅",
        slot_capacity=4,
        slot_minutes=60,
    )
    leader = make.member(
        community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER, building_index=1
    )
    wang = make.member(community, make.user("王阿姨"), building_index=1).user
    zhang = make.member(community, make.user("张先生"), building_index=2).user
    server = live_server(kind="werkzeug", GROUPBUY_SWEEP_SECONDS=1)
    url = server.url

    # the leader opens a buy on her phone
    leader_page = browser_page(viewport=PHONE, locale=locale)
    leader_page.on("dialog", lambda dialog: dialog.accept())
    log_in(leader_page, url, leader.user.phone, TEST_PASSWORD)
    leader_page.goto(f"{url}/groupbuy/new")
    now = utcnow()
    leader_page.locator("#title").fill(
        "阳山水蜜桃 · 当天现摘" if lang == "zh" else "Yangshan peaches, picked today"
    )
    leader_page.locator("#category").select_option("fresh")
    leader_page.locator("#description").fill("凌晨 4 点采摘, 中午分拣, 17 点前送到自提点。")
    leader_page.locator("#unit").fill("箱" if lang == "zh" else "box")
    leader_page.locator("#unit_price").fill("59.90")
    leader_page.locator("#reference_price").fill("79")
    leader_page.locator("#min_quantity").fill("3")
    leader_page.locator("#stock_cap").fill("20")
    leader_page.locator("#per_person_limit").fill("5")
    leader_page.locator("#commission").fill("8")
    leader_page.locator("#deadline").fill(_local(now + timedelta(hours=3)))
    leader_page.locator("#pickup_from").fill(_local(now + timedelta(hours=6)))
    leader_page.locator("#pickup_until").fill(_local(now + timedelta(hours=12)))
    leader_page.locator(f"input[name=pickup_points][value='{point.id}']").check()
    leader_page.set_input_files("#photos", str(_photo(tmp_path / "peaches.jpg")))
    screenshot(leader_page, f"groupbuy-1-leader-new-{lang}")
    leader_page.locator("#gb-buy-form button[type=submit].gb-cta").click()
    leader_page.wait_for_url(re.compile(r".*/groupbuy/\d+$"))
    buy_id = int(leader_page.url.rsplit("/", 1)[1])
    assert "¥59.90" in leader_page.locator(".gb-summary").inner_text()
    screenshot(leader_page, f"groupbuy-2-leader-detail-{lang}")

    # two residents join on their phones
    wang_page = browser_page(viewport=PHONE, locale=locale)
    log_in(wang_page, url, wang.phone, TEST_PASSWORD)
    wang_page.goto(f"{url}/groupbuy")
    wang_page.locator(f"a.gb-card[href='/groupbuy/{buy_id}']").click()
    wang_page.wait_for_url(f"{url}/groupbuy/{buy_id}")
    wang_page.wait_for_load_state("load")  # the stepper's script has run
    wang_page.locator("[data-step='1']").click()
    assert wang_page.locator("#quantity").input_value() == "2"
    wang_page.locator("#note").fill("新搬来的, 喜欢种花")
    wang_page.locator("#show_building").check()
    screenshot(wang_page, f"groupbuy-3-resident-join-{lang}")
    wang_page.locator("#gb-join button[type=submit].gb-cta").click()
    wang_page.wait_for_selector(".gb-mybox")
    assert text["joined"] in wang_page.locator(".gb-mybox").inner_text()

    zhang_page = browser_page(viewport=PHONE, locale=locale)
    log_in(zhang_page, url, zhang.phone, TEST_PASSWORD)
    zhang_page.goto(f"{url}/groupbuy/{buy_id}")
    zhang_page.locator("#gb-join button[type=submit].gb-cta").click()
    zhang_page.wait_for_selector(".gb-mybox")
    wang_page.reload()
    assert "王**" in wang_page.locator(".gb-people").inner_text()
    assert "新搬来的, 喜欢种花" in wang_page.locator(".gb-people").inner_text()
    screenshot(wang_page, f"groupbuy-4-resident-joined-{lang}")
    wang_page.goto(f"{url}/groupbuy")
    screenshot(wang_page, f"groupbuy-5-listing-{lang}")

    # the deadline passes: the running portal's sweeper closes the buy by itself
    db.session.rollback()
    begin_write()  # the server's sweeper writes every second: take the write lock before reading
    db.session.get(GroupBuy, buy_id).deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    deadline = time.monotonic() + 30
    while _committed(sa.select(GroupBuy.status).where(GroupBuy.id == buy_id)) == BuyStatus.OPEN:
        assert time.monotonic() < deadline, "the sweeper did not close the buy"
        time.sleep(0.3)
    assert _committed(sa.select(GroupBuy.status).where(GroupBuy.id == buy_id)) == BuyStatus.SUCCEEDED
    wang_page.goto(f"{url}/groupbuy/{buy_id}")
    assert text["succeeded"] in wang_page.locator("main").inner_text()
    screenshot(wang_page, f"groupbuy-6-succeeded-{lang}")

    # the goods arrive: the leader marks them arrived, codes go out
    leader_page.goto(f"{url}/groupbuy/{buy_id}/orders")
    # the answer reloads the page (HX-Redirect): wait for that navigation, not for a selector
    # (the next goto must not start while the reload is still under way: net::ERR_ABORTED)
    with leader_page.expect_navigation(url=f"{url}/groupbuy/{buy_id}/orders"):
        leader_page.locator("#gb-mark-arrived").click()
    # the verify link is on it only once the buy arrived
    assert leader_page.locator("#gb-buy-orders a[href='/pickup/verify']").count() == 1
    screenshot(leader_page, f"groupbuy-7-leader-orders-{lang}")

    leader_page.goto(f"{url}/groupbuy/workbench/picklist?buy={buy_id}")
    assert leader_page.locator(".gb-pick-table tbody tr").count() == 2
    screenshot(leader_page, f"groupbuy-7b-picklist-{lang}")

    # a resident sees the pickup code and the QR code
    wang_order = _committed(sa.select(Order).where(Order.buy_id == buy_id, Order.user_id == wang.id))
    zhang_order = _committed(sa.select(Order).where(Order.buy_id == buy_id, Order.user_id == zhang.id))
    wang_page.goto(f"{url}/groupbuy/orders")
    screenshot(wang_page, f"groupbuy-7c-my-orders-{lang}")
    wang_page.locator(f"a[href='/groupbuy/orders/{wang_order.id}']").click()
    code = wang_page.locator(".gb-code").inner_text().replace(" ", "")
    assert code == wang_order.pickup_code and len(code) == 8
    # decode() waits for the image to load (and fails for a broken one); it may still be loading
    assert wang_page.locator("img.gb-qr").evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
    screenshot(wang_page, f"groupbuy-8-resident-code-{lang}")

    # the leader verifies by typing the code
    leader_page.goto(f"{url}/pickup/verify")
    leader_page.locator("#code").fill(f"{code[:4]} {code[4:]}")
    leader_page.locator("#pickup-code-form button[type=submit]").click()
    leader_page.wait_for_selector("#pickup-hand-over")
    screenshot(leader_page, f"groupbuy-9-verify-found-{lang}")
    leader_page.locator("#pickup-hand-over").click()
    leader_page.wait_for_selector(".gb-done")
    assert text["handed"] in leader_page.locator(".gb-done").inner_text()
    screenshot(leader_page, f"groupbuy-10-verified-{lang}")

    # ... and the other pickup by opening the QR code's signed link
    leader_page.goto(f"{url}/pickup/v/{qr_token(zhang_order)}")
    leader_page.locator("#pickup-hand-over").click()
    leader_page.wait_for_selector(".gb-done")
    screenshot(leader_page, f"groupbuy-11-verified-qr-{lang}")
    db.session.rollback()
    statuses = dict(
        db.session.execute(sa.select(Order.user_id, Order.collected_via).where(Order.buy_id == buy_id)).all()
    )
    assert statuses == {wang.id: "code", zhang.id: "qr"}
    assert {o.status for o in db.session.scalars(sa.select(Order))} == {OrderStatus.COLLECTED}

    wang_page.reload()
    assert wang_page.locator(".gb-steps li.done").count() == 4
    screenshot(wang_page, f"groupbuy-12-resident-collected-{lang}")
    leader_page.goto(f"{url}/groupbuy/workbench")
    screenshot(leader_page, f"groupbuy-13-workbench-{lang}")
    assert "¥14.38" in leader_page.locator(".gb-stats").inner_text()  # 8 % of 3 × ¥59.90
