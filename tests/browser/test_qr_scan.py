"""核销 and event check-in scan the QR code with the staff phone's camera (static/js/qrscan.js,
qr-scanner from npm): the scan button (only where a camera API exists), the vendored scanner
and its worker served under the CSP, a decode that fills the code and submits the form, a decode
of the portal's own link that opens its page, something else that says so; and, with
Chromium's fake camera playing a picture of an order's QR code, the whole scan end to end."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.groupbuy.models import Order, OrderStatus
from portal.groupbuy.services.pickup_codes import qr_token
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, ConsoleErrors, screenshot
from tests.live import log_in

pytestmark = pytest.mark.browser

ADMIN = "13800000001"
UNKNOWN = {
    "zh-CN": "这个二维码不是本平台的取货码或门票",
    "en": "This QR code is not a pickup code or ticket of this portal",
}


def decode(page, text):
    """What the scanner calls with the text of a QR code it read."""
    return page.evaluate("text => linliQr.decoded(document.querySelector('[data-qr-scan]'), text)", text)


def ready_order():
    from portal.core.db import db

    return db.session.scalar(
        sa.select(Order)
        .where(Order.status == OrderStatus.READY, Order.pickup_code.is_not(None))
        .order_by(Order.id)
    )


@pytest.fixture
def demo(app):
    from portal.demo import DEMO_PASSWORD, seed_demo

    seed_demo()
    return DEMO_PASSWORD


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_scan_button_vendor_files_and_a_decode_submits(live_server, browser_page, demo, locale):
    from portal.core.db import db
    from portal.events.models import Event, Signup
    from portal.events.services.tickets import ticket_token

    order = ready_order()
    token = qr_token(order)
    signup = db.session.scalar(
        sa.select(Signup).join(Event).where(Signup.checked_in_at.is_(None)).order_by(Event.starts_at.desc())
    )
    server = live_server(kind="werkzeug")
    page = browser_page(viewport=PHONE, locale=locale)
    log_in(page, server.url, ADMIN, demo)

    # the scanner and its decoder's worker are served from static/vendor
    for name in ("qr-scanner.umd.min.js", "qr-scanner-worker.min.js"):
        response = page.request.get(f"{server.url}/static/vendor/{name}")
        assert response.status == 200 and "javascript" in response.headers["content-type"], name

    page.goto(f"{server.url}/pickup/verify")
    scan = page.locator(".qr-scan-start")
    assert scan.is_visible()  # 127.0.0.1 is a secure context: the camera API is there
    assert page.evaluate("typeof QrScanner") == "function"
    screenshot(page, f"qrscan-1-verify-{locale[:2]}")

    # a decoded pickup code fills the code field and submits the form
    if page.locator("#point").count():
        page.select_option("#point", str(order.pickup_point_id))
    def lookup(response):
        return response.url.endswith("/pickup/verify") and response.request.method == "POST"

    with page.expect_response(lookup) as answer:
        assert decode(page, order.pickup_code) == "code"
    assert answer.value.status == 200
    page.locator("#pickup-hand-over").wait_for()
    assert order.reference in page.locator(".gb-found").inner_text()

    # something else is named as such, and the code can still be typed
    page.goto(f"{server.url}/pickup/verify")
    assert decode(page, "WIFI:S:lobby;;") == "unknown"
    assert UNKNOWN[locale] in page.locator(".qr-scan-status").inner_text()
    assert page.locator("#code").is_editable()

    # the order's QR is the portal's signed link: opened on this site (whatever host it names)
    with page.expect_navigation(url=f"{server.url}/pickup/v/{token}"):
        assert decode(page, f"https://linli.example/pickup/v/{token}") == "link"
    assert page.locator("#pickup-hand-over").is_visible()

    # at the door, a ticket's QR opens its check-in
    page.goto(f"{server.url}/events/{signup.event_id}/door")
    assert page.locator(".qr-scan-start").is_visible()
    screenshot(page, f"qrscan-2-door-{locale[:2]}")
    with page.expect_navigation(url=f"{server.url}/events/t/{ticket_token(signup)}"):
        decode(page, f"{server.url}/events/t/{ticket_token(signup)}")
    assert page.locator("#checkin").is_visible()


def test_no_camera_api_no_scan_button(live_server, browser_page, demo):
    server = live_server(kind="werkzeug")
    page = browser_page(viewport=PHONE)
    page.add_init_script("Object.defineProperty(navigator, 'mediaDevices', {value: undefined})")
    log_in(page, server.url, ADMIN, demo)
    page.goto(f"{server.url}/pickup/verify")
    assert page.locator(".qr-scan-start").is_hidden()
    assert page.locator("#code").is_editable()  # typing the code remains


def _qr_video(text: str, path: Path, size: int = 480) -> Path:
    """A few frames of the QR code of `text` as a Y4M video, what Chromium's fake camera plays:
    whole pixels per module, centred on white and well inside the middle two thirds of the frame
    that the scanner reads, so no scaling blurs it and no edge cuts it."""
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(border=4)
    code.add_data(text)
    code.make(fit=True)
    code.box_size = max(2, size // 2 // (code.modules_count + 8))
    picture = code.make_image().get_image().convert("L")
    frame = Image.new("L", (size, size), 255)
    frame.paste(picture, ((size - picture.width) // 2, (size - picture.height) // 2))
    chroma = bytes([128]) * (size // 2) * (size // 2)  # grey: no colour
    data = b"FRAME\n" + frame.tobytes() + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{size} H{size} F5:1 Ip A1:1 C420jpeg\n".encode() + data * 5)
    return path


def test_scanning_with_the_camera_finds_the_order(live_server, chromium, demo, tmp_path):
    """Chromium's fake camera shows the order's QR code; the page reads it and opens the order."""
    order = ready_order()
    token = qr_token(order)
    server = live_server(kind="werkzeug")
    video = _qr_video(f"{server.url}/pickup/v/{token}", tmp_path / "qr.y4m")
    errors = ConsoleErrors()
    browser = chromium.browser_type.launch(  # a browser of its own: the camera is a launch option
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"],
    )
    try:
        context = browser.new_context(viewport=PHONE, locale="zh-CN", permissions=["camera"])
        page = context.new_page()
        errors.watch(page)
        log_in(page, server.url, ADMIN, demo)
        page.goto(f"{server.url}/pickup/verify")
        with page.expect_navigation(url=f"{server.url}/pickup/v/{token}", timeout=30000):
            page.locator(".qr-scan-start").click()
        assert page.locator("#pickup-hand-over").is_visible()
        assert order.reference in page.locator("main").inner_text()
    finally:
        browser.close()
    assert errors.seen == []
