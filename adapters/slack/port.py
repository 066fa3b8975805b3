"""The Slack ChatPort: core messages rendered as Block Kit and sent through the Web API.

- ``post``: chat.postMessage (the returned ``ts`` is the ref a card is updated by);
- ``post_private``: chat.postEphemeral; where Slack refuses it (the app is not in that conversation) the
  message goes as a DM instead;
- ``dm``: conversations.open (once per user, remembered) + chat.postMessage; None when the user cannot be
  DMed (the core then falls back to ``post_private``; Slack is asked again about that user after ten minutes);
- ``update``: chat.update, coalesced and paced per card (``bot.card_updates.CardUpdates``): at most one
  per card every ``update_interval`` seconds, sent in the background, its answer count read again right
  before it goes when given a ``refresh`` (PostgreSQL).

Messages go out with ``link_names`` off and unfurling off; all user text in them is escaped by ``render``.
429s (with Retry-After) and 5xx are retried by the client's retry handlers (``make_client``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.render import JSON, SlackMessage, render_message
from bot.card_updates import CardUpdates, Refresh
from bot.events import Actor, Where
from bot.messages import Message, WeeklyDigest
from bot.ports import MessageRef

log = logging.getLogger(__name__)

MAX_RETRIES = 4
NO_DM = frozenset(
    {"user_not_visible", "cannot_dm_bot", "user_disabled", "user_not_found", "not_allowed_token_type"}
)
NO_EPHEMERAL = frozenset({"user_not_in_channel", "not_in_channel", "channel_not_found"})
MAX_DM_CHANNELS = 5000
NO_DM_RECHECK_SECONDS = 600.0  # a user Slack would not let the app DM is asked about again after this
CHART_FILENAME = "team-standings.png"
CHART_TITLE = "Team standings, last week"


class PooledWebClient(AsyncWebClient):
    """An ``AsyncWebClient`` that keeps one aiohttp session (pooled keep-alive connections) per event loop.

    Given no session, slack_sdk opens a new ``ClientSession``, so a new TCP (and TLS) connection, for every
    call; with a feedback DM and a card update per answer click that was the largest single cost of an answer
    (``bench/bench_slack.py``). A session needs the running loop and ``build_slack_app`` is synchronous, so
    it is made on the first call; ``aclose()`` closes it (Bolt's per-request clients reuse it once made).
    """

    _session_loop: asyncio.AbstractEventLoop | None = None

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        self._bind_session()
        return await super().api_call(api_method, **kwargs)

    def _bind_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self.session is None or self.session.closed or self._session_loop is not loop:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._session_loop = loop
        return self.session

    def http_session(self) -> aiohttp.ClientSession:
        """The pooled session of the running loop, for plain HTTP requests beside the Web API (downloading
        a file Slack hosts, ``adapters.slack.files``)."""
        return self._bind_session()

    async def aclose(self) -> None:
        """Close the pooled connections (a session of another, finished loop is just dropped)."""
        session, self.session = self.session, None
        if session is not None and not session.closed and self._session_loop is asyncio.get_running_loop():
            await session.close()


def make_client(token: str, base_url: str | None = None, *, max_retries: int = MAX_RETRIES) -> AsyncWebClient:
    """An async Web API client on pooled connections (``PooledWebClient``) that retries 429 (after
    Retry-After) and 500/503 with backoff.

    slack_sdk's retry handlers share one attempt counter, so ``max_retries`` bounds all retries of a call.
    """
    client = PooledWebClient(token=token, base_url=base_url or AsyncWebClient.BASE_URL)
    client.retry_handlers.extend(
        [
            AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
            AsyncServerErrorRetryHandler(max_retry_count=max_retries),
        ]
    )
    return client


def _remember(known: OrderedDict[str, Any], user_id: str, value: Any) -> None:
    """Store ``value`` for ``user_id`` as the newest entry, forgetting the oldest past ``MAX_DM_CHANNELS``."""
    known.pop(user_id, None)
    known[user_id] = value
    while len(known) > MAX_DM_CHANNELS:
        known.popitem(last=False)


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


class SlackPort:
    """``bot.ports.ChatPort`` over Slack's Web API."""

    def __init__(
        self, client: AsyncWebClient, *, update_interval: float = 1.0, refresh: Refresh | None = None
    ) -> None:
        self._client = client
        self._dm_channels: OrderedDict[str, str] = OrderedDict()
        self._dm_opening: dict[str, asyncio.Task[str | None]] = {}
        self._no_dm_until: OrderedDict[str, float] = OrderedDict()  # user -> monotonic time to ask again
        self._updates = CardUpdates(self._chat_update, update_interval, refresh=refresh)

    @property
    def client(self) -> AsyncWebClient:
        return self._client

    async def drain(self) -> None:
        """Wait until the card updates started so far have been sent."""
        await self._updates.drain()

    async def close(self) -> None:
        """Stop opening DM channels, then release the client's pooled connections (when it pools them)."""
        opening = list(self._dm_opening.values())
        for task in opening:
            task.cancel()
        await asyncio.gather(*opening, return_exceptions=True)
        pooled = self._client
        if isinstance(pooled, PooledWebClient):  # not a Web API method (the manifest test reads _client.X)
            await pooled.aclose()

    @staticmethod
    def _content(rendered: SlackMessage) -> dict[str, Any]:
        return {"text": rendered.text, "blocks": rendered.blocks}

    async def post(self, where: Where, message: Message) -> MessageRef:
        rendered = render_message(message)
        answer = await self._client.chat_postMessage(
            channel=where.channel_id,
            link_names=False,
            unfurl_links=False,
            unfurl_media=False,
            **self._content(rendered),
        )
        channel = str(answer.get("channel") or where.channel_id)
        if isinstance(message, WeeklyDigest) and message.chart_png:
            await self._upload_chart(channel, message.chart_png)
        return MessageRef(Where(where.platform, where.workspace_id, channel), str(answer["ts"]))

    async def _upload_chart(self, channel: str, png: bytes) -> None:
        """The weekly team chart as an image file in the channel (files.getUploadURLExternal, the upload,
        files.completeUploadExternal). A failed upload is logged and never raised: the digest already went
        out, and an error from ``post`` would make the scheduler post the digest again. That includes the
        upload step itself, which slack_sdk reports as ``SlackRequestError``, not ``SlackApiError``."""
        try:
            await self._client.files_upload_v2(
                channel=channel, content=png, filename=CHART_FILENAME, title=CHART_TITLE
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            detail = _error(exc) if isinstance(exc, SlackApiError) else repr(exc)
            log.warning("could not upload the weekly chart to %s: %s", channel, detail)

    async def post_private(self, where: Where, user_id: str, message: Message) -> None:
        rendered = render_message(message)
        try:
            await self._client.chat_postEphemeral(
                channel=where.channel_id, user=user_id, link_names=False, **self._content(rendered)
            )
        except SlackApiError as exc:
            if _error(exc) not in NO_EPHEMERAL:
                raise
            log.info("ephemeral refused in %s (%s); sending as a DM", where.channel_id, _error(exc))
            actor = Actor(where.platform, where.workspace_id, user_id)
            if await self.dm(actor, message) is None:
                log.warning("could not reach %s privately: %s", user_id, _error(exc))

    async def dm(self, actor: Actor, message: Message) -> MessageRef | None:
        channel = await self._dm_channel(actor.user_id)
        if channel is None:
            return None
        rendered = render_message(message)
        answer = await self._client.chat_postMessage(
            channel=channel,
            link_names=False,
            unfurl_links=False,
            unfurl_media=False,
            **self._content(rendered),
        )
        return MessageRef(Where(actor.platform, actor.workspace_id, channel), str(answer["ts"]))

    async def update(self, ref: MessageRef, message: Message) -> None:
        """chat.update, coalesced and paced per card (``CardUpdates``: chat.update is rate-limited)."""
        await self._updates.submit(ref, message)

    async def open_modal(self, trigger_id: str, view: JSON) -> None:
        """views.open (the "Answer in words" modal)."""
        await self._client.views_open(trigger_id=trigger_id, view=view)

    async def _chat_update(self, ref: MessageRef, message: Message) -> None:
        rendered = render_message(message)
        await self._client.chat_update(
            channel=ref.where.channel_id, ts=ref.message_id, link_names=False, **self._content(rendered)
        )

    async def _dm_channel(self, user_id: str) -> str | None:
        """The user's DM channel: remembered once opened; one conversations.open per user at a time (a
        burst of a new user's answers waits for the same call rather than each making one: the method is
        rate-limited per workspace). A user Slack refused to let the app DM is not asked about again for
        ``NO_DM_RECHECK_SECONDS`` (None: their feedback goes ephemeral)."""
        known = self._dm_channels.get(user_id)
        if known is not None:
            return known
        if self._no_dm_until.get(user_id, 0.0) > time.monotonic():
            return None
        opening = self._dm_opening.get(user_id)
        if opening is None:
            opening = asyncio.get_running_loop().create_task(self._open_dm(user_id))
            self._dm_opening[user_id] = opening
            opening.add_done_callback(lambda task: self._opened(user_id, task))
        return await asyncio.shield(opening)  # one waiter giving up does not cancel it for the others

    def _opened(self, user_id: str, task: asyncio.Task[str | None]) -> None:
        if self._dm_opening.get(user_id) is task:
            del self._dm_opening[user_id]
        if not task.cancelled():
            task.exception()  # its waiters got it; marked retrieved even when they had all given up

    async def _open_dm(self, user_id: str) -> str | None:
        try:
            answer = await self._client.conversations_open(users=user_id)
        except SlackApiError as exc:
            if _error(exc) in NO_DM:
                _remember(self._no_dm_until, user_id, time.monotonic() + NO_DM_RECHECK_SECONDS)
                return None
            raise
        channel = str((answer.get("channel") or {}).get("id") or "")
        if not channel:
            return None
        _remember(self._dm_channels, user_id, channel)
        return channel
