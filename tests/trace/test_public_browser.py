"""A resident scans a batch's QR code: the trace page in Chromium on a 390×844 phone, in 简体中文
and English, with the journey, the verification and the temperature chart, and not one CSP
violation; the script re-verifies the same address; the kiosk board shows the day's root.
Screenshots: tests/screenshots/trace-public-*.png and trace-kiosk-root.png."""

import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core.db import db, utcnow
from portal.trace import chain, services
from portal.trace.models import BizStep, TraceRecord
from portal.trace.scheduler import publish_roots
from tests.conftest import KIOSK, PHONE, TEST_PASSWORD, screenshot
from tests.iot.mqtt import wait_for
from tests.trace.helpers import journey, make_batch, make_product, make_supplier, record
from tests.trace.test_public_json import SCRIPT

pytestmark = pytest.mark.browser

CSP_MARKS = ("Content Security Policy", "Refused to")
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def _peaches(community):
    batch = make_batch(make_product(make_supplier(community)))
    records = journey(batch)
    now = utcnow()
    readings = [
        {
            "time": now - timedelta(hours=9) + timedelta(minutes=20 * i),
            "value": v,
            "device": "urn:linli:truck:苏A12345",
        }
        for i, v in enumerate([4.1, 4.4, 4.8, 5.2, 5.0, 4.6, 4.3, 4.9, 5.6, 6.1, 5.4, 4.7, 4.5, 4.2])
    ] + [
        {
            "time": now - timedelta(hours=4) + timedelta(minutes=20 * i),
            "value": v,
            "device": "urn:linli:locker:t-1:C01",
        }
        for i, v in enumerate([5.8, 4.9, 4.1, 3.6, 3.4, 3.5, 8.9, 6.2, 4.4, 3.8, 3.6, 3.5])
    ]
    record(
        batch,
        BizStep.RECEIVING,
        where="3栋智能柜自提点",
        notes="冷藏格 C01",
        hours_ago=0.2,
        readings=readings,
    )
    step = services.Step(
        biz_step=BizStep.INSPECTING,
        event_time=records[2].event_time,
        where="阳山镇农检站",
        notes="农残快检合格, 报告编号 2026-0712",
    )
    services.record_step(
        batch, step, by_user_id=None, role="supplier", corrects=records[2], reason="补报告编号"
    )
    db.session.commit()
    return batch


def _open(browser_page, url, locale):
    page = browser_page(viewport=PHONE, locale=locale)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(WATCH_CSP)
    response = page.goto(url)
    assert response.status == 200
    return page, messages


def _no_csp_violation(page, messages):
    violations = [m for m in messages if any(mark in m for mark in CSP_MARKS)]
    assert violations == [] and page.evaluate("window.__csp") == []


def _fits(page, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is wider than the phone by {overflow}px"


def test_a_resident_opens_the_qr_page_on_a_phone_in_both_languages(live_server, make, browser_page):
    community = make.community("翠屏幸福里")
    batch = _peaches(community)
    publish_roots()
    root = chain.latest_root(community.id)
    server = live_server(workers=1)
    url = f"{server.url}/t/01/{batch.product.gtin}/10/{batch.lot}"

    page, messages = _open(browser_page, url, "zh-CN")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.wait_for_selector(".tp-chart")
    assert page.locator(".tp-timeline > li").count() == 7
    assert "月" in page.locator(".tp-when time").first.inner_text()  # dates on the zh calendar
    verdict = page.locator("#tp-verification")
    assert "is-ok" in verdict.get_attribute("class") and "✓" in verdict.inner_text()
    assert root.root[:12] in verdict.inner_text()
    assert page.locator(".tp-chart circle").count() == 26
    assert page.locator(".tp-chart polyline").count() == 2
    _fits(page, "the trace page (zh)")
    _no_csp_violation(page, messages)
    screenshot(page, "trace-public-zh")

    with page.expect_navigation():  # the language switch works without logging in
        page.click("header button:has-text('English')")
    assert page.locator("h2:has-text('The journey')").count() == 1
    assert page.get_attribute("html", "lang") == "en"
    text = page.locator("main").inner_text()
    assert "The chain is intact ✓" in text and "Records 1–7 of this batch are under it ✓" in text
    for label in (
        "Planted or started",
        "Harvested",
        "Inspected",
        "Packed",
        "Shipped",
        "Received at the pickup point",
    ):
        assert label in text
    assert "Corrects step #3: 补报告编号" in text and "Corrected by step #7" in text
    page.click("summary:has-text('readings as a table')")
    page.wait_for_selector(".tp-table tr.is-out")
    page.click("summary:has-text('Check it yourself')")
    assert "verify_trace.py" in page.locator(".tp-check pre").inner_text()
    _fits(page, "the trace page (en)")
    _no_csp_violation(page, messages)
    screenshot(page, "trace-public-en")

    result = subprocess.run(  # the documented script, on the live address
        [sys.executable, "-I", str(SCRIPT), url], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain intact ✓ (7 records" in result.stdout


def test_a_broken_chain_on_a_phone(live_server, make, browser_page):
    batch = _peaches(make.community())
    stored = chain.chain_of(batch.id)[1]
    db.session.execute(
        sa.update(TraceRecord)
        .where(TraceRecord.id == stored.id)
        .values(body=stored.body.replace("4 点", "6 点"))
    )
    db.session.commit()
    server = live_server(workers=1)
    page, messages = _open(browser_page, f"{server.url}/t/01/{batch.product.gtin}/10/{batch.lot}", "en")
    verdict = page.locator("#tp-verification")
    assert "is-broken" in verdict.get_attribute("class")
    assert "Record 2 was changed after it was recorded" in verdict.inner_text()
    assert page.locator("#step-2.is-broken").count() == 1
    _fits(page, "the broken trace page")
    _no_csp_violation(page, messages)
    screenshot(page, "trace-public-broken-en")


def test_the_kiosk_board_shows_the_days_root(live_server, make, browser_page):
    from tests.lockers.conftest import build_locker_world

    world = build_locker_world(make)
    _peaches(world.community)
    publish_roots()
    root = chain.latest_root(world.community.id)
    server = live_server(workers=1)
    page = browser_page(viewport=KIOSK)
    page.goto(f"{server.url}/login?next=/kiosk")
    page.fill("#phone", world.kiosk.phone)
    page.fill("#password", TEST_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"**/kiosk/points/{world.point.id}")
    # the board's refetch done; polled from here, since a string wait_for_function meets the CSP
    wait_for(lambda: page.evaluate("document.body.dataset.liveState") == "connected", timeout=30)
    page.wait_for_selector(".k-trace")
    footer = page.evaluate(
        "(() => { const e = document.querySelector('.k-trace');"
        " return [e.innerText, e.getBoundingClientRect().bottom]; })()"
    )
    assert root.root[:12] in footer[0]
    assert footer[1] <= KIOSK["height"]  # on the screen, nothing pushed off it
    assert page.evaluate("document.documentElement.scrollHeight") <= KIOSK["height"]
    screenshot(page, "trace-kiosk-root")
