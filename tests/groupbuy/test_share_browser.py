"""In Chromium on a 390×844 phone, both languages: a neighbour's join is pushed to an open
listing (only that buy's card refetches) and to the buy's page (its progress refetches), 成团
reads as a label; the buy's link is copied and its poster opens as a PNG."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.community.models import Role
from portal.groupbuy import poster
from tests.conftest import PHONE, SCREENSHOTS, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_buy, make_point
from tests.live import HttpSession, log_in

pytestmark = pytest.mark.browser

TEXT = {
    "zh-CN": {
        "to_go": "还差 3 斤 成团",
        "reached": "✓ 已成团",
        "short": "还差 1 斤 成团",
        "copied": "链接已复制",
    },
    "en-US": {"to_go": "3 斤 to go", "reached": "✓ Reached", "short": "1 斤 to go", "copied": "Link copied"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_progress_is_pushed_and_the_buy_is_shared(live_server, make, browser_page, locale):
    lang, text = locale[:2], TEXT[locale]
    community = make.community("翠屏幸福里")
    point = make_point(community)
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    wang = make.member(community, make.user("王阿姨")).user
    zhang = make.member(community, make.user("张先生")).user
    buy = make_buy(leader, [point], min_quantity=3)
    make_buy(leader, [point], title="土鸡蛋", unit="盒", min_quantity=5)
    server = live_server(kind="werkzeug")
    url, room = server.url, f"groupbuy:{community.id}"

    page = browser_page(viewport=PHONE, locale=locale)
    failed = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    log_in(page, url, wang.phone, TEST_PASSWORD)

    # the listing: a join elsewhere refetches that buy's card, not the list
    page.goto(f"{url}/groupbuy")
    page.locator(f'body[data-watching="{room}"]').wait_for(state="attached", timeout=30_000)
    card = page.locator(f"#gb-card-{buy.id}")
    expect(card.locator(".gb-goal")).to_have_text(text["to_go"])
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    neighbour = HttpSession(url).login(zhang.phone, TEST_PASSWORD)
    with page.expect_response(lambda response: response.url.endswith(f"/groupbuy/{buy.id}/card")) as answer:
        assert neighbour.post(f"/groupbuy/{buy.id}/join", {"quantity": "3"})[0] == 303
    assert answer.value.ok
    expect(card.locator(".gb-goal")).to_have_text(text["reached"])
    expect(card).to_contain_text("3/3")
    assert not [u for u in fetched if re.search(r"/groupbuy(\?|$)", u)], fetched  # the list was not refetched
    screenshot(page, f"groupbuy-share-1-listing-{lang}")

    # the buy's page: its progress follows the push
    page.goto(f"{url}/groupbuy/{buy.id}")
    page.locator(f'body[data-watching="{room}"]').wait_for(state="attached", timeout=30_000)
    progress = page.locator(f"#gb-progress-{buy.id}")
    expect(progress.locator(".gb-goal")).to_have_text(text["reached"])
    progress_url = f"/groupbuy/{buy.id}/progress"
    with page.expect_response(lambda response: response.url.endswith(progress_url)) as answer:
        assert neighbour.post(f"/groupbuy/{buy.id}/join", {"quantity": "2"})[0] == 303
    assert answer.value.ok
    expect(progress.locator(".gb-qty")).to_have_text("2")
    expect(progress.locator(".gb-goal")).to_have_text(text["short"])

    # share: the link is copied, the poster opens
    link = f"{url}/groupbuy/{buy.id}"
    share = page.locator(".gb-share")
    expect(share.locator(f'a[href="{link}"]')).to_be_visible()
    share.locator("[data-copy-link]").click()
    expect(share.locator("[data-copied]")).to_be_visible()
    expect(share.locator("[data-copied]")).to_contain_text(text["copied"])
    assert page.evaluate("navigator.clipboard.readText()") == link
    screenshot(page, f"groupbuy-share-2-buy-{lang}")
    with page.expect_response(lambda response: response.url.endswith("/poster.png")) as answer:
        share.locator(f'a[href="/groupbuy/{buy.id}/poster.png"]').click()
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(answer.value.body()))
    assert image.size == poster.SIZE
    image.save(SCREENSHOTS / f"groupbuy-share-3-poster-{lang}.png")
    assert failed == []  # console errors fail the test in browser_page
