"""Appends from four processes at once make one linear chain (SQLite, and PostgreSQL with
PORTAL_TEST_DATABASE_URL). The control switches the lock off (TRACE_CHAIN_LOCK=False: the head
read apart from the write) and makes every process read the same head: the chain forks, which
shows that this test catches a missing lock."""

import sqlalchemy as sa

from portal.core.db import db
from portal.trace import chain
from portal.trace.models import Batch, TraceRecord
from tests.race import run_at_once
from tests.trace import chain_client
from tests.trace.helpers import make_batch, make_product, make_supplier

PROCESSES = 4
APPENDS = 12


def _race(database_url: str, batch_id: int, appends: int, locked: bool) -> list:
    arguments = (database_url, batch_id, appends, locked)
    return run_at_once(chain_client.run, [arguments] * PROCESSES)


def _chain(batch_id: int):
    db.session.rollback()  # see what the processes committed
    return db.session.get(Batch, batch_id), chain.chain_of(batch_id)


def test_concurrent_appends_make_one_linear_chain(app, make, database_url):
    batch = make_batch(make_product(make_supplier(make.community())))
    reports = _race(database_url, batch.id, APPENDS, locked=True)
    assert [failure for _made, failures in reports for failure in failures] == []
    batch, records = _chain(batch.id)
    assert [r.seq for r in records] == list(range(1, PROCESSES * APPENDS + 1))
    assert len({r.prev_hash for r in records}) == len(records)  # no two records share a parent
    assert chain.verify(batch, records).ok
    assert sorted(seq for made, _failures in reports for seq in made) == [r.seq for r in records]


def test_control_without_the_lock_the_chain_forks(app, make, database_url):
    batch = make_batch(make_product(make_supplier(make.community())))
    reports = _race(database_url, batch.id, 1, locked=False)
    assert [failure for _made, failures in reports for failure in failures] == []
    batch, records = _chain(batch.id)
    parents = db.session.scalars(
        sa.select(TraceRecord.prev_hash).where(TraceRecord.batch_id == batch.id)
    ).all()
    assert len(records) == PROCESSES and set(parents) == {chain.GENESIS}  # four children of one parent
    verdict = chain.verify(batch, records)
    assert (verdict.ok, verdict.problem) == (False, "fork")
