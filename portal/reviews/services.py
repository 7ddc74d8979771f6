"""Writing reviews, helpful votes, and what moderation does to a review.

Only the resident who collected an order (核销 at a manned point, or at a locker: the order's
status is `collected` and `collected_at` is set, portal.groupbuy.services.pickup_codes
mark_collected) may review it, once, within REVIEW_WINDOW_DAYS of the pickup; the server checks
it when the review is posted. One review per order is the unique key on `reviews.order_id`: a
second (or a concurrent double submit) is refused. Reviews are moderated as the kind "review"
(portal.moderation): a new member's first one waits for approval like a first post, three
reports hide it, moderators hide one with a reason; group leaders can neither hide nor edit.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.community.models import Membership
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.core.signals import review_posted
from portal.core.uploads import delete_upload, save_image
from portal.groupbuy.models import GroupBuy, Order, OrderStatus
from portal.moderation.models import AuditEntry, ContentStatus
from portal.moderation.services import act, initial_status, notify_moderators_of_pending, register_kind
from portal.reviews.models import MAX_PHOTOS, MAX_TEXT, HelpfulVote, Review, ReviewPhoto
from portal.trace.models import Batch

KIND = "review"
DEFAULT_WINDOW_DAYS = 30


def window_days() -> int:
    """How many days after the pickup an order may be reviewed (REVIEW_WINDOW_DAYS)."""
    return int(current_app.config.get("REVIEW_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))


def product_id_of(buy: GroupBuy) -> int | None:
    """The product of the buy's batch, or None for a buy that names no batch."""
    if buy.batch_id is None:
        return None
    return db.session.scalar(sa.select(Batch.product_id).where(Batch.id == buy.batch_id))


def review_of_order(order_id: int) -> Review | None:
    return db.session.scalar(sa.select(Review).where(Review.order_id == order_id))


def refusal(order: Order, now=None):
    """Why `order` cannot be reviewed now (a text), or None when it can."""
    if order.status != OrderStatus.COLLECTED or order.collected_at is None:
        return _l("You can review an order once you have collected it.")
    if (now or utcnow()) - order.collected_at > timedelta(days=window_days()):
        return _l(
            "Reviews are open for %(days)s days after pickup, and this order was collected earlier.",
            days=window_days(),
        )
    return None


def checked_stars(value) -> int:
    """1–5 from what was posted; anything else is refused beside the field."""
    try:
        stars = int(value)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise DomainError(_l("Give one to five stars."), "stars")
    return stars


def write_review(author: Membership, order: Order, stars, text: str = "", photos=()) -> Review:
    """The collector's review of their order: 1–5 stars, words, up to three photos; once per order."""
    if order.user_id != author.user_id or order.community_id != author.community_id:
        raise DomainError(_l("Not found."))
    reason = refusal(order)
    if reason is not None:
        raise DomainError(reason)
    if review_of_order(order.id) is not None:
        raise DomainError(_l("You have reviewed this order already."))
    stars = checked_stars(stars)
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(_l("At most %(n)s characters.", n=MAX_TEXT), "text")
    photos = [p for p in photos if p is not None and getattr(p, "filename", None)]
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_l("At most %(n)s photos.", n=MAX_PHOTOS), "photos")
    review = Review(
        order_id=order.id,
        author_id=author.user_id,
        community_id=order.community_id,
        buy_id=order.buy_id,
        product_id=product_id_of(order.buy),
        stars=stars,
        text=text,
        status=initial_status(author),
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(review)
            db.session.flush()
    except IntegrityError:  # a concurrent submit of the same order won
        raise DomainError(_l("You have reviewed this order already.")) from None
    _store_photos(review, photos)
    if review.status == ContentStatus.PENDING:
        notify_moderators_of_pending(KIND, review)
    else:
        _publish(review)
    return review


def _store_photos(review: Review, files) -> None:
    """Re-encode and attach the photos; one that is not a picture refuses them all."""
    stored = []
    try:
        for upload in files:
            stored.append(save_image(upload, "reviews"))
    except DomainError as error:
        for path in stored:
            delete_upload(path)
        raise DomainError(error.message, "photos") from error
    for position, path in enumerate(stored):
        review.photos.append(ReviewPhoto(path=path, position=position))
    db.session.flush()


def _publish(review: Review) -> None:
    """The first time a review is visible to neighbours: `review_posted` (points follow), once."""
    result = db.session.execute(
        sa.update(Review)
        .where(
            Review.id == review.id,
            Review.status == ContentStatus.VISIBLE,
            Review.published_at.is_(None),
        )
        .values(published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(review)
    if result.rowcount == 1:
        review_posted.send(review, user_id=review.author_id, community_id=review.community_id)


# --- helpful votes ------------------------------------------------------------------------


def vote_helpful(voter: Membership, review: Review) -> Review:
    """A neighbour found a visible review helpful: once per person, never one's own."""
    if review.community_id != voter.community_id or review.status != ContentStatus.VISIBLE:
        raise DomainError(_l("Not found."))
    if review.author_id == voter.user_id:
        raise DomainError(_l("You cannot vote for your own review."))
    try:
        with db.session.begin_nested():
            db.session.add(HelpfulVote(review_id=review.id, user_id=voter.user_id))
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("You found this review helpful already.")) from None
    db.session.execute(
        sa.update(Review)
        .where(Review.id == review.id)
        .values(helpful_count=Review.helpful_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(review)
    return review


def voted_ids(user_id: int, review_ids) -> set[int]:
    """Which of these reviews `user_id` found helpful (one query)."""
    ids = list(set(review_ids))
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(HelpfulVote.review_id).where(
                HelpfulVote.user_id == user_id, HelpfulVote.review_id.in_(ids)
            )
        )
    )


# --- moderation ---------------------------------------------------------------------------


def hide(moderator: Membership, review: Review, reason: str) -> None:
    """A volunteer or admin hides a review, saying why (the audit log keeps it)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why the review is hidden."), "reason")
    act(moderator, KIND, review, "hide", reason[:300])


def _last_action(review: Review) -> AuditEntry | None:
    return db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.kind == KIND, AuditEntry.item_id == review.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def _status_changed(review: Review, status: str) -> None:
    """Moderation moved a review (approved, hidden, restored, deleted): keep the reason of a
    hiding, and publish a review the first time it is visible."""
    if status == ContentStatus.HIDDEN:
        entry = _last_action(review)
        if entry is not None and entry.action == "hide":
            if not entry.note.strip():
                raise DomainError(_l("Say why the review is hidden."))
            review.hidden_reason = entry.note
        else:  # hidden by three reports until a moderator looks
            review.hidden_reason = ""
        db.session.flush()
    elif status == ContentStatus.VISIBLE:
        review.hidden_reason = ""
        db.session.flush()
        _publish(review)


def review_link(review: Review) -> str:
    """Where a review is read: its product's trust archive, or its buy's."""
    if review.product_id is not None:
        return url_for("reviews.product", product_id=review.product_id) + f"#review-{review.id}"
    return url_for("reviews.buy", buy_id=review.buy_id) + f"#review-{review.id}"


def _preview(review: Review) -> str:
    return "★" * review.stars + "☆" * (5 - review.stars) + (" " + review.text[:160] if review.text else "")


register_kind(KIND, Review, _l("Review"), review_link, _preview, _status_changed)
