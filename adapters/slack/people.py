"""Who is who: a workspace member's admin flag and display name from ``users.info``, cached per user, and
the user groups they are in from ``usergroups.list``, cached per workspace.

Workspace admins and owners (``is_admin`` / ``is_owner``) count as admins; the configured instructor ids are
checked by the core (``Services.is_instructor``). A failed lookup counts as "not an admin" (refusing an
instructor command is safe; granting one is not) and is not cached, so the next command asks again.

User groups (``usergroups.list`` with ``include_users``, scope ``usergroups:read``) give ``Actor.groups``:
each group's id then ``@handle`` (``bot.team_groups.name_ref``), so teams linked to either form follow them.
One call serves the whole workspace for ``groups_ttl`` seconds. When it fails (no ``usergroups:read``, a 429
after the client's retries, a network error) the groups are unknown (None: the core does not sync teams) for
``GROUPS_RETRY_AFTER`` seconds; the failure is logged once, until a call succeeds again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.team_groups import name_ref

log = logging.getLogger(__name__)

DEFAULT_TTL = 600.0
MAX_CACHED = 10_000
GROUPS_TTL = 300.0
GROUPS_RETRY_AFTER = 60.0

Memberships = dict[str, tuple[str, ...]]  # user id -> their groups (id, @handle, id, @handle...)


@dataclass(frozen=True, slots=True)
class Person:
    """What the bot needs to know about a member."""

    is_admin: bool
    display_name: str | None


class People:
    """``users.info`` with a per-user TTL cache (bounded); ``usergroups.list`` with a per-workspace one."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = DEFAULT_TTL,
        groups_ttl: float = GROUPS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._groups_ttl = groups_ttl
        self._clock = clock
        self._cache: OrderedDict[tuple[str, str], tuple[float, Person]] = OrderedDict()
        self._groups: dict[str, tuple[float, Memberships | None]] = {}
        self._groups_locks: dict[str, asyncio.Lock] = {}
        self._groups_failing: set[str] = set()

    async def groups(self, team_id: str, user_id: str) -> tuple[str, ...] | None:
        """The user groups ``user_id`` is in (each group's id then ``@handle``); None when unknown."""
        memberships = await self._memberships(team_id)
        return None if memberships is None else memberships.get(user_id, ())

    async def _memberships(self, team_id: str) -> Memberships | None:
        cached = self._groups.get(team_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        async with self._groups_locks.setdefault(team_id, asyncio.Lock()):  # one call at a time
            cached = self._groups.get(team_id)
            if cached is not None and cached[0] > self._clock():
                return cached[1]
            memberships = await self._read_groups(team_id)
            ttl = self._groups_ttl if memberships is not None else min(self._groups_ttl, GROUPS_RETRY_AFTER)
            self._groups[team_id] = (self._clock() + ttl, memberships)
            return memberships

    async def _read_groups(self, team_id: str) -> Memberships | None:
        try:
            answer = await self._client.usergroups_list(include_users=True)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            if team_id not in self._groups_failing:
                self._groups_failing.add(team_id)
                reason = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
                log.warning("usergroups.list failed for %s (teams do not follow groups): %s", team_id, reason)
            return None
        self._groups_failing.discard(team_id)
        found: dict[str, list[str]] = {}
        for group in answer.get("usergroups") or []:
            gid, handle = group.get("id"), group.get("handle")
            if not isinstance(gid, str) or not gid or group.get("date_delete"):
                continue
            names = [gid, name_ref(handle)] if isinstance(handle, str) and handle.strip("@ ") else [gid]
            for user in group.get("users") or []:
                if isinstance(user, str):
                    found.setdefault(user, []).extend(names)
        return {user: tuple(names) for user, names in found.items()}

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
