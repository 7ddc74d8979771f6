"""The community home in Chromium on a phone (390×844), in Chinese and in English: the cards
fit the screen, and a card updates by push — a neighbour asks to get in touch and, without a
reload, the contacts card appears on my home."""

import pytest

from portal.community.models import Role
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_buy, make_point
from tests.iot.mqtt import wait_for
from tests.live import HttpSession, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_contact_request_appears_on_my_home_by_push(live_server, make, browser_page, locale):
    lang = locale[:2]
    community = make.community("翠屏幸福里", buildings="1栋: 1单元\n3栋: 1单元")
    point = make_point(community, name="3栋自提点")
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    make_buy(leader, [point], title="阳山水蜜桃")
    me = make.member(community, make.user("王阿姨"))
    neighbour = make.member(community, make.user("张明华"), building_index=1)
    url = live_server(kind="werkzeug").url

    page = browser_page(viewport=PHONE, locale=locale)
    log_in(page, url, me.user.phone, TEST_PASSWORD)
    page.goto(f"{url}/")
    assert "阳山水蜜桃" in page.locator("#home-card-buys").inner_text()
    assert page.locator("#home-card-contacts .home-card").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wait_for(lambda: page.evaluate("document.body.dataset.liveState") == "connected")

    with page.expect_response(lambda response: "/home/cards/contacts" in response.url):
        status, text, _ = HttpSession(url).login(neighbour.user.phone, TEST_PASSWORD).post(
            f"/neighbors/{me.id}/contact", {"message": "你好,我住 3 栋,想问问团购的事"}
        )
        assert status == 200, text[:300]
    card = page.locator("#home-card-contacts .home-card")
    wait_for(lambda: card.count() == 1)
    expected = "想和你联系" if lang == "zh" else "would like to get in touch"
    assert expected in card.inner_text() and "张明华" not in card.inner_text()  # masked by default
    screenshot(page, f"home-1-contacts-{lang}")
