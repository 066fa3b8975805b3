"""Alembic environment: migrates the connection it is given, or the configured URL.

- ``config.attributes["connection"]``: an open SQLAlchemy connection to migrate (the app and the tests use
  this through ``bot.storage.migrate``); its transaction is the caller's.
- otherwise ``sqlalchemy.url`` from the Alembic config, falling back to ``Settings().database_url``.

No schema is hard-coded: the version table and all tables land in the connection's current schema
(on PostgreSQL, the first schema of ``search_path``, which a URL can set with ``options=-csearch_path=...``).
SQLite gets batch mode, so later revisions can alter tables.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from bot.storage.db import make_engine, normalize_url
from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.config import Settings

        url = Settings().database_url
    return normalize_url(url)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``) instead of running it."""
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_database_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate the given connection, or connect to the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_database_url())
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
