"""SQLite is analysed: after `flask db upgrade` and from time to time by the periodic jobs, so the
query planner knows which index finds few rows (unanalysed, "my orders" walked the community's
orders through the community index)."""

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from bench.world import SMALL, fill
from portal.core import scheduler
from portal.core.db import db, optimize
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's statistics (PostgreSQL's autovacuum analyses)")


def analysed_tables() -> set[str]:
    with db.engine.connect() as connection:
        if not connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
            return set()
        return {table for (table,) in connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")}


def plan(sql: str, **params) -> str:
    with db.engine.connect() as connection:
        return " ".join(row[-1] for row in connection.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"), params))


MY_ORDERS = (
    "SELECT id FROM group_orders WHERE community_id = :c AND user_id = :u AND status != 'cancelled' "
    "ORDER BY updated_at DESC, id DESC LIMIT 21"
)


def test_optimize_analyses_each_table_once_it_has_rows_and_again_when_it_grew(app):
    world = fill(SMALL)
    analysed = optimize()
    assert {"group_orders", "group_buys", "memberships", "points_entries"} <= set(analysed)
    assert {"group_orders", "points_entries"} <= analysed_tables()
    assert optimize() == []  # nothing grew: nothing to do
    user = world.phones["resident"]
    resident = db.session.scalar(sa.text("SELECT id FROM users WHERE phone = :p"), {"p": user})
    assert "ix_group_orders_user_updated" in plan(MY_ORDERS, c=world.community_id, u=resident)
    fill(SMALL.times(30))  # 25 times the orders and more
    assert "group_orders" in optimize()


def test_flask_db_upgrade_analyses(app):
    fill(SMALL)
    assert "group_orders" not in analysed_tables()
    upgrade(revision="heads")  # at head already: only the environment's upkeep runs
    assert "group_orders" in analysed_tables()


def test_the_periodic_jobs_analyse_at_their_first_run_then_at_most_hourly(app, monkeypatch):
    runs = []
    monkeypatch.setattr(scheduler, "optimize", lambda: runs.append(1) or [])
    monkeypatch.setattr(scheduler, "_upkept_at", [])
    job = scheduler.PeriodicJob(app, "test-job", lambda: {"done": 0}, interval=60)
    other = scheduler.PeriodicJob(app, "other-job", lambda: {"done": 0}, interval=60)
    job.sweep_once()
    job.sweep_once()
    other.sweep_once()  # the process's statistics are fresh: the other job leaves them
    assert len(runs) == 1
    scheduler._upkept_at[0] -= scheduler.UPKEEP_SECONDS
    other.sweep_once()
    assert len(runs) == 2


def test_a_busy_database_is_analysed_at_the_next_run(app, monkeypatch, caplog):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    outcomes = [OperationalError("PRAGMA optimize", {}, sqlite3.OperationalError("database is locked")), []]

    def optimize():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(scheduler, "optimize", optimize)
    monkeypatch.setattr(scheduler, "_upkept_at", [])
    job = scheduler.PeriodicJob(app, "test-job", lambda: {"done": 0}, interval=60)
    job.sweep_once()
    assert "the database was busy" in caplog.text and "Traceback" not in caplog.text
    job.sweep_once()
    assert outcomes == []  # asked again at once, not an hour later
