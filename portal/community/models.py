"""Communities, their buildings and units, memberships with roles, and invitations."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class Role(enum.IntFlag):
    RESIDENT = 1
    LEADER = 2
    VOLUNTEER = 4
    ADMIN = 8
    KIOSK = 16


def roles_holding(role: Role) -> list[int]:
    """Every roles value that includes `role`. `roles IN (…)` (or NOT IN) is what a query should
    say: an index finds the holders and the planners estimate it from the column's statistics,
    where `roles & role` reads every membership and PostgreSQL guesses it matches almost none."""
    return [value for value in range(1, 1 << len(Role)) if value & role]


class RoleFlags(sa.TypeDecorator):
    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else int(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Role(value)


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    REMOVED = "removed"


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    city: Mapped[str] = mapped_column(sa.String(40), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    accepts_applications: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    buildings: Mapped[list["Building"]] = relationship(
        back_populates="community", order_by="Building.sort_key", cascade="all, delete-orphan"
    )


class Building(db.Model):
    __tablename__ = "buildings"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(40))
    sort_key: Mapped[int] = mapped_column(default=0)

    community: Mapped[Community] = relationship(back_populates="buildings")
    units: Mapped[list["Unit"]] = relationship(
        back_populates="building", order_by="Unit.sort_key", cascade="all, delete-orphan"
    )


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("building_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(
        sa.ForeignKey("buildings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(40))
    sort_key: Mapped[int] = mapped_column(default=0)

    building: Mapped[Building] = relationship(back_populates="units")


class Membership(db.Model):
    """A person in a community: where they live, their roles, and how they came in."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "community_id"),
        sa.Index("ix_memberships_community_status", "community_id", "status", "created_at"),  # applications
        sa.Index("ix_memberships_community_roles", "community_id", "roles"),  # holders of a role
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    building_id: Mapped[int | None] = mapped_column(sa.ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    roles: Mapped[Role] = mapped_column(RoleFlags, default=Role.RESIDENT)
    status: Mapped[str] = mapped_column(sa.String(12), default=MembershipStatus.PENDING)
    application_note: Mapped[str] = mapped_column(sa.String(500), default="")
    invite_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invites.id", ondelete="SET NULL"))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", back_populates="memberships", foreign_keys=[user_id])
    community: Mapped[Community] = relationship()
    building: Mapped[Building | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def role_list(self) -> list[Role]:
        return [role for role in Role if self.roles & role]

    def has(self, role: Role) -> bool:
        return self.is_active and bool(self.roles & role)


class Invite(db.Model):
    """An invitation link/QR made by a member; expiring; acceptances form the invitation chain."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    inviter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    inviter = relationship("User")

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
