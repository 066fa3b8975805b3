"""Failure injection: answer the next matching requests with a 429 (as Discord sends it) or a 5xx."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from aiohttp import web

from .records import Request
from .wire import error_response, json_response


@dataclass
class Failure:
    """``times`` more requests matching ``pattern`` get ``status``."""

    pattern: str
    status: int
    retry_after: float
    global_: bool
    times: int
    scope: str


class FailureInjector:
    """Queued failures, consumed in the order they were added."""

    def __init__(self) -> None:
        self._queue: list[Failure] = []
        self.served: list[tuple[str, int]] = []  # (route, status) of every injected answer

    def add(
        self,
        pattern: str,
        *,
        status: int = 429,
        retry_after: float = 0.2,
        global_: bool = False,
        times: int = 1,
        scope: str = "user",
    ) -> None:
        """Queue a failure; see ``FakeDiscord.fail_next``."""
        if status not in (429, 500, 502, 503, 504):
            raise ValueError(f"unsupported injected status {status}")
        self._queue.append(Failure(pattern, status, retry_after, global_, times, scope))

    def clear(self) -> None:
        """Drop every queued failure."""
        self._queue.clear()

    @property
    def pending(self) -> int:
        """How many injected answers are still queued."""
        return sum(f.times for f in self._queue)

    def take(self, request: Request) -> web.Response | None:
        """The injected answer for ``request``, or None to serve it normally."""
        for failure in self._queue:
            if request.matches(failure.pattern):
                failure.times -= 1
                if failure.times <= 0:
                    self._queue.remove(failure)
                self.served.append((request.route, failure.status))
                if failure.status == 429:
                    return rate_limited(
                        request, failure.retry_after, global_=failure.global_, scope=failure.scope
                    )
                return server_error(failure.status)
        return None


def bucket_hash(route: str) -> str:
    """A stable opaque bucket id for a route (Discord's ``X-RateLimit-Bucket``)."""
    return hashlib.sha1(route.encode()).hexdigest()[:16]


def rate_limited(
    request: Request, retry_after: float, *, global_: bool = False, scope: str = "user"
) -> web.Response:
    """Discord's 429: JSON body with ``retry_after``, ``Via`` (without it discord.py assumes a
    Cloudflare ban),
    ``Retry-After`` and the ``X-RateLimit-*`` headers."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": global_}
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": "global" if global_ else scope,
    }
    if global_:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers.update(
            {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": bucket_hash(request.method + " " + request.path.split("?")[0]),
            }
        )
    return json_response(body, status=429, headers=headers)


def server_error(status: int) -> web.Response:
    """A 5xx: 500 as Discord's JSON, 502/503/504 as the HTML a proxy sends."""
    if status == 500:
        return error_response(500, 0, "500: Internal Server Error")
    return web.Response(status=status, text=f"<html><body>{status}</body></html>", content_type="text/html")
