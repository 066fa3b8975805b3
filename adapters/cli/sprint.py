"""``quizmaster sprint``: list sprints and export a sprint's readiness report (text or ``--csv``)."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.cli.db import in_database
from adapters.cli.instructor import CHANNEL, OWNER, PLATFORM, WORKSPACE, run_instructor_command
from bot.config import Settings
from bot.render_text import render
from bot.sprints import readiness_report, report_csv
from bot.storage.models import Sprint

app = typer.Typer(
    help="Exam-prep sprints: create them, list them, export readiness reports.", no_args_is_help=True
)


@app.command("create")
def create(
    request: str = typer.Argument(
        ...,
        help='What /quiz sprint create takes, e.g. \'"Midterm" topics=docker,kubernetes until=2026-12-15 '
        "per-day=3 at=09:00'.",
    ),
    platform: str = PLATFORM,
    workspace: str = WORKSPACE,
    channel: str = CHANNEL,
    owner: str = OWNER,
) -> None:
    """Create a sprint in a channel, exactly as `/quiz sprint create REQUEST` there would."""
    run_instructor_command(
        "sprint", f"create {request}", platform=platform, workspace=workspace, channel=channel, owner=owner
    )


@app.command("list")
def list_sprints() -> None:
    """Every sprint in the database (QUIZMASTER_DATABASE_URL)."""
    rows = in_database(lambda s: list(s.scalars(select(Sprint).order_by(Sprint.until))))
    if not rows:
        typer.echo("No sprints.")
    for s in rows:
        typer.echo(
            f"{s.name}\t{s.platform}/{s.workspace_id}#{s.channel_id}\t{','.join(s.topics)}\t"
            f"{s.starts_on}..{s.until}\t{s.per_day}/day"
        )


@app.command("report")
def report(
    name: str = typer.Argument(..., help="The sprint's name (case-insensitive)."),
    csv: bool = typer.Option(
        False, "--csv", help="CSV (one row per learner, then per topic) instead of text."
    ),
    workspace: str | None = typer.Option(None, "--workspace", help="Workspace id, when names repeat."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """A sprint's readiness report: per learner and per topic, answered, accuracy, weakest topics, review."""
    settings = Settings()

    def build(session: Session) -> str | None:
        stmt = select(Sprint).where(func.lower(Sprint.name) == name.lower())
        if workspace:
            stmt = stmt.where(Sprint.workspace_id == workspace)
        found = session.scalars(stmt.order_by(Sprint.id)).all()
        if len(found) != 1:
            return None if not found else ""
        result = readiness_report(session, found[0], review_base_url=settings.review_base_url)
        return report_csv(result) if csv else render(result) + "\n"

    text = in_database(build, settings)
    if text is None:
        typer.echo(f"No sprint called {name!r}.", err=True)
        raise typer.Exit(1)
    if text == "":
        typer.echo(f"Several sprints are called {name!r}: add --workspace.", err=True)
        raise typer.Exit(1)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}.")
    else:
        typer.echo(text, nl=False)
