"""Leaderboards: individuals and teams, per channel or per workspace, over a period.

Order (and so rank, 1-based position): points desc, accuracy desc, answered desc, then user id (teams: name)
asc, so ties are always broken the same way. Accuracy = correct / answered, where an answer is correct when
its stored score is 1.0 (see ``bot.scoring``). Periods are local to the scope's time zone: a week starts on
Monday 00:00 local time, a month on the 1st.

Each board is one GROUP BY statement over ``answers`` that the covering indexes ``ix_answers_ws_time`` and
``ix_answers_channel_time`` answer alone (scope + time range, then user, points, score). The individual
board joins users and streaks only for rows that can reach the top (points at least those of the row at
``limit``); the team board joins each answer to its author's team by primary key and the teams after
grouping. ``bench/bench_leaderboard.py`` measures them against hand-written SQL.

Seasons (``bot.seasons``): after an instructor's reset, a board counts only answers at or after the start of
the season that applies to it. Each board looks that start up once (one scalar query) and uses it as the lower
bound of its time range; an all-time board then runs as a bounded one up to ``NO_END``. The two-sided range
keeps SQLite on the covering time indexes even after ``ANALYZE`` (with a one-sided range it preferred
``ix_answers_ws_user`` and a table lookup per row: 3.8 s instead of 0.2 s on the 1M-answer benchmark).
``player_stats`` applies the workspace season to the weekly numbers and rank only; its totals are lifetime.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from bot.scoring import CORRECT_SCORE
from bot.seasons import clip_start, season_start
from bot.storage.models import AnswerRow, Streak, Team, TeamMember, User
from bot.streaks import (
    WORKSPACE_SCOPE,
    StreakState,
    current_streak,
    live,
    local_day,
    schedule_predicate,
    zone,
)

# The upper bound of an all-time board clipped to a season: later than any answer.
NO_END = datetime(9999, 12, 31, tzinfo=UTC)


class Period(StrEnum):
    """The time window a board covers."""

    WEEK = "week"
    LAST_WEEK = "last_week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class PlayerStanding:
    """One row of an individual board."""

    rank: int
    user_pk: int
    user_id: str
    display_name: str | None
    points: int
    answered: int
    correct: int
    accuracy: float
    streak: int


@dataclass(frozen=True)
class TeamStanding:
    """One row of a team board; ``members`` counts current members."""

    rank: int
    team_id: int
    name: str
    members: int
    points: int
    answered: int
    accuracy: float
    avg_per_member: float


@dataclass(frozen=True)
class PlayerStats:
    """One player's numbers in a workspace (``/quiz stats``)."""

    points_week: int
    points_all: int
    answered: int
    correct: int
    accuracy: float
    streak: int
    best_streak: int
    rank_week: int | None
    team: str | None


def period_bounds(period: Period, now: datetime, tz: str) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of the period containing ``now``, in UTC; ``(None, None)`` for all time."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("period_bounds needs a timezone-aware datetime")
    period = Period(period)
    if period is Period.ALL:
        return None, None
    today = local_day(now, tz)
    if period is Period.MONTH:
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return _local_midnight(first, tz), _local_midnight(following, tz)
    monday = today - timedelta(days=today.weekday())
    if period is Period.LAST_WEEK:
        monday -= timedelta(days=7)
    return _local_midnight(monday, tz), _local_midnight(monday + timedelta(days=7), tz)


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


# --- statements ------------------------------------------------------------------------------------------
# The board statements are built once per shape (channel or workspace, bounded or all time) with bound
# parameters, and kept: building a select with subqueries costs about as much as running it on a small board.
# The cache holds immutable SQL constructs only.

_answers = typing.cast(Table, AnswerRow.__table__)
_users = typing.cast(Table, User.__table__)
_teams = typing.cast(Table, Team.__table__)
_members = typing.cast(Table, TeamMember.__table__)
_streaks = typing.cast(Table, Streak.__table__)


def _sums(points: Any = None, counted: Any = None) -> tuple[Any, Any, Any]:
    """SUM(points), COUNT, SUM(correct) over answers (optionally only where ``counted`` holds)."""
    points = _answers.c.points if points is None else points
    is_correct = _answers.c.score >= CORRECT_SCORE
    if counted is None:
        answered: Any = func.count()
    else:
        answered = func.coalesce(func.sum(case((counted, 1), else_=0)), 0)
        is_correct = and_(counted, is_correct)
    return (
        func.coalesce(func.sum(points), 0),
        answered,
        func.coalesce(func.sum(case((is_correct, 1), else_=0)), 0),
    )


def _answer_filter(*, by_channel: bool, bounded: bool) -> list[ColumnElement[bool]]:
    """WHERE terms in the order of the covering indexes: scope, then the time range (bound parameters)."""
    terms: list[ColumnElement[bool]] = [
        _answers.c.platform == bindparam("platform"),
        _answers.c.workspace_id == bindparam("workspace_id"),
    ]
    if by_channel:
        terms.append(_answers.c.channel_id == bindparam("channel_id"))
    if bounded:
        terms.append(_answers.c.answered_at >= bindparam("start"))
        terms.append(_answers.c.answered_at < bindparam("end"))
    return terms


def _answer_params(
    *, platform: str, workspace_id: str, channel_id: str | None, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    params: dict[str, Any] = {"platform": platform, "workspace_id": workspace_id}
    if channel_id is not None:
        params["channel_id"] = channel_id
    if start is not None and end is not None:
        params.update(start=start, end=end)
    return params


def _window(
    session: Session,
    period: Period,
    *,
    now: datetime,
    tz: str,
    platform: str,
    workspace_id: str,
    channel_id: str | None,
) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` of a board: the period's bounds, starting no earlier than the applicable season
    (``(None, None)``: all time, no season)."""
    start, end = period_bounds(period, now, tz)
    season = season_start(session, platform=platform, workspace_id=workspace_id, channel_id=channel_id)
    if season is None:
        return start, end
    return clip_start(start, season), end or NO_END


def season_since(
    session: Session,
    period: Period,
    *,
    now: datetime,
    tz: str,
    platform: str,
    workspace_id: str,
    channel_id: str | None,
) -> date | None:
    """The local day a leaderboard reset started a board from, when the reset starts it later than its period
    would (all time: whenever there was a reset); None when the board covers its whole period."""
    start, end = period_bounds(period, now, tz)
    window_start, _ = _window(
        session, period, now=now, tz=tz, platform=platform, workspace_id=workspace_id, channel_id=channel_id
    )
    if window_start is None or window_start == start:
        return None  # no reset, or one before the period began
    if end is not None and window_start >= end:
        return None  # a reset after the period (last week's board read today): nothing of it counts
    return local_day(window_start, tz)


def _accuracy_key(correct: Any, answered: Any) -> ColumnElement[float]:
    """correct / answered as a float (0 when nothing was answered), for ORDER BY."""
    return case((answered > 0, cast(correct, Float) / cast(answered, Float)), else_=literal(0.0))


def _accuracy(correct: int, answered: int) -> float:
    return correct / answered if answered else 0.0


def _player_totals(*, by_channel: bool, bounded: bool) -> Select[Any]:
    """Per-user points, answered and correct: the one GROUP BY the individual boards share."""
    points, answered, correct = _sums()
    return (
        select(
            _answers.c.user_pk.label("user_pk"),
            points.label("points"),
            answered.label("answered"),
            correct.label("correct"),
        )
        .where(*_answer_filter(by_channel=by_channel, bounded=bounded))
        .group_by(_answers.c.user_pk)
    )


@functools.cache
def _individual_statement(by_channel: bool, bounded: bool) -> Select[Any]:
    """Top players with their streak row; parameters: scope, period, ``scope``, ``cutoff``, ``limit``."""
    totals = _player_totals(by_channel=by_channel, bounded=bounded).cte("totals")
    # Only players whose points reach the limit-th best can be on the board (ties included), so users and
    # streaks are joined for those alone. With fewer players than the limit the cutoff is NULL: keep all.
    cutoff = (
        select(totals.c.points)
        .order_by(totals.c.points.desc())
        .limit(1)
        .offset(bindparam("cutoff"))
        .scalar_subquery()
    )
    return (
        select(
            totals.c.user_pk,
            _users.c.user_id,
            _users.c.display_name,
            totals.c.points,
            totals.c.answered,
            totals.c.correct,
            _streaks.c.current,
            _streaks.c.best,
            _streaks.c.last_date,
        )
        .join(_users, _users.c.id == totals.c.user_pk)
        .outerjoin(
            _streaks,
            and_(_streaks.c.user_pk == totals.c.user_pk, _streaks.c.scope == bindparam("scope")),
        )
        .where(totals.c.points >= func.coalesce(cutoff, totals.c.points))
        .order_by(
            totals.c.points.desc(),
            _accuracy_key(totals.c.correct, totals.c.answered).desc(),
            totals.c.answered.desc(),
            _users.c.user_id.asc(),
        )
        .limit(bindparam("limit"))
    )


@functools.cache
def _team_statement(by_channel: bool, bounded: bool) -> Select[Any]:
    """Every team of a workspace with members and period totals; parameters: scope, period, ``limit``."""
    # One pass over the covering index, each answer joined to its author's current team (a primary-key
    # lookup); the team rows are joined after grouping.
    points, answered, correct = _sums()
    per_team = (
        select(
            _members.c.team_id.label("team_id"),
            points.label("points"),
            answered.label("answered"),
            correct.label("correct"),
        )
        .select_from(_answers.join(_members, _members.c.user_pk == _answers.c.user_pk))
        .where(*_answer_filter(by_channel=by_channel, bounded=bounded))
        .group_by(_members.c.team_id)
        .subquery("per_team")
    )
    counts = (
        select(_members.c.team_id.label("team_id"), func.count().label("members"))
        .group_by(_members.c.team_id)
        .subquery("counts")
    )
    team_points = func.coalesce(per_team.c.points, 0)
    team_answered = func.coalesce(per_team.c.answered, 0)
    team_correct = func.coalesce(per_team.c.correct, 0)
    return (
        select(
            _teams.c.id,
            _teams.c.name,
            func.coalesce(counts.c.members, 0).label("members"),
            team_points.label("points"),
            team_answered.label("answered"),
            team_correct.label("correct"),
        )
        .select_from(
            _teams.outerjoin(counts, counts.c.team_id == _teams.c.id).outerjoin(
                per_team, per_team.c.team_id == _teams.c.id
            )
        )
        .where(_teams.c.platform == bindparam("platform"), _teams.c.workspace_id == bindparam("workspace_id"))
        .order_by(
            team_points.desc(),
            _accuracy_key(team_correct, team_answered).desc(),
            team_answered.desc(),
            _teams.c.name.asc(),
        )
        .limit(bindparam("limit"))
    )


@functools.cache
def _improved_statement(by_channel: bool) -> Select[Any]:
    """Rise of last week's points over the week before; parameters: scope, ``start`` (the week before),
    ``split`` (last week's start), ``end``, ``limit``."""
    in_last = _answers.c.answered_at >= bindparam("split")
    points, answered, correct = _sums(case((in_last, _answers.c.points), else_=0), counted=in_last)
    before = func.coalesce(func.sum(case((in_last, 0), else_=_answers.c.points)), 0)
    totals = (
        select(
            _answers.c.user_pk.label("user_pk"),
            points.label("points"),
            answered.label("answered"),
            correct.label("correct"),
            (points - before).label("rise"),
        )
        .where(*_answer_filter(by_channel=by_channel, bounded=True))
        .group_by(_answers.c.user_pk)
        .having(points - before > 0)
        .subquery("totals")
    )
    return (
        select(
            totals,
            _users.c.user_id,
            _users.c.display_name,
            _streaks.c.current,
            _streaks.c.best,
            _streaks.c.last_date,
        )
        .join(_users, _users.c.id == totals.c.user_pk)
        .outerjoin(
            _streaks,
            and_(_streaks.c.user_pk == totals.c.user_pk, _streaks.c.scope == bindparam("scope")),
        )
        .order_by(
            totals.c.rise.desc(),
            totals.c.points.desc(),
            _accuracy_key(totals.c.correct, totals.c.answered).desc(),
            totals.c.answered.desc(),
            _users.c.user_id.asc(),
        )
        .limit(bindparam("limit"))
    )


def _every_day(_day: date) -> bool:
    return True


def _streak_scope(channel_id: str | None) -> str:
    return channel_id if channel_id is not None else WORKSPACE_SCOPE


def _standings(
    session: Session,
    rows: Sequence[Any],
    *,
    platform: str,
    workspace_id: str,
    channel_id: str | None,
    now: datetime,
    tz: str,
    is_active_day: Callable[[date], bool] | None,
) -> list[PlayerStanding]:
    """PlayerStandings from board rows (which carry the streak columns), ranked by position."""
    if not rows:
        return []
    today = local_day(now, tz)
    predicate = is_active_day
    standings = []
    for rank, row in enumerate(rows, start=1):
        state = StreakState(row.current or 0, row.best or 0, row.last_date)
        if predicate is None and state.last_date is not None and (today - state.last_date).days > 1:
            # Only a gap of a day or more can hide a missed active day: read the schedules then, once.
            predicate = schedule_predicate(
                session, platform=platform, workspace_id=workspace_id, channel_id=channel_id
            )
        # Without a gap there is no day in between to ask about, so any predicate gives the same answer.
        streak = live(state, today, predicate or _every_day)
        answered, correct = int(row.answered), int(row.correct)
        standings.append(
            PlayerStanding(
                rank=rank,
                user_pk=row.user_pk,
                user_id=row.user_id,
                display_name=row.display_name,
                points=int(row.points),
                answered=answered,
                correct=correct,
                accuracy=_accuracy(correct, answered),
                streak=streak.current,
            )
        )
    return standings


# --- boards ------------------------------------------------------------------------------------------------


def individual_leaderboard(
    session: Session,
    *,
    platform: str,
    workspace_id: str,
    channel_id: str | None,
    period: Period,
    now: datetime,
    tz: str,
    limit: int = 10,
    is_active_day: Callable[[date], bool] | None = None,
) -> list[PlayerStanding]:
    """The top ``limit`` players of a channel (or the workspace when ``channel_id`` is None) in a period
    (within the current season, ``bot.seasons``).

    ``streak`` is the live streak in the board's scope; active days come from ``is_active_day`` or, when
    None, from the scope's schedules (``bot.streaks.schedule_predicate``).
    """
    if limit <= 0:
        return []
    start, end = _window(
        session, period, now=now, tz=tz, platform=platform, workspace_id=workspace_id, channel_id=channel_id
    )
    stmt = _individual_statement(channel_id is not None, start is not None)
    params = _answer_params(
        platform=platform, workspace_id=workspace_id, channel_id=channel_id, start=start, end=end
    )
    params.update(scope=_streak_scope(channel_id), cutoff=limit - 1, limit=limit)
    rows = session.execute(stmt, params).all()
    return _standings(
        session,
        rows,
        platform=platform,
        workspace_id=workspace_id,
        channel_id=channel_id,
        now=now,
        tz=tz,
        is_active_day=is_active_day,
    )


def team_leaderboard(
    session: Session,
    *,
    platform: str,
    workspace_id: str,
    channel_id: str | None,
    period: Period,
    now: datetime,
    tz: str,
    limit: int = 50,
) -> list[TeamStanding]:
    """Every team of the workspace (up to ``limit``) with its current members' points in the period
    (within the current season, ``bot.seasons``).

    Teams without answers in the period appear with 0 points, after those with points, by name.
    ``avg_per_member`` = points / current members (0 for a team without members).
    """
    if limit <= 0:
        return []
    start, end = _window(
        session, period, now=now, tz=tz, platform=platform, workspace_id=workspace_id, channel_id=channel_id
    )
    params = _answer_params(
        platform=platform, workspace_id=workspace_id, channel_id=channel_id, start=start, end=end
    )
    params["limit"] = limit
    rows = session.execute(_team_statement(channel_id is not None, start is not None), params).all()
    standings = []
    for rank, row in enumerate(rows, start=1):
        members, points = int(row.members), int(row.points)
        answered, correct = int(row.answered), int(row.correct)
        standings.append(
            TeamStanding(
                rank=rank,
                team_id=row.id,
                name=row.name,
                members=members,
                points=points,
                answered=answered,
                accuracy=_accuracy(correct, answered),
                avg_per_member=points / members if members else 0.0,
            )
        )
    return standings


def most_improved(
    session: Session,
    *,
    platform: str,
    workspace_id: str,
    channel_id: str | None,
    now: datetime,
    tz: str,
    limit: int = 3,
    is_active_day: Callable[[date], bool] | None = None,
) -> list[tuple[PlayerStanding, int]]:
    """Players whose points last week rose most over the week before, with the rise (for the Monday post).

    Only rises above zero count; a player new last week rises from 0. Order: rise desc, last week's points
    desc, then the board order. The standing holds last week's numbers; its ``rank`` is the position here.
    Answers before the current season (``bot.seasons``) count in neither week.
    """
    if limit <= 0:
        return []
    last_start, last_end = period_bounds(Period.LAST_WEEK, now, tz)
    assert last_start is not None and last_end is not None
    before_start, _ = period_bounds(Period.LAST_WEEK, last_start, tz)
    season = season_start(session, platform=platform, workspace_id=workspace_id, channel_id=channel_id)
    before_start = clip_start(before_start, season)
    params = _answer_params(
        platform=platform, workspace_id=workspace_id, channel_id=channel_id, start=before_start, end=last_end
    )
    params.update(split=last_start, scope=_streak_scope(channel_id), limit=limit)
    rows = session.execute(_improved_statement(channel_id is not None), params).all()
    standings = _standings(
        session,
        rows,
        platform=platform,
        workspace_id=workspace_id,
        channel_id=channel_id,
        now=now,
        tz=tz,
        is_active_day=is_active_day,
    )
    return [(standing, int(row.rise)) for standing, row in zip(standings, rows, strict=True)]


# --- one player --------------------------------------------------------------------------------------------


def player_stats(
    session: Session,
    *,
    user_pk: int,
    platform: str,
    workspace_id: str,
    now: datetime,
    tz: str,
    is_active_day: Callable[[date], bool] | None = None,
) -> PlayerStats:
    """A player's workspace-wide numbers: points (week, all time), accuracy, streak, weekly rank, team.

    The weekly points and rank are those of the weekly workspace board, so they follow the workspace season
    (``bot.seasons``); the all-time points, answered, correct and accuracy are lifetime history.
    """
    week_start, week_end = _window(
        session, Period.WEEK, now=now, tz=tz, platform=platform, workspace_id=workspace_id, channel_id=None
    )
    assert week_start is not None and week_end is not None
    in_week = and_(_answers.c.answered_at >= week_start, _answers.c.answered_at < week_end)
    points, answered, correct = _sums()
    week_points, week_answered, week_correct = _sums(
        case((in_week, _answers.c.points), else_=0), counted=in_week
    )
    mine = session.execute(
        select(
            points.label("points"),
            answered.label("answered"),
            correct.label("correct"),
            week_points.label("points_week"),
            week_answered.label("answered_week"),
            week_correct.label("correct_week"),
        ).where(
            _answers.c.user_pk == user_pk,
            _answers.c.platform == platform,
            _answers.c.workspace_id == workspace_id,
        )
    ).one()
    rank_week = None
    if int(mine.answered_week) > 0:
        rank_week = _weekly_rank(
            session,
            user_pk=user_pk,
            params=_answer_params(
                platform=platform, workspace_id=workspace_id, channel_id=None, start=week_start, end=week_end
            ),
            points=int(mine.points_week),
            answered=int(mine.answered_week),
            correct=int(mine.correct_week),
        )
    predicate = is_active_day or schedule_predicate(
        session, platform=platform, workspace_id=workspace_id, channel_id=None
    )
    streak = current_streak(
        session, user_pk=user_pk, scope=WORKSPACE_SCOPE, today=local_day(now, tz), is_active_day=predicate
    )
    team = session.scalar(
        select(_teams.c.name)
        .join(_members, _members.c.team_id == _teams.c.id)
        .where(
            _members.c.user_pk == user_pk,
            _teams.c.platform == platform,
            _teams.c.workspace_id == workspace_id,
        )
        .order_by(_teams.c.name)
        .limit(1)
    )
    total_answered, total_correct = int(mine.answered), int(mine.correct)
    return PlayerStats(
        points_week=int(mine.points_week),
        points_all=int(mine.points),
        answered=total_answered,
        correct=total_correct,
        accuracy=_accuracy(total_correct, total_answered),
        streak=streak.current,
        best_streak=max(streak.best, streak.current),
        rank_week=rank_week,
        team=team,
    )


def _weekly_rank(
    session: Session, *, user_pk: int, params: dict[str, Any], points: int, answered: int, correct: int
) -> int:
    """1 + the number of players ordered before this one on the weekly workspace board."""
    totals = _player_totals(by_channel=False, bounded=True).subquery("totals")
    # Accuracy compared exactly by cross-multiplying: c/n > c0/n0  <=>  c*n0 > c0*n (n, n0 > 0).
    better_accuracy = totals.c.correct * answered > correct * totals.c.answered
    same_accuracy = totals.c.correct * answered == correct * totals.c.answered
    me = select(_users.c.user_id).where(_users.c.id == user_pk).scalar_subquery()
    same_points = totals.c.points == points
    ahead = or_(
        totals.c.points > points,
        and_(same_points, better_accuracy),
        and_(same_points, same_accuracy, totals.c.answered > answered),
        and_(same_points, same_accuracy, totals.c.answered == answered, _users.c.user_id < me),
    )
    count = session.scalar(
        select(func.count()).select_from(totals.join(_users, _users.c.id == totals.c.user_pk)).where(ahead),
        params,
    )
    return int(count or 0) + 1
