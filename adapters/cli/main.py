"""The ``quizmaster`` command line: one entry point for running the bot and managing banks and schedules."""

from __future__ import annotations

import typer

from adapters.cli import db as db_cli
from adapters.cli import questions as questions_cli
from adapters.cli import reset as reset_cli
from adapters.cli import schedule as schedule_cli
from adapters.cli import sprint as sprint_cli
from adapters.cli.console import console_command, start_console
from adapters.cli.health import health_command
from bot.config import Settings

app = typer.Typer(
    name="quizmaster",
    help="Quizmaster: a quiz-master bot for Slack, Discord and the console.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def run() -> None:
    """Run the bot: Slack and/or Discord when their tokens are set, otherwise the console adapter."""
    settings = Settings()
    if not (settings.slack_enabled or settings.discord_enabled):
        typer.echo("No Slack or Discord token set: opening the console adapter (type /help).")
        start_console(settings)
        return
    from adapters.runner import run_chat_adapters

    run_chat_adapters(settings)


app.command("console")(console_command)
app.command("health")(health_command)
app.add_typer(db_cli.app, name="db")
app.add_typer(questions_cli.app, name="questions")
app.add_typer(schedule_cli.app, name="schedule")
app.add_typer(sprint_cli.app, name="sprint")
app.add_typer(reset_cli.app, name="reset")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
