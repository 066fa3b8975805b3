"""Recording an answer: answers per second through the real service path, on SQLite and PostgreSQL.

``python -m bench.bench_answers [--quick]``

Each answer is one ``Dispatcher.process(ChoiceSelected(...))``: one unit of work that claims the delivery id,
resolves the user and the post, grades the click, inserts the ``AnswerRow``, updates the channel and workspace
streaks, builds the feedback and the updated channel card (the posts carry a message ref, as posted cards do)
and commits (no chat I/O: the port is not involved in ``process``). Every answer is a distinct (post, user)
pair spread over 50 users, so each one really writes; the clock moves a day every 150 answers (three per
user), so a third of the answers advance both streaks, as a user's first answer of the day does.

The baseline, measured in the same run on the same database, rounds alternating with the service's: a bare
INSERT of the same ``AnswerRow`` rows, one transaction per row (the service also commits once per answer).

The batched variant: the same clicks recorded ``BATCH`` to a unit of work (``Dispatcher.process_batch``, as
``bot.batching.AnswerBatcher`` does under load): one commit per batch.

The concurrent variant: ``CONCURRENCY`` asyncio tasks each feed their share of the clicks through
``Dispatcher.handle`` (worker threads, as the chat adapters run it; replies go to a port that does nothing);
it reports answers/s and the p50/p99 latency of one ``handle``.

SQLite runs in a temporary file; PostgreSQL in a fresh schema of the ``test`` database
(``QUIZMASTER_BENCH_POSTGRES_URL`` overrides), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import Rate, measure, measure_interleaved, print_table
from bot.app import build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.events import Actor, ChoiceSelected, Where
from bot.messages import Message
from bot.ports import MessageRef
from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import AnswerRow, Bank, Base, Post, QuestionRow, User
from questions.model import Choice, ChoiceAnswer, Difficulty, Kind, Question, Source

POSTGRES_URL = os.environ.get(
    "QUIZMASTER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PLATFORM, WORKSPACE, CHANNEL = "bench", "W", "C"
USERS = 50
QUESTIONS = 20
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CONCURRENCY = 10
BATCH = 50
ANSWERS_PER_DAY = 150  # 3 answers per user and day: a third of the answers move the streaks


def _question(i: int) -> Question:
    return Question(
        id=f"qb{i}",
        kind=Kind.SINGLE,
        prompt=f"Benchmark question {i}: which option is right?",
        choices=tuple(Choice(key=k, text=f"option {k} of question {i}") for k in "ABCD"),
        answer=ChoiceAnswer(keys=("B",)),
        topic="Bench",
        difficulty=Difficulty.MEDIUM,
        source=Source(file="bench.md", line=i),
        bank="bench",
    )


def _seed(sessions: sessionmaker[Session], posts: int) -> tuple[list[int], dict[str, int]]:
    """Questions, users and ``posts`` channel posts; returns the post ids and user pks by user id."""
    with sessions() as s:
        s.add(Bank(name="bench", title="Bench", imported_at=START))
        s.flush()
        for i in range(QUESTIONS):
            q = _question(i)
            s.add(
                QuestionRow(
                    id=q.id,
                    bank="bench",
                    kind="single",
                    topic="Bench",
                    difficulty="medium",
                    data=q.model_dump(mode="json"),
                    active=True,
                    updated_at=START,
                )
            )
        users = [
            User(
                platform=PLATFORM,
                workspace_id=WORKSPACE,
                user_id=f"U{u}",
                display_name=f"user {u}",
                dm_feedback=True,
                created_at=START,
            )
            for u in range(USERS)
        ]
        s.add_all(users)
        s.flush()
        rows = [
            {
                "question_id": f"qb{i % QUESTIONS}",
                "platform": PLATFORM,
                "workspace_id": WORKSPACE,
                "channel_id": CHANNEL,
                "audience": "channel",
                "posted_at": START,
                "closes_at": START + timedelta(days=365),
                "timezone": "UTC",
                "message_ref": f"m{i}",
            }
            for i in range(posts)
        ]
        s.execute(insert(Post), rows)
        s.commit()
        post_ids = sorted(s.scalars(select(Post.id)).all())
        return post_ids, {u.user_id: u.id for u in users}


class _NullPort:
    """A chat platform that accepts everything instantly (the concurrent variant delivers replies)."""

    async def post(self, where: Where, message: Message) -> MessageRef:
        return MessageRef(where, "m")

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        return None

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        return MessageRef(Where(actor.platform, actor.workspace_id, "D" + actor.user_id), "d")

    async def update(self, ref: MessageRef, message: Message) -> None:
        return None


class _Clicks:
    """Distinct (post, user) clicks with fresh delivery ids, the clock moving a day every so often."""

    def __init__(self, post_ids: list[int], clock: FakeClock, prefix: str) -> None:
        self._posts = iter(post_ids)
        self._prefix = prefix
        self._clock = clock
        self._count = itertools.count()
        self._where = Where(PLATFORM, WORKSPACE, CHANNEL)
        self._actors = [Actor(PLATFORM, WORKSPACE, f"U{u}", f"user {u}") for u in range(USERS)]

    def next(self) -> ChoiceSelected:
        i = next(self._count)
        if i and i % ANSWERS_PER_DAY == 0:
            self._clock.advance(timedelta(days=1))
        return ChoiceSelected(
            self._actors[i % USERS], self._where, next(self._posts), ("B",), f"{self._prefix}{i}"
        )


@dataclass(frozen=True)
class Result:
    """One database's figures."""

    service: Rate
    baseline: Rate
    batched: Rate
    concurrent: Rate
    p50_ms: float
    p99_ms: float


def _bench_db(url: str, n: int, rounds: int) -> Result:
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
        sessions = make_session_factory(engine)
        per_round = n * (rounds + 1)  # + the warm-up round
        post_ids, user_pks = _seed(sessions, 4 * per_round)
        service_posts = post_ids[:per_round]
        baseline_posts = iter(post_ids[per_round : 2 * per_round])
        concurrent_posts = post_ids[2 * per_round : 3 * per_round]
        batched_posts = post_ids[3 * per_round :]
        clock = FakeClock(START + timedelta(hours=1))
        services = build_services(Settings(), clock, random.Random(0))
        dispatcher = Dispatcher(services, _NullPort(), sessions)
        clicks = _Clicks(service_posts, clock, "s")
        concurrent_clicks = _Clicks(concurrent_posts, clock, "c")
        batched_clicks = _Clicks(batched_posts, clock, "b")
        latencies: list[float] = []

        def service_round() -> None:
            for _ in range(n):
                dispatcher.process(clicks.next())

        def batched_round() -> None:
            for start in range(0, n, BATCH):
                dispatcher.process_batch([batched_clicks.next() for _ in range(min(BATCH, n - start))])

        def baseline_round() -> None:
            for i, post_id in zip(range(n), baseline_posts, strict=False):
                with engine.begin() as conn:
                    conn.execute(
                        insert(AnswerRow).values(
                            post_id=post_id,
                            user_pk=user_pks[f"U{i % USERS}"],
                            question_id=f"qb{post_id % QUESTIONS}",
                            platform=PLATFORM,
                            workspace_id=WORKSPACE,
                            channel_id=CHANNEL,
                            answered_at=clock.now(),
                            local_date=clock.now().date(),
                            response="B",
                            choice_keys="B",
                            verdict="correct",
                            score=1.0,
                            points=12,
                        )
                    )

        async def concurrent_clients() -> None:
            async def client(share: int) -> None:
                for _ in range(share):
                    started = time.perf_counter()
                    await dispatcher.handle(concurrent_clicks.next())
                    latencies.append(time.perf_counter() - started)

            shares = [n // CONCURRENCY + (1 if k < n % CONCURRENCY else 0) for k in range(CONCURRENCY)]
            await asyncio.gather(*(client(share) for share in shares))

        rates = measure_interleaved(
            [("service", service_round, n), ("baseline", baseline_round, n), ("batched", batched_round, n)],
            rounds=rounds,
            warmup=1,
        )
        concurrent = measure(lambda: asyncio.run(concurrent_clients()), n, rounds=rounds, warmup=1)
        with sessions() as s:
            recorded = s.scalar(text("SELECT count(*) FROM answers WHERE response = 'B'"))
            assert recorded == 4 * per_round, f"expected {4 * per_round} answers, found {recorded}"
        measured = sorted(latencies[n:])  # without the warm-up round
        return Result(
            service=rates["service"],
            baseline=rates["baseline"],
            batched=rates["batched"],
            concurrent=concurrent,
            p50_ms=1000 * statistics.median(measured),
            p99_ms=1000 * measured[min(len(measured) - 1, int(0.99 * len(measured)))],
        )
    finally:
        engine.dispose()


@contextmanager
def _postgres_schema() -> Iterator[str | None]:
    """A URL into a fresh schema (dropped afterwards), or None when the server is unreachable."""
    admin: Engine = make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any failure means "not reachable"
        print(f"PostgreSQL skipped: {exc.__class__.__name__}: {exc}".splitlines()[0])
        admin.dispose()
        yield None
        return
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print answers/s beside the bare-INSERT baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer answers and rounds (a smoke run)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    n, rounds = (100, 2) if args.quick else (1000, 3)
    results: list[tuple[str, Result]] = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(("SQLite (file, WAL)", _bench_db(f"sqlite:///{Path(tmp) / 'bench.db'}", n, rounds)))
    if not args.sqlite_only:
        with _postgres_schema() as url:
            if url is not None:
                results.append(("PostgreSQL", _bench_db(url, n, rounds)))
    print_table(
        f"Recording an answer (grade + write + streak update), {n} answers x {rounds} rounds, median",
        [
            "database",
            "answers/s (service)",
            "bare INSERTs/s (baseline)",
            "service / baseline",
            f"answers/s (batches of {BATCH})",
            "batched / baseline",
            f"answers/s ({CONCURRENCY} concurrent, handle)",
            "p50 ms",
            "p99 ms",
        ],
        [
            [
                name,
                r.service.median,
                r.baseline.median,
                r.service.median / r.baseline.median,
                r.batched.median,
                r.batched.median / r.baseline.median,
                r.concurrent.median,
                r.p50_ms,
                r.p99_ms,
            ]
            for name, r in results
        ],
    )


if __name__ == "__main__":
    main()
