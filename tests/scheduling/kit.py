"""Helpers for the scheduling tests: the real services, dispatcher, instructor handler and scheduler wired on
the conftest database (SQLite and PostgreSQL), a fake clock, and a recording port that can be told to fail
for some channels (a test double of the *platform* only)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from bankrows import store_question_rows
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FakeClock
from bot.dispatcher import Dispatcher
from bot.events import Actor, CommandInvoked, Where
from bot.instructor import InstructorHandler
from bot.messages import Message, QuestionCard
from bot.ports import MessageRef
from bot.quiz import QuizOptions, QuizService
from bot.scheduler import RetryPolicy, RunReport, Scheduler, dispatcher_delivery
from bot.services import PlayerService, Services
from questions.model import Choice, ChoiceAnswer, Kind, Question, Review, Source

PLATFORM = "test"
WORKSPACE = "W1"
CHANNEL = "C1"
TEACHER = "teacher"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC


def question(qid: str, topic: str, *, bank: str = "test", review_url: str | None = None) -> Question:
    """A single-choice question whose right answer is B."""
    return Question(
        id=qid,
        kind=Kind.SINGLE,
        prompt=f"Question {qid} about {topic}?",
        choices=(Choice(key="A", text="wrong"), Choice(key="B", text="right"), Choice(key="C", text="no")),
        answer=ChoiceAnswer(keys=("B",)),
        topic=topic,
        review=Review(title=f"Read about {qid}", url=review_url or f"https://docs.example/{qid}"),
        source=Source(file="t.md", line=1),
        bank=bank,
    )


def store(session: Session, questions: list[Question]) -> None:
    """Store questions as the bank store does (bank rows created as needed)."""
    store_question_rows(session, questions, bank="test", now=START)


@dataclass
class Sent:
    kind: str  # "post" | "private" | "dm" | "update"
    message: Message
    channel: str | None = None
    user_id: str | None = None
    ref: str | None = None


class PlatformError(Exception):
    """What a platform client raises (optionally with a Retry-After)."""

    def __init__(self, text: str, retry_after: float | None = None) -> None:
        super().__init__(text)
        self.retry_after = retry_after


@dataclass
class FlakyPort:
    """Records every call; posts to ``broken`` channels raise; ``fail_times[channel]`` posts fail first."""

    sent: list[Sent] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    fail_times: dict[str, int] = field(default_factory=dict)
    retry_after: float | None = None
    attempts: dict[str, int] = field(default_factory=dict)
    _ids: count[int] = field(default_factory=lambda: count(1))

    async def post(self, where: Where, message: Message) -> MessageRef:
        self.attempts[where.channel_id] = self.attempts.get(where.channel_id, 0) + 1
        await asyncio.sleep(0)
        if where.channel_id in self.broken:
            raise PlatformError("channel_not_found")
        if self.fail_times.get(where.channel_id, 0) > 0:
            self.fail_times[where.channel_id] -= 1
            raise PlatformError("ratelimited", self.retry_after)
        ref = MessageRef(where, f"m{next(self._ids)}")
        self.sent.append(Sent("post", message, channel=where.channel_id, ref=ref.message_id))
        return ref

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        self.sent.append(Sent("private", message, channel=where.channel_id, user_id=user_id))

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        self.sent.append(Sent("dm", message, user_id=actor.user_id))
        return MessageRef(
            Where(actor.platform, actor.workspace_id, "D" + actor.user_id), f"d{next(self._ids)}"
        )

    async def update(self, ref: MessageRef, message: Message) -> None:
        self.sent.append(Sent("update", message, channel=ref.where.channel_id, ref=ref.message_id))

    def take(self) -> list[Sent]:
        out, self.sent = self.sent, []
        return out

    def cards(self) -> list[QuestionCard]:
        return [s.message for s in self.sent if s.kind == "post" and isinstance(s.message, QuestionCard)]


class World:
    """One bot instance on the test database: services, dispatcher (with the instructor handler), scheduler."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: FakeClock | None = None,
        port: FlakyPort | None = None,
        instance: str = "A",
        timezone: str = "UTC",
        retry: RetryPolicy | None = None,
        charts: bool = False,
    ) -> None:
        self.sessions = sessions
        self.clock = clock or FakeClock(START)
        options = QuizOptions(timezone=timezone, review_base_url="https://course.example/")
        self.quiz = QuizService(self.clock, options, rng=random.Random(3))
        self.services = Services(
            self.clock, self.quiz, PlayerService(self.clock, timezone), instructors=frozenset({TEACHER})
        )
        self.port = port or FlakyPort()
        self.handler = InstructorHandler(
            self.services, default_timezone=timezone, review_base_url="https://course.example/"
        )
        self.dispatcher = Dispatcher(self.services, self.port, sessions, instructor_handler=self.handler)
        self.scheduler = Scheduler(
            sessions,
            self.clock,
            self.services,
            dispatcher_delivery(self.dispatcher),
            instance_id=instance,
            retry=retry or RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01),
            charts=charts,
            review_base_url="https://course.example/",
        )
        self._deliveries = count(1)

    def actor(self, user: str = TEACHER, admin: bool = False) -> Actor:
        return Actor(PLATFORM, WORKSPACE, user, user.capitalize(), admin)

    def command(
        self, text: str, user: str = TEACHER, channel: str = CHANNEL, admin: bool = False
    ) -> list[Sent]:
        where = Where(PLATFORM, WORKSPACE, channel)
        event = CommandInvoked(self.actor(user, admin), where, text, f"d{id(self)}-{next(self._deliveries)}")
        asyncio.run(self.dispatcher.handle(event))
        return self.port.take()

    def run_due(self) -> RunReport:
        return asyncio.run(self.scheduler.run_due())


def texts(sent: list[Sent]) -> str:
    """Everything sent, rendered as plain text."""
    from bot.render_text import render

    return "\n".join(render(s.message) for s in sent)
