"""The Discord client: a ``discord.Client`` with the ``/quiz`` command tree, the persistent components and the
interaction router, wired to a prepared ``QuizApp``.

Intents: ``guilds`` only. Slash commands, autocomplete, button clicks, select menus and modal submissions all
arrive as interactions, which need no privileged intent; the bot never reads channel messages, so it asks
for neither Message Content nor Server Members. Files attached to ``/quiz import`` arrive in the
interaction too (attachment options), and are downloaded from Discord's CDN without any intent.

Commands are synced at start-up (a bulk overwrite, idempotent): to ``settings.discord.guild_id`` only when
set (instant, for development), otherwise globally.

``build_discord_bot(settings, app)`` gives a ``DiscordBot`` (tests and the benchmark drive it against the fake
Discord); ``connected(settings, bot)`` logs it in for a ``with`` block (``adapters.runner`` uses it, beside
the scheduler, when a Discord token is set); ``run_discord(settings, app)`` runs it alone until cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import Catalog, build_quiz_group
from adapters.discord.port import NO_MENTIONS, DiscordPort
from adapters.discord.router import InteractionRouter
from adapters.discord.views import DYNAMIC_ITEMS
from bot.app import QuizApp
from bot.config import Settings
from bot.dispatcher import Dispatcher, InstructorHandler

log = logging.getLogger(__name__)


def quiz_intents() -> discord.Intents:
    """Guilds only: interactions need no privileged intent."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,  # the weekly chart
    read_message_history=True,
    use_application_commands=True,
)


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that adds the bot with the ``bot`` and ``applications.commands`` scopes and exactly
    the permissions it uses (``INVITE_PERMISSIONS``)."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS.value}"
    )


class QuizClient(discord.Client):
    """``discord.Client`` carrying the quiz's command tree and its ``quiz_handler`` (the router the
    persistent items call). Everything else is composed in ``build_discord_bot``."""

    def __init__(self, *, guild_id: int | None = None, **options: Any) -> None:
        options.setdefault("intents", quiz_intents())
        options.setdefault("allowed_mentions", NO_MENTIONS)
        super().__init__(**options)
        self.tree: app_commands.CommandTree[QuizClient] = app_commands.CommandTree(self)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.quiz_handler: InteractionRouter | None = None
        self.sync_guild = discord.Object(guild_id) if guild_id else None
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        """Register the persistent components and sync the commands (guild or global)."""
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.sync_guild is not None:
            self.tree.copy_global_to(guild=self.sync_guild)
            self.synced = await self.tree.sync(guild=self.sync_guild)
        else:
            self.synced = await self.tree.sync()
        log.info("Discord: %d application command(s) synced", len(self.synced))

    async def on_ready(self) -> None:
        log.info("Discord: connected as %s to %d guild(s)", self.user, len(self.guilds))
        if self.application_id:
            log.info("Discord: invite the bot with %s", invite_url(self.application_id))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if self.quiz_handler is not None:
            await self.quiz_handler.on_interaction(interaction)

    async def _on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.error("/quiz command failed: %r", error, exc_info=error)


@dataclass
class DiscordBot:
    """One Discord client wired to the core: the client, its port, the router and a dispatcher over the
    plain port (for scheduled posts, which answer no interaction)."""

    client: QuizClient
    port: DiscordPort
    router: InteractionRouter
    dispatcher: Dispatcher

    async def start(self, token: str) -> asyncio.Task[None]:
        """Log in (commands synced), connect in the background and wait until ready; returns the
        connection task (``close`` ends it)."""
        await self.client.login(token)
        task = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()  # raises what stopped the connection (a bad token, missing intents...)
        return task

    async def close(self) -> None:
        """Finish the interactions being handled and the card edits they started, then disconnect."""
        await self.router.drain()
        await self.port.drain()
        await self.client.close()


def build_discord_bot(
    settings: Settings,
    app: QuizApp,
    *,
    instructor_handler: InstructorHandler | None = None,
    update_interval: float = 1.0,
    **client_options: Any,
) -> DiscordBot:
    """Wire a Discord client to the running bot's services (``bot.app.build_app`` + ``prepare``)."""
    discord_settings = settings.discord
    guild_id = int(discord_settings.guild_id) if discord_settings.guild_id else None
    if discord_settings.application_id:  # otherwise discord.py learns it at login
        client_options.setdefault("application_id", int(discord_settings.application_id))
    client = QuizClient(guild_id=guild_id, **client_options)
    port = DiscordPort(client, update_interval=update_interval, refresh=app.fresh_counts())
    router = InteractionRouter(
        app,
        port,
        instructor_role=discord_settings.instructor_role,
        instructor_handler=instructor_handler,
    )
    client.quiz_handler = router
    client.tree.add_command(build_quiz_group(router.on_command, Catalog(app.sessions), router.on_upload))
    dispatcher = app.dispatcher(port, instructor_handler=instructor_handler)
    return DiscordBot(client, port, router, dispatcher)


@contextlib.asynccontextmanager
async def connected(settings: Settings, bot: DiscordBot) -> AsyncIterator[asyncio.Task[None]]:
    """Log ``bot`` in and connect it for the ``with`` block; yields the gateway connection task (it ends
    when the connection ends for good). On exit finish the interactions being handled and disconnect."""
    token = settings.discord.token
    if not token:
        raise ValueError("the Discord adapter needs a bot token (DISCORD_TOKEN)")
    try:
        yield await bot.start(token)
    finally:
        await bot.close()


async def run_discord(
    settings: Settings, app: QuizApp, *, instructor_handler: InstructorHandler | None = None
) -> None:
    """Run the Discord adapter until cancelled or the gateway connection ends for good (without a scheduler;
    ``adapters.runner`` runs both)."""
    bot = build_discord_bot(settings, app, instructor_handler=instructor_handler)
    async with connected(settings, bot) as task:
        await task
