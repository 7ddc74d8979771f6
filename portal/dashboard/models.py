"""The dashboard's rollups: each figure of metrics.METRICS per community (or all of them), per
day, week (from Monday) and month, as `compute` measured it. The pages read these rows, never
the raw ones; the sweeper and `flask dashboard rollup` write them (rollups.py)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import UTCDateTime, db, utcnow

PERIODS = ("day", "week", "month")


class MetricRollup(db.Model):
    """One figure of one period: community_id None is the platform (every community)."""

    __tablename__ = "dashboard_rollups"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "period", "start", "key"),
        # NULLs are distinct in a unique constraint: the platform's rows get their own index
        sa.Index(
            "ux_dashboard_rollups_platform",
            "period",
            "start",
            "key",
            unique=True,
            sqlite_where=sa.text("community_id IS NULL"),
            postgresql_where=sa.text("community_id IS NULL"),
        ),
        sa.CheckConstraint("period IN ('day', 'week', 'month')", name="period_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(5))
    start: Mapped[date] = mapped_column(sa.Date)
    key: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[float | None] = mapped_column(sa.Float)
    numerator: Mapped[float] = mapped_column(sa.Float, default=0.0)
    denominator: Mapped[float] = mapped_column(sa.Float, default=0.0)
    n: Mapped[int] = mapped_column(default=0)
    p90: Mapped[float | None] = mapped_column(sa.Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
