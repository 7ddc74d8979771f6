"""The schema comes only from migrations: an empty database upgrades, and nothing drifts."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.core.db import db


def test_upgraded_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_model_table_exists_after_upgrade(app):
    existing = set(sa.inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= existing
    assert "alembic_version" in existing
