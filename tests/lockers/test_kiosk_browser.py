"""The kiosk board in Chromium at 1920×1080 while simulated lockers work: a deposit, a code
typed at the keypad, the door opening, the parcel taken, a locker losing power — the page
changes each time without a reload. The resident's order page follows too. Screenshots go to
tests/screenshots/kiosk-*.png."""

import uuid

import pytest

from portal.core.db import db
from portal.groupbuy.models import Order
from portal.lockers.models import Locker
from tests.conftest import KIOSK, PHONE, TEST_PASSWORD, screenshot
from tests.iot.mqtt import forget_session, wait_for
from tests.live import log_in
from tests.lockers.conftest import fresh

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]


def test_kiosk_board_follows_the_lockers_live(world, live_server, mqtt_broker, root, sim, browser_page):
    client_id = f"portal-live-{uuid.uuid4().hex[:8]}"
    order = world.order(delegate=world.delegate)
    server = live_server(
        kind="werkzeug", MQTT_URL=mqtt_broker.url(), MQTT_TOPIC_ROOT=root, MQTT_CLIENT_ID=client_id
    )
    try:
        run_board(world, server, sim, browser_page, order)
    finally:
        server.stop()
        forget_session(mqtt_broker, client_id)


def run_board(world, server, sim, browser_page, order):
    locker = sim(world.locker.device_id, collect_delay_s=2.5)
    page = browser_page(viewport=KIOSK)
    log_in(page, server.url, world.kiosk.phone, TEST_PASSWORD, "/kiosk")
    page.wait_for_url(f"**/kiosk/points/{world.point.id}")
    page.wait_for_selector(".k-locker.is-online")
    wait_for(lambda: page.evaluate("document.body.dataset.liveState") == "connected")
    page.evaluate("window.__noReload = true")
    screenshot(page, "kiosk-1-idle")

    resident = browser_page(viewport=PHONE)
    log_in(resident, server.url, world.resident.phone, TEST_PASSWORD, f"/groupbuy/orders/{order.id}")
    resident.wait_for_selector("#gb-order")
    wait_for(lambda: resident.evaluate("document.body.dataset.liveState") == "connected")
    assert resident.locator(".gb-code").count() == 0

    locker.deposit("A02", order.reference)
    page.wait_for_selector('[data-comp="A02"][data-state="ready"]', timeout=30000)
    page.wait_for_selector(f'.k-ready li:has-text("{order.reference}")')
    assert page.locator(".k-ready").inner_text().count("王**") == 1
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "kiosk-2-deposited")
    resident.wait_for_selector(".gb-code", timeout=30000)  # the code appears on the resident's page, live
    screenshot(resident, "kiosk-resident-code")

    fresh()
    code = db.session.get(Order, order.id).pickup_code
    locker.enter_code(code)
    page.wait_for_selector('[data-comp="A02"][data-state="open"]', timeout=30000)
    screenshot(page, "kiosk-3-door-open")
    page.wait_for_selector('[data-comp="A02"][data-state="free"]', timeout=30000)
    page.wait_for_selector(".k-ready .k-none")
    screenshot(page, "kiosk-4-collected")

    locker.temp_alarm("C01", 11.5)
    page.wait_for_selector(".k-alarm-temp", timeout=30000)
    locker.drop_connection()  # power lost: the broker publishes the will
    page.wait_for_selector(".k-locker.is-offline", timeout=30000)
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "kiosk-5-offline")

    page.context.set_offline(True)  # the kiosk's network drops
    page.wait_for_selector("#live-status:not([hidden])", timeout=30000)
    screenshot(page, "kiosk-6-reconnecting")
    locker.start()  # meanwhile the locker is back: the board misses that push …
    wait_for(lambda: fresh() or db.session.get(Locker, world.locker.id).online)
    assert page.locator(".k-locker.is-offline").count() == 1
    page.context.set_offline(False)
    page.wait_for_selector("#live-status[hidden]", state="attached", timeout=30000)
    page.wait_for_selector(".k-locker.is-online", timeout=30000)  # … and catches up once reconnected
    assert page.evaluate("window.__noReload") is True

    # the admin follows the same locker on a phone: its events, without sideways scrolling
    admin = browser_page(viewport=PHONE)
    log_in(admin, server.url, world.admin.phone, TEST_PASSWORD, f"/admin/lockers/{world.locker.id}")
    admin.wait_for_selector(f'.lk-table td:has-text("{order.reference}")')
    for language in ("zh", "en"):
        if language == "en":
            admin.click("header button:has-text('English')")
            admin.wait_for_selector("h2:has-text('Recent events')")
        overflow = admin.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the locker page is wider than the phone by {overflow}px ({language})"
        screenshot(admin, f"lockers-admin-locker-{language}")
