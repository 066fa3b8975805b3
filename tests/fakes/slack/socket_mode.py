"""Slack's Socket Mode websocket, faked: clients reach it through the URL apps.connections.open returns,
get ``hello``, receive envelopes the test pushes, and ack them with ``{"envelope_id", "payload"?}``.

Mounted on the FakeSlack server (path ``/link/``); each URL carries a one-time ticket, as Slack's do.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import WSMsgType, web

from .threaded import on_loop

JSON = dict[str, Any]
EnvelopeType = Literal["slash_commands", "interactive", "events_api"]


@dataclass(frozen=True)
class Ack:
    """What the client sent back for one envelope."""

    envelope_id: str
    payload: JSON | None
    at: float


class FakeSocketMode:
    """The websocket side of the fake: connections, envelopes, acks, refresh/disconnects."""

    path = "/link/"

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.base_url = ""  # "ws://127.0.0.1:PORT" once the server runs
        self.loop: asyncio.AbstractEventLoop | None = None
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, Ack] = {}
        self._sent: list[JSON] = []
        self._numbers = itertools.count(1)
        self.connections_opened = 0
        self.unknown_messages: list[str] = []
        self._changed = threading.Condition()

    def attach(self, app: web.Application) -> None:
        app.router.add_get(self.path, self._handle)

    # -- what apps.connections.open hands out ----------------------------------------------------------

    def issue_url(self) -> str:
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets.add(ticket)
        return f"{self.base_url}{self.path}?ticket={ticket}&app_id={self.app_id}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._changed:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:
            return web.Response(status=401, text="invalid or used ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._changed:
            self._sockets.append(ws)
            self.connections_opened += 1
            count = len(self._sockets)
            self._changed.notify_all()
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": count,
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._record(message.data)
        finally:
            with self._changed:
                if ws in self._sockets:
                    self._sockets.remove(ws)
                self._changed.notify_all()
        return ws

    def _record(self, raw: str) -> None:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            data = None
        with self._changed:
            if isinstance(data, dict) and isinstance(data.get("envelope_id"), str):
                ack = Ack(data["envelope_id"], data.get("payload"), time.time())
                self._acks.setdefault(ack.envelope_id, ack)
            else:
                self.unknown_messages.append(raw)
            self._changed.notify_all()

    # -- what tests do ---------------------------------------------------------------------------------

    @property
    def open_connections(self) -> int:
        with self._changed:
            return len(self._sockets)

    def envelope(
        self,
        envelope_type: EnvelopeType,
        payload: JSON,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
    ) -> JSON:
        """An envelope as Slack frames it (``retry_*`` only for events_api)."""
        envelope: JSON = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": (
                accepts_response_payload
                if accepts_response_payload is not None
                else envelope_type == "slash_commands" or payload.get("type") == "view_submission"
            ),
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        return envelope

    async def send_envelope(self, envelope_type: EnvelopeType, payload: JSON, **options: Any) -> str:
        """Push one envelope to the newest connection; returns its envelope_id (options: see ``envelope``)."""
        envelope = self.envelope(envelope_type, payload, **options)
        await on_loop(self.loop, self._send(envelope))
        return str(envelope["envelope_id"])

    def send_envelope_sync(self, envelope_type: EnvelopeType, payload: JSON, **options: Any) -> str:
        """``send_envelope`` from a thread that is not the server's (the fake runs in a BackgroundLoop)."""
        if self.loop is None:
            raise RuntimeError("the fake is not running")
        envelope = self.envelope(envelope_type, payload, **options)
        asyncio.run_coroutine_threadsafe(self._send(envelope), self.loop).result(10)
        return str(envelope["envelope_id"])

    async def _send(self, envelope: JSON) -> None:
        with self._changed:
            sockets = [ws for ws in self._sockets if not ws.closed]
        if not sockets:
            raise RuntimeError("no open Socket Mode connection")
        await sockets[-1].send_json(envelope)
        with self._changed:
            self._sent.append(envelope)

    async def request_disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell every client to reconnect, as Slack does every few hours (``refresh_requested``)."""
        await on_loop(
            self.loop,
            self._broadcast({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}),
        )

    async def _broadcast(self, message: JSON) -> None:
        with self._changed:
            sockets = list(self._sockets)
        for ws in sockets:
            if not ws.closed:
                await ws.send_json(message)

    async def drop_connections(self) -> None:
        """Close every websocket from the server side (a lost connection)."""
        await on_loop(self.loop, self._close_all())

    async def _close_all(self) -> None:
        with self._changed:
            sockets = list(self._sockets)
        for ws in sockets:
            await ws.close(code=1001, message=b"going away")

    def acks(self) -> list[Ack]:
        with self._changed:
            return list(self._acks.values())

    def sent(self) -> list[JSON]:
        with self._changed:
            return list(self._sent)

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                ack = self._acks.get(envelope_id)
            if ack is not None:
                return ack
            if time.monotonic() > deadline:
                raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout} s")
            await asyncio.sleep(0.005)

    def wait_for_ack_sync(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        return self._wait(lambda: self._acks.get(envelope_id), timeout)

    async def wait_for_connections(self, opened: int, timeout: float = 5.0) -> None:
        """Wait until ``opened`` connections have been made in total and one is open."""
        deadline = time.monotonic() + timeout
        while not (self.connections_opened >= opened and self.open_connections):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.connections_opened} connections opened, wanted {opened}")
            await asyncio.sleep(0.005)

    def wait_for_connections_sync(self, opened: int, timeout: float = 5.0) -> None:
        self._wait(lambda: self.connections_opened >= opened and bool(self._sockets), timeout)

    def _wait(self, predicate: Any, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                self._changed.wait(remaining)
            return result

    async def close(self) -> None:
        """Close every connection (called when the server stops)."""
        await self._close_all()
