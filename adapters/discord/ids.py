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

from adapters.action_ids import (
    POST,
    RATINGS,
    VERSION,
    BadActionId,
    Intent,
    Token,
    choose,
    parse_id,
    pick,
    rate,
    words,
)

__all__ = ["RATINGS", "VERSION", "BadCustomId", "Intent", "Token", "choose", "parse", "pick", "rate", "words"]

MAX_CUSTOM_ID = 100
INTENTS = frozenset({Intent.CHOOSE, Intent.PICK, Intent.WORDS, Intent.RATE})  # no Submit: the select answers
CHOOSE_TEMPLATE = rf"{VERSION}:{POST}:(?P<key>[A-Z])"
PICK_TEMPLATE = rf"{VERSION}:{POST}:pick"
WORDS_TEMPLATE = rf"{VERSION}:{POST}:words"
RATE_TEMPLATE = rf"{VERSION}:{POST}:rate-(?P<rating>got_it|partly|missed)"


BadCustomId = BadActionId  # the custom id is not one this bot made


def parse(custom_id: object) -> Token:
    """The token in ``custom_id``; ``BadCustomId`` when it is not a well-formed id of this version."""
    token = parse_id(custom_id, max_length=MAX_CUSTOM_ID, intents=INTENTS)
    if token is None:
        raise BadCustomId("not a quiz component")
    return token
