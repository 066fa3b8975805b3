"""Discord component clicks under load: many users click a channel card through the fake gateway.

``python -m bench.bench_discord [--quick] [--sqlite-only]``

Everything runs in this process on one event loop: the fake Discord (``tests/fakes/discord``: gateway and REST
on loopback), and the real discord.py client with the Quizmaster adapter (``adapters.discord``) wired to the
core on SQLite (a temporary file) or PostgreSQL (a fresh schema of the ``test`` database). Each round posts a
card to the channel, then simulated users click its buttons, with 1, 10 or 100 clicks in flight at a time.
About 5% of the users click twice (another option, a second interaction) and about 5% of the interactions are
delivered again by the gateway (same id and token: a replay).

Reported per backend and concurrency: clicks per second (first click sent -> every click acknowledged, every
answer committed and its feedback DM and card edit sent), p50/p99 time from the INTERACTION_CREATE frame to
the interaction callback (the ack), and the same for a no-op client measured in the same run (a bare
``discord.Client`` whose persistent button only defers). The fake and the bot share one event loop, so the
no-op client is the ceiling. After each round the database and the fake's DMs are checked: every user has
exactly one answer and exactly one feedback DM; nothing lost, nothing doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from sqlalchemy import func, select

from adapters.discord import ids
from adapters.discord.client import build_discord_bot
from bench.bench_answers import _postgres_schema
from bench.common import print_table
from bot.app import QuizApp, build_app
from bot.clock import FakeClock
from bot.config import DiscordSettings, Settings
from bot.dispatcher import run_unit
from bot.events import Where
from bot.storage.models import AnswerRow, Bank, Base, QuestionRow
from questions.model import Choice, ChoiceAnswer, Kind, Question, Source

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fakes.discord import FakeDiscord, FakeUser, PendingInteraction, discord_py_pointed_at

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DOUBLE_SHARE = 0.05
REPLAY_SHARE = 0.05
KEYS = "ABCD"


@dataclass(frozen=True)
class Run:
    """One batch of clicks against one client."""

    clicks: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.clicks / self.seconds if self.seconds > 0 else float("inf")

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass(frozen=True)
class Row:
    backend: str
    concurrency: int
    clicks: int
    quiz: Run
    noop: Run
    lost: int
    doubled: int


def _question() -> Question:
    return Question(
        id="qdb1",
        kind=Kind.SINGLE,
        prompt="Benchmark question: which option is right?\n\n```\ncode\n```",
        choices=tuple(Choice(key=k, text=f"option {k}") for k in KEYS),
        answer=ChoiceAnswer(keys=("B",)),
        topic="Bench",
        source=Source(file="bench.md"),
        bank="bench",
    )


def _store(quiz: QuizApp) -> None:
    Base.metadata.create_all(quiz.engine)
    question = _question()
    with quiz.sessions() as s:
        s.add(Bank(name="bench", title="Bench", imported_at=START))
        s.flush()
        s.add(
            QuestionRow(
                id=question.id,
                bank="bench",
                kind=question.kind.value,
                topic=question.topic,
                difficulty=None,
                data=question.model_dump(mode="json"),
                active=True,
                updated_at=START,
            )
        )
        s.commit()


class NoopChoice(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ids.CHOOSE_TEMPLATE):
    """The ceiling: the same persistent button, whose callback only acknowledges."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(label="x", custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NoopChoice:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()


def _noop_client() -> discord.Client:
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(
        intents=intents, guild_ready_timeout=0.05, allowed_mentions=discord.AllowedMentions.none()
    )
    client.add_dynamic_items(NoopChoice)
    return client


async def _start(client: discord.Client, token: str) -> asyncio.Task[None]:
    await client.login(token)
    task = asyncio.create_task(client.connect(reconnect=True))
    await asyncio.wait_for(client.wait_until_ready(), 10)
    return task


async def _click(
    fake: FakeDiscord, message_id: int, plan: Sequence[tuple[FakeUser, str]], concurrency: int
) -> tuple[list[PendingInteraction], float]:
    """Dispatch ``plan`` with at most ``concurrency`` clicks awaiting their ack; returns them and the start."""
    pendings: list[PendingInteraction] = []
    cursor = iter(plan)

    async def worker() -> None:
        for user, custom_id in cursor:
            pending = fake.dispatch_click(message_id, custom_id, user=user)
            pendings.append(pending)
            await pending.callback(timeout=30)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return pendings, started


def _latencies(fake: FakeDiscord, pendings: Sequence[PendingInteraction]) -> list[float]:
    return [next(c.latency for c in fake.callbacks(p) if c.accepted) * 1000 for p in pendings]


async def _replay(fake: FakeDiscord, pendings: Sequence[PendingInteraction], rng: random.Random) -> int:
    chosen = rng.sample(list(pendings), max(1, int(len(pendings) * REPLAY_SHARE)))
    for pending in chosen:
        await fake.gateway.dispatch("INTERACTION_CREATE", fake.interaction(pending.id).payload)
    deadline = time.monotonic() + 30
    while any(len(fake.callbacks(p)) < 2 for p in chosen):  # each replay's ack refused (40060)
        if time.monotonic() > deadline:
            raise TimeoutError("replayed interactions were never acknowledged")
        await asyncio.sleep(0.005)
    return len(chosen)


def _plan(users: Sequence[FakeUser], post_id: int, rng: random.Random) -> list[tuple[FakeUser, str]]:
    plan = [(u, ids.choose(post_id, rng.choice(KEYS))) for u in users]
    for user in rng.sample(list(users), max(1, int(len(users) * DOUBLE_SHARE))):
        plan.append((user, ids.choose(post_id, rng.choice(KEYS))))  # a double click
    rng.shuffle(plan)
    return plan


def _check(
    quiz: QuizApp, post_id: int, users: Sequence[FakeUser], fake: FakeDiscord, dms_before: dict[int, int]
) -> tuple[int, int]:
    """(lost, doubled): users without an answer or feedback DM, and extra answers or DMs."""
    with quiz.sessions() as s:
        rows = s.execute(
            select(AnswerRow.user_pk, func.count())
            .where(AnswerRow.post_id == post_id)
            .group_by(AnswerRow.user_pk)
        ).all()
    answered = len(rows)
    extra_answers = sum(n - 1 for _, n in rows)
    dm_counts = [len(fake.dms(u)) - dms_before.get(u.id, 0) for u in users]
    lost = (len(users) - answered) + sum(1 for n in dm_counts if n == 0)
    doubled = extra_answers + sum(n - 1 for n in dm_counts if n > 1)
    return lost, doubled


async def _round(
    fake: FakeDiscord,
    quiz: QuizApp,
    settings: Settings,
    users: Sequence[FakeUser],
    concurrency: int,
    rng: random.Random,
) -> tuple[Run, Run, int, int]:
    where = Where("discord", str(fake.guild.id), str(fake.channel.id))
    bot = build_discord_bot(settings, quiz, update_interval=0, guild_ready_timeout=0.05)
    await bot.start(fake.token)
    reply = run_unit(
        quiz.sessions,
        lambda s: quiz.services.quiz.post_to_channel(
            s, question_id="qdb1", where=where, closes_at=START + timedelta(days=1)
        ),
    )
    await bot.dispatcher.deliver([reply])
    assert reply.post_id is not None
    post_id = reply.post_id
    message_id = next(m.id for m in reversed(fake.messages()) if ids.choose(post_id, "A") in m.custom_ids())
    dms_before = {u.id: len(fake.dms(u)) for u in users}

    plan = _plan(users, post_id, rng)
    pendings, started = await _click(fake, message_id, plan, concurrency)
    await _replay(fake, pendings, rng)
    await asyncio.sleep(0)
    await bot.router.drain()
    quiz_run = Run(len(plan), time.perf_counter() - started, _latencies(fake, pendings))
    lost, doubled = _check(quiz, post_id, users, fake, dms_before)
    await bot.close()

    noop = _noop_client()
    task = await _start(noop, fake.token)
    pendings, started = await _click(fake, message_id, plan, concurrency)
    noop_run = Run(len(plan), time.perf_counter() - started, _latencies(fake, pendings))
    await noop.close()
    await task
    return quiz_run, noop_run, lost, doubled


async def _bench_backend(name: str, db_url: str, n_users: int, levels: Sequence[int]) -> list[Row]:
    rows = []
    async with FakeDiscord() as fake:
        users = [fake.add_user(f"user{i}") for i in range(n_users)]
        with discord_py_pointed_at(fake):
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=db_url,
                discord=DiscordSettings(token=fake.token, guild_id=str(fake.guild.id)),
            )
            quiz = build_app(settings, clock=FakeClock(START), rng=random.Random(1))
            _store(quiz)
            rng = random.Random(7)
            try:
                await _round(fake, quiz, settings, users[:10], 10, rng)  # warm-up: DM channels, caches
                for concurrency in levels:
                    quiz_run, noop_run, lost, doubled = await _round(
                        fake, quiz, settings, users, concurrency, rng
                    )
                    rows.append(Row(name, concurrency, quiz_run.clicks, quiz_run, noop_run, lost, doubled))
            finally:
                quiz.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table; exit 1 if an answer or a DM was lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer users and one concurrency (a smoke run)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    n_users, levels = (40, (10,)) if args.quick else (200, (1, 10, 100))
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += asyncio.run(_bench_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", n_users, levels))
    if not args.sqlite_only:
        with _postgres_schema() as url:
            if url is not None:
                rows += asyncio.run(_bench_backend("PostgreSQL", url, n_users, levels))
    print_table(
        f"Discord component clicks through the fake gateway ({n_users} users per round, "
        f"{DOUBLE_SHARE:.0%} double clicks, {REPLAY_SHARE:.0%} replays)",
        [
            "backend",
            "in flight",
            "clicks",
            "clicks/s",
            "ack p50 ms",
            "ack p99 ms",
            "no-op clicks/s",
            "no-op p50 ms",
            "no-op p99 ms",
            "lost",
            "doubled",
        ],
        [
            (
                r.backend,
                r.concurrency,
                r.clicks,
                r.quiz.rate,
                r.quiz.pct(0.5),
                r.quiz.pct(0.99),
                r.noop.rate,
                r.noop.pct(0.5),
                r.noop.pct(0.99),
                r.lost,
                r.doubled,
            )
            for r in rows
        ],
    )
    if rows:
        ratio = statistics.median(r.quiz.rate / r.noop.rate for r in rows)
        print(f"median clicks/s relative to the no-op client: {ratio:.0%}")
    bad = [r for r in rows if r.lost or r.doubled]
    if bad:
        print("FAILED: answers or feedback lost or doubled")
        return 1
    print("every click answered once: nothing lost, nothing doubled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
