"""Discord's request-body limits, as a pure validator (no I/O, no state).

Every ``validate_*`` function returns a list of ``FieldError``; an empty list means Discord would accept
the body. ``form_error_body`` turns errors into the 400 body Discord sends (code 50035, "Invalid Form
Body", errors nested by JSON path with ``_errors`` leaves), which discord.py flattens into
``HTTPException.text`` as ``In components.0.components.0.label: Must be 80 or fewer in length.``

Limits (Discord developer docs: Message resource, Embed limits, Message components, Interactions,
Application commands): content 2,000; 10 embeds, title 256, description 4,096, 25 fields, field name
256 / value 1,024, footer 2,048, author 256, all embeds together 6,000; 5 action rows, 5 buttons per
row, a select menu alone in its row, button label 80, custom_id 1..100 and unique in the message,
select options 1..25 with label/value/description 100, min/max values 0..25; modal title 45, 1..5
components, text input label 45 and length 0..4,000; commands: names 1..32 lowercase, descriptions
1..100, 25 options, 25 choices, 100 chat-input commands per scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_WIDTH = 5
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
SELECT_VALUES_MAX = 25
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_LENGTH_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
LABEL_DESCRIPTION_MAX = 100
AUTOCOMPLETE_CHOICES_MAX = 25
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
CHAT_INPUT_COMMANDS_MAX = 100
CONTEXT_MENU_COMMANDS_MAX = 5

ACTION_ROW = 1
BUTTON = 2
STRING_SELECT = 3
TEXT_INPUT = 4
AUTO_SELECTS = frozenset({5, 6, 7, 8})  # user, role, mentionable, channel selects
TEXT_DISPLAY = 10
LABEL = 18
LINK_STYLE = 5
PREMIUM_STYLE = 6

EPHEMERAL_FLAG = 1 << 6
SUPPRESS_EMBEDS_FLAG = 1 << 2
SUPPRESS_NOTIFICATIONS_FLAG = 1 << 12
COMPONENTS_V2_FLAG = 1 << 15

# Roughly Discord's `^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$` (Python's \w covers letters and digits).
_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    """One rejected field: its JSON path, Discord's error code and message."""

    path: Path
    code: str
    message: str

    @property
    def dotted(self) -> str:
        """The path as discord.py prints it (``components.0.components.1.label``)."""
        return ".".join(str(p) for p in self.path)


def form_error_body(errors: Iterable[FieldError]) -> dict[str, Any]:
    """Discord's 400 body for ``errors``:
    ``{"code": 50035, "message": "Invalid Form Body", "errors": ...}``."""
    tree: dict[str, Any] = {}
    for error in errors:
        node = tree
        for part in error.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": error.code, "message": error.message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": tree}


# ---------------------------------------------------------------------------------------------------
# small checks
# ---------------------------------------------------------------------------------------------------


def _max_len(value: Any, limit: int, path: Path) -> list[FieldError]:
    if isinstance(value, str) and len(value) > limit:
        return [FieldError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def _bad_len(value: Any, low: int, high: int, path: Path) -> list[FieldError]:
    if value is None:
        return [FieldError(path, "BASE_TYPE_REQUIRED", "This field is required")]
    if not isinstance(value, str | list):
        return [FieldError(path, "BASE_TYPE_BAD_TYPE", "Must be a string or an array.")]
    if not low <= len(value) <= high:
        return [FieldError(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")]
    return []


def _int_range(value: Any, low: int, high: int, path: Path) -> list[FieldError]:
    if value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool):
        return [FieldError(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')]
    if value < low:
        return [FieldError(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}.")]
    if value > high:
        return [FieldError(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}.")]
    return []


def _required(mapping: Mapping[str, Any], key: str, path: Path) -> list[FieldError]:
    if mapping.get(key) in (None, ""):
        return [FieldError((*path, key), "BASE_TYPE_REQUIRED", "This field is required")]
    return []


def _custom_id(component: Mapping[str, Any], path: Path, seen: set[str]) -> list[FieldError]:
    custom_id = component.get("custom_id")
    errors = _bad_len(custom_id, 1, CUSTOM_ID_MAX, (*path, "custom_id"))
    if not errors and isinstance(custom_id, str):
        if custom_id in seen:
            errors.append(
                FieldError(
                    (*path, "custom_id"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            )
        seen.add(custom_id)
    return errors


def _type_choice(path: Path, allowed: Sequence[int]) -> FieldError:
    choices = ", ".join(str(a) for a in allowed)
    return FieldError(path, "UNION_TYPE_CHOICES", f'Value of field "type" must be one of ({choices}).')


# ---------------------------------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------------------------------


def is_empty_message(payload: Mapping[str, Any], file_count: int = 0) -> bool:
    """True when a new message has nothing to show (Discord answers 400, code 50006)."""
    return not (
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or payload.get("attachments")
        or file_count
    )


def validate_message(payload: Mapping[str, Any]) -> list[FieldError]:
    """Errors in a message body (create or edit; absent fields are not checked)."""
    errors: list[FieldError] = []
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors.append(FieldError(("content",), "BASE_TYPE_BAD_TYPE", "Must be a string."))
    errors += _max_len(content, CONTENT_MAX, ("content",))
    embeds = payload.get("embeds")
    if embeds is not None:
        errors += validate_embeds(embeds)
    components = payload.get("components")
    if components is not None:
        if int(payload.get("flags") or 0) & COMPONENTS_V2_FLAG:
            errors.append(
                FieldError(("flags",), "UNSUPPORTED_BY_FAKE", "Components V2 are not modelled by the fake.")
            )
        else:
            errors += validate_components(components)
    mentions = payload.get("allowed_mentions")
    if mentions is not None:
        errors += validate_allowed_mentions(mentions)
    return errors


def embed_length(embed: Mapping[str, Any]) -> int:
    """The characters of ``embed`` that count toward Discord's 6,000 total."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for field in embed.get("fields") or []:
        total += len(field.get("name") or "") + len(field.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def validate_embeds(embeds: Any) -> list[FieldError]:
    """Errors in a message's ``embeds`` array."""
    if not isinstance(embeds, list):
        return [FieldError(("embeds",), "BASE_TYPE_BAD_TYPE", "Must be an array.")]
    errors: list[FieldError] = []
    if len(embeds) > EMBEDS_MAX:
        errors.append(
            FieldError(("embeds",), "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
        )
    total = 0
    for i, embed in enumerate(embeds):
        path: Path = ("embeds", i)
        if not isinstance(embed, Mapping):
            errors.append(
                FieldError(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            )
            continue
        errors += _max_len(embed.get("title"), EMBED_TITLE_MAX, (*path, "title"))
        errors += _max_len(embed.get("description"), EMBED_DESCRIPTION_MAX, (*path, "description"))
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errors.append(
                FieldError(
                    (*path, "fields"),
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {EMBED_FIELDS_MAX} or fewer in length.",
                )
            )
        for j, field in enumerate(fields):
            fpath: Path = (*path, "fields", j)
            errors += _required(field, "name", fpath) + _required(field, "value", fpath)
            errors += _max_len(field.get("name"), EMBED_FIELD_NAME_MAX, (*fpath, "name"))
            errors += _max_len(field.get("value"), EMBED_FIELD_VALUE_MAX, (*fpath, "value"))
        footer = embed.get("footer")
        if footer is not None:
            errors += _max_len(footer.get("text"), EMBED_FOOTER_MAX, (*path, "footer", "text"))
        author = embed.get("author")
        if author is not None:
            errors += _max_len(author.get("name"), EMBED_AUTHOR_MAX, (*path, "author", "name"))
        total += embed_length(embed)
    if total > EMBED_TOTAL_MAX:
        errors.append(
            FieldError(
                ("embeds",),
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
            )
        )
    return errors


def validate_components(components: Any, path: Path = ("components",)) -> list[FieldError]:
    """Errors in a message's classic ``components`` (action rows of buttons or one select)."""
    if not isinstance(components, list):
        return [FieldError(path, "BASE_TYPE_BAD_TYPE", "Must be an array.")]
    errors: list[FieldError] = []
    if len(components) > ACTION_ROWS_MAX:
        errors.append(
            FieldError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {ACTION_ROWS_MAX} or fewer in length.")
        )
    seen: set[str] = set()
    for i, row in enumerate(components):
        rpath: Path = (*path, i)
        if not isinstance(row, Mapping) or row.get("type") != ACTION_ROW:
            errors.append(_type_choice((*rpath, "type"), [ACTION_ROW]))
            continue
        children = row.get("components")
        if not isinstance(children, list) or not children:
            errors += _bad_len(
                children if isinstance(children, list) else None, 1, ROW_WIDTH, (*rpath, "components")
            )
            continue
        if len(children) > ROW_WIDTH:
            errors.append(
                FieldError(
                    (*rpath, "components"), "BASE_TYPE_MAX_LENGTH", f"Must be {ROW_WIDTH} or fewer in length."
                )
            )
        has_select = any(isinstance(c, Mapping) and c.get("type") != BUTTON for c in children)
        if has_select and len(children) > 1:
            errors.append(
                FieldError(
                    (*rpath, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            )
        for j, child in enumerate(children):
            cpath: Path = (*rpath, "components", j)
            if not isinstance(child, Mapping):
                errors.append(_type_choice((*cpath, "type"), [BUTTON, STRING_SELECT, *sorted(AUTO_SELECTS)]))
            elif child.get("type") == BUTTON:
                errors += validate_button(child, cpath, seen)
            elif child.get("type") == STRING_SELECT or child.get("type") in AUTO_SELECTS:
                errors += validate_select(child, cpath, seen)
            else:
                errors.append(_type_choice((*cpath, "type"), [BUTTON, STRING_SELECT, *sorted(AUTO_SELECTS)]))
    return errors


def validate_button(button: Mapping[str, Any], path: Path, seen: set[str]) -> list[FieldError]:
    """Errors in one button (``seen`` collects the message's custom ids)."""
    errors: list[FieldError] = []
    style = button.get("style")
    if style not in (1, 2, 3, 4, LINK_STYLE, PREMIUM_STYLE):
        errors.append(
            FieldError((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
        )
    label = button.get("label")
    errors += _max_len(label, BUTTON_LABEL_MAX, (*path, "label"))
    if style == LINK_STYLE:
        errors += _required(button, "url", path)
        if button.get("custom_id") is not None:
            errors.append(
                FieldError(
                    (*path, "custom_id"),
                    "BUTTON_COMPONENT_LINK_CUSTOM_ID",
                    "A link button cannot have a custom id",
                )
            )
        errors += _max_len(button.get("url"), 512, (*path, "url"))
    elif style == PREMIUM_STYLE:
        errors += _required(button, "sku_id", path)
    else:
        if button.get("url") is not None:
            errors.append(
                FieldError((*path, "url"), "BUTTON_COMPONENT_URL_NOT_ALLOWED", "Only link buttons take a url")
            )
        errors += _custom_id(button, path, seen)
    if style != PREMIUM_STYLE and not label and not button.get("emoji"):
        errors.append(
            FieldError((*path, "label"), "BUTTON_COMPONENT_LABEL_REQUIRED", "A button needs a label or emoji")
        )
    return errors


def validate_select(select: Mapping[str, Any], path: Path, seen: set[str]) -> list[FieldError]:
    """Errors in one select menu (string select with options, or a user/role/mentionable/channel select)."""
    errors = _custom_id(select, path, seen)
    errors += _max_len(select.get("placeholder"), SELECT_PLACEHOLDER_MAX, (*path, "placeholder"))
    min_values = select.get("min_values")
    max_values = select.get("max_values")
    errors += _int_range(min_values, 0, SELECT_VALUES_MAX, (*path, "min_values"))
    errors += _int_range(max_values, 1, SELECT_VALUES_MAX, (*path, "max_values"))
    lo = min_values if isinstance(min_values, int) else 1
    hi = max_values if isinstance(max_values, int) else 1
    if lo > hi:
        errors.append(
            FieldError(
                (*path, "min_values"),
                "SELECT_COMPONENT_MIN_VALUES_GREATER",
                "min_values must be <= max_values",
            )
        )
    if select.get("type") != STRING_SELECT:
        if select.get("options") is not None:
            errors.append(
                FieldError((*path, "options"), "BASE_TYPE_NOT_ALLOWED", "Only string selects have options")
            )
        return errors
    options = select.get("options")
    bad = _bad_len(options, 1, SELECT_OPTIONS_MAX, (*path, "options"))
    if bad:
        return errors + bad
    assert isinstance(options, list)
    if hi > len(options):
        errors.append(
            FieldError(
                (*path, "max_values"),
                "NUMBER_TYPE_MAX",
                f"int value should be less than or equal to {len(options)}.",
            )
        )
    values: set[str] = set()
    defaults = 0
    for k, option in enumerate(options):
        opath: Path = (*path, "options", k)
        errors += _bad_len(option.get("label"), 1, SELECT_OPTION_TEXT_MAX, (*opath, "label"))
        errors += _bad_len(option.get("value"), 1, SELECT_OPTION_TEXT_MAX, (*opath, "value"))
        errors += _max_len(option.get("description"), SELECT_OPTION_TEXT_MAX, (*opath, "description"))
        value = option.get("value")
        if isinstance(value, str):
            if value in values:
                errors.append(
                    FieldError(
                        (*opath, "value"),
                        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                        "Select component option values cannot be duplicated",
                    )
                )
            values.add(value)
        defaults += bool(option.get("default"))
    if defaults > hi:
        errors.append(
            FieldError(
                (*path, "options"),
                "SELECT_COMPONENT_TOO_MANY_DEFAULT_VALUES",
                "The number of default options exceeds max_values",
            )
        )
    return errors


def validate_allowed_mentions(mentions: Any) -> list[FieldError]:
    """Errors in ``allowed_mentions`` (``parse`` values, and ``parse`` vs explicit id lists)."""
    path: Path = ("allowed_mentions",)
    if not isinstance(mentions, Mapping):
        return [FieldError(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")]
    errors: list[FieldError] = []
    parse = mentions.get("parse") or []
    for i, value in enumerate(parse):
        if value not in ("roles", "users", "everyone"):
            errors.append(
                FieldError(
                    (*path, "parse", i),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of ('roles', 'users', 'everyone').",
                )
            )
    for kind in ("users", "roles"):
        ids = mentions.get(kind)
        if ids and kind in parse:
            errors.append(
                FieldError(
                    (*path, kind),
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
            )
        if ids is not None and len(ids) > 100:
            errors.append(
                FieldError((*path, kind), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
            )
    return errors


# ---------------------------------------------------------------------------------------------------
# modals and autocomplete
# ---------------------------------------------------------------------------------------------------


def validate_modal(data: Any) -> list[FieldError]:
    """Errors in a modal (interaction callback type 9 ``data``)."""
    if not isinstance(data, Mapping):
        return [FieldError(("data",), "BASE_TYPE_REQUIRED", "This field is required")]
    errors = _bad_len(data.get("title"), 1, MODAL_TITLE_MAX, ("title",))
    seen: set[str] = set()
    errors += _custom_id(data, (), seen)
    seen.clear()
    components = data.get("components")
    bad = _bad_len(components, 1, MODAL_COMPONENTS_MAX, ("components",))
    if bad:
        return errors + bad
    assert isinstance(components, list)
    for i, item in enumerate(components):
        path: Path = ("components", i)
        kind = item.get("type") if isinstance(item, Mapping) else None
        if kind == ACTION_ROW:
            children = item.get("components")
            if not isinstance(children, list) or len(children) != 1:
                errors.append(
                    FieldError(
                        (*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1 in length."
                    )
                )
                continue
            child = children[0]
            cpath: Path = (*path, "components", 0)
            if child.get("type") != TEXT_INPUT:
                errors.append(_type_choice((*cpath, "type"), [TEXT_INPUT]))
                continue
            errors += validate_text_input(child, cpath, seen, labelled=False)
        elif kind == LABEL:
            errors += _bad_len(item.get("label"), 1, TEXT_INPUT_LABEL_MAX, (*path, "label"))
            errors += _max_len(item.get("description"), LABEL_DESCRIPTION_MAX, (*path, "description"))
            child = item.get("component")
            cpath = (*path, "component")
            if not isinstance(child, Mapping):
                errors.append(FieldError(cpath, "BASE_TYPE_REQUIRED", "This field is required"))
            elif child.get("type") == TEXT_INPUT:
                errors += validate_text_input(child, cpath, seen, labelled=True)
            elif child.get("type") == STRING_SELECT or child.get("type") in AUTO_SELECTS:
                errors += validate_select(child, cpath, seen)
            else:
                errors.append(
                    _type_choice((*cpath, "type"), [TEXT_INPUT, STRING_SELECT, *sorted(AUTO_SELECTS)])
                )
        elif kind == TEXT_DISPLAY:
            errors += _bad_len(item.get("content"), 1, TEXT_INPUT_LENGTH_MAX, (*path, "content"))
        else:
            errors.append(_type_choice((*path, "type"), [ACTION_ROW, TEXT_DISPLAY, LABEL]))
    return errors


def validate_text_input(
    text_input: Mapping[str, Any], path: Path, seen: set[str], *, labelled: bool
) -> list[FieldError]:
    """Errors in one text input (inside an action row it needs its own label; inside a Label it has none)."""
    errors = _custom_id(text_input, path, seen)
    if text_input.get("style") not in (1, 2):
        errors.append(FieldError((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of (1, 2)."))
    if labelled:
        if text_input.get("label") is not None:
            errors.append(
                FieldError((*path, "label"), "BASE_TYPE_NOT_ALLOWED", "Text inputs in a Label have no label")
            )
    else:
        errors += _bad_len(text_input.get("label"), 1, TEXT_INPUT_LABEL_MAX, (*path, "label"))
    min_length = text_input.get("min_length")
    max_length = text_input.get("max_length")
    errors += _int_range(min_length, 0, TEXT_INPUT_LENGTH_MAX, (*path, "min_length"))
    errors += _int_range(max_length, 1, TEXT_INPUT_LENGTH_MAX, (*path, "max_length"))
    if isinstance(min_length, int) and isinstance(max_length, int) and min_length > max_length:
        errors.append(
            FieldError(
                (*path, "min_length"), "TEXT_INPUT_MIN_GREATER_THAN_MAX", "min_length must be <= max_length"
            )
        )
    errors += _max_len(text_input.get("value"), TEXT_INPUT_LENGTH_MAX, (*path, "value"))
    errors += _max_len(text_input.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX, (*path, "placeholder"))
    return errors


def validate_autocomplete(data: Any) -> list[FieldError]:
    """Errors in an autocomplete result (callback type 8 ``data``: up to 25 choices)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("choices"), list):
        return [FieldError(("choices",), "BASE_TYPE_REQUIRED", "This field is required")]
    choices = data["choices"]
    errors: list[FieldError] = []
    if len(choices) > AUTOCOMPLETE_CHOICES_MAX:
        errors.append(
            FieldError(
                ("choices",),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {AUTOCOMPLETE_CHOICES_MAX} or fewer in length.",
            )
        )
    for i, choice in enumerate(choices):
        errors += _choice(choice, ("choices", i))
    return errors


def _choice(choice: Any, path: Path) -> list[FieldError]:
    if not isinstance(choice, Mapping):
        return [FieldError(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")]
    errors = _bad_len(choice.get("name"), 1, CHOICE_NAME_MAX, (*path, "name"))
    value = choice.get("value")
    if value is None:
        errors.append(FieldError((*path, "value"), "BASE_TYPE_REQUIRED", "This field is required"))
    errors += _max_len(value, CHOICE_STRING_VALUE_MAX, (*path, "value"))
    return errors


# ---------------------------------------------------------------------------------------------------
# application commands
# ---------------------------------------------------------------------------------------------------


def validate_commands(commands: Any) -> list[FieldError]:
    """Errors in a bulk-overwrite body (``PUT .../commands``): each command, unique names, and
    per-scope counts."""
    if not isinstance(commands, list):
        return [FieldError((), "BASE_TYPE_BAD_TYPE", "Must be an array.")]
    errors: list[FieldError] = []
    names: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    for i, command in enumerate(commands):
        errors += [FieldError((i, *e.path), e.code, e.message) for e in validate_command(command)]
        if isinstance(command, Mapping):
            kind = int(command.get("type") or 1)
            counts[kind] = counts.get(kind, 0) + 1
            key = (kind, str(command.get("name")))
            if key in names:
                errors.append(
                    FieldError(
                        (i, "name"),
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        "Application command names must be unique",
                    )
                )
            names.add(key)
    if counts.get(1, 0) > CHAT_INPUT_COMMANDS_MAX:
        errors.append(
            FieldError((), "BASE_TYPE_MAX_LENGTH", f"Must be {CHAT_INPUT_COMMANDS_MAX} or fewer in length.")
        )
    for kind in (2, 3):
        if counts.get(kind, 0) > CONTEXT_MENU_COMMANDS_MAX:
            errors.append(
                FieldError(
                    (), "APPLICATION_COMMAND_TOO_MANY", "Maximum number of context menu commands reached (5)"
                )
            )
    return errors


def validate_command(command: Any) -> list[FieldError]:
    """Errors in one application command (chat input, user or message)."""
    if not isinstance(command, Mapping):
        return [FieldError((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")]
    kind = int(command.get("type") or 1)
    if kind not in (1, 2, 3, 4):
        return [FieldError(("type",), "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")]
    name = command.get("name")
    errors: list[FieldError] = []
    if kind == 1:
        errors += _option_name(name, ("name",))
        errors += _bad_len(command.get("description"), 1, COMMAND_DESCRIPTION_MAX, ("description",))
        errors += _options(command.get("options"), ("options",), depth=0)
    else:
        errors += _bad_len(name, 1, COMMAND_NAME_MAX, ("name",))
        if command.get("description"):
            errors.append(
                FieldError(
                    ("description",),
                    "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED",
                    "Context menus have no description",
                )
            )
        if command.get("options"):
            errors.append(FieldError(("options",), "BASE_TYPE_NOT_ALLOWED", "Context menus have no options"))
    return errors


def _option_name(name: Any, path: Path) -> list[FieldError]:
    errors = _bad_len(name, 1, COMMAND_NAME_MAX, path)
    if errors:
        return errors
    assert isinstance(name, str)
    if not _COMMAND_NAME.match(name) or name != name.lower():
        return [FieldError(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")]
    return []


def _options(options: Any, path: Path, depth: int) -> list[FieldError]:
    if options is None:
        return []
    if not isinstance(options, list):
        return [FieldError(path, "BASE_TYPE_BAD_TYPE", "Must be an array.")]
    errors: list[FieldError] = []
    if len(options) > COMMAND_OPTIONS_MAX:
        errors.append(
            FieldError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {COMMAND_OPTIONS_MAX} or fewer in length.")
        )
    seen_optional = False
    names: set[str] = set()
    kinds = [o.get("type") for o in options if isinstance(o, Mapping)]
    has_sub = any(k in (1, 2) for k in kinds)
    if has_sub and any(k not in (1, 2) for k in kinds):
        errors.append(
            FieldError(
                path,
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Subcommands cannot be mixed with other options",
            )
        )
    for i, option in enumerate(options):
        opath: Path = (*path, i)
        if not isinstance(option, Mapping):
            errors.append(
                FieldError(opath, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            )
            continue
        kind = option.get("type")
        if kind not in range(1, 12):
            errors.append(FieldError((*opath, "type"), "BASE_TYPE_CHOICES", "Value must be one of (1..11)."))
            continue
        errors += _option_name(option.get("name"), (*opath, "name"))
        errors += _bad_len(option.get("description"), 1, COMMAND_DESCRIPTION_MAX, (*opath, "description"))
        name = option.get("name")
        if isinstance(name, str):
            if name in names:
                errors.append(
                    FieldError(
                        (*opath, "name"),
                        "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                        "Option names must be unique",
                    )
                )
            names.add(name)
        if kind == 2:  # subcommand group: only at top level, holds subcommands
            if depth > 0:
                errors.append(
                    FieldError(
                        (*opath, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Groups nest once"
                    )
                )
            sub = option.get("options") or []
            if any(not isinstance(s, Mapping) or s.get("type") != 1 for s in sub):
                errors.append(
                    FieldError(
                        (*opath, "options"),
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                        "Groups hold subcommands only",
                    )
                )
            errors += _options(sub, (*opath, "options"), depth + 1)
        elif kind == 1:
            sub = option.get("options") or []
            if any(isinstance(s, Mapping) and s.get("type") in (1, 2) for s in sub):
                errors.append(
                    FieldError(
                        (*opath, "options"),
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                        "Subcommands do not nest",
                    )
                )
            errors += _options(sub, (*opath, "options"), depth + 1)
        else:
            if option.get("required"):
                if seen_optional:
                    errors.append(
                        FieldError(
                            (*opath, "required"),
                            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                            "Required options must be placed before non-required options",
                        )
                    )
            else:
                seen_optional = True
            choices = option.get("choices")
            if choices is not None:
                if len(choices) > COMMAND_CHOICES_MAX:
                    errors.append(
                        FieldError(
                            (*opath, "choices"),
                            "BASE_TYPE_MAX_LENGTH",
                            f"Must be {COMMAND_CHOICES_MAX} or fewer in length.",
                        )
                    )
                for k, choice in enumerate(choices):
                    errors += _choice(choice, (*opath, "choices", k))
                if option.get("autocomplete") and choices:
                    errors.append(
                        FieldError(
                            (*opath, "autocomplete"),
                            "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
                            "Autocomplete cannot be set with choices",
                        )
                    )
            errors += _int_range(option.get("min_length"), 0, 6000, (*opath, "min_length"))
            errors += _int_range(option.get("max_length"), 1, 6000, (*opath, "max_length"))
    return errors
