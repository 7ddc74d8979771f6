"""The trace chain: a valid chain, a record changed or deleted in the database, a correction."""

import json

import sqlalchemy as sa

from portal.core.db import db
from portal.trace import chain, services
from portal.trace.models import TraceRecord
from tests.trace.helpers import correct_inspection, journey, make_batch, make_product, make_supplier


def _batch(make):
    return make_batch(make_product(make_supplier(make.community())))


def _verdict(batch):
    db.session.expire_all()
    return chain.verify(batch)


def test_a_journey_is_one_linear_chain(app, make):
    batch = _batch(make)
    records = journey(batch)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == chain.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(records, records[1:], strict=False))
    assert batch.head_hash == records[-1].hash and batch.record_count == 5
    verdict = _verdict(batch)
    assert verdict.ok and verdict.count == 5


def test_the_hash_covers_the_canonical_event(app, make):
    batch = _batch(make)
    first = journey(batch)[0]
    event = json.loads(first.body)
    assert event["type"] == "ObjectEvent" and event["bizStep"] == "commissioning"
    assert event["quantityList"][0]["epcClass"].startswith("https://id.gs1.org/01/020")
    assert event["eventTime"].endswith("Z")
    assert first.body == chain.canonical(event)
    assert first.hash == chain.record_hash(chain.GENESIS, first.body)


def test_a_record_changed_in_the_database_is_found_with_its_position(app, make):
    batch = _batch(make)
    records = journey(batch)
    forged = records[2].body.replace("农残快检合格", "农残快检优秀")
    db.session.execute(sa.update(TraceRecord).where(TraceRecord.id == records[2].id).values(body=forged))
    db.session.commit()
    verdict = _verdict(batch)
    assert (verdict.ok, verdict.broken_at, verdict.problem) == (False, 3, "changed")


def test_a_change_with_its_hash_recomputed_breaks_the_next_link(app, make):
    batch = _batch(make)
    records = journey(batch)
    forged = records[1].body.replace("凌晨 4 点", "凌晨 3 点")
    db.session.execute(
        sa.update(TraceRecord)
        .where(TraceRecord.id == records[1].id)
        .values(body=forged, hash=chain.record_hash(records[1].prev_hash, forged))
    )
    db.session.commit()
    verdict = _verdict(batch)
    assert (verdict.broken_at, verdict.problem) == (3, "link")


def test_a_deleted_record_is_found(app, make):
    batch = _batch(make)
    records = journey(batch)
    db.session.execute(sa.delete(TraceRecord).where(TraceRecord.id == records[1].id))
    db.session.commit()
    verdict = _verdict(batch)
    assert (verdict.ok, verdict.broken_at, verdict.problem) == (False, 2, "missing")


def test_deleting_the_last_records_is_found_at_the_head(app, make):
    batch = _batch(make)
    records = journey(batch)
    db.session.execute(sa.delete(TraceRecord).where(TraceRecord.id == records[-1].id))
    db.session.commit()
    verdict = _verdict(batch)
    assert (verdict.broken_at, verdict.problem) == (5, "head")


def test_a_correction_is_a_new_record_and_the_chain_holds(app, make):
    batch = _batch(make)
    records = journey(batch)
    correction = correct_inspection(batch, records[2])
    assert correction.seq == 6 and correction.corrects_id == records[2].id
    declared = json.loads(correction.body)["errorDeclaration"]
    assert declared["linli:correctsEventID"] == json.loads(records[2].body)["eventID"]
    assert db.session.get(TraceRecord, records[2].id).body == records[2].body  # never edited
    assert _verdict(batch).ok


def test_the_daily_root_proves_a_batch_is_under_it(app, make):
    community = make.community()
    supplier = make_supplier(community)
    batches = [make_batch(make_product(supplier, name=f"产品{i}"), lot=f"L{i}") for i in range(5)]
    for batch in batches:
        journey(batch)
    root = chain.publish_root(community.id, services.utcnow().date())
    db.session.commit()
    leaves = root.leaves.split("\n")
    assert len(leaves) == 5 and root.root == chain.merkle_root(leaves)
    target = batches[3]
    proof = chain.inclusion(root, target.product.gtin, target.lot, chain.chain_of(target.id))
    assert proof["included"] and proof["seq"] == 5
    node = proof["leaf"]
    for sibling in proof["proof"]:
        node = chain._sha(sibling["hash"] + node if sibling["side"] == "left" else node + sibling["hash"])
    assert node == root.root
    assert chain.publish_root(community.id, root.day).id == root.id  # once a day
