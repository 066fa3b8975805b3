"""Due-occurrence computation: the schedule's own time zone, DST days, weekdays, the missed-occurrence rule,
sprint slots and the report slot (pure functions, no database)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.occurrences import (
    REPORT_SLOT,
    ScheduleSpec,
    due_occurrences,
    next_fire,
    occurrences_on,
    report_time,
    slot_times,
)
from bot.scheduler import cron_fields

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def spec(
    at: str = "09:00", tz: str = "Europe/Berlin", weekdays: str = "0123456", **kw: object
) -> ScheduleSpec:
    base: dict[str, object] = dict(
        id=1,
        kind="question",
        platform="p",
        workspace_id="w",
        channel_id="c",
        time_of_day=at,
        weekdays=weekdays,
        timezone=tz,
        created_at=CREATED,
    )
    base.update(kw)
    return ScheduleSpec(**base)  # type: ignore[arg-type]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_fires_at_local_time_in_the_schedules_zone_across_both_dst_changes() -> None:
    s = spec("09:00")
    # Winter (CET, +1): 08:00 UTC. Summer (CEST, +2): 07:00 UTC. Both sides of each change.
    assert [d.fire_at for d in occurrences_on(s, date(2026, 3, 28))] == [utc(2026, 3, 28, 8, 0)]
    assert [d.fire_at for d in occurrences_on(s, date(2026, 3, 29))] == [utc(2026, 3, 29, 7, 0)]
    assert [d.fire_at for d in occurrences_on(s, date(2026, 10, 24))] == [utc(2026, 10, 24, 7, 0)]
    assert [d.fire_at for d in occurrences_on(s, date(2026, 10, 25))] == [utc(2026, 10, 25, 8, 0)]


def test_nonexistent_spring_time_fires_once_an_hour_later_by_the_wall_clock() -> None:
    s = spec("02:30")  # 02:30 does not exist in Berlin on 2026-03-29
    fires = occurrences_on(s, date(2026, 3, 29))
    assert len(fires) == 1
    assert fires[0].fire_at == utc(2026, 3, 29, 1, 30)  # = 03:30 CEST
    # Due once, whenever we look that day.
    assert len(due_occurrences([s], utc(2026, 3, 29, 1, 31))) == 1
    assert due_occurrences([s], utc(2026, 3, 29, 1, 29)) == []


def test_repeated_autumn_time_fires_once_at_its_first_occurrence() -> None:
    s = spec("02:30")  # 02:30 happens twice in Berlin on 2026-10-25
    fires = occurrences_on(s, date(2026, 10, 25))
    assert [f.fire_at for f in fires] == [utc(2026, 10, 25, 0, 30)]  # 02:30 CEST
    # An hour later (the second 02:30, CET) it is the same occurrence, not a new one.
    later = due_occurrences([s], utc(2026, 10, 25, 1, 30))
    assert [(d.day, d.slot) for d in later] == [(date(2026, 10, 25), 0)]


def test_a_day_of_every_day_across_a_dst_change_has_exactly_one_occurrence() -> None:
    s = spec("09:00")
    day = date(2026, 3, 25)
    seen = []
    for _ in range(10):
        seen += occurrences_on(s, day)
        day += timedelta(days=1)
    assert len(seen) == 10
    gaps = {b.fire_at - a.fire_at for a, b in itertools.pairwise(seen)}
    assert gaps == {timedelta(hours=24), timedelta(hours=23)}  # the short day


def test_weekdays_skip_the_weekend() -> None:
    s = spec("09:00", tz="UTC", weekdays="01234")
    assert occurrences_on(s, date(2026, 1, 9))  # Friday
    assert occurrences_on(s, date(2026, 1, 10)) == []  # Saturday
    assert occurrences_on(s, date(2026, 1, 11)) == []  # Sunday
    assert next_fire(s, utc(2026, 1, 9, 9, 0)) == utc(2026, 1, 12, 9, 0)  # Friday's closes on Monday


@pytest.mark.parametrize(
    ("now", "last_seen", "expected"),
    [
        (utc(2026, 1, 5, 8, 59), None, []),  # not yet
        (utc(2026, 1, 5, 9, 0), None, [date(2026, 1, 5)]),  # on time
        (utc(2026, 1, 5, 17, 0), None, [date(2026, 1, 5)]),  # late, same day: still due
        (utc(2026, 1, 8, 8, 0), None, []),  # after days down, before today's time: older days never replay
        (utc(2026, 1, 8, 10, 0), utc(2026, 1, 5, 10, 0), [date(2026, 1, 8)]),  # clock jump: only today
    ],
)
def test_missed_occurrence_rule(now: datetime, last_seen: datetime | None, expected: list[date]) -> None:
    s = spec("09:00", tz="UTC")
    assert [d.day for d in due_occurrences([s], now, last_seen)] == expected


def test_an_occurrence_just_before_midnight_is_caught_up_only_by_a_running_instance() -> None:
    s = spec("23:59", tz="UTC")
    just_after = utc(2026, 1, 6, 0, 0, 30)
    assert due_occurrences([s], just_after, last_seen=None) == []  # a fresh start: yesterday is gone
    caught = due_occurrences([s], just_after, last_seen=utc(2026, 1, 5, 23, 58))
    assert [(d.day, d.slot) for d in caught] == [(date(2026, 1, 5), 0)]
    # ... but not once the catch-up window (10 minutes) has passed.
    assert due_occurrences([s], utc(2026, 1, 6, 0, 30), last_seen=utc(2026, 1, 5, 23, 58)) == []


def test_nothing_before_the_schedule_was_created_and_nothing_while_paused() -> None:
    created_late = spec("09:00", tz="UTC", created_at=utc(2026, 1, 5, 10, 0))
    assert due_occurrences([created_late], utc(2026, 1, 5, 12, 0)) == []
    assert len(due_occurrences([created_late], utc(2026, 1, 6, 9, 0))) == 1
    assert due_occurrences([spec("09:00", tz="UTC", paused=True)], utc(2026, 1, 5, 12, 0)) == []


def test_schedules_in_different_zones_are_due_on_their_own_local_day() -> None:
    tokyo = spec("08:00", tz="Asia/Tokyo", id=2)  # 23:00 UTC the day before
    la = spec("08:00", tz="America/Los_Angeles", id=3)  # 16:00 UTC
    due = due_occurrences([tokyo, la], utc(2026, 1, 5, 23, 30))
    assert {(d.schedule_id, d.day) for d in due} == {(2, date(2026, 1, 6)), (3, date(2026, 1, 5))}


def test_sprint_slots_spread_through_the_day_and_the_report_comes_last_on_the_last_day() -> None:
    sprint = spec("09:00", kind="sprint", per_day=3, starts_on=date(2026, 1, 5), until=date(2026, 1, 7))
    assert list(slot_times(sprint).values()) == [time(9), time(11), time(13)]
    assert occurrences_on(sprint, date(2026, 1, 4)) == []  # before the sprint
    assert occurrences_on(sprint, date(2026, 1, 8)) == []  # after it
    assert [d.slot for d in occurrences_on(sprint, date(2026, 1, 6))] == [0, 1, 2]
    assert [d.slot for d in occurrences_on(sprint, date(2026, 1, 7))] == [0, 1, 2, REPORT_SLOT]
    assert report_time(sprint) == time(22, 30)
    late = spec("21:00", kind="sprint", per_day=4, starts_on=date(2026, 1, 5), until=date(2026, 1, 7))
    times = list(slot_times(late).values())
    assert times[0] == time(21) and times[-1] <= time(22) and len(set(times)) == 4
    assert report_time(late) == time(22, 30)


def test_timer_triggers_are_one_per_distinct_time_zone_and_days() -> None:
    same = [spec("09:00", id=i) for i in range(1, 1001)]
    assert len(set(cron_fields(same))) == 1
    mixed = [spec("09:00", id=1), spec("09:00", tz="UTC", id=2), spec("09:00", weekdays="01234", id=3)]
    assert len(set(cron_fields(mixed))) == 3
    assert cron_fields([spec("09:00", paused=True)]) == []


def test_apscheduler_trigger_fires_at_the_local_time_across_dst() -> None:
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger(
        day_of_week="mon,tue,wed,thu,fri,sat,sun", hour=9, minute=0, timezone="Europe/Berlin"
    )
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    nxt = trigger.get_next_fire_time(None, before)
    assert nxt is not None and nxt.astimezone(UTC) == utc(2026, 3, 29, 7, 0)  # 09:00 CEST
