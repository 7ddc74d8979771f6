"""What group buying asks of traceability: the batches a leader may sell, a buy's trace summary,
and the trace pages' addresses for QR codes on the buy and the pick list."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.core.db import db
from portal.core.localtime import today
from portal.trace import chain
from portal.trace.models import Batch, BizStep, Product, Supplier, TraceRecord, supplier_leaders
from portal.trace.services import trace_url

OFFERED_BATCHES = 100  # the buy form's choice: the newest batches still good to sell


def _usable(leader_id: int, community_id: int):
    return (
        sa.select(Batch)
        .join(Product, Product.id == Batch.product_id)
        .join(supplier_leaders, supplier_leaders.c.supplier_id == Product.supplier_id)
        .where(Batch.community_id == community_id, supplier_leaders.c.user_id == leader_id)
    )


def usable_batches(leader_id: int, community_id: int, keep: int | None = None) -> list[Batch]:
    """The batches of the suppliers the leader may use, not past their best-before (and `keep`,
    the buy's own batch, whatever its date), newest first, bounded."""
    fresh = sa.or_(Batch.best_before.is_(None), Batch.best_before >= today())
    query = (
        _usable(leader_id, community_id)
        .where(sa.or_(fresh, Batch.id == (keep or 0)))
        .options(joinedload(Batch.product).joinedload(Product.supplier))
        .order_by(Batch.created_at.desc(), Batch.id.desc())
        .limit(OFFERED_BATCHES)
    )
    return list(db.session.scalars(query).unique())


def may_use_batch(leader_id: int, community_id: int, batch_id: int) -> bool:
    usable = _usable(leader_id, community_id).where(Batch.id == batch_id).limit(1)
    return db.session.scalar(usable) is not None


def batch_label(batch: Batch) -> str:
    return f"{batch.product.name} · {batch.lot} · {batch.product.supplier.name}"


@dataclass(frozen=True)
class TraceSummary:
    """A buy's batch in a few lines: where it comes from, how far its journey is recorded, and
    whether its chain holds."""

    batch: Batch
    product: Product
    supplier: Supplier
    steps: int
    last: TraceRecord | None
    verdict: chain.Verdict
    url: str

    @property
    def best_before(self) -> date | None:
        return self.batch.best_before

    @property
    def last_step(self) -> str:
        return BizStep(self.last.biz_step).label if self.last else ""


def summary(batch_id: int | None) -> TraceSummary | None:
    """Three queries whatever the journey's length (at most chain.MAX_RECORDS records)."""
    if batch_id is None:
        return None
    batch = db.session.scalar(
        sa.select(Batch)
        .where(Batch.id == batch_id)
        .options(joinedload(Batch.product).joinedload(Product.supplier))
    )
    if batch is None:
        return None
    records = chain.chain_of(batch.id)
    return TraceSummary(
        batch=batch,
        product=batch.product,
        supplier=batch.product.supplier,
        steps=len(records),
        last=records[-1] if records else None,
        verdict=chain.verify(batch, records),
        url=trace_url(batch.product.gtin, batch.lot),
    )


def trace_links(batch_ids: set[int]) -> dict[int, tuple[str, str, str]]:
    """{batch id: (gtin, lot, product name)} for a page of buys, in one query."""
    if not batch_ids:
        return {}
    rows = db.session.execute(
        sa.select(Batch.id, Product.gtin, Batch.lot, Product.name)
        .join(Product, Product.id == Batch.product_id)
        .where(Batch.id.in_(batch_ids))
    )
    return {batch_id: (gtin, lot, name) for batch_id, gtin, lot, name in rows}
