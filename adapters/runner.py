"""Runs the chat adapters whose tokens are set and the scheduler, side by side in one event loop, on one set
of services.

Order: build every adapter (one ``InstructorHandler`` shared by all), connect them, then start the scheduler
with each platform's dispatcher as its delivery (a scheduled post needs a connected client), and rebuild the
scheduler's timer whenever an instructor command changed a schedule or a sprint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable

from bot.app import QuizApp, build_app
from bot.config import Settings
from bot.scheduler import Deliver, build_scheduler, dispatcher_delivery

log = logging.getLogger(__name__)


async def serve(settings: Settings, app: QuizApp) -> None:
    """Run every enabled chat adapter and the scheduler until cancelled or an adapter's connection ends."""
    if not (settings.slack_enabled or settings.discord_enabled):
        raise RuntimeError("no chat adapter is enabled: set SLACK_BOT_TOKEN or DISCORD_TOKEN")
    handler = app.instructor_handler()
    deliveries: dict[str, Deliver] = {}
    waits: list[Awaitable[object]] = []
    async with contextlib.AsyncExitStack() as stack:
        if settings.slack_enabled:
            from adapters.slack import app as slack

            slack_bot = slack.build_slack_app(settings, app, instructor_handler=handler)
            await stack.enter_async_context(slack.connected(settings, slack_bot))
            deliveries["slack"] = dispatcher_delivery(slack_bot.dispatcher)
        if settings.discord_enabled:
            from adapters.discord import client as discord

            discord_bot = discord.build_discord_bot(settings, app, instructor_handler=handler)
            waits.append(await stack.enter_async_context(discord.connected(settings, discord_bot)))
            deliveries["discord"] = dispatcher_delivery(discord_bot.dispatcher)
        scheduler = build_scheduler(app, deliveries)
        handler.on_change = scheduler.rebuild_soon
        stack.callback(scheduler.shutdown)
        await scheduler.start()
        log.info("scheduler started for %s", ", ".join(sorted(deliveries)))
        until_cancelled = asyncio.get_running_loop().create_future()
        done, _ = await asyncio.wait(
            [asyncio.ensure_future(w) for w in [*waits, until_cancelled]], return_when=asyncio.FIRST_COMPLETED
        )
        for ended in done:
            ended.result()  # an adapter's connection that ended with an error raises it here


def run_chat_adapters(settings: Settings) -> None:
    """Migrate, load banks, then serve Slack and/or Discord (blocking; Ctrl-C or SIGINT stops cleanly)."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_app(settings)
    try:
        for name, result in app.prepare().items():
            log.info(
                "bank %s: %d new, %d updated, %d retired",
                name,
                result.added,
                result.updated,
                result.deactivated,
            )
        asyncio.run(serve(settings, app))
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        app.close()
