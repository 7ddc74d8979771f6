"""Every route × persona × (page, htmx request) answers as the access rules say.

On SQLite the whole matrix runs: a case asks as a page and then as an htmx request in the same
world, except a POST that succeeds, which changes the world, so it gets a world for each. On
PostgreSQL, where only the queries can answer differently, each route runs once per distinct
answer (its first persona with that answer, as a page): every route's allowed and refused paths.
"""

import importlib
import pkgutil
from pathlib import Path

import pytest

from tests.access import PERSONAS, build_world
from tests.conftest import PG_URL

TESTS = Path(__file__).parent


def rule_modules():
    modules = [importlib.import_module("tests.access_rules")]
    for info in pkgutil.iter_modules([str(TESTS)]):
        if info.ispkg and (TESTS / info.name / "access_rules.py").exists():
            modules.append(importlib.import_module(f"tests.{info.name}.access_rules"))
    return modules


def all_cases():
    for module in rule_modules():
        for route in module.ROUTES:
            line = route.url.__code__.co_firstlineno
            answers = set()
            for persona, expected in route.expect.items():
                if PG_URL:
                    if expected in answers:
                        continue
                    answers.add(expected)
                    asks = [(False,)]
                elif route.method == "POST" and expected == "ok":
                    asks = [(False,), (True,)]
                else:
                    asks = [(False, True)]
                for htmx in asks:
                    kind = "+".join("htmx" if h else "page" for h in htmx)
                    case_id = f"{route.method} {line}:{route.endpoint}-{persona}-{kind}"
                    yield pytest.param(module, route, persona, expected, htmx, id=case_id)


def test_every_route_is_in_the_matrix(app):
    covered = {(r.endpoint, r.method) for m in rule_modules() for r in m.ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == []


def test_every_route_covers_the_basic_personas():
    for module in rule_modules():
        for route in module.ROUTES:
            assert set(PERSONAS) <= set(route.expect), f"{route.endpoint} {route.method}"


@pytest.mark.parametrize(("module", "route", "persona", "expected", "asks"), list(all_cases()))
def test_access(app, make, auth, module, route, persona, expected, asks):
    world = build_world(make)
    if hasattr(module, "populate"):
        module.populate(world)
    user = world.people[persona]
    url = route.url(world)
    for htmx in asks:
        client = auth.login(user) if user is not None else app.test_client()
        headers = {"HX-Request": "true"} if htmx else {}
        data = route.data(world) if route.data else {}
        response = client.open(url, method=route.method, data=data, headers=headers)
        assert_answer(response, expected, htmx)


def assert_answer(response, expected, htmx):
    status = response.status_code
    location = response.headers.get("HX-Redirect" if htmx else "Location", "")
    went_to_login = location.startswith("/login")
    if expected == "login":
        if htmx:
            assert status == 401 and went_to_login, (status, dict(response.headers))
        else:
            assert status == 302 and went_to_login, (status, location)
    elif expected == "ok":
        assert 200 <= status < 400 and not went_to_login, (
            status,
            location,
            response.get_data(as_text=True)[:300],
        )
        if "html" in response.content_type:  # WTForms writes an attribute given None as "None"
            assert '="None"' not in response.get_data(as_text=True)
    else:
        assert status == expected, (status, location, response.get_data(as_text=True)[:300])
        if htmx and status in (403, 404):
            assert response.headers.get("HX-Retarget") == "#main"
            assert "<html" not in response.get_data(as_text=True)
