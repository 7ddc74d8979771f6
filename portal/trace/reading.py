"""What the public trace page shows and exports, read from a batch's chain.

The journey, the temperatures and the corrections are read from the records' bodies (what the
hashes cover), never from the copies beside them. The page names no person: who recorded a
step shows only as the role the event carries (supplier, leader, admin); the supplier shows
its public fields (name, kind, region), never its contact. The JSON export is an EPCIS 2.0
document with the chain's exact bodies beside the events, the verifier's verdict and the daily
root's proof, which scripts/verify_trace.py re-checks with the standard library alone.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.core import localtime
from portal.core.db import db
from portal.trace import chain, epcis
from portal.trace.journey import JourneyStep, journey, moment, parse, text
from portal.trace.models import Batch, DailyRoot, Product, Supplier, TraceRecord, TraceView

MAX_TABLE_READINGS = 500  # the readings table beside the chart; the JSON has them all


@dataclass
class Reading:
    time: datetime
    value: float
    device: str
    seq: int  # the record that carries it


@dataclass
class TracePage:
    batch: Batch
    product: Product
    supplier: Supplier
    records: list[TraceRecord]
    steps: list[JourneyStep]
    verdict: chain.Verdict
    readings: list[Reading]
    root: DailyRoot | None
    proof: dict | None  # {"seq", "leaf", "included", "proof"}: this batch under the root

    @property
    def table_readings(self) -> list[Reading]:
        return self.readings[:MAX_TABLE_READINGS]


# --- loading ----------------------------------------------------------------------------------


def trace_page(batch: Batch, product: Product, supplier: Supplier) -> TracePage:
    """Everything the page shows: the chain (one query, at most chain.MAX_RECORDS records), its
    verdict, the journey and temperatures read from it, and the community's latest root."""
    records = db.session.scalars(
        sa.select(TraceRecord)
        .where(TraceRecord.batch_id == batch.id)
        .order_by(TraceRecord.seq, TraceRecord.id)
        .limit(chain.MAX_RECORDS + 1)
    ).all()
    verdict = chain.verify(batch, records)
    steps = journey(records, verdict)
    root = chain.latest_root(batch.community_id)
    proof = chain.inclusion(root, product.gtin, batch.lot, records) if root else None
    return TracePage(batch, product, supplier, records, steps, verdict, readings_of(records), root, proof)


def readings_of(records: list[TraceRecord]) -> list[Reading]:
    """The cold-chain temperatures the events carry (sensorReport, gs1:Temperature in CEL), in time
    order; a reading recorded again by a later record (a correction) counts once."""
    found: dict[tuple[str, datetime], Reading] = {}
    for record in records:
        event = parse(record.body)
        elements = event.get("sensorElementList") if event else None
        for element in elements if isinstance(elements, list) else []:
            if not isinstance(element, dict):
                continue
            metadata = element.get("sensorMetadata")
            device = text(metadata.get("deviceID")) if isinstance(metadata, dict) else ""
            reports = element.get("sensorReport")
            for report in reports if isinstance(reports, list) else []:
                reading = _reading(report, device, record.seq)
                if reading is not None:
                    found[(reading.device, reading.time)] = reading
    return sorted(found.values(), key=lambda r: (r.time, r.device))


def _reading(report, device: str, seq: int) -> Reading | None:
    if not isinstance(report, dict) or report.get("type") != "gs1:Temperature":
        return None
    if report.get("uom", epcis.CELSIUS) != epcis.CELSIUS:
        return None
    value, when = report.get("value"), moment(report.get("time"))
    if isinstance(value, bool) or not isinstance(value, int | float) or when is None:
        return None
    return Reading(when, float(value), device, seq)


# --- the JSON export --------------------------------------------------------------------------


def document(page: TracePage) -> dict:
    """The EPCIS 2.0 document of the batch, with what re-verifying it needs."""
    batch, product = page.batch, page.product
    root = None
    if page.root is not None:
        root = {
            "day": page.root.day.isoformat(),
            "root": page.root.root,
            "publishedAt": epcis.timestamp(page.root.created_at),
            **(page.proof or {"seq": None, "leaf": None, "included": None, "proof": []}),
        }
    return {
        "@context": epcis.CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": epcis.timestamp(datetime.now(UTC)),
        "epcisBody": {"eventList": [parse(r.body) for r in page.records]},
        "linli:chain": [
            {"seq": r.seq, "prev_hash": r.prev_hash, "hash": r.hash, "body": r.body} for r in page.records
        ],
        "linli:verification": page.verdict.as_dict(),
        "linli:dailyRoot": root,
        "linli:batch": {
            "gtin": product.gtin,
            "lot": batch.lot,
            "epcClass": epcis.class_uri(product.gtin, batch.lot),
            "product": product.name,
            "supplier": page.supplier.name,
            "region": page.supplier.region,
            "produced_on": batch.produced_on.isoformat() if batch.produced_on else None,
            "best_before": batch.best_before.isoformat() if batch.best_before else None,
            "records": batch.record_count,
            "head": batch.head_hash,
        },
    }


# --- counting views ---------------------------------------------------------------------------


def count_view(batch_id: int, community_id: int) -> None:
    """One more view of the batch's page today (the community's day): a conditional UPDATE, or
    the day's first row; two first views at once meet at the unique key and the later adds one."""
    day = localtime.today()
    bump = (
        sa.update(TraceView)
        .where(TraceView.batch_id == batch_id, TraceView.day == day)
        .values(views=TraceView.views + 1)
    )
    if db.session.execute(bump).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(TraceView(batch_id=batch_id, community_id=community_id, day=day, views=1))
    except IntegrityError:
        db.session.execute(bump)
