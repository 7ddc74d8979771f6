"""Pickup on phone screens (390×844), in Chinese and in English: a resident is offered only
pickup times still to come while the point is open; a leader typing a code collected already
is told when and by whom; the pick list grouped and filtered by building."""

from datetime import datetime, timedelta

import pytest

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.localtime import to_wall_clock
from portal.groupbuy.services.closing import close_buy
from portal.groupbuy.services.fulfilment import mark_arrived
from portal.groupbuy.services.joining import join_buy
from portal.groupbuy.services.pickup_codes import mark_collected
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_buy, make_point, order_rows, pass_deadline, state
from tests.live import log_in

pytestmark = pytest.mark.browser

TEXT = {
    "zh-CN": {"already": "已领取", "by": "由 周** 核销"},
    "en-US": {"already": "Collected already", "by": "handed over by 周**"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_slots_collected_codes_and_pick_lists_by_building(live_server, make, browser_page, locale):
    lang, text = locale[:2], TEXT[locale]
    community = make.community("翠屏幸福里", buildings="1栋: 1单元, 2单元\n3栋: 1单元, 2单元\n5栋: 1单元")
    point = make_point(
        community, "3栋一楼自提点", opening_hours="每天 08:00–20:00", slot_capacity=4, slot_minutes=60
    )
    shop = make_point(community, "南门便利店", kind="shop", opening_hours="每天 07:00–22:00")
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    admin = make.member(community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN)
    people = [  # in 1栋, 3栋, 5栋
        make.member(community, make.user(name), building_index=i)
        for i, name in enumerate(["王阿姨", "张先生", "刘女士"])
    ]
    buy = make_buy(leader, [point, shop], min_quantity=2)
    for member, where in zip(people, (point, shop, point), strict=True):
        join_buy(member.user, buy, 1, pickup_point_id=where.id)
    db.session.commit()
    pass_deadline(buy)
    close_buy(buy.id)
    buy = state(buy.id)
    buy.pickup_from, buy.pickup_until = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    mark_arrived(buy)
    db.session.commit()
    wang_order, _zhang_order, liu_order = order_rows(buy.id)
    code = liu_order.pickup_code
    mark_collected(liu_order, "code", by_user=admin.user)
    db.session.commit()
    url = live_server(kind="werkzeug").url

    # the resident: only pickup times to come, while the point is open
    wang = browser_page(viewport=PHONE, locale=locale)
    log_in(wang, url, people[0].user.phone, TEST_PASSWORD)
    wang.goto(f"{url}/groupbuy/orders/{wang_order.id}")
    values = wang.locator("input[name=slot]").evaluate_all("inputs => inputs.map(i => i.value)")
    offered = [datetime.fromisoformat(value) for value in values]
    assert offered and all(s + timedelta(hours=1) > utcnow() for s in offered)
    assert all(8 <= to_wall_clock(s).hour < 20 for s in offered)
    screenshot(wang, f"pickup-slots-{lang}")

    # the leader types a code collected already
    leader_page = browser_page(viewport=PHONE, locale=locale)
    log_in(leader_page, url, leader.user.phone, TEST_PASSWORD)
    leader_page.goto(f"{url}/pickup/verify")
    leader_page.locator("#point").select_option(str(point.id))
    leader_page.locator("#code").fill(f"{code[:4]} {code[4:]}")
    posted = lambda r: r.url.endswith("/pickup/verify") and r.request.method == "POST"  # noqa: E731
    with leader_page.expect_response(posted):
        leader_page.locator("#pickup-code-form button[type=submit]").click()
    already = leader_page.locator(".gb-already").inner_text()
    assert text["already"] in already and text["by"] in already and "刘**" in already
    screenshot(leader_page, f"pickup-verify-collected-again-{lang}")

    # the pick list per building, then of one building
    leader_page.goto(f"{url}/groupbuy/workbench/picklist?buy={buy.id}")
    leader_page.locator("select[name=by]").select_option("building")
    with leader_page.expect_navigation():
        leader_page.locator(".gb-pick-filter button[type=submit]").click()
    headings = leader_page.locator(".gb-pick h2").all_inner_texts()
    assert [h.split()[1] for h in headings] == ["1栋", "3栋"]  # 刘女士's (5栋) was collected
    screenshot(leader_page, f"pickup-picklist-by-building-{lang}")
    three = next(b for b in community.buildings if b.name == "3栋")
    leader_page.locator("select[name=building]").select_option(str(three.id))
    with leader_page.expect_navigation():
        leader_page.locator(".gb-pick-filter button[type=submit]").click()
    rows = leader_page.locator(".gb-pick-table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "张**" in rows[0] and "南门便利店" in rows[0]
    screenshot(leader_page, f"pickup-picklist-one-building-{lang}")
