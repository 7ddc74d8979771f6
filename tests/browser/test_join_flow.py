"""A newcomer joins by invitation on a phone, logs in, switches language and logs out."""

import pytest

from portal.community.services import create_invite
from portal.core.db import db
from tests.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


def test_join_by_invite_login_switch_language_logout(live_server, make, browser_page):
    community = make.community("翠屏幸福里", buildings="1栋: 1单元, 2单元\n3栋: 1单元, 2单元")
    inviter = make.member(community)
    invite = create_invite(inviter)
    db.session.commit()
    server = live_server(workers=2)

    page = browser_page(viewport=PHONE, locale="zh-CN")
    page.goto(f"{server.url}/join/{invite.token}")
    assert "翠屏幸福里" in page.locator("h1").inner_text()
    screenshot(page, "foundation-join-zh")

    # submitting an empty form keeps the page and shows the errors beside the fields
    page.get_by_role("button", name="加入社区").click()
    page.wait_for_selector("#display_name-error")
    screenshot(page, "foundation-join-errors-zh")

    page.locator("#display_name").fill("新搬来的小林")
    page.locator("#phone").fill("13912340000")
    page.locator("#password").fill("good password")
    page.locator("#confirm").fill("good password")
    page.locator("#unit").select_option(str(community.buildings[1].units[1].id))
    page.get_by_role("button", name="加入社区").click()
    page.wait_for_url(f"{server.url}/")
    assert "翠屏幸福里" in page.locator("main").inner_text()
    assert "3栋" in page.locator("main").inner_text()
    screenshot(page, "foundation-home-zh")

    with page.expect_navigation():  # the switch posts and comes back to the same address
        page.get_by_role("button", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    assert "Invite a neighbour" in page.locator("main").inner_text()
    screenshot(page, "foundation-home-en")

    with page.expect_navigation(url=f"{server.url}/me"):
        page.locator(".tabbar a[href='/me']").click()
    with page.expect_navigation(url=f"{server.url}/"):
        page.get_by_role("button", name="Log out").click()
    screenshot(page, "foundation-logged-out-en")
    assert page.locator(".topbar a[href='/login']").is_visible()

    page.goto(f"{server.url}/me")
    assert "/login" in page.url
    page.locator("#phone").fill("13912340000")
    page.locator("#password").fill("good password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/me")
    assert "新搬来的小林" in page.locator("main").inner_text()
    screenshot(page, "foundation-me-en")
