"""Failed posts: retried with backoff (or after Retry-After), then the owner is told; one failing channel never
blocks the others. Closing: each question closes at the next post and its card reveals the answer."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FakeClock
from bot.events import ChoiceSelected, Where
from bot.messages import Notice, NoticeLevel, QuestionCard
from bot.scheduler import CLAIM_BATCH, RetryPolicy, retry_after_of
from bot.storage.models import Occurrence, Post, QuestionRow

from .kit import PLATFORM, START, WORKSPACE, FlakyPort, PlatformError, World, question, store

NINE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def make(session_factory: sessionmaker[Session], **kw: object) -> World:
    with session_factory() as session:
        store(session, [question(f"q{i}", "Docker") for i in range(5)])
    return World(session_factory, **kw)  # type: ignore[arg-type]


def test_a_broken_channel_is_retried_then_reported_to_the_owner_and_others_still_post(
    session_factory: sessionmaker[Session],
) -> None:
    port = FlakyPort(broken={"C2"})
    world = make(session_factory, port=port, retry=RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.05))
    for channel in ("C1", "C2", "C3"):
        world.command("/quiz schedule daily 09:00", channel=channel)
    world.clock.set(NINE)
    report = world.run_due()
    assert (report.posted, report.failed) == (2, 1)
    assert port.attempts == {"C1": 1, "C2": 3, "C3": 1}
    kinds = [(s.kind, s.channel or s.user_id) for s in port.sent]
    # The healthy channels went out while the broken one was backing off; the owner heard last.
    assert kinds == [("post", "C1"), ("post", "C3"), ("dm", "teacher")] or kinds == [
        ("post", "C3"),
        ("post", "C1"),
        ("dm", "teacher"),
    ]
    dm = port.sent[-1].message
    assert isinstance(dm, Notice) and dm.level is NoticeLevel.ERROR
    assert "Schedule #2 could not send the scheduled post for 2026-01-05 in #C2 after 3 attempts" in dm.text
    assert dm.echo is not None and "channel_not_found" in dm.echo
    with session_factory() as s:
        states = dict(s.execute(select(Occurrence.schedule_id, Occurrence.status)).all())
        failed = s.scalars(select(Occurrence).where(Occurrence.schedule_id == 2)).one()
    assert states == {1: "posted", 2: "failed", 3: "posted"}
    assert failed.attempts == 3 and "channel_not_found" in (failed.error or "")
    # A failed occurrence is not retried by later runs (it was reported).
    world.clock.advance(timedelta(minutes=5))
    assert world.run_due().due == 3 and port.attempts["C2"] == 3


def test_one_failing_channel_does_not_hold_up_others_even_with_one_post_in_flight(
    session_factory: sessionmaker[Session],
) -> None:
    port = FlakyPort(broken={"C0"})
    world = make(session_factory, port=port, retry=RetryPolicy(attempts=4, base_delay=0.2, max_delay=0.2))
    world.scheduler._concurrency = 1
    for i in range(6):
        world.command("/quiz schedule daily 09:00", channel=f"C{i}")
    world.clock.set(NINE)
    started = time.perf_counter()
    world.run_due()
    elapsed = time.perf_counter() - started
    posts = [s.channel for s in port.sent if s.kind == "post"]
    assert sorted(posts) == ["C1", "C2", "C3", "C4", "C5"]
    assert port.sent[-1].kind == "dm"  # all five posted before the broken channel gave up
    assert elapsed < 2.0  # three backoffs of ~0.1-0.2 s, not 5 channels x 3 backoffs


def test_a_transient_failure_is_retried_and_posted_once(session_factory: sessionmaker[Session]) -> None:
    port = FlakyPort(fail_times={"C1": 2})
    world = make(session_factory, port=port)
    world.command("/quiz schedule daily 09:00")
    world.clock.set(NINE)
    assert world.run_due().posted == 1
    assert port.attempts == {"C1": 3} and len(port.cards()) == 1
    with session_factory() as s:
        occ = s.scalars(select(Occurrence)).one()
        assert (occ.status, occ.attempts) == ("posted", 3)
        assert s.scalars(select(Post.message_ref)).one() is not None


def test_retry_after_from_the_platform_is_respected(session_factory: sessionmaker[Session]) -> None:
    port = FlakyPort(fail_times={"C1": 1}, retry_after=0.4)
    world = make(session_factory, port=port, retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.001))
    world.command("/quiz schedule daily 09:00")
    world.clock.set(NINE)
    started = time.perf_counter()
    assert world.run_due().posted == 1
    assert time.perf_counter() - started >= 0.4


def test_retry_after_is_read_from_attributes_and_response_headers() -> None:
    class Response:
        def __init__(self) -> None:
            self.headers = {"retry-after": "7"}

    class WithResponse(Exception):
        response = Response()

    assert retry_after_of(PlatformError("x", 2.5)) == 2.5
    assert retry_after_of(WithResponse()) == 7.0
    assert retry_after_of(ValueError("nothing")) is None
    assert retry_after_of(PlatformError("x", -1)) is None


def test_each_question_closes_at_the_next_post_and_the_card_reveals_answer_and_distribution(
    session_factory: sessionmaker[Session],
) -> None:
    world = make(session_factory)
    world.command("/quiz schedule daily 09:00 weekdays")
    world.clock.set(datetime(2026, 1, 9, 9, 0, tzinfo=UTC))  # a Friday: the next post is Monday
    world.run_due()
    card = world.port.cards()[0]
    assert card.closes_at == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    where = Where(PLATFORM, WORKSPACE, "C1")
    for user, key in (("ann", "B"), ("bob", "A"), ("cy", "B")):
        asyncio.run(
            world.dispatcher.handle(
                ChoiceSelected(world.actor(user), where, card.post_id, (key,), f"c-{user}")
            )
        )
    world.port.take()
    world.clock.set(datetime(2026, 1, 12, 9, 0, 30, tzinfo=UTC))
    report = world.run_due()
    assert (report.posted, report.closed) == (1, 1)
    updates = [s for s in world.port.sent if s.kind == "update"]
    assert len(updates) == 1
    closed = updates[0].message
    assert isinstance(closed, QuestionCard) and closed.closed and closed.post_id == card.post_id
    assert closed.reveal is not None
    assert closed.reveal.correct_keys == ("B",)
    assert dict(closed.reveal.distribution) == {"A": 1, "B": 2, "C": 0}
    assert (closed.reveal.answered, closed.reveal.correct) == (3, 2)


def test_close_after_duration_overrides_the_next_post(session_factory: sessionmaker[Session]) -> None:
    world = make(session_factory, clock=FakeClock(START))
    world.command("/quiz schedule daily 09:00 close 2h")
    world.clock.set(NINE)
    world.run_due()
    assert world.port.cards()[0].closes_at == NINE + timedelta(hours=2)
    world.port.take()
    world.clock.set(NINE + timedelta(hours=2, minutes=1))
    assert world.run_due().closed == 1


def test_occurrences_are_claimed_in_batches_and_one_that_cannot_be_prepared_holds_up_no_other(
    session_factory: sessionmaker[Session],
) -> None:
    port = FlakyPort()
    world = make(session_factory, port=port)
    with session_factory() as session:  # a bank whose only question is stored corrupt: preparing it raises
        store(session, [question("qbad", "Broken", bank="broken")])
        bad = session.get(QuestionRow, "qbad")
        assert bad is not None
        bad.data = {"id": "qbad", "kind": "single"}
        session.commit()
    channels = [f"C{i}" for i in range(1, CLAIM_BATCH + 6)]  # more than one batch
    for channel in channels:
        world.command("/quiz schedule daily 09:00 docker", channel=channel)
    world.command("/quiz schedule daily 09:00 bank broken", channel="CBAD")
    world.clock.set(NINE)
    report = world.run_due()
    assert report.posted == len(channels)
    assert sorted(s.channel for s in port.sent if s.kind == "post") == sorted(channels)
    with session_factory() as s:
        statuses = dict(s.execute(select(Occurrence.schedule_id, Occurrence.status)).all())
    assert sum(1 for status in statuses.values() if status == "posted") == len(channels)
    assert len(statuses) == len(channels)  # the broken one's claim was rolled back with its transaction
    assert world.run_due().posted == 0  # nothing twice
