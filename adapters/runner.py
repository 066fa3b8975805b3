"""Runs the chat adapters whose tokens are set and the scheduler, side by side in one event loop, on one set
of services.

Order: serve the Prometheus metrics when ``metrics_port`` is set (first, so a port already taken fails before
anything connects), build every adapter (one ``InstructorHandler`` shared by all), connect them, then start
the scheduler with each platform's dispatcher as its delivery (a scheduled post needs a connected client),
and rebuild the scheduler's timer whenever an instructor command changed a schedule or a sprint. Once all is
up, the heartbeat file (``heartbeat_file``) is touched every ``heartbeat_interval`` seconds from this loop,
and ``run_chat_adapters`` freezes the start-up heap (``bot.heap``). On cancellation everything stops in the
reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from bot.app import QuizApp, build_app
from bot.config import Settings
from bot.health import keep_heartbeat
from bot.heap import settle_startup_heap
from bot.metrics import CONTENT_TYPE, Metrics
from bot.scheduler import Deliver, Scheduler, build_scheduler, dispatcher_delivery

if TYPE_CHECKING:
    from adapters.discord.client import DiscordBot
    from adapters.slack.app import SlackBot

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class Running:
    """What ``serve`` started, handed to its ``on_started`` callback once everything is up."""

    scheduler: Scheduler
    slack: SlackBot | None = None
    discord: DiscordBot | None = None
    metrics_port: int | None = None  # the bound port (``metrics_port`` 0 picks a free one)


@contextlib.asynccontextmanager
async def metrics_served(metrics: Metrics, host: str, port: int) -> AsyncIterator[int]:
    """Serve ``metrics`` on ``http://host:port/metrics`` for the ``with`` block; yields the bound port."""

    async def exposition(_request: web.Request) -> web.Response:
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get(METRICS_PATH, exposition)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = next((int(a[1]) for a in runner.addresses if isinstance(a, tuple)), port)
        log.info("metrics: serving on %s:%d%s", host, bound, METRICS_PATH)
        yield bound
    finally:
        await runner.cleanup()


async def serve(
    settings: Settings, app: QuizApp, *, on_started: Callable[[Running], None] | None = None
) -> None:
    """Run every enabled chat adapter and the scheduler until cancelled or an adapter's connection ends;
    ``on_started`` is called once all of them are up."""
    if not (settings.slack_enabled or settings.discord_enabled):
        raise RuntimeError("no chat adapter is enabled: set SLACK_BOT_TOKEN or DISCORD_TOKEN")
    handler = app.instructor_handler()
    deliveries: dict[str, Deliver] = {}
    waits: list[Awaitable[object]] = []
    slack_bot: SlackBot | None = None
    discord_bot: DiscordBot | None = None
    metrics_port: int | None = None
    async with contextlib.AsyncExitStack() as stack:
        if settings.metrics_port is not None:
            served = metrics_served(app.metrics, settings.metrics_host, settings.metrics_port)
            metrics_port = await stack.enter_async_context(served)
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
        if settings.heartbeat_file is not None:
            beating = asyncio.create_task(
                keep_heartbeat(settings.heartbeat_file, settings.heartbeat_interval), name="heartbeat"
            )
            stack.push_async_callback(_stop, beating)
        if on_started is not None:
            on_started(Running(scheduler, slack_bot, discord_bot, metrics_port))
        until_cancelled = asyncio.get_running_loop().create_future()
        done, _ = await asyncio.wait(
            [asyncio.ensure_future(w) for w in [*waits, until_cancelled]], return_when=asyncio.FIRST_COMPLETED
        )
        for ended in done:
            ended.result()  # an adapter's connection that ended with an error raises it here


async def _stop(task: asyncio.Task[None]) -> None:
    """Cancel ``task`` and wait until it has ended."""
    task.cancel()
    await asyncio.wait([task])


def _settle(_: Running) -> None:
    """Once everything is up: freeze what start-up built (shorter collector pauses while serving)."""
    settle_startup_heap()


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
        asyncio.run(serve(settings, app, on_started=_settle))
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        app.close()
