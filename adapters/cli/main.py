"""The ``quizmaster`` command line: one entry point for running the bot and managing banks and schedules."""

from __future__ import annotations

import typer

from adapters.cli import db as db_cli
from adapters.cli.health import health_command

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
    typer.echo("Quizmaster: no Slack or Discord token set; the console adapter arrives with the quiz engine.")


app.command("health")(health_command)
app.add_typer(db_cli.app, name="db")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
