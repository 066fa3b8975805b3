"""Health checks for container orchestrators: is the database reachable, is the bot's heartbeat fresh?

``check_health`` returns the problems it found (an empty list means healthy) and never raises, so the
``quizmaster health`` command can report them plainly. The other half of the heartbeat is ``keep_heartbeat``:
the chat adapters' runner touches the file every ``QUIZMASTER_HEARTBEAT_INTERVAL`` seconds from its event
loop, so a loop that is stuck (or a process that is gone) stops refreshing it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.storage.db import make_engine

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_MAX_AGE = 120.0  # seconds; four missed touches at the default 30 s interval
CONNECT_TIMEOUT = 5  # seconds; a health check must answer well within Docker's default 30 s timeout


def check_health(
    settings: Settings,
    heartbeat_file: Path | None = None,
    max_age: float = DEFAULT_HEARTBEAT_MAX_AGE,
    clock: Clock | None = None,
) -> list[str]:
    """The problems found: the database must answer ``select 1``; when ``heartbeat_file`` is given, it
    must exist and have been modified less than ``max_age`` seconds ago. Empty means healthy."""
    problems: list[str] = []
    database_problem = check_database(settings.database_url)
    if database_problem:
        problems.append(database_problem)
    if heartbeat_file is not None:
        heartbeat_problem = check_heartbeat(heartbeat_file, max_age, clock or SystemClock())
        if heartbeat_problem:
            problems.append(heartbeat_problem)
    return problems


def check_database(url: str) -> str | None:
    """None when the database at ``url`` answers ``select 1``, else why not (password hidden)."""
    shown = _safe_url(url)
    try:
        engine = make_engine(url, connect_args=_connect_args(url))
    except ArgumentError as exc:
        return f"database URL {shown} is not valid: {_first_line(exc)}"
    except Exception as exc:
        return f"database URL {shown} cannot be used: {exc.__class__.__name__}: {_first_line(exc)}"
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except DBAPIError as exc:
        return f"database {shown} is not reachable: {_first_line(exc.orig or exc)}"
    except Exception as exc:
        return f"database {shown} is not reachable: {exc.__class__.__name__}: {_first_line(exc)}"
    finally:
        engine.dispose()
    return None


def check_heartbeat(path: Path, max_age: float, clock: Clock) -> str | None:
    """None when ``path`` exists and was modified less than ``max_age`` seconds before ``clock.now()``."""
    try:
        modified = path.stat().st_mtime
    except FileNotFoundError:
        return f"heartbeat file {path} does not exist"
    except OSError as exc:
        return f"heartbeat file {path} cannot be read: {exc.strerror or exc}"
    age = clock.now().timestamp() - modified
    if age > max_age:
        return f"heartbeat file {path} is {age:.0f} s old (limit {max_age:.0f} s): the bot looks stuck"
    return None


def touch_heartbeat(path: Path) -> None:
    """Set the heartbeat file's modification time to now (creating the file and its folder if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


async def keep_heartbeat(path: Path, interval: float) -> None:
    """Touch ``path`` now and then every ``interval`` seconds until cancelled. A file that cannot be written
    is logged (once per outage) and retried; it never stops the bot."""
    failing = False
    while True:
        try:
            touch_heartbeat(path)
        except OSError as exc:
            if not failing:
                log.warning("cannot touch the heartbeat file %s: %s", path, exc.strerror or exc)
            failing = True
        else:
            if failing:
                log.info("the heartbeat file %s is written again", path)
            failing = False
        await asyncio.sleep(interval)


def _connect_args(url: str) -> dict[str, object]:
    """Bound the connection attempt, so an unreachable server fails fast instead of hanging."""
    if url.startswith(("postgresql", "postgres:")):
        return {"connect_timeout": CONNECT_TIMEOUT}
    return {}


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else exc.__class__.__name__
