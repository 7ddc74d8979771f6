"""One row per NPS offer; a response is the offer with a score.

`user_id` is null once the respondent deleted their account: the score and comment stay,
anonymous (as reviews stay by "Former resident"); offers never answered go with the account.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import UTCDateTime, db, utcnow

MAX_COMMENT = 500
TRIGGERS = ("order", "event")


class NpsOffer(db.Model):
    """The survey card offered to a resident after a collected order or an attended event."""

    __tablename__ = "nps_offers"
    __table_args__ = (
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 10)", name="score_0_to_10"),
        sa.CheckConstraint("\"trigger\" IN ('order', 'event')", name="trigger_kind"),
        sa.Index("ix_nps_offers_community_answered", "community_id", "answered_at"),  # the dashboard
        sa.Index("ix_nps_offers_user_offered", "user_id", "offered_at"),  # the 90 days
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(sa.String(8))
    trigger_id: Mapped[int]  # the collected order's id, or the attended event's
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(sa.String(MAX_COMMENT))

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.dismissed_at is None
