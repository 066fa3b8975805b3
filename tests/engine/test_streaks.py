"""Streaks: local days, consecutive answering days, inactive days, resets and DST (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Schedule, Streak, User
from bot.streaks import (
    DayPredicate,
    StreakState,
    current_streak,
    local_day,
    record_answer_day,
    schedule_predicate,
    weekday_predicate,
)

EVERY_DAY = weekday_predicate(None)
WEEKDAYS = weekday_predicate("01234")
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def _user(session: Session, user_id: str = "U1") -> int:
    user = User(
        platform="slack",
        workspace_id="T1",
        user_id=user_id,
        display_name=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(user)
    session.flush()
    return user.id


def _local(tz: str, *args: int) -> datetime:
    """An aware instant given as local wall time, converted to UTC like stored times."""
    year, month, day, hour, minute = args
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _answer(
    session: Session, user_pk: int, day: date, predicate: DayPredicate = EVERY_DAY, scope: str = "C1"
) -> StreakState:
    return record_answer_day(session, user_pk=user_pk, scopes=[scope], day=day, is_active_day=predicate)[
        scope
    ]


# --- pure parts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "tz", "expected"),
    [
        # Berlin, an ordinary winter night (UTC+1)
        (datetime(2026, 3, 27, 22, 59, tzinfo=UTC), BERLIN, date(2026, 3, 27)),  # 23:59 local
        (datetime(2026, 3, 27, 23, 1, tzinfo=UTC), BERLIN, date(2026, 3, 28)),  # 00:01 local
        # Berlin, the night after the spring change (2026-03-29, now UTC+2)
        (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), BERLIN, date(2026, 3, 29)),
        (datetime(2026, 3, 29, 22, 1, tzinfo=UTC), BERLIN, date(2026, 3, 30)),
        # New York around the spring change (2026-03-08): EST before, EDT after
        (datetime(2026, 3, 8, 4, 59, tzinfo=UTC), NEW_YORK, date(2026, 3, 7)),
        (datetime(2026, 3, 8, 5, 1, tzinfo=UTC), NEW_YORK, date(2026, 3, 8)),
        (datetime(2026, 3, 9, 3, 59, tzinfo=UTC), NEW_YORK, date(2026, 3, 8)),
        (datetime(2026, 3, 9, 4, 1, tzinfo=UTC), NEW_YORK, date(2026, 3, 9)),
        # New York around the autumn change (2026-11-01): EDT before, EST after
        (datetime(2026, 11, 1, 3, 59, tzinfo=UTC), NEW_YORK, date(2026, 10, 31)),
        (datetime(2026, 11, 1, 4, 1, tzinfo=UTC), NEW_YORK, date(2026, 11, 1)),
        (datetime(2026, 11, 2, 4, 59, tzinfo=UTC), NEW_YORK, date(2026, 11, 1)),
        (datetime(2026, 11, 2, 5, 1, tzinfo=UTC), NEW_YORK, date(2026, 11, 2)),
    ],
)
def test_local_day_follows_the_zone_across_dst(instant: datetime, tz: str, expected: date) -> None:
    assert local_day(instant, tz) == expected


def test_local_day_refuses_naive_times_and_unknown_zones() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2026, 3, 1, 12, 0), BERLIN)
    with pytest.raises(ValueError, match="unknown time zone"):
        local_day(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "Mars/Olympus_Mons")


def test_weekday_predicate() -> None:
    monday = date(2026, 3, 2)
    week = [monday + timedelta(days=i) for i in range(7)]
    assert [WEEKDAYS(d) for d in week] == [True] * 5 + [False] * 2
    assert all(EVERY_DAY(d) for d in week)
    assert all(weekday_predicate("")(d) for d in week)
    assert [weekday_predicate("0,2, 4")(d) for d in week] == [True, False, True, False, True, False, False]
    for bad in ("7", "mon", "0-4"):
        with pytest.raises(ValueError, match="weekdays"):
            weekday_predicate(bad)


# --- recorded streaks ---------------------------------------------------------------------------------------


def test_consecutive_days_count_and_same_day_repeats_do_not(session: Session) -> None:
    pk = _user(session)
    assert _answer(session, pk, date(2026, 3, 2)) == StreakState(1, 1, date(2026, 3, 2))
    assert _answer(session, pk, date(2026, 3, 2)) == StreakState(1, 1, date(2026, 3, 2))
    assert _answer(session, pk, date(2026, 3, 3)) == StreakState(2, 2, date(2026, 3, 3))
    assert _answer(session, pk, date(2026, 3, 4)) == StreakState(3, 3, date(2026, 3, 4))
    assert _answer(session, pk, date(2026, 3, 4)) == StreakState(3, 3, date(2026, 3, 4))
    session.commit()
    row = session.get(Streak, (pk, "C1"))
    assert row is not None
    assert (row.current, row.best, row.last_date) == (3, 3, date(2026, 3, 4))


def test_a_missed_day_resets_and_best_is_kept(session: Session) -> None:
    pk = _user(session)
    for day in (2, 3, 4):
        _answer(session, pk, date(2026, 3, day))
    assert _answer(session, pk, date(2026, 3, 6)) == StreakState(1, 3, date(2026, 3, 6))  # the 5th missed
    assert _answer(session, pk, date(2026, 3, 7)) == StreakState(2, 3, date(2026, 3, 7))
    for day in (8, 9):
        state = _answer(session, pk, date(2026, 3, day))
    assert state == StreakState(4, 4, date(2026, 3, 9))  # best follows once current passes it


def test_an_earlier_day_delivered_late_changes_nothing(session: Session) -> None:
    pk = _user(session)
    _answer(session, pk, date(2026, 3, 2))
    _answer(session, pk, date(2026, 3, 3))
    assert _answer(session, pk, date(2026, 3, 1)) == StreakState(2, 2, date(2026, 3, 3))


def test_weekend_of_a_weekday_schedule_does_not_break(session: Session) -> None:
    pk = _user(session)
    for day in (4, 5, 6):  # Wednesday to Friday
        _answer(session, pk, date(2026, 3, day), WEEKDAYS)
    assert _answer(session, pk, date(2026, 3, 9), WEEKDAYS) == StreakState(4, 4, date(2026, 3, 9))  # Monday
    # The same gap breaks a streak where every day is active.
    other = _user(session, "U2")
    for day in (4, 5, 6):
        _answer(session, other, date(2026, 3, day), EVERY_DAY)
    assert _answer(session, other, date(2026, 3, 9), EVERY_DAY) == StreakState(1, 3, date(2026, 3, 9))
    # Missing a weekday still breaks the weekday schedule: Monday 9th, then Wednesday 11th.
    assert _answer(session, pk, date(2026, 3, 11), WEEKDAYS) == StreakState(1, 4, date(2026, 3, 11))


def test_answering_on_an_inactive_day_counts(session: Session) -> None:
    pk = _user(session)
    _answer(session, pk, date(2026, 3, 6), WEEKDAYS)  # Friday
    _answer(session, pk, date(2026, 3, 7), WEEKDAYS)  # Saturday (catching up)
    assert _answer(session, pk, date(2026, 3, 9), WEEKDAYS) == StreakState(3, 3, date(2026, 3, 9))


def test_scopes_are_independent(session: Session) -> None:
    pk = _user(session)
    record_answer_day(session, user_pk=pk, scopes=["C1", "*"], day=date(2026, 3, 2), is_active_day=EVERY_DAY)
    both = record_answer_day(
        session, user_pk=pk, scopes=["C2", "*", "*"], day=date(2026, 3, 3), is_active_day=EVERY_DAY
    )
    assert both == {"C2": StreakState(1, 1, date(2026, 3, 3)), "*": StreakState(2, 2, date(2026, 3, 3))}
    session.commit()
    rows = session.scalars(select(Streak).where(Streak.user_pk == pk).order_by(Streak.scope)).all()
    assert [(r.scope, r.current) for r in rows] == [("*", 2), ("C1", 1), ("C2", 1)]


@pytest.mark.parametrize(
    ("tz", "instants", "expected_current"),
    [
        # 23:59 one day, 00:01 the next: two minutes apart, two days.
        (BERLIN, [(2026, 3, 27, 23, 59), (2026, 3, 28, 0, 1)], 2),
        # 00:01 and 23:59 on the same day: one day.
        (BERLIN, [(2026, 3, 28, 0, 1), (2026, 3, 28, 23, 59)], 1),
        # Across the spring change (the 29th has 23 hours): days 28, 29, 29, 30.
        (BERLIN, [(2026, 3, 28, 23, 59), (2026, 3, 29, 0, 1), (2026, 3, 29, 23, 59), (2026, 3, 30, 0, 1)], 3),
        (NEW_YORK, [(2026, 3, 7, 23, 59), (2026, 3, 8, 0, 1), (2026, 3, 8, 23, 59), (2026, 3, 9, 0, 1)], 3),
        # Across the autumn change (1 November has 25 hours).
        (
            NEW_YORK,
            [(2026, 10, 31, 23, 59), (2026, 11, 1, 0, 1), (2026, 11, 1, 23, 59), (2026, 11, 2, 0, 1)],
            3,
        ),
        # 00:01 on the 7th, then 23:59 on the 8th: 47h58m apart, but consecutive days.
        (NEW_YORK, [(2026, 3, 7, 0, 1), (2026, 3, 8, 23, 59)], 2),
        # 23:59 on the 31st, then 00:01 on 2 November: 48h+1h02m apart, a day (the 1st) missed.
        (NEW_YORK, [(2026, 10, 31, 23, 59), (2026, 11, 2, 0, 1)], 1),
    ],
)
def test_answers_near_midnight_and_across_dst(
    session: Session, tz: str, instants: list[tuple[int, ...]], expected_current: int
) -> None:
    pk = _user(session)
    state = None
    for wall in instants:
        state = _answer(session, pk, local_day(_local(tz, *wall), tz))
    assert state is not None and state.current == expected_current


def test_current_streak_is_zero_once_an_active_day_was_missed(session: Session) -> None:
    pk = _user(session)
    for day in (4, 5, 6):  # Wednesday to Friday
        _answer(session, pk, date(2026, 3, day), WEEKDAYS)
    session.commit()

    def shown(today: date, predicate: DayPredicate = WEEKDAYS) -> StreakState:
        return current_streak(session, user_pk=pk, scope="C1", today=today, is_active_day=predicate)

    assert shown(date(2026, 3, 6)) == StreakState(3, 3, date(2026, 3, 6))  # answered today
    assert shown(date(2026, 3, 7)).current == 3  # Saturday: nothing missed
    assert shown(date(2026, 3, 9)).current == 3  # Monday, not answered yet: still alive
    assert shown(date(2026, 3, 10)) == StreakState(0, 3, date(2026, 3, 6))  # Monday was missed
    assert shown(date(2026, 3, 8), EVERY_DAY).current == 0  # with every day active, Saturday was missed
    # Nothing recorded: zeros, not an error.
    assert current_streak(
        session, user_pk=pk, scope="elsewhere", today=date(2026, 3, 9), is_active_day=EVERY_DAY
    ) == StreakState(0, 0, None)


def test_schedule_predicate_uses_the_scopes_question_schedules(session: Session) -> None:
    def schedule(channel: str, weekdays: str, kind: str = "question", workspace: str = "T1") -> Schedule:
        return Schedule(
            kind=kind,
            platform="slack",
            workspace_id=workspace,
            channel_id=channel,
            time_of_day="09:00",
            weekdays=weekdays,
            timezone=BERLIN,
            created_by="U0",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )

    session.add_all(
        [
            schedule("C1", "01234"),
            schedule("C2", "5"),
            schedule("C1", "6", kind="leaderboard"),  # posts no question: not an active day
            schedule("C3", "6", workspace="T2"),
        ]
    )
    session.flush()
    saturday, sunday, monday = date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)

    def pred(channel: str | None) -> DayPredicate:
        return schedule_predicate(session, platform="slack", workspace_id="T1", channel_id=channel)

    assert (pred("C1")(monday), pred("C1")(saturday), pred("C1")(sunday)) == (True, False, False)
    assert (pred("C2")(monday), pred("C2")(saturday)) == (False, True)
    assert (pred(None)(monday), pred(None)(saturday), pred(None)(sunday)) == (True, True, False)
    assert pred("no-schedules")(sunday)  # on-demand play only: every day counts
