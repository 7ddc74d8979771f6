"""Events (活动): what admins run, who signed up (or waits), tickets, check-ins, calendar feeds."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class EventKind(enum.StrEnum):
    EVENT = "event"  # a workshop, a talk, a farm visit…
    HELP_DAY = "help_day"  # 互助日: the page gathers the open help needs of its day


class Audience(enum.StrEnum):
    COMMUNITY = "community"
    BUILDING = "building"
    GROUP = "group"  # one mutual-aid group


class EventStatus(enum.StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class SignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # holds `places` seats
    WAITLISTED = "waitlisted"  # waits in id order for seats to free
    CANCELLED = "cancelled"  # by the resident, or because the event was cancelled
    EXPIRED = "expired"  # still waiting when the event began


ACTIVE_SIGNUP = ("confirmed", "waitlisted")


class Event(db.Model):
    """One event of a community. `places_taken` counts confirmed seats (residents + companions)."""

    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("places_taken >= 0 AND places_taken <= capacity", name="within_capacity"),
        sa.CheckConstraint("points_cost >= 0", name="points_cost_not_negative"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_events_community_starts", "community_id", "starts_at"),
        sa.Index("ix_events_community_ends", "community_id", "ends_at"),  # events not yet over
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(12), default=EventKind.EVENT)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    photo: Mapped[str] = mapped_column(sa.String(200), default="")
    place: Mapped[str] = mapped_column(sa.String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signup_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    places_taken: Mapped[int] = mapped_column(default=0)
    max_companions: Mapped[int] = mapped_column(default=2)
    audience: Mapped[str] = mapped_column(sa.String(12), default=Audience.COMMUNITY)
    building_id: Mapped[int | None] = mapped_column(sa.ForeignKey("buildings.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("aid_groups.id", ondelete="SET NULL"), index=True
    )
    points_cost: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(12), default=EventStatus.OPEN)
    sequence: Mapped[int] = mapped_column(default=0)  # iCal SEQUENCE: bumped when times or place change
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community = relationship("Community")
    building = relationship("Building")
    group = relationship("AidGroup")
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_help_day(self) -> bool:
        return self.kind == EventKind.HELP_DAY

    @property
    def deadline(self) -> datetime:
        """When signing up closes: the deadline, or the start when none was set."""
        return self.signup_deadline or self.starts_at

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    def has_started(self, now: datetime) -> bool:
        return now >= self.starts_at

    def is_past(self, now: datetime) -> bool:
        return now >= self.ends_at


class Signup(db.Model):
    """A resident's place at an event (for themselves and `places - 1` companions), or their
    place in the waitlist; the waitlist is served in id order."""

    __tablename__ = "event_signups"
    __table_args__ = (
        sa.CheckConstraint("places >= 1", name="places_positive"),
        # one live signup per person and event; cancelled ones stay as history
        sa.Index(
            "uq_event_signups_live",
            "event_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("status IN ('confirmed', 'waitlisted')"),
            postgresql_where=sa.text("status IN ('confirmed', 'waitlisted')"),
        ),
        sa.Index("ix_event_signups_event_status", "event_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    places: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(12))
    points_paid: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    checked_in_by = relationship("User", foreign_keys=[checked_in_by_id])

    @property
    def companions(self) -> int:
        return self.places - 1

    @property
    def is_live(self) -> bool:
        return self.status in ACTIVE_SIGNUP


class CalendarFeed(db.Model):
    """A member's private calendar-feed URL for one community (the token is the secret)."""

    __tablename__ = "event_calendar_feeds"
    __table_args__ = (sa.UniqueConstraint("user_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
