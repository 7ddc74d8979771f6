"""The staff side of traceability in Chromium on a phone (390×844): an admin adds a certificate
on the supplier page; the supplier's contact member records a step with a photo on the batch
page, is refused a step in the future in place (htmx), and corrects an earlier record."""

from datetime import timedelta

import pytest
from PIL import Image, ImageDraw

from portal.community.models import Role
from portal.core.db import db, utcnow
from portal.core.localtime import to_wall_clock
from portal.trace import chain
from tests.conftest import PHONE, SCREENSHOTS, TEST_PASSWORD, screenshot
from tests.groupbuy.helpers import make_point
from tests.live import log_in
from tests.trace.helpers import journey, make_batch, make_product, make_supplier

pytestmark = pytest.mark.browser


def _photo(path, colour=(255, 183, 120)):
    image = Image.new("RGB", (900, 600), colour)
    draw = ImageDraw.Draw(image)
    for i in range(5):
        draw.ellipse((80 + i * 150, 220, 200 + i * 150, 340), fill=(236, 96, 72))
    image.save(path, "JPEG")
    return str(path)


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _local(moment):
    return to_wall_clock(moment).strftime("%Y-%m-%dT%H:%M")


def test_supplier_page_and_recording_a_step_on_a_phone(live_server, make, browser_page, tmp_path):
    community = make.community("翠屏幸福里")
    admin = make.member(community, make.user("物业小周"), roles=Role.RESIDENT | Role.ADMIN).user
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER).user
    contact = make.member(community, make.user("王师傅")).user
    make_point(community, "3栋一楼自提点")
    supplier = make_supplier(community, leaders=[leader], contact=contact)
    supplier.description = "阳山镇 40 户桃农的合作社, 种植水蜜桃 20 余年。"
    db.session.commit()
    product = make_product(supplier)
    make_product(supplier, name="阳山黄桃")
    batch = make_batch(product)
    journey(batch, by=contact)
    server = live_server(kind="werkzeug")
    url = server.url

    # the admin adds a certificate on the supplier page
    page = browser_page(viewport=PHONE, locale="en-US")
    log_in(page, url, admin.phone, TEST_PASSWORD)
    page.goto(f"{url}/trace/suppliers/{supplier.id}")
    page.locator("#certificate-form summary").click()
    page.locator("#title").fill("Green food certificate 绿色食品")
    page.locator("#valid_until").fill("2027-06-30")
    page.set_input_files("#picture", _photo(tmp_path / "certificate.jpg", (250, 250, 235)))
    page.locator("#certificate-form button[type=submit]").click()
    page.wait_for_selector(".tr-certificates img")
    assert "Valid until 2027-06-30" in page.inner_text("#certificates")
    assert "13900001111" in page.inner_text("#contact")
    assert _fits_the_phone(page)
    screenshot(page, "trace-supplier")
    for name, address in (
        ("suppliers", "/trace/suppliers"),
        ("batches", "/trace/batches"),
        ("supplier-form", f"/trace/suppliers/{supplier.id}/edit"),
    ):
        page.goto(f"{url}{address}")
        assert _fits_the_phone(page), name
        screenshot(page, f"trace-{name}")

    # the contact member records a step with a photo
    page = browser_page(viewport=PHONE, locale="en-US")
    log_in(page, url, contact.phone, TEST_PASSWORD)
    page.goto(f"{url}/trace/batches/{batch.id}")
    assert "The chain is intact ✓ (5 records)" in page.inner_text("#verdict")
    page.locator("#biz_step").select_option("receiving")
    page.locator("#event_time").fill(_local(utcnow() - timedelta(minutes=30)))
    page.locator("#pickup_point").select_option(label="3栋一楼自提点")
    page.locator("#notes").fill("到货 24 箱, 箱体完好")
    page.locator("#quantity").fill("24")
    page.set_input_files("#attachments", _photo(tmp_path / "arrival.jpg"))
    assert _fits_the_phone(page)
    page.locator("#record-step").click()
    page.wait_for_selector("#record-6")
    assert "Received at the pickup point" in page.inner_text("#record-6")
    assert "3栋一楼自提点" in page.inner_text("#record-6")
    assert page.locator("#record-6 .tr-photos img").count() == 1
    assert "The chain is intact ✓ (6 records)" in page.inner_text("#verdict")

    # a step in the future is refused in place, the page stays
    page.locator("#event_time").fill(_local(utcnow() + timedelta(days=1)))
    page.locator("#where").fill("冷库")
    page.locator("#record-step").click()
    page.wait_for_selector("#event_time-error")
    assert "A step cannot happen in the future." in page.inner_text("#event_time-error")
    # the form alone (a full-page screenshot resizes the page under the next click)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#step-form").screenshot(path=str(SCREENSHOTS / "trace-record-form.png"))
    assert page.locator("#record-6").count() == 1

    # correcting record 3 from its "Correct" link
    page.locator("#record-3 a", has_text="Correct").click()
    page.wait_for_selector("details.tr-correct[open]")
    page.locator("#notes").fill("农残快检合格 (报告编号 YS-0712)")
    page.locator("#reason").fill("Report number was missing")
    page.locator("#record-step").click()
    page.wait_for_selector("#record-7")
    assert "Corrects #3" in page.inner_text("#record-7")
    assert "Corrected by #7" in page.inner_text("#record-3")
    assert _fits_the_phone(page)
    screenshot(page, "trace-batch")

    db.session.rollback()
    db.session.expire_all()
    assert chain.verify(batch).ok and batch.record_count == 7
