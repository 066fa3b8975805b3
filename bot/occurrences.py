"""Occurrences: when a schedule fires (pure time math, DST included) and claiming each firing exactly once.

An occurrence is one firing of a schedule on one local date and slot (slot 0 for daily questions and
leaderboards; slots 0..per_day-1 for a sprint's questions, ``REPORT_SLOT`` for its readiness report).

Time: a slot's fire time is its local wall-clock time on that date in the schedule's own time zone. On the
spring-forward day a time that does not exist (02:30 in Europe/Berlin on 2026-03-29) fires an hour later by
the wall clock (03:30 CEST, the same instant as 02:30 CET); on the fall-back day a time that happens twice
fires at its first occurrence. Either way the (schedule, date, slot) key makes it one firing per day.

Missed occurrences (the bot was down, or the clock jumped): ``due_occurrences`` returns the occurrences of
the current local day (in each schedule's zone) whose time has come, so an occurrence missed earlier today
is posted late; occurrences of earlier days are never replayed, except those that fell due in the last
``CATCH_UP`` (10 minutes) across a local midnight while this instance was running (a 23:59 job whose
timer fired a few seconds after midnight). An occurrence before the schedule's creation is never due.

Exactly once: before anything is posted, ``claim`` inserts the occurrence row (status ``claimed``) with
``INSERT ... ON CONFLICT DO NOTHING`` on the unique key ``uq_occurrence_schedule_date``; only the instance
whose insert succeeded posts. A claim left ``claimed`` by an instance that died is taken over once it is
older than ``stale_after`` (default 15 minutes, longer than all retries of a post take): a compare-and-set
UPDATE makes only one taker win. The one window for a duplicate is an instance dying after the platform
accepted the post but before the message id was stored (the taker then re-sends the stored post's card).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from bot.storage.models import Occurrence, Schedule, Sprint
from bot.streaks import weekday_predicate, zone

REPORT_SLOT = 100  # a sprint's readiness report, after its question slots
CATCH_UP = timedelta(minutes=10)
STALE_AFTER = timedelta(minutes=15)
SPRINT_SLOT_GAP = timedelta(hours=2)
SPRINT_LAST_SLOT = time(22, 0)  # a sprint's question slots are spread to end by this time
SPRINT_REPORT_TIME = time(22, 30)  # the readiness report on the last day (after the last slot if later)

CLAIMED, POSTED, FAILED = "claimed", "posted", "failed"


@dataclass(frozen=True)
class ScheduleSpec:
    """What the time math needs of a schedule (a snapshot of the row, plus its sprint's dates)."""

    id: int
    kind: str
    platform: str
    workspace_id: str
    channel_id: str
    time_of_day: str
    weekdays: str
    timezone: str
    per_day: int = 1
    paused: bool = False
    created_at: datetime | None = None
    starts_on: date | None = None
    until: date | None = None
    close_after_minutes: int | None = None

    @classmethod
    def of(cls, row: Schedule, sprint: Sprint | None = None) -> ScheduleSpec:
        """The spec of a stored schedule (``sprint``: the sprint a ``sprint`` schedule belongs to)."""
        created = row.created_at
        return cls(
            id=row.id,
            kind=row.kind,
            platform=row.platform,
            workspace_id=row.workspace_id,
            channel_id=row.channel_id,
            time_of_day=row.time_of_day,
            weekdays=row.weekdays,
            timezone=row.timezone,
            per_day=row.per_day or 1,
            paused=row.paused,
            created_at=created.replace(tzinfo=UTC) if created and created.tzinfo is None else created,
            starts_on=sprint.starts_on if sprint else None,
            until=sprint.until if sprint else None,
            close_after_minutes=row.close_after_minutes,
        )


@dataclass(frozen=True, order=True)
class Due:
    """One occurrence that has come: fire time (UTC), schedule, local date and slot."""

    fire_at: datetime
    schedule_id: int
    day: date
    slot: int


def parse_hhmm(text: str) -> time:
    """``"09:00"`` as a time; ValueError otherwise."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and 1 <= len(hours) <= 2):
        raise ValueError(f"not a time of day: {text!r}")
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ValueError(f"not a time of day: {text!r}")
    return time(h, m)


def slot_times(spec: ScheduleSpec) -> dict[int, time]:
    """The local time of each slot of a day (a sprint's report slot not included)."""
    start = parse_hhmm(spec.time_of_day)
    if spec.kind != "sprint" or spec.per_day <= 1:
        return {0: start}
    first = datetime.combine(date(2000, 1, 1), start)
    room = datetime.combine(date(2000, 1, 1), SPRINT_LAST_SLOT) - first
    gap = min(SPRINT_SLOT_GAP, max(room, timedelta(0)) / (spec.per_day - 1))
    gap = timedelta(minutes=int(gap.total_seconds() // 60))
    return {k: (first + k * gap).time() for k in range(spec.per_day)}


def report_time(spec: ScheduleSpec) -> time:
    """When a sprint's readiness report goes out on its last day: 22:30, or 30 minutes after a later slot."""
    last = max(slot_times(spec).values())
    after = (datetime.combine(date(2000, 1, 1), last) + timedelta(minutes=30)).time()
    if after < last:  # past midnight: the last minute of the day
        after = time(23, 59)
    return max(SPRINT_REPORT_TIME, after)


def local_instant(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``tz`` (nonexistent times move forward, repeated
    times take their first occurrence)."""
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def runs_on(spec: ScheduleSpec, day: date) -> bool:
    """Whether the schedule has occurrences on this local date (weekdays, sprint window)."""
    if spec.starts_on is not None and day < spec.starts_on:
        return False
    if spec.until is not None and day > spec.until:
        return False
    return weekday_predicate(spec.weekdays)(day)


def occurrences_on(spec: ScheduleSpec, day: date) -> list[Due]:
    """Every occurrence of the schedule on a local date, in time order."""
    if not runs_on(spec, day):
        return []
    found = [
        Due(local_instant(day, at, spec.timezone), spec.id, day, slot)
        for slot, at in slot_times(spec).items()
    ]
    if spec.kind == "sprint" and spec.until == day:
        found.append(Due(local_instant(day, report_time(spec), spec.timezone), spec.id, day, REPORT_SLOT))
    return sorted(found)


def due_occurrences(
    specs: Iterable[ScheduleSpec], now: datetime, last_seen: datetime | None = None
) -> list[Due]:
    """The occurrences that have come by ``now`` under the missed-occurrence rule (module docstring).

    ``last_seen``: when this instance last looked (None right after a start); only then are occurrences
    from just before a local midnight (within ``CATCH_UP``) still due. Paused schedules have none.
    """
    if now.tzinfo is None:
        raise ValueError("due_occurrences needs a timezone-aware now")
    now = now.astimezone(UTC)
    window_start = None if last_seen is None else max(last_seen.astimezone(UTC), now - CATCH_UP)
    due: list[Due] = []
    for spec in specs:
        if spec.paused:
            continue
        today = now.astimezone(zone(spec.timezone)).date()
        days = [today - timedelta(days=1), today] if window_start is not None else [today]
        for day in days:
            for item in occurrences_on(spec, day):
                if item.fire_at > now:
                    continue
                if spec.created_at is not None and item.fire_at < spec.created_at:
                    continue
                if day != today and (window_start is None or item.fire_at <= window_start):
                    continue
                due.append(item)
    return sorted(due)


def next_fire(spec: ScheduleSpec, after: datetime, *, horizon_days: int = 400) -> datetime | None:
    """The first question/leaderboard occurrence strictly after ``after`` (report slots skipped)."""
    day = after.astimezone(zone(spec.timezone)).date()
    for offset in range(horizon_days):
        for item in occurrences_on(spec, day + timedelta(days=offset)):
            if item.slot != REPORT_SLOT and item.fire_at > after:
                return item.fire_at
    return None


# --- claims -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """An occurrence this instance now owns (``taken_over``: it was a stale claim of a dead instance)."""

    occurrence_id: int
    taken_over: bool = False


def claim(
    session: Session,
    due: Due,
    *,
    instance: str,
    now: datetime,
    stale_after: timedelta = STALE_AFTER,
) -> Claim | None:
    """Claim an occurrence for ``instance``; None when another instance has (or had) it. Does not commit."""
    values = {
        "schedule_id": due.schedule_id,
        "occurrence_date": due.day,
        "slot": due.slot,
        "status": CLAIMED,
        "claimed_by": instance[:100],
        "claimed_at": now,
        "attempts": 0,
    }
    stmt: Executable
    if session.get_bind().dialect.name == "postgresql":
        stmt = pg_insert(Occurrence).values(**values).on_conflict_do_nothing().returning(Occurrence.id)
    else:
        stmt = sqlite_insert(Occurrence).values(**values).on_conflict_do_nothing().returning(Occurrence.id)
    inserted = session.connection().execute(stmt).scalar()
    if inserted is not None:
        return Claim(int(inserted))
    existing = session.execute(
        select(Occurrence.id, Occurrence.status, Occurrence.claimed_by, Occurrence.claimed_at).where(
            Occurrence.schedule_id == due.schedule_id,
            Occurrence.occurrence_date == due.day,
            Occurrence.slot == due.slot,
        )
    ).first()
    if existing is None or existing.status != CLAIMED:
        return None
    claimed_at = (
        existing.claimed_at.replace(tzinfo=UTC) if existing.claimed_at.tzinfo is None else existing.claimed_at
    )
    if now - claimed_at < stale_after:
        return None
    taken: Sequence[Any] = session.execute(
        update(Occurrence)
        .where(
            Occurrence.id == existing.id,
            Occurrence.status == CLAIMED,
            Occurrence.claimed_by == existing.claimed_by,
            Occurrence.claimed_at == existing.claimed_at,
        )
        .values(claimed_by=instance[:100], claimed_at=now)
        .returning(literal_column("1"))
        .execution_options(synchronize_session=False)
    ).all()
    return Claim(int(existing.id), taken_over=True) if taken else None


def known_keys(
    session: Session, schedule_ids: Sequence[int], days: Sequence[date]
) -> dict[tuple[int, date, int], tuple[str, datetime]]:
    """Existing occurrences of these schedules on these days: key -> (status, claimed_at)."""
    if not schedule_ids or not days:
        return {}
    rows = session.execute(
        select(
            Occurrence.schedule_id,
            Occurrence.occurrence_date,
            Occurrence.slot,
            Occurrence.status,
            Occurrence.claimed_at,
        ).where(
            Occurrence.occurrence_date.in_(list(set(days))),
            Occurrence.schedule_id.in_(list(set(schedule_ids))),
        )
    ).all()
    return {
        (r.schedule_id, r.occurrence_date, r.slot): (
            r.status,
            r.claimed_at.replace(tzinfo=UTC) if r.claimed_at.tzinfo is None else r.claimed_at,
        )
        for r in rows
    }


def heartbeat(session: Session, occurrence_id: int, *, instance: str, now: datetime, attempts: int) -> None:
    """Record another delivery attempt (and refresh the claim so it is not taken for stale)."""
    session.execute(
        update(Occurrence)
        .where(Occurrence.id == occurrence_id, Occurrence.claimed_by == instance[:100])
        .values(claimed_at=now, attempts=attempts)
        .execution_options(synchronize_session=False)
    )


def finish(
    session: Session,
    occurrence_id: int,
    *,
    status: str,
    now: datetime,
    attempts: int,
    error: str | None = None,
) -> None:
    """Mark an occurrence posted or failed."""
    session.execute(
        update(Occurrence)
        .where(Occurrence.id == occurrence_id)
        .values(status=status, finished_at=now, attempts=attempts, error=(error or None) and error[:2000])
        .execution_options(synchronize_session=False)
    )
