"""The main pages of the demo community, on a phone in both languages: an axe-core scan finds
no serious or critical violation, and (the browser_page fixture) no console error.

axe-core comes from the npm registry (package.json) and is run from node_modules: evaluated in
the page through the DevTools protocol, so the page's own CSP stays as it is."""

from pathlib import Path

import pytest

from tests.conftest import PHONE
from tests.live import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

RESIDENT, LEADER = "13800000004", "13800000002"


def main_pages(buy_id: int) -> list[tuple[str | None, str]]:
    """(who, path): None is someone not logged in."""
    return [
        (None, "/login"),
        (RESIDENT, "/"),
        (RESIDENT, "/groupbuy"),
        (RESIDENT, f"/groupbuy/{buy_id}"),
        (RESIDENT, "/neighbors"),
        (RESIDENT, "/boards"),
        (RESIDENT, "/events"),
        (RESIDENT, "/groupbuy/orders"),
        (RESIDENT, "/pickup/points"),
        (RESIDENT, "/me"),
        (LEADER, "/pickup/verify"),
    ]


def serious_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_main_pages_have_no_serious_accessibility_violation(app, live_server, browser_page, locale):
    import sqlalchemy as sa

    from portal.core.db import db
    from portal.demo import DEMO_PASSWORD, seed_demo
    from portal.groupbuy.models import GroupBuy

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make setup` (npm ci)")
    seed_demo()
    buy_id = db.session.scalar(sa.select(GroupBuy.id).order_by(GroupBuy.id))
    server = live_server(kind="werkzeug", UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"])  # the demo's photos
    pages, report = {}, {}
    for who, path in main_pages(buy_id):
        if who not in pages:
            pages[who] = browser_page(viewport=PHONE, locale=locale)
            if who:
                log_in(pages[who], server.url, who, DEMO_PASSWORD)
        page = pages[who]
        response = page.goto(server.url + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == locale
        found = serious_violations(page)
        if found:
            report[path] = found
    assert report == {}, "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in report.items())
