"""Leaderboard seasons: an instructor's reset starts a new season; nothing is deleted.

A season (a ``seasons`` row) has a scope: the whole workspace (``channel_id`` None) or one channel. From its
``started_at`` on, the leaderboards of that scope count only answers given at or after that instant:

- a workspace season applies to every board of the workspace: all periods (this week, last week, month, all
  time), players and teams, workspace boards and channel boards, and the weekly digest and ``/quiz me``'s
  weekly points and rank;
- a channel season applies to that channel's boards only (those counting the channel's answers alone); the
  workspace boards and other channels are untouched.

A board uses the latest season that applies to it (for a channel board, the later of the workspace's and the
channel's), looked up once per board (``season_start``) and applied as the lower bound of its time range, so
the covering answer indexes still answer the board alone.

Streaks are stored state, not recomputed from answers, so a reset restarts them where they are kept: every
current streak of the workspace's users (all scopes) for a workspace season, the channel's streaks for a
channel season. ``current`` becomes 0 and the last answered day is forgotten, so the next answer (even later
the same day) starts a streak of 1. **Best streaks are kept** as personal history, like the answers.

Kept: every answer, post and user; ``/quiz me``'s "in all" numbers (points, answered, accuracy) and best
streak stay lifetime history. Each reset adds a row, so the seasons are themselves a record of who reset what
and when.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session

from bot.commands import LEADERBOARD_WORDS
from bot.storage.models import Post, Season, Streak, User

RESET_USAGE = "Use `/quiz reset leaderboard [channel] [confirm]`."
CHANNEL_WORDS = frozenset({"channel", "here"})
WORKSPACE_WORDS = frozenset({"workspace", "server", "everywhere"})
CONFIRM_WORDS = frozenset({"confirm", "confirmed"})
MAX_STARTED_BY_CHARS = 64


class ResetError(ValueError):
    """A ``/quiz reset`` that cannot be understood; ``echo`` is the user's text at fault."""

    def __init__(self, message: str, echo: str | None = None) -> None:
        super().__init__(message)
        self.echo = echo


@dataclass(frozen=True, slots=True)
class ResetRequest:
    """A parsed ``/quiz reset leaderboard [channel] [confirm]``."""

    channel: bool = False
    confirm: bool = False


@dataclass(frozen=True, slots=True)
class SeasonStarted:
    """What ``start_season`` did: the season's start and how many stored streaks it restarted."""

    season_id: int
    started_at: datetime
    streaks_restarted: int


def parse_reset(args: str) -> ResetRequest:
    """Parse the words after ``/quiz reset``; ResetError (with the usage) for anything else."""
    words = args.split()
    lowered = [w.casefold() for w in words]
    if not lowered:
        raise ResetError(
            f"Say what to reset. {RESET_USAGE} starts a new leaderboard season (answers are kept)."
        )
    if lowered[0] not in LEADERBOARD_WORDS | {"leaderboards"}:
        raise ResetError(f"Only the leaderboard can be reset. {RESET_USAGE}", args)
    channel = workspace = confirm = False
    for word, raw in zip(lowered[1:], words[1:], strict=True):
        if word in CHANNEL_WORDS and not (channel or workspace):
            channel = True
        elif word in WORKSPACE_WORDS and not (channel or workspace):
            workspace = True
        elif word in CONFIRM_WORDS and not confirm:
            confirm = True
        else:
            raise ResetError(f"Unexpected word. {RESET_USAGE}", raw)
    return ResetRequest(channel=channel, confirm=confirm)


# --- looking a season up -----------------------------------------------------------------------------------

_SEASONS = typing.cast(Table, Season.__table__)
_IN_WORKSPACE = (
    _SEASONS.c.platform == bindparam("platform"),
    _SEASONS.c.workspace_id == bindparam("workspace_id"),
)
# Built once: the latest workspace season, and the latest season that applies to one channel's boards.
_WORKSPACE_SEASON = select(func.max(_SEASONS.c.started_at)).where(
    *_IN_WORKSPACE, _SEASONS.c.channel_id.is_(None)
)
_CHANNEL_SEASON = select(func.max(_SEASONS.c.started_at)).where(
    *_IN_WORKSPACE,
    or_(_SEASONS.c.channel_id.is_(None), _SEASONS.c.channel_id == bindparam("channel_id")),
)


def _aware(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def season_start(
    session: Session, *, platform: str, workspace_id: str, channel_id: str | None
) -> datetime | None:
    """The start of the season that applies to a board (one scalar query), None when there was no reset.

    ``channel_id`` None: a workspace board (workspace seasons only); a channel id: that channel's boards (the
    later of the workspace's and the channel's latest seasons).
    """
    params = {"platform": platform, "workspace_id": workspace_id}
    if channel_id is None:
        return _aware(session.scalar(_WORKSPACE_SEASON, params))
    return _aware(session.scalar(_CHANNEL_SEASON, {**params, "channel_id": channel_id}))


def clip_start(start: datetime | None, season: datetime | None) -> datetime | None:
    """A board's lower time bound once the season applies: the later of the two (None: unbounded)."""
    if season is None:
        return start
    if start is None:
        return season
    return max(start, season)


# --- starting one ------------------------------------------------------------------------------------------


def workspace_known(session: Session, *, platform: str, workspace_id: str) -> bool:
    """Whether any user of that workspace is stored (a reset of an unknown workspace is a typo)."""
    found = session.scalar(
        select(exists().where(User.platform == platform, User.workspace_id == workspace_id))
    )
    return bool(found)


def channel_known(session: Session, *, platform: str, workspace_id: str, channel_id: str) -> bool:
    """Whether anything was ever asked in that channel (a question posted there, for it or for one user)."""
    found = session.scalar(
        select(
            exists().where(
                Post.platform == platform, Post.workspace_id == workspace_id, Post.channel_id == channel_id
            )
        )
    )
    return bool(found)


def start_season(
    session: Session,
    *,
    platform: str,
    workspace_id: str,
    channel_id: str | None,
    started_by: str,
    now: datetime,
) -> SeasonStarted:
    """Start a new leaderboard season for the workspace (``channel_id`` None) or one channel; does not commit.

    Adds the ``seasons`` row and restarts the scope's current streaks (best streaks are kept). Deletes
    nothing. The streak rows are locked in (user, scope) order first, the order an answer locks its own
    rows in (``bot.streaks.record_answer_day``), so a reset and answers at the same time cannot deadlock.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("start_season needs a timezone-aware time")
    started_at = now.astimezone(UTC)
    season = Season(
        platform=platform,
        workspace_id=workspace_id,
        channel_id=channel_id,
        started_at=started_at,
        started_by=started_by[:MAX_STARTED_BY_CHARS],
    )
    session.add(season)
    session.flush()
    users = select(User.id).where(User.platform == platform, User.workspace_id == workspace_id)
    running = [Streak.user_pk.in_(users), or_(Streak.current != 0, Streak.last_date.is_not(None))]
    if channel_id is not None:
        running.append(Streak.scope == channel_id)
    locked = session.execute(
        select(Streak.user_pk, Streak.scope)
        .where(*running)
        .order_by(Streak.user_pk, Streak.scope)
        .with_for_update()
    ).all()
    restarted = 0
    if locked:
        result = session.execute(
            update(Streak)
            .where(*running)
            .values(current=0, last_date=None)
            .execution_options(synchronize_session=False)
        )
        restarted = int(getattr(result, "rowcount", 0) or 0)
        for obj in list(session.identity_map.values()):  # ORM copies loaded earlier are now stale
            if isinstance(obj, Streak):
                session.expire(obj)
    return SeasonStarted(season_id=season.id, started_at=started_at, streaks_restarted=restarted)


@dataclass(frozen=True, slots=True)
class ResetWords:
    """What a reset of one scope covers, in words: the boards, the streaks, and what it leaves alone."""

    boards: str
    streaks: str
    untouched: str


def reset_words(channel: str | None) -> ResetWords:
    """``channel``: None for the workspace, else how to name the channel ("this channel", "channel C1")."""
    if channel is None:
        return ResetWords(
            boards="all leaderboards of the workspace (this week, last week, month and all time; players and "
            "teams; the workspace board and every channel's)",
            streaks="everyone's current streak",
            untouched="",
        )
    return ResetWords(
        boards=f"the leaderboards of {channel} (those counting only its answers: every period, players and "
        "teams)",
        streaks=f"the current streaks in {channel}",
        untouched=" The workspace leaderboard and other channels are not touched.",
    )
