"""Slack action ids (``adapters.action_ids``: ``qz1:<post_id>:<what>``): every interactive element's
``action_id`` (and a button's ``value``); a modal's ``callback_id`` is the ``words`` id. Slack's elements use
every intent: choice buttons, the multi-select's checkboxes or select (``pick``, a change, not an answer) and
its Submit (``send``), "Answer in words", self-rating. The ``/quiz import`` modal is about no post: its
``callback_id`` is ``IMPORT_FORM`` (``qz1:import``), which ``parse`` refuses like any other non-post id.
"""

from __future__ import annotations

from adapters.action_ids import (
    RATINGS,
    VERSION,
    BadActionId,
    Intent,
    Token,
    choose,
    parse_id,
    pick,
    rate,
    send,
    words,
)

__all__ = [
    "IMPORT_FORM",
    "RATINGS",
    "VERSION",
    "BadToken",
    "Intent",
    "Token",
    "choose",
    "parse",
    "pick",
    "rate",
    "send",
    "words",
]

MAX_LENGTH = 64
IMPORT_FORM = f"{VERSION}:import"  # the callback_id of the /quiz import modal
INTENTS = frozenset(Intent)


BadToken = BadActionId  # the action id is not one this bot made


def parse(action_id: object) -> Token:
    """The token in ``action_id``; ``BadToken`` when it is not a well-formed token of this version."""
    token = parse_id(action_id, max_length=MAX_LENGTH, intents=INTENTS)
    if token is None:
        raise BadToken("not a quiz action")
    return token
