"""After-sales in Chromium on phone screens (390×844), in Chinese and in English: a resident
reports a problem with a photo from her collected order, the leader offers a refund, the resident
accepts it and is invited to review the product."""

import re

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from portal.aftersales.models import Case, LedgerEntry
from portal.community.models import Role
from portal.core.db import db
from tests.aftersales.helpers import collected_order
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_point
from tests.live import log_in

pytestmark = pytest.mark.browser


def _photo(path):
    image = Image.new("RGB", (800, 600), (250, 230, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 150, 600, 450), fill=(120, 160, 60))
    draw.ellipse((330, 250, 470, 380), fill=(90, 70, 40))  # the bruise
    image.save(path, "JPEG")
    return path


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_report_offer_accept(live_server, make, app, browser_page, tmp_path, locale):
    lang = locale[:2]
    community = make.community("翠屏幸福里")
    point = make_point(community, "3栋一楼自提点")
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    wang = make.member(community, make.user("王阿姨")).user
    with app.test_request_context():
        order = collected_order(
            leader, wang, point, quantity=3, category="fresh", title="阳山水蜜桃 · 当天现摘", unit="箱"
        )
    server = live_server(kind="werkzeug")
    url = server.url

    # the resident reports a bruised box with a photo from her order
    resident = browser_page(viewport=PHONE, locale=locale)
    log_in(resident, url, wang.phone, TEST_PASSWORD)
    resident.goto(f"{url}/groupbuy/orders/{order.id}")
    screenshot(resident, f"aftersales-1-order-{lang}")
    resident.locator("#as-report-link").click()
    resident.wait_for_url(re.compile(r".*/aftersales/orders/\d+/report$"))
    resident.locator("#reason").select_option("damaged")
    resident.locator("#quantity").fill("1")
    resident.set_input_files("#photos", str(_photo(tmp_path / "bruise.jpg")))
    resident.locator("#note").fill(
        "一箱压坏了, 有两个桃子烂了" if lang == "zh" else "One box was crushed; two peaches are bruised."
    )
    screenshot(resident, f"aftersales-2-report-{lang}")
    resident.locator("#as-report-send").click()
    resident.wait_for_url(re.compile(r".*/aftersales/cases/\d+$"))
    case_id = int(resident.url.rsplit("/", 1)[1])
    assert resident.locator(".as-photos img").count() == 1
    screenshot(resident, f"aftersales-3-reported-{lang}")

    # the leader offers a refund
    leader_page = browser_page(viewport=PHONE, locale=locale)
    log_in(leader_page, url, leader.user.phone, TEST_PASSWORD)
    leader_page.goto(f"{url}/aftersales/cases/{case_id}")
    leader_page.locator("input[name=kind][value=refund]").check()
    leader_page.locator("#amount").fill("12.80")
    leader_page.locator("#note").fill("先行赔付, 抱歉" if lang == "zh" else "Sorry; refunded first by me.")
    screenshot(leader_page, f"aftersales-4-leader-offer-{lang}")
    leader_page.locator("#as-offer-send").click()
    leader_page.wait_for_selector("#as-offer")
    assert "¥12.80" in leader_page.locator("#as-offer").inner_text()

    # the resident's open case page updates itself (the notification is pushed), then she accepts
    resident.wait_for_selector("#as-accept", timeout=30000)
    screenshot(resident, f"aftersales-5-offer-{lang}")
    resident.locator("#as-accept").click()
    resident.wait_for_selector(f"a[href='/reviews/orders/{order.id}']")
    screenshot(resident, f"aftersales-6-accepted-{lang}")

    db.session.rollback()
    case = db.session.get(Case, case_id)
    assert case.resolution == "accepted" and case.offer_cents == 1280
    kinds = db.session.scalars(sa.select(LedgerEntry.kind).where(LedgerEntry.case_id == case_id)).all()
    assert "refund_owed" in kinds

    leader_page.goto(f"{url}/aftersales/cases/{case_id}")
    screenshot(leader_page, f"aftersales-7-leader-owed-{lang}")
