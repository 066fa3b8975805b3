"""The Slack app: a Bolt ``AsyncApp`` whose listeners ack at once and hand the work to the core.

Connection modes: Socket Mode (default; ``AsyncSocketModeHandler`` over aiohttp, no public URL) or HTTP mode
(an aiohttp server with Bolt's handler on ``/slack/events``, for deployments behind a load balancer).

Acknowledging: ``process_before_response=True``, so Bolt answers Slack when the listener returns, without
its 10 ms ack-polling loop. Every listener therefore does only this before returning: verify (Bolt checks
the signature and the 5-minute timestamp window, 401 otherwise), ``ack()``, and start the work as a
background task (``Background``). The work (the dispatcher's unit of work in a worker thread, then the
Web API calls) runs after the response. Measured (``bench/bench_slack.py``): recording a click inline
before the ack costs a few ms of database work per click, which at 100 concurrent clients queues into a
p99 of hundreds of ms, while ack-then-record keeps p99 ack latency at a few ms; Slack's 3-second deadline
is never at risk either way, and the answer is recorded exactly once in both (delivery ids plus the
answers' unique constraint), so clicks, slash commands, modal submissions and DM events all ack first.
Every event's actor carries the user groups they are in (``People.groups``, cached per workspace), so teams
linked to a user group follow it (``bot.team_groups``).

Usage: ``build_slack_app(settings, quiz)`` gives a ``SlackBot`` (tests drive it on an ephemeral port);
``connected(settings, bot)`` connects it for a ``with`` block (``adapters.runner`` uses it, beside the
scheduler, when a bot token is set); ``run_slack(settings, quiz)`` runs it alone until cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids, translate
from adapters.slack.people import People
from adapters.slack.port import SlackPort, make_client
from adapters.slack.render import ANSWER_BLOCK, answer_modal
from bot import commands as cmd
from bot.app import QuizApp
from bot.config import Settings
from bot.dispatcher import Dispatcher, InstructorHandler
from bot.events import Event, Where
from bot.messages import warning

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_CONCURRENT_WORK = 16
ANY = re.compile(r".*")
BAD_ACTION = "That button is not one of this quiz's (or it expired). Type /quiz for a new question."


@dataclass
class Background:
    """Work started after an ack: tasks kept referenced until done, at most ``limit`` running at once."""

    limit: int = MAX_CONCURRENT_WORK
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _gate: asyncio.Semaphore | None = None

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` soon; errors are logged, never raised into Bolt."""
        task = asyncio.get_running_loop().create_task(self._run(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            try:
                await work
            except Exception:
                log.exception("background Slack work failed")

    async def drain(self) -> None:
        """Wait until every started task (and what they started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def running(self) -> int:
        return len(self._tasks)


class Listeners:
    """Bolt listeners: ack, translate, and start the core's work."""

    def __init__(self, dispatcher: Dispatcher, port: SlackPort, people: People, background: Background):
        self._dispatcher = dispatcher
        self._port = port
        self._people = people
        self._background = background

    def register(self, app: AsyncApp) -> None:
        """Attach every listener to ``app``."""
        app.command("/quiz")(self.on_command)
        app.action(ANY)(self.on_action)
        app.view_submission(ANY)(self.on_view_submission)
        app.event("message")(self.on_message)
        app.error(self.on_error)

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        self._background.spawn(self._command(body))

    async def _command(self, body: Mapping[str, Any]) -> None:
        text = body.get("text") if isinstance(body.get("text"), str) else ""
        parsed = cmd.parse_command(str(text))
        is_admin, name = False, None
        if isinstance(parsed, cmd.InstructorCommand | cmd.ShowHelp):  # only these depend on the admin flag
            person = await self._people.lookup(str(body.get("team_id", "")), str(body.get("user_id", "")))
            is_admin, name = person.is_admin, person.display_name
        await self._handle(translate.command_event(body, is_admin=is_admin, display_name=name))

    async def _handle(self, event: Event) -> None:
        """Dispatch ``event`` with its actor's user groups (``People.groups``; None when unknown)."""
        actor = event.actor
        groups = await self._people.groups(actor.workspace_id, actor.user_id)
        if groups is not None:
            event = replace(event, actor=replace(actor, groups=groups))
        await self._dispatcher.handle(event)

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        try:
            token = translate.action_token(action)
        except ids.BadToken:
            self._background.spawn(self._refuse(body))
            return
        if token.intent is ids.Intent.PICK:
            return  # ticking a checkbox is not an answer; Submit sends the ticked keys
        if token.intent is ids.Intent.WORDS:
            self._background.spawn(self._open_answer_form(body, token.post_id))
            return
        try:
            event = translate.action_event(body, action)
        except (ids.BadToken, translate.BadPayload):
            self._background.spawn(self._refuse(body))
            return
        if event is not None:
            self._background.spawn(self._handle(event))

    async def _refuse(self, body: Mapping[str, Any]) -> None:
        actor = translate.actor_of(body)
        where = Where(translate.PLATFORM, actor.workspace_id, translate.action_channel(body))
        await self._port.post_private(where, actor.user_id, warning(BAD_ACTION))

    async def _open_answer_form(self, body: Mapping[str, Any], post_id: int) -> None:
        trigger = body.get("trigger_id")
        if not isinstance(trigger, str):
            return
        await self._port.open_modal(trigger, answer_modal(post_id, translate.action_channel(body)))

    async def on_view_submission(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            event = translate.submission_event(body)
        except (ids.BadToken, translate.BadPayload):
            await ack(response_action="errors", errors={ANSWER_BLOCK: "This form has expired; try again."})
            return
        if not event.text.strip():
            await ack(response_action="errors", errors={ANSWER_BLOCK: "Type an answer first."})
            return
        await ack()
        self._background.spawn(self._handle(event))

    async def on_message(self, body: dict[str, Any]) -> None:
        event = translate.message_event(body)
        if event is not None:
            self._background.spawn(self._handle(event))

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed on %s: %r", body.get("type"), error)


@dataclass
class SlackBot:
    """One Slack app wired to the core: the Bolt app, its port, and the work it started."""

    app: AsyncApp
    port: SlackPort
    dispatcher: Dispatcher
    people: People
    background: Background

    async def drain(self) -> None:
        """Wait for all work started by earlier requests, card updates included (tests, shutdown)."""
        await self.background.drain()
        await self.port.drain()

    async def close(self) -> None:
        """Finish the work already started, then release the Web API client's connections."""
        await self.drain()
        await self.port.close()

    def web_app(self) -> web.Application:
        """The aiohttp application serving Bolt on ``/slack/events`` (HTTP mode)."""
        return self.app.web_app(path=EVENTS_PATH)

    async def start_http(self, host: str = "0.0.0.0", port: int = 3000) -> tuple[web.AppRunner, int]:
        """Serve HTTP mode; returns the runner (``await runner.cleanup()`` to stop) and the bound port."""
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = next((int(a[1]) for a in runner.addresses if isinstance(a, tuple)), port)
        return runner, bound

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
    app = AsyncApp(
        client=client,  # carries the bot token
        signing_secret=slack.signing_secret or "",
        request_verification_enabled=bool(slack.signing_secret) or slack.mode == "http",
        process_before_response=True,
    )
    port = SlackPort(client, update_interval=update_interval)
    people = People(client)
    dispatcher = quiz.dispatcher(port, instructor_handler=instructor_handler)
    background = Background()
    Listeners(dispatcher, port, people, background).register(app)
    return SlackBot(app, port, dispatcher, people, background)


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
