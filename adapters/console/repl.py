"""A simulated workspace in the terminal: type what a chat user would, as any user, at any time.

Lines starting with ``/quiz`` are the slash command; any other line not starting with ``/`` is a typed answer
to your open question (or the channel's latest). Console-only commands: ``/as NAME`` (switch user),
``/clock`` (show) and ``/clock +1d`` / ``+3h`` / ``+30m`` / ``-1d`` (move time; due questions close and,
with a scheduler, today's due scheduled posts go out),
``/rate got_it|partly|missed`` (rate your open answer), ``/pick KEYS`` (click choice buttons on your open
question), ``/close`` (close the channel's latest question now), ``/help``, ``/quit``. ``/quiz import FILE
... [check]`` attaches local files, as a chat upload would. Every event goes through the same dispatcher and
services as Slack and Discord.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Callable
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from adapters.console.port import ConsolePort
from bot.clock import FakeClock
from bot.dispatcher import Dispatcher, run_unit
from bot.events import (
    Actor,
    BankUploaded,
    ChoiceSelected,
    CommandInvoked,
    SelfRated,
    TextAnswered,
    Upload,
    Where,
)
from bot.scheduler import Scheduler
from bot.storage.models import AnswerRow, Post, User
from questions.importers.reading import read_bytes

PLATFORM = "console"
WORKSPACE = "console"
CHANNEL = "general"
CLOCK_STEP = re.compile(r"^([+-])\s*(\d+)\s*([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}
NAME = re.compile(r"^[\w.-]{1,40}$")

CONSOLE_HELP = """Console commands:
  /quiz ...            the bot's commands (/quiz help lists them)
  /quiz import FILE... [check]  import Markdown quiz files (as attached to a chat; check: store nothing)
  any other text       answers your open question (or the channel's latest one)
  /pick A C            click choice buttons on that question
  /rate got_it|partly|missed   rate your answer to an open question
  /as NAME             become another user (only the first user is the workspace admin)
  /clock [+1d|+3h|-30m]  show or move the clock (scheduled posts go out, due questions close)
  /close               close the channel's latest question now
  /quit                leave"""


class Console:
    """Reads lines, turns them into events for the dispatcher, and prints what users would see."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        port: ConsolePort,
        clock: FakeClock,
        sessions: sessionmaker[Session],
        out: TextIO,
        user: str = "you",
        scheduler: Scheduler | None = None,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self._dispatcher = dispatcher
        self._admins = admins
        self._scheduler = scheduler
        self._port = port
        self._clock = clock
        self._sessions = sessions
        self._out = out
        self._user = user
        self._deliveries = count(1)
        self.where = Where(PLATFORM, WORKSPACE, CHANNEL)

    @property
    def actor(self) -> Actor:
        """The current user (a workspace admin when named in ``admins``)."""
        return Actor(PLATFORM, WORKSPACE, self._user, self._user, is_admin=self._user in self._admins)

    def say(self, text: str) -> None:
        """Print a console line."""
        self._out.write(text + "\n")
        self._out.flush()

    def _delivery(self) -> str:
        return f"console-{next(self._deliveries)}"

    async def run(self, read_line: Callable[[], str]) -> None:
        """Process lines until EOF or ``/quit``; ``read_line`` returns "" at EOF (like ``readline``)."""
        self.say(
            f"Quizmaster console: #{CHANNEL}, you are {self._user}, it is {self._clock_text()}. "
            "Type /quiz help or /help."
        )
        if self._scheduler is not None:  # what came due while the console was closed (today's only)
            await self._scheduler.run_due()
        while True:
            self._out.write(f"{self._user}> ")
            self._out.flush()
            line = await asyncio.to_thread(read_line)
            if not line:
                self.say("")
                return
            if not await self.handle_line(line.rstrip("\r\n")):
                return

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the console should stop."""
        text = line.strip()
        if not text:
            return True
        head, _, rest = text.partition(" ")
        head, rest = head.casefold(), rest.strip()
        if head in ("/quit", "/exit"):
            return False
        if head == "/quiz" and rest.casefold().startswith("import "):
            await self._import(rest.partition(" ")[2])
        elif head == "/quiz":
            await self._dispatcher.handle(CommandInvoked(self.actor, self.where, rest, self._delivery()))
        elif head == "/help":
            self.say(CONSOLE_HELP)
        elif head == "/as":
            self._switch_user(rest)
        elif head == "/clock":
            await self._move_clock(rest)
        elif head == "/rate":
            await self._rate(rest)
        elif head == "/pick":
            await self._pick(rest)
        elif head == "/close":
            await self._close_latest()
        elif text.startswith("/"):
            self.say(f"Unknown console command {head!r}: try /help.")
        else:
            await self._dispatcher.handle(TextAnswered(self.actor, self.where, None, text, self._delivery()))
        return True

    async def _import(self, args: str) -> None:
        """``/quiz import FILE... [check]``: the files, read here, go to the core as a chat upload would."""
        try:
            words = shlex.split(args)
        except ValueError as exc:
            self.say(f"Usage: /quiz import FILE... [check] ({exc}).")
            return
        dry_run = bool(words) and words[-1].casefold() == "check"
        uploads = tuple(read_upload(Path(word)) for word in (words[:-1] if dry_run else words))
        event = BankUploaded(self.actor, self.where, uploads, dry_run, self._delivery())
        await self._dispatcher.handle(event)

    def _switch_user(self, name: str) -> None:
        if not NAME.match(name):
            self.say("Usage: /as NAME (letters, digits, . _ -; up to 40).")
            return
        self._user = name
        self.say(f"You are now {name}.")

    def _clock_text(self) -> str:
        return f"{self._clock.now():%a %Y-%m-%d %H:%M} UTC"

    async def _move_clock(self, arg: str) -> None:
        if arg:
            match = CLOCK_STEP.match(arg.replace(" ", ""))
            if not match:
                self.say("Usage: /clock +1d | +3h | +30m | -1d")
                return
            sign, amount, unit = match.groups()
            delta = timedelta(**{UNITS[unit]: int(amount)})
            self._clock.advance(delta if sign == "+" else -delta)
        self.say(f"It is now {self._clock_text()}.")
        if self._scheduler is not None:  # due scheduled posts go out (today's only), due questions close
            await self._scheduler.run_due()
        else:
            await self._dispatcher.close_due()

    async def _rate(self, rating: str) -> None:
        post_id = self._port.awaiting_rating.get(self._user)
        if post_id is None:
            self.say("Nothing to rate: answer an open question first.")
            return
        await self._dispatcher.handle(
            SelfRated(self.actor, self.where, post_id, rating.strip(), self._delivery())
        )

    def _open_post(self) -> int | None:
        actor, where = self.actor, self.where

        def find(session: Session) -> int | None:
            user = session.scalars(
                select(User).where(
                    User.platform == actor.platform,
                    User.workspace_id == actor.workspace_id,
                    User.user_id == actor.user_id,
                )
            ).first()
            if user is None:
                return None
            answered = select(AnswerRow.post_id).where(AnswerRow.user_pk == user.id)
            private = session.scalars(
                select(Post.id)
                .where(Post.target_user_pk == user.id, Post.closed_at.is_(None), Post.id.not_in(answered))
                .order_by(Post.id.desc())
                .limit(1)
            ).first()
            return private if private is not None else self._latest_channel_post(session, where)

        return run_unit(self._sessions, find)

    @staticmethod
    def _latest_channel_post(session: Session, where: Where) -> int | None:
        return session.scalars(
            select(Post.id)
            .where(
                Post.platform == where.platform,
                Post.workspace_id == where.workspace_id,
                Post.channel_id == where.channel_id,
                Post.audience == "channel",
            )
            .order_by(Post.id.desc())
            .limit(1)
        ).first()

    async def _pick(self, keys: str) -> None:
        post_id = await asyncio.to_thread(self._open_post)
        if post_id is None:
            self.say("No open question: type /quiz to get one.")
            return
        chosen = tuple(k for k in re.split(r"[\s,]+", keys.upper()) if k)
        await self._dispatcher.handle(
            ChoiceSelected(self.actor, self.where, post_id, chosen, self._delivery())
        )

    async def _close_latest(self) -> None:
        where = self.where
        post_id = await asyncio.to_thread(
            run_unit, self._sessions, lambda s: self._latest_channel_post(s, where)
        )
        if post_id is None:
            self.say("No channel question to close.")
            return
        await self._dispatcher.close_post(post_id)


def read_upload(path: Path) -> Upload:
    """A local file as a chat upload: its bytes, or why it cannot be read."""
    data, problem = read_bytes(path)
    return Upload(path.name, data, problem)
