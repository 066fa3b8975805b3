"""Slack payloads -> core events: pure functions over the dicts Slack sends (HTTP and Socket Mode alike).

Every event carries a ``delivery_id`` the dispatcher records once (``processed_events``), so a retried or
replayed delivery is handled once:
- slash command: its ``trigger_id`` (unique per invocation; a replayed request repeats it);
- block_actions: ``action_ts`` + user + ``action_id`` (one click; a double click is two deliveries, and the
  answers' unique constraint keeps the first);
- view_submission: the view id and its hash (the import modal's too);
- Events API: ``event_id`` (Slack's retries, ``X-Slack-Retry-Num``, repeat it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.slack import ids
from adapters.slack.jobs import ImportFiles, SlackFile
from adapters.slack.render import ANSWER_ACTION, ANSWER_BLOCK, IMPORT_ACTION, IMPORT_BLOCK
from bot import commands as cmd
from bot.events import Actor, ChoiceSelected, CommandInvoked, SelfRated, TextAnswered, Where

PLATFORM = "slack"
MAX_TEXT = 3000
MAX_KEYS = 26
MAX_FILES = 20  # more than a file_input allows (10): the core refuses what is over its own limit
MAX_FILE_NAME = 255
CHECK_WORDS = frozenset({"check", "dry-run", "dryrun"})


class BadPayload(ValueError):
    """A payload missing what the bot needs (or carrying a forged action)."""


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadPayload(f"missing {what}")
    return value


def _team(body: Mapping[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, Mapping):
        return _str(team.get("id"), "team id")
    user = body.get("user")
    if isinstance(user, Mapping) and isinstance(user.get("team_id"), str):
        return _str(user.get("team_id"), "team id")
    return _str(body.get("team_id"), "team id")


def _delivery(*parts: str) -> str:
    return ":".join(parts)[:200]


def command_event(
    body: Mapping[str, Any], *, is_admin: bool = False, display_name: str | None = None
) -> CommandInvoked:
    """``/quiz <text>`` (form fields of a slash command)."""
    team = _str(body.get("team_id"), "team id")
    user = _str(body.get("user_id"), "user id")
    channel = _str(body.get("channel_id"), "channel id")
    name = display_name or (body.get("user_name") if isinstance(body.get("user_name"), str) else None)
    actor = Actor(PLATFORM, team, user, name, is_admin)
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    trigger = body.get("trigger_id")
    delivery = _delivery("cmd", team, trigger) if isinstance(trigger, str) and trigger else None
    return CommandInvoked(actor, Where(PLATFORM, team, channel), str(text)[:MAX_TEXT], delivery)


def import_mode(text: str) -> bool | None:
    """Whether a slash command's text is ``/quiz import`` (False) or ``/quiz import check`` (True: only check
    the files); None for anything else (``/quiz import nonsense`` too: the core answers it)."""
    command = cmd.parse_command(text)
    if not isinstance(command, cmd.InstructorCommand) or command.verb != "import":
        return None
    args = command.args.strip().casefold()
    if not args:
        return False
    return True if args in CHECK_WORDS else None


def actor_of(body: Mapping[str, Any]) -> Actor:
    """The person behind an interaction payload (block_actions, view_submission)."""
    user = body.get("user")
    if not isinstance(user, Mapping):
        raise BadPayload("missing user")
    name = user.get("name") or user.get("username")
    return Actor(
        PLATFORM, _team(body), _str(user.get("id"), "user id"), name if isinstance(name, str) else None
    )


def action_channel(body: Mapping[str, Any]) -> str:
    """The conversation a block_actions click happened in."""
    channel = body.get("channel")
    if isinstance(channel, Mapping) and isinstance(channel.get("id"), str):
        return _str(channel.get("id"), "channel id")
    container = body.get("container")
    if isinstance(container, Mapping):
        return _str(container.get("channel_id"), "channel id")
    raise BadPayload("missing channel")


def action_token(action: Mapping[str, Any]) -> ids.Token:
    """The validated token of a clicked element (``ids.BadToken`` when forged or malformed)."""
    return ids.parse(action.get("action_id"))


def action_event(body: Mapping[str, Any], action: Mapping[str, Any]) -> ChoiceSelected | SelfRated | None:
    """A click as a core event; None for clicks that are not answers (ticking a checkbox, "Answer in
    words"). Raises ``ids.BadToken`` / ``BadPayload`` for what the bot did not make."""
    token = action_token(action)
    actor = actor_of(body)
    where = Where(PLATFORM, actor.workspace_id, action_channel(body))
    stamp = action.get("action_ts")
    delivery = _delivery(
        "act", actor.workspace_id, actor.user_id, str(stamp) if stamp else "", str(action.get("action_id"))
    )
    if token.intent is ids.Intent.CHOOSE:
        return ChoiceSelected(actor, where, token.post_id, (token.arg,), delivery)
    if token.intent is ids.Intent.RATE:
        return SelfRated(actor, where, token.post_id, token.arg, delivery)
    if token.intent is ids.Intent.SEND:
        return ChoiceSelected(actor, where, token.post_id, selected_keys(body, token.post_id), delivery)
    return None


def selected_keys(body: Mapping[str, Any], post_id: int) -> tuple[str, ...]:
    """The option keys ticked in the multi-select of ``post_id`` (from the payload's ``state``)."""
    wanted = ids.pick(post_id)
    state = body.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    keys: list[str] = []
    if isinstance(values, Mapping):
        for block in values.values():
            element = block.get(wanted) if isinstance(block, Mapping) else None
            if not isinstance(element, Mapping):
                continue
            for option in element.get("selected_options") or []:
                value = option.get("value") if isinstance(option, Mapping) else None
                if isinstance(value, str) and len(value) == 1 and "A" <= value <= "Z":
                    keys.append(value)
    return tuple(dict.fromkeys(keys))[:MAX_KEYS]


def submission_event(body: Mapping[str, Any]) -> TextAnswered:
    """The "Answer in words" modal submitted."""
    view = body.get("view")
    if not isinstance(view, Mapping):
        raise BadPayload("missing view")
    token = ids.parse(view.get("callback_id"))
    if token.intent is not ids.Intent.WORDS:
        raise ids.BadToken("not an answer form")
    actor = actor_of(body)
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError as exc:
        raise BadPayload("bad private_metadata") from exc
    channel = metadata.get("c") if isinstance(metadata, dict) else None
    delivery = _delivery("view", actor.workspace_id, str(view.get("id", "")), str(view.get("hash", "")))
    return TextAnswered(
        actor,
        Where(PLATFORM, actor.workspace_id, _str(channel, "channel id")),
        token.post_id,
        submitted_text(view),
        delivery,
    )


def submitted_text(view: Mapping[str, Any]) -> str:
    """What the user typed into the modal's answer input."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    block = values.get(ANSWER_BLOCK) if isinstance(values, Mapping) else None
    element = block.get(ANSWER_ACTION) if isinstance(block, Mapping) else None
    value = element.get("value") if isinstance(element, Mapping) else None
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def is_import_submission(body: Mapping[str, Any]) -> bool:
    """Whether a view_submission is the ``/quiz import`` modal's."""
    view = body.get("view")
    return isinstance(view, Mapping) and view.get("callback_id") == ids.IMPORT_FORM


def import_submission(body: Mapping[str, Any]) -> ImportFiles:
    """The ``/quiz import`` modal submitted: who, where (the channel in ``private_metadata``), whether only to
    check, and the files picked (``BadPayload`` when something the bot needs is missing)."""
    view = body.get("view")
    if not isinstance(view, Mapping) or view.get("callback_id") != ids.IMPORT_FORM:
        raise BadPayload("not the import form")
    actor = actor_of(body)
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError as exc:
        raise BadPayload("bad private_metadata") from exc
    if not isinstance(metadata, dict):
        raise BadPayload("bad private_metadata")
    where = Where(PLATFORM, actor.workspace_id, _str(metadata.get("c"), "channel id"))
    delivery = _delivery("view", actor.workspace_id, str(view.get("id", "")), str(view.get("hash", "")))
    return ImportFiles(actor, where, picked_files(view), bool(metadata.get("d")), delivery)


def picked_files(view: Mapping[str, Any]) -> tuple[SlackFile, ...]:
    """The files picked in the import modal's file input (``state.values[block][action]["files"]``); files
    without an id or a download URL are left out."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    block = values.get(IMPORT_BLOCK) if isinstance(values, Mapping) else None
    element = block.get(IMPORT_ACTION) if isinstance(block, Mapping) else None
    files = element.get("files") if isinstance(element, Mapping) else None
    picked: list[SlackFile] = []
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, Mapping):
            continue
        file_id = item.get("id")
        url = item.get("url_private_download") or item.get("url_private")
        if not isinstance(file_id, str) or not file_id or not isinstance(url, str) or not url:
            continue
        name = next((n for n in (item.get("name"), item.get("title")) if isinstance(n, str) and n), file_id)
        size = item.get("size")
        mimetype = item.get("mimetype")
        picked.append(
            SlackFile(
                file_id,
                name[:MAX_FILE_NAME],
                size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
                mimetype if isinstance(mimetype, str) else "",
                url,
            )
        )
    return tuple(picked[:MAX_FILES])


def message_event(body: Mapping[str, Any]) -> TextAnswered | None:
    """A direct message to the app (Events API ``message``, ``channel_type: im``) as a typed answer to the
    user's open question; None for anything else (bots, edits, channels)."""
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("type") != "message":
        return None
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return None
    text = event.get("text")
    user, channel = event.get("user"), event.get("channel")
    if (
        not isinstance(text, str)
        or not text.strip()
        or not isinstance(user, str)
        or not isinstance(channel, str)
    ):
        return None
    team = event.get("team") or body.get("team_id")
    if not isinstance(team, str) or not team:
        return None
    event_id = body.get("event_id")
    delivery = _delivery("ev", team, event_id) if isinstance(event_id, str) and event_id else None
    actor = Actor(PLATFORM, team, user)
    return TextAnswered(actor, Where(PLATFORM, team, channel), None, text[:MAX_TEXT], delivery)
