"""Custom ids: ``qz1:<post_id>:<what>``, short, versioned, and validated on the way in.

Every component and modal the bot sends carries one of these as its ``custom_id``, so a click still works
after a restart: the id alone says which post it is about and what the click means (the persistent
``DynamicItem`` classes in ``views`` match them by template). An id that does not parse (forged, truncated,
an older version) is refused politely. The longest id (``qz1:<15 digits>:rate-got_it``) is 31 characters,
well inside Discord's 100.

``what`` is one of:
- a choice key ``A``..``Z`` (a choice button),
- ``pick`` (the choice select menu: its chosen values are the answer),
- ``words`` (the "Answer in words" button, and the modal it opens),
- ``rate-got_it`` / ``rate-partly`` / ``rate-missed`` (an open question's self-rating buttons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

VERSION = "qz1"
MAX_CUSTOM_ID = 100
RATINGS = ("got_it", "partly", "missed")
POST = r"(?P<post>[1-9][0-9]{0,14})"
CHOOSE_TEMPLATE = rf"{VERSION}:{POST}:(?P<key>[A-Z])"
PICK_TEMPLATE = rf"{VERSION}:{POST}:pick"
WORDS_TEMPLATE = rf"{VERSION}:{POST}:words"
RATE_TEMPLATE = rf"{VERSION}:{POST}:rate-(?P<rating>got_it|partly|missed)"
_ANY = re.compile(rf"{VERSION}:{POST}:(?P<what>[A-Z]|pick|words|rate-(?:got_it|partly|missed))")


class Intent(StrEnum):
    """What a custom id's component does."""

    CHOOSE = "choose"
    PICK = "pick"
    WORDS = "words"
    RATE = "rate"


class BadCustomId(ValueError):
    """The custom id is not one this bot made."""


@dataclass(frozen=True, slots=True)
class Token:
    """A parsed custom id. ``arg`` is the choice key (CHOOSE) or the rating (RATE), else empty."""

    post_id: int
    intent: Intent
    arg: str = ""

    def __str__(self) -> str:
        if self.intent is Intent.CHOOSE:
            what = self.arg
        elif self.intent is Intent.RATE:
            what = f"rate-{self.arg}"
        else:
            what = self.intent.value
        return f"{VERSION}:{self.post_id}:{what}"


def choose(post_id: int, key: str) -> str:
    """The custom id of a choice button."""
    return _checked(Token(post_id, Intent.CHOOSE, key))


def pick(post_id: int) -> str:
    """The custom id of a choice select menu."""
    return _checked(Token(post_id, Intent.PICK))


def words(post_id: int) -> str:
    """The custom id of the "Answer in words" button and of the modal it opens."""
    return _checked(Token(post_id, Intent.WORDS))


def rate(post_id: int, rating: str) -> str:
    """The custom id of a self-rating button."""
    return _checked(Token(post_id, Intent.RATE, rating))


def _checked(token: Token) -> str:
    text = str(token)
    parse(text)  # one grammar for both directions
    return text


def parse(custom_id: object) -> Token:
    """The token in ``custom_id``; ``BadCustomId`` when it is not a well-formed id of this version."""
    if not isinstance(custom_id, str) or len(custom_id) > MAX_CUSTOM_ID:
        raise BadCustomId("not a quiz component")
    match = _ANY.fullmatch(custom_id)
    if match is None:
        raise BadCustomId("not a quiz component")
    post_id, what = int(match.group("post")), match.group("what")
    if len(what) == 1:
        return Token(post_id, Intent.CHOOSE, what)
    if what.startswith("rate-"):
        return Token(post_id, Intent.RATE, what.removeprefix("rate-"))
    return Token(post_id, Intent(what))
