"""Point the real discord.py at a ``FakeDiscord``: ``Route.BASE`` (REST, interaction callbacks and
webhooks) and ``DiscordWebSocket.DEFAULT_GATEWAY`` are class attributes, so they are patched for the
duration of a ``with`` block and restored afterwards, even when the block fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from .server import FakeDiscord


@contextmanager
def discord_py_pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Within the block, every discord.py client talks to ``fake`` (start the fake first)."""
    old_base = Route.BASE
    old_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.rest_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
