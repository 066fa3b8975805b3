"""The Web API methods the fake implements, over a Workspace: argument checks and error codes as Slack
documents them, Slack-shaped answers. Transport (HTTP, tokens, 429s) lives in web_api.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .blockkit import message_text_too_long, validate_blocks, validate_view
from .workspace import JSON, Channel, Ephemeral, Message, UploadedFile, User, UserGroup, View, Workspace

MAX_DM_USERS = 8


class SlackError(Exception):
    """A Slack error answer: HTTP 200 with ``{"ok": false, "error": code, ...extra}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra

    def body(self) -> JSON:
        return {"ok": False, "error": self.code, **self.extra}


def _details(code: str, problems: list[str]) -> SlackError:
    return SlackError(
        code, errors=problems, response_metadata={"messages": [f"[ERROR] {p}" for p in problems]}
    )


@dataclass(frozen=True)
class Context:
    """How strict the fake is, and the bits of the server a method needs."""

    base_url: str
    strict_channels: bool
    strict_users: bool
    trigger_ttl: float
    open_socket: Callable[[], str]


Handler = Callable[[Workspace, JSON, Context], JSON]


# -- argument helpers ---------------------------------------------------------------------------------


def _json_arg(args: JSON, key: str, error: str) -> Any:
    """Form-encoded requests carry JSON arguments (blocks, view, files) as strings."""
    value = args.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise SlackError(error) from exc
    return value


def _str_arg(args: JSON, key: str) -> str:
    value = args.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _bool_arg(args: JSON, key: str) -> bool:
    """Booleans arrive as true/false, 1/0 (slack_sdk sends 1/0 in query strings) or JSON booleans."""
    value = args.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true")
    return bool(value)


def _require(args: JSON, *keys: str) -> None:
    missing = [k for k in keys if args.get(k) in (None, "")]
    if missing:
        raise _details("invalid_arguments", [f"missing required field: {k}" for k in missing])


def _user(ws: Workspace, ctx: Context, user_id: str) -> User:
    user = ws.users.get(user_id)
    if user is None:
        if ctx.strict_users or not user_id:
            raise SlackError("user_not_found")
        user = User(id=user_id, name=user_id.lower(), team_id=ws.team_id)
        ws.users[user_id] = user
    return user


def _dm_target(ws: Workspace, ctx: Context, user_id: str) -> User:
    user = _user(ws, ctx, user_id)
    if user.deleted:
        raise SlackError("user_disabled")
    if user.is_bot:
        raise SlackError("cannot_dm_bot")
    if user.dm_blocked:
        raise SlackError("user_not_visible")
    return user


def _channel(ws: Workspace, ctx: Context, channel_id: str) -> Channel:
    """The conversation a chat.* call names; a user id means the app's DM with that user."""
    if not channel_id:
        raise SlackError("channel_not_found")
    if channel_id[0] in "UW" and (channel_id in ws.users or not ctx.strict_users):
        return ws.dm_channel_for(_dm_target(ws, ctx, channel_id).id)
    if channel_id.startswith("#"):
        named = [c for c in ws.channels.values() if c.name == channel_id[1:]]
        if not named:
            raise SlackError("channel_not_found")
        channel = named[0]
    else:
        found = ws.channels.get(channel_id)
        if found is None:
            if ctx.strict_channels:
                raise SlackError("channel_not_found")
            found = Channel(id=channel_id)
            ws.channels[channel_id] = found
        channel = found
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel


def _content(args: JSON, *, required: bool) -> tuple[str | None, list[JSON] | None]:
    """Validated (text, blocks) of a message; None where the caller did not send one."""
    text = args.get("text")
    blocks = _json_arg(args, "blocks", "invalid_blocks_format")
    attachments = args.get("attachments")
    if required and not text and not blocks and not attachments:
        raise SlackError("no_text")
    if message_text_too_long(text):
        raise SlackError("msg_too_long")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        problems = validate_blocks(blocks, "message")
        if problems:
            raise _details("invalid_blocks", problems)
    return (None if text is None else str(text)), blocks


def _message(ws: Workspace, channel: str, ts: str) -> Message:
    message = ws.messages.get((channel, ts))
    if message is None or message.deleted:
        raise SlackError("message_not_found")
    return message


# -- methods ------------------------------------------------------------------------------------------


def auth_test(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    return {
        "ok": True,
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_domain,
        "user": "quizmaster",
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    channel = _channel(ws, ctx, _str_arg(args, "channel"))
    text, blocks = _content(args, required=True)
    metadata = _json_arg(args, "metadata", "invalid_metadata_format")
    message = Message(
        channel=channel.id,
        ts=ws.new_ts(),
        text=text or "",
        blocks=blocks or [],
        user=ws.bot_user_id,
        bot_id=ws.bot_id,
        app_id=ws.app_id,
        team_id=ws.team_id,
        thread_ts=_str_arg(args, "thread_ts") or None,
        metadata=metadata if isinstance(metadata, dict) else None,
    )
    ws.messages[(channel.id, message.ts)] = message
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_slack(copied=False)}


def chat_update(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    channel = _channel(ws, ctx, _str_arg(args, "channel"))
    message = _message(ws, channel.id, _str_arg(args, "ts"))
    text, blocks = _content(args, required=False)
    if text is None and blocks is None and not args.get("attachments") and not args.get("file_ids"):
        raise SlackError("no_text")
    message.versions.append(message.to_slack())
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = blocks
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_slack(copied=False),
    }


def chat_delete(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    channel = _channel(ws, ctx, _str_arg(args, "channel"))
    message = _message(ws, channel.id, _str_arg(args, "ts"))
    message.deleted = True
    return {"ok": True, "channel": channel.id, "ts": message.ts}


def chat_post_ephemeral(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    channel = _channel(ws, ctx, _str_arg(args, "channel"))
    user = _user(ws, ctx, _str_arg(args, "user"))
    if channel.members is not None and user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = _content(args, required=True)
    ephemeral = Ephemeral(
        channel=channel.id,
        user=user.id,
        ts=ws.new_ts(),
        text=text or "",
        blocks=blocks or [],
        thread_ts=_str_arg(args, "thread_ts") or None,
    )
    ws.ephemerals.append(ephemeral)
    return {"ok": True, "message_ts": ephemeral.ts}


def conversations_open(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    channel_id = _str_arg(args, "channel")
    if channel_id and not args.get("users"):
        channel = ws.channels.get(channel_id)
        if channel is None or not channel.is_im:
            raise SlackError("channel_not_found")
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel.id}}
    user_ids = [u.strip() for u in _str_arg(args, "users").split(",") if u.strip()]
    if not user_ids:
        raise SlackError("users_list_not_supplied")
    if len(user_ids) > MAX_DM_USERS:
        raise SlackError("too_many_users")
    users = [_dm_target(ws, ctx, u) for u in user_ids]
    if len(users) == 1:
        existed = any(c.is_im and c.user == users[0].id for c in ws.channels.values())
        channel = ws.dm_channel_for(users[0].id)
        answer: JSON = {"ok": True, "channel": {"id": channel.id}}
        if existed:
            answer.update(no_op=True, already_open=True)
        return answer
    mpim = Channel(id=ws.new_id("G"), name="mpdm-" + "--".join(u.name for u in users))
    ws.channels[mpim.id] = mpim
    return {"ok": True, "channel": {"id": mpim.id}}


def _check_trigger(ws: Workspace, ctx: Context, trigger_id: str) -> None:
    """Triggers look like ``<issued ms>.<n>.<hex>``; they expire after 3 s and work once."""
    parts = trigger_id.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        raise SlackError("invalid_trigger_id")
    if trigger_id in ws.used_triggers:
        raise SlackError("exchanged_trigger_id")
    if time.time() - int(parts[0]) / 1000 > ctx.trigger_ttl:
        raise SlackError("expired_trigger_id")
    ws.used_triggers.add(trigger_id)


def _view_arg(args: JSON) -> JSON:
    view = _json_arg(args, "view", "invalid_arguments")
    problems = validate_view(view)
    if problems:
        raise _details("invalid_arguments", problems)
    assert isinstance(view, dict)
    return view


def _open_view(ws: Workspace, args: JSON, ctx: Context, *, push: bool) -> JSON:
    _require(args, "trigger_id", "view")
    payload = _view_arg(args)
    _check_trigger(ws, ctx, _str_arg(args, "trigger_id"))
    view_id = ws.new_id("V")
    previous = [v for v in ws.views.values() if not v.closed][-1:] if push else []
    view = View(
        id=view_id,
        team_id=ws.team_id,
        app_id=ws.app_id,
        bot_id=ws.bot_id,
        user=None,
        payload=payload,
        hash=ws.new_ts(),
        root_view_id=previous[0].root_view_id if previous else view_id,
        previous_view_id=previous[0].id if previous else None,
    )
    ws.views[view_id] = view
    return {"ok": True, "view": view.to_slack()}


def views_open(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    return _open_view(ws, args, ctx, push=False)


def views_push(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    return _open_view(ws, args, ctx, push=True)


def views_update(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    view_id, external_id = _str_arg(args, "view_id"), _str_arg(args, "external_id")
    if not view_id and not external_id:
        raise _details("invalid_arguments", ["view_id or external_id is required"])
    payload = _view_arg(args)
    matches = [
        v
        for v in ws.views.values()
        if v.id == view_id or (external_id and v.payload.get("external_id") == external_id)
    ]
    if not matches:
        raise SlackError("not_found")
    view = matches[0]
    if args.get("hash") and args["hash"] != view.hash:
        raise SlackError("hash_conflict")
    view.payload = payload
    view.hash = ws.new_ts()
    return {"ok": True, "view": view.to_slack()}


def users_info(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    return {"ok": True, "user": _user(ws, ctx, _str_arg(args, "user")).to_slack()}


def usergroups_list(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    """The workspace's user groups (disabled ones only with ``include_disabled``); ``users`` only with
    ``include_users``, ``user_count`` with ``include_count``, as Slack documents them."""
    team = _str_arg(args, "team_id")
    if team and team != ws.team_id:
        raise SlackError("team_not_found")
    groups: list[UserGroup] = [
        g for g in ws.usergroups.values() if not g.disabled or _bool_arg(args, "include_disabled")
    ]
    users, count = _bool_arg(args, "include_users"), _bool_arg(args, "include_count")
    return {"ok": True, "usergroups": [g.to_slack(include_users=users, include_count=count) for g in groups]}


def usergroups_users_list(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    _require(args, "usergroup")
    group = ws.usergroups.get(_str_arg(args, "usergroup"))
    if group is None:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


def files_get_upload_url_external(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    _require(args, "filename", "length")
    try:
        length = int(args["length"])
    except (TypeError, ValueError) as exc:
        raise _details("invalid_arguments", ["length must be an integer"]) from exc
    if length < 1:
        raise _details("invalid_arguments", ["length must be at least 1"])
    file = UploadedFile(
        id=ws.new_id("F"), filename=_str_arg(args, "filename"), length=length, alt_txt=args.get("alt_txt")
    )
    ws.files[file.id] = file
    return {"ok": True, "upload_url": f"{ctx.base_url}upload/v1/{file.id}", "file_id": file.id}


def files_complete_upload_external(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    _require(args, "files")
    items = _json_arg(args, "files", "invalid_arguments")
    if not isinstance(items, list) or not items:
        raise _details("invalid_arguments", ["files must be a non-empty array"])
    channel_id = _str_arg(args, "channel_id") or _str_arg(args, "channels").split(",")[0]
    channel: Channel | None = None
    if channel_id:
        try:
            channel = _channel(ws, ctx, channel_id)
        except SlackError as exc:
            raise SlackError("invalid_channel") from exc
    files: list[UploadedFile] = []
    for item in items:
        file = ws.files.get(item.get("id", "")) if isinstance(item, dict) else None
        if file is None or file.content is None or file.completed:
            raise SlackError("file_not_found")
        files.append(file)
    described = []
    for item, file in zip(items, files, strict=True):
        file.completed = True
        file.title = item.get("title") or file.filename
        file.channel = channel.id if channel else None
        file.initial_comment = args.get("initial_comment")
        file.thread_ts = _str_arg(args, "thread_ts") or None
        described.append(
            {"id": file.id, "title": file.title, "name": file.filename, "size": len(file.content or b"")}
        )
    if channel is not None:
        message = Message(
            channel=channel.id,
            ts=ws.new_ts(),
            text=_str_arg(args, "initial_comment"),
            blocks=[],
            user=ws.bot_user_id,
            bot_id=ws.bot_id,
            app_id=ws.app_id,
            team_id=ws.team_id,
            thread_ts=_str_arg(args, "thread_ts") or None,
            files=described,
        )
        ws.messages[(channel.id, message.ts)] = message
    return {"ok": True, "files": described}


def apps_connections_open(ws: Workspace, args: JSON, ctx: Context) -> JSON:
    return {"ok": True, "url": ctx.open_socket()}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "conversations.open": conversations_open,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "users.info": users_info,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
    "apps.connections.open": apps_connections_open,
}
"""Every method the fake answers; anything else is ``unknown_method``."""

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
"""Methods that take the app-level (``xapp-``) token and refuse bot tokens."""
