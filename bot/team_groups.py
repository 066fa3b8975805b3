"""Teams that follow a platform group (a Slack user group, a Discord role): the GROUP forms that
``/quiz team link NAME GROUP`` accepts, and a per-workspace cache of the links the hot path reads.

A link is stored in ``Team.external_ref``: the group's id when the instructor gave one (a mention or a raw
id), else ``@name`` casefolded. An ``Actor.groups`` tuple lists both forms of every group the person is in,
so either kind of link matches. The cache (``LinkCache``) keeps, per workspace, the linked refs and the users
currently in linked teams, so an event from someone in no linked group and no linked team costs no SQL; it
expires after ``ttl`` seconds (links made by another process show up then) and ``forget`` drops it at once
(links made or memberships changed by this process).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands import clean_words
from bot.storage.models import Team, TeamMember, User

MAX_REF_CHARS = 64  # Team.external_ref
DEFAULT_TTL = 60.0
GROUP_FORMS = (
    "a user group (`<!subteam^S0123|@backend>`), a role (`<@&987654321>`), a name (`@backend`) or an id"
)

_MENTION = re.compile(r"<(?:!subteam\^|@&)([A-Za-z0-9]{1,64})(?:\|@?([^>]*))?>")
_RAW_ID = re.compile(r"[A-Za-z0-9_-]{2,64}")
_MENTION_START = ("<!subteam^", "<@&")


class BadGroup(ValueError):
    """A GROUP argument in none of the accepted forms."""


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group as a link stores it (``ref``) and as replies name it (``label``)."""

    ref: str
    label: str


def name_ref(name: str) -> str:
    """A group's name as ``Actor.groups`` and links carry it: ``@`` + the cleaned name, casefolded."""
    return "@" + clean_words(name).lstrip("@").strip().casefold()


def parse_group(text: str) -> GroupRef:
    """``<!subteam^ID|@handle>``, ``<!subteam^ID>``, ``<@&ID>`` (an optional ``|@name`` gives its label),
    ``@name`` or a raw id (letters and digits, with at least one digit)."""
    text = clean_words(text)
    mention = _MENTION.fullmatch(text)
    if mention:
        ref, name = mention.group(1), (mention.group(2) or "").strip()
        return GroupRef(ref, name_ref(name) if name else ref)
    if text.startswith("@"):
        ref = name_ref(text)
        if len(ref) < 2 or len(ref) > MAX_REF_CHARS or any(c in ref for c in "<>"):
            raise BadGroup(f"That is not a group name. GROUP is {GROUP_FORMS}.")
        return GroupRef(ref, ref)
    if _RAW_ID.fullmatch(text) and any(c.isdigit() for c in text):
        return GroupRef(text, text)
    raise BadGroup(f"That is not a group. GROUP is {GROUP_FORMS}.")


def split_link(words: Sequence[str]) -> tuple[str, str]:
    """NAME and GROUP of ``link NAME GROUP`` (the words after ``link``). GROUP starts at the last mention
    after NAME's first word, else at the first ``@name`` word there (a role name may have spaces), else it
    is the last word. Either is empty when missing."""
    later = list(enumerate(words))[1:]
    start = next((i for i, w in reversed(later) if w.startswith(_MENTION_START)), None)
    if start is None:
        start = next((i for i, w in later if w.startswith("@")), None)
    if start is None:
        start = len(words) - 1 if len(words) > 1 else len(words)
    return " ".join(words[:start]), " ".join(words[start:])


def label_of(ref: str, groups: Sequence[str] | None) -> str:
    """How to name the group ``ref``: its ``@name`` when it is one, or when ``groups`` (an actor's, id then
    name) has it after the id; else the id."""
    if ref.startswith("@") or not groups:
        return ref
    for i, item in enumerate(groups[:-1]):
        if item == ref and groups[i + 1].startswith("@"):
            return groups[i + 1]
    return ref


@dataclass(frozen=True, slots=True)
class Links:
    """One workspace's links: linked ref -> team id, and the user ids now in a linked team."""

    teams: dict[str, int]
    members: frozenset[str]

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(self.teams.values())

    def team_for(self, groups: Sequence[str]) -> int | None:
        """The team linked to one of ``groups`` (several: the lowest team id); None when none is."""
        return min((self.teams[g] for g in groups if g in self.teams), default=None)


NO_LINKS = Links({}, frozenset())


class LinkCache:
    """Per workspace ``Links``, read from the database at most once every ``ttl`` seconds (thread-safe)."""

    def __init__(self, ttl: float = DEFAULT_TTL, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, Links]] = {}

    def get(self, session: Session, platform: str, workspace_id: str) -> Links:
        """The workspace's links (read with ``session`` when not cached or expired)."""
        key, now = (platform, workspace_id), self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        links = read_links(session, platform, workspace_id)
        with self._lock:
            self._cache[key] = (now + self._ttl, links)
        return links

    def forget(self, platform: str, workspace_id: str) -> None:
        """Drop the workspace's cached links (the next ``get`` reads them again)."""
        with self._lock:
            self._cache.pop((platform, workspace_id), None)


def read_links(session: Session, platform: str, workspace_id: str) -> Links:
    """The workspace's links from the database: one query, two when some team is linked."""
    scope = (Team.platform == platform, Team.workspace_id == workspace_id, Team.external_ref.is_not(None))
    rows = session.execute(select(Team.external_ref, Team.id).where(*scope)).all()
    teams = {str(ref): int(tid) for ref, tid in rows}
    if not teams:
        return NO_LINKS
    members = session.scalars(
        select(User.user_id)
        .join(TeamMember, TeamMember.user_pk == User.id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(*scope)
    ).all()
    return Links(teams, frozenset(members))
