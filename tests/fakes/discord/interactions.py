"""INTERACTION_CREATE payloads (Discord's Interaction object) for commands, autocomplete, component clicks
and modal submits. Pure: they read the world and the registered commands, and raise ``ValueError``
when a test asks for something Discord's client could never send (an unknown option, a value outside
a select's options, a click on a disabled button, a modal answer that breaks its limits)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .records import StoredMessage
from .validation import AUTO_SELECTS, LABEL, STRING_SELECT, TEXT_INPUT
from .world import DM, FakeChannel, FakeGuild, FakeUser, World

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
Attachments = Mapping[int, Mapping[str, Any]]  # attachment id -> Attachment object


def base_payload(
    world: World,
    *,
    interaction_id: int,
    token: str,
    kind: int,
    application_id: int,
    user: FakeUser,
    channel: FakeChannel,
    locale: str = "en-US",
) -> dict[str, Any]:
    """The fields every interaction has: who, where, the token; ``member`` in a guild, ``user`` in a DM."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "channel_id": str(channel.id),
        "channel": channel.payload(world),
    }
    if channel.type == DM or channel.guild_id is None:
        payload.update(user=user.payload(), context=1, authorizing_integration_owners={"1": str(user.id)})
        payload["app_permissions"] = str((1 << 53) - 1)
        return payload
    guild = world.guilds[channel.guild_id]
    if user.id not in guild.members:
        raise ValueError(f"user {user.username} is not a member of guild {guild.name}")
    payload.update(
        guild_id=str(guild.id),
        guild={"id": str(guild.id), "locale": guild.locale, "features": []},
        guild_locale=guild.locale,
        member=world.member_payload(guild, user.id, with_permissions=True),
        context=0,
        authorizing_integration_owners={"0": str(guild.id)},
        app_permissions=str(world.member_permissions(guild, guild.members[world.bot.id])),
    )
    payload["channel"]["permissions"] = payload["app_permissions"]
    return payload


# ---------------------------------------------------------------------------------------------------
# application commands
# ---------------------------------------------------------------------------------------------------


def command_data(
    world: World,
    command: Mapping[str, Any],
    *,
    guild: FakeGuild | None,
    subcommand: str | None,
    values: Mapping[str, Any],
    focused: str | None = None,
    attachments: Attachments | None = None,
) -> dict[str, Any]:
    """``data`` of a chat-input command (or its autocomplete, when ``focused`` names the typed option).
    ``attachments``: the files users uploaded, which attachment options (type 11) may name by id."""
    uploaded: Attachments = attachments or {}
    schema: Sequence[Mapping[str, Any]] = command.get("options") or []
    resolved: dict[str, dict[str, Any]] = {}
    options: list[dict[str, Any]]
    if subcommand:
        parts = subcommand.split()
        if len(parts) > 2:
            raise ValueError(f"subcommand path {subcommand!r}: at most 'group sub'")
        found = _find_option(schema, parts[0], (1, 2))
        if len(parts) == 2:
            if found.get("type") != 2:
                raise ValueError(f"{parts[0]!r} is not a subcommand group")
            sub = _find_option(found.get("options") or [], parts[1], (1,))
            leaf = _build_options(
                world, sub.get("options") or [], values, guild, resolved, uploaded, focused=focused
            )
            options = [
                {"type": 2, "name": parts[0], "options": [{"type": 1, "name": parts[1], "options": leaf}]}
            ]
        else:
            if found.get("type") != 1:
                raise ValueError(f"{parts[0]!r} is a group: name one of its subcommands too")
            leaf = _build_options(
                world, found.get("options") or [], values, guild, resolved, uploaded, focused=focused
            )
            options = [{"type": 1, "name": parts[0], "options": leaf}]
    elif any(o.get("type") in (1, 2) for o in schema):
        raise ValueError(f"/{command['name']} needs a subcommand")
    else:
        options = _build_options(world, schema, values, guild, resolved, uploaded, focused=focused)
    data: dict[str, Any] = {
        "id": str(command["id"]),
        "name": command["name"],
        "type": int(command.get("type") or 1),
        "options": options,
    }
    if resolved:
        data["resolved"] = resolved
    if command.get("guild_id"):
        data["guild_id"] = str(command["guild_id"])
    return data


def _find_option(schema: Sequence[Mapping[str, Any]], name: str, kinds: tuple[int, ...]) -> Mapping[str, Any]:
    for option in schema:
        if option.get("name") == name and option.get("type") in kinds:
            return option
    raise ValueError(f"no subcommand {name!r}; known: {[o.get('name') for o in schema]}")


def _build_options(
    world: World,
    schema: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    guild: FakeGuild | None,
    resolved: dict[str, dict[str, Any]],
    uploaded: Attachments,
    *,
    focused: str | None,
) -> list[dict[str, Any]]:
    by_name = {o["name"]: o for o in schema if o.get("type") not in (1, 2)}
    unknown = set(values) - set(by_name)
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; the command has {sorted(by_name)}")
    if focused is not None and focused not in by_name:
        raise ValueError(f"no option {focused!r} to autocomplete")
    out: list[dict[str, Any]] = []
    for name, option in by_name.items():
        if name not in values:
            if option.get("required") and focused is None:
                raise ValueError(f"required option {name!r} missing")
            continue
        kind = int(option["type"])
        if name == focused:
            if not option.get("autocomplete"):
                raise ValueError(f"option {name!r} does not autocomplete")
            out.append({"type": kind, "name": name, "value": str(values[name]), "focused": True})
            continue
        value = _option_value(world, option, values[name], guild, resolved, uploaded)
        out.append({"type": kind, "name": name, "value": value})
    return out


def _option_value(
    world: World,
    option: Mapping[str, Any],
    value: Any,
    guild: FakeGuild | None,
    resolved: dict[str, dict[str, Any]],
    uploaded: Attachments,
) -> Any:
    kind = int(option["type"])
    name = option["name"]
    if kind == STRING:
        if not isinstance(value, str):
            raise ValueError(f"option {name!r} takes a string")
        lo, hi = option.get("min_length", 0), option.get("max_length", 6000)
        if not lo <= len(value) <= hi:
            raise ValueError(f"option {name!r}: length must be within {lo}..{hi}")
    elif kind in (INTEGER, NUMBER):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (kind == INTEGER and isinstance(value, float))
        ):
            raise ValueError(f"option {name!r} takes a {'integer' if kind == INTEGER else 'number'}")
        if option.get("min_value") is not None and value < option["min_value"]:
            raise ValueError(f"option {name!r}: below min_value")
        if option.get("max_value") is not None and value > option["max_value"]:
            raise ValueError(f"option {name!r}: above max_value")
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(f"option {name!r} takes a boolean")
    elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
        return _resolve(world, kind, name, value, guild, resolved)
    elif kind == ATTACHMENT:
        return _attach(name, value, uploaded, resolved)
    else:
        raise ValueError(f"option type {kind} is not modelled by the fake")
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"option {name!r}: {value!r} is not one of its choices")
    return value


def _resolve(
    world: World,
    kind: int,
    name: str,
    value: Any,
    guild: FakeGuild | None,
    resolved: dict[str, dict[str, Any]],
) -> str:
    """User/channel/role ids go in the option as strings and their objects in ``resolved``."""
    target = int(getattr(value, "id", value))
    if kind in (USER, MENTIONABLE) and target in world.users:
        resolved.setdefault("users", {})[str(target)] = world.users[target].payload()
        if guild is not None and target in guild.members:
            member = world.member_payload(guild, target, with_permissions=True)
            member.pop("user")
            resolved.setdefault("members", {})[str(target)] = member
        return str(target)
    if kind in (ROLE, MENTIONABLE) and guild is not None and target in guild.roles:
        resolved.setdefault("roles", {})[str(target)] = guild.roles[target].payload()
        return str(target)
    if kind == CHANNEL and target in world.channels:
        channel = world.channels[target]
        resolved.setdefault("channels", {})[str(target)] = {
            "id": str(channel.id),
            "name": channel.name,
            "type": channel.type,
            "permissions": str((1 << 53) - 1),
        }
        return str(target)
    raise ValueError(f"option {name!r}: {value!r} does not resolve to a known user, channel or role")


def _attach(name: str, value: Any, uploaded: Attachments, resolved: dict[str, dict[str, Any]]) -> str:
    """An attachment option: the file's id as a string, its Attachment object in ``resolved.attachments``
    (only an uploaded file: Discord's client fills the option by uploading one)."""
    raw = getattr(value, "id", value)
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise ValueError(f"option {name!r} takes an uploaded attachment (fake.add_attachment)")
    found = uploaded.get(int(raw))
    if found is None:
        raise ValueError(f"option {name!r}: no uploaded attachment {raw}")
    resolved.setdefault("attachments", {})[str(raw)] = dict(found)
    return str(raw)


# ---------------------------------------------------------------------------------------------------
# components and modals
# ---------------------------------------------------------------------------------------------------


def component_data(message: StoredMessage, custom_id: str, values: Sequence[str] | None) -> dict[str, Any]:
    """``data`` of a click on ``custom_id`` on ``message`` (``values`` for a select)."""
    component = message.component(custom_id)
    if component is None:
        raise ValueError(
            f"message {message.id} has no component {custom_id!r}; it has {message.custom_ids()}"
        )
    if component.get("disabled"):
        raise ValueError(f"component {custom_id!r} is disabled: nobody can click it")
    kind = int(component["type"])
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
    if kind == 2:
        if values:
            raise ValueError("a button click carries no values")
        return data
    chosen = list(values or [])
    lo = int(component.get("min_values", 1))
    hi = int(component.get("max_values", 1))
    if not lo <= len(chosen) <= hi:
        raise ValueError(f"select {custom_id!r} takes {lo}..{hi} values, got {len(chosen)}")
    if kind == STRING_SELECT:
        allowed = [o["value"] for o in component.get("options") or []]
        bad = [v for v in chosen if v not in allowed]
        if bad:
            raise ValueError(f"select {custom_id!r} has no option(s) {bad}; it has {allowed}")
    elif kind not in AUTO_SELECTS:
        raise ValueError(f"component type {kind} cannot be clicked")
    data["values"] = chosen
    return data


def modal_submit_data(modal: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` of a modal submit: ``answers`` maps each input's custom_id to its text (or select values)."""
    components: list[dict[str, Any]] = []
    known: list[str] = []
    for item in modal.get("components") or []:
        if item.get("type") == 1:
            child = item["components"][0]
            components.append({"type": 1, "components": [_answer(child, answers)]})
            known.append(child["custom_id"])
        elif item.get("type") == LABEL:
            child = item["component"]
            components.append({"type": LABEL, "component": _answer(child, answers)})
            known.append(child["custom_id"])
    unknown = set(answers) - set(known)
    if unknown:
        raise ValueError(f"modal has no input(s) {sorted(unknown)}; it has {known}")
    return {"custom_id": modal["custom_id"], "components": components}


def _answer(component: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    custom_id = component["custom_id"]
    if component.get("type") == TEXT_INPUT:
        value = answers.get(custom_id, component.get("value") or "")
        if not isinstance(value, str):
            raise ValueError(f"text input {custom_id!r} takes a string")
        if component.get("required", True) and not value:
            raise ValueError(f"text input {custom_id!r} is required")
        lo, hi = int(component.get("min_length") or 0), int(component.get("max_length") or 4000)
        if value and not lo <= len(value) <= hi:
            raise ValueError(f"text input {custom_id!r}: length must be within {lo}..{hi}")
        return {"type": TEXT_INPUT, "custom_id": custom_id, "value": value}
    values = answers.get(custom_id, [])
    if isinstance(values, str):
        values = [values]
    lo = int(component.get("min_values", 1))
    hi = int(component.get("max_values", 1))
    if component.get("required", True) and not lo <= len(values) <= hi:
        raise ValueError(f"select {custom_id!r} takes {lo}..{hi} values")
    if component.get("type") == STRING_SELECT:
        allowed = [o["value"] for o in component.get("options") or []]
        if any(v not in allowed for v in values):
            raise ValueError(f"select {custom_id!r}: values must be among {allowed}")
    return {"type": int(component["type"]), "custom_id": custom_id, "values": list(values)}
