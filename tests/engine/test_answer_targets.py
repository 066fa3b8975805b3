"""On PostgreSQL a batch of clicks reads every answer's target in one statement (``bot.answer_targets``; SQLite
reads each alone, and the same answers must come out), and what the unit wrote meanwhile is not hidden by it:
counts go on from the unit's own answers, a double click is read again ("already answered"), a user's streak
moves once when they answer two posts, a first-seen user is created."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, event

from bot import answer_targets
from bot.events import ChoiceSelected, TextAnswered
from bot.messages import Feedback, Notice, QuestionCard
from bot.ports import Reply, ToDirect, ToUser, UpdatePosted

from .quizkit import Env
from .test_answer_path import post_to_channel
from .test_batching import answers_by_user, clicks, counting_commits


@contextmanager
def counting_target_reads(env: Env) -> Iterator[list[int]]:
    """A one-item list holding how many answer-target statements ran on the env's engine meanwhile."""
    engine = env.sessions.kw["bind"]
    assert isinstance(engine, Engine)
    reads = [0]

    def on_execute(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        reads[0] += "earlier_id" in statement  # a label only the target select has

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield reads
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def card_counts(per_event: list[list[Reply]]) -> list[int | None]:
    return [
        r.message.answered_count
        for replies in per_event
        for r in replies
        if isinstance(r, UpdatePosted) and isinstance(r.message, QuestionCard)
    ]


def known_users(env: Env, users: range) -> None:
    """Users who have answered before (a post of another question), so a new batch finds them stored."""
    warm = post_to_channel(env, "qdock2")
    events = [ChoiceSelected(env.actor(f"U{i}"), env.where, warm, ("A",), f"warm-{i}") for i in users]
    asyncio.run(env.dispatcher.record_batch(events))


def test_a_batch_of_known_users_reads_all_targets_at_once_and_counts_on(env: Env) -> None:
    known_users(env, range(12))
    post_id = post_to_channel(env)
    with counting_target_reads(env) as reads, counting_commits(env) as commits:
        per_event = asyncio.run(env.dispatcher.record_batch(clicks(env, post_id, range(12))))
    engine = env.sessions.kw["bind"]
    assert reads == (
        [1] if engine.dialect.name in answer_targets.PREFETCHED_ON else [12]
    )  # SQLite: each alone
    assert commits == [1]
    assert answers_by_user(env, post_id) == {f"U{i}": 1 for i in range(12)}
    assert card_counts(per_event) == list(range(1, 13))  # each card update counts the answers before it
    assert all(any(isinstance(r, ToDirect) for r in replies) for replies in per_event)


def test_what_the_unit_wrote_wins_over_what_was_prefetched(env: Env) -> None:
    known_users(env, range(1, 3))  # U1 and U2 answered yesterday: a streak of 1
    env.clock.advance(timedelta(days=1))
    a, b = post_to_channel(env), post_to_channel(env, "qdock2")
    batch = [
        ChoiceSelected(env.actor("U1"), env.where, a, ("B",), "d1"),
        ChoiceSelected(env.actor("U1"), env.where, a, ("A",), "d2"),  # a double click
        ChoiceSelected(env.actor("U2"), env.where, a, ("B",), "d3"),
        ChoiceSelected(env.actor("U1"), env.where, b, ("A",), "d4"),  # U1 again, another post
        ChoiceSelected(env.actor("U9"), env.where, a, ("A",), "d5"),  # seen for the first time
    ]
    with counting_target_reads(env) as reads, counting_commits(env) as commits:
        per_event = asyncio.run(env.dispatcher.record_batch(batch))
    assert commits == [1]  # no insert collided with the double click's answer (no fallback)
    engine = env.sessions.kw["bind"]
    if engine.dialect.name in answer_targets.PREFETCHED_ON:
        # The prefetch, the double click read again, U9 read again once stored; U1's second post is not
        # read again: the streaks this unit stored come with its prefetched row.
        assert reads == [3]
    assert answers_by_user(env, a) == {"U1": 1, "U2": 1, "U9": 1}
    assert answers_by_user(env, b) == {"U1": 1}
    said = [r.message for r in per_event[1] if isinstance(r, ToUser)]
    assert len(said) == 1 and isinstance(said[0], Notice) and "already answered" in said[0].text
    streaks = [
        r.message.streak for i in (0, 2, 3, 4) for r in per_event[i] if isinstance(r.message, Feedback)
    ]
    assert streaks == [2, 2, 2, 1]  # U1's streak moved once, on their first answer of the day
    assert card_counts([per_event[0], per_event[2], per_event[4]]) == [1, 2, 3]
    assert card_counts([per_event[3]]) == [1]


def test_a_typed_answer_counts_for_the_users_click_later_in_the_batch(env: Env) -> None:
    known_users(env, range(1, 3))
    post_id = post_to_channel(env)
    typed = TextAnswered(env.actor("U1"), env.where, None, "B", "t1")  # finds the channel's open card itself
    batch = [
        typed,
        ChoiceSelected(env.actor("U1"), env.where, post_id, ("A",), "c1"),
        ChoiceSelected(env.actor("U2"), env.where, post_id, ("B",), "c2"),
    ]
    with counting_commits(env) as commits:
        per_event = asyncio.run(env.dispatcher.record_batch(batch))
    assert commits == [1]  # the click was read again, not inserted over the typed answer (no fallback)
    assert answers_by_user(env, post_id) == {"U1": 1, "U2": 1}
    said = [r.message for r in per_event[1] if isinstance(r, ToUser)]
    assert len(said) == 1 and isinstance(said[0], Notice) and "already answered" in said[0].text
    assert card_counts([per_event[0], per_event[2]])[-1] == 2
