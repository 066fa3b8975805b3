"""Card updates coalesced per posted message, for any adapter's ``ChatPort.update``.

A busy question gets an answer-count update per answer; platforms rate-limit message edits. ``CardUpdates``
keeps at most one update in flight per card and, with an ``interval``, at most one every ``interval`` seconds
per card; the newest version wins, and an older one (fewer answers, or open after closed) never replaces a
newer one, so the final state always lands. Messages that are not question cards go straight through.

With ``interval`` > 0 the sends run in a background task per card, so the answer that caused an update
never waits for the card's turn; ``drain()`` waits for all of them (tests, shutdown). With ``interval`` 0
``submit`` sends before it returns.

With a ``refresh`` (``FreshCounts``), an open card's answer count is read again from the database right
before it is sent. Under PostgreSQL's read committed two answers committing at once each count the other's
row as missing, so the cards their replies carry can both say N+1 when there are N+2; every answer submits its
update after its commit, so the read before the last send sees every answer, and the card ends right. That
costs one query per card update (at most one per card every ``interval``), not one per answer. SQLite
serialises writers, so its counts are exact and it needs no refresh.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Message, QuestionCard
from bot.ports import MessageRef
from bot.quiz import QuizService

log = logging.getLogger(__name__)

MAX_REMEMBERED = 5000
Rank = tuple[int, int]
Key = tuple[str, str]


def card_rank(message: Message) -> Rank | None:
    """How far along a card is: closed beats open, more answers beat fewer; None for other messages."""
    if isinstance(message, QuestionCard):
        return (int(message.closed), message.answered_count)
    return None


Refresh = Callable[[QuestionCard], Awaitable[QuestionCard]]


@dataclass(frozen=True)
class FreshCounts:
    """An open card with its answer count read again now (committed answers; never lower than it had)."""

    sessions: sessionmaker[Session]
    quiz: QuizService

    async def __call__(self, card: QuestionCard) -> QuestionCard:
        counts = await asyncio.to_thread(self._read, card.post_id)
        return replace(card, answered_count=max(card.answered_count, counts.get(card.post_id, 0)))

    def _read(self, post_id: int) -> dict[int, int]:
        with self.sessions() as session:
            return self.quiz.answer_counts(session, [post_id])


class CardUpdates:
    """Coalesces and paces updates of posted cards (module docstring); ``send`` performs one update."""

    def __init__(
        self,
        send: Callable[[MessageRef, Message], Awaitable[None]],
        interval: float = 0.0,
        *,
        refresh: Refresh | None = None,
    ) -> None:
        self._send = send
        self._interval = interval
        self._refresh = refresh
        self._pending: dict[Key, tuple[MessageRef, Message]] = {}
        self._sent: OrderedDict[Key, tuple[Rank, float]] = OrderedDict()
        self._flushing: set[Key] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, ref: MessageRef, message: Message) -> None:
        """Queue ``message`` as the new version of ``ref`` (module docstring for when it is sent)."""
        rank = card_rank(message)
        if rank is None:
            await self._send(ref, message)
            return
        key = (ref.where.channel_id, ref.message_id)
        if rank <= self._sent_rank(key) and not self._refreshes(message, key):
            return
        pending = self._pending.get(key)
        if pending is None or rank >= (card_rank(pending[1]) or (-1, -1)):
            self._pending[key] = (ref, message)
        if key in self._flushing:
            return
        self._flushing.add(key)
        if self._interval <= 0:
            await self._flush(key)
            return
        task = asyncio.get_running_loop().create_task(self._flush_logged(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every update submitted so far was sent (or failed and was logged)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _flush_logged(self, key: Key) -> None:
        try:
            await self._flush(key)
        except Exception:
            log.exception("could not update the card %s in %s", key[1], key[0])

    async def _flush(self, key: Key) -> None:
        """Send the newest pending version of ``key`` until none is left, pacing by ``interval``."""
        try:
            while key in self._pending:
                wait = self._sent.get(key, ((-1, -1), -float("inf")))[1] + self._interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)  # newer versions keep coalescing meanwhile
                ref, latest = self._pending.pop(key)
                latest = await self._refreshed(latest)
                latest_rank = card_rank(latest) or (0, 0)
                if latest_rank > self._sent_rank(key):
                    try:
                        await self._send(ref, latest)
                    except Exception:
                        self._remember(key, self._sent_rank(key))  # paced, but this version may come again
                        raise
                    self._remember(key, latest_rank)
        finally:
            self._flushing.discard(key)

    def _refreshable(self, message: Message) -> bool:
        """An open card, and a ``refresh`` to read its count with."""
        return self._refresh is not None and isinstance(message, QuestionCard) and not message.closed

    def _refreshes(self, message: Message, key: Key) -> bool:
        """Whether an open card's update must still go through a refresh although its own count is not
        above the one sent: it follows a commit the last refresh may have missed (another transaction's
        answers made its count stale, not the card). A closed card sent already ends it."""
        return self._refreshable(message) and self._sent_rank(key)[0] != 1  # 1: sent closed

    async def _refreshed(self, message: Message) -> Message:
        """``message`` with a fresh answer count when it is refreshable; as it was when the read fails
        (logged: a stale count is better than no update)."""
        if self._refresh is None or not self._refreshable(message):
            return message
        assert isinstance(message, QuestionCard)
        try:
            return await self._refresh(message)
        except Exception:
            log.warning("could not re-read the answer count of post %d", message.post_id, exc_info=True)
            return message

    def _sent_rank(self, key: Key) -> Rank:
        return self._sent.get(key, ((-1, -1), 0.0))[0]

    def _remember(self, key: Key, rank: Rank) -> None:
        self._sent[key] = (rank, time.monotonic())
        self._sent.move_to_end(key)
        while len(self._sent) > MAX_REMEMBERED:
            self._sent.popitem(last=False)
