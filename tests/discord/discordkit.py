"""Helpers for the Discord adapter tests: synthetic questions, and the real bot (core + discord.py client)
connected to the fake Discord on loopback, on the conftest database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bankrows import store_question_rows
from chatquestions import chat_questions
from fakes.discord import (
    CallbackRecord,
    FakeDiscord,
    FakeRole,
    FakeUser,
    PendingInteraction,
    StoredMessage,
    discord_py_pointed_at,
)
from sqlalchemy import select

from adapters.discord.client import DiscordBot, build_discord_bot
from bot.app import QuizApp, build_app
from bot.clock import FakeClock
from bot.config import DiscordSettings, Settings
from bot.dispatcher import InstructorHandler, run_unit
from bot.events import Where
from bot.scheduler import RetryPolicy, RunReport, Scheduler, dispatcher_delivery
from bot.storage.models import AnswerRow, Base, Post, User
from questions.model import (
    Question,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
INSTRUCTOR_ROLE = "Quizmasters"
MANAGE_GUILD = 1 << 5


QUESTIONS = SINGLE, MULTI, SHORT, OPEN = chat_questions("qd", "discord")


def store_questions(quiz: QuizApp, questions: Sequence[Question] = QUESTIONS) -> None:
    """Create the tables and insert the questions as the bank store would."""
    Base.metadata.create_all(quiz.engine)
    with quiz.sessions() as s:
        store_question_rows(s, questions, bank="discord", title="Discord tests", now=START)


def settings_for(
    fake: FakeDiscord, db_url: str, *, instructor_role: str | None = INSTRUCTOR_ROLE
) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        discord=DiscordSettings(
            token=fake.token,
            application_id=str(fake.application_id),
            guild_id=str(fake.guild.id),
            instructor_role=instructor_role,
        ),
    )


@dataclass
class DiscordEnv:
    """The real bot connected to the fake Discord; every helper waits for the work it started."""

    fake: FakeDiscord
    bot: DiscordBot
    quiz: QuizApp
    clock: FakeClock
    settings: Settings
    instructor_role: FakeRole
    manager_role: FakeRole
    with_instructor_handler: bool = False

    @property
    def where(self) -> Where:
        return Where("discord", str(self.fake.guild.id), str(self.fake.channel.id))

    async def settle(self) -> None:
        """Let the client read what the gateway sent, then wait for the router's work."""
        for _ in range(3):
            await asyncio.sleep(0.01)
            await self.bot.router.drain()

    async def command(
        self,
        subcommand: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        channel: Any = None,
    ) -> PendingInteraction:
        """``/quiz <subcommand> options...``: waits for the callback and the work it started."""
        pending = self.fake.dispatch_command(
            "quiz", dict(options or {}), subcommand=subcommand, user=user, channel=channel
        )
        await pending.callback(timeout=5)
        await self.settle()
        return pending

    async def click(
        self,
        message: StoredMessage | int,
        custom_id: str,
        *,
        user: FakeUser | None = None,
        values: Sequence[str] | None = None,
    ) -> PendingInteraction:
        pending = self.fake.dispatch_click(message, custom_id, user=user, values=values)
        await pending.callback(timeout=5)
        await self.settle()
        return pending

    async def callback(self, pending: PendingInteraction) -> CallbackRecord:
        return await pending.callback(timeout=5)

    async def post_card(
        self, question_id: str, *, closes_in: timedelta = timedelta(hours=24)
    ) -> tuple[int, int]:
        """Post a question to the channel as the scheduler does (service + dispatcher.deliver); returns the
        post id and the card's message id."""
        quiz, where = self.quiz.services.quiz, self.where
        reply = run_unit(
            self.quiz.sessions,
            lambda s: quiz.post_to_channel(
                s, question_id=question_id, where=where, closes_at=self.clock.now() + closes_in
            ),
        )
        await self.bot.dispatcher.deliver([reply])
        assert reply.post_id is not None
        with self.quiz.sessions() as s:
            post = s.get(Post, reply.post_id)
            assert post is not None and post.message_ref
            return reply.post_id, int(post.message_ref)

    async def restart(self) -> None:
        """Stop the bot and its app, then start new ones on the same database (a new process, as far as
        the bot can tell: nothing in memory survives)."""
        await self.bot.close()
        self.quiz.close()
        self.quiz = build_app(self.settings, clock=self.clock, rng=random.Random(4))
        self.bot = await start_bot(
            self.fake, self.quiz, self.settings, instructors=self.with_instructor_handler
        )

    def answers(self, post_id: int | None = None) -> list[tuple[str, str, str | None, str | None]]:
        """(user id, verdict, response, self rating) of recorded answers, by user id."""
        with self.quiz.sessions() as s:
            query = select(User.user_id, AnswerRow.verdict, AnswerRow.response, AnswerRow.self_rating).join(
                User, User.id == AnswerRow.user_pk
            )
            if post_id is not None:
                query = query.where(AnswerRow.post_id == post_id)
            return sorted(tuple(r) for r in s.execute(query).all())  # type: ignore[misc]

    def latest_post(self, user: FakeUser) -> int:
        """The newest post asked to ``user`` privately."""
        with self.quiz.sessions() as s:
            pk = s.scalars(select(User.id).where(User.user_id == str(user.id))).one()
            return s.scalars(
                select(Post.id).where(Post.target_user_pk == pk).order_by(Post.id.desc()).limit(1)
            ).one()

    def scheduler(self, *, retry: RetryPolicy | None = None) -> Scheduler:
        """A scheduler delivering through this bot's dispatcher (as ``adapters.runner`` wires it), on the
        env's fake clock; its timer is never started: tests call ``run_due``."""
        return Scheduler(
            self.quiz.sessions,
            self.clock,
            self.quiz.services,
            {"discord": dispatcher_delivery(self.bot.dispatcher)},
            instance_id="discord-tests",
            retry=retry,
            review_base_url=self.settings.review_base_url,
        )

    async def run_due(self, scheduler: Scheduler, when: datetime) -> RunReport:
        """Move the clock to ``when`` and run what is due; waits for the card edits it started."""
        self.clock.set(when)
        report = await scheduler.run_due(when)
        await self.settle()
        return report

    def posts(self, channel: Any = None) -> list[StoredMessage]:
        """The bot's visible messages in ``channel`` (default the fake's channel): no ephemeral ones."""
        return [m for m in self.fake.messages(channel) if not m.ephemeral]

    def followup_texts(self, pending: PendingInteraction) -> list[str]:
        """The text of every follow-up (content plus embed titles and descriptions)."""
        return [message_text(m) for m in self.fake.followups(pending)]


def message_text(message: StoredMessage) -> str:
    """A stored message's visible text: content, then each embed's title, description and footer."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [
            embed.get("title") or "",
            embed.get("description") or "",
            (embed.get("footer") or {}).get("text", ""),
        ]
    return "\n".join(p for p in parts if p)


async def start_bot(
    fake: FakeDiscord, quiz: QuizApp, settings: Settings, *, instructors: bool = False
) -> DiscordBot:
    """A bot connected to ``fake`` (commands synced to the fake's guild); ``instructors``: with the
    scheduling work's instructor handler."""
    instructor_handler: InstructorHandler | None = quiz.instructor_handler() if instructors else None
    bot = build_discord_bot(
        settings,
        quiz,
        instructor_handler=instructor_handler,
        update_interval=0,
        guild_ready_timeout=0.05,
    )
    await bot.start(fake.token)
    return bot


@asynccontextmanager
async def discord_env(
    db_url: str,
    *,
    questions: Sequence[Question] = QUESTIONS,
    instructors: bool = False,
    **fake_options: Any,
) -> AsyncIterator[DiscordEnv]:
    """The whole stack: FakeDiscord, the core on ``db_url``, the discord.py client connected to the fake."""
    async with FakeDiscord(**fake_options) as fake:
        with discord_py_pointed_at(fake):
            roles = fake.add_role(INSTRUCTOR_ROLE), fake.add_role("Moderators", permissions=MANAGE_GUILD)
            clock = FakeClock(START)
            settings = settings_for(fake, db_url)
            quiz = build_app(settings, clock=clock, rng=random.Random(3))
            store_questions(quiz, questions)
            bot = await start_bot(fake, quiz, settings, instructors=instructors)
            env = DiscordEnv(fake, bot, quiz, clock, settings, *roles, with_instructor_handler=instructors)
            try:
                yield env
            finally:
                await env.bot.close()
                env.quiz.close()
