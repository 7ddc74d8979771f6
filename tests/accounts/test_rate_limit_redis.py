"""With several processes, login limits are counted in Redis: every process sees every attempt."""

import uuid

import pytest
import redis

from portal import create_app
from portal.core.db import db
from tests.conftest import PortalClient, base_config, require_service

pytestmark = pytest.mark.redis


def test_failed_logins_count_across_processes(database_url, make, app):
    require_service("Redis", "127.0.0.1", 6379)
    user = make.member(make.community()).user
    config = {
        **base_config(database_url),
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"linli-test-{uuid.uuid4().hex}",
        "LOGIN_RATE_LIMIT": "3 per minute",
    }
    first, second = create_app(config), create_app(config)
    for instance in (first, second):
        instance.test_client_class = PortalClient
    wrong = {"phone": user.phone, "password": "wrong"}
    assert first.test_client().post("/login", data=wrong).status_code == 422
    assert second.test_client().post("/login", data=wrong).status_code == 422
    assert first.test_client().post("/login", data=wrong).status_code == 422
    assert second.test_client().post("/login", data=wrong).status_code == 429
    # the count lives in Redis (where other processes see it), not in this process's memory
    stored = redis.Redis.from_url("redis://127.0.0.1:6379/0").keys(f"LIMITS:LIMITER/{config['RATELIMIT_KEY_PREFIX']}/*")
    assert stored
    for instance in (first, second):  # their pools hold connections: close them now, not at GC
        with instance.app_context():
            db.engine.dispose()
