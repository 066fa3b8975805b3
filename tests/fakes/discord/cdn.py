"""Files users attach to slash commands, and the CDN that serves them.

On Discord a file picked for an attachment option (type 11) is uploaded by the user's client before the
command runs: the interaction carries the attachment id as the option's value and the Attachment object in
``data.resolved.attachments``. Its ``url`` (``cdn.discordapp.com/ephemeral-attachments/...``) and
``proxy_url`` (``media.discordapp.net/...``) are signed: ``?ex=<expiry, hex unix time>&is=<issued>&hm=<mac>``;
a URL without a valid signature, or past its expiry, answers 404 "This content is no longer available.".
The CDN needs no bot token (discord.py's ``Attachment.read`` fetches with a plain GET,
``HTTPClient.get_from_cdn``).

Here both hosts are paths on the fake's loopback server: ``/cdn/ephemeral-attachments/{channel}/{id}/{name}``
and ``/media/ephemeral-attachments/...``. Every fetch is logged (``Download``), so tests can tell whether
the bot downloaded a file at all; ``fail_next`` makes the next fetches of one attachment fail.

Not modelled: Discord's file-name sanitizing (``filename`` keeps what the test gave, the worst case for the
bot; ``title`` is left out), image dimensions, attachment expiry in time.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .interactions import ATTACHMENT_SIZE_LIMIT as UPLOAD_LIMIT  # the interaction's attachment_size_limit

URL_LIFETIME = 24 * 3600
GONE = "This content is no longer available."
CDN_PREFIX, MEDIA_PREFIX = "/cdn", "/media"
PATH_KIND = "ephemeral-attachments"


DROP = 0  # a "status" for ``fail_next``: close the connection without answering


@dataclass
class FakeAttachment:
    """A file a user attached to a command: its id, name, bytes and media type."""

    id: int
    filename: str
    data: bytes
    content_type: str | None
    channel_id: int

    @property
    def size(self) -> int:
        """Its size in bytes, as Discord reports it."""
        return len(self.data)

    @property
    def path(self) -> str:
        """The CDN path (without host prefix and signature)."""
        name = urllib.parse.quote(self.filename, safe="")
        return f"/{PATH_KIND}/{self.channel_id}/{self.id}/{name}"


@dataclass(frozen=True)
class Download:
    """One GET on the CDN: which attachment (None: no such file), through which host, and the answer."""

    attachment_id: int | None
    path: str
    host: str  # "cdn" (``url``) or "media" (``proxy_url``)
    status: int
    at: float


@dataclass
class Cdn:
    """The attachments users uploaded, their signed URLs, and the CDN routes that serve them."""

    base_url: Callable[[], str]  # ``http://127.0.0.1:PORT``
    attachments: dict[int, FakeAttachment] = field(default_factory=dict)
    downloads: list[Download] = field(default_factory=list)
    _failures: dict[int, list[int]] = field(default_factory=dict)
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    def add(
        self,
        attachment_id: int,
        filename: str,
        data: bytes,
        *,
        channel_id: int,
        content_type: str | None = None,
    ) -> FakeAttachment:
        """Register a file a user uploaded (``ValueError`` past the upload limit, or with no name)."""
        if not filename or "/" in filename:
            raise ValueError(f"a file name is needed (no slashes): {filename!r}")
        if len(data) > UPLOAD_LIMIT:
            raise ValueError(f"Discord's client refuses files over {UPLOAD_LIMIT} bytes")
        attachment = FakeAttachment(
            attachment_id, filename, bytes(data), content_type or guess_type(filename), channel_id
        )
        self.attachments[attachment_id] = attachment
        return attachment

    def fail_next(self, attachment_id: int, status: int, times: int = 1) -> None:
        """The next ``times`` fetches of the attachment answer ``status`` (403, 404, 500...; ``DROP``: the
        connection is closed without an answer, as a reset or a dying proxy would)."""
        self._failures.setdefault(attachment_id, []).extend([status] * times)

    def payload(self, attachment: FakeAttachment) -> dict[str, Any]:
        """The Attachment object (as in ``resolved.attachments``)."""
        data: dict[str, Any] = {
            "id": str(attachment.id),
            "filename": attachment.filename,
            "size": attachment.size,
            "url": self.signed_url(attachment, CDN_PREFIX),
            "proxy_url": self.signed_url(attachment, MEDIA_PREFIX),
            "ephemeral": True,
        }
        if attachment.content_type:
            data["content_type"] = attachment.content_type
        return data

    def signed_url(self, attachment: FakeAttachment, prefix: str = CDN_PREFIX) -> str:
        """``{base}{prefix}{path}?ex=..&is=..&hm=..`` (the signature covers the path and both times)."""
        issued = int(time.time())
        expires = issued + URL_LIFETIME
        mac = self._mac(attachment.path, expires, issued)
        return f"{self.base_url()}{prefix}{attachment.path}?ex={expires:x}&is={issued:x}&hm={mac}&"

    def _mac(self, path: str, expires: int, issued: int) -> str:
        message = f"{path}|{expires:x}|{issued:x}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """GET ``/cdn/...`` or ``/media/...``: the file's bytes, or 404 for a bad signature or unknown file."""
        host, _, rest = request.path.lstrip("/").partition("/")  # percent-decoded
        path = "/" + rest
        attachment = self._by_path(path)
        status = self._status(attachment, request.query)
        self.downloads.append(
            Download(attachment.id if attachment else None, path, host, status, time.monotonic())
        )
        if status == DROP and request.transport is not None:
            request.transport.close()
            return web.Response(status=500)  # never reaches the client
        if status != 200 or attachment is None:
            return web.Response(status=status, text=GONE if status == 404 else "error")
        media_type = (attachment.content_type or "application/octet-stream").split(";")[0]
        return web.Response(body=attachment.data, content_type=media_type)

    def _by_path(self, decoded_path: str) -> FakeAttachment | None:
        parts = decoded_path.split("/", 4)
        if len(parts) != 5 or parts[1] != PATH_KIND or not parts[3].isdigit():
            return None
        attachment = self.attachments.get(int(parts[3]))
        if attachment is None or urllib.parse.unquote(attachment.path) != decoded_path:
            return None
        return attachment

    def _status(self, attachment: FakeAttachment | None, query: Any) -> int:
        if attachment is None:
            return 404
        try:
            expires, issued = int(query.get("ex", ""), 16), int(query.get("is", ""), 16)
        except ValueError:
            return 404
        if expires < time.time() or not hmac.compare_digest(
            str(query.get("hm", "")), self._mac(attachment.path, expires, issued)
        ):
            return 404
        queued = self._failures.get(attachment.id)
        return queued.pop(0) if queued else 200


def guess_type(filename: str) -> str | None:
    """The media type Discord would report (text types with ``; charset=utf-8``)."""
    if filename.lower().endswith((".md", ".markdown")):
        return "text/markdown; charset=utf-8"
    guessed, _ = mimetypes.guess_type(filename)
    if guessed and guessed.startswith("text/"):
        return guessed + "; charset=utf-8"
    return guessed
