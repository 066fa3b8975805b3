"""What an answer click is checked against, read in one statement: the post, its question's stored JSON, the
user, their earlier answer to the post, the post's answer count and the user's streaks.

``ANSWER_TARGET`` reads it for one (post, user). On PostgreSQL, a batch of clicks (``bot.batching``) reads
all of theirs in one statement (``UnitTargets.prefetch``, a ``UNION ALL`` of the same select), kept in the
unit of work's session until each click takes its row. Rows describe the database before the unit wrote
anything, and answering stays right with them:
- a row is taken once: a second click on the same post by the same user (a double click) is read again, and
  finds the first answer;
- a post's answer count is the prefetched count plus the answers this unit has inserted into it since
  (``recorded``);
- a user's streaks may have moved since (their answer to another post in this unit): stored streaks only
  ever move forward, so an older state just makes ``bot.streaks.record_answer_day`` read them again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    Row,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from bot.events import Actor
from bot.storage.models import CHANNEL, AnswerRow, Post, QuestionRow, Streak, User
from bot.streaks import WORKSPACE_SCOPE

_SESSION_KEY = "quizmaster.answer_targets"

_POSTS = cast(Table, Post.__table__)
_QUESTIONS = cast(Table, QuestionRow.__table__)
_USERS = cast(Table, User.__table__)
_ANSWERS = cast(Table, AnswerRow.__table__)
_COUNTED = _ANSWERS.alias("counted")
_STREAKS = cast(Table, Streak.__table__)
_CHANNEL_STREAK = _STREAKS.alias("channel_streak")
_WORKSPACE_STREAK = _STREAKS.alias("workspace_streak")

UserKey = tuple[str, str, str]  # (platform, workspace_id, user_id)
# SQLite's statements are function calls in this process, not round trips: one big statement costs more there
# than the small ones it replaces (bench/bench_answers.py, batches of 50: 1.44-1.47x the bare INSERTs with it,
# 1.75-1.82x without; on PostgreSQL 1.23-1.48x with it, 0.95-1.08x without).
NOT_PREFETCHED_ON = frozenset({"sqlite"})


def _target_select(suffix: str = "") -> Select[Any]:
    """The target of one (post, user), its parameters named ``post_id{suffix}``, ``platform{suffix}``,
    ``workspace_id{suffix}`` and ``user_id{suffix}``."""
    return (
        select(
            _POSTS.c.id,
            _POSTS.c.question_id,
            _POSTS.c.platform,
            _POSTS.c.workspace_id,
            _POSTS.c.channel_id,
            _POSTS.c.audience,
            _POSTS.c.target_user_pk,
            _POSTS.c.message_ref,
            _POSTS.c.closes_at,
            _POSTS.c.closed_at,
            _POSTS.c.timezone,
            sql_cast(_QUESTIONS.c.data, Text).label("question_json"),
            _USERS.c.id.label("user_pk"),
            _USERS.c.display_name,
            _USERS.c.dm_feedback,
            _ANSWERS.c.id.label("earlier_id"),
            _ANSWERS.c.response.label("earlier_response"),
            case(
                (
                    and_(_POSTS.c.audience == CHANNEL, _POSTS.c.message_ref.is_not(None)),
                    select(func.count()).where(_COUNTED.c.post_id == _POSTS.c.id).scalar_subquery(),
                )
            ).label("answered_count"),
            _CHANNEL_STREAK.c.current.label("channel_current"),
            _CHANNEL_STREAK.c.best.label("channel_best"),
            _CHANNEL_STREAK.c.last_date.label("channel_last"),
            _WORKSPACE_STREAK.c.current.label("workspace_current"),
            _WORKSPACE_STREAK.c.best.label("workspace_best"),
            _WORKSPACE_STREAK.c.last_date.label("workspace_last"),
        )
        .select_from(
            _POSTS.outerjoin(_QUESTIONS, _QUESTIONS.c.id == _POSTS.c.question_id)
            .outerjoin(
                _USERS,
                and_(
                    _USERS.c.platform == bindparam(f"platform{suffix}"),
                    _USERS.c.workspace_id == bindparam(f"workspace_id{suffix}"),
                    _USERS.c.user_id == bindparam(f"user_id{suffix}"),
                ),
            )
            .outerjoin(_ANSWERS, and_(_ANSWERS.c.post_id == _POSTS.c.id, _ANSWERS.c.user_pk == _USERS.c.id))
            .outerjoin(
                _CHANNEL_STREAK,
                and_(
                    _CHANNEL_STREAK.c.user_pk == _USERS.c.id,
                    _CHANNEL_STREAK.c.scope == _POSTS.c.channel_id,
                ),
            )
            .outerjoin(
                _WORKSPACE_STREAK,
                and_(
                    _WORKSPACE_STREAK.c.user_pk == _USERS.c.id,
                    _WORKSPACE_STREAK.c.scope == literal(WORKSPACE_SCOPE),
                ),
            )
        )
        .where(_POSTS.c.id == bindparam(f"post_id{suffix}"))
    )


ANSWER_TARGET = _target_select()


def target_params(actor: Actor, post_id: int, suffix: str = "") -> dict[str, object]:
    """The parameters of ``ANSWER_TARGET`` (or of one branch of a batch's statement)."""
    return {
        f"post_id{suffix}": post_id,
        f"platform{suffix}": actor.platform,
        f"workspace_id{suffix}": actor.workspace_id,
        f"user_id{suffix}": actor.user_id,
    }


def _branches(n: int) -> int:
    """How many branches the statement for ``n`` pairs has: the next power of two (a few statements to
    compile and prepare, not one per batch size); the pairs past ``n`` repeat the last one."""
    return 1 << (n - 1).bit_length()


@lru_cache(maxsize=16)
def _targets_select(n: int) -> CompoundSelect:
    """The targets of ``n`` (post, user) pairs in one statement; each row says which pair (``wanted``)."""
    return union_all(
        *(_target_select(f"_{i}").add_columns(literal_column(str(i)).label("wanted")) for i in range(n))
    )


@dataclass
class UnitTargets:
    """The targets prefetched for one unit of work's clicks (kept in its session's ``info``)."""

    rows: dict[tuple[int, UserKey], Row[Any]] = field(default_factory=dict)
    added: Counter[int] = field(default_factory=Counter)  # answers inserted per post since the prefetch

    @staticmethod
    def prefetch(session: Session, clicks: Sequence[tuple[Actor, int]]) -> None:
        """Read the targets of ``clicks`` (actor, post id) in one statement, for ``take``; nothing for
        fewer than two distinct clicks (``ANSWER_TARGET`` reads one as cheaply), nor on SQLite
        (``NOT_PREFETCHED_ON``)."""
        wanted = list(dict.fromkeys((post_id, _user_key(actor)) for actor, post_id in clicks))
        if len(wanted) < 2 or session.get_bind().dialect.name in NOT_PREFETCHED_ON:
            return
        branches = _branches(len(wanted))
        wanted += wanted[-1:] * (branches - len(wanted))
        params: dict[str, object] = {}
        for i, (post_id, (platform, workspace_id, user_id)) in enumerate(wanted):
            params.update(
                {
                    f"post_id_{i}": post_id,
                    f"platform_{i}": platform,
                    f"workspace_id_{i}": workspace_id,
                    f"user_id_{i}": user_id,
                }
            )
        session.flush()  # read through the connection, past the unit of work
        found = UnitTargets()
        for row in session.connection().execute(_targets_select(branches), params):
            found.rows[wanted[row.wanted]] = row
        session.info[_SESSION_KEY] = found

    @staticmethod
    def take(session: Session, actor: Actor, post_id: int) -> tuple[Row[Any], int] | None:
        """The prefetched target of a click and how many answers this unit added to its post since; None
        when there is none (not prefetched, or taken already)."""
        unit: UnitTargets | None = session.info.get(_SESSION_KEY)
        if unit is None:
            return None
        row = unit.rows.pop((post_id, _user_key(actor)), None)
        return None if row is None else (row, unit.added[post_id])

    @staticmethod
    def recorded(session: Session, post_id: int) -> None:
        """Note an answer inserted into ``post_id`` in this unit (its prefetched count is one short now)."""
        unit: UnitTargets | None = session.info.get(_SESSION_KEY)
        if unit is not None:
            unit.added[post_id] += 1


def _user_key(actor: Actor) -> UserKey:
    return (actor.platform, actor.workspace_id, actor.user_id)
