"""Helpers for the Slack adapter tests: synthetic questions, and the real bot (core + Bolt app in HTTP mode on
an ephemeral port, with the instructor commands) wired to the fake Slack on loopback, on the conftest database
(SQLite or PostgreSQL); ``SlackEnv.scheduler`` adds the scheduler, delivering through the bot's dispatcher."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bankrows import store_question_rows
from chatquestions import chat_questions
from fakes.slack import FakeSlack, PayloadFactory, SentRequest, SlackRequestSender
from sqlalchemy import select

from adapters.slack.app import SlackBot, build_slack_app
from bot.app import QuizApp, build_app
from bot.clock import FakeClock
from bot.config import Settings, SlackSettings
from bot.dispatcher import run_unit
from bot.events import Where
from bot.instructor import InstructorHandler
from bot.scheduler import RetryPolicy, RunReport, Scheduler, dispatcher_delivery
from bot.storage.models import AnswerRow, Base, Post, User
from questions.model import (
    Question,
)

SECRET = "test-signing-secret"
CHANNEL = "C0QUIZ0001"
INSTRUCTOR = "UTEACH0001"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


QUESTIONS = SINGLE, MULTI, SHORT, OPEN = chat_questions("qs", "slack")


def store_questions(quiz: QuizApp, questions: Sequence[Question] = QUESTIONS) -> None:
    """Create the tables and insert the questions as the bank store would."""
    Base.metadata.create_all(quiz.engine)
    with quiz.sessions() as s:
        store_question_rows(s, questions, bank="slack", title="Slack tests", now=START)


@dataclass
class SlackEnv:
    """The real bot in HTTP mode against the fake Slack; every helper waits for the work it started."""

    fake: FakeSlack
    bot: SlackBot
    quiz: QuizApp
    sender: SlackRequestSender
    clock: FakeClock
    instructor: InstructorHandler
    channel: str = CHANNEL

    @property
    def where(self) -> Where:
        return Where("slack", self.fake.team_id, self.channel)

    async def settle(self) -> None:
        """Wait for the background work the app started (dispatcher, Web API calls)."""
        await self.bot.drain()

    def name(self, user: str) -> str:
        """The user's name in the fake workspace (what Slack puts in payloads)."""
        known = self.fake.ws.users.get(user)
        return known.name if known is not None else user.lower()

    async def command(self, text: str, user: str, *, channel: str | None = None) -> SentRequest:
        sent = await self.sender.slash_command(
            "/quiz", text, user_id=user, user_name=self.name(user), channel_id=channel or self.channel
        )
        await self.settle()
        return sent

    async def click(self, surface: dict[str, Any], action_id: str, user: str, **options: Any) -> SentRequest:
        options.setdefault("user_name", self.name(user))
        sent = await self.sender.click(surface, action_id, user_id=user, **options)
        await self.settle()
        return sent

    async def post_card(
        self, question_id: str, *, closes_in: timedelta = timedelta(hours=24)
    ) -> tuple[int, str]:
        """Post a question to the channel as the scheduler does (service + dispatcher.deliver); returns the
        post id and the card's ts."""
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
            return reply.post_id, post.message_ref

    def scheduler(self, *, retry: RetryPolicy | None = None) -> Scheduler:
        """The scheduler as ``adapters.runner`` wires it (``build_scheduler``: the bot's sessions, clock and
        services; Slack delivered by this bot's dispatcher), with the retry policy given."""
        scheduler = Scheduler(
            self.quiz.sessions,
            self.clock,
            self.quiz.services,
            {"slack": dispatcher_delivery(self.bot.dispatcher)},
            instance_id="slack-test",
            retry=retry,
            review_base_url=self.quiz.settings.review_base_url,
        )
        self.instructor.on_change = scheduler.rebuild_soon
        return scheduler

    async def run_at(self, scheduler: Scheduler, when: datetime) -> RunReport:
        """Move the clock to ``when``, run what is due, and wait for the work it started."""
        self.clock.set(when)
        report = await scheduler.run_due()
        await self.settle()
        return report

    def card(self, ts: str) -> dict[str, Any]:
        return self.fake.message(self.channel, ts)

    def answers(self, post_id: int | None = None) -> list[tuple[str, str, str | None, str | None]]:
        """(user id, verdict, response, self rating) of recorded answers, by user id."""
        with self.quiz.sessions() as s:
            query = select(User.user_id, AnswerRow.verdict, AnswerRow.response, AnswerRow.self_rating).join(
                User, User.id == AnswerRow.user_pk
            )
            if post_id is not None:
                query = query.where(AnswerRow.post_id == post_id)
            return sorted(tuple(r) for r in s.execute(query).all())  # type: ignore[misc]

    def latest_post(self, user: str) -> int:
        """The newest post asked to ``user`` privately."""
        with self.quiz.sessions() as s:
            pk = s.scalars(select(User.id).where(User.user_id == user)).one()
            return s.scalars(
                select(Post.id).where(Post.target_user_pk == pk).order_by(Post.id.desc()).limit(1)
            ).one()


def settings_for(fake: FakeSlack, db_url: str, *, mode: str = "http") -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        instructors=[INSTRUCTOR],
        slack=SlackSettings(
            bot_token=fake.bot_token,
            app_token=fake.app_token,
            signing_secret=SECRET,
            mode=mode,  # type: ignore[arg-type]
            api_base_url=fake.api_url,
        ),
    )


@asynccontextmanager
async def slack_env(db_url: str, *, front: bool = False, **fake_options: Any) -> AsyncIterator[SlackEnv]:
    """The whole stack: FakeSlack, the core on ``db_url``, the Bolt app serving on 127.0.0.1:<ephemeral>,
    in this process or (``front``) in the HTTP front process (``adapters.slack.front``)."""
    async with FakeSlack(**fake_options) as fake:
        clock = FakeClock(START)
        settings = settings_for(fake, db_url)
        quiz = build_app(settings, clock=clock, rng=random.Random(3))
        store_questions(quiz)
        instructor = quiz.instructor_handler()
        bot = build_slack_app(settings, quiz, instructor_handler=instructor, update_interval=0)
        runner = None
        if front:
            port = (await bot.start_front("127.0.0.1", 0)).port
        else:
            runner, port = await bot.start_http("127.0.0.1", 0)
        sender = SlackRequestSender(f"http://127.0.0.1:{port}/slack/events", SECRET, PayloadFactory(fake))
        try:
            yield SlackEnv(fake, bot, quiz, sender, clock, instructor)
        finally:
            await sender.close()
            await bot.drain()
            if runner is not None:
                await runner.cleanup()
            await bot.stop_front()
            await bot.close()
            await asyncio.sleep(0)
            quiz.close()
