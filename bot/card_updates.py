"""Card updates coalesced per posted message, for any adapter's ``ChatPort.update``.

A busy question gets an answer-count update per answer; platforms rate-limit message edits. ``CardUpdates``
keeps at most one update in flight per card and, with an ``interval``, at most one every ``interval`` seconds
per card; the newest version wins, and an older one (fewer answers, or open after closed) never replaces a
newer one, so the final state always lands. Messages that are not question cards go straight through.

With ``interval`` > 0 the sends run in a background task per card, so the answer that caused an update
never waits for the card's turn; ``drain()`` waits for all of them (tests, shutdown). With ``interval`` 0
``submit`` sends before it returns.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.messages import Message, QuestionCard
from bot.ports import MessageRef

log = logging.getLogger(__name__)

MAX_REMEMBERED = 5000
Rank = tuple[int, int]
Key = tuple[str, str]


def card_rank(message: Message) -> Rank | None:
    """How far along a card is: closed beats open, more answers beat fewer; None for other messages."""
    if isinstance(message, QuestionCard):
        return (int(message.closed), message.answered_count)
    return None


class CardUpdates:
    """Coalesces and paces updates of posted cards (module docstring); ``send`` performs one update."""

    def __init__(self, send: Callable[[MessageRef, Message], Awaitable[None]], interval: float = 0.0) -> None:
        self._send = send
        self._interval = interval
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
        if rank <= self._sent_rank(key):
            return
        pending = self._pending.get(key)
        if pending is None or rank > (card_rank(pending[1]) or (-1, -1)):
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

    def _sent_rank(self, key: Key) -> Rank:
        return self._sent.get(key, ((-1, -1), 0.0))[0]

    def _remember(self, key: Key, rank: Rank) -> None:
        self._sent[key] = (rank, time.monotonic())
        self._sent.move_to_end(key)
        while len(self._sent) > MAX_REMEMBERED:
            self._sent.popitem(last=False)
