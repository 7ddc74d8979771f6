"""After-sales cases (售后), their event rows, the money ledger, per-order claimed quantities and
the report windows per category.

A case moves along two independent axes, each a small state machine (services.py):
  resolution  reported → offered → accepted | rejected → (offered again | escalated); reported →
              escalated (no offer in time, the sweeper); escalated → offered (admins or the leader)
  settlement  none → claimed → settled | written_off (what the supplier owes the leader)
Every transition is one conditional UPDATE and one CaseEvent row. Money is LedgerEntry rows,
never changed once written (a correction is a new row that names the one it corrects).
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, db, utcnow


class Reason(enum.StrEnum):
    DAMAGED = "damaged"
    SPOILED = "spoiled"
    MISSING = "missing"
    WRONG_ITEM = "wrong_item"
    QUALITY = "quality"
    OTHER = "other"


REASON_LABELS = {
    Reason.DAMAGED: _l("Damaged"),
    Reason.SPOILED: _l("Spoiled"),
    Reason.MISSING: _l("Missing"),
    Reason.WRONG_ITEM: _l("Wrong item"),
    Reason.QUALITY: _l("Poor quality"),
    Reason.OTHER: _l("Other"),
}


class Resolution(enum.StrEnum):
    REPORTED = "reported"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ESCALATED = "escalated"


RESOLUTION_LABELS = {  # a context of their own: "Reported", "Resolved" mean other things elsewhere
    Resolution.REPORTED: lazy_pgettext("after-sales", "Reported"),
    Resolution.OFFERED: lazy_pgettext("after-sales", "Offer made"),
    Resolution.ACCEPTED: lazy_pgettext("after-sales", "Resolved"),
    Resolution.REJECTED: lazy_pgettext("after-sales", "Offer rejected"),
    Resolution.ESCALATED: lazy_pgettext("after-sales", "With the admins"),
}

OPEN_RESOLUTIONS = (Resolution.REPORTED, Resolution.OFFERED, Resolution.REJECTED, Resolution.ESCALATED)


class Settlement(enum.StrEnum):
    NONE = "none"
    CLAIMED = "claimed"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"


SETTLEMENT_LABELS = {
    Settlement.NONE: _l("Not claimed"),
    Settlement.CLAIMED: _l("Claimed from the supplier"),
    Settlement.SETTLED: _l("Settled by the supplier"),
    Settlement.WRITTEN_OFF: _l("Written off"),
}


class OfferKind(enum.StrEnum):
    REFUND = "refund"
    REPLACEMENT = "replacement"
    POINTS = "points"


OFFER_LABELS = {
    OfferKind.REFUND: _l("Refund"),
    OfferKind.REPLACEMENT: _l("Replacement"),
    OfferKind.POINTS: _l("Points"),
}


class Axis(enum.StrEnum):
    RESOLUTION = "resolution"
    SETTLEMENT = "settlement"
    PAYMENT = "payment"  # the refund marked paid (not a state: a fact on the timeline)


class LedgerKind(enum.StrEnum):
    REFUND_OWED = "refund_owed"  # + owed to the resident
    REFUND_PAID = "refund_paid"  # − paid to the resident
    SUPPLIER_RECEIVABLE = "supplier_receivable"  # + the supplier owes the leader
    SUPPLIER_SETTLED = "supplier_settled"  # − the supplier paid
    WRITTEN_OFF = "written_off"  # − given up
    COMMISSION_ADJUSTMENT = "commission_adjustment"  # the leader's commission on refunded goods
    CORRECTION = "correction"  # corrects another row; counts on that row's account


LEDGER_LABELS = {
    LedgerKind.REFUND_OWED: _l("Refund owed to the resident"),
    LedgerKind.REFUND_PAID: _l("Refund paid"),
    LedgerKind.SUPPLIER_RECEIVABLE: _l("Claimed from the supplier"),
    LedgerKind.SUPPLIER_SETTLED: _l("Paid by the supplier"),
    LedgerKind.WRITTEN_OFF: _l("Written off"),
    LedgerKind.COMMISSION_ADJUSTMENT: _l("Commission adjustment"),
    LedgerKind.CORRECTION: _l("Correction"),
}


class Account(enum.StrEnum):
    RESIDENT = "resident"  # refund owed to the resident
    SUPPLIER = "supplier"  # the leader's receivable from the supplier
    COMMISSION = "commission"  # adjustments to the leader's commission


ACCOUNT_OF = {
    LedgerKind.REFUND_OWED: Account.RESIDENT,
    LedgerKind.REFUND_PAID: Account.RESIDENT,
    LedgerKind.SUPPLIER_RECEIVABLE: Account.SUPPLIER,
    LedgerKind.SUPPLIER_SETTLED: Account.SUPPLIER,
    LedgerKind.WRITTEN_OFF: Account.SUPPLIER,
    LedgerKind.COMMISSION_ADJUSTMENT: Account.COMMISSION,
}


class Case(db.Model):
    """One problem a resident reported with a collected order."""

    __tablename__ = "aftersales_cases"
    __table_args__ = (
        sa.Index("ix_aftersales_cases_community_resolution", "community_id", "resolution", "created_at"),
        sa.Index("ix_aftersales_cases_leader_resolution", "leader_id", "resolution", "created_at"),
        sa.Index("ix_aftersales_cases_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("group_orders.id", ondelete="CASCADE"), index=True)
    buy_id: Mapped[int] = mapped_column(sa.ForeignKey("group_buys.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))  # the resident
    leader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    supplier_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("suppliers.id", ondelete="SET NULL"), index=True
    )
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at_pickup: Mapped[bool] = mapped_column(default=False)  # 现场验货: reported at the handover
    reason: Mapped[str] = mapped_column(sa.String(16))
    quantity: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    photos: Mapped[list] = mapped_column(sa.JSON, default=list)
    resolution: Mapped[str] = mapped_column(sa.String(12), default=Resolution.REPORTED)
    settlement: Mapped[str] = mapped_column(sa.String(12), default=Settlement.NONE)
    offer_kind: Mapped[str | None] = mapped_column(sa.String(12))
    offer_cents: Mapped[int] = mapped_column(default=0)
    offer_points: Mapped[int] = mapped_column(default=0)
    offer_note: Mapped[str] = mapped_column(sa.String(300), default="")
    reject_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    resident_escalated: Mapped[bool] = mapped_column(default=False)  # once only
    claim_cents: Mapped[int] = mapped_column(default=0)  # what the supplier was asked for
    refund_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_method: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order = relationship("Order")
    buy = relationship("GroupBuy")
    supplier = relationship("Supplier")
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.resolution in OPEN_RESOLUTIONS

    @property
    def reference(self) -> str:
        return f"AS{self.id:05d}"


class CaseEvent(db.Model):
    """One transition of a case on one axis: who, from → to, an amount, a note, when."""

    __tablename__ = "aftersales_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("aftersales_cases.id", ondelete="CASCADE"), index=True)
    axis: Mapped[str] = mapped_column(sa.String(12))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )  # None: the system
    from_state: Mapped[str] = mapped_column(sa.String(12), default="")
    to_state: Mapped[str] = mapped_column(sa.String(12))
    amount_cents: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class LedgerEntry(db.Model):
    """A movement of money (fen, signed) on one account of a case; written once, never changed."""

    __tablename__ = "aftersales_ledger"
    __table_args__ = (sa.Index("ix_aftersales_ledger_supplier_account", "supplier_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("aftersales_cases.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id", ondelete="CASCADE"))
    supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    account: Mapped[str] = mapped_column(sa.String(12))
    amount_cents: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("aftersales_ledger.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(LedgerEntry, "before_update")
def _ledger_is_append_only(_mapper, _connection, target) -> None:
    raise RuntimeError(f"ledger row {target.id} cannot change; add a correction instead")


class OrderClaim(db.Model):
    """How much of an order its cases cover; `reported_quantity` only grows by a conditional
    UPDATE that keeps it within the collected quantity."""

    __tablename__ = "aftersales_order_claims"

    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("group_orders.id", ondelete="CASCADE"), primary_key=True
    )
    reported_quantity: Mapped[int] = mapped_column(default=0)


class ReportWindow(db.Model):
    """How long after pickup a problem may be reported, per category (admins set it)."""

    __tablename__ = "aftersales_windows"

    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    hours: Mapped[int]
