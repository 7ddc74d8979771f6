"""The demand pool in Chromium on phone screens (390×844), in Chinese and in English: a resident
wishes for something, another +1s it, a leader turns it into a buy (the form comes pre-filled;
she adds the dates and opens it), and the +1'd resident opens the notification and joins the buy
with one tap at the quantity they pledged."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.localtime import to_wall_clock
from portal.demand.models import Wish, WishState
from portal.groupbuy.models import Order
from portal.moderation.services import trust
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_point
from tests.live import log_in

pytestmark = pytest.mark.browser


def _local(value):
    return to_wall_clock(value).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_wish_becomes_a_buy_and_a_resident_joins_with_one_tap(live_server, make, browser_page, locale):
    lang = locale[:2]
    community = make.community("翠屏幸福里", buildings="1栋: 1单元\n3栋: 1单元\n5栋: 1单元")
    point = make_point(community, "3栋一楼自提点")
    leader = make.member(
        community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER, building_index=1
    )
    wang = make.member(community, make.user("王阿姨"), building_index=0)
    zhang = make.member(community, make.user("张先生"), building_index=2)
    for m in (leader, wang, zhang):
        trust(m.user_id, m.community_id)
    db.session.commit()
    url = live_server(kind="werkzeug").url

    # a resident wishes for rice
    wang_page = browser_page(viewport=PHONE, locale=locale)
    log_in(wang_page, url, wang.user.phone, TEST_PASSWORD)
    wang_page.goto(f"{url}/demand")
    wang_page.locator("a.gb-new[href='/demand/new']").click()
    wang_page.wait_for_url(f"{url}/demand/new")
    wang_page.locator("#title").fill("五常大米 · 新米" if lang == "zh" else "Wuchang rice, new crop")
    wang_page.locator("#category").select_option("local")
    wang_page.locator("#price").fill("69.90")
    wang_page.locator("#unit").fill("袋" if lang == "zh" else "bag")
    wang_page.locator("#quantity").fill("2")
    wang_page.locator("#link").fill("https://example.com/wuchang-rice")
    wang_page.locator("#note").fill("10 斤装, 最好是今年的新米。")
    screenshot(wang_page, f"demand-1-post-{lang}")
    wang_page.locator("#dm-wish-form button[type=submit]").click()
    wang_page.wait_for_url(re.compile(r".*/demand/\d+$"))
    wish_id = int(wang_page.url.rsplit("/", 1)[1])
    assert "+1 × 2" in wang_page.locator(f"#dm-vote-{wish_id}").inner_text()
    screenshot(wang_page, f"demand-2-wish-{lang}")

    # another resident +1s it from the pool with a quantity (htmx: the count changes in place)
    zhang_page = browser_page(viewport=PHONE, locale=locale)
    log_in(zhang_page, url, zhang.user.phone, TEST_PASSWORD)
    zhang_page.goto(f"{url}/demand")
    zhang_page.wait_for_load_state("load")
    box = zhang_page.locator(f"#dm-vote-{wish_id}")
    assert box.locator(".dm-count").inner_text().startswith("1")
    box.locator("input[name=quantity]").fill("3")
    box.locator("button[type=submit]").click()
    zhang_page.wait_for_selector(f"#dm-vote-{wish_id} .dm-mine")
    count = zhang_page.locator(f"#dm-vote-{wish_id} .dm-count").inner_text()
    assert count.startswith("2") and "5" in count
    screenshot(zhang_page, f"demand-3-plus-one-{lang}")

    # the leader sees the pool and turns the wish into a buy
    leader_page = browser_page(viewport=PHONE, locale=locale)
    log_in(leader_page, url, leader.user.phone, TEST_PASSWORD)
    leader_page.goto(f"{url}/demand")
    screenshot(leader_page, f"demand-4-leader-pool-{lang}")
    leader_page.goto(f"{url}/demand/{wish_id}")
    screenshot(leader_page, f"demand-5-leader-wish-{lang}")
    leader_page.locator("#dm-convert").click()
    leader_page.wait_for_url(re.compile(r".*/groupbuy/new\?.*"))
    assert leader_page.locator("#title").input_value() == (
        "五常大米 · 新米" if lang == "zh" else "Wuchang rice, new crop"
    )
    assert leader_page.locator("#unit_price").input_value() == "69.90"
    assert leader_page.locator("#min_quantity").input_value() == "2"
    assert leader_page.locator("#category").input_value() == "local"
    assert leader_page.locator(f"input[name=pickup_points][value='{point.id}']").is_checked()
    now = utcnow()
    leader_page.locator("#deadline").fill(_local(now + timedelta(hours=3)))
    leader_page.locator("#pickup_from").fill(_local(now + timedelta(hours=6)))
    leader_page.locator("#pickup_until").fill(_local(now + timedelta(hours=12)))
    screenshot(leader_page, f"demand-6-leader-prefilled-buy-{lang}")
    leader_page.locator("#gb-buy-form button[type=submit].gb-cta").click()
    leader_page.wait_for_url(re.compile(r".*/groupbuy/\d+$"))
    buy_id = int(leader_page.url.rsplit("/", 1)[1])
    db.session.rollback()
    assert db.session.get(Wish, wish_id).state == WishState.CONVERTED

    # the +1'd resident opens the notification and joins with one tap, at the pledged quantity
    zhang_page.goto(f"{url}/notifications")
    link = zhang_page.locator(f"a[href='/groupbuy/{buy_id}?qty=3']")
    assert link.count() == 1
    screenshot(zhang_page, f"demand-7-notification-{lang}")
    link.click()
    zhang_page.wait_for_url(f"{url}/groupbuy/{buy_id}?qty=3")
    zhang_page.wait_for_load_state("load")
    assert zhang_page.locator("#quantity").input_value() == "3"
    screenshot(zhang_page, f"demand-8-one-tap-join-{lang}")
    zhang_page.locator("#gb-join button[type=submit].gb-cta").click()
    zhang_page.wait_for_selector(".gb-mybox")
    screenshot(zhang_page, f"demand-9-joined-{lang}")
    db.session.rollback()
    assert db.session.scalar(sa.select(Order.quantity).where(Order.user_id == zhang.user_id)) == 3

    # the wish now links to the buy; the pool lists it under "now buys"
    wang_page.goto(f"{url}/demand?tab=converted")
    assert wang_page.locator(f"#wish-{wish_id}").count() == 1
    screenshot(wang_page, f"demand-10-converted-tab-{lang}")
