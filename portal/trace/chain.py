"""The trace chain: canonical JSON, record hashes, locked appends, the verifier and the daily root.

A record's hash is SHA-256 over `prev_hash + "\\n" + body`, where body is the event's canonical
JSON (keys sorted, no spaces, UTF-8) and prev_hash is the previous record's hash (64 zeros for
the first). The daily root is a Merkle root over the leaves sha256("<gtin>/<lot>:<head hash>")
of the community's batches, sorted. scripts/verify_trace.py re-checks both from the public
JSON with nothing but the standard library; keep the two in step.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.core.db import begin_write, db, utcnow
from portal.core.errors import DomainError
from portal.trace.models import Batch, DailyRoot, Product, TraceRecord

GENESIS = "0" * 64
MAX_RECORDS = 200  # a batch's journey; beyond it something is wrong


def canonical(event: dict) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- appending ------------------------------------------------------------------------------


def _locked_head(batch_id: int) -> tuple[int, str]:
    """The chain's length and head, with the batch locked until the transaction ends.

    SQLite: BEGIN IMMEDIATE (begin_write) holds the database's write lock; PostgreSQL: the
    batch row's FOR UPDATE lock. Either way a second append waits and then sees this one.
    """
    begin_write()
    return db.session.execute(
        sa.select(Batch.record_count, Batch.head_hash).where(Batch.id == batch_id).with_for_update()
    ).one()


def _unlocked_head(batch_id: int) -> tuple[int, str]:
    """CONTROL ONLY (TRACE_CHAIN_LOCK=False): the head read apart from the write, as a naive
    append would; the race test shows that this forks the chain."""
    with db.engine.connect() as connection:
        head = connection.execute(
            sa.select(Batch.record_count, Batch.head_hash).where(Batch.id == batch_id)
        ).one()
    return head


def append(
    batch: Batch, event: dict, *, by_user_id: int | None, corrects: TraceRecord | None = None
) -> TraceRecord:
    """Add an event at the chain's head. Call before other writes of the unit of work."""
    if current_app.config.get("TRACE_CHAIN_LOCK", True):
        count, head = _locked_head(batch.id)
    else:
        count, head = _unlocked_head(batch.id)
        begin_write()
    if count >= MAX_RECORDS:
        raise DomainError(_l("This batch already has %(n)s records.", n=MAX_RECORDS))
    body = canonical(event)
    digest = record_hash(head or GENESIS, body)
    record = TraceRecord(
        batch_id=batch.id,
        seq=count + 1,
        biz_step=event["bizStep"],
        event_time=datetime.fromisoformat(event["eventTime"]),
        recorded_at=utcnow(),
        recorded_by_id=by_user_id,
        corrects_id=corrects.id if corrects else None,
        body=body,
        prev_hash=head or GENESIS,
        hash=digest,
    )
    db.session.add(record)
    db.session.execute(
        sa.update(Batch).where(Batch.id == batch.id).values(record_count=count + 1, head_hash=digest)
    )
    db.session.flush()
    db.session.expire(batch, ["record_count", "head_hash"])
    return record


# --- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the verifier found: ok, or the first broken link (its position along the chain)."""

    count: int
    broken_at: int | None = None  # 1-based position of the first record that does not hold
    # "changed": the record's hash does not cover its body; "link": it does not point at the
    # record before it; "missing": a record before it is gone; "fork": two records share its
    # position; "head": the chain ends before the batch's head (its last records are gone)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    @property
    def message(self) -> str:
        """What a reader is told: nothing yet, 链完整 ✓, or which record breaks and how (the one
        wording of the verifier's finding, for every page)."""
        if self.ok and not self.count:
            return _l("Nothing recorded yet.")
        if self.ok:
            return _l("The chain is intact ✓ (%(n)s records)", n=self.count)
        return PROBLEMS[self.problem] % {"n": self.broken_at}

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "count": self.count,
            "broken_at": self.broken_at,
            "problem": self.problem or None,
        }


PROBLEMS = {
    "changed": _l("Record %(n)s was changed after it was recorded."),
    "link": _l("Record %(n)s does not follow the record before it."),
    "missing": _l("Record %(n)s is missing from the chain."),
    "fork": _l("Two records claim position %(n)s."),
    "head": _l("The chain ends before its last record (%(n)s is missing)."),
}


def verify_links(links: list[dict], head_hash: str, record_count: int) -> Verdict:
    """Walk records given as {"seq", "prev_hash", "hash", "body"} in chain order."""
    previous = GENESIS
    for position, link in enumerate(links, start=1):
        if link["seq"] < position:
            return Verdict(len(links), position, "fork")
        if link["seq"] > position:
            return Verdict(len(links), position, "missing")
        if link["prev_hash"] != previous:
            return Verdict(len(links), position, "link")
        if record_hash(previous, link["body"]) != link["hash"]:
            return Verdict(len(links), position, "changed")
        previous = link["hash"]
    if len(links) != record_count or (links and previous != head_hash):
        return Verdict(len(links), len(links) + 1, "head")
    return Verdict(len(links))


def chain_of(batch_id: int) -> list[TraceRecord]:
    return db.session.scalars(
        sa.select(TraceRecord)
        .where(TraceRecord.batch_id == batch_id)
        .order_by(TraceRecord.seq, TraceRecord.id)
    ).all()


def verify(batch: Batch, records: list[TraceRecord] | None = None) -> Verdict:
    records = chain_of(batch.id) if records is None else records
    links = [{"seq": r.seq, "prev_hash": r.prev_hash, "hash": r.hash, "body": r.body} for r in records]
    return verify_links(links, batch.head_hash, batch.record_count)


# --- the daily root ---------------------------------------------------------------------------


def leaf(gtin: str, lot: str, head_hash: str) -> str:
    return _sha(f"{gtin}/{lot}:{head_hash}")


def _parents(level: list[str]) -> list[str]:
    """One level up the tree: each pair hashed together, an odd last one carried up as it is."""
    return [
        _sha(level[i] + level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)
    ]


def merkle_root(leaves: list[str]) -> str:
    level = list(leaves)
    if not level:
        return _sha("")
    while len(level) > 1:
        level = _parents(level)
    return level[0]


def merkle_proof(leaves: list[str], index: int) -> list[dict]:
    """The sibling hashes from leaf `index` up to the root: [{"side": "left"|"right", "hash"}]."""
    proof, level = [], list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append({"side": "left" if sibling < index else "right", "hash": level[sibling]})
        level = _parents(level)
        index //= 2
    return proof


def publish_root(community_id: int, day: date) -> DailyRoot:
    """Fix the day's root over the community's chain heads as they stand now (once per day)."""
    existing = db.session.scalar(
        sa.select(DailyRoot).where(DailyRoot.community_id == community_id, DailyRoot.day == day)
    )
    if existing:
        return existing
    heads = db.session.execute(
        sa.select(Product.gtin, Batch.lot, Batch.head_hash)
        .join(Product, Product.id == Batch.product_id)
        .where(Batch.community_id == community_id, Batch.record_count > 0)
    ).all()
    leaves = sorted(leaf(*row) for row in heads)
    root = DailyRoot(community_id=community_id, day=day, root=merkle_root(leaves), leaves="\n".join(leaves))
    try:
        with db.session.begin_nested():
            db.session.add(root)
    except IntegrityError:  # another sweeper published it first
        return db.session.scalars(
            sa.select(DailyRoot).where(DailyRoot.community_id == community_id, DailyRoot.day == day)
        ).one()
    return root


def latest_root(community_id: int) -> DailyRoot | None:
    return db.session.scalar(
        sa.select(DailyRoot)
        .where(DailyRoot.community_id == community_id)
        .order_by(DailyRoot.day.desc())
        .limit(1)
    )


def inclusion(root: DailyRoot, gtin: str, lot: str, records: list[TraceRecord]) -> dict | None:
    """The proof that the batch's chain, as it stood when the root was fixed, is under the root;
    None when the batch had no record yet then.

    The head is looked for among the records up to the root's time from the newest back: a step
    whose transaction began before the root was fixed and committed after it is not under it,
    the one before it is.
    """
    earlier = [r for r in records if r.recorded_at <= root.created_at]
    if not earlier:
        return None
    leaves = root.leaves.split("\n") if root.leaves else []
    places = {value: index for index, value in enumerate(leaves)}
    for record in reversed(earlier):
        wanted = leaf(gtin, lot, record.hash)
        if wanted in places:
            return {
                "seq": record.seq,
                "leaf": wanted,
                "included": True,
                "proof": merkle_proof(leaves, places[wanted]),
            }
    head = earlier[-1]
    return {"seq": head.seq, "leaf": leaf(gtin, lot, head.hash), "included": False, "proof": []}
