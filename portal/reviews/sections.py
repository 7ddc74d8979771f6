"""What reviews add to lower domains' pages (core/sections.py): the trust archive's summary on a
buy's page, an anonymous summary on the public trace page, the leader's ratings on the workbench,
and the "Review" action on a collected order."""

from flask import url_for
from flask_login import current_user

from portal.community.access import current_membership
from portal.core.sections import register_section
from portal.neighbors.privacy import people_for_users
from portal.reviews.reading import Archive, archive_of_buy, leader_ratings, newest, stats
from portal.reviews.services import refusal, review_of_order

SUMMARY_REVIEWS = 3
WORKBENCH_PRODUCTS = 5


def _archive_link(archive: Archive) -> str:
    if archive.product is not None:
        return url_for("reviews.product", product_id=archive.product.id)
    return url_for("reviews.buy", buy_id=archive.buy.id)


def buy_summary(buy) -> dict | None:
    """The buy page: its product's (or its own) ratings and the newest reviews, names as allowed."""
    me = current_membership()
    archive = archive_of_buy(buy)
    numbers = stats(archive)
    if not numbers.total and not numbers.households and archive.product is None:
        return None
    reviews = newest(archive, SUMMARY_REVIEWS)
    return {
        "archive": archive,
        "stats": numbers,
        "reviews": reviews,
        "people": people_for_users(me, buy.community_id, [r.author_id for r in reviews]),
        "link": _archive_link(archive),
    }


def trace_summary(product=None, batch=None, **_extra) -> dict | None:
    """The public trace page (no login): stars, counts and a few texts — nobody is named."""
    if product is None:
        return None
    archive = Archive(product.community_id, product=product)
    numbers = stats(archive)
    if not numbers.total and not numbers.households:
        return None
    return {"stats": numbers, "texts": [r for r in newest(archive, SUMMARY_REVIEWS) if r.text]}


def workbench_ratings(leader_id: int, community_id: int, **_extra) -> dict | None:
    """The leader's workbench: the ratings of their products, most reviewed first."""
    ratings = leader_ratings(leader_id, community_id, WORKBENCH_PRODUCTS)
    return {"ratings": ratings} if ratings else None


def order_action(order) -> dict | None:
    """My collected order: "Review it", or the review I wrote."""
    if order.user_id != current_user.id:
        return None
    review = review_of_order(order.id)
    if review is None and refusal(order) is not None:
        return None
    return {"order": order, "review": review}


def register() -> None:
    register_section("groupbuy.detail", "reviews/_buy_section.html", buy_summary, order=40)
    register_section("trace.public", "reviews/_trace_section.html", trace_summary, order=60)
    register_section("groupbuy.workbench", "reviews/_workbench_section.html", workbench_ratings, order=60)
    register_section("groupbuy.order", "reviews/_order_section.html", order_action)
