"""Persistent components: ``DynamicItem`` classes matched by custom-id template, the views built from
``render``'s specs, and the "Answer in words" modal.

Persistence: the client registers the four ``DynamicItem`` classes at start-up (``DYNAMIC_ITEMS``), so
discord.py routes any click whose custom id matches a template (``ids``) to a fresh item built from the id
alone, whether the card was posted by this process or by one before a restart. The item calls the client's
``ComponentHandler`` (``client.QuizClient.quiz_handler``), which acknowledges and runs the core.

Modal submissions are routed by the client's ``on_interaction`` from the modal's custom id for the same
reason (discord.py keeps opened modals in memory only), so ``AnswerModal.on_submit`` does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import discord

from adapters.discord import ids
from adapters.discord.render import ButtonSpec, Control, SelectSpec

ANSWER_INPUT = "answer"
MODAL_TITLE = "Your answer"
MAX_ANSWER = 500  # what the core stores of a typed answer
MODAL_TIMEOUT = 900.0  # discord.py forgets an unsubmitted modal after this (the id still routes it)
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


class ComponentHandler(Protocol):
    """What a click on a quiz component calls (implemented by ``client.InteractionRouter``)."""

    async def on_choice(
        self, interaction: discord.Interaction[Any], post_id: int, keys: Sequence[str]
    ) -> None:
        """A choice button clicked, or choices picked in the select menu."""
        ...

    async def on_words(self, interaction: discord.Interaction[Any], post_id: int) -> None:
        """ "Answer in words" clicked: open the modal."""
        ...

    async def on_rate(self, interaction: discord.Interaction[Any], post_id: int, rating: str) -> None:
        """A self-rating button clicked."""
        ...


def handler_of(interaction: discord.Interaction[Any]) -> ComponentHandler:
    """The handler of the client that received ``interaction``."""
    handler = getattr(interaction.client, "quiz_handler", None)
    if handler is None:
        raise RuntimeError("this client has no quiz handler")
    return handler  # type: ignore[no-any-return]


def _post(match: re.Match[str]) -> int:
    return int(match["post"])


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ids.CHOOSE_TEMPLATE):
    """A choice button, labelled with the option key."""

    def __init__(self, post_id: int, key: str, *, label: str | None = None, style: str = "primary") -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label or key,
            style=STYLES.get(style, discord.ButtonStyle.primary),
            custom_id=ids.choose(post_id, key),
        )
        super().__init__(button)
        self.post_id, self.key = post_id, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChoiceButton:
        return cls(_post(match), match["key"], label=getattr(item, "label", None))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction).on_choice(interaction, self.post_id, (self.key,))


class ChoiceSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=ids.PICK_TEMPLATE):
    """The choices as a select menu: the values picked are the answer (one, or several for multi-select)."""

    def __init__(
        self,
        post_id: int,
        options: Sequence[discord.SelectOption],
        *,
        placeholder: str | None = None,
        min_values: int = 1,
        max_values: int = 1,
    ) -> None:
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=ids.pick(post_id),
            options=list(options),
            placeholder=placeholder,
            min_values=min_values,
            max_values=max_values,
        )
        super().__init__(select)
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChoiceSelect:
        options = list(getattr(item, "options", []) or [discord.SelectOption(label="?")])
        return cls(_post(match), options, min_values=getattr(item, "min_values", 1), max_values=len(options))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: Mapping[str, Any] = interaction.data or {}  # type: ignore[assignment]
        values = [str(v) for v in data.get("values") or []]
        await handler_of(interaction).on_choice(interaction, self.post_id, tuple(values))


class WordsButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ids.WORDS_TEMPLATE):
    """ "Answer in words": opens ``AnswerModal``."""

    def __init__(self, post_id: int, *, label: str = "Answer in words") -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, style=discord.ButtonStyle.secondary, custom_id=ids.words(post_id)
        )
        super().__init__(button)
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> WordsButton:
        return cls(_post(match), label=getattr(item, "label", None) or "Answer in words")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction).on_words(interaction, self.post_id)


class RateButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ids.RATE_TEMPLATE):
    """An open question's self-rating button."""

    def __init__(
        self, post_id: int, rating: str, *, label: str | None = None, style: str = "secondary"
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label or rating,
            style=STYLES.get(style, discord.ButtonStyle.secondary),
            custom_id=ids.rate(post_id, rating),
        )
        super().__init__(button)
        self.post_id, self.rating = post_id, rating

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RateButton:
        return cls(_post(match), match["rating"], label=getattr(item, "label", None))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction).on_rate(interaction, self.post_id, self.rating)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ChoiceButton,
    ChoiceSelect,
    WordsButton,
    RateButton,
)


def item_for(control: Control) -> discord.ui.Item[Any]:
    """The persistent item for one rendered control (its custom id says which class)."""
    token = ids.parse(control.custom_id)
    if isinstance(control, SelectSpec):
        if token.intent is not ids.Intent.PICK:
            raise ids.BadCustomId(f"a select menu cannot carry {control.custom_id!r}")
        options = [discord.SelectOption(label=o.label, value=o.value) for o in control.options]
        return ChoiceSelect(
            token.post_id,
            options,
            placeholder=control.placeholder,
            min_values=control.min_values,
            max_values=control.max_values,
        )
    return _button_for(token, control)


def _button_for(token: ids.Token, control: ButtonSpec) -> discord.ui.Item[Any]:
    if token.intent is ids.Intent.CHOOSE:
        return ChoiceButton(token.post_id, token.arg, label=control.label, style=control.style)
    if token.intent is ids.Intent.WORDS:
        return WordsButton(token.post_id, label=control.label)
    if token.intent is ids.Intent.RATE:
        return RateButton(token.post_id, token.arg, label=control.label, style=control.style)
    raise ids.BadCustomId(f"a button cannot carry {control.custom_id!r}")


def build_view(rows: Sequence[Sequence[Control]]) -> discord.ui.View | None:
    """A persistent view (no timeout) holding ``rows``; None when there is nothing to click."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        for control in row:
            item = item_for(control)
            item.row = index
            view.add_item(item)
    return view


class AnswerModal(discord.ui.Modal):
    """The form "Answer in words" opens; its custom id is the post's ``words`` id. Submissions are routed by
    that id in ``client`` (this class only describes the form)."""

    def __init__(self, post_id: int, *, title: str = MODAL_TITLE) -> None:
        super().__init__(title=title, custom_id=ids.words(post_id), timeout=MODAL_TIMEOUT)
        self.post_id = post_id
        self.answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
            label="Your answer",
            custom_id=ANSWER_INPUT,
            style=discord.TextStyle.paragraph,
            required=True,
            max_length=MAX_ANSWER,
            placeholder="Type your answer (for a choice question, the letter works too)",
        )
        self.add_item(self.answer)


def submitted_text(data: Mapping[str, Any], input_id: str = ANSWER_INPUT) -> str | None:
    """The value of text input ``input_id`` in a modal submission's ``data`` (rows or labels), if any."""
    stack: list[Any] = list(data.get("components") or [])
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        if node.get("custom_id") == input_id and isinstance(node.get("value"), str):
            return str(node["value"])
        stack.extend(node.get("components") or [])
        if isinstance(node.get("component"), Mapping):
            stack.append(node["component"])
    return None
