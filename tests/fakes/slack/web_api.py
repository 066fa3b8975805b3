"""FakeSlack: Slack's Web API on 127.0.0.1 for the real slack_sdk / slack_bolt clients.

``POST|GET /api/<method>`` (form, multipart, JSON or query arguments; ``Authorization: Bearer`` or a
``token`` argument), the file upload URLs (``/upload/v1/<file id>``), members' files
(``GET /files-pri/<team>-<file id>/[download/]<name>``, bot token as ``Authorization: Bearer``),
``response_url`` endpoints (``/hooks/response/<key>``) and the Socket Mode websocket (``/link/``), all on one
ephemeral port.
Point a client at it with ``WebClient(token=..., base_url=fake.api_url)``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.web_request import FileField

from .blockkit import validate_blocks
from .methods import APP_TOKEN_METHODS, METHODS, Context, SlackError
from .ratelimit import RateLimiter, RateLimits, retry_after_header
from .socket_mode import FakeSocketMode
from .threaded import BackgroundLoop
from .workspace import (
    JSON,
    Call,
    Channel,
    Ephemeral,
    FileDownload,
    Message,
    ResponseUrl,
    ResponseUrlPost,
    SharedFile,
    UploadedFile,
    User,
    UserGroup,
    Workspace,
)

RESPONSE_URL_MAX_USES = 5
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
_FILETYPES = {"md": "markdown", "markdown": "markdown", "txt": "text"}
SIGN_IN_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Slack</title></head><body>'
    '<h1>Sign in to quizmaster-test</h1><form action="/signin" method="post">'
    '<input type="email" name="email"><button>Sign in</button></form></body></html>'
)


FILE_DOWNLOAD = "files.download"  # ``fail_next`` method name for downloads of members' files


@dataclass(frozen=True)
class Failure:
    """An injected failure: an HTTP status (429 with ``retry_after``, 500, 503) or a Slack ``error``."""

    status: int = 200
    error: str | None = None
    retry_after: int = 1

    def response(self) -> web.Response:
        if self.status == 429:
            return web.Response(
                status=429,
                text=json.dumps({"ok": False, "error": "ratelimited"}),
                headers={**_JSON_HEADERS, "Retry-After": str(self.retry_after)},
            )
        default = {200: "fatal_error", 500: "internal_error", 503: "service_unavailable"}.get(
            self.status, "fatal_error"
        )
        body = {"ok": False, "error": self.error or default}
        return web.Response(status=self.status, text=json.dumps(body), headers=_JSON_HEADERS)


class FakeSlack:
    """One fake workspace with its Web API server. Use ``async with FakeSlack() as fake`` in async
    tests, or ``with FakeSlack() as fake`` from synchronous code (the server then runs on a background
    thread with its own loop)."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-fake-bot-token",
        app_token: str = "xapp-1-fake-app-token",
        extra_bot_tokens: Iterable[str] = (),
        team_id: str = "T0FAKE0001",
        team_domain: str = "quizmaster-test",
        app_id: str = "A0FAKE0001",
        bot_user_id: str = "U0FAKEBOT1",
        bot_id: str = "B0FAKEBOT1",
        strict_channels: bool = False,
        strict_users: bool = False,
        trigger_ttl: float = 3.0,
        files_read: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bot_tokens = {bot_token, *extra_bot_tokens}
        self.bot_token = bot_token
        self.app_token = app_token
        self.ws = Workspace(
            team_id=team_id, team_domain=team_domain, app_id=app_id, bot_user_id=bot_user_id, bot_id=bot_id
        )
        self.socket_mode = FakeSocketMode(app_id)
        self.strict_channels = strict_channels
        self.strict_users = strict_users
        self.trigger_ttl = trigger_ttl
        self.files_read = files_read  # False: the app lacks files:read, file URLs serve the sign-in page
        self.host = host
        self.port = port
        self.url = ""  # "http://127.0.0.1:PORT/" once started
        self._runner: web.AppRunner | None = None
        self._background: BackgroundLoop | None = None
        self._failures: dict[str, deque[Failure]] = {}
        self._limiter: RateLimiter | None = None
        self.ratelimited_count = 0  # 429s from the rate limiter
        self.served_429_count = 0  # every 429 (rate limiter and injected)

    # -- configuration --------------------------------------------------------------------------------

    @property
    def team_id(self) -> str:
        return self.ws.team_id

    @property
    def app_id(self) -> str:
        return self.ws.app_id

    @property
    def bot_user_id(self) -> str:
        return self.ws.bot_user_id

    def add_user(self, user_id: str, name: str | None = None, **flags: Any) -> User:
        """A member (flags: is_admin, is_owner, is_bot, deleted, dm_blocked, real_name, tz)."""
        user = User(id=user_id, name=name or user_id.lower(), team_id=self.ws.team_id, **flags)
        with self.ws.changing():
            self.ws.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        archived: bool = False,
        members: Iterable[str] | None = None,
    ) -> Channel:
        """A channel; with ``members`` given, chat.postEphemeral refuses anyone else."""
        channel = Channel(
            id=channel_id,
            name=name or channel_id.lower(),
            is_archived=archived,
            members=set(members) if members is not None else None,
        )
        with self.ws.changing():
            self.ws.channels[channel_id] = channel
        return channel

    def add_usergroup(
        self,
        usergroup_id: str,
        users: Iterable[str],
        *,
        handle: str | None = None,
        name: str | None = None,
        disabled: bool = False,
    ) -> UserGroup:
        """A user group (``@handle``, default the id in lower case) with ``users`` as members; adding it
        again replaces it (membership changes)."""
        handle = handle or usergroup_id.lower()
        group = UserGroup(
            id=usergroup_id,
            team_id=self.ws.team_id,
            handle=handle,
            name=name or handle,
            users=list(users),
            disabled=disabled,
        )
        with self.ws.changing():
            self.ws.usergroups[usergroup_id] = group
        return group

    def add_file(
        self,
        name: str,
        content: bytes,
        *,
        user: str = "U0PLAYER01",
        mimetype: str | None = None,
        size: int | None = None,
        chunked: bool = False,
    ) -> JSON:
        """A file ``user`` uploaded (as when picking it in a modal's file input); its Slack file object, whose
        ``url_private`` / ``url_private_download`` this server serves to the bot token. ``size`` is what
        Slack reports (default ``len(content)``); ``mimetype`` defaults to ``text/plain``; ``chunked`` serves
        it without a Content-Length."""
        extension = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
        with self.ws.changing():
            file = SharedFile(
                id=self.ws.new_id("F"),
                name=name,
                content=content,
                size=len(content) if size is None else size,
                mimetype=mimetype or "text/plain",
                filetype=_FILETYPES.get(extension, "binary"),
                user=user,
                team_id=self.ws.team_id,
                chunked=chunked,
            )
            self.ws.shared_files[file.id] = file
        return file.to_slack(self.url)

    def file_object(self, file_id: str) -> JSON:
        """A member's file as Slack describes it (KeyError if never added)."""
        with self.ws.lock:
            return self.ws.shared_files[file_id].to_slack(self.url)

    def delete_file(self, file_id: str) -> None:
        """The member deleted the file: its URLs answer 404 from now on."""
        with self.ws.changing():
            self.ws.shared_files[file_id].deleted = True

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" for any Web API method) fail: HTTP 429 with
        Retry-After, 500 or 503, or (``status=200, error="..."``) a Slack error answer. ``FILE_DOWNLOAD`` as
        the method makes downloads of members' files fail."""
        with self.ws.changing():
            queue = self._failures.setdefault(method, deque())
            queue.extend(Failure(status=status, error=error, retry_after=retry_after) for _ in range(times))

    def set_rate_limits(self, limits: RateLimits | None, clock: Callable[[], float] = time.monotonic) -> None:
        """Enforce chat.postMessage limits (per channel and per workspace); None turns them off."""
        with self.ws.changing():
            self._limiter = RateLimiter(limits, clock) if limits else None

    # -- lifecycle ------------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The ``base_url`` for slack_sdk clients (ends with "/")."""
        return f"{self.url}api/"

    def _context(self) -> Context:
        return Context(
            base_url=self.url,
            strict_channels=self.strict_channels,
            strict_users=self.strict_users,
            trigger_ttl=self.trigger_ttl,
            open_socket=self.socket_mode.issue_url,
        )

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_get("/files-pri/{key}/download/{name}", self._hosted_file)
        app.router.add_get("/files-pri/{key}/{name}", self._hosted_file)
        app.router.add_post("/hooks/response/{key}", self._response_url)
        self.socket_mode.attach(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets, "the fake's server did not bind"
        self.port = int(sockets[0].getsockname()[1])
        self.url = f"http://{self.host}:{self.port}/"
        self.socket_mode.base_url = f"ws://{self.host}:{self.port}"
        self.socket_mode.loop = asyncio.get_running_loop()
        return self

    async def stop(self) -> None:
        await self.socket_mode.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def start_in_thread(self) -> FakeSlack:
        """Serve from a background thread (for synchronous callers)."""
        self._background = BackgroundLoop().start()
        self._background.run(self.start())
        return self

    def stop_in_thread(self) -> None:
        if self._background is not None:
            self._background.run(self.stop())
            self._background.stop()
            self._background = None

    def __enter__(self) -> FakeSlack:
        return self.start_in_thread()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_in_thread()

    # -- HTTP handlers --------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await _read_args(request)
        except ValueError:
            return self._answer(method, {}, None, {"ok": False, "error": "invalid_json"})
        token = _bearer(request) or _pop_token(args)
        if method not in METHODS:
            return self._answer(method, args, token, {"ok": False, "error": "unknown_method"})
        auth_error = self._auth_error(method, token)
        if auth_error:
            return self._answer(method, args, token, {"ok": False, "error": auth_error})
        failure = self._take_failure(method)
        if failure is not None:
            return self._refuse(method, args, token, failure)
        if method == "chat.postMessage":
            refusal = self._rate_limit(str(args.get("channel", "")))
            if refusal is not None:
                return self._refuse(method, args, token, refusal)
        with self.ws.changing():
            try:
                body = METHODS[method](self.ws, args, self._context())
            except SlackError as exc:
                body = exc.body()
        return self._answer(method, args, token, body)

    def _auth_error(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        if token not in self.bot_tokens and token != self.app_token:
            return "invalid_auth"
        if (token == self.app_token) != (method in APP_TOKEN_METHODS):
            return "not_allowed_token_type"
        return None

    def _take_failure(self, method: str) -> Failure | None:
        with self.ws.changing():
            for key in (method, "*"):
                queue = self._failures.get(key)
                if queue:
                    return queue.popleft()
        return None

    def _rate_limit(self, channel: str) -> Failure | None:
        with self.ws.changing():
            if self._limiter is None:
                return None
            wait = self._limiter.acquire(channel)
            if wait is None:
                return None
            self.ratelimited_count += 1
        return Failure(status=429, retry_after=int(retry_after_header(wait)))

    def _refuse(self, method: str, args: JSON, token: str | None, failure: Failure) -> web.Response:
        response = failure.response()
        body = json.loads(response.text or "{}")
        with self.ws.changing():
            if failure.status == 429:
                self.served_429_count += 1
            self.ws.calls.append(Call(method, args, token, time.time(), failure.status, body))
        return response

    def _answer(self, method: str, args: JSON, token: str | None, body: JSON) -> web.Response:
        with self.ws.changing():
            self.ws.calls.append(Call(method, args, token, time.time(), 200, body))
        return web.json_response(body)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if request.content_type.startswith("multipart/"):
            content = b""
            reader = await request.multipart()
            async for part in reader:
                if isinstance(part, BodyPartReader) and (part.filename or part.name in ("file", "filename")):
                    content = bytes(await part.read())
                    break
        else:
            content = await request.read()
        with self.ws.changing():
            file = self.ws.files.get(file_id)
            if file is None or file.completed:
                return web.Response(status=404, text="file_not_found", content_type="text/plain")
            file.content = content
        return web.Response(text=f"OK - {len(content)}", content_type="text/plain")

    async def _hosted_file(self, request: web.Request) -> web.StreamResponse:
        """A member's file for the bot token. As Slack does, a request without a valid token (or from an app
        without files:read) gets the sign-in page with status 200, not an error."""
        token = _bearer(request)
        team, _, file_id = request.match_info["key"].partition("-")
        with self.ws.changing():
            file = self.ws.shared_files.get(file_id)
            found = file is not None and not file.deleted and team == self.ws.team_id
            allowed = token in self.bot_tokens and self.files_read
            queued = self._failures.get(FILE_DOWNLOAD) if found and allowed else None
            failure = queued.popleft() if queued else None
            if not found:
                response = web.Response(status=404, text=SIGN_IN_PAGE, content_type="text/html")
            elif failure is not None:
                response = failure.response()
            elif not allowed:
                response = web.Response(status=200, text=SIGN_IN_PAGE, content_type="text/html")
            else:
                assert file is not None
                response = web.Response(body=file.content, headers={"Content-Type": file.mimetype})
            self.ws.downloads.append(
                FileDownload(
                    file_id if found else None,
                    request.path,
                    token,
                    time.time(),
                    response.status,
                    found and allowed and failure is None,
                )
            )
        if found and allowed and failure is None and file is not None and file.chunked:
            return await _stream(request, file.content, file.mimetype)
        return response

    async def _response_url(self, request: web.Request) -> web.Response:
        url = str(request.url.with_query(None))
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        with self.ws.changing():
            target = self.ws.response_urls.get(request.match_info["key"])
            status, answer = self._apply_response(target, body)
            self.ws.response_posts.append(
                ResponseUrlPost(url, body if isinstance(body, dict) else {}, time.time(), status)
            )
        return web.json_response(answer, status=status)

    def _apply_response(self, target: ResponseUrl | None, body: Any) -> tuple[int, JSON]:
        """What Slack does with a response_url POST: replace/delete the source message, post in the
        channel (``response_type: in_channel``) or show the user an ephemeral message."""
        if target is None:
            return 404, {"ok": False, "error": "no_such_response_url"}
        target.uses += 1
        if target.uses > RESPONSE_URL_MAX_USES:
            return 404, {"ok": False, "error": "used_url"}
        if not isinstance(body, dict):
            return 400, {"ok": False, "error": "invalid_payload"}
        blocks = body.get("blocks")
        if blocks is not None:
            problems = validate_blocks(blocks)
            if problems:
                return 400, {"ok": False, "error": "invalid_blocks", "errors": problems}
        source = self.ws.messages.get((target.channel, target.message_ts or ""))
        text, new_blocks = str(body.get("text", "")), list(blocks or [])
        if body.get("delete_original") and source is not None:
            source.deleted = True
        elif body.get("replace_original") and source is not None:
            source.versions.append(source.to_slack())
            source.text, source.blocks = text, new_blocks
        elif body.get("response_type") == "in_channel":
            message = Message(
                channel=target.channel,
                ts=self.ws.new_ts(),
                text=text,
                blocks=new_blocks,
                user=self.ws.bot_user_id,
                bot_id=self.ws.bot_id,
                app_id=self.ws.app_id,
                team_id=self.ws.team_id,
                thread_ts=body.get("thread_ts"),
            )
            self.ws.messages[(target.channel, message.ts)] = message
        else:
            self.ws.ephemerals.append(
                Ephemeral(target.channel, target.user, self.ws.new_ts(), text, new_blocks)
            )
        return 200, {"ok": True}

    # -- what tests read ------------------------------------------------------------------------------

    def new_response_url(self, channel: str, user: str, message_ts: str | None = None) -> str:
        """A response_url on this server, tied to a channel, user and (optionally) source message."""
        key = uuid.uuid4().hex
        url = f"{self.url}hooks/response/{key}"
        with self.ws.changing():
            self.ws.response_urls[key] = ResponseUrl(url, channel, user, message_ts)
        return url

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls, oldest first (filter by method, and by success)."""
        with self.ws.lock:
            return [
                c
                for c in self.ws.calls
                if (method is None or c.method == method) and (ok is None or c.ok == ok)
            ]

    def messages(self, channel: str) -> list[JSON]:
        """The channel's current messages (after chat.update / chat.delete), oldest first."""
        with self.ws.lock:
            found = [m for (ch, _), m in self.ws.messages.items() if ch == channel and not m.deleted]
            return [m.to_slack() | {"channel": m.channel} for m in sorted(found, key=lambda m: float(m.ts))]

    def message(self, channel: str, ts: str) -> JSON:
        """One message's latest state (KeyError if never posted)."""
        with self.ws.lock:
            message = self.ws.messages[(channel, ts)]
            return message.to_slack() | {"channel": message.channel, "deleted": message.deleted}

    def message_versions(self, channel: str, ts: str) -> list[JSON]:
        """Every state a message went through, oldest first, ending with the current one."""
        with self.ws.lock:
            message = self.ws.messages[(channel, ts)]
            return [*message.versions, message.to_slack()]

    def dm_channel(self, user: str) -> str | None:
        with self.ws.lock:
            found = [c.id for c in self.ws.channels.values() if c.is_im and c.user == user]
        return found[0] if found else None

    def dms(self, user: str) -> list[JSON]:
        """Messages in the app's DM with ``user``."""
        channel = self.dm_channel(user)
        return self.messages(channel) if channel else []

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[Ephemeral]:
        with self.ws.lock:
            return [
                e
                for e in self.ws.ephemerals
                if (user is None or e.user == user) and (channel is None or e.channel == channel)
            ]

    def views(self) -> list[JSON]:
        with self.ws.lock:
            return [v.to_slack() for v in self.ws.views.values()]

    def view(self, view_id: str) -> JSON:
        with self.ws.lock:
            return self.ws.views[view_id].to_slack()

    def files(self) -> list[UploadedFile]:
        with self.ws.lock:
            return list(self.ws.files.values())

    def downloads(self, file_id: str | None = None) -> list[FileDownload]:
        """Every GET of a member's file URL (of ``file_id``), oldest first, refused ones included."""
        with self.ws.lock:
            return [d for d in self.ws.downloads if file_id is None or d.file_id == file_id]

    def response_posts(self) -> list[ResponseUrlPost]:
        with self.ws.lock:
            return list(self.ws.response_posts)

    def _find_call(self, method: str, predicate: Callable[[Call], bool] | None, after: int) -> Call | None:
        with self.ws.lock:
            for call in self.ws.calls[after:]:
                if call.method == method and (predicate is None or predicate(call)):
                    return call
        return None

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        *,
        after: int = 0,
    ) -> Call:
        """The first call of ``method`` (from index ``after``) matching ``predicate``; polls, so it works
        from any event loop. Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while (call := self._find_call(method, predicate, after)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} call matched within {timeout} s")
            await asyncio.sleep(0.005)
        return call

    def wait_for_sync(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        *,
        after: int = 0,
    ) -> Call:
        """``wait_for`` for synchronous callers (blocks on a condition variable)."""
        result: Call = self.ws.wait_until(lambda: self._find_call(method, predicate, after), timeout)
        return result


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _pop_token(args: JSON) -> str | None:
    token = args.pop("token", None)
    return str(token) if token else None


async def _read_args(request: web.Request) -> JSON:
    """Query string, then form / multipart / JSON body, merged (slack_sdk uses each of them)."""
    args: JSON = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return args
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        args.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            args[key] = value.file.read() if isinstance(value, FileField) else value
    return args


async def _stream(request: web.Request, content: bytes, mimetype: str) -> web.StreamResponse:
    """``content`` with chunked transfer encoding (no Content-Length); a client may stop reading midway."""
    stream = web.StreamResponse(headers={"Content-Type": mimetype})
    stream.enable_chunked_encoding()
    await stream.prepare(request)
    try:
        for start in range(0, len(content), 16 * 1024):
            await stream.write(content[start : start + 16 * 1024])
        await stream.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass  # the client hung up (it had read enough)
    return stream
