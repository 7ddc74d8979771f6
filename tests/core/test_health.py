"""The health check: the database, Redis, the MQTT broker and the ingest, as JSON at /healthz
(200 or 503) and from `flask health` (exit 0 or 1); what each part said only for the platform
admin and the command."""

import json
from datetime import timedelta

import pytest

from portal.core.db import db, utcnow
from portal.lockers.models import IngestStats
from tests.conftest import require_service


@pytest.fixture
def platform_admin(make):
    return make.user(is_platform_admin=True)


def _health(client):
    response = client.get("/healthz")
    return response.status_code, response.get_json()


def test_all_parts_up_and_only_the_platform_admin_reads_the_details(app, client, auth, platform_admin):
    status, report = _health(client)
    assert status == 200 and report["ok"] is True
    assert report["checks"]["database"] == {"ok": True}  # no addresses or engines for strangers
    assert set(report["checks"]) == {"database", "redis", "mqtt", "ingest"}
    status, report = _health(auth.login(platform_admin))
    assert status == 200 and "ms" in report["checks"]["database"]["detail"]
    assert report["checks"]["ingest"]["detail"] == "no ingest (no lockers configured)"


@pytest.mark.redis
def test_redis_is_pinged_when_configured_and_a_dead_one_is_a_503(app, client):
    require_service("Redis", "127.0.0.1", 6379)
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    assert _health(client)[1]["checks"]["redis"]["ok"] is True
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    status, report = _health(client)
    assert status == 503 and report["ok"] is False and report["checks"]["redis"] == {"ok": False}


def test_the_ingest_must_be_subscribed_once_a_broker_is_configured(app, client, auth, platform_admin):
    app.config["MQTT_URL"] = "mqtt://linli-portal:x@127.0.0.1:1/"
    status, report = _health(auth.login(platform_admin))
    assert status == 503
    assert report["checks"]["mqtt"]["ok"] is False  # nothing answers on port 1
    ingest = report["checks"]["ingest"]
    assert ingest == {"ok": False, "detail": "no ingest has run: start `flask lockers ingest`"}
    db.session.add(IngestStats(client_id="linli-portal", connected=True, updated_at=utcnow()))
    db.session.commit()
    assert _health(client)[1]["checks"]["ingest"] == {"ok": True}
    db.session.get(IngestStats, "linli-portal").updated_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    detail = _health(auth.login(platform_admin))[1]["checks"]["ingest"]
    assert detail["ok"] is False and "silent since" in detail["detail"]


def test_the_command_prints_the_report_and_exits_1_when_a_part_is_down(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["health"])
    assert result.exit_code == 0 and json.loads(result.output)["ok"] is True
    app.config["MQTT_URL"] = "mqtt://linli-portal:x@127.0.0.1:1/"
    result = runner.invoke(args=["health"])
    assert result.exit_code == 1 and json.loads(result.output)["checks"]["ingest"]["ok"] is False
