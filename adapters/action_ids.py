"""Action ids shared by the chat adapters: ``qz1:<post_id>:<what>``, short, versioned, validated coming in.

Every interactive element a chat adapter renders carries one of these (Slack ``action_id``, Discord
``custom_id``), so a click still works after a restart: the id alone says which post it is about and what the
click means. ``what`` is a choice key ``A``..``Z``, ``pick`` (a multi-select's options), ``send`` (Slack's
multi-select Submit), ``words`` (the "Answer in words" button and its modal), or ``rate-got_it`` /
``rate-partly`` / ``rate-missed`` (an open question's self-rating buttons). Each adapter accepts only the
intents it renders (``parse_id``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

VERSION = "qz1"
RATINGS = ("got_it", "partly", "missed")
POST = r"(?P<post>[1-9][0-9]{0,14})"
_ANY = re.compile(rf"{VERSION}:{POST}:(?P<what>[A-Z]|pick|send|words|rate-(?:got_it|partly|missed))")


class BadActionId(ValueError):
    """An id that is not one this bot made (each adapter names it: Slack ``BadToken``, Discord
    ``BadCustomId``)."""


class Intent(StrEnum):
    """What an id's element does."""

    CHOOSE = "choose"
    PICK = "pick"
    SEND = "send"
    WORDS = "words"
    RATE = "rate"


@dataclass(frozen=True, slots=True)
class Token:
    """A parsed id. ``arg`` is the choice key (CHOOSE) or the rating (RATE), else empty."""

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
    """The id of a choice button."""
    return _checked(Token(post_id, Intent.CHOOSE, key))


def pick(post_id: int) -> str:
    """The id of a multi-select's options (Slack checkboxes or select, Discord select menu)."""
    return _checked(Token(post_id, Intent.PICK))


def send(post_id: int) -> str:
    """The id of Slack's multi-select Submit button."""
    return _checked(Token(post_id, Intent.SEND))


def words(post_id: int) -> str:
    """The id of the "Answer in words" button and of the modal it opens."""
    return _checked(Token(post_id, Intent.WORDS))


def rate(post_id: int, rating: str) -> str:
    """The id of a self-rating button."""
    return _checked(Token(post_id, Intent.RATE, rating))


def _checked(token: Token) -> str:
    text = str(token)
    if parse_id(text, max_length=len(text), intents=frozenset(Intent)) != token:  # one grammar both ways
        raise BadActionId(f"not a valid action id: {text!r}")
    return text


def parse_id(text: object, *, max_length: int, intents: frozenset[Intent]) -> Token | None:
    """The token in ``text``, or None when it is not a well-formed id of this version with one of
    ``intents``."""
    if not isinstance(text, str) or len(text) > max_length:
        return None
    match = _ANY.fullmatch(text)
    if match is None:
        return None
    post_id, what = int(match.group("post")), match.group("what")
    if len(what) == 1:
        token = Token(post_id, Intent.CHOOSE, what)
    elif what.startswith("rate-"):
        token = Token(post_id, Intent.RATE, what.removeprefix("rate-"))
    else:
        token = Token(post_id, Intent(what))
    return token if token.intent in intents else None
