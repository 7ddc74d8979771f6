"""A resident reviews a collected order in Chromium on a phone (390×844): four stars, a few words,
a photo; then the product's trust archive with the neighbours' reviews and a helpful vote."""

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from portal.core.db import db
from portal.moderation.services import trust
from portal.neighbors.models import Visibility
from portal.neighbors.privacy import ensure_profile
from portal.reviews.models import Review
from portal.reviews.services import write_review
from tests.conftest import PHONE, SCREENSHOTS, TEST_PASSWORD, screenshot
from tests.live import log_in
from tests.reviews.helpers import collected_orders, product_with_batch

pytestmark = pytest.mark.browser


def _photo(path):
    image = Image.new("RGB", (900, 600), (255, 205, 160))
    draw = ImageDraw.Draw(image)
    for i in range(5):
        draw.ellipse(
            (60 + i * 160, 180 + (i % 2) * 80, 220 + i * 160, 340 + (i % 2) * 80), fill=(236, 96, 72)
        )
    image.save(path, "JPEG")
    return path


def screenshot_dir():
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_reviewing_a_collected_order_and_reading_the_archive(
    app, live_server, town, browser_page, tmp_path, locale
):
    lang = locale[:2]
    town.trust_all(app)
    wang, zhang, liu, chen = town.residents
    ensure_profile(zhang).name_visibility = Visibility.COMMUNITY
    db.session.commit()
    product, batch = product_with_batch(town.community)
    buy, orders = collected_orders(town, [wang, zhang, liu, chen], batch=batch)
    with app.test_request_context("/"):
        for member, stars, text in (
            (zhang, 5, "个头很大, 汁多, 孩子一口气吃了两个。包装用了网套, 一个都没压坏。"),
            (liu, 3, "味道不错, 但有一个磕破了皮。"),
            (chen, 5, ""),
        ):
            trust(member.user_id, town.community.id)
            write_review(member, orders[member.user_id], stars, text)
        db.session.commit()
    server = live_server(kind="werkzeug")
    page = browser_page(viewport=PHONE, locale=locale)
    log_in(page, server.url, wang.user.phone, TEST_PASSWORD)

    page.goto(f"{server.url}/groupbuy/orders/{orders[wang.user_id].id}")
    page.locator("#rv-order-action a[role=button]").click()
    page.wait_for_url(f"**/reviews/orders/{orders[wang.user_id].id}")
    page.locator("label[for=stars-4]").click()
    assert page.locator("#stars-4").is_checked()
    page.locator("textarea[name=text]").fill("很甜, 比超市的新鲜。自提点阿姨很热情。")
    page.locator("input[name=photos]").set_input_files(str(_photo(tmp_path / "peach.jpg")))
    screenshot(page, f"reviews-form-{lang}")
    page.locator(".rv-form button[type=submit]").click()
    page.locator("#rv-write .form-ok").wait_for()
    db.session.rollback()
    mine = db.session.scalar(sa.select(Review).where(Review.author_id == wang.user_id))
    assert mine.stars == 4 and len(mine.photos) == 1

    page.goto(f"{server.url}/reviews/products/{product.id}")
    assert page.locator("article.rv-card").count() == 4
    card = page.locator(
        f"#review-{db.session.scalar(sa.select(Review.id).where(Review.author_id == zhang.user_id))}"
    )
    card.locator("button.rv-helpful").click()
    card.locator(".rv-helpful-done").wait_for()
    assert "张先生" in page.content() and "刘女士" not in page.content()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"reviews-archive-{lang}")
    page.locator(".rv-sort a").nth(1).click()
    page.wait_for_url("**sort=helpful")
    assert page.locator("article.rv-card").first.get_attribute("id") == card.get_attribute("id")

    page.goto(f"{server.url}/groupbuy/{buy.id}")
    page.locator("#rv-buy-summary").scroll_into_view_if_needed()
    assert page.locator("#rv-buy-summary .rv-brief li").count() == 3
    page.locator("#rv-buy-summary").screenshot(path=str(screenshot_dir() / f"reviews-buy-section-{lang}.png"))
