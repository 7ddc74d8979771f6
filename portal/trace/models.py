"""Traceability (溯源): suppliers and their products, product batches, and each batch's trace chain.

A batch's trace records form a hash chain (chain.py): a record is never edited or deleted, a
correction is a new record pointing at the one it corrects. The batch row holds the chain's
head; appends lock it. Each day a root over the community's chain heads is published.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class SupplierKind(enum.StrEnum):
    FARM = "farm"
    WORKSHOP = "workshop"
    COOP = "coop"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(SUPPLIER_KIND_LABELS[self])


SUPPLIER_KIND_LABELS = {
    SupplierKind.FARM: _l("Farm"),
    SupplierKind.WORKSHOP: _l("Workshop"),
    SupplierKind.COOP: _l("Co-operative"),
    SupplierKind.OTHER: _l("Other supplier"),
}


class BizStep(enum.StrEnum):
    """The CBV business steps a batch's journey uses (EPCIS 2.0 bare-word form)."""

    COMMISSIONING = "commissioning"  # planted, sown, or a production run started
    HARVESTING = "harvesting"
    INSPECTING = "inspecting"
    PACKING = "packing"
    SHIPPING = "shipping"
    RECEIVING = "receiving"  # at the pickup point
    STORING = "storing"

    @property
    def label(self) -> str:
        return str(BIZ_STEP_LABELS[self])

    @property
    def icon(self) -> str:
        return BIZ_STEP_ICONS[self]


BIZ_STEP_LABELS = {
    BizStep.COMMISSIONING: _l("Planted or started"),
    BizStep.HARVESTING: _l("Harvested"),
    BizStep.INSPECTING: _l("Inspected"),
    BizStep.PACKING: _l("Packed"),
    BizStep.SHIPPING: _l("Shipped"),
    BizStep.RECEIVING: _l("Received at the pickup point"),
    BizStep.STORING: _l("Stored"),
}
BIZ_STEP_ICONS = {
    BizStep.COMMISSIONING: "🌱",
    BizStep.HARVESTING: "🧺",
    BizStep.INSPECTING: "🔬",
    BizStep.PACKING: "📦",
    BizStep.SHIPPING: "🚚",
    BizStep.RECEIVING: "📍",
    BizStep.STORING: "❄️",
}

supplier_leaders = sa.Table(
    "supplier_leaders",
    db.metadata,
    sa.Column("supplier_id", sa.ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Supplier(db.Model):
    """A farm, workshop or co-op that a community's leaders buy from."""

    __tablename__ = "suppliers"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(12), default=SupplierKind.FARM)
    region: Mapped[str] = mapped_column(sa.String(120), default="")  # where it is, shown publicly
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")  # staff only
    # a member who speaks for the supplier in the portal and may record its batches' journeys
    contact_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    leaders = relationship("User", secondary=supplier_leaders, order_by="User.id")
    certificates: Mapped[list["SupplierCertificate"]] = relationship(
        back_populates="supplier", order_by="SupplierCertificate.id", cascade="all, delete-orphan"
    )


class SupplierCertificate(db.Model):
    """A licence, an organic certificate or an inspection report, as an uploaded picture."""

    __tablename__ = "supplier_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(80))
    path: Mapped[str] = mapped_column(sa.String(120))
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supplier: Mapped[Supplier] = relationship(back_populates="certificates")


class Product(db.Model):
    """What a supplier makes or grows; its reviews across all buys and batches form its trust archive.

    `gtin` is the GS1 GTIN-14 of the trace page's address (/t/01/<gtin>/10/<lot>): the supplier's
    own, or one the portal assigns from the restricted-circulation range (prefix 02).
    """

    __tablename__ = "products"
    __table_args__ = (sa.UniqueConstraint("gtin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    gtin: Mapped[str] = mapped_column(sa.String(14))
    unit: Mapped[str] = mapped_column(sa.String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supplier: Mapped[Supplier] = relationship()


class Batch(db.Model):
    """One lot of a product; its trace records chain from `head_hash` back to the first."""

    __tablename__ = "product_batches"
    __table_args__ = (sa.UniqueConstraint("product_id", "lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    lot: Mapped[str] = mapped_column(sa.String(20))  # GS1 AI (10): up to 20 characters
    produced_on: Mapped[date | None] = mapped_column(sa.Date)  # harvest or production date
    best_before: Mapped[date | None] = mapped_column(sa.Date)
    quantity: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    record_count: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(sa.String(64), default="")

    product: Mapped[Product] = relationship()


class TraceRecord(db.Model):
    """One step of a batch's journey: an EPCIS 2.0 ObjectEvent as canonical JSON, chained by hash.

    `body` is the event exactly as hashed; the columns beside it are copies for querying.
    """

    __tablename__ = "trace_records"
    __table_args__ = (sa.Index("ix_trace_records_batch_seq", "batch_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("product_batches.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1, 2, 3 … along the chain
    biz_step: Mapped[str] = mapped_column(sa.String(16))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("trace_records.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class DailyRoot(db.Model):
    """A day's root over the community's chain heads, published on the kiosk and the trace pages.

    `leaves` keeps the sorted leaf hashes so that a trace page can prove its batch is under it.
    """

    __tablename__ = "trace_daily_roots"
    __table_args__ = (sa.UniqueConstraint("community_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    root: Mapped[str] = mapped_column(sa.String(64))
    leaves: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TraceView(db.Model):
    """How often a batch's public trace page was opened on a day (溯源查询率)."""

    __tablename__ = "trace_views"
    __table_args__ = (sa.UniqueConstraint("batch_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("product_batches.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    views: Mapped[int] = mapped_column(default=0)
