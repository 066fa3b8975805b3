"""Slack payloads -> core events: pure functions over the dicts Slack sends (HTTP and Socket Mode alike).

Every event carries a ``delivery_id`` the dispatcher records once (``processed_events``), so a retried or
replayed delivery is handled once:
- slash command: its ``trigger_id`` (unique per invocation; a replayed request repeats it);
- block_actions: ``action_ts`` + user + ``action_id`` (one click; a double click is two deliveries, and the
  answers' unique constraint keeps the first);
- view_submission: the view id and its hash;
- Events API: ``event_id`` (Slack's retries, ``X-Slack-Retry-Num``, repeat it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.slack import ids
from adapters.slack.render import ANSWER_ACTION, ANSWER_BLOCK
from bot.events import Actor, ChoiceSelected, CommandInvoked, SelfRated, TextAnswered, Where

PLATFORM = "slack"
MAX_TEXT = 3000
MAX_KEYS = 26


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
