"""Who is who: a workspace member's admin flag and display name from ``users.info``, cached per user.

Workspace admins and owners (``is_admin`` / ``is_owner``) count as admins; the configured instructor ids are
checked by the core (``Services.is_instructor``). A failed lookup counts as "not an admin" (refusing an
instructor command is safe; granting one is not) and is not cached, so the next command asks again.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

DEFAULT_TTL = 600.0
MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class Person:
    """What the bot needs to know about a member."""

    is_admin: bool
    display_name: str | None


class People:
    """``users.info`` with a per-user TTL cache (bounded)."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._cache: OrderedDict[tuple[str, str], tuple[float, Person]] = OrderedDict()

    async def lookup(self, team_id: str, user_id: str) -> Person:
        """The member's admin flag and display name (cached for ``ttl`` seconds)."""
        key = (team_id, user_id)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            answer = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return Person(False, None)
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name")
        person = Person(bool(user.get("is_admin") or user.get("is_owner")), name or None)
        self._cache[key] = (now + self._ttl, person)
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        return person
