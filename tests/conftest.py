"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: ``QUIZMASTER_TEST_POSTGRES_URL`` (default: the local server, trust auth, database ``test``).
Each test gets its own schema, so concurrent runs do not collide. Where the server is unreachable the
PostgreSQL half is skipped, unless ``QUIZMASTER_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), which fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import Base

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = Path(os.environ.get("QUIZMASTER_SEEDS_DIR", REPO_ROOT.parent / "shared" / "seeds"))
POSTGRES_URL = os.environ.get(
    "QUIZMASTER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("QUIZMASTER_REQUIRE_POSTGRES") == "1"

_pg_status: dict[str, str | None] = {}


def _postgres_unavailable() -> str | None:
    """None when PostgreSQL answers, else the reason (checked once per run)."""
    if "reason" not in _pg_status:
        try:
            engine = make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
            _pg_status["reason"] = None
        except Exception as exc:  # any failure means "not reachable"
            _pg_status["reason"] = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}"
    return _pg_status["reason"]


def seed_path(prefix: str) -> Path:
    """The seed document whose name starts with ``prefix`` (e.g. "000")."""
    matches = sorted(SEEDS_DIR.glob(f"{prefix}_*"))
    if not matches:
        pytest.fail(f"seed {prefix}_* not found in {SEEDS_DIR}")
    return matches[0]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database (no tables): a fresh SQLite file, or a fresh PostgreSQL schema.

    For PostgreSQL the schema is selected through the URL's ``options`` (search_path), so any engine
    made from this URL (including Alembic's) works inside it.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    reason = _postgres_unavailable()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with every table created from the models."""
    eng = make_engine(db_url)
    Base.metadata.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s
