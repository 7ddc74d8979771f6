"""Database session setup: typed models, SQLite tuned for concurrent writers, UTC times."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def configure_engine(engine: sa.Engine, busy_timeout_ms: int = 10_000) -> None:
    """SQLite: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for write transactions.

    pysqlite starts transactions late and never as IMMEDIATE, so a read-then-write transaction
    fails with "database is locked" instead of waiting; we issue BEGIN ourselves.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = connection.get_execution_options().get("write_transaction")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def one_of(column, values: list):
    """`column IN values` for a long list: on PostgreSQL one array parameter (`= ANY(...)`), so
    the statement is the same text whatever the number of values and the driver parses it once,
    not a placeholder per value each time."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def insert_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows of one table in the session's transaction, as fast as the database
    allows: COPY on PostgreSQL (no statement to build and parse for each batch), one executemany
    elsewhere. Every row names the same columns; the table's own defaults fill the rest."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    processors = [(name, table.c[name].type.bind_processor(connection.dialect)) for name in columns]
    names = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([process(row[name]) if process else row[name] for name, process in processors])


def begin_write() -> None:
    """Start the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call before the first query of a unit of work that will write. A read-only transaction
    already open is ended first; one with pending changes is a programming error. Within a
    write transaction it does nothing, so a service may ask for one whoever began the work.
    """
    session = db.session()
    if session.info.get(WRITING):
        return  # the unit of work began as a write transaction already
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() after changes were made")
        session.commit()
    session.connection(execution_options={"write_transaction": True})
    session.info[WRITING] = True


WRITING = "linli.write_transaction"  # set on a session's info by begin_write until the transaction ends


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WRITING, None)


GROWTH_TO_REANALYSE = 25  # as PRAGMA optimize: a table analysed again once its rows grew 25 times
ANALYSIS_LIMIT = 1000  # rows ANALYZE samples per index: statistics good enough, cost bounded


def optimize(connection: sa.Connection | None = None) -> list[str]:
    """SQLite: keep the query planner's statistics up to date; returns the tables analysed.

    Without statistics SQLite guesses every index equally selective, and "my orders" walked
    the community's orders instead of mine. `PRAGMA optimize` is the upkeep SQLite advises, but
    before 3.46 it looks only at tables the connection itself has queried, and the connection of
    `flask db upgrade` or of a sweeper has queried few; so each table with indexes that was never
    analysed, or has grown 25 times since (PRAGMA optimize's own rule), is analysed here, within
    `analysis_limit` so the cost does not grow with the data; then PRAGMA optimize. Run after
    migrations and by the periodic jobs (core.scheduler). PostgreSQL's autovacuum does this itself.
    """
    if connection is None:
        with db.engine.connect() as own:
            return optimize(own)
    if connection.dialect.name != "sqlite":
        return []
    run = connection.exec_driver_sql
    run(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    tables = [
        name
        for (name,) in run(
            "SELECT DISTINCT m.name FROM sqlite_master m JOIN sqlite_master i "
            "ON i.tbl_name = m.name AND i.type = 'index' "
            "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        )
    ]
    analysed: dict[str, int] = {}
    if run("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        for table, stat in run("SELECT tbl, stat FROM sqlite_stat1"):
            rows = int(str(stat).split()[0]) if stat else 0
            analysed[table] = max(analysed.get(table, 0), rows)
    done = []
    for table in tables:
        rows = run(f'SELECT count(*) FROM "{table}"').scalar()  # noqa: S608 (our own table names)
        if rows and (table not in analysed or rows >= GROWTH_TO_REANALYSE * max(analysed[table], 1)):
            run(f'ANALYZE "{table}"')
            done.append(table)
    run("PRAGMA optimize")
    if connection.in_transaction():
        connection.commit()
    return done
