"""Block Kit limits as Slack enforces them: a pure validator (no I/O) used by the fake Web API.

Each check returns a list of problems, each ending in a JSON pointer the way Slack's ``invalid_blocks``
and ``invalid_arguments`` errors do (``must be at most 75 characters [json-pointer:/blocks/0/...]``).
An empty list means Slack would accept the payload. Limits follow Slack's Block Kit reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

Surface = Literal["message", "modal"]

MAX_BLOCKS: dict[Surface, int] = {"message": 50, "modal": 100}
MAX_MESSAGE_TEXT = 40_000
MAX_ID = 255
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
SELECT_OPTIONS_MAX = 100
CHECKBOX_OPTIONS_MAX = 10
RADIO_OPTIONS_MAX = 10
OVERFLOW_OPTIONS_MAX = 5
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
PLACEHOLDER_MAX = 150
INPUT_LENGTH_MAX = 3000
LABEL_MAX = 2000
ALT_TEXT_MAX = 2000
MODAL_TITLE_MAX = 24
MODAL_BUTTON_MAX = 24
PRIVATE_METADATA_MAX = 3000
FILE_INPUT_MAX_FILES = 10

_SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
_MULTI_SELECTS = {"multi_" + name for name in _SELECTS}
_PICKERS = {"datepicker", "timepicker", "datetimepicker"}
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
_ACTIONS_ELEMENTS = (
    {"button", "overflow", "checkboxes", "radio_buttons"} | _SELECTS | _MULTI_SELECTS | _PICKERS
)
_ACCESSORIES = (
    {"button", "overflow", "checkboxes", "radio_buttons", "image"} | _SELECTS | _MULTI_SELECTS | _PICKERS
)
_INPUT_ELEMENTS = (
    {"checkboxes", "radio_buttons", "file_input"} | _SELECTS | _MULTI_SELECTS | _PICKERS | _TEXT_INPUTS
)
_BLOCK_TYPES = {"section", "header", "actions", "context", "divider", "image", "input", "rich_text", "file"}


class _Checker:
    """Collects problems while walking one payload."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def string(self, value: object, pointer: str, max_len: int, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.fail(pointer, "missing required field")
            return
        if not isinstance(value, str):
            self.fail(pointer, "must be a string")
        elif len(value) > max_len:
            self.fail(pointer, f"must be at most {max_len} characters")
        elif required and not value:
            self.fail(pointer, "must be at least 1 character")

    def identifier(self, obj: Mapping[str, Any], key: str, pointer: str) -> None:
        if key in obj:
            self.string(obj[key], f"{pointer}/{key}", MAX_ID)

    def text(self, obj: object, pointer: str, max_len: int, *, plain_only: bool = False) -> None:
        """A composition text object: ``{"type": "plain_text"|"mrkdwn", "text": ...}``."""
        if not isinstance(obj, Mapping):
            self.fail(pointer, "must be a text object")
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.fail(f"{pointer}/type", f"must be one of {', '.join(allowed)}")
            return
        self.string(obj.get("text"), f"{pointer}/text", max_len)
        extra = {"emoji"} if kind == "plain_text" else {"verbatim"}
        for key, value in obj.items():
            if key in ("type", "text"):
                continue
            if key not in extra:
                self.fail(f"{pointer}/{key}", f"unexpected field for {kind}")
            elif not isinstance(value, bool):
                self.fail(f"{pointer}/{key}", "must be a boolean")

    def items(self, value: object, pointer: str, low: int, high: int) -> list[Any]:
        """A list of ``low``..``high`` items; returns it (or [] when not a list)."""
        if not isinstance(value, list):
            self.fail(pointer, "must be an array")
            return []
        if len(value) < low:
            self.fail(pointer, f"must provide at least {low} items")
        if len(value) > high:
            self.fail(pointer, f"must provide at most {high} items")
        return value


def _option(c: _Checker, option: object, pointer: str, *, plain_only: bool) -> None:
    if not isinstance(option, Mapping):
        c.fail(pointer, "must be an option object")
        return
    c.text(option.get("text"), f"{pointer}/text", OPTION_TEXT_MAX, plain_only=plain_only)
    c.string(option.get("value"), f"{pointer}/value", OPTION_VALUE_MAX)
    if "description" in option:
        c.text(option["description"], f"{pointer}/description", OPTION_TEXT_MAX, plain_only=plain_only)
    if "url" in option:
        c.string(option["url"], f"{pointer}/url", URL_MAX)


def _options(
    c: _Checker, element: Mapping[str, Any], pointer: str, high: int, *, plain_only: bool, low: int = 1
) -> list[Any]:
    options = c.items(element.get("options"), f"{pointer}/options", low, high)
    for i, option in enumerate(options):
        _option(c, option, f"{pointer}/options/{i}", plain_only=plain_only)
    return options


def _initial_options(c: _Checker, element: Mapping[str, Any], options: Sequence[Any], pointer: str) -> None:
    """initial_option / initial_options must be among the element's options."""
    values = {o.get("value") for o in options if isinstance(o, Mapping)}
    chosen: list[Any] = []
    if "initial_option" in element:
        chosen.append(element["initial_option"])
    if "initial_options" in element:
        chosen.extend(c.items(element["initial_options"], f"{pointer}/initial_options", 0, len(options)))
    for option in chosen:
        if not isinstance(option, Mapping) or option.get("value") not in values:
            c.fail(f"{pointer}/initial_option", "must match one of the provided options")


def _confirm(c: _Checker, element: Mapping[str, Any], pointer: str) -> None:
    confirm = element.get("confirm")
    if confirm is None:
        return
    if not isinstance(confirm, Mapping):
        c.fail(f"{pointer}/confirm", "must be a confirmation dialog object")
        return
    c.text(confirm.get("title"), f"{pointer}/confirm/title", 100, plain_only=True)
    c.text(confirm.get("text"), f"{pointer}/confirm/text", 300)
    c.text(confirm.get("confirm"), f"{pointer}/confirm/confirm", 30, plain_only=True)
    c.text(confirm.get("deny"), f"{pointer}/confirm/deny", 30, plain_only=True)


def _button(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    c.text(e.get("text"), f"{p}/text", BUTTON_TEXT_MAX, plain_only=True)
    if "value" in e:
        c.string(e["value"], f"{p}/value", BUTTON_VALUE_MAX)
    if "url" in e:
        c.string(e["url"], f"{p}/url", URL_MAX)
    if "style" in e and e["style"] not in ("primary", "danger"):
        c.fail(f"{p}/style", "must be one of primary, danger")


def _placeholder(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    if "placeholder" in e:
        c.text(e["placeholder"], f"{p}/placeholder", PLACEHOLDER_MAX, plain_only=True)


def _select(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    _placeholder(c, e, p)
    if e.get("type") not in ("static_select", "multi_static_select"):
        return
    if "option_groups" in e:
        groups = c.items(e["option_groups"], f"{p}/option_groups", 1, SELECT_OPTIONS_MAX)
        options: list[Any] = []
        for i, group in enumerate(groups):
            gp = f"{p}/option_groups/{i}"
            if not isinstance(group, Mapping):
                c.fail(gp, "must be an option group object")
                continue
            c.text(group.get("label"), f"{gp}/label", OPTION_TEXT_MAX, plain_only=True)
            options += _options(c, group, gp, SELECT_OPTIONS_MAX, plain_only=True)
        if "options" in e:
            c.fail(f"{p}/options", "cannot be used together with option_groups")
    else:
        options = _options(c, e, p, SELECT_OPTIONS_MAX, plain_only=True)
    _initial_options(c, e, options, p)
    if "max_selected_items" in e and not (
        isinstance(e["max_selected_items"], int) and e["max_selected_items"] >= 1
    ):
        c.fail(f"{p}/max_selected_items", "must be an integer of at least 1")


def _checkboxes(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    _initial_options(c, e, _options(c, e, p, CHECKBOX_OPTIONS_MAX, plain_only=False), p)


def _radio_buttons(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    _initial_options(c, e, _options(c, e, p, RADIO_OPTIONS_MAX, plain_only=False), p)


def _overflow(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    _options(c, e, p, OVERFLOW_OPTIONS_MAX, plain_only=True)


def _text_input(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    _placeholder(c, e, p)
    lengths: dict[str, int] = {}
    for key in ("min_length", "max_length"):
        if key not in e:
            continue
        value = e[key]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= INPUT_LENGTH_MAX:
            c.fail(f"{p}/{key}", f"must be an integer between 0 and {INPUT_LENGTH_MAX}")
        else:
            lengths[key] = value
    if "max_length" in lengths and lengths["max_length"] < 1:
        c.fail(f"{p}/max_length", "must be at least 1")
    if lengths.get("min_length", 0) > lengths.get("max_length", INPUT_LENGTH_MAX):
        c.fail(f"{p}/min_length", "must not be greater than max_length")
    if "initial_value" in e and e.get("type") == "plain_text_input":
        c.string(
            e["initial_value"],
            f"{p}/initial_value",
            lengths.get("max_length", INPUT_LENGTH_MAX),
            required=False,
        )


def _file_input(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    """``file_input`` (input blocks only): ``filetypes`` a list of extensions, ``max_files`` 1..10."""
    if "filetypes" in e:
        filetypes = e["filetypes"]
        if not isinstance(filetypes, list) or not all(isinstance(t, str) and t for t in filetypes):
            c.fail(f"{p}/filetypes", "must be an array of file extensions")
    if "max_files" in e:
        value = e["max_files"]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= FILE_INPUT_MAX_FILES:
            c.fail(f"{p}/max_files", f"must be an integer between 1 and {FILE_INPUT_MAX_FILES}")
    for key in e:
        if key not in ("type", "action_id", "filetypes", "max_files"):
            c.fail(f"{p}/{key}", "unexpected field for file_input")


def _image_element(c: _Checker, e: Mapping[str, Any], p: str) -> None:
    if "slack_file" not in e:
        c.string(e.get("image_url"), f"{p}/image_url", URL_MAX)
    c.string(e.get("alt_text"), f"{p}/alt_text", ALT_TEXT_MAX)


_ELEMENT_CHECKS: dict[str, Callable[[_Checker, Mapping[str, Any], str], None]] = {
    "button": _button,
    "checkboxes": _checkboxes,
    "radio_buttons": _radio_buttons,
    "overflow": _overflow,
    "image": _image_element,
    "file_input": _file_input,
    **{name: _select for name in _SELECTS | _MULTI_SELECTS},
    **{name: _text_input for name in _TEXT_INPUTS},
    **{name: _placeholder for name in _PICKERS},
}


def _element(c: _Checker, element: object, pointer: str, allowed: set[str]) -> str | None:
    """Check one block element; returns its action_id (if any)."""
    if not isinstance(element, Mapping):
        c.fail(pointer, "must be an element object")
        return None
    kind = element.get("type")
    if kind not in allowed:
        c.fail(f"{pointer}/type", f"element type {kind!r} is not allowed here")
        return None
    c.identifier(element, "action_id", pointer)
    _ELEMENT_CHECKS[str(kind)](c, element, pointer)
    _confirm(c, element, pointer)
    action_id = element.get("action_id")
    return action_id if isinstance(action_id, str) else None


def _section(c: _Checker, b: Mapping[str, Any], p: str) -> list[str | None]:
    if "text" not in b and "fields" not in b:
        c.fail(p, "must provide text or fields")
    if "text" in b:
        c.text(b["text"], f"{p}/text", SECTION_TEXT_MAX)
    if "fields" in b:
        for i, field in enumerate(c.items(b["fields"], f"{p}/fields", 1, SECTION_FIELDS_MAX)):
            c.text(field, f"{p}/fields/{i}", SECTION_FIELD_TEXT_MAX)
    if "accessory" in b:
        return [_element(c, b["accessory"], f"{p}/accessory", _ACCESSORIES)]
    return []


def _header(c: _Checker, b: Mapping[str, Any], p: str) -> list[str | None]:
    c.text(b.get("text"), f"{p}/text", HEADER_TEXT_MAX, plain_only=True)
    return []


def _actions(c: _Checker, b: Mapping[str, Any], p: str) -> list[str | None]:
    elements = c.items(b.get("elements"), f"{p}/elements", 1, ACTIONS_ELEMENTS_MAX)
    return [_element(c, e, f"{p}/elements/{i}", _ACTIONS_ELEMENTS) for i, e in enumerate(elements)]


def _context(c: _Checker, b: Mapping[str, Any], p: str) -> list[str | None]:
    for i, e in enumerate(c.items(b.get("elements"), f"{p}/elements", 1, CONTEXT_ELEMENTS_MAX)):
        ep = f"{p}/elements/{i}"
        if isinstance(e, Mapping) and e.get("type") == "image":
            _image_element(c, e, ep)
        else:
            c.text(e, ep, SECTION_TEXT_MAX)
    return []


def _image_block(c: _Checker, b: Mapping[str, Any], p: str) -> list[str | None]:
    _image_element(c, b, p)
    if "title" in b:
        c.text(b["title"], f"{p}/title", LABEL_MAX, plain_only=True)
    return []


def _input(c: _Checker, b: Mapping[str, Any], p: str) -> list[str | None]:
    c.text(b.get("label"), f"{p}/label", LABEL_MAX, plain_only=True)
    if "hint" in b:
        c.text(b["hint"], f"{p}/hint", LABEL_MAX, plain_only=True)
    if "element" not in b:
        c.fail(f"{p}/element", "missing required field")
        return []
    return [_element(c, b["element"], f"{p}/element", _INPUT_ELEMENTS)]


def _no_checks(c: _Checker, b: Mapping[str, Any], p: str) -> list[str | None]:
    return []


_BLOCK_CHECKS: dict[str, Callable[[_Checker, Mapping[str, Any], str], list[str | None]]] = {
    "section": _section,
    "header": _header,
    "actions": _actions,
    "context": _context,
    "divider": _no_checks,
    "image": _image_block,
    "input": _input,
    "rich_text": _no_checks,
    "file": _no_checks,
}


def _blocks(c: _Checker, blocks: object, surface: Surface, pointer: str) -> None:
    items = c.items(blocks, pointer, 0, MAX_BLOCKS[surface])
    block_ids: set[str] = set()
    for i, block in enumerate(items):
        bp = f"{pointer}/{i}"
        if not isinstance(block, Mapping):
            c.fail(bp, "must be a block object")
            continue
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            c.fail(f"{bp}/type", f"unsupported block type {kind!r}")
            continue
        c.identifier(block, "block_id", bp)
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                c.fail(f"{bp}/block_id", f"duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        action_ids = [a for a in _BLOCK_CHECKS[str(kind)](c, block, bp) if a is not None]
        for action_id in {a for a in action_ids if action_ids.count(a) > 1}:
            c.fail(bp, f"duplicate action_id {action_id!r} in one block")


def validate_blocks(blocks: object, surface: Surface = "message") -> list[str]:
    """Problems Slack would report for ``blocks`` on a message (50 blocks) or a modal (100 blocks)."""
    checker = _Checker()
    _blocks(checker, blocks, surface, "/blocks")
    return checker.errors


def validate_view(view: object) -> list[str]:
    """Problems Slack would report for a modal view passed to views.open / views.update / views.push."""
    c = _Checker()
    if not isinstance(view, Mapping):
        c.fail("/view", "must be a view object")
        return c.errors
    if view.get("type") != "modal":
        c.fail("/view/type", "must be modal")
    c.text(view.get("title"), "/view/title", MODAL_TITLE_MAX, plain_only=True)
    for key in ("submit", "close"):
        if key in view:
            c.text(view[key], f"/view/{key}", MODAL_BUTTON_MAX, plain_only=True)
    for key, limit in (
        ("callback_id", MAX_ID),
        ("external_id", MAX_ID),
        ("private_metadata", PRIVATE_METADATA_MAX),
    ):
        if key in view:
            c.string(view[key], f"/view/{key}", limit, required=False)
    blocks = view.get("blocks")
    _blocks(c, blocks, "modal", "/view/blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
    )
    if has_input and "submit" not in view:
        c.fail("/view/submit", "is required when the view has input blocks")
    return c.errors


def message_text_too_long(text: object) -> bool:
    """Slack answers ``msg_too_long`` past 40,000 characters of message text."""
    return isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT
