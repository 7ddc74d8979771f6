"""SQLite takes one write at a time: a request whose write waits out the busy timeout behind
another's lock answers 503 "busy, try again" with Retry-After, and changes nothing.

SQLite's lock is what is tested, so the test makes a SQLite database of its own and runs in the
PostgreSQL pass too."""

import sqlite3

import sqlalchemy as sa

from portal.accounts.models import LoginSession
from portal.core.db import db
from tests.conftest import TEST_PASSWORD, PortalClient, base_config, migrate_to_head
from tests.factories import Factory


def test_a_write_that_waits_out_the_busy_timeout_is_a_503_that_changed_nothing(tmp_path):
    from portal import create_app

    path = tmp_path / "busy.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    busy = create_app({**base_config(f"sqlite:///{path}"), "SQLITE_BUSY_TIMEOUT_MS": 100})
    busy.test_client_class = PortalClient
    with busy.app_context():
        make = Factory(TEST_PASSWORD)
        member = make.member(make.community())
        client = busy.test_client()
        client.get("/login")

        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process is writing
        try:
            response = client.post("/login", data={"phone": member.user.phone, "password": TEST_PASSWORD})
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        # in zh, the default language
        assert "很多邻居正在同时提交，本次没有保存任何内容" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0

        again = client.post("/login", data={"phone": member.user.phone, "password": TEST_PASSWORD})
        assert again.status_code == 303
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 1
        db.session.remove()
        db.engine.dispose()
