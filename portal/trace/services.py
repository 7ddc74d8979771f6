"""Suppliers, products and batches, and recording a step of a batch's journey."""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.community.models import Membership, Role
from portal.core.db import db, utcnow
from portal.core.errors import DomainError
from portal.trace import chain, epcis
from portal.trace.models import Batch, BizStep, Product, Supplier, TraceRecord, supplier_leaders

GTIN = re.compile(r"[0-9]{14}")  # the shapes of a trace address's parts
LOT = re.compile(r"[A-Za-z0-9._-]{1,20}")  # GS1 AI (10), as the portal accepts it
GTIN_PREFIX = "020"  # indicator 0 + GS1 prefix 20: restricted circulation, for the portal's own numbers


def gtin_check_digit(first13: str) -> str:
    """The GS1 mod-10 check digit (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(first13)))
    return str((10 - total % 10) % 10)


def is_gtin14(value: str) -> bool:
    return len(value) == 14 and value.isdigit() and gtin_check_digit(value[:13]) == value[13]


def assigned_gtin(product_id: int) -> str:
    first13 = f"{GTIN_PREFIX}{product_id:010d}"
    return first13 + gtin_check_digit(first13)


@dataclass
class Step:
    """What a person records of a batch's journey (the form's data)."""

    biz_step: str
    event_time: datetime  # aware
    where: str
    notes: str = ""
    quantity: int | None = None
    read_point: str | None = None  # a pickup point's URN, for receiving and storing there
    attachments: list[dict] = field(default_factory=list)  # [{"path", "sha256", "kind"}]
    readings: list[dict] = field(default_factory=list)  # [{"time", "value", "device"}]


def record_step(
    batch: Batch,
    step: Step,
    *,
    by_user_id: int | None,
    role: str,
    corrects: TraceRecord | None = None,
    reason: str = "",
) -> TraceRecord:
    """Append a step to the batch's chain. role: "supplier" | "leader" | "admin" — shown publicly
    instead of the person."""
    if step.biz_step not in set(BizStep):
        raise DomainError(_l("Choose what happened."), "biz_step")
    if step.event_time > utcnow():
        raise DomainError(_l("A step cannot happen in the future."), "event_time")
    if corrects is not None and corrects.batch_id != batch.id:
        raise DomainError(_l("A correction belongs to the same batch."))
    product = db.session.get(Product, batch.product_id)
    event = epcis.object_event(
        biz_step=step.biz_step,
        event_time=step.event_time,
        gtin=product.gtin,
        lot=batch.lot,
        quantity=step.quantity,
        where=step.where,
        role=role,
        notes=step.notes,
        read_point=step.read_point,
        attachments=step.attachments,
        readings=step.readings,
        corrects_event_id=event_id_of(corrects) if corrects else None,
        correction_reason=reason,
    )
    return chain.append(batch, event, by_user_id=by_user_id, corrects=corrects)


def event_id_of(record: TraceRecord) -> str:
    return json.loads(record.body)["eventID"]


def batch_at(gtin: str, lot: str) -> tuple[Batch, Product, Supplier] | None:
    """The batch a trace address names, with its product and supplier (one query); None for an
    address of the wrong shape or no batch."""
    if not GTIN.fullmatch(gtin) or not LOT.fullmatch(lot):
        return None
    row = db.session.execute(
        sa.select(Batch, Product, Supplier)
        .join(Product, Product.id == Batch.product_id)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .where(Product.gtin == gtin, Batch.lot == lot)
    ).first()
    return tuple(row) if row else None


def trace_url(gtin: str, lot: str, external: bool = False) -> str:
    """The batch's public trace page, a GS1 Digital Link: /t/01/<gtin>/10/<lot> (portal/trace/
    public.py's endpoint "trace.public"); external for QR codes and the JSON's address."""
    return url_for("trace.public", gtin=gtin, lot=lot, _external=external)


# --- who may do what ------------------------------------------------------------------------
# The one written rule of the staff side (pages, forms and the groupbuy side ask it here):
# - see a supplier, its products, batches and journeys: the community's admins and leaders, and
#   the supplier's contact member (a resident who speaks for the farm);
# - manage them (add products and batches, record steps): admins, the leaders the supplier is
#   allowed to (supplier_leaders) while they hold the LEADER role, and the contact member;
# - change the supplier itself (its details, certificates, leaders, contact): admins only.
# Everyone else in the community gets 403; another community's objects answer 404.


def is_contact(membership: Membership | None, supplier: Supplier) -> bool:
    return (
        membership is not None
        and membership.is_active
        and membership.community_id == supplier.community_id
        and supplier.contact_user_id == membership.user_id
    )


def is_allowed_leader(membership: Membership | None, supplier: Supplier) -> bool:
    """A leader of the community whom the supplier is open to."""
    if membership is None or membership.community_id != supplier.community_id:
        return False
    if not membership.has(Role.LEADER):
        return False
    return bool(
        db.session.scalar(
            sa.select(sa.literal(1)).where(
                supplier_leaders.c.supplier_id == supplier.id,
                supplier_leaders.c.user_id == membership.user_id,
            )
        )
    )


def is_staff(membership: Membership | None) -> bool:
    """Admins and leaders: they see every supplier of their community."""
    return membership is not None and (membership.has(Role.ADMIN) or membership.has(Role.LEADER))


def may_view(membership: Membership | None, supplier: Supplier) -> bool:
    if membership is None or membership.community_id != supplier.community_id:
        return False
    return is_staff(membership) or is_contact(membership, supplier)


def may_manage(membership: Membership | None, supplier: Supplier) -> bool:
    """May add products and batches to the supplier and record its batches' steps."""
    return recorder_role(membership, supplier) is not None


def recorder_role(membership: Membership | None, supplier: Supplier) -> str | None:
    """The role a step is recorded in ("supplier", "leader", "admin"; shown publicly instead of
    the person), or None when the person may not record for this supplier."""
    if membership is None or membership.community_id != supplier.community_id:
        return None
    if is_contact(membership, supplier):
        return "supplier"
    if is_allowed_leader(membership, supplier):
        return "leader"
    if membership.has(Role.ADMIN):
        return "admin"
    return None
