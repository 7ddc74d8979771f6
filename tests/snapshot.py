"""A snapshot of every table's rows, to show that a refused request stored nothing."""

import sqlalchemy as sa

from portal.core.db import db


def db_snapshot() -> dict:
    db.session.expire_all()
    snapshot = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(sa.select(table)).all()
            snapshot[table.name] = sorted(repr(tuple(row)) for row in rows)
    return snapshot
