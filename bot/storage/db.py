"""Engine and session factory: the only place that knows how to connect to SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

PING_AFTER_IDLE_SECONDS = 2.0  # PostgreSQL: pooled connections idle this long are pinged before use


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


WRITER_GATE = "quizmaster_writer_gate"


def writer_gate(bind: object) -> contextlib.AbstractContextManager[object]:
    """The in-process lock that queues this engine's write transactions on SQLite (a no-op elsewhere).

    SQLite has one writer at a time; threads that meet a held write lock sleep in SQLite's busy handler
    (1, 2, 5, ... 100 ms) and wake late, which under concurrent clicks or a scheduled fan-out makes the
    slowest ones very slow. Waiting on a Python lock instead hands the database over as soon as it is free.
    ``make_engine`` attaches one lock per SQLite engine (as an execution option), so the dispatcher, the
    scheduler and the CLI of one process share it; SQLite's own lock stays the guard between processes.
    """
    gate = bind.get_execution_options().get(WRITER_GATE) if isinstance(bind, Engine) else None
    return gate if gate is not None else contextlib.nullcontext()


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

        engine.update_execution_options(**{WRITER_GATE: threading.RLock()})
        return engine
    url = normalize_url(url)
    ping_when_idle = "pool_pre_ping" not in kwargs
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if ping_when_idle:
        ping_after_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def ping_after_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection before use when it sat idle for ``seconds`` or more; a dead one is replaced.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a network round trip per unit of work (about
    a tenth of recording an answer on PostgreSQL). Connections that were in use moments ago are alive
    unless the server went away just then: the first statement then fails, the pool is invalidated, and
    ``bot.dispatcher.run_unit`` retries the unit on a fresh connection (nothing was committed).
    """

    @event.listens_for(engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["quizmaster_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("quizmaster_idle_since")
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # a new connection, or one in use just now
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the pool discards it and connects afresh
            raise DisconnectionError(f"pooled connection failed its ping: {exc.__class__.__name__}") from exc


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
