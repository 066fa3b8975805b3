"""The fake REST API under ``/api/v10``: one handler that parses, logs, injects failures, checks auth and
routes. Answers and error codes follow Discord's docs (Opcodes and Status Codes > JSON error codes).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .interactions import APPLICATION_COMMAND, AUTOCOMPLETE, COMPONENT, MODAL_SUBMIT
from .records import LOADING_FLAG, CallbackRecord, InteractionRecord, Request, StoredMessage, UploadedFile
from .store import FakeState
from .validation import (
    EPHEMERAL_FLAG,
    FieldError,
    form_error_body,
    is_empty_message,
    validate_autocomplete,
    validate_command,
    validate_commands,
    validate_message,
    validate_modal,
)
from .wire import json_response, no_content
from .world import DM, FakeChannel, FakeGuild

API_PREFIX = "/api/v10"

# interaction callback types
(
    PONG,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE,
    UPDATE_MESSAGE,
    AUTOCOMPLETE_RESULT,
    MODAL,
) = (
    1,
    4,
    5,
    6,
    7,
    8,
    9,
)
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    APPLICATION_COMMAND: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL}),
    COMPONENT: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL}),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE}),
}


@dataclass
class Reply:
    """A handler's answer before it becomes an HTTP response."""

    status: int
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def err(status: int, code: int, message: str) -> Reply:
    """Discord's ``{"message", "code"}`` error."""
    return Reply(status, {"message": message, "code": code})


def form_error(errors: list[FieldError], prefix: tuple[str | int, ...] = ()) -> Reply:
    """400 Invalid Form Body (50035) for ``errors`` (paths under ``prefix``, e.g. ``("data",)``)."""
    shifted = [FieldError((*prefix, *e.path), e.code, e.message) for e in errors]
    return Reply(400, form_error_body(shifted))


UNAUTHORIZED = err(401, 0, "401: Unauthorized")
Handler = Callable[["Call"], Awaitable[Reply] | Reply]


@dataclass
class Call:
    """A parsed request: path parameters, body, files and the log record."""

    request: Request
    params: dict[str, str]
    body: Any
    files: list[UploadedFile]

    def int_param(self, name: str) -> int:
        """A snowflake path parameter (0 when not a number)."""
        value = self.params[name]
        return int(value) if value.isdigit() else 0


class RestApi:
    """Routes ``/api/v10/...`` requests against the fake's state."""

    def __init__(self, state: FakeState, gateway_url: Callable[[], str]) -> None:
        self.state = state
        self._gateway_url = gateway_url
        S = r"(?P<{}>[0-9]+)"
        T = r"(?P<token>[^/]+)"
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        add = self._add
        add("GET", "/gateway", self.get_gateway, auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/users/@me", self.get_me)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        add("GET", f"/users/{S.format('user_id')}", self.get_user)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", f"/channels/{S.format('channel_id')}", self.get_channel)
        add("GET", f"/channels/{S.format('channel_id')}/messages", self.list_messages)
        add("POST", f"/channels/{S.format('channel_id')}/messages", self.create_message)
        add("POST", f"/channels/{S.format('channel_id')}/typing", lambda call: Reply(204))
        msg = f"/channels/{S.format('channel_id')}/messages/{S.format('message_id')}"
        add("GET", msg, self.get_message)
        add("PATCH", msg, self.edit_message)
        add("DELETE", msg, self.delete_message)
        guild = f"/guilds/{S.format('guild_id')}"
        add("GET", guild, self.get_guild)
        add("GET", f"{guild}/channels", self.get_guild_channels)
        add("GET", f"{guild}/roles", self.get_roles)
        add("GET", f"{guild}/members", self.list_members)
        add("GET", f"{guild}/members/{S.format('user_id')}", self.get_member)
        for scope in ("", f"/guilds/{S.format('guild_id')}"):
            base = f"/applications/{S.format('app_id')}{scope}/commands"
            add("GET", base, self.list_commands)
            add("PUT", base, self.put_commands)
            add("POST", base, self.upsert_command)
            add("GET", f"{base}/{S.format('command_id')}", self.get_command)
            add("PATCH", f"{base}/{S.format('command_id')}", self.edit_command)
            add("DELETE", f"{base}/{S.format('command_id')}", self.delete_command)
        add("POST", f"/interactions/{S.format('interaction_id')}/{T}/callback", self.callback, auth=False)
        hook = f"/webhooks/{S.format('app_id')}/{T}"
        add("POST", hook, self.followup, auth=False)
        for method, handler in (("GET", self.get_webhook_message), ("PATCH", self.edit_webhook_message)):
            add(method, f"{hook}/messages/(?P<message_id>@original|[0-9]+)", handler, auth=False)
        add(
            "DELETE",
            f"{hook}/messages/(?P<message_id>@original|[0-9]+)",
            self.delete_webhook_message,
            auth=False,
        )

    def _add(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler, auth))

    # --- pipeline ---------------------------------------------------------------------------------------

    async def handle(self, http: web.Request) -> web.StreamResponse:
        """aiohttp handler for every ``/api/v10/...`` path."""
        path = http.path[len(API_PREFIX) :] or "/"
        body, files, bad_json = await _read_body(http)
        record = Request(
            method=http.method,
            path=path,
            query=dict(http.query),
            json=body,
            files=files,
            headers={
                k: v
                for k, v in http.headers.items()
                if k.lower() in ("authorization", "content-type", "user-agent", "x-audit-log-reason")
            },
            at=time.monotonic(),
        )
        injected = self.state.failures.take(record)
        if injected is not None:
            record.status = injected.status
            record.response = injected.text if injected.body else None
            self.state.recorder.add(record)
            return injected
        reply = await self._route(record, body, files, bad_json, http)
        record.status = reply.status
        record.response = reply.data
        self.state.recorder.add(record)
        if reply.status == 204:
            return no_content()
        return json_response(reply.data, status=reply.status, headers=reply.headers)

    async def _route(
        self, record: Request, body: Any, files: list[UploadedFile], bad_json: bool, http: web.Request
    ) -> Reply:
        allowed: list[str] = []
        for method, pattern, handler, auth in self._routes:
            match = pattern.match(record.path)
            if match is None:
                continue
            if method != record.method:
                allowed.append(method)
                continue
            if auth and http.headers.get("Authorization") != f"Bot {self.state.config.token}":
                return UNAUTHORIZED
            if bad_json:
                return err(400, 50109, "The request body contains invalid JSON.")
            result = handler(Call(record, match.groupdict(), body, files))
            return await result if not isinstance(result, Reply) else result
        if allowed:
            return err(405, 0, "405: Method Not Allowed")
        return err(404, 0, "404: Not Found")

    # --- gateway / identity -----------------------------------------------------------------------------

    def get_gateway(self, call: Call) -> Reply:
        return Reply(200, {"url": self._gateway_url()})

    def get_gateway_bot(self, call: Call) -> Reply:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return Reply(200, {"url": self._gateway_url(), "shards": 1, "session_start_limit": limit})

    def get_me(self, call: Call) -> Reply:
        me = self.state.world.bot.payload() | {"verified": True, "mfa_enabled": False, "locale": "en-US"}
        return Reply(200, me)

    def get_application(self, call: Call) -> Reply:
        owner = (
            next(u for u in self.state.world.users.values() if not u.bot)
            if len(self.state.world.users) > 1
            else None
        )
        bot = self.state.world.bot
        return Reply(
            200,
            {
                "id": str(self.state.application_id),
                "name": bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": self.state.config.application_flags,
                "owner": (owner or bot).payload(),
                "team": None,
                "bot": bot.payload() | {"bot": True},
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "install_params": None,
                "approximate_guild_count": len(self.state.world.guilds),
            },
        )

    def get_user(self, call: Call) -> Reply:
        user = self.state.world.users.get(call.int_param("user_id"))
        return Reply(200, user.payload()) if user else err(404, 10013, "Unknown User")

    def create_dm(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        raw = str(body.get("recipient_id") or "")
        user = self.state.world.users.get(int(raw)) if raw.isdigit() else None
        if user is None:
            return form_error([FieldError(("recipient_id",), "BASE_TYPE_REQUIRED", "Unknown user")])
        channel = self.state.world.dm_channel(user)
        return Reply(200, channel.payload(self.state.world))

    # --- channels and messages --------------------------------------------------------------------------

    def get_channel(self, call: Call) -> Reply:
        channel = self.state.world.channels.get(call.int_param("channel_id"))
        return (
            Reply(200, channel.payload(self.state.world)) if channel else err(404, 10003, "Unknown Channel")
        )

    def _reachable(self, call: Call) -> FakeChannel | Reply:
        """The channel of a message route: 404/10003 when unknown, 403/50001 when the bot lost access."""
        channel = self.state.world.channels.get(call.int_param("channel_id"))
        if channel is None:
            return err(404, 10003, "Unknown Channel")
        if not channel.bot_access:
            return err(403, 50001, "Missing Access")
        return channel

    def list_messages(self, call: Call) -> Reply:
        found = self._reachable(call)
        if isinstance(found, Reply):
            return found
        channel_id = found.id
        limit = int(call.request.query.get("limit", "50"))
        visible = [m for m in self.state.channel_messages(channel_id) if not m.ephemeral]
        return Reply(200, [m.payload() for m in reversed(visible)][:limit])

    def create_message(self, call: Call) -> Reply:
        channel = self._reachable(call)
        if isinstance(channel, Reply):
            return channel
        body = call.body if isinstance(call.body, dict) else {}
        if channel.type == DM:
            recipient = self.state.world.users.get(channel.recipient_id or 0)
            if recipient is None or recipient.dms_closed or recipient.bot:
                return err(403, 50007, "Cannot send messages to this user")
        if is_empty_message(body, len(call.files)):
            return err(400, 50006, "Cannot send an empty message")
        errors = validate_message(body)
        if errors:
            return form_error(errors)
        if int(body.get("flags") or 0) & EPHEMERAL_FLAG:
            return form_error(
                [
                    FieldError(
                        ("flags",), "MESSAGE_FLAGS_INVALID", "Only interaction responses can be ephemeral"
                    )
                ]
            )
        message = self.state.create_message(channel.id, body, call.files)
        return Reply(200, message.payload())

    def _channel_message(self, call: Call) -> StoredMessage | Reply:
        found = self._reachable(call)
        if isinstance(found, Reply):
            return found
        channel_id = found.id
        message = self.state.messages.get(call.int_param("message_id"))
        if message is None or message.deleted or message.channel_id != channel_id or message.ephemeral:
            return err(404, 10008, "Unknown Message")
        return message

    def get_message(self, call: Call) -> Reply:
        found = self._channel_message(call)
        return found if isinstance(found, Reply) else Reply(200, found.payload())

    def edit_message(self, call: Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, Reply):
            return found
        if found.author.get("id") != str(self.state.world.bot.id):
            return err(403, 50005, "Cannot edit a message authored by another user")
        return self._apply_edit(found, call)

    def _apply_edit(self, message: StoredMessage, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        errors = validate_message(body)
        if errors:
            return form_error(errors)
        message.apply_edit(body)
        if call.files:
            message.attachments.extend(call.files)
        return Reply(200, message.payload())

    def delete_message(self, call: Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, Reply):
            return found
        found.deleted = True
        return Reply(204)

    # --- guilds -----------------------------------------------------------------------------------------

    def _guild(self, call: Call) -> FakeGuild | None:
        return self.state.world.guilds.get(call.int_param("guild_id"))

    def get_guild(self, call: Call) -> Reply:
        guild = self._guild(call)
        return (
            Reply(200, self.state.world.guild_payload(guild)) if guild else err(404, 10004, "Unknown Guild")
        )

    def get_guild_channels(self, call: Call) -> Reply:
        guild = self._guild(call)
        if guild is None:
            return err(404, 10004, "Unknown Guild")
        return Reply(200, [c.payload() for c in guild.channels.values()])

    def get_roles(self, call: Call) -> Reply:
        guild = self._guild(call)
        return (
            Reply(200, [r.payload() for r in guild.roles.values()])
            if guild
            else err(404, 10004, "Unknown Guild")
        )

    def list_members(self, call: Call) -> Reply:
        guild = self._guild(call)
        if guild is None:
            return err(404, 10004, "Unknown Guild")
        limit = int(call.request.query.get("limit", "1"))
        after = int(call.request.query.get("after", "0"))
        ids = sorted(uid for uid in guild.members if uid > after)[:limit]
        return Reply(200, [self.state.world.member_payload(guild, uid) for uid in ids])

    def get_member(self, call: Call) -> Reply:
        guild = self._guild(call)
        if guild is None:
            return err(404, 10004, "Unknown Guild")
        uid = call.int_param("user_id")
        if uid not in guild.members:
            return err(404, 10007, "Unknown Member")
        return Reply(200, self.state.world.member_payload(guild, uid))

    # --- application commands ---------------------------------------------------------------------------

    def _command_scope(self, call: Call) -> int | Reply | None:
        if call.int_param("app_id") != self.state.application_id:
            return err(403, 50001, "Missing Access")
        if "guild_id" in call.params:
            guild = self._guild(call)
            if guild is None:
                return err(403, 50001, "Missing Access")
            return guild.id
        return None

    def list_commands(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        return Reply(200, list(self.state.command_scope(scope).values()))

    def put_commands(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        errors = validate_commands(call.body)
        if errors:
            return form_error(errors)
        old = {(c["name"], c["type"]): c for c in self.state.command_scope(scope).values()}
        self.state.command_scope(scope).clear()
        saved = [
            self.state.store_command(body, scope, old.get((body["name"], int(body.get("type") or 1))))
            for body in call.body
        ]
        return Reply(200, saved)

    def upsert_command(self, call: Call) -> Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        errors = validate_command(call.body)
        if errors:
            return form_error(errors)
        body = call.body
        kind = int(body.get("type") or 1)
        existing = next(
            (
                c
                for c in self.state.command_scope(scope).values()
                if c["name"] == body["name"] and c["type"] == kind
            ),
            None,
        )
        command = self.state.store_command(body, scope, existing)
        return Reply(200 if existing else 201, command)

    def _command(self, call: Call) -> tuple[int | None, dict[str, Any]] | Reply:
        scope = self._command_scope(call)
        if isinstance(scope, Reply):
            return scope
        command = self.state.command_scope(scope).get(call.int_param("command_id"))
        return (scope, command) if command else err(404, 10063, "Unknown application command")

    def get_command(self, call: Call) -> Reply:
        found = self._command(call)
        return found if isinstance(found, Reply) else Reply(200, found[1])

    def edit_command(self, call: Call) -> Reply:
        found = self._command(call)
        if isinstance(found, Reply):
            return found
        scope, command = found
        merged = {**command, **(call.body if isinstance(call.body, dict) else {})}
        errors = validate_command(merged)
        if errors:
            return form_error(errors)
        return Reply(200, self.state.store_command(merged, scope, command))

    def delete_command(self, call: Call) -> Reply:
        found = self._command(call)
        if isinstance(found, Reply):
            return found
        scope, command = found
        del self.state.command_scope(scope)[int(command["id"])]
        return Reply(204)

    # --- interaction callbacks --------------------------------------------------------------------------

    def callback(self, call: Call) -> Reply:
        state = self.state
        interaction = state.interactions.get(call.int_param("interaction_id"))
        body = call.body if isinstance(call.body, dict) else {}
        kind = body.get("type")
        data = body.get("data")
        if interaction is None or interaction.token != call.params["token"]:
            return err(404, 10062, "Unknown interaction")
        reply = self._callback_reply(interaction, kind, data, call)
        record = CallbackRecord(
            interaction_id=interaction.id,
            type=kind if isinstance(kind, int) else -1,
            data=data if isinstance(data, dict) else None,
            files=call.files,
            status=reply.status,
            error=reply.data if reply.status >= 400 else None,
            at=time.monotonic(),
            latency=time.monotonic() - interaction.dispatched_at,
        )
        interaction.callbacks.append(record)
        future = interaction.first_callback
        if record.accepted and future is not None and not future.done():
            future.set_result(record)
        return reply

    def _callback_reply(self, interaction: InteractionRecord, kind: Any, data: Any, call: Call) -> Reply:
        if interaction.acknowledged:
            return err(400, 40060, "Interaction has already been acknowledged.")
        if interaction.age() > self.state.config.callback_deadline:
            return err(404, 10062, "Unknown interaction")
        allowed = ALLOWED_CALLBACKS.get(interaction.type, frozenset())
        if kind in (UPDATE_MESSAGE, DEFERRED_UPDATE) and interaction.source_message_id is None:
            allowed = allowed - {UPDATE_MESSAGE, DEFERRED_UPDATE}
        if kind not in allowed:
            return form_error(
                [
                    FieldError(
                        ("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type is invalid"
                    )
                ]
            )
        payload = data if isinstance(data, dict) else {}
        message: StoredMessage | None = None
        if kind == CHANNEL_MESSAGE:
            if is_empty_message(payload, len(call.files)):
                return err(400, 50006, "Cannot send an empty message")
            errors = validate_message(payload)
            if errors:
                return form_error(errors, ("data",))
            message = self._interaction_message(interaction, payload, call.files, 0)
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            flags = int(payload.get("flags") or 0) & EPHEMERAL_FLAG
            message = self._interaction_message(
                interaction, {"content": "", "flags": flags}, [], LOADING_FLAG
            )
        elif kind == UPDATE_MESSAGE:
            errors = validate_message(payload)
            if errors:
                return form_error(errors, ("data",))
            message = self.state.messages[interaction.source_message_id or 0]
            message.apply_edit(payload)
            interaction.original_message_id = message.id
        elif kind == DEFERRED_UPDATE:
            interaction.original_message_id = interaction.source_message_id
        elif kind == AUTOCOMPLETE_RESULT:
            errors = validate_autocomplete(payload)
            if errors:
                return form_error(errors, ("data",))
        elif kind == MODAL:
            errors = validate_modal(payload)
            if errors:
                return form_error(errors, ("data",))
            interaction.modal = dict(payload)
        interaction.response_type = kind
        if call.request.query.get("with_response") not in ("1", "true", "True"):
            return Reply(204)
        answer: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type}
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            answer.update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
            resource["message"] = message.payload()
        return Reply(200, {"interaction": answer, "resource": resource})

    def _interaction_message(
        self,
        interaction: InteractionRecord,
        body: dict[str, Any],
        files: list[UploadedFile],
        extra_flags: int,
    ) -> StoredMessage:
        assert interaction.channel_id is not None
        message = self.state.create_message(
            interaction.channel_id, body, files, interaction=interaction, extra_flags=extra_flags
        )
        interaction.original_message_id = message.id
        return message

    # --- interaction webhooks (follow-ups, @original) ---------------------------------------------------

    def _webhook_interaction(self, call: Call) -> InteractionRecord | Reply:
        interaction = self.state.interactions_by_token.get(call.params["token"])
        if interaction is None or call.int_param("app_id") != self.state.application_id:
            return err(404, 10015, "Unknown Webhook")
        if interaction.age() > self.state.config.followup_ttl:
            return err(401, 50027, "Invalid Webhook Token")
        if not interaction.acknowledged:
            return err(404, 10015, "Unknown Webhook")
        return interaction

    def followup(self, call: Call) -> Reply:
        interaction = self._webhook_interaction(call)
        if isinstance(interaction, Reply):
            return interaction
        body = call.body if isinstance(call.body, dict) else {}
        if is_empty_message(body, len(call.files)):
            return err(400, 50006, "Cannot send an empty message")
        errors = validate_message(body)
        if errors:
            return form_error(errors)
        original = self.state.messages.get(interaction.original_message_id or 0)
        if (
            interaction.response_type == DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original.loading
        ):
            # Discord: the first follow-up after a deferred response replaces the "thinking" message
            original.apply_edit(body)
            original.attachments.extend(call.files)
            message = original
        else:
            assert interaction.channel_id is not None
            message = self.state.create_message(
                interaction.channel_id, body, call.files, interaction=interaction
            )
        interaction.followup_ids.append(message.id)
        wait = call.request.query.get("wait", "false").lower() in ("1", "true")
        return Reply(200, message.payload()) if wait else Reply(204)

    def _webhook_message(self, call: Call) -> tuple[InteractionRecord, StoredMessage] | Reply:
        interaction = self._webhook_interaction(call)
        if isinstance(interaction, Reply):
            return interaction
        raw = call.params["message_id"]
        if raw == "@original":
            message_id = interaction.original_message_id or 0
        else:
            message_id = int(raw)
            if message_id not in interaction.followup_ids and message_id != interaction.original_message_id:
                return err(404, 10008, "Unknown Message")
        message = self.state.messages.get(message_id)
        if message is None or message.deleted:
            return err(404, 10008, "Unknown Message")
        return interaction, message

    def get_webhook_message(self, call: Call) -> Reply:
        found = self._webhook_message(call)
        return found if isinstance(found, Reply) else Reply(200, found[1].payload())

    def edit_webhook_message(self, call: Call) -> Reply:
        found = self._webhook_message(call)
        return found if isinstance(found, Reply) else self._apply_edit(found[1], call)

    def delete_webhook_message(self, call: Call) -> Reply:
        found = self._webhook_message(call)
        if isinstance(found, Reply):
            return found
        found[1].deleted = True
        return Reply(204)


async def _read_body(http: web.Request) -> tuple[Any, list[UploadedFile], bool]:
    """(json body, files, bad_json). Multipart: ``payload_json`` plus ``files[n]`` parts."""
    if not http.can_read_body:
        return None, [], False
    content_type = http.headers.get("Content-Type", "")
    if content_type.startswith("multipart/"):
        body: Any = None
        files: list[UploadedFile] = []
        reader = await http.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            raw = await part.read(decode=False)
            if part.name == "payload_json":
                try:
                    body = json.loads(raw)
                except ValueError:
                    return None, files, True
            else:
                files.append(
                    UploadedFile(
                        field=part.name,
                        filename=part.filename,
                        content_type=part.headers.get("Content-Type"),
                        data=bytes(raw),
                    )
                )
        return body, files, False
    raw_text = await http.text()
    if not raw_text:
        return None, [], False
    try:
        return json.loads(raw_text), [], False
    except ValueError:
        return None, [], True
