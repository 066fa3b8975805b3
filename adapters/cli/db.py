"""``quizmaster db``: bring the database schema up to date, or show where it stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.dispatcher import run_unit
from bot.storage import migrate
from bot.storage.db import make_engine, make_session_factory, safe_url

T = TypeVar("T")

app = typer.Typer(
    help="Database schema: apply this version's migrations (also done on start), or show the revision.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(url: str, exc: Exception) -> typer.Exit:
    typer.echo(f"Database {safe_url(url)}: {exc.__class__.__name__}: {exc}", err=True)
    return typer.Exit(code=1)


def in_database(work: Callable[[Session], T], settings: Settings | None = None) -> T:
    """Run ``work`` in one unit of work on the configured database (migrated first, so a fresh one works);
    a database that cannot be reached or migrated exits 1 with a clear message."""
    url = (settings or Settings()).database_url
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
    except (SQLAlchemyError, migrate.SchemaMismatchError) as exc:
        raise _fail(url, exc) from exc
    try:
        return run_unit(make_session_factory(engine), work)
    except SQLAlchemyError as exc:
        raise _fail(url, exc) from exc
    finally:
        engine.dispose()


@app.command()
def upgrade() -> None:
    """Apply every pending migration (QUIZMASTER_DATABASE_URL; default: quizmaster.db here)."""
    url = Settings().database_url
    try:
        result = migrate.upgrade(url)
    except (SQLAlchemyError, migrate.SchemaMismatchError) as exc:
        raise _fail(url, exc) from exc
    if result.changed:
        typer.echo(f"Database {safe_url(url)}: upgraded from {result.before or '<empty>'} to {result.after}.")
    else:
        typer.echo(f"Database {safe_url(url)}: already at {result.after} (nothing to do).")


@app.command()
def current() -> None:
    """Show the database's revision and whether it is up to date; exits 1 when upgrades are pending."""
    url = Settings().database_url
    try:
        revision = migrate.current(url)
        up_to_date = migrate.is_up_to_date(url)
    except SQLAlchemyError as exc:
        raise _fail(url, exc) from exc
    state = "up to date" if up_to_date else f"behind {migrate.head_revision()}: run `quizmaster db upgrade`"
    typer.echo(f"Database {safe_url(url)}: revision {revision or '<none>'} ({state}).")
    if not up_to_date:
        raise typer.Exit(code=1)
