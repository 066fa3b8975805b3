"""Inbound events: what the adapters translate platform payloads into, the same for every platform.

``delivery_id`` is the platform's id of one delivery (Slack event id or action ts, Discord interaction id,
a console counter). The dispatcher records it in ``processed_events`` so a retried or replayed delivery is
handled once; ``None`` means the platform gives no such id (no dedupe beyond the answer's unique constraint).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Where:
    """A channel of a workspace on one platform ("console"/"console"/"general" in the console)."""

    platform: str
    workspace_id: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an event. ``is_admin`` is the platform's own admin/owner flag.

    ``groups``: the platform groups (Slack user groups, Discord roles) the person belongs to as the adapter
    knows them at event time, each as its id followed by its ``@name`` casefolded (``bot.team_groups.
    name_ref``), e.g. ``("S0123", "@backend")``; None when unknown (then team membership is not synced).
    """

    platform: str
    workspace_id: str
    user_id: str
    display_name: str | None = None
    is_admin: bool = False
    groups: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CommandInvoked:
    """``/quiz <text>``: ``text`` is what follows the command (a leading ``/quiz`` is tolerated)."""

    actor: Actor
    where: Where
    text: str
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChoiceSelected:
    """A click on a choice button, or a multi-select submitted: the chosen keys of one posted question."""

    actor: Actor
    where: Where
    post_id: int
    keys: tuple[str, ...]
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class TextAnswered:
    """A typed answer (message or form submit). ``post_id`` None: the user's open private question, else the
    latest open question posted in the channel."""

    actor: Actor
    where: Where
    post_id: int | None
    text: str
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class SelfRated:
    """An open question's self-assessment: ``rating`` is one of ``bot.grading.SELF_RATINGS``."""

    actor: Actor
    where: Where
    post_id: int
    rating: str
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class Upload:
    """A file attached to a chat command: its name and bytes, or (``data`` None) why the adapter could not
    fetch it (too large, the download failed)."""

    name: str
    data: bytes | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class BankUploaded:
    """``/quiz import`` with files attached: an instructor's question banks; ``dry_run`` only checks them."""

    actor: Actor
    where: Where
    uploads: tuple[Upload, ...]
    dry_run: bool = False
    delivery_id: str | None = None


Event = CommandInvoked | ChoiceSelected | TextAnswered | SelfRated | BankUploaded
RECORDED_IN_BATCHES = (ChoiceSelected, TextAnswered, SelfRated)  # answers and ratings (``bot.batching``)
