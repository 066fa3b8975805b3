"""``quizmaster reset``: start a new leaderboard season from the command line (``bot.seasons``).

The same core as the instructors' ``/quiz reset leaderboard``: boards of the scope count only answers from
now on and current streaks restart; nothing is deleted. Refuses to act without ``--yes``.
"""

from __future__ import annotations

import typer
from sqlalchemy.orm import Session

from adapters.cli.db import in_database
from bot.clock import SystemClock
from bot.seasons import SeasonStarted, channel_known, reset_words, start_season, workspace_known

STARTED_BY = "cli"

app = typer.Typer(
    help="Start a new leaderboard season (answers and history are kept).",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("leaderboard")
def leaderboard(
    platform: str = typer.Option(..., "--platform", help="slack, discord or console."),
    workspace: str = typer.Option(..., "--workspace", help="Slack team id, Discord guild id (or console)."),
    channel: str | None = typer.Option(
        None, "--channel", help="Reset only this channel's boards and streaks (default: the whole workspace)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Really do it (without it nothing changes)."),
) -> None:
    """A new leaderboard season for a workspace (or one channel): boards count only answers from now on,
    current streaks restart (best streaks are kept); no answer is deleted."""
    words = reset_words(f"channel {channel}" if channel is not None else None)
    scope = f"{platform} workspace {workspace}"
    if not yes:
        typer.echo(
            f"Nothing changed: add --yes to start a new leaderboard season for {scope}. Then {words.boards} "
            f"would count only answers from now on, and {words.streaks} would restart (best streaks are "
            f"kept).{words.untouched} No answer is deleted.",
            err=True,
        )
        raise typer.Exit(1)

    def work(session: Session) -> SeasonStarted | str:
        if not workspace_known(session, platform=platform, workspace_id=workspace):
            return f"No users of {scope} in the database: check --platform and --workspace. Nothing changed."
        if channel is not None and not channel_known(
            session, platform=platform, workspace_id=workspace, channel_id=channel
        ):
            return (
                f"No question was ever asked in channel {channel} of {scope}: check --channel. "
                "Nothing changed."
            )
        return start_season(
            session,
            platform=platform,
            workspace_id=workspace,
            channel_id=channel,
            started_by=STARTED_BY,
            now=SystemClock().now(),
        )

    result = in_database(work)
    if isinstance(result, str):
        typer.echo(result, err=True)
        raise typer.Exit(1)
    typer.echo(
        f"New leaderboard season started for {scope} at {result.started_at:%Y-%m-%d %H:%M:%S} UTC: "
        f"{words.boards} now count only answers from this moment on; {result.streaks_restarted} running "
        f"streak(s) restarted, counted per user and scope (best streaks are kept).{words.untouched} "
        "No answer was deleted."
    )
