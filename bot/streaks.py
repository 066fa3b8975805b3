"""Streaks: consecutive days, in the scope's time zone, on which a user answered.

A streak is kept per user and scope (a channel id, or ``"*"`` for the whole workspace) in the ``streaks``
table: the current run, the best run and the last day answered. Days on which nothing was scheduled (the
weekend of a Monday-to-Friday schedule) neither extend nor break a streak; a missed *active* day resets it.
Whether a day is active is a predicate the caller passes in: ``weekday_predicate`` builds one from a
schedule's weekdays, ``schedule_predicate`` from every question schedule in a scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.storage.models import Schedule, Streak

WORKSPACE_SCOPE = "*"
ALL_WEEKDAYS = "0123456"
# Schedules that post questions (and so make a day "active"); leaderboard schedules do not.
QUESTION_SCHEDULE_KINDS = ("question", "sprint")

DayPredicate = Callable[[date], bool]

# The statements of ``record_answer_day``, built once (building and cache-keying them costs more than
# running them on SQLite).
_STREAKS = cast(Table, Streak.__table__)
_LOCK_STREAKS = (
    select(_STREAKS.c.scope, _STREAKS.c.current, _STREAKS.c.best, _STREAKS.c.last_date)
    .where(
        _STREAKS.c.user_pk == bindparam("user_pk"),
        _STREAKS.c.scope.in_(bindparam("scopes", expanding=True)),
    )
    .order_by(_STREAKS.c.scope)  # one lock order for every transaction
    .with_for_update()
)
_CREATE_STREAKS = MappingProxyType(
    {
        "postgresql": pg_insert(_STREAKS).on_conflict_do_nothing(),
        "sqlite": sqlite_insert(_STREAKS).on_conflict_do_nothing(),
    }
)
_CREATE_STREAKS_PLAIN = insert(_STREAKS)
_UPDATE_STREAK = (
    update(_STREAKS)
    .where(_STREAKS.c.user_pk == bindparam("k_user"), _STREAKS.c.scope == bindparam("k_scope"))
    .values(current=bindparam("v_current"), best=bindparam("v_best"), last_date=bindparam("v_last"))
)


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
    session: Session,
    *,
    user_pk: int,
    scopes: Sequence[str],
    day: date,
    is_active_day: DayPredicate,
    seen: Mapping[str, StreakState] | None = None,
) -> dict[str, StreakState]:
    """Count ``day`` as answered in each scope (creating Streak rows as needed); does not commit.

    One ``SELECT ... FOR UPDATE`` (on PostgreSQL) locks the user's rows of every scope at once, in scope
    order; missing rows are first created with an insert that ignores a concurrent creator, then read again.
    Only rows whose state changed are written. So two answers of the same user at once cannot lose an
    update or fail on the key.

    ``seen``: the stored states of (some) scopes, already read in this transaction. When every scope is
    there and already counts ``day`` (``last_date`` on or after it), nothing is read or written: a stored
    ``last_date`` only ever moves forward, so answering again that day cannot change those rows.
    """
    wanted = list(dict.fromkeys(scopes))  # each scope once, in order
    if not wanted:
        return {}
    if seen is not None and all(_counts_day(seen.get(scope), day) for scope in wanted):
        return {scope: seen[scope] for scope in wanted}
    session.flush()  # pending ORM changes first: the statements below bypass the unit of work
    connection = session.connection()
    params = {"user_pk": user_pk, "scopes": wanted}
    found = _locked_states(connection, params)
    missing = [scope for scope in wanted if scope not in found]
    if missing:
        blank = [
            {"user_pk": user_pk, "scope": s, "current": 0, "best": 0, "last_date": None} for s in missing
        ]
        connection.execute(_CREATE_STREAKS.get(connection.dialect.name, _CREATE_STREAKS_PLAIN), blank)
        found = _locked_states(connection, params)
    result: dict[str, StreakState] = {}
    changed: list[dict[str, object]] = []
    for scope in wanted:
        before = found[scope]
        after = advance(before, day, is_active_day)
        result[scope] = after
        if after != before:
            changed.append(
                {
                    "k_user": user_pk,
                    "k_scope": scope,
                    "v_current": after.current,
                    "v_best": after.best,
                    "v_last": after.last_date,
                }
            )
    if changed:
        connection.execute(_UPDATE_STREAK, changed)
        for values in changed:  # an ORM copy loaded earlier in this session is now stale
            stale = session.identity_map.get(session.identity_key(Streak, (user_pk, values["k_scope"])))
            if stale is not None:
                session.expire(stale)
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


def _counts_day(state: StreakState | None, day: date) -> bool:
    return state is not None and state.last_date is not None and day <= state.last_date


def _locked_states(connection: Connection, params: dict[str, object]) -> dict[str, StreakState]:
    rows = connection.execute(_LOCK_STREAKS, params)
    return {scope: StreakState(current or 0, best or 0, last) for scope, current, best, last in rows}
