"""The whole neighbourly loop in Chromium at 390×844, in Chinese and in English: edit a profile
with tags and privacy, find a neighbour by tag, post a help need, a neighbour offers, the offer is
accepted, the help completed, and the points moved. Screenshots in tests/screenshots/."""

from datetime import timedelta

import pytest

from portal.core.db import db
from portal.core.localtime import today as local_today
from portal.moderation.services import trust
from portal.points import services as points
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.live import log_in

pytestmark = pytest.mark.browser

TEXT = {
    "zh": {"saved": "已保存", "offered": "你已表示愿意帮忙", "done": "已完成"},
    "en": {"saved": "Saved", "offered": "You offered to help", "done": "done"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_profile_find_help_and_points(app, make, live_server, browser_page, lang):
    community = make.community(buildings="3栋: 1单元, 2单元\n6栋: 1单元")
    community_id = community.id
    helper = make.member(community, make.user(name="王阿姨", locale=lang), building_index=0)
    asker = make.member(community, make.user(name="张先生", locale=lang), building_index=1)
    with app.test_request_context("/"):
        for m in (helper, asker):
            trust(m.user_id, community.id)
        points.award(asker.user_id, community.id, 50, "welcome")
        db.session.commit()
    server = live_server(kind="gunicorn", workers=2)
    base = server.url
    t = TEXT[lang]

    # 王阿姨 fills in her profile: tags, and who may see what
    a = browser_page(viewport=PHONE, locale="zh-CN" if lang == "zh" else "en-US")
    log_in(a, base, helper.user.phone, TEST_PASSWORD)
    a.goto(base + "/neighbors/me")
    a.fill("#occupation", "退休教师")
    a.fill("#intro", "喜欢种花, 孙子上幼儿园, 带娃有点心得。")
    a.fill("#skills", "育儿经验, 做饭")
    a.click(".tag-suggestions[data-for=interests] button[data-tag=烘焙]")
    assert a.input_value("#interests") == "烘焙"
    for field, level in (
        ("name", "community"),
        ("occupation", "building"),
        ("intro", "community"),
        ("skills", "community"),
        ("interests", "community"),
    ):
        a.select_option(f"select[name={field}_visibility]", level)
    a.check("input[name=discoverable]")
    a.click("#save-profile")
    a.wait_for_selector(".form-ok")
    assert t["saved"] in a.inner_text(".form-ok")
    a.evaluate("window.scrollTo(0, 0)")
    screenshot(a, f"neighbors-1-profile-edit-{lang}")

    # 张先生 (another building) finds her by the tag 烘焙
    b = browser_page(viewport=PHONE, locale="zh-CN" if lang == "zh" else "en-US")
    log_in(b, base, asker.user.phone, TEST_PASSWORD)
    b.goto(base + "/neighbors")
    b.fill("#directory-tag", "烘焙")
    with b.expect_response(lambda r: "tag=" in r.url):
        b.click(".directory-search button[type=submit]")
    card = b.locator(f"#directory-results .person-card[data-membership='{helper.id}']")
    assert (
        "王阿姨" in card.inner_text() and "退休教师" not in card.inner_text()
    )  # occupation: her building only
    assert "tag=" in b.url  # the search is in the address (hx-push-url)
    screenshot(b, f"neighbors-2-directory-tag-{lang}")
    card.locator(".person-name a").click()
    b.wait_for_selector("#profile")
    assert "带娃有点心得" in b.inner_text("#profile")
    screenshot(b, f"neighbors-3-profile-{lang}")

    # he asks for help on a help day, with a bounty
    b.goto(base + "/boards/help")
    b.click("#need-compose summary")
    b.fill("#what", "需要临时看孩子")
    b.fill("#needed_on", (local_today() + timedelta(days=2)).isoformat())
    b.fill("#time_note", "14:00–16:00")
    b.fill("#place", "6栋1单元")
    b.fill("#bounty", "10")
    b.fill("#tags", "看孩子")
    b.click("#need-submit")
    b.wait_for_selector("#need-form .form-ok")
    b.wait_for_selector("#needs .need")
    screenshot(b, f"neighbors-4-help-posted-{lang}")
    need_url = b.get_attribute("#need-form .form-ok a", "href")

    # she offers
    a.goto(base + need_url)
    a.fill("#message", "我下午有空, 可以帮忙。")
    a.click("#offer-submit")
    a.wait_for_selector("#my-offer")
    assert t["offered"] in a.inner_text("#my-offer")
    screenshot(a, f"neighbors-5-offered-{lang}")

    # he accepts her offer, then confirms it is done
    b.goto(base + need_url)
    b.click("button[data-action=accept]")
    b.wait_for_selector("button[data-action=complete]")
    db.session.rollback()  # a fresh look at the database the server writes to
    assert points.balance(asker.user_id, community_id) == 40  # the bounty is held
    screenshot(b, f"neighbors-6-accepted-{lang}")
    b.click("button[data-action=complete]")
    b.wait_for_selector("#need .form-ok")
    assert t["done"] in b.inner_text("#need-state")
    screenshot(b, f"neighbors-7-completed-{lang}")

    # the points moved to her
    a.goto(base + "/points")
    earned = 10 + points.rule("help")
    assert a.inner_text("#points-balance").strip() == str(earned)
    screenshot(a, f"neighbors-8-points-{lang}")
    db.session.rollback()
    assert points.balance(helper.user_id, community_id) == earned
    assert points.balance(asker.user_id, community_id) == 40
    assert points.mismatched_balances() == []
