"""Moderation: reports, the audit log of every action, and who has passed first-post review."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import UTCDateTime, db, utcnow


class ContentStatus(enum.StrEnum):
    PENDING = "pending"  # a new member's first posts wait for a moderator's approval
    VISIBLE = "visible"
    HIDDEN = "hidden"  # by three reports or by a moderator: only moderators see it
    DELETED = "deleted"


REPORTS_TO_HIDE = 3


class Report(db.Model):
    """One resident's report of one item; three different residents hide the item."""

    __tablename__ = "mod_reports"
    __table_args__ = (sa.UniqueConstraint("kind", "item_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    item_id: Mapped[int] = mapped_column()
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(db.Model):
    """Every moderation action, by whom (None: the system, e.g. hidden by reports)."""

    __tablename__ = "mod_audit_log"
    __table_args__ = (sa.Index("ix_mod_audit_log_community", "community_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(20), default="")
    item_id: Mapped[int | None] = mapped_column()
    target_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Trust(db.Model):
    """A member whose first post a moderator approved: later posts appear at once."""

    __tablename__ = "mod_trust"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
