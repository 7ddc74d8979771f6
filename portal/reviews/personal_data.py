"""A person's reviews and their helpful votes. Deleting the account keeps the reviews (neighbours
relied on them; the author shows as "Former resident", the privacy rule's label for a deleted
account) and takes back the votes, whose counts on the reviews drop with them."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.groupbuy.models import GroupBuy
from portal.reviews.models import HelpfulVote, Review


def export(user, limit: int | None = None) -> dict:
    reviews = db.session.execute(
        latest(
            sa.select(Review, GroupBuy.title)
            .join(GroupBuy, GroupBuy.id == Review.buy_id)
            .where(Review.author_id == user.id)
            .options(selectinload(Review.photos)),
            Review.id,
            limit,
        )
    )
    votes = db.session.execute(
        latest(
            sa.select(HelpfulVote, GroupBuy.title)
            .join(Review, Review.id == HelpfulVote.review_id)
            .join(GroupBuy, GroupBuy.id == Review.buy_id)
            .where(HelpfulVote.user_id == user.id),
            HelpfulVote.id,
            limit,
        )
    )
    return {
        "reviews": [
            {
                "buy": title,
                **columns(r, "id", "stars", "text", "status", "helpful_count", "created_at"),
                "photos": [p.path for p in r.photos],
            }
            for r, title in reviews
        ],
        "helpful_votes": [{"buy": title, **columns(v, "review_id", "created_at")} for v, title in votes],
    }


def erase(user) -> None:
    """The votes go (each review's count drops by one); the reviews stay, by "Former resident"."""
    voted = sa.select(HelpfulVote.review_id).where(HelpfulVote.user_id == user.id)
    db.session.execute(
        sa.update(Review)
        .where(Review.id.in_(voted), Review.helpful_count > 0)
        .values(helpful_count=Review.helpful_count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(HelpfulVote).where(HelpfulVote.user_id == user.id))
