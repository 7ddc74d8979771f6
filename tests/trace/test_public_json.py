"""The trace page's JSON export, re-verified by the documented script (scripts/verify_trace.py,
run as anyone would: a separate Python process on a saved file)."""

import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from portal.core.db import db
from portal.trace import chain, epcis
from portal.trace.models import BizStep, TraceRecord
from portal.trace.scheduler import publish_roots
from tests.trace.helpers import journey, make_batch, make_product, make_supplier, record, rewrite_chain

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_trace.py"


def _export(client, batch) -> dict:
    response = client.get(
        f"/t/01/{batch.product.gtin}/10/{batch.lot}", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"]
    return response.get_json()


def _verify(tmp_path, document: dict) -> subprocess.CompletedProcess:
    saved = tmp_path / "trace.json"
    saved.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(saved)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _community_with_batches(make, count=5):
    community = make.community()
    supplier = make_supplier(community)
    batches = [make_batch(make_product(supplier, name=f"产品{i}"), lot=f"L{i}") for i in range(count)]
    for batch in batches:
        journey(batch)
    return community, batches


def test_the_export_is_an_epcis_document_of_the_exact_stored_bodies(app, make, client):
    _community, batches = _community_with_batches(make, 1)
    batch = batches[0]
    record(
        batch,
        BizStep.STORING,
        hours_ago=0.1,
        readings=[{"time": chain.utcnow(), "value": 4.5, "device": "urn:linli:locker:t-1:C01"}],
    )
    document = _export(client, batch)
    assert document["@context"] == epcis.CONTEXT
    assert (document["type"], document["schemaVersion"]) == ("EPCISDocument", "2.0")
    assert document["creationDate"].endswith("Z")
    stored = chain.chain_of(batch.id)
    assert [link["body"] for link in document["linli:chain"]] == [r.body for r in stored]
    assert [link["hash"] for link in document["linli:chain"]] == [r.hash for r in stored]
    assert document["epcisBody"]["eventList"] == [json.loads(r.body) for r in stored]
    assert document["linli:verification"] == {"ok": True, "count": 6, "broken_at": None, "problem": None}
    assert document["linli:dailyRoot"] is None
    assert (
        document["linli:batch"]["gtin"] == batch.product.gtin and document["linli:batch"]["lot"] == batch.lot
    )
    report = document["epcisBody"]["eventList"][-1]["sensorElementList"][0]["sensorReport"][0]
    assert (report["type"], report["value"], report["uom"]) == ("gs1:Temperature", 4.5, "CEL")


def test_a_good_chain_verifies_with_its_daily_root(app, make, client, tmp_path):
    _community, batches = _community_with_batches(make, 4)
    publish_roots()
    document = _export(client, batches[3])
    root = document["linli:dailyRoot"]
    assert root["included"] and len(root["proof"]) == 2  # a leaf of four: two siblings up to the root
    result = _verify(tmp_path, document)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain intact ✓ (5 records" in result.stdout
    assert (
        f"root ✓ records 1–5 are under the daily root of {document['linli:dailyRoot']['day']}"
        in result.stdout
    )


def test_a_chain_without_a_root_yet_verifies_and_says_so(app, make, client, tmp_path):
    _community, batches = _community_with_batches(make, 1)
    result = _verify(tmp_path, _export(client, batches[0]))
    assert result.returncode == 0, result.stdout
    assert "no daily root has been published" in result.stdout


def test_a_tampered_export_fails_naming_the_record(app, make, client, tmp_path):
    _community, batches = _community_with_batches(make, 1)
    publish_roots()
    good = _export(client, batches[0])

    changed = json.loads(json.dumps(good))
    changed["linli:chain"][2]["body"] = changed["linli:chain"][2]["body"].replace("合格", "优秀")
    result = _verify(tmp_path, changed)
    assert result.returncode == 1 and "BROKEN at record 3: its hash does not cover its body" in result.stdout

    event_only = json.loads(json.dumps(good))  # the shown event differs from what was sealed
    event_only["epcisBody"]["eventList"][1]["linli:notes"] = "凌晨 3 点采摘"
    result = _verify(tmp_path, event_only)
    assert result.returncode == 1 and "BROKEN at record 2: the event in eventList differs" in result.stdout

    dropped = json.loads(json.dumps(good))
    del dropped["linli:chain"][1], dropped["epcisBody"]["eventList"][1]
    result = _verify(tmp_path, dropped)
    assert result.returncode == 1 and "BROKEN at record 2: missing" in result.stdout

    cut = json.loads(json.dumps(good))
    del cut["linli:chain"][-1], cut["epcisBody"]["eventList"][-1]
    result = _verify(tmp_path, cut)
    assert result.returncode == 1 and "record 5: the chain ends before the batch's head" in result.stdout

    forged_root = json.loads(json.dumps(good))
    forged_root["linli:dailyRoot"]["root"] = "f" * 64
    result = _verify(tmp_path, forged_root)
    assert (
        result.returncode == 1
        and "BROKEN: record 5: the proof does not lead to the daily root" in result.stdout
    )


def test_a_record_tampered_in_the_database_fails_the_script(app, make, client, tmp_path):
    _community, batches = _community_with_batches(make, 3)
    publish_roots()
    records = chain.chain_of(batches[1].id)
    forged = records[3].body.replace("每箱 5 斤", "每箱 6 斤")
    db.session.execute(sa.update(TraceRecord).where(TraceRecord.id == records[3].id).values(body=forged))
    db.session.commit()
    document = _export(client, batches[1])
    assert document["linli:verification"]["broken_at"] == 4
    result = _verify(tmp_path, document)
    assert result.returncode == 1
    assert "BROKEN at record 4: its hash does not cover its body" in result.stdout


def test_a_chain_rewritten_with_fresh_hashes_fails_at_the_root(app, make, client, tmp_path):
    """Someone with database access recomputes every hash and the batch's head: the chain holds
    together, but it is no longer the one under the root that the kiosk showed."""
    _community, batches = _community_with_batches(make, 2)
    publish_roots()
    batch = batches[0]
    rewrite_chain(batch)
    document = _export(client, batch)
    assert document["linli:verification"]["ok"] and document["linli:dailyRoot"]["included"] is False
    result = _verify(tmp_path, document)
    assert result.returncode == 1 and "chain intact ✓" in result.stdout
    assert "BROKEN: the batch's chain as of record 5 is not under the daily root" in result.stdout


def test_the_page_offers_the_script_itself(app, client):
    response = client.get("/t/verify_trace.py")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data() == SCRIPT.read_bytes()


def test_the_script_refuses_what_is_not_a_trace_document(tmp_path):
    result = _verify(tmp_path, {"hello": "world"})
    assert result.returncode == 2 and "cannot read a trace document" in result.stdout
    help_text = subprocess.run(
        [sys.executable, "-I", str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert help_text.returncode == 2 and "Re-verify a Linli trace page" in help_text.stdout
