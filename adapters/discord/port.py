"""The Discord ChatPorts: ``DiscordPort`` (channel posts, DMs, card edits through a ``discord.Client``) and
``InteractionPort`` (the same, plus ephemeral replies through one interaction's follow-up webhook).

- ``post``: ``channel.send`` (a partial messageable: no cache needed); the message id is the card's ref;
- ``dm``: ``create_dm`` + ``send``; a ``Forbidden`` (DMs closed, code 50007) or ``NotFound`` gives None, and
  the core then falls back to ``post_private``;
- ``post_private``: on an ``InteractionPort`` for the interacting user, an ephemeral follow-up
  (``interaction.followup.send(ephemeral=True)``; the first one replaces a command's "thinking..."
  placeholder). Without an interaction to answer through (a scheduled post, another user, an expired
  token) there is no way to whisper in a channel on Discord, so the message goes by DM, and when DMs are
  closed too it raises ``Unreachable`` (a scheduled readiness report is then retried and reported failed,
  not recorded as sent);
- ``update``: ``PartialMessage.edit``, coalesced per card (``bot.card_updates.CardUpdates``): a burst of
  answers makes a few edits, never an older count over a newer one.

Every send carries ``AllowedMentions.none()`` (the client's default too): echoed user text never pings
@everyone, @here, roles or users. 429s are left to discord.py, which waits ``retry_after`` and retries.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import discord

from adapters.discord.render import Rendered, render
from adapters.discord.views import build_view
from bot.card_updates import CardUpdates, Refresh
from bot.events import Actor, Where
from bot.messages import Message
from bot.ports import MessageRef

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


class Unreachable(Exception):
    """A private message could not be delivered: the user's DMs are closed and no interaction is at hand."""


def send_kwargs(rendered: Rendered) -> dict[str, Any]:
    """``send``/``followup.send`` keyword arguments for a rendered message (a fresh view and files)."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if rendered.content:
        kwargs["content"] = rendered.content
    if rendered.embeds:
        kwargs["embeds"] = list(rendered.embeds)
    view = build_view(rendered.rows)
    if view is not None:
        kwargs["view"] = view
    if rendered.files:
        kwargs["files"] = [discord.File(io.BytesIO(f.data), filename=f.filename) for f in rendered.files]
    return kwargs


def edit_kwargs(rendered: Rendered) -> dict[str, Any]:
    """``edit`` keyword arguments: every part replaced (no view clears the components)."""
    return {
        "content": rendered.content,
        "embeds": list(rendered.embeds),
        "view": build_view(rendered.rows),
        "allowed_mentions": NO_MENTIONS,
    }


class DiscordPort:
    """``bot.ports.ChatPort`` over a ``discord.Client`` (no interaction context)."""

    def __init__(
        self, client: discord.Client, *, update_interval: float = 0.0, refresh: Refresh | None = None
    ) -> None:
        self._client = client
        self._cards = CardUpdates(self._edit, update_interval, refresh=refresh)

    async def post(self, where: Where, message: Message) -> MessageRef:
        channel = self._client.get_partial_messageable(int(where.channel_id))
        sent = await channel.send(**send_kwargs(render(message)))
        return MessageRef(where, str(sent.id))

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        """No interaction to answer through: the message goes by DM; ``Unreachable`` when DMs are closed
        (the caller learns the message was not delivered: the scheduler marks the occurrence failed)."""
        if await self.dm(Actor(where.platform, where.workspace_id, user_id), message) is None:
            raise Unreachable(f"user {user_id} has DMs closed and there is no interaction to answer through")

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        try:
            channel = await self._client.create_dm(discord.Object(int(actor.user_id)))
            sent = await channel.send(**send_kwargs(render(message)))
        except (discord.Forbidden, discord.NotFound):
            return None
        return MessageRef(Where(actor.platform, actor.workspace_id, str(channel.id)), str(sent.id))

    async def update(self, ref: MessageRef, message: Message) -> None:
        await self._cards.submit(ref, message)

    async def drain(self) -> None:
        """Wait until the card edits started so far have been sent."""
        await self._cards.drain()

    async def _edit(self, ref: MessageRef, message: Message) -> None:
        channel = self._client.get_partial_messageable(int(ref.where.channel_id))
        await channel.get_partial_message(int(ref.message_id)).edit(**edit_kwargs(render(message)))


class InteractionPort:
    """A ``ChatPort`` for the replies to one interaction: ephemeral follow-ups to the interacting user,
    everything else through the shared ``DiscordPort``. ``finish`` removes a command's "thinking..."
    placeholder when no follow-up replaced it (the reply went to the channel or by DM)."""

    def __init__(self, base: DiscordPort, interaction: discord.Interaction[Any], *, thinking: bool) -> None:
        self._base = base
        self._interaction = interaction
        self._thinking = thinking
        self.followups = 0

    async def post(self, where: Where, message: Message) -> MessageRef:
        return await self._base.post(where, message)

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        if user_id != str(self._interaction.user.id):
            await self._base.post_private(where, user_id, message)
            return
        try:
            await self._interaction.followup.send(ephemeral=True, **send_kwargs(render(message)))
        except (discord.NotFound, discord.Forbidden) as exc:  # token expired or never acknowledged
            log.info("follow-up refused (%s); sending by DM instead", exc)
            await self._base.post_private(where, user_id, message)
            return
        self.followups += 1

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        return await self._base.dm(actor, message)

    async def update(self, ref: MessageRef, message: Message) -> None:
        await self._base.update(ref, message)

    async def finish(self) -> None:
        """Delete the unanswered "thinking..." placeholder of a deferred command."""
        if not self._thinking or self.followups:
            return
        try:
            await self._interaction.delete_original_response()
        except discord.HTTPException as exc:
            log.debug("could not delete the deferred response: %s", exc)
