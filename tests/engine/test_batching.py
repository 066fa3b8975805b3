"""Answers recorded in batches (``Dispatcher.record_batch``, ``bot.batching.AnswerBatcher``): one commit for
many answers, the same replies as one unit each, double clicks and repeated deliveries inside one batch, and
a batch that fails falling back to one unit per event with nothing lost or doubled."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, event, func, select

from bot.batching import AnswerBatcher
from bot.events import Actor, ChoiceSelected, Event, Where
from bot.messages import Feedback, Notice, QuestionCard, info
from bot.ports import Reply, ToDirect, ToUser, UpdatePosted
from bot.storage.models import AnswerRow

from .quizkit import Env
from .test_answer_path import post_to_channel


@contextmanager
def counting_commits(env: Env) -> Iterator[list[int]]:
    """A one-item list holding how many transactions were committed on the env's engine meanwhile."""
    engine = env.sessions.kw["bind"]
    assert isinstance(engine, Engine)
    commits = [0]

    def on_commit(_connection: object) -> None:
        commits[0] += 1

    event.listen(engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", on_commit)


def answers_by_user(env: Env, post_id: int) -> dict[str, int]:
    from bot.storage.models import User

    with env.sessions() as s:
        rows = s.execute(
            select(User.user_id, func.count())
            .join(AnswerRow, AnswerRow.user_pk == User.id)
            .where(AnswerRow.post_id == post_id)
            .group_by(User.user_id)
        ).all()
    return {user: n for user, n in rows}


def clicks(env: Env, post_id: int, users: range, key: str = "B") -> list[ChoiceSelected]:
    return [ChoiceSelected(env.actor(f"U{i}"), env.where, post_id, (key,), f"click-{i}") for i in users]


def test_a_batch_records_every_answer_in_one_commit_with_each_ones_replies(env: Env) -> None:
    post_id = post_to_channel(env)
    events = clicks(env, post_id, range(30))
    with counting_commits(env) as commits:
        per_event = asyncio.run(env.dispatcher.record_batch(events))
    assert commits == [1]
    assert answers_by_user(env, post_id) == {f"U{i}": 1 for i in range(30)}
    assert len(per_event) == 30
    for replies in per_event:
        feedback = [r for r in replies if isinstance(r, ToDirect) and isinstance(r.message, Feedback)]
        assert len(feedback) == 1 and feedback[0].message.verdict == "correct"  # type: ignore[union-attr]
    counts = [
        r.message.answered_count
        for replies in per_event
        for r in replies
        if isinstance(r, UpdatePosted) and isinstance(r.message, QuestionCard)
    ]
    assert max(counts) == 30  # re-read after the commit on PostgreSQL, counted in order on SQLite


def test_double_clicks_and_repeated_deliveries_inside_one_batch(env: Env) -> None:
    post_id = post_to_channel(env)
    first = ChoiceSelected(env.actor("U1"), env.where, post_id, ("B",), "d1")
    second = ChoiceSelected(env.actor("U1"), env.where, post_id, ("A",), "d2")  # a second click
    repeat = ChoiceSelected(env.actor("U2"), env.where, post_id, ("B",), "d3")
    per_event = asyncio.run(env.dispatcher.record_batch([first, second, repeat, repeat]))
    assert answers_by_user(env, post_id) == {"U1": 1, "U2": 1}
    assert any(isinstance(r, ToDirect) for r in per_event[0])
    said = [r.message for r in per_event[1] if isinstance(r, ToUser)]
    assert len(said) == 1 and isinstance(said[0], Notice) and "already answered" in said[0].text
    assert per_event[2] and per_event[3] == []  # the same delivery again: nothing at all


@dataclass(frozen=True)
class Unknown:
    """An event the dispatcher does not know: routing it raises, failing the whole batch."""

    actor: Actor
    where: Where
    delivery_id: str | None = "unknown-1"


def test_a_failing_batch_falls_back_to_one_unit_per_event(env: Env) -> None:
    post_id = post_to_channel(env)
    events: list[Event] = [*clicks(env, post_id, range(5))]
    events.insert(2, Unknown(env.actor("U99"), env.where))  # type: ignore[arg-type]
    with counting_commits(env) as commits:
        per_event = asyncio.run(env.dispatcher.record_batch(events))
    assert commits == [5]  # the batch rolled back; each good event then committed alone
    assert answers_by_user(env, post_id) == {f"U{i}": 1 for i in range(5)}
    apology = per_event[2]
    assert len(apology) == 1 and isinstance(apology[0], ToUser) and "went wrong" in apology[0].message.text


def test_the_batcher_takes_what_waits_into_one_batch_and_sends_every_reply(env: Env) -> None:
    post_id = post_to_channel(env)

    async def burst() -> None:
        batcher = AnswerBatcher(env.dispatcher, max_batch=40)
        for click in clicks(env, post_id, range(100)):
            batcher.submit(click)  # all before the lane first runs
        assert batcher.pending > 0
        await batcher.drain()
        assert batcher.pending == 0

    with counting_commits(env) as commits:
        asyncio.run(burst())
    assert commits == [3]  # 40 + 40 + 20
    assert answers_by_user(env, post_id) == {f"U{i}": 1 for i in range(100)}
    dms = [s for s in env.port.take() if s.kind == "dm"]
    assert sorted(s.user_id or "" for s in dms) == sorted(f"U{i}" for i in range(100))


def test_lanes_keep_each_users_events_in_order(env: Env) -> None:
    post_id = post_to_channel(env)
    second_post = post_to_channel(env, "qdock1")

    async def burst() -> None:
        batcher = AnswerBatcher(env.dispatcher, lanes=3, max_batch=7)
        for i in range(30):  # each user clicks A then B on the first post, then B on the second
            actor = env.actor(f"U{i}")
            batcher.submit(ChoiceSelected(actor, env.where, post_id, ("A",), f"a-{i}"))
            batcher.submit(ChoiceSelected(actor, env.where, post_id, ("B",), f"b-{i}"))
            batcher.submit(ChoiceSelected(actor, env.where, second_post, ("B",), f"c-{i}"))
        await batcher.drain()

    asyncio.run(burst())
    with env.sessions() as s:
        first_answers = s.scalars(select(AnswerRow.response).where(AnswerRow.post_id == post_id)).all()
    assert sorted(first_answers) == ["A"] * 30  # the first click of each user counted, never the second
    assert answers_by_user(env, second_post) == {f"U{i}": 1 for i in range(30)}


def test_record_hands_each_caller_its_own_replies_and_sends_nothing_itself(env: Env) -> None:
    post_id = post_to_channel(env)

    async def together() -> list[list[Reply]]:
        batcher = AnswerBatcher(env.dispatcher)
        return list(
            await asyncio.gather(*(batcher.record(click) for click in clicks(env, post_id, range(12))))
        )

    with counting_commits(env) as commits:
        per_caller = asyncio.run(together())
    assert commits == [1]  # all twelve waited in the same batch
    assert env.port.take() == []  # the callers send their replies (Discord: through the interaction)
    for i, replies in enumerate(per_caller):
        (direct,) = [r for r in replies if isinstance(r, ToDirect)]
        assert direct.actor.user_id == f"U{i}"


class StubRecorder:
    """Stands in for the dispatcher to test the batcher's scheduling alone: records events, no replies."""

    def __init__(self) -> None:
        self.recorded: list[Event] = []

    async def record_batch(self, events: list[Event]) -> list[list[Reply]]:
        await asyncio.sleep(0)
        self.recorded += events
        return [[] for _ in events]

    async def deliver(self, replies: list[Reply]) -> None:
        return None


def test_an_event_queued_as_its_lane_finishes_still_gets_recorded(env: Env) -> None:
    """The lane's last look at its queue and its leaving the running set happen in one step."""

    async def run() -> tuple[bool, int]:
        stub = StubRecorder()
        batcher = AnswerBatcher(stub)  # type: ignore[arg-type]
        first = asyncio.ensure_future(batcher.record(clicks(env, 1, range(1))[0]))

        async def as_the_lane_finishes() -> list[Reply]:
            while not stub.recorded:  # wakes in the loop turn where the lane ends
                await asyncio.sleep(0)
            return await batcher.record(clicks(env, 1, range(1, 2))[0])

        second = asyncio.ensure_future(as_the_lane_finishes())
        await asyncio.wait([first, second], timeout=2)
        await asyncio.wait_for(batcher.drain(), 2)
        return second.done(), len(stub.recorded)

    assert asyncio.run(run()) == (True, 2)


class SlowFirstSender(StubRecorder):
    """Records like ``StubRecorder`` but replies to each event with a notice naming it, and is slow to send
    the replies of the events in ``slow`` (a platform call that takes a while)."""

    def __init__(self, slow: set[str]) -> None:
        super().__init__()
        self.slow = slow
        self.delivered: list[tuple[str, str]] = []  # (user, event id), in the order sent

    async def record_batch(self, events: list[Event]) -> list[list[Reply]]:
        await asyncio.sleep(0)
        self.recorded += events
        return [[ToUser(e.where, e.actor.user_id, info(str(e.delivery_id)))] for e in events]

    async def deliver(self, replies: list[Reply]) -> None:
        for reply in replies:
            assert isinstance(reply, ToUser) and isinstance(reply.message, Notice)
            await asyncio.sleep(0.05 if reply.message.text in self.slow else 0)
            self.delivered.append((reply.user_id, reply.message.text))


def test_a_users_replies_arrive_in_the_order_of_their_answers(env: Env) -> None:
    """Across batches and inside one: a slow first reply holds back that user's later ones, nobody else's."""

    def click(user: str, event_id: str) -> ChoiceSelected:
        return ChoiceSelected(env.actor(user), env.where, 1, ("A",), event_id)

    async def run() -> list[tuple[str, str]]:
        stub = SlowFirstSender(slow={"u1-first", "u3-first"})
        batcher = AnswerBatcher(stub)  # type: ignore[arg-type]
        batcher.submit(click("U1", "u1-first"))  # a batch of its own (the lane is idle)
        batcher.submit(click("U1", "u1-second"))  # the next batch, with U2's
        batcher.submit(click("U2", "u2-only"))
        batcher.submit(click("U3", "u3-first"))  # U3's two answers in that same batch
        batcher.submit(click("U3", "u3-second"))
        await asyncio.wait_for(batcher.drain(), 5)
        return stub.delivered

    delivered = asyncio.run(run())
    by_user: dict[str, list[str]] = {}
    for user, event_id in delivered:
        by_user.setdefault(user, []).append(event_id)
    assert by_user == {
        "U1": ["u1-first", "u1-second"],
        "U2": ["u2-only"],
        "U3": ["u3-first", "u3-second"],
    }
    assert delivered[0] == ("U2", "u2-only")  # not held back by the others' slow replies
