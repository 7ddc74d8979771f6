"""Group buys (团购), their photos and pickup points, the orders residents place, and the waitlist.

Counters on the buy (quantity_total, participant_count, waitlist_count) change only by
conditional UPDATEs in services.py, in the same transaction as the order rows they count.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class BuyStatus(enum.StrEnum):
    OPEN = "open"  # taking orders until the deadline (截单)
    SUCCEEDED = "succeeded"  # reached the minimum at the deadline (成团); orders confirmed
    FAILED = "failed"  # did not reach it; orders void
    CANCELLED = "cancelled"  # the leader (or an admin) called it off
    ARRIVED = "arrived"  # the goods are at the pickup point(s); pickup codes issued


class Category(enum.StrEnum):
    FRESH = "fresh"
    DAILY = "daily"
    LOCAL = "local"
    HANDMADE = "handmade"
    SERVICE = "service"


CATEGORY_LABELS = {
    Category.FRESH: _l("Fresh food"),
    Category.DAILY: _l("Daily goods"),
    Category.LOCAL: _l("Local produce"),
    Category.HANDMADE: _l("Handmade"),
    Category.SERVICE: _l("Services"),
}

STATUS_LABELS = {
    BuyStatus.OPEN: lazy_pgettext("group buy", "Open"),
    BuyStatus.SUCCEEDED: _l("Succeeded"),
    BuyStatus.FAILED: _l("Did not succeed"),
    BuyStatus.CANCELLED: _l("Cancelled"),
    BuyStatus.ARRIVED: _l("Arrived"),
}


class OrderStatus(enum.StrEnum):
    JOINED = "joined"  # in an open buy
    CANCELLED = "cancelled"  # the resident left before the deadline
    CONFIRMED = "confirmed"  # the buy succeeded; waiting for the goods
    VOID = "void"  # the buy failed or was cancelled
    READY = "ready"  # pickup code issued (goods at the pickup point or in a locker)
    COLLECTED = "collected"  # picked up (核销 or locker) — done
    UNCLAIMED = "unclaimed"  # never collected; the code expired


ORDER_STATUS_LABELS = {
    OrderStatus.JOINED: _l("Joined"),
    OrderStatus.CANCELLED: _l("Left"),
    OrderStatus.CONFIRMED: _l("Confirmed"),
    OrderStatus.VOID: _l("Cancelled"),
    OrderStatus.READY: lazy_pgettext("group buy", "Ready for pickup"),
    OrderStatus.COLLECTED: _l("Collected"),
    OrderStatus.UNCLAIMED: _l("Not collected"),
}

# orders that count toward the buy's quantity, and those still owed to the resident
ACTIVE_ORDER = (OrderStatus.JOINED, OrderStatus.CONFIRMED, OrderStatus.READY, OrderStatus.COLLECTED)


class WaitStatus(enum.StrEnum):
    WAITING = "waiting"
    PROMOTED = "promoted"
    LEFT = "left"
    CLOSED = "closed"  # the buy closed while waiting


group_buy_pickup_points = sa.Table(
    "group_buy_pickup_points",
    db.metadata,
    sa.Column("buy_id", sa.ForeignKey("group_buys.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("pickup_point_id", sa.ForeignKey("pickup_points.id", ondelete="CASCADE"), primary_key=True),
)


class GroupBuy(db.Model):
    """One group buy opened by a leader; prices are in fen (1/100 yuan)."""

    __tablename__ = "group_buys"
    __table_args__ = (
        sa.Index("ix_group_buys_status_deadline", "status", "deadline"),
        sa.Index("ix_group_buys_community_status", "community_id", "status"),
        sa.Index("ix_group_buys_community_deadline", "community_id", "deadline"),  # listing, by deadline
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.String(2000), default="")
    category: Mapped[str] = mapped_column(sa.String(16), default=Category.FRESH)
    unit: Mapped[str] = mapped_column(sa.String(16))
    unit_price_cents: Mapped[int]
    reference_price_cents: Mapped[int | None]
    min_quantity: Mapped[int]
    stock_cap: Mapped[int | None]
    per_person_limit: Mapped[int | None]
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    pickup_from: Mapped[datetime] = mapped_column(UTCDateTime)
    pickup_until: Mapped[datetime] = mapped_column(UTCDateTime)
    commission_bp: Mapped[int] = mapped_column(default=0)  # basis points: 1000 = 10 %
    batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_batches.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(12), default=BuyStatus.OPEN)
    quantity_total: Mapped[int] = mapped_column(default=0)
    participant_count: Mapped[int] = mapped_column(default=0)
    waitlist_count: Mapped[int] = mapped_column(default=0)
    order_seq: Mapped[int] = mapped_column(default=0)  # numbers the orders' references
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    leader = relationship("User")
    photos: Mapped[list["BuyPhoto"]] = relationship(
        back_populates="buy", order_by="BuyPhoto.position", cascade="all, delete-orphan"
    )
    pickup_points = relationship(
        "PickupPoint", secondary=group_buy_pickup_points, order_by="PickupPoint.name"
    )

    @property
    def remaining(self) -> int | None:
        """Units still available, or None without a stock cap."""
        return None if self.stock_cap is None else max(self.stock_cap - self.quantity_total, 0)

    @property
    def is_full(self) -> bool:
        return self.stock_cap is not None and self.quantity_total >= self.stock_cap

    @property
    def progress_percent(self) -> int:
        return min(100, self.quantity_total * 100 // max(self.min_quantity, 1))

    @property
    def reached_minimum(self) -> bool:
        return self.quantity_total >= self.min_quantity


class BuyPhoto(db.Model):
    __tablename__ = "group_buy_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    buy_id: Mapped[int] = mapped_column(sa.ForeignKey("group_buys.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)

    buy: Mapped[GroupBuy] = relationship(back_populates="photos")


class Order(db.Model):
    """A resident's order in a buy: one per person and buy (changing it updates this row).

    `reference` (GB12-0007) is printed on pick lists and scanned at lockers; `pickup_code`
    is set while the order waits at its pickup point and cleared once collected or expired,
    so it is unique among the open codes of that point.
    """

    __tablename__ = "group_orders"
    __table_args__ = (
        sa.UniqueConstraint("buy_id", "user_id"),
        sa.UniqueConstraint("pickup_point_id", "pickup_code"),
        sa.Index("ix_group_orders_buy_status", "buy_id", "status"),
        sa.Index("ix_group_orders_user_status", "user_id", "status"),
        sa.Index("ix_group_orders_user_updated", "user_id", "updated_at"),  # my orders, latest first
        sa.Index("ix_group_orders_point_status", "pickup_point_id", "status", "code_issued_at"),  # kiosk
        sa.Index("ix_group_orders_community_created", "community_id", "created_at"),  # the dashboard
        sa.Index("ix_group_orders_community_collected", "community_id", "collected_at"),  # the dashboard
        sa.Index("ix_group_orders_point_collected_code", "pickup_point_id", "collected_code"),  # 核销 again
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buy_id: Mapped[int] = mapped_column(sa.ForeignKey("group_buys.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    quantity: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    show_building: Mapped[bool] = mapped_column(default=False)
    pickup_point_id: Mapped[int] = mapped_column(sa.ForeignKey("pickup_points.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=OrderStatus.JOINED)
    unit_price_cents: Mapped[int]
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pickup_code: Mapped[str | None] = mapped_column(sa.String(8))
    code_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_via: Mapped[str] = mapped_column(sa.String(16), default="")
    collected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # the code it was collected with (spent: never valid again), so that typing it once more
    # at the point says when and by whom it was handed over
    collected_code: Mapped[str | None] = mapped_column(sa.String(8))
    delegate_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # the number the resident asked to collect for them (代取): kept whether or not it belongs
    # to a neighbour, so the answer never tells who is a member
    delegate_phone: Mapped[str | None] = mapped_column(sa.String(20))
    qr_token: Mapped[str | None] = mapped_column(sa.String(32), unique=True)  # random, with the code
    slot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pickup_slots.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    buy: Mapped[GroupBuy] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    delegate = relationship("User", foreign_keys=[delegate_user_id])
    pickup_point = relationship("PickupPoint")
    slot = relationship("PickupSlot")

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ORDER


class WaitlistEntry(db.Model):
    """Someone waiting for a full buy; promoted in order when quantity frees up."""

    __tablename__ = "group_buy_waitlist"
    __table_args__ = (
        sa.UniqueConstraint("buy_id", "user_id"),
        sa.Index("ix_group_buy_waitlist_buy_status", "buy_id", "status", "created_at"),
        sa.Index("ix_group_buy_waitlist_user_status", "user_id", "status"),  # the buys I wait for
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buy_id: Mapped[int] = mapped_column(sa.ForeignKey("group_buys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    show_building: Mapped[bool] = mapped_column(default=False)
    pickup_point_id: Mapped[int] = mapped_column(sa.ForeignKey("pickup_points.id"))
    status: Mapped[str] = mapped_column(sa.String(12), default=WaitStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    buy: Mapped[GroupBuy] = relationship()
    user = relationship("User")
