"""Engine and session factory: the only place that knows how to connect to SQLite or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """The URL with PostgreSQL pointed at the psycopg 3 driver (``postgresql://`` and ``postgres://``)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def safe_url(url: str) -> str:
    """The URL with any password masked, fit for logs and terminal output."""
    try:
        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except ArgumentError:  # an unparsable URL is shown as a placeholder, never echoed with its secrets
        return "<unparsable database URL>"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned for the bot: SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a pool."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": 30, **kwargs.pop("connect_args", {})}
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    url = normalize_url(url)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (services return plain data, not rows)."""
    return sessionmaker(engine, expire_on_commit=False)


def advisory_xact_lock(conn: Connection | Session, name: str) -> None:
    """On PostgreSQL, wait for an advisory lock named ``name`` held until the current transaction ends.

    The lock is scoped to the current schema, so separate schemas (tests, tenants) do not wait on each
    other. Elsewhere (SQLite: one file, one writer at a time) this does nothing.
    """
    dialect = conn.dialect if isinstance(conn, Connection) else conn.get_bind().dialect
    if dialect.name != "postgresql":
        return
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:name || ':' || coalesce(current_schema(), '')))"),
        {"name": name},
    )
