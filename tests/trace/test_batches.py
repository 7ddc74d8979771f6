"""Batches: lot codes (GS1 AI 10) checked and unique per product, dates in order, the community's
batches newest first and by supplier, the batch page with its verdict and public link."""

from datetime import date

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.core.paging import PER_PAGE
from portal.trace import chain
from portal.trace.models import Batch, TraceRecord
from portal.trace.services import trace_url
from tests.trace.helpers import Town, journey, make_batch, make_product, make_supplier

EN = {"Accept-Language": "en"}


@pytest.fixture
def town(app, make):
    return Town(make)


def _new_batch(client, product, **fields):
    data = {"lot": "YS-2026.07_B", "produced_on": "2026-07-10", "best_before": "2026-07-20", "quantity": "80"}
    data.update(fields)
    return client.post(f"/trace/products/{product.id}/batches/new", data=data, headers=EN)


def test_a_leader_adds_a_batch(town, auth):
    response = _new_batch(auth.login(town.leader), town.product)
    assert response.status_code == 303
    batch = db.session.scalar(sa.select(Batch).where(Batch.lot == "YS-2026.07_B"))
    assert response.headers["Location"].endswith(f"/trace/batches/{batch.id}")
    assert (batch.produced_on, batch.best_before, batch.quantity) == (
        date(2026, 7, 10),
        date(2026, 7, 20),
        80,
    )
    assert batch.community_id == town.community.id and batch.record_count == 0


@pytest.mark.parametrize("lot", ["有中文", "with space", "a" * 21, "semi;colon", "slash/"])
def test_a_lot_code_outside_gs1_ai_10_is_refused_in_place(town, auth, lot):
    response = _new_batch(auth.login(town.admin), town.product, lot=lot)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "field-error" in body and ("A lot code has 1 to 20 letters" in body or "20 characters" in body)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 1


def test_a_lot_code_is_unique_per_product_only(town, auth):
    client = auth.login(town.admin)
    taken = _new_batch(client, town.product, lot=town.batch.lot)
    assert taken.status_code == 422
    assert "This product has a batch with this lot code already." in taken.get_data(as_text=True)
    other_product = make_product(town.supplier, name="阳山黄桃")
    assert _new_batch(client, other_product, lot=town.batch.lot).status_code == 303


def test_best_before_cannot_come_before_production(town, auth):
    response = _new_batch(
        auth.login(town.contact), town.product, produced_on="2026-07-10", best_before="2026-07-09"
    )
    assert response.status_code == 422
    assert "Best before cannot be earlier than the production date." in response.get_data(as_text=True)


def test_the_batch_form_shows_every_error_at_once(town, auth):
    response = _new_batch(
        auth.login(town.admin), town.product, lot=town.batch.lot, best_before="2026-07-01", quantity="0"
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "lot code already" in body and "Best before cannot be earlier" in body
    assert "Number must be between 1 and" in body


def test_the_htmx_refusal_is_the_form_alone(town, auth, htmx):
    client = auth.login(town.admin)
    response = client.post(
        f"/trace/products/{town.product.id}/batches/new", data={"lot": ""}, headers={**htmx, **EN}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="batch-form"') and "<html" not in body


def test_another_leader_cannot_add_a_batch(town, auth):
    assert _new_batch(auth.login(town.other_leader), town.product).status_code == 403
    assert _new_batch(auth.login(town.resident), town.product).status_code == 403
    assert _new_batch(auth.login(town.outsider_admin), town.product).status_code == 404


def test_the_community_s_batches_newest_first_by_supplier_and_paged(town, auth, make):
    other = make_supplier(town.community, name="茶山合作社")
    tea = make_product(other, name="白茶")
    for n in range(PER_PAGE):
        make_batch(tea, lot=f"TEA{n:02d}")
    make_batch(make_product(make_supplier(town.other, name="别处的农场")), lot="ELSEWHERE")
    client = auth.login(town.leader)
    first = client.get("/trace/batches").get_data(as_text=True)
    assert first.index("TEA19") < first.index("TEA18")
    assert "ELSEWHERE" not in first and town.batch.lot not in first and "page=2" in first
    second = client.get("/trace/batches?page=2").get_data(as_text=True)
    assert town.batch.lot in second
    peaches = client.get(f"/trace/batches?supplier={town.supplier.id}").get_data(as_text=True)
    assert town.batch.lot in peaches and "TEA" not in peaches
    elsewhere = db.session.scalar(sa.select(Batch).where(Batch.lot == "ELSEWHERE"))
    assert client.get(f"/trace/batches?supplier={elsewhere.product.supplier_id}").status_code == 404


def test_a_contact_member_sees_only_their_supplier_s_batches(town, auth):
    make_batch(make_product(make_supplier(town.community, name="茶山合作社"), name="白茶"), lot="TEA01")
    body = auth.login(town.contact).get("/trace/batches").get_data(as_text=True)
    assert town.batch.lot in body and "TEA01" not in body
    assert auth.login(town.resident).get("/trace/batches").status_code == 403


def test_the_batch_page_shows_the_journey_the_verdict_and_the_public_link(town, auth, app):
    journey(town.batch, by=town.contact)
    client = auth.login(town.leader)
    body = client.get(f"/trace/batches/{town.batch.id}", headers=EN).get_data(as_text=True)
    assert "The chain is intact ✓ (5 records)" in body
    for label in ("Planted or started", "Harvested", "Inspected", "Packed", "Shipped"):
        assert label in body
    assert "农残快检合格" in body and "Recorded by: Supplier" in body
    assert f'href="/t/01/{town.product.gtin}/10/{town.batch.lot}"' in body
    assert 'id="step-form"' in body


def test_a_changed_record_shows_where_the_chain_breaks(town, auth):
    records = journey(town.batch)
    forged = records[2].body.replace("农残快检合格", "农残快检优秀")
    db.session.execute(sa.update(TraceRecord).where(TraceRecord.id == records[2].id).values(body=forged))
    db.session.commit()
    body = auth.login(town.admin).get(f"/trace/batches/{town.batch.id}", headers=EN).get_data(as_text=True)
    assert "Record 3 was changed after it was recorded." in body
    assert not chain.verify(town.batch).ok
    step = body[body.index('id="record-3"') : body.index('id="record-4"')]
    assert "This record does not verify." in step and body.count("This record does not verify.") == 1


def test_an_unreadable_body_is_a_step_marked_unreadable(town, auth):
    records = journey(town.batch)
    db.session.execute(sa.update(TraceRecord).where(TraceRecord.id == records[1].id).values(body="{not json"))
    db.session.commit()
    client = auth.login(town.admin)
    response = client.get(f"/trace/batches/{town.batch.id}", headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Record 2 was changed after it was recorded." in body
    step = body[body.index('id="record-2"') :]
    assert step.index("This record cannot be read") < step.index("</li>")
    assert "correct=2" not in body and "correct=3" in body  # an unreadable record is not offered to correct
    assert client.get(f"/trace/batches/{town.batch.id}?correct=2", headers=EN).status_code == 200


def test_a_viewer_who_may_not_record_sees_no_form(town, auth):
    body = auth.login(town.other_leader).get(f"/trace/batches/{town.batch.id}").get_data(as_text=True)
    assert 'id="step-form"' not in body


def test_the_public_link_is_the_digital_link_path(town, app):
    gtin, lot = town.product.gtin, town.batch.lot
    with app.test_request_context():
        assert trace_url(gtin, lot) == f"/t/01/{gtin}/10/{lot}"
        external = trace_url(gtin, lot, external=True)
    assert external.startswith("http") and external.endswith(f"/t/01/{gtin}/10/{lot}")
