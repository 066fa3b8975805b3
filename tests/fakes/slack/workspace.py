"""The fake workspace's state: users, channels, user groups, messages, modals, files (the app's uploads
and members' files it may download), and the record of every Web API call and file download. Thread-safe
(one lock), so a test thread can read what the server thread wrote.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

JSON = dict[str, Any]


@dataclass
class User:
    """A workspace member as users.info describes it."""

    id: str
    name: str
    team_id: str
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    dm_blocked: bool = False  # conversations.open answers user_not_visible (the app may not DM them)
    tz: str = "Europe/London"

    def to_slack(self) -> JSON:
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name or self.name,
            "tz": self.tz,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": {"real_name": self.real_name or self.name, "display_name": self.name},
        }


@dataclass
class UserGroup:
    """A user group (``@handle`` mentions it) as usergroups.list describes it; ``users`` are member ids."""

    id: str
    team_id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""
    disabled: bool = False
    created: int = field(default_factory=lambda: int(time.time()))

    def to_slack(self, *, include_users: bool, include_count: bool) -> JSON:
        data: JSON = {
            "id": self.id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": self.created,
            "date_update": self.created,
            "date_delete": self.created if self.disabled else 0,
            "auto_type": None,
            "created_by": "USLACKBOT",
            "updated_by": "USLACKBOT",
            "deleted_by": "USLACKBOT" if self.disabled else None,
            "prefs": {"channels": [], "groups": []},
        }
        if include_users:
            data["users"] = list(self.users)
        if include_count:
            data["user_count"] = len(self.users)
        return data


@dataclass
class Channel:
    """A conversation: public/private channel, or an IM (``is_im``, with the other ``user``)."""

    id: str
    name: str = ""
    is_archived: bool = False
    is_im: bool = False
    user: str | None = None
    members: set[str] | None = None  # None: anyone may see ephemerals here; else chat.postEphemeral checks


@dataclass
class Message:
    """A message as the workspace holds it now; ``versions`` keeps what chat.update replaced."""

    channel: str
    ts: str
    text: str
    blocks: list[JSON]
    user: str
    bot_id: str
    app_id: str
    team_id: str
    thread_ts: str | None = None
    metadata: JSON | None = None
    files: list[JSON] = field(default_factory=list)
    versions: list[JSON] = field(default_factory=list)
    deleted: bool = False

    def to_slack(self, *, copied: bool = True) -> JSON:
        """The message object Slack returns (chat.postMessage ``message``, block_actions ``message``).
        ``copied=False`` shares the blocks list: for an answer serialised at once (the fake only ever
        replaces a message's blocks, never edits them in place)."""
        data: JSON = {
            "type": "message",
            "user": self.user,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": self.text,
            "ts": self.ts,
            "blocks": copy.deepcopy(self.blocks) if copied else self.blocks,
        }
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.metadata:
            data["metadata"] = copy.deepcopy(self.metadata)
        if self.files:
            data["files"] = copy.deepcopy(self.files)
        if self.versions:
            data["edited"] = {"user": self.user, "ts": self.ts}
        return data


@dataclass
class Ephemeral:
    """A chat.postEphemeral message: only ``user`` sees it, it cannot be updated through the Web API."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON]
    thread_ts: str | None = None

    def to_slack(self) -> JSON:
        """The fields a click on this message needs (pass with ``ephemeral=True`` to block_actions)."""
        return {
            "ts": self.ts,
            "channel": self.channel,
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
        }


@dataclass
class View:
    """An open modal. ``payload`` is the view as the app sent it; ``to_slack`` adds Slack's fields."""

    id: str
    team_id: str
    app_id: str
    bot_id: str
    user: str | None
    payload: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    closed: bool = False

    def to_slack(self) -> JSON:
        view = copy.deepcopy(self.payload)
        view.update(
            {
                "id": self.id,
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
                "hash": self.hash,
                "root_view_id": self.root_view_id,
                "previous_view_id": self.previous_view_id,
                "app_installed_team_id": self.team_id,
                "state": {"values": {}},
            }
        )
        view.setdefault("private_metadata", "")
        view.setdefault("callback_id", "")
        view.setdefault("external_id", "")
        view.setdefault("clear_on_close", False)
        view.setdefault("notify_on_close", False)
        return view


@dataclass
class UploadedFile:
    """A file going through files.getUploadURLExternal -> upload URL -> files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass
class SharedFile:
    """A file a member uploaded to Slack (e.g. picked in a modal's file input), served to the app from
    ``url_private`` / ``url_private_download`` on the fake's own server. ``size`` is what Slack reports
    (normally ``len(content)``; a test may make it differ). ``chunked``: served without a Content-Length
    (chunked transfer encoding), so a client learns its length only by reading."""

    id: str
    name: str
    content: bytes
    size: int
    mimetype: str
    filetype: str
    user: str
    team_id: str
    created: int = field(default_factory=lambda: int(time.time()))
    deleted: bool = False
    chunked: bool = False

    def path(self, *, download: bool) -> str:
        """The URL path Slack gives the file (``/files-pri/<team>-<id>/[download/]<name>``)."""
        return f"files-pri/{self.team_id}-{self.id}/{'download/' if download else ''}{quote(self.name)}"

    def to_slack(self, base_url: str) -> JSON:
        """The file object as Slack describes it (``files.info``, a file input's submitted state)."""
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.capitalize(),
            "user": self.user,
            "user_team": self.team_id,
            "editable": False,
            "size": self.size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": base_url + self.path(download=False),
            "url_private_download": base_url + self.path(download=True),
            "permalink": f"{base_url}files/{self.user}/{self.id}/{self.name}",
            "permalink_public": f"{base_url}{self.team_id}-{self.id}-public",
            "comments_count": 0,
            "is_starred": False,
            "shares": {},
            "channels": [],
            "groups": [],
            "ims": [],
            "has_rich_preview": False,
            "file_access": "visible",
        }


@dataclass(frozen=True)
class FileDownload:
    """One GET of a hosted file's URL: the bearer token sent (None: none), the status and what was served
    (``served`` False: the sign-in page or an error instead of the file)."""

    file_id: str | None
    path: str
    token: str | None
    at: float
    status: int
    served: bool


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake saw it (including refused ones)."""

    method: str
    args: JSON
    token: str | None
    at: float
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST an app made to a ``response_url`` the sender handed out."""

    url: str
    body: JSON
    at: float
    status: int


@dataclass
class ResponseUrl:
    """Where a response_url leads: its channel/user, and the message it came from (if any)."""

    url: str
    channel: str
    user: str
    message_ts: str | None
    uses: int = 0


class Workspace:
    """All mutable state of one fake Slack workspace (team)."""

    def __init__(self, *, team_id: str, team_domain: str, app_id: str, bot_user_id: str, bot_id: str) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.files: dict[str, UploadedFile] = {}
        self.shared_files: dict[str, SharedFile] = {}
        self.downloads: list[FileDownload] = []
        self.calls: list[Call] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.response_posts: list[ResponseUrlPost] = []
        self.used_triggers: set[str] = set()
        self._ids = itertools.count(1)
        self._ts_last = 0.0

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the lock for a mutation and wake whoever waits for a change."""
        with self.lock:
            yield
            self.changed.notify_all()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def new_ts(self) -> str:
        """A unique, increasing message timestamp like ``1767600000.000100``."""
        with self.lock:
            now = max(time.time(), self._ts_last + 0.000001)
            self._ts_last = now
            return f"{now:.6f}"

    def dm_channel_for(self, user_id: str) -> Channel:
        """The IM channel between the app and ``user_id`` (opened on first use)."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.user == user_id:
                    return channel
            channel = Channel(
                id="D" + user_id.lstrip("UW")[:10] + f"{len(self.channels):03d}", is_im=True, user=user_id
            )
            self.channels[channel.id] = channel
            return channel

    def wait_until(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """Block until ``predicate()`` is truthy (returning it) or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                self.changed.wait(remaining)
