"""Streaks: consecutive days, in the scope's time zone, on which a user answered.

A streak is kept per user and scope (a channel id, or ``"*"`` for the whole workspace) in the ``streaks``
table: the current run, the best run and the last day answered. Days on which nothing was scheduled (the
weekend of a Monday-to-Friday schedule) neither extend nor break a streak; a missed *active* day resets it.
Whether a day is active is a predicate the caller passes in: ``weekday_predicate`` builds one from a
schedule's weekdays, ``schedule_predicate`` from every question schedule in a scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.storage.models import Schedule, Streak

WORKSPACE_SCOPE = "*"
ALL_WEEKDAYS = "0123456"
# Schedules that post questions (and so make a day "active"); leaderboard schedules do not.
QUESTION_SCHEDULE_KINDS = ("question", "sprint")

DayPredicate = Callable[[date], bool]


@dataclass(frozen=True)
class StreakState:
    """A user's streak in one scope. ``current`` is 0 when there is none (or it is broken)."""

    current: int
    best: int
    last_date: date | None


def zone(tz: str) -> ZoneInfo:
    """The IANA time zone named ``tz``; ValueError when there is no such zone."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def local_day(instant: datetime, tz: str) -> date:
    """The calendar day of an aware instant in the time zone ``tz`` (an IANA name)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("local_day needs a timezone-aware datetime")
    return instant.astimezone(zone(tz)).date()


def weekday_predicate(weekdays: str | None) -> DayPredicate:
    """Active days from a schedule's weekdays: ``"01234"`` is Monday to Friday; None or ``""`` every day.

    Commas and spaces are ignored (``"0,2,4"``); any other character is a ValueError.
    """
    digits = "".join(ch for ch in (weekdays or "") if ch not in ", ")
    if not digits:
        return _every_day
    bad = sorted({ch for ch in digits if ch not in ALL_WEEKDAYS})
    if bad:
        raise ValueError(f"weekdays must be digits 0 (Monday) to 6 (Sunday), got {weekdays!r}")
    active = frozenset(int(ch) for ch in digits)
    if len(active) == len(ALL_WEEKDAYS):
        return _every_day
    return lambda day: day.weekday() in active


def _every_day(_day: date) -> bool:
    return True


def schedule_predicate(
    session: Session, *, platform: str, workspace_id: str, channel_id: str | None
) -> DayPredicate:
    """Active days of a scope from its question and sprint schedules (paused ones included).

    ``channel_id`` None means the whole workspace. A day is active when any such schedule runs on that
    weekday; a scope without schedules (on-demand play only) treats every day as active.
    """
    stmt = select(Schedule.weekdays).where(
        Schedule.platform == platform,
        Schedule.workspace_id == workspace_id,
        Schedule.kind.in_(QUESTION_SCHEDULE_KINDS),
    )
    if channel_id is not None:
        stmt = stmt.where(Schedule.channel_id == channel_id)
    rows = list(session.scalars(stmt.distinct()))
    if not rows:
        return _every_day
    return weekday_predicate("".join(sorted({ch for weekdays in rows for ch in (weekdays or ALL_WEEKDAYS)})))


def missed_active_day(after: date, before: date, is_active_day: DayPredicate) -> bool:
    """Whether an active day lies strictly between ``after`` and ``before``."""
    day = after + timedelta(days=1)
    while day < before:
        if is_active_day(day):
            return True
        day += timedelta(days=1)
    return False


def advance(state: StreakState, day: date, is_active_day: DayPredicate) -> StreakState:
    """The streak after answering on ``day`` (pure; ``record_answer_day`` stores it).

    Same day again, or an earlier day (a late delivery): unchanged. The next active day, or a later day
    with only inactive days in between: one more. A missed active day in between (or no live streak): 1.
    """
    if state.last_date is not None and day <= state.last_date:
        return state
    if (
        state.last_date is None
        or state.current <= 0
        or missed_active_day(state.last_date, day, is_active_day)
    ):
        current = 1
    else:
        current = state.current + 1
    return StreakState(current=current, best=max(state.best, current), last_date=day)


def live(state: StreakState, today: date, is_active_day: DayPredicate) -> StreakState:
    """The streak as shown on ``today``: ``current`` is 0 once an active day before today was missed."""
    if state.last_date is None or state.current <= 0:
        return StreakState(current=0, best=state.best, last_date=state.last_date)
    if missed_active_day(state.last_date, today, is_active_day):
        return StreakState(current=0, best=state.best, last_date=state.last_date)
    return state


def record_answer_day(
    session: Session, *, user_pk: int, scopes: Sequence[str], day: date, is_active_day: DayPredicate
) -> dict[str, StreakState]:
    """Count ``day`` as answered in each scope (creating Streak rows as needed); does not commit.

    Rows are created with an insert that ignores a concurrent creator and then read ``FOR UPDATE`` (on
    PostgreSQL), so two answers of the same user at once cannot lose an update or fail on the key.
    """
    result: dict[str, StreakState] = {}
    for scope in dict.fromkeys(scopes):  # each scope once, in order
        row = _locked_row(session, user_pk=user_pk, scope=scope)
        state = advance(_state(row), day, is_active_day)
        row.current, row.best, row.last_date = state.current, state.best, state.last_date
        result[scope] = state
    session.flush()
    return result


def current_streak(
    session: Session, *, user_pk: int, scope: str, today: date, is_active_day: DayPredicate
) -> StreakState:
    """A user's live streak in a scope on ``today`` (0 when none or already broken)."""
    row = session.get(Streak, (user_pk, scope))
    return live(_state(row), today, is_active_day)


def current_streaks(
    session: Session, *, user_pks: Iterable[int], scope: str, today: date, is_active_day: DayPredicate
) -> dict[int, StreakState]:
    """Live streaks of several users in one scope, in one query; users without a row get zeros."""
    pks = list(dict.fromkeys(user_pks))
    if not pks:
        return {}
    rows = session.scalars(select(Streak).where(Streak.scope == scope, Streak.user_pk.in_(pks)))
    found = {row.user_pk: live(_state(row), today, is_active_day) for row in rows}
    return {pk: found.get(pk, StreakState(0, 0, None)) for pk in pks}


def _state(row: Streak | None) -> StreakState:
    if row is None:
        return StreakState(current=0, best=0, last_date=None)
    return StreakState(current=row.current or 0, best=row.best or 0, last_date=row.last_date)


def _locked_row(session: Session, *, user_pk: int, scope: str) -> Streak:
    """The Streak row for (user, scope), created empty if missing and locked for this transaction."""
    dialect = session.get_bind().dialect.name
    values = {"user_pk": user_pk, "scope": scope, "current": 0, "best": 0, "last_date": None}
    if dialect == "postgresql":
        session.execute(pg_insert(Streak).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(Streak).values(**values).on_conflict_do_nothing())
    elif session.get(Streak, (user_pk, scope)) is None:
        session.add(Streak(**values))
        session.flush()
    row = session.get(Streak, (user_pk, scope), with_for_update=True, populate_existing=True)
    if row is None:  # pragma: no cover - the insert above guarantees it
        raise RuntimeError(f"streak row for user {user_pk} scope {scope!r} vanished")
    return row
