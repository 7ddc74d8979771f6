"""A phone (390×844, Chromium) in both languages: a resident signs up and sees the ticket; the
admin opens the ticket's link, checks them in, and the event's admin page, open on another
phone, updates its attendance count by itself (Socket.IO push → htmx refetch)."""

from datetime import timedelta

import pytest

from portal.community.models import Role
from portal.core.db import utcnow
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.events.helpers import make_event
from tests.iot.mqtt import wait_for
from tests.live import log_in

pytestmark = pytest.mark.browser


def no_sideways_scroll(page, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is wider than the phone by {overflow}px"


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_sign_up_ticket_and_check_in_with_live_count(live_server, make, browser_page, locale):
    lang = locale[:2]
    community = make.community("翠屏幸福里", buildings="\n".join(f"{n}栋: 1单元, 2单元" for n in range(1, 7)))
    admin = make.member(community, make.user("物业 周经理"), roles=Role.RESIDENT | Role.ADMIN)
    resident = make.member(community, make.user("王阿姨"), building_index=2)
    start = utcnow() + timedelta(hours=2)
    event = make_event(
        admin, title="春季亲子插花", place="3栋自提点 · 王叔的店", capacity=12, starts_at=start,
        description="带上孩子，一起用时令鲜花做一个小花束。\n材料由店里准备，结束后可以带回家。",
    )
    make_event(admin, title="周末农场探访：清晨采摘", place="东门集合", capacity=8,
               starts_at=start + timedelta(days=3), points_cost=20)
    server = live_server(kind="werkzeug")

    # the admin watches the event's admin page on one phone
    admin_page = browser_page(viewport=PHONE, locale=locale)
    log_in(admin_page, server.url, admin.user.phone, TEST_PASSWORD)
    admin_page.goto(f"{server.url}/events/{event.id}/admin")
    counts = admin_page.locator(f"#event-counts-{event.id}")
    assert counts.locator('[data-count="checked-in"]').inner_text() == "0"
    # (polled from here: wait_for_function evaluates its string in the page, which the CSP forbids)
    wait_for(lambda: admin_page.evaluate("document.body.dataset.liveState") == "connected")

    # the resident finds the event and signs up with one companion
    page = browser_page(viewport=PHONE, locale=locale)
    log_in(page, server.url, resident.user.phone, TEST_PASSWORD)
    page.goto(f"{server.url}/events")
    no_sideways_scroll(page, "events list")
    screenshot(page, f"events-1-list-{lang}")
    page.get_by_text("春季亲子插花").click()
    page.wait_for_url(f"**/events/{event.id}")
    page.locator("#companions").select_option("1")
    screenshot(page, f"events-2-event-{lang}")
    page.locator("#signup-button").click()
    ticket_button = page.locator("#show-ticket")
    ticket_button.wait_for()
    no_sideways_scroll(page, "event page")
    screenshot(page, f"events-3-signed-up-{lang}")
    ticket_button.click()
    page.wait_for_url(f"**/events/{event.id}/ticket")
    qr = page.locator("img.ticket-qr")
    qr.wait_for()
    assert page.evaluate("document.querySelector('img.ticket-qr').naturalWidth") > 0
    no_sideways_scroll(page, "ticket")
    screenshot(page, f"events-4-ticket-{lang}")
    ticket_link = page.locator(".ticket-link input").input_value()
    assert "/events/t/" in ticket_link

    # the count on the admin's phone already shows the signup (pushed), nobody in yet
    counts.locator('[data-count="confirmed"]').filter(has_text="2").wait_for()
    screenshot(admin_page, f"events-5-admin-before-{lang}")

    # the admin opens the ticket link on a second phone (as a scanned QR would) and checks in
    door = browser_page(viewport=PHONE, locale=locale)
    log_in(door, server.url, admin.user.phone, TEST_PASSWORD)
    door.goto(ticket_link)
    assert door.locator(".checkin-name").inner_text() == "王**"  # her name is private: masked at the door
    screenshot(door, f"events-6-checkin-{lang}")
    door.locator("#checkin-button").click()
    door.locator(".state-ok").wait_for()
    screenshot(door, f"events-7-checked-in-{lang}")

    # the admin page updates by itself: 2 people (resident + companion) checked in
    counts = admin_page.locator(f"#event-counts-{event.id}")
    counts.locator('[data-count="checked-in"]').filter(has_text="2").wait_for()
    admin_page.reload()
    assert admin_page.locator("#confirmed-rows li.is-in").count() == 1
    no_sideways_scroll(admin_page, "admin page")
    screenshot(admin_page, f"events-8-admin-after-{lang}")

    # the resident's ticket now says they are in
    page.reload()
    page.locator(".ticket .state-ok").wait_for()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_event_pages_of_the_demo_fit_a_phone(live_server, browser_page, locale):
    """Every event page with the demo's data: renders, no sideways scrolling, a screenshot."""
    import sqlalchemy as sa

    from portal.core.db import db
    from portal.demo import DEMO_PASSWORD, seed_demo
    from portal.events.models import Event

    seed_demo()
    events = {e.title: e for e in db.session.scalars(sa.select(Event))}
    farm = next(e for title, e in events.items() if "农场" in title)
    help_day = next(e for e in events.values() if e.is_help_day)
    past = next(e for title, e in events.items() if title == "春季亲子插花")
    server = live_server(kind="werkzeug")
    lang = locale[:2]
    pages = [
        ("13800000004", "/events", "list"),
        ("13800000004", f"/events/{farm.id}", "full-farm"),
        ("13800000004", f"/events/{help_day.id}", "help-day"),
        ("13800000004", f"/events/{past.id}", "past"),
        ("13800000004", "/events/calendar", "calendar"),
        ("13800000001", "/events/manage", "manage"),
        ("13800000001", "/events/new", "new"),
        ("13800000001", f"/events/{farm.id}/admin", "admin-farm"),
        ("13800000001", f"/events/{past.id}/admin", "admin-past"),
        ("13800000003", f"/events/{past.id}/door?q=王", "door"),
    ]
    logged_in = {}
    for phone, path, name in pages:
        if phone not in logged_in:
            page = browser_page(viewport=PHONE, locale=locale)
            page.goto(f"{server.url}/login")
            page.locator("#phone").fill(phone)
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("#login-form button[type=submit]").click()
            page.wait_for_url(lambda url: "/login" not in url)
            logged_in[phone] = page
        page = logged_in[phone]
        response = page.goto(server.url + path)
        assert response.status == 200, path
        if name == "calendar":  # make the private address (a POST), then show it
            page.locator("#make-feed").click()
            page.locator("#feed-url").wait_for()
        no_sideways_scroll(page, path)
        screenshot(page, f"events-demo-{name}-{lang}")
