"""Neighbour profiles with per-field visibility, tags, contact requests, purchase hints."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class Visibility(enum.StrEnum):
    ME = "me"  # only me (the default: nothing is shown that the resident did not choose to show)
    BUILDING = "building"  # neighbours in my building
    COMMUNITY = "community"  # everyone in my community


# the profile fields that each have their own visibility
PROFILE_FIELDS = ("name", "avatar", "building", "occupation", "intro", "skills", "interests")


class Tag(db.Model):
    """A normalised free tag (烘焙, 会修家电); shared by profiles and board items."""

    __tablename__ = "neighbor_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(20), unique=True)


class Profile(db.Model):
    """A member's profile in one community: each field shown only as far as its visibility says."""

    __tablename__ = "neighbor_profiles"
    # the directory and its suggestions read profiles by last update
    __table_args__ = (
        sa.Index("ix_neighbor_profiles_community_updated", "community_id", "updated_at", "id"),
        sa.Index("ix_neighbor_profiles_ambassador", "community_id", "ambassador"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    avatar: Mapped[str] = mapped_column(sa.String(200), default="")
    occupation: Mapped[str] = mapped_column(sa.String(40), default="")
    intro: Mapped[str] = mapped_column(sa.String(500), default="")
    name_visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.ME)
    avatar_visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.ME)
    building_visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.ME)
    occupation_visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.ME)
    intro_visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.ME)
    skills_visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.ME)
    interests_visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.ME)
    discoverable: Mapped[bool] = mapped_column(default=False)  # listed in the directory
    offers_experience: Mapped[bool] = mapped_column(default=False)  # may be suggested as experienced
    wants_suggestions: Mapped[bool] = mapped_column(default=False)  # suggestions from what I buy
    ambassador: Mapped[bool] = mapped_column(default=False)  # 邻里大使, appointed by admins
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership = relationship("Membership")
    tags: Mapped[list["ProfileTag"]] = relationship(
        cascade="all, delete-orphan", order_by="ProfileTag.position"
    )

    def visibility(self, field: str) -> str:
        return getattr(self, f"{field}_visibility")

    def tag_names(self, kind: str) -> list[str]:
        return [pt.tag.name for pt in self.tags if pt.kind == kind]


class ProfileTag(db.Model):
    __tablename__ = "neighbor_profile_tags"

    profile_id: Mapped[int] = mapped_column(
        sa.ForeignKey("neighbor_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("neighbor_tags.id"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # skill | interest
    position: Mapped[int] = mapped_column(default=0)

    tag: Mapped[Tag] = relationship(lazy="joined")


class ContactStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ContactRequest(db.Model):
    """A resident asks to get in touch; phone numbers travel only if each side chose to share."""

    __tablename__ = "neighbor_contacts"
    __table_args__ = (sa.Index("ix_neighbor_contacts_pair", "from_membership_id", "to_membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    from_membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    to_membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    from_shares_phone: Mapped[bool] = mapped_column(default=False)
    to_shares_phone: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default=ContactStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_membership = relationship("Membership", foreign_keys=[from_membership_id])
    to_membership = relationship("Membership", foreign_keys=[to_membership_id])


class PurchaseHint(db.Model):
    """What a resident's orders suggest (parenting, pets…), kept only for those who opted in."""

    __tablename__ = "neighbor_purchase_hints"
    __table_args__ = (sa.UniqueConstraint("membership_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("memberships.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(sa.String(20))
    count: Mapped[int] = mapped_column(default=1)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
