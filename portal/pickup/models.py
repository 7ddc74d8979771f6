"""Pickup points (自提点) of a community: manned stations, locker banks, a leader's home, shops."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class PickupKind(enum.StrEnum):
    STATION = "station"  # a manned pickup station
    LOCKER = "locker"  # a smart parcel locker bank (see the lockers domain)
    LEADER_HOME = "leader_home"  # the group leader's home
    SHOP = "shop"  # a shop that hands out parcels


class PickupPoint(db.Model):
    """Where residents collect their goods; belongs to one community.

    `slot_capacity` > 0 turns on pickup time slots of `slot_minutes` for manned points.
    """

    __tablename__ = "pickup_points"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(16), default=PickupKind.STATION)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(300), default="")
    slot_capacity: Mapped[int] = mapped_column(default=0)  # people per time slot; 0: no slots
    slot_minutes: Mapped[int] = mapped_column(default=30)
    host_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community = relationship("Community")
    host = relationship("User")

    @property
    def is_manned(self) -> bool:
        """People hand goods out here (核销 by code or QR); a locker bank works by itself."""
        return self.kind != PickupKind.LOCKER

    @property
    def has_slots(self) -> bool:
        return self.is_manned and self.slot_capacity > 0


class PickupSlot(db.Model):
    """A pickup time slot at a manned point; `booked` changes only by conditional UPDATE."""

    __tablename__ = "pickup_slots"
    __table_args__ = (sa.UniqueConstraint("pickup_point_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(sa.ForeignKey("pickup_points.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)

    pickup_point: Mapped[PickupPoint] = relationship()

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)
