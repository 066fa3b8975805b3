"""The console's ChatPort: prints every message as plain text (``bot.render_text``) with who sees it."""

from __future__ import annotations

from itertools import count
from typing import TextIO

from bot.events import Actor, Where
from bot.messages import Feedback, Message, QuestionCard
from bot.ports import MessageRef
from bot.render_text import clean_inline, render


class ConsolePort:
    """Writes the simulated workspace to a text stream; remembers which answers await a self-rating."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._ids = count(1)
        self.awaiting_rating: dict[str, int] = {}  # user id -> post id of their open answer to rate

    def _write(self, header: str, body: str) -> None:
        indented = "\n".join("  " + line if line else "" for line in body.splitlines())
        self._out.write(f"{header}\n{indented}\n\n")
        self._out.flush()

    def _note(self, user_id: str, message: Message) -> None:
        if isinstance(message, Feedback):
            if message.rating_actions:
                self.awaiting_rating[user_id] = message.post_id
            elif self.awaiting_rating.get(user_id) == message.post_id:
                del self.awaiting_rating[user_id]

    async def post(self, where: Where, message: Message) -> MessageRef:
        ref = MessageRef(where, f"msg{next(self._ids)}")
        self._write(f"── #{clean_inline(where.channel_id)} (everyone) ──", render(message))
        return ref

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        self._note(user_id, message)
        self._write(f"── only {clean_inline(user_id)} sees this ──", render(message))

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        self._note(actor.user_id, message)
        self._write(f"── DM to {clean_inline(actor.user_id)} ──", render(message))
        return MessageRef(
            Where(actor.platform, actor.workspace_id, "dm-" + actor.user_id), f"dm{next(self._ids)}"
        )

    async def update(self, ref: MessageRef, message: Message) -> None:
        if isinstance(message, QuestionCard) and not message.closed:
            self._out.write(
                f"(question #{message.post_id} in #{clean_inline(ref.where.channel_id)}: "
                f"{message.answered_count} answered)\n\n"
            )
            self._out.flush()
            return
        self._write(f"── #{clean_inline(ref.where.channel_id)} (updated) ──", render(message))
