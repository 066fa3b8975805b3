"""Helpers for the quiz-engine tests: a recording chat port (a test double of the *platform* side only),
synthetic questions stored as rows, and the real services and dispatcher wired on the conftest database
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from bankrows import store_question_rows
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FakeClock
from bot.dispatcher import Dispatcher
from bot.events import Actor, ChoiceSelected, CommandInvoked, Event, SelfRated, TextAnswered, Where
from bot.messages import Message
from bot.ports import MessageRef
from bot.quiz import QuizOptions, QuizService
from bot.services import PlayerService, Services
from questions.model import (
    Choice,
    ChoiceAnswer,
    Difficulty,
    Kind,
    OpenAnswer,
    Question,
    Review,
    ShortAnswer,
    Source,
)

PLATFORM = "test"
WORKSPACE = "W1"
CHANNEL = "C1"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


@dataclass
class Sent:
    """One call the core made on the port."""

    kind: str  # "post" | "private" | "dm" | "update"
    message: Message
    channel: str | None = None
    user_id: str | None = None
    ref: str | None = None


@dataclass
class RecordingPort:
    """A fake platform: records every outbound call; ``dm_closed`` users cannot receive DMs."""

    sent: list[Sent] = field(default_factory=list)
    dm_closed: set[str] = field(default_factory=set)
    _ids: count[int] = field(default_factory=lambda: count(1))

    async def post(self, where: Where, message: Message) -> MessageRef:
        ref = MessageRef(where, f"m{next(self._ids)}")
        self.sent.append(Sent("post", message, channel=where.channel_id, ref=ref.message_id))
        return ref

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        self.sent.append(Sent("private", message, channel=where.channel_id, user_id=user_id))

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        if actor.user_id in self.dm_closed:
            return None
        self.sent.append(Sent("dm", message, user_id=actor.user_id))
        return MessageRef(
            Where(actor.platform, actor.workspace_id, "D" + actor.user_id), f"d{next(self._ids)}"
        )

    async def update(self, ref: MessageRef, message: Message) -> None:
        self.sent.append(Sent("update", message, channel=ref.where.channel_id, ref=ref.message_id))

    def take(self) -> list[Sent]:
        """The calls since the last take."""
        out, self.sent = self.sent, []
        return out


def q_single(qid: str = "qdock1", topic: str = "Docker", **kw: object) -> Question:
    data: dict[str, object] = dict(
        id=qid,
        kind=Kind.SINGLE,
        prompt="Which instruction sets the working directory?\n\n```dockerfile\nFROM python:3.11\n```",
        choices=(
            Choice(key="A", text="RUN cd", why_wrong="Each RUN is its own shell; cd does not persist."),
            Choice(key="B", text="WORKDIR"),
            Choice(key="C", text="CHDIR", why_wrong="There is no CHDIR instruction."),
            Choice(key="D", text="ENV PWD"),
        ),
        answer=ChoiceAnswer(keys=("B",)),
        explanation="WORKDIR sets the directory for later instructions.",
        topic=topic,
        difficulty=Difficulty.EASY,
        review=Review(title="Dockerfile reference", url="https://docs.docker.com/reference/dockerfile/"),
        source=Source(file="test.md", line=1),
        bank="test",
    )
    data.update(kw)
    return Question.model_validate(data)


def q_multi(qid: str = "qdock2") -> Question:
    return Question(
        id=qid,
        kind=Kind.MULTI,
        prompt="Which are Docker storage options? (select all that apply)",
        choices=(
            Choice(key="A", text="volumes"),
            Choice(key="B", text="bind mounts"),
            Choice(key="C", text="tmpfs mounts"),
            Choice(key="D", text="registry mounts", why_wrong="Registries store images, not container data."),
        ),
        answer=ChoiceAnswer(keys=("A", "B", "C")),
        topic="Docker",
        difficulty=Difficulty.MEDIUM,
        source=Source(file="test.md", line=10),
        bank="test",
    )


def q_short(qid: str = "qk8s1") -> Question:
    return Question(
        id=qid,
        kind=Kind.SHORT,
        prompt="Which kubectl command lists the pods?",
        answer=ShortAnswer(accepted=("kubectl get pods",)),
        topic="Kubernetes",
        review=Review(title="kubectl cheat sheet", url="kubectl/cheatsheet/"),
        source=Source(file="test.md", line=20),
        bank="test",
    )


def q_open(qid: str = "qk8s2") -> Question:
    return Question(
        id=qid,
        kind=Kind.OPEN,
        prompt="Explain what a readiness probe is for.",
        answer=OpenAnswer(
            model_answer="It tells Kubernetes when a pod may receive traffic.",
            key_points=("traffic only when ready", "differs from liveness"),
            rubric="Full marks when both points are made.",
        ),
        topic="Kubernetes",
        difficulty=Difficulty.HARD,
        source=Source(file="test.md", line=30),
        bank="test",
    )


def store_questions(session: Session, questions: Sequence[Question]) -> None:
    """Insert questions as rows (``data`` is exactly the model dump), as the bank store does."""
    store_question_rows(session, questions, bank="test", title="Test bank", now=START)


class Env:
    """The real services and dispatcher on a test database, with a recording port and a fake clock."""

    def __init__(self, session_factory: sessionmaker[Session], *, review_base_url: str | None = None) -> None:
        self.sessions = session_factory
        self.clock = FakeClock(START)
        options = QuizOptions(
            timezone="UTC", review_base_url=review_base_url, topic_aliases={"dkr": "Docker"}
        )
        self.quiz = QuizService(self.clock, options, rng=random.Random(7))
        self.players = PlayerService(self.clock, "UTC")
        self.services = Services(self.clock, self.quiz, self.players, instructors=frozenset({"teacher"}))
        self.port = RecordingPort()
        self.dispatcher = Dispatcher(self.services, self.port, session_factory)
        self.where = Where(PLATFORM, WORKSPACE, CHANNEL)
        self._deliveries = count(1)

    def actor(self, user_id: str = "U1", name: str | None = None, admin: bool = False) -> Actor:
        return Actor(PLATFORM, WORKSPACE, user_id, name or user_id.lower(), admin)

    def handle(self, event: Event) -> list[Sent]:
        """Run one event through the dispatcher; the port calls it made."""
        asyncio.run(self.dispatcher.handle(event))
        return self.port.take()

    def delivery(self) -> str:
        return f"dlv{next(self._deliveries)}"

    def command(
        self, text: str, user: str = "U1", *, delivery: str | None = None, **kw: object
    ) -> list[Sent]:
        return self.handle(
            CommandInvoked(self.actor(user, **kw), self.where, text, delivery or self.delivery())
        )

    def type_answer(self, text: str, user: str = "U1", post_id: int | None = None) -> list[Sent]:
        return self.handle(TextAnswered(self.actor(user), self.where, post_id, text, self.delivery()))

    def click(self, post_id: int, *keys: str, user: str = "U1", delivery: str | None = None) -> list[Sent]:
        event = ChoiceSelected(self.actor(user), self.where, post_id, keys, delivery or self.delivery())
        return self.handle(event)

    def rate(self, post_id: int, rating: str, user: str = "U1") -> list[Sent]:
        return self.handle(SelfRated(self.actor(user), self.where, post_id, rating, self.delivery()))
