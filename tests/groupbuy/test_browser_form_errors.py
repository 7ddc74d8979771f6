"""The leader's new-buy form in Chromium on a phone (390×844), in Chinese and English: one submit
with a past deadline, a reversed pickup window, no pickup point and a file that is no picture
comes back (htmx, 422) with all four messages beside their fields, and opens nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.localtime import to_wall_clock
from portal.groupbuy.models import GroupBuy
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_point

pytestmark = pytest.mark.browser

SAID = {
    "zh": {
        "deadline": "截单时间已过：请选择将来的时间。",
        "pickup_until": "自提截止：须晚于自提开始。",
        "pickup_points": "自提点：请至少选择一个本小区的自提点。",
        "photos": "商品图片：",
    },
    "en": {
        "deadline": "Order deadline: must be in the future.",
        "pickup_until": "Pickup until: must be later than pickup from.",
        "pickup_points": "Pickup points: choose at least one pickup point of this community.",
        "photos": "Photos: This file is not a picture",
    },
}


def _local(value):
    return to_wall_clock(value).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_rule_the_buy_breaks_is_shown_beside_its_field(
    live_server, make, browser_page, tmp_path, locale
):
    lang = locale[:2]
    community = make.community("翠屏幸福里")
    make_point(community, "3栋一楼自提点")
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    server = live_server(kind="werkzeug")
    page = browser_page(viewport=PHONE, locale=locale)
    page.goto(f"{server.url}/login")
    page.locator("#phone").fill(leader.user.phone)
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(lambda address: "/login" not in address)

    page.goto(f"{server.url}/groupbuy/new")
    now = utcnow()
    page.locator("#title").fill("阳山水蜜桃")
    page.locator("#unit_price").fill("59.90")
    page.locator("#min_quantity").fill("3")
    page.locator("#deadline").fill(_local(now - timedelta(hours=1)))
    page.locator("#pickup_from").fill(_local(now + timedelta(hours=12)))
    page.locator("#pickup_until").fill(_local(now + timedelta(hours=6)))
    page.locator("input[name=pickup_points]").uncheck()  # the only point comes ticked
    menu = tmp_path / "menu.jpg"
    menu.write_bytes(b"%PDF-1.4 not a picture")
    page.set_input_files("#photos", str(menu))
    posted = lambda r: r.url.endswith("/groupbuy/new") and r.request.method == "POST"  # noqa: E731
    with page.expect_response(posted) as sent:
        page.locator("#gb-buy-form button[type=submit].gb-cta").click()
    assert sent.value.status == 422
    errors = page.locator("#gb-buy-form .field-error")
    errors.first.wait_for()  # the swap htmx started with that response
    shown = " ".join(errors.all_inner_texts())
    for field, text in SAID[lang].items():
        assert text in shown, (field, shown)
    assert page.locator("#deadline[aria-invalid=true]").count() == 1
    page.locator("#deadline").scroll_into_view_if_needed()
    screenshot(page, f"groupbuy-form-errors-{lang}")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupBuy)) == 0
