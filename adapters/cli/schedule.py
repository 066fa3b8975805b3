"""``quizmaster schedule``: list, pause, resume and delete schedules from the command line (the database is
the source of truth; running bots pick the change up within a minute)."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.cli.db import in_database
from adapters.cli.instructor import CHANNEL, OWNER, PLATFORM, WORKSPACE, run_instructor_command
from bot.schedules import ScheduleError, delete_schedule, describe, set_paused
from bot.storage.models import Schedule

app = typer.Typer(help="Schedules: add, list, pause, resume, delete.", no_args_is_help=True)


@app.command("add")
def add(
    request: str = typer.Argument(
        ..., help='What /quiz schedule takes, e.g. "daily 09:00 docker weekdays tz Europe/Berlin".'
    ),
    platform: str = PLATFORM,
    workspace: str = WORKSPACE,
    channel: str = CHANNEL,
    owner: str = OWNER,
) -> None:
    """Add a schedule to a channel, exactly as `/quiz schedule REQUEST` there would."""
    run_instructor_command(
        "schedule", request, platform=platform, workspace=workspace, channel=channel, owner=owner
    )


@app.command("list")
def list_schedules() -> None:
    """Every schedule, with its workspace."""

    def rows(session: Session) -> list[str]:
        return [
            f"{row.platform}/{row.workspace_id}\t{describe(row)}"
            for row in session.scalars(select(Schedule).order_by(Schedule.id))
        ]

    lines = in_database(rows)
    typer.echo("\n".join(lines) if lines else "No schedules.")


def _change(schedule_id: int, action: str) -> None:
    def work(session: Session) -> str:
        row = session.get(Schedule, schedule_id)
        if row is None:
            raise ScheduleError(f"No schedule #{schedule_id}.")
        if action == "delete":
            delete_schedule(session, schedule_id, platform=row.platform, workspace_id=row.workspace_id)
            return f"Deleted schedule #{schedule_id}."
        set_paused(session, row.id, action == "pause", platform=row.platform, workspace_id=row.workspace_id)
        return f"{'Paused' if row.paused else 'Resumed'} {describe(row)}."

    try:
        typer.echo(in_database(work))
    except ScheduleError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@app.command()
def pause(schedule_id: int) -> None:
    """Pause a schedule (no posts until resumed)."""
    _change(schedule_id, "pause")


@app.command()
def resume(schedule_id: int) -> None:
    """Resume a paused schedule."""
    _change(schedule_id, "resume")


@app.command()
def delete(schedule_id: int) -> None:
    """Delete a schedule."""
    _change(schedule_id, "delete")
