"""Reviews by verified pickers: one per collected order, with up to three photos and the
neighbours' "helpful" votes.

A review belongs to the product its buy's batch named when it was written (`product_id`): a
product's trust archive gathers the reviews of every buy and batch of that product. A buy
without a batch has no product, so its reviews make up the buy's own archive (`buy_id`, always
set). Moderation treats a review as the kind "review" (portal.moderation.services.KINDS): hence
`author_id`, `status`, `report_count` and `created_at`, the columns every moderated kind has.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow
from portal.moderation.models import ContentStatus

MAX_PHOTOS = 3
MAX_TEXT = 1000


class Review(db.Model):
    """A resident's stars and words about an order they collected (核销 or at a locker)."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint("stars >= 1 AND stars <= 5", name="stars_1_to_5"),
        sa.Index("ix_reviews_product_status", "product_id", "status", "created_at"),
        sa.Index("ix_reviews_buy_status", "buy_id", "status", "created_at"),
        sa.Index("ix_reviews_community_status", "community_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("group_orders.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    buy_id: Mapped[int] = mapped_column(sa.ForeignKey("group_buys.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    stars: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(MAX_TEXT), default="")
    status: Mapped[str] = mapped_column(sa.String(12), default=ContentStatus.VISIBLE)
    hidden_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    helpful_count: Mapped[int] = mapped_column(default=0)
    report_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # first shown to neighbours (at once, or when a moderator approved it): review_posted is sent then
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    photos: Mapped[list["ReviewPhoto"]] = relationship(
        back_populates="review", order_by="ReviewPhoto.position", cascade="all, delete-orphan"
    )
    buy = relationship("GroupBuy")


class ReviewPhoto(db.Model):
    __tablename__ = "review_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)

    review: Mapped[Review] = relationship(back_populates="photos")


class HelpfulVote(db.Model):
    """A neighbour found a review helpful: once per person and review."""

    __tablename__ = "review_helpful_votes"
    __table_args__ = (sa.UniqueConstraint("review_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
