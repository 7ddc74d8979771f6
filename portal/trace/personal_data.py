"""The steps of batches' journeys a person recorded, and the suppliers they speak for.

Recorded steps stay after a deletion: they are links of a hash chain (changing who recorded
them is no change to the chain, but the public page never names the person anyway, only the
role recorded in). The suppliers no longer name the person as their contact member or leader.
"""

import sqlalchemy as sa

from portal.core.db import db
from portal.core.personal_data import columns, latest
from portal.trace.models import (
    BIZ_STEP_LABELS,
    Batch,
    BizStep,
    Product,
    Supplier,
    TraceRecord,
    supplier_leaders,
)


def export(user, limit: int | None = None) -> dict:
    steps = db.session.execute(
        latest(
            sa.select(TraceRecord, Batch.lot, Product.name, Product.gtin)
            .join(Batch, Batch.id == TraceRecord.batch_id)
            .join(Product, Product.id == Batch.product_id)
            .where(TraceRecord.recorded_by_id == user.id),
            TraceRecord.id,
            limit,
        )
    )
    suppliers = db.session.scalars(
        sa.select(Supplier).where(Supplier.contact_user_id == user.id).order_by(Supplier.id)
    )
    led = db.session.scalars(
        sa.select(Supplier.name)
        .join(supplier_leaders, supplier_leaders.c.supplier_id == Supplier.id)
        .where(supplier_leaders.c.user_id == user.id)
        .order_by(Supplier.id)
    )
    return {
        "recorded_steps": [
            {
                "product": name,
                "gtin": gtin,
                "lot": lot,
                "seq": r.seq,
                "step": r.biz_step,
                "step_label": str(BIZ_STEP_LABELS.get(BizStep(r.biz_step), r.biz_step))
                if r.biz_step in set(BizStep)
                else r.biz_step,
                **columns(r, "event_time", "recorded_at"),
            }
            for r, lot, name, gtin in steps
        ],
        "contact_of_suppliers": [{"supplier": s.name, "region": s.region} for s in suppliers],
        "leader_of_suppliers": list(led),
    }


def erase(user) -> None:
    """The suppliers keep their records and no longer name the person as their contact or
    among the leaders who may use them."""
    db.session.execute(sa.delete(supplier_leaders).where(supplier_leaders.c.user_id == user.id))
    db.session.execute(
        sa.update(Supplier)
        .where(Supplier.contact_user_id == user.id)
        .values(contact_user_id=None)
        .execution_options(synchronize_session="fetch")
    )
