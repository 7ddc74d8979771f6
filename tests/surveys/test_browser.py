"""The survey card in Chromium on a phone (390×844), in Chinese and in English: after a collected
order the card is on the community home; the resident taps 9, writes a comment and sends it, and
the card turns into a thank-you in place (htmx) — with no CSP violation in the console."""

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.surveys.models import NpsOffer
from tests.conftest import PHONE, TEST_PASSWORD, screenshot
from tests.iot.mqtt import wait_for
from tests.live import log_in
from tests.surveys.helpers import collected_order

pytestmark = pytest.mark.browser

CSP_MARKS = ("Content Security Policy", "Refused to")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_card_on_home_is_answered_and_thanks(live_server, place, browser_page, locale):
    lang = locale[:2]
    collected_order(place.leader, place.station, place.resident)
    url = live_server(kind="werkzeug").url
    page = browser_page(viewport=PHONE, locale=locale)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    log_in(page, url, place.resident.user.phone, TEST_PASSWORD)
    page.goto(f"{url}/")
    card = page.locator(".nps-card")
    question = "您有多大可能把“邻里”推荐给邻居？" if lang == "zh" else "How likely are you to recommend Linli"
    assert question in card.inner_text()
    assert card.locator(".nps-scale label").count() == 11
    card.locator(".nps-scale label", has_text="9").first.click()
    comment = "团长很负责，取货很方便。" if lang == "zh" else "The leader is great and pickup is easy."
    card.locator("textarea").fill(comment)
    screenshot(page, f"surveys-1-card-{lang}")

    card.locator(".nps-send").click()
    thanks = "谢谢您！" if lang == "zh" else "Thank you!"
    wait_for(lambda: thanks in page.locator(".nps-card").inner_text())
    assert page.url.rstrip("/") == url  # swapped in place, no reload
    assert page.locator(".nps-scale").count() == 0
    screenshot(page, f"surveys-2-thanks-{lang}")

    db.session.rollback()  # a fresh snapshot: what the server stored
    offer = db.session.scalar(sa.select(NpsOffer).where(NpsOffer.user_id == place.resident.user_id))
    assert (offer.score, offer.comment) == (9, comment) and offer.answered_at is not None
    assert not [m for m in messages if any(mark in m for mark in CSP_MARKS)]

    page.reload()
    assert page.locator(".nps-card").count() == 0
