"""A snapshot of every table's rows, to show that a refused request stored nothing."""

import sqlalchemy as sa

from portal.core.db import db


def db_snapshot() -> dict:
    db.session.expire_all()
    snapshot = {}
    with db.engine.connect() as connection:
        for name in sa.inspect(connection).get_table_names():
            rows = connection.execute(sa.text(f'SELECT * FROM "{name}"')).all()
            snapshot[name] = sorted(repr(tuple(row)) for row in rows)
    return snapshot
