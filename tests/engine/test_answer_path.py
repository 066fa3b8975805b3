"""The fast answer path: parsed questions cached per stored version, few statements per click, streaks
written only when they move, and units that survive a dead pooled connection (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from bot.dispatcher import run_unit
from bot.events import Actor, ChoiceSelected
from bot.messages import Feedback, QuestionCard
from bot.quiz import QuestionCache
from bot.storage.db import make_engine, make_session_factory, ping_after_idle
from bot.storage.models import AnswerRow, QuestionRow, Streak, User
from bot.streaks import current_streak, record_answer_day, weekday_predicate

from .quizkit import CHANNEL, Env, Sent, q_single

EVERY_DAY = weekday_predicate(None)


def post_to_channel(env: Env, question_id: str = "qdock1") -> int:
    """A channel post of ``question_id`` whose card was posted (so it carries a message ref)."""
    reply = run_unit(
        env.sessions,
        lambda s: env.quiz.post_to_channel(s, question_id=question_id, where=env.where, closes_at=None),
    )
    asyncio.run(env.dispatcher.deliver([reply]))  # posts the card and stores its ref
    env.port.take()
    assert reply.post_id is not None
    return reply.post_id


def feedback(sent: list[Sent]) -> Feedback:
    found = [x.message for x in sent if isinstance(x.message, Feedback)]
    assert len(found) == 1, sent
    return found[0]


def card_updates(sent: list[Sent]) -> list[QuestionCard]:
    return [x.message for x in sent if x.kind == "update" and isinstance(x.message, QuestionCard)]


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block (transaction control excluded)."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


# --- the question cache -------------------------------------------------------------------------------------


def test_the_cache_parses_each_stored_version_once() -> None:
    cache = QuestionCache(size=2)
    stored = json.dumps(q_single().model_dump(mode="json"))
    first = cache.get("qdock1", stored)
    assert cache.get("qdock1", stored) is first and first == q_single()
    edited = json.dumps(q_single(explanation="Edited.").model_dump(mode="json"))
    assert cache.get("qdock1", edited).explanation == "Edited."
    assert cache.get("qdock1", stored) is first  # both versions held
    assert len(cache) == 2


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    cache = QuestionCache(size=2)
    dumps = {qid: json.dumps(q_single(qid).model_dump(mode="json")) for qid in ("qa", "qb", "qc")}
    a = cache.get("qa", dumps["qa"])
    b = cache.get("qb", dumps["qb"])
    assert cache.get("qa", dumps["qa"]) is a  # qa is now the most recent
    cache.get("qc", dumps["qc"])  # evicts qb
    assert len(cache) == 2
    assert cache.get("qa", dumps["qa"]) is a
    assert cache.get("qb", dumps["qb"]) is not b


def test_the_cache_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        QuestionCache(size=0)
    cache = QuestionCache()
    with pytest.raises(json.JSONDecodeError):
        cache.get("qx", "{not json")
    with pytest.raises(ValidationError):
        cache.get("qx", json.dumps({"id": "qx", "kind": "single"}))
    assert len(cache) == 0


def test_an_edited_question_is_graded_by_its_new_data_even_at_the_same_updated_at(env: Env) -> None:
    post = post_to_channel(env)
    assert feedback(env.click(post, "B", user="U1")).verdict == "correct"
    with env.sessions() as s:  # a re-import that moved the right answer, at the very same time
        row = s.get(QuestionRow, "qdock1")
        assert row is not None
        updated_at = row.updated_at
        row.data = q_single(answer={"type": "choice", "keys": ["C"]}).model_dump(mode="json")
        s.commit()
        assert s.get(QuestionRow, "qdock1", populate_existing=True).updated_at == updated_at  # type: ignore[union-attr]
    assert feedback(env.click(post, "B", user="U2")).verdict == "incorrect"
    assert feedback(env.click(post, "C", user="U3")).verdict == "correct"


# --- statements per answer ----------------------------------------------------------------------------------


def test_a_repeat_answer_on_the_same_day_takes_three_statements(env: Env, engine: Engine) -> None:
    first, second, third = (post_to_channel(env) for _ in range(3))
    env.click(first, "B", user="U1")  # creates the user's streak rows
    with counted_statements(engine) as statements:
        sent = env.click(second, "B", user="U1")
    # claim the delivery; read post + question + user + earlier answer + streaks; insert the answer
    # (the card's count is read again by the port's card updater when it sends: bot.card_updates)
    assert len(statements) == 3, statements
    assert feedback(sent).streak == 1
    assert [c.answered_count for c in card_updates(sent)] == [1]

    env.clock.advance(timedelta(days=1))
    with counted_statements(engine) as statements:
        sent = env.click(third, "B", user="U1")
    # ... and on a new day: lock the two streak rows in one read, write both
    assert len(statements) == 5, statements
    assert feedback(sent).streak == 2
    with env.sessions() as s:
        rows = s.scalars(select(Streak).where(Streak.scope.in_([CHANNEL, "*"])).order_by(Streak.scope))
        assert [(r.scope, r.current, r.best) for r in rows] == [("*", 2, 2), (CHANNEL, 2, 2)]


def test_the_channel_card_counts_every_answer_once(env: Env) -> None:
    post = post_to_channel(env)
    counts = [card_updates(env.click(post, "B", user=f"U{i}"))[0].answered_count for i in range(3)]
    assert counts == [1, 2, 3]
    assert card_updates(env.click(post, "C", user="U0")) == []  # already answered: no card change
    with env.sessions() as s:
        assert len(s.scalars(select(AnswerRow).where(AnswerRow.post_id == post)).all()) == 3


def test_a_new_display_name_is_stored_by_the_next_click(env: Env) -> None:
    first, second = post_to_channel(env), post_to_channel(env)
    env.click(first, "B", user="U1")
    renamed = Actor(env.where.platform, env.where.workspace_id, "U1", "Ada\x00 Lovelace")
    sent = env.handle(ChoiceSelected(renamed, env.where, second, ("B",), env.delivery()))
    assert feedback(sent).verdict == "correct"
    with env.sessions() as s:
        user = s.scalars(select(User).where(User.user_id == "U1")).one()
        assert user.display_name == "Ada Lovelace"
        assert len(s.scalars(select(AnswerRow).where(AnswerRow.user_pk == user.id)).all()) == 2


def test_a_first_time_user_clicking_a_missing_post_is_still_created(env: Env) -> None:
    sent = env.click(999_999, "B", user="Unew")
    assert len(sent) == 1 and sent[0].kind == "private"
    with env.sessions() as s:
        assert s.scalars(select(User).where(User.user_id == "Unew")).one_or_none() is not None


# --- streaks ------------------------------------------------------------------------------------------------


def test_a_streak_loaded_earlier_in_the_session_shows_the_recorded_day(session: Session) -> None:
    user = User(
        platform="slack", workspace_id="T1", user_id="U1", created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    session.add(user)
    session.flush()
    day = date(2026, 3, 2)
    record_answer_day(session, user_pk=user.id, scopes=["C1", "*"], day=day, is_active_day=EVERY_DAY)
    before = current_streak(session, user_pk=user.id, scope="*", today=day, is_active_day=EVERY_DAY)
    assert before.current == 1  # the row is now in the session
    nxt = day + timedelta(days=1)
    record_answer_day(session, user_pk=user.id, scopes=["C1", "*"], day=nxt, is_active_day=EVERY_DAY)
    after = current_streak(session, user_pk=user.id, scope="*", today=nxt, is_active_day=EVERY_DAY)
    assert (after.current, after.best, after.last_date) == (2, 2, nxt)


def test_concurrent_answers_of_one_user_on_a_new_day_count_the_day_once(env: Env) -> None:
    posts = [post_to_channel(env) for _ in range(5)]
    env.click(posts[0], "B", user="U1")
    env.clock.advance(timedelta(days=1))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def click(post_id: int) -> None:
        try:
            barrier.wait()
            event = ChoiceSelected(env.actor("U1"), env.where, post_id, ("B",), f"t{post_id}")
            env.dispatcher.process(event)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=click, args=(p,)) for p in posts[1:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    with env.sessions() as s:
        assert len(s.scalars(select(AnswerRow)).all()) == 5
        rows = s.scalars(select(Streak).order_by(Streak.scope)).all()
        assert [(r.scope, r.current, r.best) for r in rows] == [("*", 2, 2), (CHANNEL, 2, 2)]


# --- dead pooled connections (PostgreSQL) -------------------------------------------------------------------


def _kill(db_url: str, pid: int) -> None:
    admin = make_engine(db_url, pool_size=1, max_overflow=0)
    try:
        with admin.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    finally:
        admin.dispose()


def test_a_unit_is_retried_when_its_pooled_connection_died(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite connection cannot be killed from outside")
    engine = make_engine(db_url, pool_size=1, max_overflow=0)  # no ping: the connection was just in use
    try:
        sessions = make_session_factory(engine)

        def backend(s: Session) -> int:
            return int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())

        first = run_unit(sessions, backend)
        _kill(db_url, first)
        second = run_unit(sessions, backend)
        assert second != first
    finally:
        engine.dispose()


def test_an_idle_pooled_connection_is_pinged_and_replaced(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite connection cannot be killed from outside")
    engine = make_engine(db_url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    ping_after_idle(engine, 0.0)  # every checkout counts as idle here
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _kill(db_url, first)
        with engine.connect() as conn:  # no retry involved: the pool swapped the connection
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
    finally:
        engine.dispose()


# --- the benchmark ------------------------------------------------------------------------------------------


def test_the_answer_benchmark_records_every_click_once(db_url: str) -> None:
    """A small run of ``bench.bench_answers`` (sequential, bare INSERTs and 10 concurrent ``handle`` tasks):
    it checks itself that every click was recorded exactly once."""
    from bench.bench_answers import _bench_db

    result = _bench_db(db_url, 40, 1)
    assert result.service.median > 0 and result.concurrent.median > 0
    assert 0 < result.p50_ms <= result.p99_ms
