"""Review pages: writing the review of a collected order, a trust archive with its helpful votes,
and a moderator hiding a review with a reason (reports and the queue are moderation's pages)."""

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.community.access import current_membership, get_in_community, people_required, role_required
from portal.community.models import Role
from portal.core.db import db
from portal.core.forms import commit_or_422
from portal.core.htmx import redirect_to, render, wants_fragment
from portal.core.paging import requested_page
from portal.extensions import limiter, per_person
from portal.groupbuy.models import GroupBuy, Order
from portal.moderation.models import ContentStatus
from portal.moderation.services import can_view, is_moderator
from portal.neighbors.privacy import people_for_users
from portal.reviews import bp
from portal.reviews.forms import HideForm, ReviewForm
from portal.reviews.reading import SORTS, Archive, archive_of_buy, reviews_page, stats
from portal.reviews.services import (
    hide,
    refusal,
    review_link,
    review_of_order,
    vote_helpful,
    voted_ids,
    window_days,
    write_review,
)
from portal.trace.models import Product


def review_limit() -> str:
    return current_app.config.get("REVIEW_RATE_LIMIT", "10 per hour;30 per day")


reviewing = limiter.shared_limit(review_limit, scope="reviews-posting", key_func=per_person)


def _my_order(order_id: int) -> Order:
    """My own order in my community; anyone else's (a delegate's too) is a 404."""
    order = get_in_community(Order, order_id)
    if order.user_id != current_user.id:
        abort(404)
    return order


def _write_page(order: Order, form=None, status: int = 200):
    review = review_of_order(order.id)
    return render(
        "reviews/write.html",
        "review_panel",
        status=status,
        order=order,
        buy=order.buy,
        review=review,
        refused=None if review is not None else refusal(order),
        form=form or ReviewForm(formdata=None),
        window_days=window_days(),
        link=review_link(review) if review is not None else None,
    )


@bp.get("/reviews/orders/<int:order_id>")
@people_required
def write(order_id: int):
    """Review an order I collected (or see the review I wrote of it)."""
    return _write_page(_my_order(order_id))


@bp.post("/reviews/orders/<int:order_id>")
@people_required
@reviewing
def write_post(order_id: int):
    """Post the review; the server checks I collected the order, in time, and only once."""
    order = _my_order(order_id)
    form = ReviewForm()
    files = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    review = commit_or_422(
        lambda: write_review(current_membership(), order, form.stars.data, form.text.data or "", files),
        lambda _error: _write_page(order, form, 422),
        form,
    )
    if not wants_fragment() and review.status == ContentStatus.VISIBLE:
        return redirect_to(review_link(review))
    return _write_page(order)


# --- trust archives -----------------------------------------------------------------------


def _sort() -> str:
    sort = request.args.get("sort", "newest")
    return sort if sort in SORTS else "newest"


def _archive_page(archive: Archive, endpoint: str, args: dict, status: int = 200, **extra):
    me = current_membership()
    sort = _sort()
    page = reviews_page(me, archive, sort, requested_page())
    return render(
        "reviews/archive.html",
        "reviews",
        status=status,
        archive=archive,
        stats=stats(archive),
        page=page,
        sort=sort,
        sorts=SORTS,
        endpoint=endpoint,
        args=args,
        people=people_for_users(me, me.community_id, [r.author_id for r in page]),
        voted=voted_ids(me.user_id, [r.id for r in page]),
        moderator=is_moderator(me),
        hide_form=HideForm(formdata=None),
        **extra,
    )


@bp.get("/reviews/products/<int:product_id>")
@people_required
def product(product_id: int):
    """A product's trust archive: every review of it across its buys and batches."""
    item = get_in_community(Product, product_id)
    return _archive_page(Archive(item.community_id, product=item), "reviews.product", {"product_id": item.id})


@bp.get("/reviews/buys/<int:buy_id>")
@people_required
def buy(buy_id: int):
    """The reviews of a buy: its product's archive when it names a batch, else its own."""
    item = get_in_community(GroupBuy, buy_id)
    archive = archive_of_buy(item)
    if archive.product is not None:
        return redirect_to(url_for("reviews.product", product_id=archive.product.id))
    return _archive_page(archive, "reviews.buy", {"buy_id": item.id})


def _review(review_id: int):
    from portal.reviews.models import Review

    review = get_in_community(Review, review_id)
    if not can_view(review, current_membership()):
        abort(404)
    return review


def _card(review, status: int = 200, problem=None, **extra):
    me = current_membership()
    return render(
        "reviews/_card_page.html",
        "card",
        status=status,
        review=review,
        people=people_for_users(me, me.community_id, [review.author_id]),
        voted=voted_ids(me.user_id, [review.id]),
        moderator=is_moderator(me),
        hide_form=extra.pop("hide_form", None) or HideForm(formdata=None),
        problem=problem,
        **extra,
    )


@bp.post("/reviews/<int:review_id>/helpful")
@people_required
def helpful(review_id: int):
    """I found this review helpful (once; not my own)."""
    review = _review(review_id)
    commit_or_422(
        lambda: vote_helpful(current_membership(), review),
        lambda error: _card(review, 422, problem=error.message),
    )
    if not wants_fragment():
        return redirect_to(review_link(review))
    return _card(review)


@bp.post("/reviews/<int:review_id>/hide")
@role_required(Role.VOLUNTEER, Role.ADMIN)
def hide_review(review_id: int):
    """A volunteer or admin hides a review with a reason (in the audit log); leaders cannot."""
    review = _review(review_id)
    form = HideForm()
    commit_or_422(
        lambda: hide(current_membership(), review, form.reason.data or ""),
        lambda error: _card(review, 422, problem=error.message if error else None, hide_form=form),
        form,
    )
    db.session.refresh(review)
    if not wants_fragment():
        return redirect_to(review_link(review))
    return _card(review, done=_("Hidden. The author was told."))
