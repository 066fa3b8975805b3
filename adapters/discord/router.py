"""Interactions in, core work out: acknowledge first (Discord's 3-second deadline), then run the dispatcher
with an ``InteractionPort`` bound to the interaction.

Acknowledging:
- a slash command: ``defer(ephemeral=True, thinking=True)`` (the user sees "thinking...", replaced by the
  first ephemeral follow-up, or deleted when the reply went to the channel);
- a click or a modal submit: ``defer()`` (a deferred update: nothing to replace; feedback comes by DM or as
  an ephemeral follow-up);
- "Answer in words": the modal itself is the response (it must be the first one), no database work first.
``/quiz import`` (``on_upload``) is acknowledged like a command; its attached files are downloaded
(``uploads``) only for an instructor, then the core gets a ``BankUploaded``.
A replayed interaction (its callback refused with 40060, "already acknowledged") still reaches the
dispatcher, whose delivery-id claim makes it a no-op; one past the deadline (10062) is still recorded, and
its replies fall back to DMs.

Answers and self-ratings are recorded in batches (``bot.batching.AnswerBatcher``: clicks that arrive while
one unit of work runs share the next), and each interaction's replies then go out through its own port.
Other work (commands) runs at most ``max_concurrent`` at a time (each holds a worker thread and a database
connection). Acknowledgements never wait for either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

import discord
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from adapters.discord import ids, translate
from adapters.discord.port import DiscordPort, InteractionPort, send_kwargs
from adapters.discord.render import render
from adapters.discord.uploads import fetch_uploads
from adapters.discord.views import AnswerModal, submitted_text
from bot.app import QuizApp
from bot.bank_imports import not_fetched
from bot.batching import AnswerBatcher, lanes_for
from bot.dispatcher import InstructorHandler
from bot.events import RECORDED_IN_BATCHES, Event, Where
from bot.messages import warning
from bot.storage.models import Post

log = logging.getLogger(__name__)

MAX_CONCURRENT_WORK = 16
BAD_COMPONENT = "That is not one of this quiz's buttons (or it expired). Type `/quiz ask` for a new question."
ALREADY_ACKNOWLEDGED = 40060
MAX_PLACES = 10_000


class PostPlaces:
    """Where a post was asked (guild and channel), for interactions in DMs; cached, posts never move."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._cache: OrderedDict[int, Where] = OrderedDict()

    async def of(self, post_id: int) -> Where | None:
        """The post's place, or None for an unknown (or other platform's) post."""
        cached = self._cache.get(post_id)
        if cached is not None:
            return cached
        found = await asyncio.to_thread(self._read, post_id)
        if found is not None:
            self._cache[post_id] = found
            while len(self._cache) > MAX_PLACES:
                self._cache.popitem(last=False)
        return found

    def _read(self, post_id: int) -> Where | None:
        with self._sessions() as session:
            row = session.execute(
                select(Post.workspace_id, Post.channel_id).where(
                    Post.id == post_id, Post.platform == translate.PLATFORM
                )
            ).first()
        return None if row is None else Where(translate.PLATFORM, row.workspace_id, row.channel_id)


class InteractionRouter:
    """Handles every quiz interaction (the ``views.ComponentHandler`` the persistent items call)."""

    def __init__(
        self,
        app: QuizApp,
        port: DiscordPort,
        *,
        instructor_role: str | None = None,
        instructor_handler: InstructorHandler | None = None,
        max_concurrent: int = MAX_CONCURRENT_WORK,
    ) -> None:
        self._app = app
        self._port = port
        self._instructor_role = instructor_role
        self._instructor_handler = instructor_handler
        self._places = PostPlaces(app.sessions)
        recorder = app.dispatcher(port, instructor_handler=instructor_handler)  # replies: per interaction
        self._batcher = AnswerBatcher(recorder, lanes=lanes_for(app.engine.dialect.name))
        self._gate = asyncio.Semaphore(max_concurrent)
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # --- entry points ---------------------------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction[Any], text: str) -> None:
        """A ``/quiz`` subcommand, as the text the core parses."""
        async with self._tracked():
            await self._acknowledge(interaction, thinking=True)
            event = translate.command_event(interaction, text, instructor_role=self._instructor_role)
            await self._run(interaction, event, thinking=True)

    async def on_upload(
        self, interaction: discord.Interaction[Any], attachments: Sequence[discord.Attachment], dry_run: bool
    ) -> None:
        """``/quiz import``: ack, download the attached files (only for an instructor: nobody else makes
        the bot fetch anything), then import them (``dry_run``: only check them)."""
        async with self._tracked():
            await self._acknowledge(interaction, thinking=True)
            event = translate.upload_event(
                interaction, (), dry_run=dry_run, instructor_role=self._instructor_role
            )
            if self._app.services.is_instructor(event.actor):
                uploads = await fetch_uploads(attachments)
            else:
                uploads = not_fetched([a.filename for a in attachments])
            await self._run(interaction, replace(event, uploads=uploads), thinking=True)

    async def on_choice(
        self, interaction: discord.Interaction[Any], post_id: int, keys: Sequence[str]
    ) -> None:
        """A choice button clicked, or choices picked in the select menu: ack, then answer."""
        async with self._tracked():
            await self._acknowledge(interaction, thinking=False)
            where = await self._where(interaction, post_id)
            if where is not None:
                await self._run(interaction, translate.choice_event(interaction, where, post_id, tuple(keys)))

    async def on_rate(self, interaction: discord.Interaction[Any], post_id: int, rating: str) -> None:
        """A self-rating button clicked (often in a DM): ack, then record the rating."""
        async with self._tracked():
            await self._acknowledge(interaction, thinking=False)
            where = await self._where(interaction, post_id)
            if where is not None:
                await self._run(interaction, translate.rating_event(interaction, where, post_id, rating))

    async def on_words(self, interaction: discord.Interaction[Any], post_id: int) -> None:
        """The "Answer in words" button: the modal is the response (no database work before it)."""
        async with self._tracked():
            try:
                await interaction.response.send_modal(AnswerModal(post_id))
            except discord.HTTPException as exc:
                log.warning("could not open the answer form for post %d: %s", post_id, exc)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Every interaction passes here (``Client.on_interaction``): modal submits are routed by their
        custom id; a component whose custom id is not ours is refused politely. Quiz components themselves
        go to the persistent items (``views``)."""
        data: dict[str, Any] = dict(interaction.data or {})  # type: ignore[arg-type]
        if interaction.type is discord.InteractionType.modal_submit:
            await self._on_modal(interaction, data)
        elif interaction.type is discord.InteractionType.component:
            try:
                ids.parse(data.get("custom_id"))
            except ids.BadCustomId:
                await self.refuse(interaction)

    async def _on_modal(self, interaction: discord.Interaction[Any], data: dict[str, Any]) -> None:
        async with self._tracked():
            try:
                token = ids.parse(data.get("custom_id"))
            except ids.BadCustomId:
                token = None
            text = submitted_text(data)
            if token is None or token.intent is not ids.Intent.WORDS or text is None:
                await self.refuse(interaction)
                return
            await self._acknowledge(interaction, thinking=False)
            where = await self._where(interaction, token.post_id)
            if where is not None:
                await self._run(interaction, translate.text_event(interaction, where, token.post_id, text))

    async def refuse(self, interaction: discord.Interaction[Any]) -> None:
        """Answer a forged or foreign component/modal with a polite ephemeral notice."""
        kwargs = send_kwargs(render(warning(BAD_COMPONENT)))
        try:
            await interaction.response.send_message(ephemeral=True, **kwargs)
        except discord.HTTPException as exc:
            log.info("could not refuse interaction %s: %s", interaction.id, exc)

    # --- plumbing ---------------------------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait until no interaction is being handled (tests, shutdown)."""
        while self._running:
            await self._idle.wait()

    @property
    def running(self) -> int:
        """Interactions being handled now."""
        return self._running

    @contextlib.asynccontextmanager
    async def _tracked(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def _acknowledge(self, interaction: discord.Interaction[Any], *, thinking: bool) -> None:
        try:
            if thinking:
                await interaction.response.defer(ephemeral=True, thinking=True)
            else:
                await interaction.response.defer()
        except discord.InteractionResponded:
            pass
        except discord.HTTPException as exc:
            if exc.code == ALREADY_ACKNOWLEDGED:
                log.info("interaction %s was already acknowledged (a replay)", interaction.id)
            else:
                log.warning("could not acknowledge interaction %s: %s", interaction.id, exc)

    async def _where(self, interaction: discord.Interaction[Any], post_id: int) -> Where | None:
        """Where the event happened: the guild channel, or for a click in a DM the post's place (None,
        after telling the user, when a DM interaction names an unknown post)."""
        if interaction.guild_id is not None:
            return translate.where_of(interaction)
        place = await self._places.of(post_id)
        if place is None:
            await self._tell(interaction, BAD_COMPONENT)
        return place

    async def _tell(self, interaction: discord.Interaction[Any], text: str) -> None:
        try:
            await interaction.followup.send(ephemeral=True, **send_kwargs(render(warning(text))))
        except discord.HTTPException as exc:
            log.info("could not answer interaction %s: %s", interaction.id, exc)

    async def _run(
        self, interaction: discord.Interaction[Any], event: Event, *, thinking: bool = False
    ) -> None:
        port = InteractionPort(self._port, interaction, thinking=thinking)
        dispatcher = self._app.dispatcher(port, instructor_handler=self._instructor_handler)
        if isinstance(event, RECORDED_IN_BATCHES):  # clicks arriving together share a unit of work
            await dispatcher.deliver(await self._batcher.record(event))
        else:
            async with self._gate:
                await dispatcher.handle(event)
        await port.finish()
