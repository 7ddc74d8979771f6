"""Boards: chat (with topics), newcomers, group boards, skill exchange, help-day needs, groups.

Everything residents write carries a moderation `status` and a `report_count` (see moderation).
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow
from portal.moderation.models import ContentStatus
from portal.neighbors.models import Tag  # noqa: F401 (the tags relationships need it mapped)


class Board(enum.StrEnum):
    CHAT = "chat"  # 邻里闲聊
    NEWCOMERS = "newcomers"  # 新邻居报到
    GROUP = "group"  # a mutual-aid group's board


class Moderated:
    """Columns every piece of resident-written content has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=ContentStatus.VISIBLE)
    report_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def community_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def author_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def author(cls):
        return relationship("User", foreign_keys=[cls.author_id])


def moderation_indexes(table: str) -> tuple[sa.Index, sa.Index]:
    """The moderators' queue and its counts: items by status (oldest first), reported items."""
    return (
        sa.Index(f"ix_{table}_moderation", "community_id", "status", "created_at"),
        sa.Index(f"ix_{table}_reported", "community_id", "report_count"),
    )


def _tag_table(name: str, item_table: str) -> sa.Table:
    return sa.Table(
        name,
        db.metadata,
        sa.Column("item_id", sa.ForeignKey(f"{item_table}.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", sa.ForeignKey("neighbor_tags.id"), primary_key=True, index=True),
    )


post_tags = _tag_table("board_post_tags", "board_posts")
skill_tags = _tag_table("skill_listing_tags", "skill_listings")
need_tags = _tag_table("help_need_tags", "help_needs")


class Topic(db.Model):
    """A chat topic a volunteer or admin starts; pinned on top of the chat board for a week."""

    __tablename__ = "board_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(80))
    prompt: Mapped[str] = mapped_column(sa.String(300), default="")
    pinned_until: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Post(Moderated, db.Model):
    """A post on a board, or a reply to one (parent_id)."""

    __tablename__ = "board_posts"
    __table_args__ = (
        sa.Index("ix_board_posts_list", "community_id", "board", "parent_id", "last_activity_at"),
        *moderation_indexes("board_posts"),
    )

    board: Mapped[str] = mapped_column(sa.String(12))
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("aid_groups.id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("board_topics.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("board_posts.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")  # nh3-cleaned
    reply_count: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    topic: Mapped[Topic | None] = relationship()
    tags = relationship("Tag", secondary=post_tags, order_by="Tag.name")


class SkillKind(enum.StrEnum):
    OFFER = "offer"  # I can teach / do this
    REQUEST = "request"  # I am looking for someone who can


class SkillListing(Moderated, db.Model):
    """技能交换: an offer or a request, with skill tags and the points proposed for one exchange."""

    __tablename__ = "skill_listings"
    __table_args__ = moderation_indexes("skill_listings")

    kind: Mapped[str] = mapped_column(sa.String(10))
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    points: Mapped[int] = mapped_column(default=0)
    open: Mapped[bool] = mapped_column(default=True)

    tags = relationship("Tag", secondary=skill_tags, order_by="Tag.name")


class ExchangeState(enum.StrEnum):
    PROPOSED = "proposed"  # someone responded to the listing
    AGREED = "agreed"  # the listing's author agreed; the requester's points are held
    COMPLETED = "completed"  # both confirmed; the points went to the helper
    DECLINED = "declined"
    CANCELLED = "cancelled"


class SkillExchange(db.Model):
    """One exchange on a listing: respond → agree → both confirm → points requester → helper."""

    __tablename__ = "skill_exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("skill_listings.id", ondelete="CASCADE"), index=True
    )
    responder_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    helper_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    points: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(10), default=ExchangeState.PROPOSED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    helper_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requester_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    listing: Mapped[SkillListing] = relationship()


class NeedState(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # the asker accepted one neighbour's offer (bounty held)
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HelpNeed(Moderated, db.Model):
    """互助日: what is needed, when, where, an optional points bounty."""

    __tablename__ = "help_needs"
    __table_args__ = (
        sa.Index("ix_help_needs_day", "community_id", "needed_on", "state"),
        *moderation_indexes("help_needs"),
    )

    what: Mapped[str] = mapped_column(sa.String(120))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    details_html: Mapped[str] = mapped_column(sa.Text, default="")
    needed_on: Mapped[date] = mapped_column(sa.Date)
    time_note: Mapped[str] = mapped_column(sa.String(40), default="")
    place: Mapped[str] = mapped_column(sa.String(80), default="")
    bounty: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(10), default=NeedState.OPEN)
    helper_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tags = relationship("Tag", secondary=need_tags, order_by="Tag.name")
    offers: Mapped[list["HelpOffer"]] = relationship(order_by="HelpOffer.id", back_populates="need")


class OfferState(enum.StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # another offer was accepted, or the need was cancelled
    WITHDRAWN = "withdrawn"


class HelpOffer(db.Model):
    """A neighbour offers to help with a need; the asker accepts one."""

    __tablename__ = "help_offers"
    __table_args__ = (sa.UniqueConstraint("need_id", "helper_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("help_needs.id", ondelete="CASCADE"), index=True)
    helper_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    state: Mapped[str] = mapped_column(sa.String(10), default=OfferState.OFFERED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[HelpNeed] = relationship(back_populates="offers")


class AidGroup(db.Model):
    """互助小组 (老人照护, 宠物互助…): members join and leave; each has its board."""

    __tablename__ = "aid_groups"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    icon: Mapped[str] = mapped_column(sa.String(8), default="🤝")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupMember(db.Model):
    __tablename__ = "aid_group_members"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("aid_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
