"""Card updates coalesced per posted message, for any adapter's ``ChatPort.update``.

A busy question gets an answer-count update per answer; platforms rate-limit message edits. ``CardUpdates``
keeps at most one update in flight per card and at most one every ``interval`` seconds; the newest version
wins, and an older one (fewer answers, or open after closed) never replaces a newer one, so the final state
always lands. Messages that are not question cards go straight through.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.messages import Message, QuestionCard
from bot.ports import MessageRef

MAX_REMEMBERED = 5000
Rank = tuple[int, int]


def card_rank(message: Message) -> Rank | None:
    """How far along a card is: closed beats open, more answers beat fewer; None for other messages."""
    if isinstance(message, QuestionCard):
        return (int(message.closed), message.answered_count)
    return None


class CardUpdates:
    """Coalesces updates of posted cards (module docstring); ``send`` performs one platform update."""

    def __init__(self, send: Callable[[MessageRef, Message], Awaitable[None]], interval: float = 0.0) -> None:
        self._send = send
        self._interval = interval
        self._pending: dict[tuple[str, str], tuple[MessageRef, Message]] = {}
        self._sent: OrderedDict[tuple[str, str], Rank] = OrderedDict()
        self._flushing: set[tuple[str, str]] = set()

    async def submit(self, ref: MessageRef, message: Message) -> None:
        """Queue ``message`` as the new version of ``ref``; sends now unless a send for it is running."""
        rank = card_rank(message)
        if rank is None:
            await self._send(ref, message)
            return
        key = (ref.where.channel_id, ref.message_id)
        if rank <= self._sent.get(key, (-1, -1)):
            return
        pending = self._pending.get(key)
        if pending is None or rank > (card_rank(pending[1]) or (-1, -1)):
            self._pending[key] = (ref, message)
        if key in self._flushing:
            return
        self._flushing.add(key)
        try:
            while key in self._pending:
                ref_now, latest = self._pending.pop(key)
                latest_rank = card_rank(latest) or (0, 0)
                if latest_rank > self._sent.get(key, (-1, -1)):
                    await self._send(ref_now, latest)
                    self._remember(key, latest_rank)
                if key in self._pending and self._interval > 0:
                    await asyncio.sleep(self._interval)
        finally:
            self._flushing.discard(key)

    def _remember(self, key: tuple[str, str], rank: Rank) -> None:
        self._sent[key] = rank
        self._sent.move_to_end(key)
        while len(self._sent) > MAX_REMEMBERED:
            self._sent.popitem(last=False)
