"""Runs the chat adapters whose tokens are set, side by side in one event loop, on one set of services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot.app import QuizApp, build_app
from bot.config import Settings

log = logging.getLogger(__name__)


async def serve(settings: Settings, app: QuizApp) -> None:
    """Run every enabled chat adapter until one of them stops."""
    jobs: list[Coroutine[Any, Any, None]] = []
    if settings.slack_enabled:
        from adapters.slack.app import run_slack

        jobs.append(run_slack(settings, app))
    if settings.discord_enabled:
        from adapters.discord.client import run_discord

        jobs.append(run_discord(settings, app))
    if not jobs:
        raise RuntimeError("no chat adapter is enabled: set SLACK_BOT_TOKEN or DISCORD_TOKEN")
    await asyncio.gather(*jobs)


def run_chat_adapters(settings: Settings) -> None:
    """Migrate, load banks, then serve Slack and/or Discord (blocking; Ctrl-C or SIGINT stops cleanly)."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_app(settings)
    try:
        for name, result in app.prepare().items():
            log.info("bank %s: %d new, %d updated, %d retired", name, result.added, result.updated,
                     result.deactivated)
        asyncio.run(serve(settings, app))
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        app.close()
