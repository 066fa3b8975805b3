"""Leaderboard benchmark: weekly and all-time boards against hand-written GROUP BY SQL (SQLite, PostgreSQL).

    python -m bench.bench_leaderboard [--sqlite-only] [--answers N] [--users N] [--teams N] [--runs N]

Defaults: 1,000,000 answers by 10,000 users in 50 teams over 52 weeks (5 channels, a post per channel per
day). SQLite runs in a temporary file, PostgreSQL in a fresh schema of the ``test`` database (dropped
afterwards; ``QUIZMASTER_BENCH_POSTGRES_URL`` overrides the server). For each database it prints the median
of several runs of ``bot.leaderboard`` and of a hand-written SQL text query computing the same rows, the
ratio ours / hand-written, and whether the targets hold: weekly boards at most 50 ms and within 1.5x.
The schema comes from ``Base.metadata.create_all``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.leaderboard import Period, individual_leaderboard, period_bounds, team_leaderboard
from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import Base

POSTGRES_URL = os.environ.get(
    "QUIZMASTER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PLATFORM, WORKSPACE, TZ = "slack", "T0BENCH", "Europe/Berlin"
CHANNELS = ("C01", "C02", "C03", "C04", "C05")
# The data ends on Sunday 2026-06-28 (Berlin); "now" is that Sunday evening, so "this week" is a full week.
LAST_DAY = date(2026, 6, 28)
NOW = datetime(2026, 6, 28, 20, 0, tzinfo=UTC)
TARGET_MS = 50.0
TARGET_RATIO = 1.5

ANSWER_COLUMNS = (
    "id", "post_id", "user_pk", "question_id", "platform", "workspace_id", "channel_id", "answered_at",
    "local_date", "response", "choice_keys", "verdict", "score", "points", "self_rating",
)  # fmt: skip

# --- the hand-written baselines: the plainest SQL a person would write for the same rows ----------------

_ACCURACY = "CAST(SUM(CASE WHEN a.score >= 1.0 THEN 1 ELSE 0 END) AS REAL) / COUNT(*)"
HAND_INDIVIDUAL = f"""
SELECT a.user_pk, u.user_id, u.display_name, SUM(a.points) AS points, COUNT(*) AS answered,
       SUM(CASE WHEN a.score >= 1.0 THEN 1 ELSE 0 END) AS correct
FROM answers a JOIN users u ON u.id = a.user_pk
WHERE a.platform = :platform AND a.workspace_id = :workspace {{channel}} {{period}}
GROUP BY a.user_pk, u.user_id, u.display_name
ORDER BY points DESC, {_ACCURACY} DESC, answered DESC, u.user_id
LIMIT :limit
"""
HAND_TEAMS = """
SELECT t.id, t.name, COALESCE(m.members, 0) AS members, COALESCE(s.points, 0) AS points,
       COALESCE(s.answered, 0) AS answered, COALESCE(s.correct, 0) AS correct
FROM teams t
LEFT JOIN (SELECT team_id, COUNT(*) AS members FROM team_members GROUP BY team_id) m ON m.team_id = t.id
LEFT JOIN (
    SELECT tm.team_id, SUM(a.points) AS points, COUNT(*) AS answered,
           SUM(CASE WHEN a.score >= 1.0 THEN 1 ELSE 0 END) AS correct
    FROM answers a JOIN team_members tm ON tm.user_pk = a.user_pk
    WHERE a.platform = :platform AND a.workspace_id = :workspace {channel} {period}
    GROUP BY tm.team_id
) s ON s.team_id = t.id
WHERE t.platform = :platform AND t.workspace_id = :workspace
ORDER BY points DESC,
         CASE WHEN COALESCE(s.answered, 0) > 0 THEN CAST(s.correct AS REAL) / s.answered ELSE 0.0 END DESC,
         answered DESC, t.name
LIMIT :limit
"""


def hand_sql(template: str, *, channel: bool, bounded: bool) -> str:
    """The baseline text for one scope and period."""
    return template.format(
        channel="AND a.channel_id = :channel" if channel else "",
        period="AND a.answered_at >= :start AND a.answered_at < :end" if bounded else "",
    )


# --- data --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    answers: int
    users: int
    teams: int
    weeks: int


def generate(engine: Engine, sizes: Sizes, seed: int = 20260628) -> int:
    """Fill an empty schema; returns the number of answers written."""
    rng = random.Random(seed)
    created = datetime(2025, 1, 1, tzinfo=UTC)
    days = [LAST_DAY - timedelta(days=i) for i in range(sizes.weeks * 7)][::-1]
    posts_count = len(days) * len(CHANNELS)
    per_post = max(1, min(sizes.users, round(sizes.answers / posts_count)))
    users = [
        (pk, PLATFORM, WORKSPACE, f"U{pk:07d}", f"Player {pk}", True, created)
        for pk in range(1, sizes.users + 1)
    ]
    teams = [
        (tid, PLATFORM, WORKSPACE, f"Team {tid:03d}", None, created) for tid in range(1, sizes.teams + 1)
    ]
    # Nineteen in twenty users are in a team.
    members = [(pk, rng.randint(1, sizes.teams), created) for pk in range(1, sizes.users + 1) if pk % 20]
    posts: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    points_for = {1.0: 10, 0.5: 5, 0.0: 0}
    for day in days:
        base = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)
        for channel in CHANNELS:
            post_id = len(posts) + 1
            posts.append((post_id, "qbench", PLATFORM, WORKSPACE, channel, "channel", base, TZ))
            for user_pk in rng.sample(range(1, sizes.users + 1), per_post):
                score = rng.choices((1.0, 0.5, 0.0), weights=(6, 1, 3))[0]
                at = base + timedelta(seconds=rng.randrange(1, 14 * 3600))
                answers.append(
                    (len(answers) + 1, post_id, user_pk, "qbench", PLATFORM, WORKSPACE, channel, at, day,
                     None, None, "correct" if score == 1.0 else "partial" if score else "incorrect",
                     score, points_for[score], None)
                )  # fmt: skip
    streaks = [
        (pk, "*", rng.randint(0, 9), 9, LAST_DAY - timedelta(days=rng.randint(0, 3)))
        for pk in range(1, sizes.users + 1)
    ]
    schedules = [
        ("question", PLATFORM, WORKSPACE, channel, "09:00", "01234", TZ, 1, False, "UADMIN", created)
        for channel in CHANNELS
    ]
    loader = _load_postgres if engine.dialect.name == "postgresql" else _load_sqlite
    loader(
        engine,
        {
            "users": (
                ("id", "platform", "workspace_id", "user_id", "display_name", "dm_feedback", "created_at"),
                users,
            ),
            "teams": (("id", "platform", "workspace_id", "name", "external_ref", "created_at"), teams),
            "team_members": (("user_pk", "team_id", "joined_at"), members),
            "banks": (("name", "title", "imported_at"), [("bench", "Bench", created)]),
            "questions": (
                ("id", "bank", "kind", "data", "active", "updated_at"),
                [("qbench", "bench", "single", "{}", True, created)],
            ),
            "posts": (
                (
                    "id",
                    "question_id",
                    "platform",
                    "workspace_id",
                    "channel_id",
                    "audience",
                    "posted_at",
                    "timezone",
                ),
                posts,
            ),
            "answers": (ANSWER_COLUMNS, answers),
            "streaks": (("user_pk", "scope", "current", "best", "last_date"), streaks),
            "schedules": (
                (
                    "kind",
                    "platform",
                    "workspace_id",
                    "channel_id",
                    "time_of_day",
                    "weekdays",
                    "timezone",
                    "per_day",
                    "paused",
                    "created_by",
                    "created_at",
                ),
                schedules,
            ),
        },
    )
    return len(answers)


Tables = dict[str, tuple[Sequence[str], Sequence[tuple[Any, ...]]]]


def _sqlite_value(value: Any) -> Any:
    """Values as SQLAlchemy stores them in SQLite: naive UTC text with microseconds, ISO dates."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _load_sqlite(engine: Engine, tables: Tables) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, (columns, rows) in tables.items():
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            cursor.executemany(sql, [[_sqlite_value(v) for v in row] for row in rows])
        raw.commit()
    finally:
        raw.close()


def _load_postgres(engine: Engine, tables: Tables) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, (columns, rows) in tables.items():
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        for table in tables:
            if table in ("users", "teams", "posts", "answers"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        raw.commit()
    finally:
        raw.close()
    # What autovacuum does after a bulk load; VACUUM also sets the visibility map that index-only scans of
    # the covering indexes need.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


# --- measuring ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    name: str
    ours_ms: float
    hand_ms: float
    same: bool
    targeted: bool

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.hand_ms if self.hand_ms else float("inf")

    @property
    def verdict(self) -> str:
        if not self.targeted:
            return "(reported)"
        ok = self.ours_ms <= TARGET_MS and self.ratio <= TARGET_RATIO
        return "OK" if ok else "MISSED"


def _paired_medians(
    ours: Callable[[], Any], hand: Callable[[], Any], runs: int
) -> tuple[float, float, Any, Any]:
    """Median ms of each, run alternately (so load on the machine hits both alike), after a warm-up."""
    ours_result, hand_result = ours(), hand()  # warm-up: statement caches, page cache
    ours_ms: list[float] = []
    hand_ms: list[float] = []
    for _ in range(runs):
        for fn, times in ((ours, ours_ms), (hand, hand_ms)):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(ours_ms), statistics.median(hand_ms), ours_result, hand_result


def measure(engine: Engine, factory: sessionmaker[Session], runs: int) -> list[Result]:
    """Time each board (ours and hand-written) and check they return the same rows."""
    results: list[Result] = []
    cases = [
        ("individual, workspace, week", "individual", None, Period.WEEK, True),
        ("team, workspace, week", "team", None, Period.WEEK, True),
        ("individual, channel, week", "individual", CHANNELS[0], Period.WEEK, False),
        ("individual, workspace, all time", "individual", None, Period.ALL, False),
        ("team, workspace, all time", "team", None, Period.ALL, False),
    ]
    for name, kind, channel, period, targeted in cases:
        start, end = period_bounds(period, NOW, TZ)
        limit = 10 if kind == "individual" else 50
        template = HAND_INDIVIDUAL if kind == "individual" else HAND_TEAMS
        sql = text(hand_sql(template, channel=channel is not None, bounded=start is not None))
        params: dict[str, Any] = {"platform": PLATFORM, "workspace": WORKSPACE, "limit": limit}
        if channel is not None:
            params["channel"] = channel
        if start is not None:
            params.update(start=start, end=end)

        def ours(
            kind: str = kind, channel: str | None = channel, period: Period = period
        ) -> list[tuple[Any, ...]]:
            board = individual_leaderboard if kind == "individual" else team_leaderboard
            with factory() as session:
                rows = board(
                    session, platform=PLATFORM, workspace_id=WORKSPACE, channel_id=channel, period=period,
                    now=NOW, tz=TZ,
                )  # fmt: skip
            if kind == "individual":
                return [(r.user_pk, r.points, r.answered) for r in rows]  # type: ignore[union-attr]
            return [(r.team_id, r.points, r.answered) for r in rows]  # type: ignore[union-attr]

        def hand(kind: str = kind, sql: Any = sql, params: dict[str, Any] = params) -> list[tuple[Any, ...]]:
            with engine.connect() as conn:
                rows = conn.execute(sql, params).all()
            return [(r[0], int(r.points), int(r.answered)) for r in rows]

        ours_ms, hand_ms, ours_rows, hand_rows = _paired_medians(ours, hand, runs)
        results.append(Result(name, ours_ms, hand_ms, ours_rows == hand_rows and bool(ours_rows), targeted))
    return results


def week_rows(engine: Engine) -> int:
    start, end = period_bounds(Period.WEEK, NOW, TZ)
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT COUNT(*) FROM answers WHERE answered_at >= :start AND answered_at < :end"),
            {"start": start, "end": end},
        ).scalar()
    return int(count or 0)


def print_table(title: str, results: Sequence[Result]) -> None:
    print(f"\n{title}")
    print(
        f"| {'board':<32} | {'ours ms':>8} | {'hand ms':>8} | {'ratio':>6} | same rows | "
        "target (<=50 ms, <=1.5x) |"
    )
    print(f"|{'-' * 34}|{'-' * 10}|{'-' * 10}|{'-' * 8}|-----------|--------------------------|")
    for r in results:
        print(
            f"| {r.name:<32} | {r.ours_ms:8.1f} | {r.hand_ms:8.1f} | {r.ratio:6.2f} | "
            f"{'yes' if r.same else 'NO':<9} | {r.verdict:<24} |"
        )


# --- databases ---------------------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="qm-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_database() -> Iterator[Engine]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    engine = make_engine(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_one(label: str, engine: Engine, sizes: Sizes, runs: int) -> list[Result]:
    Base.metadata.create_all(engine)
    started = time.perf_counter()
    written = generate(engine, sizes)
    print(f"{label}: generated {written:,} answers in {time.perf_counter() - started:.1f} s; "
          f"{week_rows(engine):,} in the measured week")  # fmt: skip
    results = measure(engine, make_session_factory(engine), runs)
    print_table(f"{label} ({written:,} answers, {sizes.users:,} users, {sizes.teams} teams)", results)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print_table(f"{label} after ANALYZE", measure(engine, make_session_factory(engine), runs))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per query (median reported)")
    args = parser.parse_args(argv)
    if min(args.answers, args.users, args.teams, args.weeks, args.runs) <= 0:
        parser.error("sizes and runs must be positive")
    sizes = Sizes(answers=args.answers, users=args.users, teams=args.teams, weeks=args.weeks)
    targets_met = True
    with sqlite_database() as engine:
        targets_met &= all(
            r.verdict != "MISSED" and r.same for r in run_one("SQLite", engine, sizes, args.runs)
        )
    if not args.sqlite_only:
        with postgres_database() as engine:
            results = run_one("PostgreSQL", engine, sizes, args.runs)
            targets_met &= all(r.verdict != "MISSED" and r.same for r in results)
    if sizes != Sizes(answers=1_000_000, users=10_000, teams=50, weeks=52):
        print("\n(the targets are set for the default sizes; at other sizes they are only indicative)")
    print("\nall targets met" if targets_met else "\nsome targets missed")
    return 0 if targets_met else 1


if __name__ == "__main__":
    sys.exit(main())
