"""The neighbours directory on a phone (390×844) in Chinese and English: the search input and its
button share one row and the button's label stays on one line; the sub-navigation that does not
fit scrolls sideways and shows a fade at its right edge while there is more to see (none once
scrolled to the end, none on a row that fits)."""

import pytest

from portal.community.models import Role
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.live import log_in

pytestmark = pytest.mark.browser

SEARCH_ROW = """() => {
  const input = document.querySelector('#directory-tag');
  const button = document.querySelector('.directory-search button[type=submit]');
  const i = input.getBoundingClientRect(), b = button.getBoundingClientRect();
  const style = getComputedStyle(button);
  const line = parseFloat(style.lineHeight);
  const inner = b.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
      - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
  return {sameRow: Math.abs(i.top - b.top) < 2 && b.left >= i.right - 1,
          lines: Math.round(inner / line), right: Math.max(i.right, b.right),
          width: document.documentElement.clientWidth};
}"""

SUBNAV = """async ([selector, left]) => {
  const nav = document.querySelector(selector);
  nav.scrollTo({left: left === 'end' ? nav.scrollWidth : 0, behavior: 'instant'});
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));  // restyled
  const cue = getComputedStyle(nav, '::after');
  const box = nav.getBoundingClientRect(), last = nav.querySelector('a:last-of-type').getBoundingClientRect();
  return {overflowX: getComputedStyle(nav).overflowX, scrollWidth: nav.scrollWidth,
          clientWidth: nav.clientWidth, cuePosition: cue.position, cueImage: cue.backgroundImage,
          cueOpacity: parseFloat(cue.opacity), lastInView: last.right <= box.right + 1};
}"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_directory_search_fits_and_the_subnav_scrolls_with_a_cue(live_server, make, browser_page, locale):
    lang = locale[:2]
    community = make.community("翠屏幸福里")
    admin = make.member(community, make.user("物业小周"), roles=Role.RESIDENT | Role.ADMIN | Role.LEADER)
    server = live_server(kind="werkzeug")
    page = browser_page(viewport=PHONE, locale=locale)
    log_in(page, server.url, admin.user.phone, TEST_PASSWORD)
    page.goto(f"{server.url}/neighbors")
    screenshot(page, f"neighbors-directory-{lang}")

    row = page.evaluate(SEARCH_ROW)
    assert row["sameRow"], row
    assert row["lines"] == 1, row  # 搜索 / Search on one line
    assert row["right"] <= row["width"], row

    nav = page.evaluate(SUBNAV, ["nav.subnav", 0])
    assert nav["overflowX"] == "auto", nav
    assert nav["scrollWidth"] > nav["clientWidth"], nav  # five links do not fit 390 px
    assert nav["cuePosition"] == "sticky" and "gradient" in nav["cueImage"], nav
    assert nav["cueOpacity"] == 1 and not nav["lastInView"], nav  # the fade says: more this way
    at_end = page.evaluate(SUBNAV, ["nav.subnav", "end"])
    assert at_end["lastInView"] and at_end["cueOpacity"] == 0, at_end  # the last link, unfaded
    screenshot(page, f"neighbors-directory-subnav-end-{lang}")

    # a row that fits (the group-buy views in Chinese, the traceability tabs) shows no fade
    page.goto(f"{server.url}/trace/batches")
    fits = page.evaluate(SUBNAV, ["nav.tr-tabs", 0])
    assert fits["scrollWidth"] <= fits["clientWidth"] and fits["cueOpacity"] == 0, fits
