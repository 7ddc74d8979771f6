"""STAND-IN for helper D1's models.py (/work/t1): the rollup row of the interface. The lead keeps D1's."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import db


class MetricRollup(db.Model):
    __tablename__ = "metric_rollups"
    __table_args__ = (sa.UniqueConstraint("community_id", "period", "start", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(8))
    start: Mapped[date] = mapped_column(sa.Date)
    key: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[float | None]
    numerator: Mapped[float] = mapped_column(default=0)
    denominator: Mapped[float] = mapped_column(default=0)
    n: Mapped[int] = mapped_column(default=0)
    p90: Mapped[float | None]
