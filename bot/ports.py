"""The one outbound port every adapter implements, and the delivery instructions services hand to it.

Services never talk to a platform: they return ``Reply`` values (post this card to the channel, tell this user
privately, DM them, update that posted message). The dispatcher delivers them through a ``ChatPort`` after the
unit of work has committed. The port is async because both chat libraries are asyncio-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.events import Actor, Where
from bot.messages import Message


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the platform can update later (Slack ``ts``, Discord message id)."""

    where: Where
    message_id: str


class ChatPort(Protocol):
    """What the core needs from a chat platform."""

    async def post(self, where: Where, message: Message) -> MessageRef:
        """Post a message to a channel, visible to everyone."""
        ...

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        """Show a message to one user only, in the channel (Slack ephemeral, Discord ephemeral follow-up)."""
        ...

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        """Send a direct message; None when the user's DMs are closed (the caller falls back to private)."""
        ...

    async def update(self, ref: MessageRef, message: Message) -> None:
        """Replace a message posted earlier."""
        ...


@dataclass(frozen=True, slots=True)
class ToChannel:
    """Post to the channel; when ``post_id`` is set the returned ref is stored on that post (for updates)."""

    where: Where
    message: Message
    post_id: int | None = None


@dataclass(frozen=True, slots=True)
class ToUser:
    """Show privately to one user in the channel (ephemeral)."""

    where: Where
    user_id: str
    message: Message


@dataclass(frozen=True, slots=True)
class ToDirect:
    """A direct message; when DMs are closed, the message goes privately to the user in ``where`` instead."""

    actor: Actor
    where: Where
    message: Message


@dataclass(frozen=True, slots=True)
class UpdatePosted:
    """Replace a posted message (a card's answer count, or its reveal when closed)."""

    ref: MessageRef
    message: Message


Reply = ToChannel | ToUser | ToDirect | UpdatePosted
