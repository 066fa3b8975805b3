"""Action-id tokens: ``qz1:<post_id>:<what>``, short, versioned, and validated on the way in.

Every interactive element the bot renders carries one of these as its ``action_id`` (and as a button's
``value``), so a click still works after a restart: the token alone says which post it is about and what
the click means. A token that does not parse (forged, truncated, an older version) is refused.

``what`` is one of:
- a choice key ``A``..``Z`` (a choice button),
- ``pick`` (the multi-select's checkboxes or select menu: a change, not an answer),
- ``send`` (the multi-select's Submit button),
- ``words`` (the "Answer in words" button, and the modal it opens),
- ``rate-got_it`` / ``rate-partly`` / ``rate-missed`` (an open question's self-rating buttons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

VERSION = "qz1"
PREFIX = VERSION + ":"
RATINGS = ("got_it", "partly", "missed")
_TOKEN = re.compile(r"^qz1:([1-9][0-9]{0,14}):([A-Z]|pick|send|words|rate-(?:got_it|partly|missed))$")


class Intent(StrEnum):
    """What a token's element does."""

    CHOOSE = "choose"
    PICK = "pick"
    SEND = "send"
    WORDS = "words"
    RATE = "rate"


@dataclass(frozen=True, slots=True)
class Token:
    """A parsed action token. ``arg`` is the choice key (CHOOSE) or the rating (RATE), else empty."""

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
        return f"{PREFIX}{self.post_id}:{what}"


class BadToken(ValueError):
    """The action id is not one this bot made."""


def choose(post_id: int, key: str) -> str:
    """The token of a choice button."""
    return str(_checked(Token(post_id, Intent.CHOOSE, key)))


def pick(post_id: int) -> str:
    """The token of a multi-select's option element."""
    return str(_checked(Token(post_id, Intent.PICK)))


def send(post_id: int) -> str:
    """The token of a multi-select's Submit button."""
    return str(_checked(Token(post_id, Intent.SEND)))


def words(post_id: int) -> str:
    """The token of the "Answer in words" button and its modal's ``callback_id``."""
    return str(_checked(Token(post_id, Intent.WORDS)))


def rate(post_id: int, rating: str) -> str:
    """The token of a self-rating button."""
    return str(_checked(Token(post_id, Intent.RATE, rating)))


def _checked(token: Token) -> Token:
    parse(str(token))  # one grammar for both directions
    return token


def parse(action_id: object) -> Token:
    """The token in ``action_id``; ``BadToken`` when it is not a well-formed token of this version."""
    if not isinstance(action_id, str) or len(action_id) > 64:
        raise BadToken("not a quiz action")
    match = _TOKEN.match(action_id)
    if match is None:
        raise BadToken("not a quiz action")
    post_id, what = int(match.group(1)), match.group(2)
    if len(what) == 1:
        return Token(post_id, Intent.CHOOSE, what)
    if what.startswith("rate-"):
        return Token(post_id, Intent.RATE, what.removeprefix("rate-"))
    return Token(post_id, Intent(what))
