"""The dashboard in Chromium: an admin's on a 390×844 phone and on a 1920×1080 screen, in 简体中文
and English, with every chart drawn, the page no wider than the phone, the tables scrolling in
place, and not one CSP violation; the platform admin's across communities. Screenshots:
tests/screenshots/dashboard-*.png."""

import math

import pytest

from portal.community.models import Role
from portal.dashboard.metrics import METRICS
from tests.conftest import KIOSK, PHONE, TEST_PASSWORD, screenshot
from tests.dashboard.pages_helpers import answer, fill

pytestmark = pytest.mark.browser

CSP_MARKS = ("Content Security Policy", "Refused to")
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""
# a plausible value per unit, moving over the periods
SCALE = {
    "percent": (35, 12),
    "count": (120, 40),
    "hours": (9, 3),
    "ratio": (0.4, 0.15),
    "score": (28, 14),
    "stars": (4.5, 0.2),
}


def _values(unit, shift):
    base, swing = SCALE[unit]
    return [round(base + swing * math.sin(i / 2 + shift), 2) for i in range(12)]


def _figures(community_id, shift=0.0):
    for n, metric in enumerate(METRICS.values()):
        for period in ("week", "month"):
            values = _values(metric.unit, shift + n)
            if metric.unit == "count":
                values = [float(round(v)) for v in values]
            if n % 5 == 4:  # a young figure: nothing measured in the first months
                values[:6] = [None] * 6
            fill(community_id, period, metric.key, values, n=12 if n % 4 == 3 else 140)


@pytest.fixture
def dashboard_world(make):
    community = make.community("翠屏幸福里")
    other = make.community("梧桐花园")
    admin = make.member(community, make.user("周经理"), roles=Role.RESIDENT | Role.ADMIN)
    platform = make.user("平台管理员", is_platform_admin=True)
    for cid, shift in ((community.id, 0.0), (other.id, 1.3), (None, 0.6)):
        _figures(cid, shift)
    neighbours = [make.member(community, make.user(name)) for name in ("王阿姨", "张先生", "刘女士")]
    answer(community, neighbours[0].user, 10, "团长很负责, 桃子很甜", days_ago=1)
    answer(community, neighbours[1].user, 6, "取货点晚上关得太早了", days_ago=2)
    answer(community, neighbours[2].user, 8, "Good value, but the pickup queue was long", days_ago=3)
    return community, admin, platform


def _login(browser_page, server, user, viewport, locale, next_url):
    page = browser_page(viewport=viewport, locale=locale)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(WATCH_CSP)
    page.goto(f"{server.url}/login?next={next_url}")
    page.fill("#phone", user.phone)
    page.fill("#password", TEST_PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    return page, messages


def _no_csp_violation(page, messages):
    violations = [m for m in messages if any(mark in m for mark in CSP_MARKS)]
    assert violations == [] and page.evaluate("window.__csp") == []


def _fits(page, name):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is wider than the window by {overflow}px"


@pytest.mark.parametrize("viewport,size", [(PHONE, "phone"), (KIOSK, "desktop")])
def test_an_admin_reads_the_dashboard(live_server, browser_page, dashboard_world, viewport, size):
    community, admin, _platform = dashboard_world
    server = live_server(workers=1)
    page, messages = _login(browser_page, server, admin.user, viewport, "zh-CN", "/admin/dashboard")
    page.wait_for_url("**/admin/dashboard")

    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator(".db-card").count() == len(METRICS)
    assert page.locator(".db-chart svg").count() == len(METRICS)
    text = page.locator("main").inner_text()
    assert "样本少" in text and "翠屏幸福里" in text and "团长很负责" in text
    assert page.locator(".db-change.is-good").count() and page.locator(".db-change.is-bad").count()
    columns = page.evaluate(
        "getComputedStyle(document.querySelector('.db-cards')).gridTemplateColumns.split(' ').length"
    )
    assert columns == 2 if size == "phone" else columns >= 5
    _fits(page, f"the dashboard ({size}, zh)")
    wrap = page.locator(".db-table-wrap").first
    if size == "phone":  # the 12 months scroll inside their box
        assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    _no_csp_violation(page, messages)
    screenshot(page, f"dashboard-admin-{size}-zh")

    page.locator(".db-explain summary").first.click()
    assert page.locator(".db-explain[open]").count() == 1
    with page.expect_navigation():
        page.click("header button:has-text('English')")
    assert page.get_attribute("html", "lang") == "en"
    text = page.locator("main").inner_text()
    assert "small sample" in text and "Households reached" in text and "so far, against" in text
    with page.expect_navigation():
        page.click(".db-periods a:has-text('By week')")
    assert "Over the last 12 weeks" in page.locator("main").inner_text()
    assert page.locator(".db-chart svg").count() == len(METRICS)
    _fits(page, f"the dashboard ({size}, en)")
    _no_csp_violation(page, messages)
    screenshot(page, f"dashboard-admin-{size}-en")

    page.emulate_media(media="print")  # on paper: no navigation, the charts and their tables
    assert not page.locator(".tabbar").is_visible() and not page.locator(".db-periods").is_visible()
    assert page.locator(".db-chart svg").first.is_visible() and page.locator(".db-table").first.is_visible()
    assert page.locator(".db-explain-print").first.is_visible()  # the explanations, on paper
    if size == "desktop":
        screenshot(page, "dashboard-admin-print-en")


def test_the_platform_admin_across_communities(live_server, browser_page, dashboard_world):
    _community, _admin, platform = dashboard_world
    server = live_server(workers=1)
    page, messages = _login(browser_page, server, platform, KIOSK, "en", "/dashboard")
    page.wait_for_url("**/platform/dashboard")
    rows = page.locator("#db-community-rows tr")
    assert rows.count() == 2
    assert "梧桐花园" in rows.nth(0).inner_text() + rows.nth(1).inner_text()
    _no_csp_violation(page, messages)
    screenshot(page, "dashboard-platform-desktop-en")
    with page.expect_navigation():
        page.click("#db-community-rows a:has-text('翠屏幸福里')")
    assert "Names are shown to the community's admins only." in page.locator("main").inner_text()

    phone, messages = _login(browser_page, server, platform, PHONE, "zh-CN", "/platform/dashboard")
    phone.wait_for_url("**/platform/dashboard")
    _fits(phone, "the platform dashboard (phone)")
    _no_csp_violation(phone, messages)
    screenshot(phone, "dashboard-platform-phone-zh")


def test_a_leader_sees_their_figures_on_the_workbench(live_server, browser_page, make):
    community = make.community("翠屏幸福里")
    leader = make.member(community, make.user("团长李姐"), roles=Role.RESIDENT | Role.LEADER)
    server = live_server(workers=1)
    page, messages = _login(browser_page, server, leader.user, PHONE, "zh-CN", "/groupbuy/workbench")
    page.wait_for_url("**/groupbuy/workbench")
    section = page.locator("#db-workbench")
    assert section.inner_text() == "我本月的数据"
    assert page.locator(".db-cards-leader .db-card").count() == 4
    _fits(page, "the workbench")
    _no_csp_violation(page, messages)
    screenshot(page, "dashboard-leader-workbench-phone-zh")
