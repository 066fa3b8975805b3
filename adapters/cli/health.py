"""``quizmaster health``: exit 0 when healthy, 1 with the problems printed (the Docker HEALTHCHECK).

The heartbeat file is ``--heartbeat-file`` when given, else the ``heartbeat_file`` setting
(``QUIZMASTER_HEARTBEAT_FILE``, also read from ``.env``); without either only the database is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.config import Settings
from bot.health import DEFAULT_HEARTBEAT_MAX_AGE, check_health


def health_command(
    heartbeat_file: Annotated[
        Path | None,
        typer.Option(
            "--heartbeat-file",
            help=(
                "Also require this file to have been touched recently (the bot's heartbeat). "
                "Default: QUIZMASTER_HEARTBEAT_FILE when set."
            ),
        ),
    ] = None,
    max_age: Annotated[
        float,
        typer.Option("--max-age", min=1.0, help="Seconds after which the heartbeat file counts as stale."),
    ] = DEFAULT_HEARTBEAT_MAX_AGE,
) -> None:
    """Check that the database answers (and the heartbeat file is fresh): exit 0 if so, else 1."""
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = [f"configuration is not valid: {_describe(exc)}"]
    else:
        beat = heartbeat_file if heartbeat_file is not None else settings.heartbeat_file
        problems = check_health(settings, heartbeat_file=beat, max_age=max_age)
    if problems:
        for problem in problems:
            typer.echo(f"unhealthy: {problem}", err=True)
        raise typer.Exit(code=1)
    typer.echo("healthy")


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
