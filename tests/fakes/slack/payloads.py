"""What Slack sends to an app, shaped as Slack documents it: slash command form fields, block_actions
and view_submission interaction payloads, Events API ``event_callback`` bodies.

The same payloads go over HTTP (SlackRequestSender) and Socket Mode (FakeSocketMode envelopes).
Clicks and submissions are built from the card or modal the app really posted, so a test can only
press buttons that exist, and the action carries the element's real block_id, type and value.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .web_api import FakeSlack

JSON = dict[str, Any]
_trigger_numbers = itertools.count(1)

_OPTION_ELEMENTS = {"static_select", "radio_buttons", "overflow"}
_MULTI_OPTION_ELEMENTS = {"multi_static_select", "checkboxes"}
_SELECTED_FIELD = {
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}


def new_trigger_id() -> str:
    """A trigger id like Slack's (``<n>.<n>.<hex>``); the first part is the issue time in ms, which the
    fake Web API uses to expire it after 3 seconds."""
    return f"{int(time.time() * 1000)}.{next(_trigger_numbers)}.{secrets.token_hex(16)}"


def _elements(blocks: Any) -> Iterator[tuple[str, JSON]]:
    """(block_id, element) for every interactive element in a list of blocks."""
    for block in blocks or []:
        block_id = str(block.get("block_id", ""))
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            yield block_id, element
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                yield block_id, block[key]


def find_element(blocks: Any, action_id: str) -> tuple[str, JSON]:
    """The (block_id, element) with ``action_id``; LookupError when the surface has no such element."""
    for block_id, element in _elements(blocks):
        if element.get("action_id") == action_id:
            return block_id, element
    raise LookupError(f"no element with action_id {action_id!r} in these blocks")


def _options(element: Mapping[str, Any]) -> list[JSON]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options += group.get("options", [])
    return options


def _option(element: Mapping[str, Any], value: Any) -> JSON:
    for option in _options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    raise ValueError(f"{element.get('action_id')!r} has no option with value {value!r}")


def element_state(element: Mapping[str, Any], value: Any) -> JSON:
    """The typed value Slack reports for ``element`` when the user chose/typed ``value``."""
    kind = str(element.get("type"))
    state: JSON = {"type": kind}
    if kind == "button":
        state["value"] = element.get("value")
    elif kind in _OPTION_ELEMENTS:
        state["selected_option"] = None if value is None else _option(element, value)
    elif kind in _MULTI_OPTION_ELEMENTS:
        values = [] if value is None else [value] if isinstance(value, str) else list(value)
        state["selected_options"] = [_option(element, v) for v in values]
    elif kind in _SELECTED_FIELD:
        state[_SELECTED_FIELD[kind]] = value
    else:  # text inputs
        if isinstance(value, str) and len(value) > int(element.get("max_length", 3000)):
            raise ValueError(
                f"{element.get('action_id')!r} accepts at most {element.get('max_length')} characters"
            )
        state["value"] = value
    return state


@dataclass
class PayloadFactory:
    """Builds payloads for one workspace; with a ``fake``, ids and response_urls come from it."""

    fake: FakeSlack | None = None
    team_id: str = "T0FAKE0001"
    team_domain: str = "quizmaster-test"
    app_id: str = "A0FAKE0001"
    bot_user_id: str = "U0FAKEBOT1"
    verification_token: str = "fake-verification-token"  # deprecated by Slack, still sent
    user_id: str = "U0PLAYER01"
    user_name: str = "player"
    channel_id: str = "C0QUIZ0001"
    channel_name: str = "quiz"

    def __post_init__(self) -> None:
        if self.fake is not None:
            self.team_id = self.fake.team_id
            self.team_domain = self.fake.ws.team_domain
            self.app_id = self.fake.app_id
            self.bot_user_id = self.fake.bot_user_id

    def response_url(self, channel: str, user: str, message_ts: str | None = None) -> str:
        if self.fake is not None:
            return self.fake.new_response_url(channel, user, message_ts)
        return "http://127.0.0.1:9/hooks/response/unrouted"

    def _user(self, user_id: str | None, user_name: str | None) -> JSON:
        uid = user_id or self.user_id
        name = user_name or (self.user_name if uid == self.user_id else uid.lower())
        return {"id": uid, "username": name, "name": name, "team_id": self.team_id}

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str | None = None,
        user_name: str | None = None,
        channel_id: str | None = None,
        channel_name: str | None = None,
        trigger_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> dict[str, str]:
        """The form fields of a slash command (Socket Mode sends the same as a JSON object)."""
        user = self._user(user_id, user_name)
        channel = channel_id or self.channel_id
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel,
            "channel_name": channel_name
            or (self.channel_name if channel == self.channel_id else channel.lower()),
            "user_id": user["id"],
            "user_name": user["name"],
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.response_url(channel, user["id"]),
            "trigger_id": trigger_id or new_trigger_id(),
        }
        if enterprise_id:
            fields["enterprise_id"] = enterprise_id
        return fields

    def block_actions(
        self,
        surface: Mapping[str, Any],
        action_id: str,
        value: Any = None,
        *,
        user_id: str | None = None,
        user_name: str | None = None,
        channel_id: str | None = None,
        ephemeral: bool = False,
        state: JSON | None = None,
        trigger_id: str | None = None,
    ) -> JSON:
        """A click/choice on ``surface``: a message as the app posted it (``fake.message(...)``, needs
        ``channel``) or a modal (``fake.view(...)``, has ``type: modal``). ``value`` picks the option(s)
        of a select/checkboxes/radio element or the text of an input."""
        block_id, element = find_element(surface.get("blocks"), action_id)
        action = {
            "action_id": action_id,
            "block_id": block_id,
            **element_state(element, value),
            "action_ts": f"{time.time():.6f}",
        }
        if element.get("type") == "button":
            action["text"] = copy.deepcopy(element.get("text"))
            if "style" in element:
                action["style"] = element["style"]
        user = self._user(user_id, user_name)
        payload: JSON = {
            "type": "block_actions",
            "user": user,
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or new_trigger_id(),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "state": state or {"values": {}},
            "actions": [action],
        }
        if surface.get("type") == "modal":
            payload["container"] = {"type": "view", "view_id": surface.get("id")}
            payload["view"] = copy.deepcopy(dict(surface))
            return payload
        channel = channel_id or str(surface.get("channel") or self.channel_id)
        ts = str(surface.get("ts", ""))
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        payload["channel"] = {
            "id": channel,
            "name": self.channel_name if channel == self.channel_id else channel.lower(),
        }
        if not ephemeral:
            message = {k: copy.deepcopy(v) for k, v in surface.items() if k not in ("channel", "deleted")}
            payload["message"] = message
        payload["response_url"] = self.response_url(channel, user["id"], None if ephemeral else ts)
        return payload

    def view_submission(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        *,
        user_id: str | None = None,
        user_name: str | None = None,
        trigger_id: str | None = None,
    ) -> JSON:
        """Submitting the modal ``view`` (as ``fake.view(...)`` returns it) with ``values`` keyed by
        action_id (a file input's: file objects or ids, ``file_input_state``); inputs left out are submitted
        empty."""
        values = dict(values or {})
        state: dict[str, JSON] = {}
        for block in view.get("blocks", []):
            element = block.get("element") if block.get("type") == "input" else None
            if not isinstance(element, dict):
                continue
            action_id = str(element.get("action_id", ""))
            value = values.pop(action_id, None)
            state.setdefault(str(block.get("block_id", "")), {})[action_id] = (
                self.file_input_state(element, value)
                if element.get("type") == "file_input"
                else element_state(element, value)
            )
        if values:
            raise LookupError(f"the view has no inputs {sorted(values)}")
        submitted = copy.deepcopy(dict(view))
        submitted["state"] = {"values": state}
        return {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": self._user(user_id, user_name),
            "api_app_id": self.app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or new_trigger_id(),
            "view": submitted,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def file_input_state(self, element: Mapping[str, Any], value: Any) -> JSON:
        """A file input's submitted state, ``{"type": "file_input", "files": [file objects]}``. ``value``: one
        file or a list, each a file object (``fake.add_file(...)``) or, with a fake, a file id. As Slack's
        file picker does, more files than ``max_files`` or a file whose extension is not in ``filetypes``
        raise ValueError."""
        picked = [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
        files: list[JSON] = []
        for item in picked:
            if isinstance(item, str):
                if self.fake is None:
                    raise ValueError("file ids need a PayloadFactory tied to a FakeSlack")
                item = self.fake.file_object(item)
            if not isinstance(item, Mapping) or not item.get("id"):
                raise ValueError(f"not a Slack file object: {item!r}")
            files.append(copy.deepcopy(dict(item)))
        limit = int(element.get("max_files", 10))
        if len(files) > limit:
            raise ValueError(f"{element.get('action_id')!r} accepts at most {limit} files")
        allowed = element.get("filetypes")
        for file in files:
            name = str(file.get("name", ""))
            extension = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
            if allowed and extension not in {str(t).casefold() for t in allowed}:
                raise ValueError(
                    f"{element.get('action_id')!r} does not accept {name!r} (filetypes {allowed})"
                )
        return {"type": "file_input", "files": files}

    def event_callback(
        self, event: JSON, *, event_id: str | None = None, event_time: int | None = None
    ) -> JSON:
        """An Events API body around ``event``."""
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": event_time or int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    def message_event(
        self,
        text: str,
        *,
        user_id: str | None = None,
        channel_id: str | None = None,
        channel_type: str = "channel",
        thread_ts: str | None = None,
    ) -> JSON:
        """A ``message`` event (``channel_type="im"`` for a DM to the app)."""
        ts = f"{time.time():.6f}"
        event: JSON = {
            "type": "message",
            "user": user_id or self.user_id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel": channel_id or self.channel_id,
            "channel_type": channel_type,
            "team": self.team_id,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event
