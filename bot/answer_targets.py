"""What an answer click is checked against, read in one statement: the post, its question's stored JSON, the
user, their earlier answer to the post, the post's answer count and the user's streaks.

``ANSWER_TARGET`` reads it for one (post, user). On PostgreSQL, a batch of clicks (``bot.batching``) reads
all of theirs in one statement (``UnitTargets.prefetch``: the same select over ``unnest`` of the pairs),
kept in the unit of work's session until each click takes its row. Rows describe the database before the
unit wrote anything, and answering stays right with them:
- a row is taken once, and none is given for a (post, user) this unit has answered already (``recorded``):
  that click is read again, so it finds the first answer (a double click, or a typed answer that found its
  post by itself);
- a user who answered another post in this unit has moved streaks: ``take`` hands them over with the row
  (the states this unit stored), so their next click needs no second read; nothing else a row holds about
  the user changes by answering;
- a post's answer count is the prefetched count plus the answers this unit has inserted into it since.
What other transactions commit meanwhile (the other lane's answers, an instructor closing the post) is seen
as of the prefetch rather than as of each click: a few milliseconds earlier, the same race as before (the
answers' unique constraint still decides; card counts are read again before each edit on PostgreSQL).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from bot.events import Actor
from bot.storage.models import CHANNEL, AnswerRow, Post, QuestionRow, Streak, User
from bot.streaks import WORKSPACE_SCOPE, StreakState

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
# Prefetching is a PostgreSQL statement (arrays, ``unnest``). On SQLite statements are function calls in this
# process, not round trips: a big statement there costs more than the small ones it replaces (measured with a
# UNION ALL of the single select, bench/bench_answers.py batches of 50: 1.44-1.47x the bare INSERTs with it,
# 1.75-1.82x without).
PREFETCHED_ON = frozenset({"postgresql"})


def _target_select(
    post_id: ColumnElement[Any], user: tuple[ColumnElement[Any], ...], wanted: FromClause | None = None
) -> Select[Any]:
    """The target of a (post, user): the post ``post_id`` and the user ``user`` (platform, workspace id, user
    id), parameters, or columns of ``wanted`` (a table of the pairs to read, joined first)."""
    platform, workspace_id, user_id = user
    posts = _POSTS if wanted is None else wanted.join(_POSTS, _POSTS.c.id == post_id)
    found = select(
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
    ).select_from(
        posts.outerjoin(_QUESTIONS, _QUESTIONS.c.id == _POSTS.c.question_id)
        .outerjoin(
            _USERS,
            and_(
                _USERS.c.platform == platform,
                _USERS.c.workspace_id == workspace_id,
                _USERS.c.user_id == user_id,
            ),
        )
        .outerjoin(_ANSWERS, and_(_ANSWERS.c.post_id == _POSTS.c.id, _ANSWERS.c.user_pk == _USERS.c.id))
        .outerjoin(
            _CHANNEL_STREAK,
            and_(_CHANNEL_STREAK.c.user_pk == _USERS.c.id, _CHANNEL_STREAK.c.scope == _POSTS.c.channel_id),
        )
        .outerjoin(
            _WORKSPACE_STREAK,
            and_(
                _WORKSPACE_STREAK.c.user_pk == _USERS.c.id,
                _WORKSPACE_STREAK.c.scope == literal(WORKSPACE_SCOPE),
            ),
        )
    )
    return found if wanted is not None else found.where(_POSTS.c.id == post_id)


_PARAMETERS = ("post_id", "platform", "workspace_id", "user_id")
_TYPES: tuple[TypeEngine[Any], ...] = (Integer(), String(), String(), String())
# One (post, user), all four parameters.
_SINGLE = tuple(bindparam(name, type_=kind) for name, kind in zip(_PARAMETERS, _TYPES, strict=True))
ANSWER_TARGET = _target_select(_SINGLE[0], _SINGLE[1:])
# Many (post, user) pairs, as four arrays of the same length: each row says which pair (``wanted``, from 1).
_WANTED = (
    func.unnest(
        *(bindparam(f"{name}s", type_=ARRAY(kind)) for name, kind in zip(_PARAMETERS, _TYPES, strict=True))
    )
    .table_valued(
        *(column(name, kind) for name, kind in zip(_PARAMETERS, _TYPES, strict=True)),
        with_ordinality="wanted",
    )
    .render_derived(with_types=False)
    .alias("wanted")
)
_TARGETS = _target_select(
    _WANTED.c.post_id, (_WANTED.c.platform, _WANTED.c.workspace_id, _WANTED.c.user_id), _WANTED
).add_columns(_WANTED.c.wanted)


def target_params(actor: Actor, post_id: int) -> dict[str, object]:
    """The parameters of ``ANSWER_TARGET``."""
    return dict(zip(_PARAMETERS, (post_id, *_user_key(actor)), strict=True))


@dataclass(frozen=True)
class Prefetched:
    """A click's prefetched target: the row, the answers this unit added to its post since, and the user's
    streaks this unit stored since (by scope; they win over the row's)."""

    row: Row[Any]
    added: int
    streaks: Mapping[str, StreakState]


@dataclass
class UnitTargets:
    """The targets prefetched for one unit of work's clicks (kept in its session's ``info``)."""

    rows: dict[tuple[int, UserKey], Row[Any]] = field(default_factory=dict)
    answered: set[tuple[int, UserKey]] = field(default_factory=set)  # (post, user) answered in this unit
    streaks: dict[UserKey, dict[str, StreakState]] = field(default_factory=dict)  # stored by this unit
    added: Counter[int] = field(default_factory=Counter)  # answers inserted per post since the prefetch

    @staticmethod
    def prefetch(session: Session, clicks: Sequence[tuple[Actor, int]]) -> None:
        """Read the targets of ``clicks`` (actor, post id) in one statement, for ``take``; nothing for
        fewer than two distinct clicks (``ANSWER_TARGET`` reads one as cheaply), and only on PostgreSQL
        (``PREFETCHED_ON``)."""
        wanted = list(dict.fromkeys((post_id, _user_key(actor)) for actor, post_id in clicks))
        if len(wanted) < 2 or session.get_bind().dialect.name not in PREFETCHED_ON:
            return
        columns = zip(*((post_id, *user) for post_id, user in wanted), strict=True)
        params = {f"{name}s": list(values) for name, values in zip(_PARAMETERS, columns, strict=True)}
        session.flush()  # read through the connection, past the unit of work
        found = UnitTargets()
        for row in session.connection().execute(_TARGETS, params):
            found.rows[wanted[row.wanted - 1]] = row
        session.info[_SESSION_KEY] = found

    @staticmethod
    def _of(session: Session) -> UnitTargets | None:
        """The targets prefetched in ``session``'s unit of work, if any."""
        found: UnitTargets | None = session.info.get(_SESSION_KEY)
        return found

    @staticmethod
    def take(session: Session, actor: Actor, post_id: int) -> Prefetched | None:
        """The prefetched target of a click; None when there is none to trust (not prefetched, taken
        already, or this unit has answered that post for that user)."""
        unit = UnitTargets._of(session)
        if unit is None:
            return None
        user = _user_key(actor)
        row = unit.rows.pop((post_id, user), None)
        if row is None or (post_id, user) in unit.answered:
            return None
        return Prefetched(row, unit.added[post_id], unit.streaks.get(user, {}))

    @staticmethod
    def recorded(session: Session, actor: Actor, post_id: int, streaks: Mapping[str, StreakState]) -> None:
        """Note an answer inserted in this unit and the user's streaks it stored (the post's prefetched count
        is one short now; the user's prefetched streaks are out of date)."""
        unit = UnitTargets._of(session)
        if unit is not None:
            user = _user_key(actor)
            unit.answered.add((post_id, user))
            unit.streaks.setdefault(user, {}).update(streaks)
            unit.added[post_id] += 1


def _user_key(actor: Actor) -> UserKey:
    return (actor.platform, actor.workspace_id, actor.user_id)
