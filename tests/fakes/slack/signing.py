"""Slack's request signing: ``v0=`` + HMAC-SHA256(signing secret, ``v0:{timestamp}:{raw body}``), sent
as ``X-Slack-Signature`` with ``X-Slack-Request-Timestamp``. Also the ways to get it wrong on purpose."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from enum import Enum

STALE_AFTER = 300  # seconds: Slack apps refuse timestamps further away than this


class Signing(Enum):
    """How a request is signed."""

    VALID = "valid"
    UNSIGNED = "unsigned"  # no signature headers at all
    WRONG_SECRET = "wrong_secret"  # signed, with another secret
    STALE = "stale"  # correctly signed, timestamp older than 5 minutes (a replay)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    """Exactly the bytes and headers to POST (keep it to replay the same request)."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def sign(
    body: bytes,
    content_type: str,
    secret: str,
    *,
    signing: Signing = Signing.VALID,
    now: float | None = None,
    stale_by: int = STALE_AFTER + 60,
    extra_headers: dict[str, str] | None = None,
) -> SignedRequest:
    """Headers for ``body`` signed as ``signing`` says."""
    moment = int(time.time() if now is None else now)
    headers = {"Content-Type": content_type, **(extra_headers or {})}
    if signing is Signing.UNSIGNED:
        return SignedRequest(body, headers)
    timestamp = str(moment - stale_by if signing is Signing.STALE else moment)
    key = secret + "-wrong" if signing is Signing.WRONG_SECRET else secret
    headers["X-Slack-Request-Timestamp"] = timestamp
    headers["X-Slack-Signature"] = signature(key, timestamp, body)
    return SignedRequest(body, headers)
