"""Alembic environment for Flask-Migrate (schema changes only through here)."""

import logging
import os
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    """Write our TypeDecorators as the plain types they store, so migrations never import portal."""
    if type_ == "type" and isinstance(obj, sa.types.TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def include_object(obj, name, type_, reflected, compare_to):
    """PORTAL_AUTOGEN_TABLES=a,b limits autogenerate to those tables (parallel work on domains)."""
    only = os.environ.get("PORTAL_AUTOGEN_TABLES")
    if not only or type_ != "table":
        return True
    return name in {t.strip() for t in only.split(",")}


def process_revision_directives(context, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            render_item=render_item,
            include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
        # SQLite keeps no statistics unless asked: give the planner its statistics now (and the
        # periodic jobs keep them current, core.scheduler); PostgreSQL's autovacuum does this
        from portal.core.db import optimize

        analysed = optimize(connection)
        if analysed:
            logger.info("Analysed for the query planner: %s", ", ".join(analysed))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
