"""The Slack app: a Bolt ``AsyncApp`` whose listeners ack at once and hand the work to the core.

Connection modes: Socket Mode (default; ``AsyncSocketModeHandler`` over aiohttp, no public URL) or HTTP mode
(Bolt's aiohttp handler on ``/slack/events``, for deployments behind a load balancer). In HTTP mode the
requests are served by default from a separate process (``adapters.slack.front``), so acks never queue
behind the bot's own work; ``QUIZMASTER_SLACK__HTTP_FRONT=inline`` serves them from the bot's process.

The listeners (``adapters.slack.listeners``) verify, ack and turn each request into a job; ``SlackWork``
(``adapters.slack.work``) does the jobs: answers are recorded in batches (``bot.batching``), replies go out
through the ``SlackPort`` after each commit.

Usage: ``build_slack_app(settings, quiz)`` gives a ``SlackBot`` (tests drive it on an ephemeral port);
``connected(settings, bot)`` connects it for a ``with`` block (``adapters.runner`` uses it, beside the
scheduler, when a bot token is set); ``run_slack(settings, quiz)`` runs it alone until cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.front import HttpFront
from adapters.slack.http import serve_http
from adapters.slack.listeners import EVENTS_PATH, bolt_app
from adapters.slack.people import People
from adapters.slack.port import SlackPort, make_client
from adapters.slack.work import SlackWork
from bot.app import QuizApp
from bot.batching import AnswerBatcher, lanes_for
from bot.config import Settings
from bot.dispatcher import Dispatcher, InstructorHandler

log = logging.getLogger(__name__)


@dataclass
class SlackBot:
    """One Slack app wired to the core: the Bolt app, its port, and the work it started."""

    app: AsyncApp
    port: SlackPort
    dispatcher: Dispatcher
    people: People
    work: SlackWork
    settings: Settings
    front: HttpFront | None = None

    async def drain(self) -> None:
        """Wait for all work started by requests acked so far, card updates included (tests, shutdown)."""
        if self.front is not None:
            await self.front.flush()
        await self.work.drain()
        await self.port.drain()

    async def close(self) -> None:
        """Finish the work already started, then release the Web API client's connections."""
        await self.drain()
        await self.port.close()

    def web_app(self) -> web.Application:
        """The aiohttp application serving Bolt on ``/slack/events`` (HTTP mode)."""
        return self.app.web_app(path=EVENTS_PATH)

    async def start_http(self, host: str = "0.0.0.0", port: int = 3000) -> tuple[web.AppRunner, int]:
        """Serve HTTP mode in this process; returns the runner (``await runner.cleanup()`` to stop) and the
        bound port."""
        return await serve_http(self.web_app(), host, port)

    async def start_front(self, host: str = "0.0.0.0", port: int = 3000) -> HttpFront:
        """Serve HTTP mode from the front process (``adapters.slack.front``); ``stop_front()`` to stop."""
        slack, level = self.settings.slack, self.settings.log_level
        self.front = await HttpFront.start(slack, self.work.submit, host, port, level)
        return self.front

    async def stop_front(self) -> None:
        """Stop the front process; every request it acked is handed over first."""
        front, self.front = self.front, None
        if front is not None:
            await front.stop()

    async def start_socket_mode(self, app_token: str) -> AsyncSocketModeHandler:
        """Connect over Socket Mode; ``await handler.close_async()`` to stop."""
        handler = AsyncSocketModeHandler(self.app, app_token, web_client=self.port.client)
        await handler.connect_async()
        return handler


def build_slack_app(
    settings: Settings,
    quiz: QuizApp,
    *,
    client: AsyncWebClient | None = None,
    instructor_handler: InstructorHandler | None = None,
    update_interval: float = 1.0,
) -> SlackBot:
    """Wire a Slack app to the running bot's services (``bot.app.build_app``)."""
    slack = settings.slack
    if not slack.bot_token:
        raise ValueError("the Slack adapter needs a bot token (SLACK_BOT_TOKEN)")
    if slack.mode == "http" and not slack.signing_secret:
        raise ValueError("HTTP mode needs the signing secret (SLACK_SIGNING_SECRET)")
    client = client or make_client(slack.bot_token, slack.api_base_url)
    port = SlackPort(client, update_interval=update_interval, refresh=quiz.fresh_counts())
    people = People(client)
    dispatcher = quiz.dispatcher(port, instructor_handler=instructor_handler)
    batcher = AnswerBatcher(dispatcher, lanes=lanes_for(quiz.engine.dialect.name))
    work = SlackWork(dispatcher, port, people, batcher)
    return SlackBot(bolt_app(client, slack, work.submit), port, dispatcher, people, work, settings)


@contextlib.asynccontextmanager
async def connected(settings: Settings, bot: SlackBot) -> AsyncIterator[SlackBot]:
    """Connect ``bot`` (Socket Mode, or HTTP mode on ``settings.slack.http_port``) for the ``with`` block;
    on exit disconnect and finish the work already started."""
    if settings.slack.mode == "socket":
        if not settings.slack.app_token:
            raise ValueError("Socket Mode needs the app-level token (SLACK_APP_TOKEN, xapp-...)")
        handler = await bot.start_socket_mode(settings.slack.app_token)
        log.info("Slack: connected in Socket Mode")
        try:
            yield bot
        finally:
            await handler.close_async()
            await bot.close()
        return
    if settings.slack.http_front == "process":
        front = await bot.start_front(port=settings.slack.http_port)
        log.info("Slack: HTTP mode listening on :%d%s (front process)", front.port, EVENTS_PATH)
        try:
            yield bot
        finally:
            await bot.stop_front()
            await bot.close()
        return
    runner, bound = await bot.start_http(port=settings.slack.http_port)
    log.info("Slack: HTTP mode listening on :%d%s", bound, EVENTS_PATH)
    try:
        yield bot
    finally:
        await runner.cleanup()
        await bot.close()


async def run_slack(
    settings: Settings, quiz: QuizApp, *, instructor_handler: InstructorHandler | None = None
) -> None:
    """Run the Slack adapter until cancelled (without a scheduler; ``adapters.runner`` runs both)."""
    bot = build_slack_app(settings, quiz, instructor_handler=instructor_handler)
    async with connected(settings, bot):
        await asyncio.Event().wait()
