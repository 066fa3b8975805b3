"""The app manifest asks for exactly the scopes the adapter's Web API calls and events need."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

SLACK_DIR = Path(__file__).resolve().parents[2] / "adapters" / "slack"
# Web API method (slack_sdk name) -> the bot scope it needs (None: no scope)
SCOPE_OF = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "conversations_open": "im:write",
    "users_info": "users:read",
    "views_open": None,
    "files_upload_v2": "files:write",
    "usergroups_list": "usergroups:read",
}
EVENT_SCOPES = {"message.im": "im:history"}
# Block Kit element a view uses -> the bot scope Slack requires for it (file_input: files:read, which also
# lets the bot download the picked files)
ELEMENT_SCOPES = {"file_input": "files:read"}


def manifest() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((SLACK_DIR / "manifest.yml").read_text())


def called_methods() -> set[str]:
    source = "\n".join(p.read_text() for p in SLACK_DIR.glob("*.py"))
    return set(re.findall(r"_client\.(\w+)\(", source))


def used_elements() -> set[str]:
    source = "\n".join(p.read_text() for p in SLACK_DIR.glob("*.py"))
    return set(re.findall(r'"type": "(\w+_input)"', source))


def test_scopes_are_exactly_those_used() -> None:
    data = manifest()
    methods = called_methods()
    assert methods, "the adapter calls the Web API"
    assert methods <= set(SCOPE_OF), f"unmapped Web API methods: {methods - set(SCOPE_OF)}"
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    elements = {ELEMENT_SCOPES[e] for e in used_elements() if e in ELEMENT_SCOPES}
    assert elements == {"files:read"}, "the import modal's file_input needs files:read"
    needed = (
        {SCOPE_OF[m] for m in methods} - {None} | {EVENT_SCOPES[e] for e in events} | elements | {"commands"}
    )
    assert set(data["oauth_config"]["scopes"]["bot"]) == needed


def test_manifest_features() -> None:
    data = manifest()
    assert [c["command"] for c in data["features"]["slash_commands"]] == ["/quiz"]
    assert data["features"]["slash_commands"][0]["usage_hint"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    assert len(data["display_information"]["name"]) <= 35
