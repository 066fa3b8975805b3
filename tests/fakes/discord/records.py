"""What the fake records: every REST request, the messages (with their edit history), interactions and
the callbacks the bot posted for them."""

from __future__ import annotations

import asyncio
import copy
import fnmatch
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from .snowflakes import iso_timestamp
from .validation import EPHEMERAL_FLAG

LOADING_FLAG = 1 << 7


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (``files[n]``)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Request:
    """One REST request as the fake received and answered it. ``path`` is relative to ``/api/v10``."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    at: float
    status: int = 0
    response: Any = None

    @property
    def route(self) -> str:
        """``"POST /channels/123/messages"``."""
        return f"{self.method} {self.path}"

    def matches(self, pattern: str) -> bool:
        """fnmatch ``pattern`` against ``"METHOD /path"``; a pattern without a method matches the path."""
        if pattern.split(" ", 1)[0].isupper() and " " in pattern:
            return fnmatch.fnmatchcase(self.route, pattern)
        return fnmatch.fnmatchcase(self.path, pattern)


@dataclass
class StoredMessage:
    """A message's current state; ``versions`` holds every body it had (creation first)."""

    id: int
    channel_id: int
    guild_id: int | None
    author: dict[str, Any]
    body: dict[str, Any]
    attachments: list[UploadedFile] = field(default_factory=list)
    webhook_id: int | None = None
    interaction_id: int | None = None
    interaction_token: str | None = None
    created: str = field(default_factory=iso_timestamp)
    edited: str | None = None
    deleted: bool = False
    versions: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.versions:
            self.versions.append(copy.deepcopy(self.body))

    @property
    def content(self) -> str:
        """Current text."""
        return str(self.body.get("content") or "")

    @property
    def components(self) -> list[dict[str, Any]]:
        """Current component rows."""
        return list(self.body.get("components") or [])

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Current embeds."""
        return list(self.body.get("embeds") or [])

    @property
    def flags(self) -> int:
        """Current message flags."""
        return int(self.body.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Only the interacting user sees it."""
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def loading(self) -> bool:
        """A deferred response still "thinking"."""
        return bool(self.flags & LOADING_FLAG)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        """The ``allowed_mentions`` sent with the latest body that had one."""
        for version in reversed(self.versions):
            if "allowed_mentions" in version:
                return dict(version["allowed_mentions"])
        return None

    def custom_ids(self) -> list[str]:
        """Every component custom id on the message, in order."""
        ids: list[str] = []
        for row in self.components:
            for child in row.get("components") or []:
                if child.get("custom_id"):
                    ids.append(child["custom_id"])
        return ids

    def component(self, custom_id: str) -> dict[str, Any] | None:
        """The component with ``custom_id``, if on the message."""
        for row in self.components:
            for child in row.get("components") or []:
                if child.get("custom_id") == custom_id:
                    return dict(child)
        return None

    def apply_edit(self, patch: dict[str, Any]) -> None:
        """Apply a PATCH body (only the keys sent change; ``None`` clears)."""
        for key in ("content", "embeds", "components", "allowed_mentions", "attachments"):
            if key in patch:
                self.body[key] = patch[key]
        self.body["flags"] = self.flags & ~LOADING_FLAG  # an edit cannot make a message ephemeral or not
        self.edited = iso_timestamp()
        self.versions.append(copy.deepcopy(patch))

    def payload(self) -> dict[str, Any]:
        """The Message object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": dict(self.author),
            "content": self.content,
            "timestamp": self.created,
            "edited_timestamp": self.edited,
            "tts": bool(self.body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(i),
                    "filename": f.filename or f"file{i}",
                    "size": len(f.data),
                    "url": f"https://cdn.invalid/attachments/{self.id}/{f.filename}",
                    "proxy_url": f"https://cdn.invalid/attachments/{self.id}/{f.filename}",
                    "content_type": f.content_type,
                }
                for i, f in enumerate(self.attachments)
            ],
            "embeds": self.embeds,
            "pinned": False,
            "type": 0 if self.interaction_id is None else 20,
            "flags": self.flags,
            "components": self.components,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        return data


@dataclass
class CallbackRecord:
    """One ``POST /interactions/{id}/{token}/callback``: accepted or refused (``status``)."""

    interaction_id: int
    type: int
    data: dict[str, Any] | None
    files: list[UploadedFile]
    status: int
    error: dict[str, Any] | None
    at: float
    latency: float

    @property
    def accepted(self) -> bool:
        """Discord took it (2xx)."""
        return 200 <= self.status < 300


@dataclass
class InteractionRecord:
    """An interaction the fake dispatched over the gateway, and what the bot did with it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    dispatched_at: float
    channel_id: int | None
    source_message_id: int | None = None
    callbacks: list[CallbackRecord] = field(default_factory=list)
    response_type: int | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    first_callback: asyncio.Future[CallbackRecord] | None = None

    @property
    def acknowledged(self) -> bool:
        """A callback was accepted."""
        return self.response_type is not None

    def age(self) -> float:
        """Seconds since the fake dispatched it."""
        return time.monotonic() - self.dispatched_at


class PendingInteraction:
    """Returned by the ``dispatch_*`` helpers: ``await`` it for the first accepted callback.

    ``id``/``token``/``record`` are available at once; ``await pending.callback(timeout=...)`` waits
    with an explicit timeout (``TimeoutError`` when the bot never answers).
    """

    def __init__(self, record: InteractionRecord, sent: asyncio.Future[None]) -> None:
        self.record = record
        self._sent = sent

    @property
    def id(self) -> int:
        """The interaction id."""
        return self.record.id

    @property
    def token(self) -> str:
        """The interaction token (also the follow-up webhook token)."""
        return self.record.token

    async def sent(self) -> None:
        """Wait until the INTERACTION_CREATE frame went out on the socket."""
        await self._sent

    async def callback(self, timeout: float = 5.0) -> CallbackRecord:
        """The first callback the fake accepted for this interaction."""
        assert self.record.first_callback is not None
        await self._sent
        return await asyncio.wait_for(asyncio.shield(self.record.first_callback), timeout)

    def __await__(self) -> Generator[Any, None, CallbackRecord]:
        return self.callback().__await__()


Predicate = Callable[[Request], bool]


class Recorder:
    """The request log, with waiters (all on the fake's event loop)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._waiters: list[tuple[Predicate, int, asyncio.Future[Request]]] = []

    def add(self, request: Request) -> None:
        """Log an answered request and wake matching waiters."""
        self.requests.append(request)
        index = len(self.requests) - 1
        for waiter in list(self._waiters):
            predicate, after, future = waiter
            if index >= after and not future.done() and predicate(request):
                future.set_result(request)
                self._waiters.remove(waiter)

    async def wait_for(self, predicate: Predicate, *, timeout: float = 5.0, after: int = 0) -> Request:
        """The first request (at index ``after`` or later) matching ``predicate``."""
        for request in self.requests[after:]:
            if predicate(request):
                return request
        future: asyncio.Future[Request] = asyncio.get_running_loop().create_future()
        waiter = (predicate, after, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
