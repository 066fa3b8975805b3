"""``quizmaster console``: the simulated workspace in the terminal (also what ``quizmaster run`` starts
when no Slack or Discord token is set)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from adapters.console.port import ConsolePort
from adapters.console.repl import PLATFORM, Console
from bot.app import build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.scheduler import build_scheduler, dispatcher_delivery


def console_command(
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="Database URL (default: QUIZMASTER_DATABASE_URL or sqlite:///quizmaster.db).",
    ),
    banks_dir: Path | None = typer.Option(
        None, "--banks", help="Directory of bank files (default: the bundled)."
    ),
    user: str = typer.Option("you", "--user", help="Who you are at the start (switch with /as NAME)."),
    start: datetime | None = typer.Option(
        None, "--start", help="Start the console's clock here (UTC), e.g. 2026-01-05T09:00; default: now."
    ),
) -> None:
    """Open a simulated workspace in the terminal: /quiz docker, answer, /as alice, /clock +1d."""
    settings = Settings()
    updates: dict[str, object] = {}
    if database_url:
        updates["database_url"] = database_url
    if banks_dir:
        updates["banks_dir"] = banks_dir
    if updates:
        settings = settings.model_copy(update=updates)
    begin = start.replace(tzinfo=UTC) if start else datetime.now(UTC).replace(second=0, microsecond=0)
    run_console(settings, FakeClock(begin), user)


def start_console(settings: Settings | None = None) -> None:
    """The console with the clock starting now (what ``quizmaster run`` opens when no token is set)."""
    run_console(settings or Settings(), FakeClock(datetime.now(UTC).replace(second=0, microsecond=0)))


def run_console(settings: Settings, clock: FakeClock, user: str = "you") -> None:
    """Prepare the database and banks, then run the console on stdin/stdout."""
    app = build_app(settings, clock=clock)
    try:
        try:
            loaded = app.prepare()
        except Exception as exc:
            typer.echo(f"Could not prepare the database or the banks: {exc}", err=True)
            raise typer.Exit(1) from exc
        for name, result in loaded.items():
            typer.echo(f"Loaded bank {name}: {result.added} new, {result.updated} updated questions.")
        port = ConsolePort(sys.stdout)
        dispatcher = app.dispatcher(port, instructor_handler=app.instructor_handler())
        scheduler = build_scheduler(app, {PLATFORM: dispatcher_delivery(dispatcher)})
        admins = frozenset({user})  # the one who opened the console runs the workspace
        console = Console(dispatcher, port, clock, app.sessions, sys.stdout, user, scheduler, admins)
        asyncio.run(console.run(sys.stdin.readline))
    finally:
        app.close()


def main() -> None:
    """``python -m adapters.cli.console`` (the same as ``quizmaster console``)."""
    typer.run(console_command)


if __name__ == "__main__":
    main()
