"""Recording a step of a batch's journey through the real form: the event it becomes, the role
it is recorded in, attachments, pickup points with their temperatures, corrections, refusals."""

import hashlib
import json
from datetime import UTC, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.core.db import db, utcnow
from portal.core.localtime import zone
from portal.pickup.models import PickupKind
from portal.trace import chain, sensors
from portal.trace.models import TraceRecord
from tests.groupbuy.helpers import make_point
from tests.trace.helpers import Town, journey, picture_file

EN = {"Accept-Language": "en"}


@pytest.fixture
def town(app, make):
    return Town(make)


@pytest.fixture
def uploads(app, tmp_path):
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


def _wall_clock(hours_ago: float) -> tuple[str, object]:
    """The datetime-local value typed for `hours_ago`, and the UTC moment it means."""
    local = (utcnow() - timedelta(hours=hours_ago)).astimezone(zone()).replace(second=0, microsecond=0)
    return local.strftime("%Y-%m-%dT%H:%M"), local.astimezone(UTC)


def _post(client, batch, **fields):
    typed, _moment = _wall_clock(2)
    data = {
        "biz_step": "harvesting",
        "event_time": typed,
        "where": "阳山 3 号果园",
        "notes": "",
        "quantity": "",
    }
    data.update(fields)
    return client.post(
        f"/trace/batches/{batch.id}/steps", data=data, content_type="multipart/form-data", headers=EN
    )


def _records(batch) -> list[TraceRecord]:
    db.session.expire_all()
    return chain.chain_of(batch.id)


def _event(record) -> dict:
    return json.loads(record.body)


def test_a_step_through_the_form_becomes_an_epcis_event_and_the_chain_holds(town, auth, uploads):
    typed, moment = _wall_clock(3)
    response = _post(
        auth.login(town.admin),
        town.batch,
        biz_step="harvesting",
        event_time=typed,
        where="阳山 3 号果园",
        notes="凌晨 4 点采摘",
        quantity="120",
        attachments=[picture_file("a.png"), picture_file("b.jpg")],
    )
    assert response.status_code == 303
    [record] = _records(town.batch)
    assert response.headers["Location"].endswith(f"/trace/batches/{town.batch.id}?recorded=1#record-1")
    event = _event(record)
    assert event["type"] == "ObjectEvent" and event["bizStep"] == "harvesting"
    assert record.event_time == moment
    assert event["eventTime"] == moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert event["linli:where"] == "阳山 3 号果园" and event["linli:notes"] == "凌晨 4 点采摘"
    assert event["quantityList"] == [
        {"epcClass": f"https://id.gs1.org/01/{town.product.gtin}/10/{town.batch.lot}", "quantity": 120}
    ]
    assert event["linli:recordedAs"] == "admin" and record.recorded_by_id == town.admin.id
    attachments = event["linli:attachments"]
    assert len(attachments) == 2 and all(a["kind"] == "photo" for a in attachments)
    for attachment in attachments:
        stored = (Path(uploads) / attachment["path"]).read_bytes()
        assert (
            attachment["path"].startswith("trace/")
            and attachment["sha256"] == hashlib.sha256(stored).hexdigest()
        )
    assert "readPoint" not in event and "sensorElementList" not in event
    assert chain.verify(town.batch).ok
    page = auth.login(town.admin).get(f"/trace/batches/{town.batch.id}", headers=EN).get_data(as_text=True)
    assert "凌晨 4 点采摘" in page and attachments[0]["path"] in page
    assert "The chain is intact ✓ (1 records)" in page


@pytest.mark.parametrize(("who", "role"), [("contact", "supplier"), ("leader", "leader"), ("admin", "admin")])
def test_the_role_recorded_is_the_recorder_s_relation_to_the_supplier(town, auth, who, role):
    assert _post(auth.login(getattr(town, who)), town.batch).status_code == 303
    [record] = _records(town.batch)
    assert _event(record)["linli:recordedAs"] == role


@pytest.mark.parametrize(
    ("who", "status"), [("other_leader", 403), ("resident", 403), ("outsider_admin", 404)]
)
def test_people_who_may_not_record_change_nothing(town, auth, who, status):
    assert _post(auth.login(getattr(town, who)), town.batch).status_code == status
    assert _records(town.batch) == []


def test_a_correction_through_the_form(town, auth):
    earlier = journey(town.batch)
    client = auth.login(town.leader)
    prefilled = client.get(f"/trace/batches/{town.batch.id}?correct=2", headers=EN).get_data(as_text=True)
    assert "Correct record #2" in prefilled and 'value="阳山 3 号果园"' in prefilled
    refused = _post(client, town.batch, corrects="2", where="阳山 3 号果园", notes="凌晨 3 点采摘")
    assert refused.status_code == 422
    assert "Say what was wrong with the record you correct." in refused.get_data(as_text=True)
    assert len(_records(town.batch)) == 5
    response = _post(client, town.batch, corrects="2", notes="凌晨 3 点采摘", reason="采摘时间记错了")
    assert response.status_code == 303
    records = _records(town.batch)
    correction = records[-1]
    assert correction.seq == 6 and correction.corrects_id == earlier[1].id
    declaration = _event(correction)["errorDeclaration"]
    assert declaration["linli:correctsEventID"] == _event(earlier[1])["eventID"]
    assert declaration["linli:reason"] == "采摘时间记错了" and declaration["reason"] == "incorrect_data"
    assert records[1].body == earlier[1].body  # the corrected record is never changed
    assert chain.verify(town.batch).ok
    page = client.get(f"/trace/batches/{town.batch.id}", headers=EN).get_data(as_text=True)
    assert "Corrects #2: 采摘时间记错了" in page and "Corrected by #6" in page


def test_a_correction_of_another_batch_s_record_is_not_offered(town, auth):
    from tests.trace.helpers import make_batch, record

    other = make_batch(town.product, lot="OTHER1")
    record(other)
    response = _post(auth.login(town.admin), town.batch, corrects="1", reason="不是这批的")
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert _records(town.batch) == []


def test_an_attachment_that_is_not_a_picture_records_nothing(town, auth, uploads):
    response = _post(
        auth.login(town.admin),
        town.batch,
        attachments=[picture_file("fine.png"), picture_file("evil.png", b"<script>alert(1)</script>")],
    )
    assert response.status_code == 422
    assert "This file is not a picture (JPEG, PNG or WebP)." in response.get_data(as_text=True)
    assert _records(town.batch) == []
    assert list((Path(uploads) / "trace").glob("*")) == []  # the good one stored first is removed again


def test_at_most_four_pictures(town, auth, uploads):
    response = _post(
        auth.login(town.admin), town.batch, attachments=[picture_file(f"{n}.png") for n in range(5)]
    )
    assert response.status_code == 422 and "At most 4 photos." in response.get_data(as_text=True)
    assert _records(town.batch) == []


def test_a_step_in_the_future_is_refused(town, auth):
    typed, _moment = _wall_clock(-2)
    response = _post(auth.login(town.admin), town.batch, event_time=typed)
    assert response.status_code == 422
    assert "A step cannot happen in the future." in response.get_data(as_text=True)
    assert _records(town.batch) == []


def test_every_error_at_once(town, auth, uploads):
    journey(town.batch)
    response = _post(
        auth.login(town.admin),
        town.batch,
        biz_step="teleporting",
        event_time="",
        where="",
        quantity="0",
        corrects="3",
        reason="",
        attachments=[picture_file("x.png", b"GIF89a nope")],
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for message in (
        "Not a valid choice",  # what happened
        "When did it happen?",
        "Say where it happened.",
        "Number must be between 1 and",
        "Say what was wrong with the record you correct.",
        "This file is not a picture",
    ):
        assert message in body, message
    assert len(_records(town.batch)) == 5
    assert list((Path(uploads) / "trace").glob("*")) == []


def test_the_htmx_refusal_is_the_form_alone(town, auth, htmx):
    response = auth.login(town.admin).post(
        f"/trace/batches/{town.batch.id}/steps", data={"biz_step": "harvesting"}, headers={**htmx, **EN}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="step-form"') and "<html" not in body


def test_receiving_at_a_pickup_point_carries_its_urn_and_temperatures(town, auth, monkeypatch):
    point = make_point(town.community, "3栋智能柜", kind=PickupKind.LOCKER)
    asked = []

    def provider(batch_id, point_id, until):
        asked.append((batch_id, point_id))
        return [
            {"time": until - timedelta(minutes=10), "value": 4.5, "device": "locker-3"},
            {"time": until - timedelta(minutes=5), "value": 4.0, "device": "locker-3"},
        ]

    monkeypatch.setattr(sensors, "PROVIDERS", [provider])
    response = _post(
        auth.login(town.leader), town.batch, biz_step="receiving", where="", pickup_point=str(point.id)
    )
    assert response.status_code == 303
    [record] = _records(town.batch)
    event = _event(record)
    assert asked == [(town.batch.id, point.id)]
    assert event["readPoint"] == {"id": f"urn:linli:pickup-point:{point.id}"}
    assert event["linli:where"] == "3栋智能柜"  # the point's name when nothing else was typed
    [sensor] = event["sensorElementList"]
    assert [r["value"] for r in sensor["sensorReport"]] == [4.5, 4.0]
    page = auth.login(town.leader).get(f"/trace/batches/{town.batch.id}", headers=EN).get_data(as_text=True)
    assert "2 temperature readings" in page


def test_with_no_provider_a_pickup_point_step_has_no_readings(town, auth, monkeypatch):
    point = make_point(town.community)
    monkeypatch.setattr(sensors, "PROVIDERS", [])
    assert (
        _post(auth.login(town.admin), town.batch, biz_step="storing", pickup_point=str(point.id)).status_code
        == 303
    )
    [record] = _records(town.batch)
    event = _event(record)
    assert (
        event["readPoint"]["id"] == f"urn:linli:pickup-point:{point.id}" and "sensorElementList" not in event
    )


def test_only_the_community_s_pickup_points_and_only_for_receiving_or_storing(town, auth):
    elsewhere = make_point(town.other, "别处的自提点")
    here = make_point(town.community)
    client = auth.login(town.admin)
    foreign = _post(client, town.batch, biz_step="receiving", pickup_point=str(elsewhere.id))
    assert foreign.status_code == 422 and "Not a valid choice" in foreign.get_data(as_text=True)
    shipping = _post(client, town.batch, biz_step="shipping", pickup_point=str(here.id))
    assert shipping.status_code == 422
    assert "Only receiving and storing happen at a pickup point." in shipping.get_data(as_text=True)
    assert _records(town.batch) == []


def test_recording_waits_for_nothing_else_and_counts_on_the_batch(town, auth):
    client = auth.login(town.contact)
    for hours in (5, 4, 3):
        assert _post(client, town.batch, event_time=_wall_clock(hours)[0]).status_code == 303
    db.session.expire_all()
    assert town.batch.record_count == 3
    assert [r.seq for r in _records(town.batch)] == [1, 2, 3]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TraceRecord)) == 3
