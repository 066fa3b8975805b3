"""Schema migrations: run the Alembic revisions shipped in the ``migrations`` package.

``upgrade`` is what ``quizmaster db upgrade`` and the bot's start-up call. On PostgreSQL it holds an
advisory lock for the whole (transactional) upgrade, so replicas starting together migrate once and the
others find the schema already at head. Within one process, Alembic commands run one at a time: Alembic
keeps the running migration in module-level proxies (``alembic.context``, ``alembic.op``), which threads
would otherwise share.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

import migrations
from bot.storage.db import advisory_xact_lock, make_engine, normalize_url
from bot.storage.models import Base

log = logging.getLogger(__name__)

LOCK_NAME = "quizmaster:migrate"
# Guards Alembic's process-wide proxies (see the module docstring); a lock, not state.
_ALEMBIC_IN_USE = threading.Lock()


class SchemaMismatchError(RuntimeError):
    """The database has Quizmaster tables but no migration history, and they differ from the models."""


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """The revision before and after an upgrade (``None``: an empty database)."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def migrations_dir() -> Path:
    """The directory of the installed ``migrations`` package (not the working directory)."""
    return Path(next(iter(migrations.__path__))).resolve()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the shipped migrations, pointed at ``url`` when given.

    The app's logging is left alone (the ini file's logging sections are only for the ``alembic`` CLI).
    """
    folder = migrations_dir()
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    if url is not None:
        # ConfigParser interpolates "%": escape it (URL-encoded passwords and options carry it).
        config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this version of Quizmaster."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def _engine_for(url_or_engine: str | Engine) -> Iterator[Engine]:
    if isinstance(url_or_engine, Engine):
        yield url_or_engine
        return
    engine = make_engine(url_or_engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _adopt_unversioned(conn: Connection, config: Config) -> None:
    """Stamp head on a schema made by ``Base.metadata.create_all`` (no version table), if it matches.

    A database with some of our tables but a different shape is refused rather than guessed at.
    """
    existing = set(inspect(conn).get_table_names())
    ours = set(Base.metadata.tables)
    if not existing & ours:
        return
    diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    if diff:
        raise SchemaMismatchError(
            "the database has Quizmaster tables but no migration history, and they differ from the "
            f"models ({len(diff)} differences, first: {diff[0]!r}); migrate or recreate it by hand"
        )
    log.info("adopting an unversioned schema that matches the models: stamping it at head")
    config.attributes["connection"] = conn
    command.stamp(config, "head")


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> UpgradeResult:
    """Upgrade the database to ``revision`` (default: the newest); a no-op when already there."""
    with _ALEMBIC_IN_USE, _engine_for(url_or_engine) as engine, engine.begin() as conn:
        advisory_xact_lock(conn, LOCK_NAME)
        config = alembic_config()
        before = _current(conn)
        if before is None:
            _adopt_unversioned(conn, config)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        after = _current(conn)
    if before != after:
        log.info("database upgraded from %s to %s", before or "<empty>", after)
    return UpgradeResult(before=before, after=after)


def downgrade(url_or_engine: str | Engine, revision: str) -> UpgradeResult:
    """Downgrade the database to ``revision`` (``"base"``: drop everything). For development and tests."""
    with _ALEMBIC_IN_USE, _engine_for(url_or_engine) as engine, engine.begin() as conn:
        advisory_xact_lock(conn, LOCK_NAME)
        before = _current(conn)
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        after = _current(conn)
    return UpgradeResult(before=before, after=after)


def current(url_or_engine: str | Engine) -> str | None:
    """The database's current revision, or ``None`` when it has never been migrated."""
    with _engine_for(url_or_engine) as engine, engine.connect() as conn:
        return _current(conn)


def is_up_to_date(url_or_engine: str | Engine) -> bool:
    """Whether the database is at the newest shipped revision."""
    with _engine_for(url_or_engine) as engine, engine.connect() as conn:
        heads = set(MigrationContext.configure(conn).get_current_heads())
    return heads == set(ScriptDirectory.from_config(alembic_config()).get_heads())
