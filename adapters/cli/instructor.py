"""Instructor commands from the command line: ``quizmaster schedule add ...`` and
``quizmaster sprint create ...`` run the very same ``bot.instructor.InstructorHandler`` as ``/quiz schedule``
in a chat, on behalf of the user id given with ``--owner`` (told about failed posts), in the channel given
with ``--channel``. Running bots pick the change up within a minute (their scheduler's tick rebuilds from
the database).
"""

from __future__ import annotations

import typer

from bot import commands as cmd
from bot.app import build_app
from bot.config import Settings
from bot.dispatcher import run_unit
from bot.events import Actor, Where
from bot.messages import Notice, NoticeLevel
from bot.render_text import render


def run_instructor_command(
    verb: str, args: str, *, platform: str, workspace: str, channel: str, owner: str
) -> None:
    """Run ``/quiz VERB ARGS`` as an instructor in that channel and print the replies; exit 1 on an error."""
    app = build_app(Settings())
    try:
        app.prepare()  # migrations and bundled banks, as a starting bot would (topics resolve against them)
        handler = app.instructor_handler()
        actor = Actor(platform, workspace, owner, owner, is_admin=True)
        where = Where(platform, workspace, channel)
        command = cmd.InstructorCommand(verb, args)
        replies = run_unit(app.sessions, lambda session: handler(session, command, actor, where))
    finally:
        app.close()
    failed = False
    for reply in replies:
        message = reply.message
        failed = failed or (isinstance(message, Notice) and message.level is NoticeLevel.ERROR)
        typer.echo(render(message), err=failed)
    if failed:
        raise typer.Exit(1)


PLATFORM = typer.Option(..., "--platform", help="slack, discord or console.")
WORKSPACE = typer.Option(..., "--workspace", help="Slack team id (T...) or Discord guild id.")
CHANNEL = typer.Option(..., "--channel", help="Channel id (C... on Slack, the channel's id on Discord).")
OWNER = typer.Option(..., "--owner", help="User id of the instructor who owns it (told about failed posts).")
