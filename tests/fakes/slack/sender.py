"""SlackRequestSender: plays Slack's side of HTTP mode, POSTing signed slash commands, interactions and
Events API callbacks to a Bolt app's request URL (``http://127.0.0.1:PORT/slack/events``)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp

from .payloads import JSON, PayloadFactory
from .signing import SignedRequest, Signing, sign

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SentRequest:
    """What went out and what the app answered."""

    request: SignedRequest
    status: int
    body: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        """The answer parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


class SlackRequestSender:
    """Signs and sends requests the way Slack does. Payloads come from ``payloads`` (a PayloadFactory,
    tied to a FakeSlack when given, so response_urls land on the fake)."""

    def __init__(self, app_url: str, signing_secret: str, payloads: PayloadFactory | None = None) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.payloads = payloads or PayloadFactory()
        self._session: aiohttp.ClientSession | None = None

    # -- building -------------------------------------------------------------------------------------

    def build(
        self,
        body: bytes,
        content_type: str,
        *,
        signing: Signing = Signing.VALID,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        now: float | None = None,
    ) -> SignedRequest:
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
            extra["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return sign(body, content_type, self.signing_secret, signing=signing, now=now, extra_headers=extra)

    def form_request(self, fields: Mapping[str, str], **options: Any) -> SignedRequest:
        """A form-encoded request (slash commands)."""
        return self.build(urlencode(fields).encode(), FORM, **options)

    def interaction_request(self, payload: JSON, **options: Any) -> SignedRequest:
        """An interactivity request: form field ``payload`` holding the JSON."""
        return self.build(urlencode({"payload": json.dumps(payload)}).encode(), FORM, **options)

    def event_request(self, body: JSON, **options: Any) -> SignedRequest:
        """An Events API request (JSON body)."""
        return self.build(json.dumps(body).encode(), "application/json", **options)

    # -- sending --------------------------------------------------------------------------------------

    async def post(self, request: SignedRequest, timeout: float = 10.0) -> SentRequest:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        async with self._session.post(
            self.app_url,
            data=request.body,
            headers=request.headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            return SentRequest(request, response.status, await response.text(), dict(response.headers))

    def post_sync(self, request: SignedRequest, timeout: float = 10.0) -> SentRequest:
        """``post`` for synchronous callers (urllib)."""
        http_request = urllib.request.Request(
            self.app_url, data=request.body, headers=request.headers, method="POST"
        )
        try:
            with urllib.request.urlopen(http_request, timeout=timeout) as response:
                return SentRequest(request, response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return SentRequest(request, error.code, error.read().decode(), dict(error.headers))

    async def resend(self, sent: SentRequest | SignedRequest) -> SentRequest:
        """Send exactly the same bytes and headers again (a replay, or Slack's retry without the header)."""
        return await self.post(sent.request if isinstance(sent, SentRequest) else sent)

    async def slash_command(
        self, command: str, text: str = "", *, signing: Signing = Signing.VALID, **fields: Any
    ) -> SentRequest:
        """``/command text`` (fields: user_id, user_name, channel_id, channel_name, trigger_id, ...)."""
        return await self.post(
            self.form_request(self.payloads.slash_command(command, text, **fields), signing=signing)
        )

    async def click(
        self,
        surface: Mapping[str, Any],
        action_id: str,
        value: Any = None,
        *,
        signing: Signing = Signing.VALID,
        **options: Any,
    ) -> SentRequest:
        """A block_actions request for element ``action_id`` on a posted message or open modal."""
        payload = self.payloads.block_actions(surface, action_id, value, **options)
        return await self.post(self.interaction_request(payload, signing=signing))

    async def submit(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        *,
        signing: Signing = Signing.VALID,
        **options: Any,
    ) -> SentRequest:
        """A view_submission request for the modal ``view`` with ``values`` by action_id."""
        payload = self.payloads.view_submission(view, values, **options)
        return await self.post(self.interaction_request(payload, signing=signing))

    async def event(
        self,
        event: JSON,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        signing: Signing = Signing.VALID,
    ) -> SentRequest:
        """An Events API callback; ``retry_num`` adds Slack's retry headers."""
        body = self.payloads.event_callback(event, event_id=event_id)
        request = self.event_request(body, signing=signing, retry_num=retry_num, retry_reason=retry_reason)
        return await self.post(request)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> SlackRequestSender:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
