"""Points: a ledger of rows (balances are their sums), campaigns, the catalogue, badges."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class PointsEntry(db.Model):
    """One change of a person's points in a community: + earned, - spent, with why and for what."""

    __tablename__ = "points_entries"
    __table_args__ = (
        sa.Index("ix_points_entries_owner", "community_id", "user_id", "id"),
        sa.Index("ix_points_entries_ref", "ref_type", "ref_id"),
        sa.Index("ix_points_entries_reason", "community_id", "reason", "user_id"),  # earned for a reason
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(40))
    ref_type: Mapped[str | None] = mapped_column(sa.String(40))
    ref_id: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    # set only for awards that may happen once (an invite reward): a second one fails the unique key
    once_key: Mapped[str | None] = mapped_column(sa.String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsBalance(db.Model):
    """The running sum of a person's entries, changed only by conditional UPDATEs (never < 0)."""

    __tablename__ = "points_balances"
    __table_args__ = (sa.CheckConstraint("balance >= 0", name="not_negative"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(default=0)


class Campaign(db.Model):
    """Points multiplied for one reason between two dates (邻里介绍月: invites ×2)."""

    __tablename__ = "points_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    reason: Mapped[str] = mapped_column(sa.String(40))
    multiplier_pct: Mapped[int] = mapped_column(default=200)  # 200 = double
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def multiplier(self) -> float:
        return self.multiplier_pct / 100


class CatalogueItem(db.Model):
    """A local service or coupon residents redeem with points; the provider checks the codes."""

    __tablename__ = "points_catalogue"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(20), default="service")  # service | coupon
    provider: Mapped[str] = mapped_column(sa.String(80), default="")
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    cost: Mapped[int] = mapped_column()
    stock: Mapped[int | None] = mapped_column()  # None: unlimited
    active: Mapped[bool] = mapped_column(default=True)
    check_token: Mapped[str] = mapped_column(sa.String(43), unique=True)  # the provider's page
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Redemption(db.Model):
    """Points spent on a catalogue item: a code the provider checks and marks used."""

    __tablename__ = "points_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("points_catalogue.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    cost: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[CatalogueItem] = relationship()


class BadgeAward(db.Model):
    """A badge a person holds in a community (热心邻居, 金牌团长, 社区好物推荐官)."""

    __tablename__ = "points_badges"
    __table_args__ = (sa.UniqueConstraint("user_id", "community_id", "badge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    badge: Mapped[str] = mapped_column(sa.String(30))
    awarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadgeProgress(db.Model):
    """Counts toward an automatic badge (a leader's collected orders toward 金牌团长)."""

    __tablename__ = "points_badge_progress"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    badge: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
