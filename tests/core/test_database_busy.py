"""SQLite takes one write at a time: a request whose write waits out the busy timeout behind
another's lock answers 503 "busy, try again" with Retry-After, and changes nothing."""

import sqlite3

import pytest
import sqlalchemy as sa

from portal.accounts.models import LoginSession
from portal.core.db import db
from tests.conftest import PG_URL, TEST_PASSWORD, PortalClient, base_config

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock (PostgreSQL locks rows)")


def test_a_write_that_waits_out_the_busy_timeout_is_a_503_that_changed_nothing(app, make, database_url):
    from portal import create_app

    member = make.member(make.community())
    busy = create_app({**base_config(database_url), "SQLITE_BUSY_TIMEOUT_MS": 100})
    busy.test_client_class = PortalClient
    client = busy.test_client()
    client.get("/login")
    db.session.commit()

    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        response = client.post("/login", data={"phone": member.user.phone, "password": TEST_PASSWORD})
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert "很多邻居正在同时提交，本次没有保存任何内容" in response.get_data(as_text=True)  # zh, the default
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0

    again = client.post("/login", data={"phone": member.user.phone, "password": TEST_PASSWORD})
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 1
    with busy.app_context():
        db.engine.dispose()
