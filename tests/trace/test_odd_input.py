"""The trace forms with every field odd in turn (tests/test_odd_input.py's values), the others
valid: never a 5xx. The shared corpus cannot fill these forms in (GTINs, lot codes, a member's
number), so they are filled here with values that pass."""

from datetime import timedelta

import pytest

from portal.core.db import utcnow
from portal.core.localtime import to_wall_clock
from portal.extensions import limiter
from tests.test_odd_input import ODD_VALUES
from tests.trace.helpers import Town


@pytest.fixture
def town(app, make):
    limiter.enabled = False
    yield Town(make)
    limiter.enabled = True


def _forms(town):
    step_time = to_wall_clock(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    return [
        (
            "/trace/suppliers/new",
            {
                "name": "茶山合作社",
                "kind": "coop",
                "region": "福建",
                "description": "茶园",
                "contact_name": "林师傅",
                "contact_phone": "0599-5551234",
                "contact_member_phone": town.resident.phone,
                "leaders": str(town.leader.id),
            },
        ),
        (f"/trace/suppliers/{town.supplier.id}/products/new", {"name": "白茶", "unit": "饼", "gtin": ""}),
        (f"/trace/products/{town.product.id}/edit", {"name": "白茶", "unit": "饼"}),
        (
            f"/trace/products/{town.product.id}/batches/new",
            {"lot": "T-1", "produced_on": "2026-04-01", "best_before": "2027-04-01", "quantity": "5"},
        ),
        (
            f"/trace/batches/{town.batch.id}/steps",
            {
                "biz_step": "packing",
                "event_time": step_time,
                "where": "分拣间",
                "notes": "",
                "quantity": "3",
                "pickup_point": "0",
                "corrects": "0",
                "reason": "",
            },
        ),
        (f"/trace/suppliers/{town.supplier.id}/certificates", {"title": "执照", "valid_until": "2027-01-01"}),
    ]


def _cases(town):
    """(path, data) with one field odd; names and lot codes made unique, so that a post the
    odd value does not stop reaches the database rather than a clash with the one before."""
    n = 0
    for path, form in _forms(town):
        for field in form:
            for odd in ODD_VALUES:
                n += 1
                unique = {key: f"{form[key]}{n}" for key in ("name", "lot") if key in form}
                yield path, {**form, **unique, field: odd}


def test_odd_values_in_every_trace_form_never_answer_a_5xx(town, auth):
    client = auth.login(town.admin)
    failures = []
    for path, data in _cases(town):
        response = client.post(path, data=data)
        if response.status_code >= 500:
            failures.append(f"{path} {data} -> {response.status_code}")
    assert failures == []


def test_the_filled_in_forms_pass(town, auth):
    """The control: with nothing odd each form goes through (the certificate wants a picture)."""
    client = auth.login(town.admin)
    statuses = [client.post(path, data=form).status_code for path, form in _forms(town)]
    assert statuses == [303, 303, 303, 303, 303, 422]
