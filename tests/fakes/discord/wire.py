"""HTTP answers as Discord sends them: JSON with ``Content-Type`` exactly ``application/json``
(discord.py parses a body as JSON only then), and Discord's error bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web


def json_response(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """``data`` as JSON, ``Content-Type: application/json`` (no charset parameter)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)


def error_response(
    status: int, code: int, message: str, *, errors: Mapping[str, Any] | None = None
) -> web.Response:
    """Discord's JSON error: ``{"message", "code"}`` (+ ``errors``)."""
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = dict(errors)
    return json_response(body, status=status)


def no_content() -> web.Response:
    """204, as Discord answers a callback without ``with_response`` or a DELETE."""
    return web.Response(status=204)
