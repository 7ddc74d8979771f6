"""Every state-changing request needs the CSRF token; without it nothing changes."""

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.access import build_world
from tests.snapshot import db_snapshot
from tests.test_access_matrix import rule_modules


def post_routes():
    for module in rule_modules():
        for route in module.ROUTES:
            if route.method == "POST":
                yield pytest.param(module, route, id=f"{route.endpoint}")


@pytest.mark.parametrize(("module", "route"), list(post_routes()))
def test_post_without_csrf_token_is_refused_and_changes_nothing(app, make, auth, module, route):
    world = build_world(make)
    if hasattr(module, "populate"):
        module.populate(world)
    persona = next(p for p, e in route.expect.items() if e == "ok" or e == 422)
    user = world.people[persona]
    client = auth.login(user) if user is not None else app.test_client()
    data = route.data(world) if route.data else {}
    before = db_snapshot()
    response = client.post(route.url(world), data=data, csrf=False, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Reload the page and try again" in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_every_post_route_is_checked(app):
    posted = {r.endpoint for m in rule_modules() for r in m.ROUTES if r.method == "POST"}
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert post_endpoints <= posted


def test_a_token_from_a_page_open_for_weeks_still_works(app, make, auth, monkeypatch):
    community = make.community()
    client = auth.login(make.member(community).user)
    client.csrf_token()  # puts the raw token into the session, as a page would
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    three_weeks_ago = time.time() - 21 * 24 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: three_weeks_ago)
    old_token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    monkeypatch.undo()
    response = client.post("/invites", headers={"X-CSRFToken": old_token}, csrf=False)
    assert response.status_code == 200
