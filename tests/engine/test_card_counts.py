"""A busy card ends up showing every answer: answers committed at once (PostgreSQL read committed counts
each other's rows as missing inside their transactions) still leave the last card update with the true
count, because on PostgreSQL the card updater reads an open card's count again right before it sends it
(``bot.card_updates.FreshCounts``, what ``QuizApp.fresh_counts`` gives the ports) and ``CardUpdates`` keeps the
highest one. Without the refresh this test fails on PostgreSQL (the replies' own counts fall short)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.card_updates import CardUpdates, FreshCounts
from bot.events import ChoiceSelected
from bot.messages import Message, QuestionCard
from bot.ports import MessageRef, Reply, UpdatePosted
from bot.storage.models import AnswerRow

from .quizkit import Env
from .test_answer_path import post_to_channel

USERS = 24


def concurrent_clicks(env: Env, post_id: int, users: int) -> list[Reply]:
    """Every user clicks B on the post at the same moment, each in its own worker thread."""
    start = threading.Barrier(users)

    def click(i: int) -> list[Reply]:
        event = ChoiceSelected(env.actor(f"U{i}"), env.where, post_id, ("B",), f"click-{i}")
        start.wait()
        return env.dispatcher.process(event)

    with ThreadPoolExecutor(max_workers=users) as pool:
        return [reply for replies in pool.map(click, range(users)) for reply in replies]


def test_the_last_card_update_counts_every_concurrent_answer(env: Env) -> None:
    post_id = post_to_channel(env)
    replies = concurrent_clicks(env, post_id, USERS)
    with env.sessions() as s:
        stored = s.scalar(select(func.count()).select_from(AnswerRow).where(AnswerRow.post_id == post_id))
    assert stored == USERS

    sent: list[QuestionCard] = []

    async def send(_ref: MessageRef, message: Message) -> None:
        assert isinstance(message, QuestionCard)
        sent.append(message)

    sqlite = env.sessions.kw["bind"].dialect.name == "sqlite"
    refresh = None if sqlite else FreshCounts(env.sessions, env.quiz)  # as QuizApp.fresh_counts does

    async def deliver_all() -> None:
        updates = CardUpdates(send, refresh=refresh)
        for reply in replies:
            if isinstance(reply, UpdatePosted):
                await updates.submit(reply.ref, reply.message)

    asyncio.run(deliver_all())
    assert sent, "the card was updated"
    assert sent[-1].answered_count == USERS
    counts = [card.answered_count for card in sent]
    assert counts == sorted(counts)  # never an older count over a newer one
