"""A person's traceability data: the steps they recorded and the suppliers they speak for in the
download; deleting the account keeps the records and unnames the person on the suppliers."""

import json

import pytest
import sqlalchemy as sa

from portal.core.db import db
from portal.trace import chain
from portal.trace.models import Supplier, TraceRecord, supplier_leaders
from tests.conftest import TEST_PASSWORD
from tests.trace.helpers import Town, journey


@pytest.fixture
def town(app, make):
    return Town(make)


def test_the_download_lists_steps_recorded_and_suppliers_spoken_for(town, auth):
    journey(town.batch, by=town.contact)
    response = auth.login(town.contact).get("/me/data.json")
    assert response.status_code == 200
    section = json.loads(response.get_data(as_text=True))["sections"]["trace"]
    steps = section["recorded_steps"]
    assert len(steps) == 5
    assert {s["lot"] for s in steps} == {town.batch.lot} and steps[0]["product"] == "阳山水蜜桃"
    assert [s["seq"] for s in steps] == [5, 4, 3, 2, 1]  # newest first
    assert steps[-1]["step"] == "commissioning" and steps[-1]["event_time"].endswith("Z")
    assert section["contact_of_suppliers"] == [
        {"supplier": town.supplier.name, "region": town.supplier.region}
    ]
    leader = json.loads(auth.login(town.leader).get("/me/data.json").get_data(as_text=True))
    assert leader["sections"]["trace"] == {
        "recorded_steps": [],
        "contact_of_suppliers": [],
        "leader_of_suppliers": [town.supplier.name],
    }


def test_deleting_the_account_keeps_the_records_and_unnames_the_person(town, auth):
    journey(town.batch, by=town.contact)
    for user in (town.contact, town.leader):
        response = auth.login(user).post("/me/delete", data={"password": TEST_PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    supplier = db.session.get(Supplier, town.supplier.id)
    assert supplier.contact_user_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(supplier_leaders)) == 0
    records = chain.chain_of(town.batch.id)
    assert len(records) == 5 and {r.recorded_by_id for r in records} == {town.contact.id}
    assert chain.verify(town.batch).ok
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TraceRecord)) == 5
