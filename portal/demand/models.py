"""The demand pool (需求池): wishes residents post, and the +1s households give them.

A wish's `status` is its moderation status (portal.moderation: pending, visible, hidden,
deleted); its life in the pool is `state`: open → planned → converted, or declined (with a
reason), or duplicate (merged into another wish). "Expired" is never stored: an open or planned
wish whose `expires_on` has passed reads as expired (see `Wish.shown_state`).

One +1 per household (UNIQUE wish_id, household): a household is the member's unit
("u:<unit_id>"), or the member alone when they have no unit ("p:<user_id>"). The counters
household_count and quantity_total change only by conditional UPDATEs in the same transaction as
the +1 rows they count (services.py).
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.boards.models import Moderated, moderation_indexes
from portal.core.db import UTCDateTime, db, utcnow
from portal.groupbuy.models import Category


class WishState(enum.StrEnum):
    OPEN = "open"
    PLANNED = "planned"  # a leader is working on it
    CONVERTED = "converted"  # a buy was opened from it
    DECLINED = "declined"  # with a reason
    DUPLICATE = "duplicate"  # merged into another wish (merged_into_id)


# states a wish takes +1s in (unless expired); "expired" is derived from these
LIVE = (WishState.OPEN, WishState.PLANNED)
EXPIRED = "expired"
EXPIRY_DAYS = 60


class Wish(Moderated, db.Model):
    """What residents would like a leader to buy for them, and a price they would pay."""

    __tablename__ = "demand_wishes"
    __table_args__ = (
        sa.Index("ix_demand_wishes_pool", "community_id", "state", "household_count", "quantity_total"),
        *moderation_indexes("demand_wishes"),
    )

    title: Mapped[str] = mapped_column(sa.String(80))
    category: Mapped[str] = mapped_column(sa.String(16), default=Category.FRESH)
    price_cents: Mapped[int | None]  # what the author would pay per unit, in fen
    unit: Mapped[str] = mapped_column(sa.String(16), default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")  # http(s) only
    photo: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    state: Mapped[str] = mapped_column(sa.String(12), default=WishState.OPEN)
    decline_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demand_wishes.id", ondelete="SET NULL"))
    converted_buy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group_buys.id", ondelete="SET NULL"))
    expires_on: Mapped[date] = mapped_column(sa.Date)
    household_count: Mapped[int] = mapped_column(default=0)
    quantity_total: Mapped[int] = mapped_column(default=0)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def shown_state(self, today: date) -> str:
        """The state as read today: an open or planned wish past its expiry date is expired."""
        if self.state in LIVE and self.expires_on < today:
            return EXPIRED
        return self.state

    def takes_votes(self, today: date) -> bool:
        return self.shown_state(today) in LIVE


class WishVote(db.Model):
    """A household's +1 on a wish, with how many it would take; the member who gave it last."""

    __tablename__ = "demand_votes"
    __table_args__ = (sa.UniqueConstraint("wish_id", "household"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(sa.ForeignKey("demand_wishes.id", ondelete="CASCADE"))
    household: Mapped[str] = mapped_column(sa.String(24))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
