"""Recording an answer: answers per second through the real service path, on SQLite and PostgreSQL.

``python -m bench.bench_answers [--quick]``

Each answer is one ``Dispatcher.process(ChoiceSelected(...))``: one unit of work that claims the delivery id,
resolves the user and the post, grades the click, inserts the ``AnswerRow``, updates the channel and workspace
streaks, builds the feedback and commits (no chat I/O: the port is not involved in ``process``). Every answer
is a distinct (post, user) pair spread over 50 users, so each one really writes.

The baseline, measured in the same run on the same database: a bare INSERT of the same ``AnswerRow`` rows, one
transaction per row (the service also commits once per answer). SQLite runs in a temporary file; PostgreSQL in
a fresh schema of the ``test`` database (``QUIZMASTER_BENCH_POSTGRES_URL`` overrides), dropped afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.common import Rate, measure, print_table
from bot.app import build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.events import Actor, ChoiceSelected, Where
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
                "closes_at": START + timedelta(days=30),
                "timezone": "UTC",
            }
            for i in range(posts)
        ]
        s.execute(insert(Post), rows)
        s.commit()
        post_ids = sorted(s.scalars(select(Post.id)).all())
        return post_ids, {u.user_id: u.id for u in users}


class _NoPort:
    """``Dispatcher.process`` never touches the port; this satisfies the constructor."""

    async def post(self, *_: object) -> None:  # pragma: no cover - never called
        raise AssertionError("no chat I/O in the benchmark")

    post_private = dm = update = post


def _bench_db(url: str, n: int, rounds: int) -> tuple[Rate, Rate]:
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
        sessions = make_session_factory(engine)
        per_round = n * (rounds + 1)  # + the warm-up round
        post_ids, user_pks = _seed(sessions, 2 * per_round)
        service_posts, baseline_posts = iter(post_ids[:per_round]), iter(post_ids[per_round:])
        clock = FakeClock(START + timedelta(hours=1))
        services = build_services(Settings(), clock, random.Random(0))
        dispatcher = Dispatcher(services, _NoPort(), sessions)  # type: ignore[arg-type]
        where = Where(PLATFORM, WORKSPACE, CHANNEL)
        actors = [Actor(PLATFORM, WORKSPACE, f"U{u}", f"user {u}") for u in range(USERS)]
        deliveries = itertools.count()

        def service_round() -> None:
            for i, post_id in zip(range(n), service_posts, strict=False):
                event = ChoiceSelected(actors[i % USERS], where, post_id, ("B",), f"d{next(deliveries)}")
                dispatcher.process(event)

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

        service = measure(service_round, n, rounds=rounds, warmup=1)
        baseline = measure(baseline_round, n, rounds=rounds, warmup=1)
        with sessions() as s:
            recorded = s.scalar(text("SELECT count(*) FROM answers WHERE response = 'B'"))
            assert recorded == 2 * per_round, f"expected {2 * per_round} answers, found {recorded}"
        return service, baseline
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
    args = parser.parse_args(argv)
    n, rounds = (100, 2) if args.quick else (1000, 3)
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        service, baseline = _bench_db(f"sqlite:///{Path(tmp) / 'bench.db'}", n, rounds)
        rows.append(["SQLite (file, WAL)", service.median, baseline.median, service.median / baseline.median])
    with _postgres_schema() as url:
        if url is not None:
            service, baseline = _bench_db(url, n, rounds)
            rows.append(["PostgreSQL", service.median, baseline.median, service.median / baseline.median])
    print_table(
        f"Recording an answer (grade + write + streak update), {n} answers x {rounds} rounds, median",
        ["database", "answers/s (service)", "bare INSERTs/s (baseline)", "service / baseline"],
        rows,
    )


if __name__ == "__main__":
    main()
