"""Schedules: parsing ``/quiz schedule ...`` into requests, and creating, listing, pausing, resuming and
deleting schedules (the database is the source of truth; the scheduler's timer is rebuilt from it).

Grammar (words in any case; ``key=value`` forms are accepted too: ``topic=docker tz=Europe/Berlin``)::

    schedule daily HH:MM [TOPIC | topic TOPIC | bank BANK] [DAYS] [tz ZONE] [close DURATION]
    schedule leaderboard [DAY] HH:MM [tz ZONE]        (DAY: mon..sun, default mon)
    schedule list | pause ID | resume ID | delete ID  (``unschedule ID`` deletes too)

DAYS: ``weekdays`` (Mon-Fri), ``weekends``, ``every day`` (the default), a list ``mon,wed,fri`` or a range
``mon-fri``. ZONE: an IANA time zone (default: the bot's ``QUIZMASTER_TIMEZONE``). DURATION: ``90m``,
``2h``, ``1d``: how long each question stays open (default: until the next post of the schedule). Times:
``09:00``, ``9:30``, ``9am``, ``5:15pm``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.events import Where
from bot.occurrences import parse_hhmm
from bot.storage.banks import bank_visible_in, visible_in
from bot.storage.models import Bank, Occurrence, Post, QuestionRow, Schedule
from bot.streaks import zone

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_WORDS = {
    **{name: str(i) for i, name in enumerate(DAY_NAMES)},
    **{
        full: str(i)
        for i, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": "1",
    "wednes": "2",
    "thur": "3",
    "thurs": "3",
}
DAY_SETS = {
    "weekdays": "01234",
    "workdays": "01234",
    "weekends": "56",
    "weekend": "56",
    "daily": "0123456",
    "everyday": "0123456",
    "every-day": "0123456",
}
ALL_DAYS = "0123456"
MAX_CLOSE_MINUTES = 7 * 24 * 60
_TIME_12H = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)$")
_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes|h|hr|hrs|hours|d|days?)$")
ACTIONS = {
    "list": "list",
    "ls": "list",
    "pause": "pause",
    "resume": "resume",
    "unpause": "resume",
    "delete": "delete",
    "remove": "delete",
    "rm": "delete",
    "cancel": "delete",
    "del": "delete",
}


class ScheduleError(ValueError):
    """A command the user can fix: the message says what was wrong."""


@dataclass(frozen=True)
class CreateSchedule:
    """``schedule daily ...`` or ``schedule leaderboard ...``."""

    kind: str  # "question" | "leaderboard"
    time_of_day: str  # "HH:MM"
    weekdays: str = ALL_DAYS
    timezone: str | None = None  # None: the bot's default
    target: str | None = None  # a topic or bank as typed
    target_kind: str = "any"  # "any" (topic first, then bank) | "topic" | "bank"
    close_after_minutes: int | None = None


@dataclass(frozen=True)
class ScheduleAction:
    """``schedule list|pause|resume|delete [ID]``."""

    action: str
    schedule_id: int | None = None


def parse_time(text: str) -> str:
    """A time of day as ``HH:MM`` (``9:00``, ``09:00``, ``9am``, ``5:15pm``); ScheduleError otherwise."""
    word = text.strip().casefold()
    match = _TIME_12H.match(word)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hours <= 12 or minutes > 59:
            raise ScheduleError(f"`{text}` is not a time of day: use HH:MM, e.g. 09:00.")
        hours = hours % 12 + (12 if match.group(3) == "pm" else 0)
        return f"{hours:02d}:{minutes:02d}"
    try:
        at = parse_hhmm(word)
    except ValueError:
        raise ScheduleError(f"`{text}` is not a time of day: use HH:MM, e.g. 09:00.") from None
    return f"{at.hour:02d}:{at.minute:02d}"


def parse_days(text: str) -> str | None:
    """Weekdays as digits (Monday=0) from ``weekdays``, ``mon,wed,fri``, ``mon-fri``; None if not days."""
    word = text.strip().casefold()
    if word in DAY_SETS:
        return DAY_SETS[word]
    if "-" in word and "," not in word:
        first, _, last = word.partition("-")
        if first in DAY_WORDS and last in DAY_WORDS:
            a, b = int(DAY_WORDS[first]), int(DAY_WORDS[last])
            span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            return "".join(sorted({str(d) for d in span}))
        return None
    parts = [p for p in word.split(",") if p]
    if parts and all(p in DAY_WORDS for p in parts):
        return "".join(sorted({DAY_WORDS[p] for p in parts}))
    return None


def parse_timezone(text: str) -> str:
    """A valid IANA time zone name; ScheduleError otherwise."""
    name = text.strip()
    try:
        zone(name)
    except ValueError:
        raise ScheduleError(
            f"Unknown time zone `{name[:60]}`: use an IANA name like Europe/Berlin."
        ) from None
    return name


def parse_duration_minutes(text: str) -> int:
    """``90m``, ``2h``, ``1d`` in minutes (1 minute to 7 days)."""
    match = _DURATION.match(text.strip().casefold())
    if not match:
        raise ScheduleError(f"`{text[:40]}` is not a duration: use e.g. 90m, 2h or 1d.")
    amount, unit = int(match.group(1)), match.group(2)[0]
    minutes = amount * {"m": 1, "h": 60, "d": 1440}[unit]
    if not 1 <= minutes <= MAX_CLOSE_MINUTES:
        raise ScheduleError("Questions can stay open from 1 minute to 7 days.")
    return minutes


def _split_pairs(words: list[str]) -> list[str]:
    """``key=value`` words become ``key value`` (``days=mon-fri`` -> ``days mon-fri``)."""
    out: list[str] = []
    for word in words:
        key, eq, value = word.partition("=")
        if eq and key and value:
            out.extend([key, value])
        else:
            out.append(word)
    return out


def parse_schedule(args: str) -> CreateSchedule | ScheduleAction:
    """Parse the words after ``/quiz schedule``; ScheduleError with a helpful message when they are wrong."""
    words = _split_pairs(args.split())
    if not words:
        raise ScheduleError(USAGE)
    head, rest = words[0].casefold(), words[1:]
    if head in ACTIONS:
        return _parse_action(ACTIONS[head], rest)
    if head in ("daily", "question", "questions", "q"):
        return _parse_daily(rest)
    if head in ("leaderboard", "lb", "weekly", "board"):
        return _parse_leaderboard(rest)
    raise ScheduleError(USAGE)


def parse_unschedule(args: str) -> ScheduleAction:
    """``/quiz unschedule ID``."""
    return _parse_action("delete", args.split())


def _parse_action(action: str, rest: list[str]) -> ScheduleAction:
    if action == "list":
        if rest:
            raise ScheduleError("`schedule list` takes no arguments.")
        return ScheduleAction("list")
    if len(rest) != 1 or not rest[0].lstrip("#").isdigit() or len(rest[0]) > 12:
        raise ScheduleError(
            f"Name the schedule by its number: `/quiz schedule {action} 3` (see `schedule list`)."
        )
    return ScheduleAction(action, int(rest[0].lstrip("#")))


def _parse_daily(rest: list[str]) -> CreateSchedule:
    if not rest:
        raise ScheduleError("Say when: `/quiz schedule daily 09:00 [topic] [weekdays] [tz Europe/Berlin]`.")
    at = parse_time(rest[0])
    weekdays: str | None = None
    tz: str | None = None
    close: int | None = None
    target_words: list[str] = []
    target_kind = "any"
    i = 1
    while i < len(rest):
        word, low = rest[i], rest[i].casefold()
        nxt = rest[i + 1] if i + 1 < len(rest) else None
        if low in ("tz", "timezone", "zone"):
            if nxt is None:
                raise ScheduleError("Name the time zone after `tz`, e.g. `tz Europe/Berlin`.")
            tz, i = parse_timezone(nxt), i + 2
            continue
        if low in ("close", "closes", "open", "for"):
            if nxt is None:
                raise ScheduleError("Say how long questions stay open after `close`, e.g. `close 2h`.")
            close, i = parse_duration_minutes(nxt), i + 2
            continue
        if low in ("days", "on"):
            if nxt is None or parse_days(nxt) is None:
                raise ScheduleError("Name the days, e.g. `weekdays`, `mon,wed,fri` or `mon-fri`.")
            weekdays, i = _merge_days(weekdays, parse_days(nxt)), i + 2
            continue
        if low == "every" and nxt is not None and nxt.casefold() in ("day", "days"):
            weekdays, i = _merge_days(weekdays, ALL_DAYS), i + 2
            continue
        if low in ("topic", "bank") and not target_words:
            if nxt is None:
                raise ScheduleError(f"Name the {low} after `{low}`.")
            target_kind = low
            i += 1
            continue
        days = parse_days(word)
        if days is not None:
            weekdays, i = _merge_days(weekdays, days), i + 1
            continue
        target_words.append(word)
        i += 1
    target = " ".join(target_words)[:100].strip() or None
    if target_kind != "any" and target is None:
        raise ScheduleError(f"Name the {target_kind} after `{target_kind}`.")
    return CreateSchedule("question", at, weekdays or ALL_DAYS, tz, target, target_kind, close)


def _merge_days(current: str | None, more: str | None) -> str:
    return "".join(sorted(set(current or "") | set(more or "")))


def _parse_leaderboard(rest: list[str]) -> CreateSchedule:
    weekdays: str | None = None
    at: str | None = None
    tz: str | None = None
    i = 0
    while i < len(rest):
        low = rest[i].casefold()
        if low in ("tz", "timezone", "zone"):
            if i + 1 >= len(rest):
                raise ScheduleError("Name the time zone after `tz`, e.g. `tz Europe/Berlin`.")
            tz, i = parse_timezone(rest[i + 1]), i + 2
            continue
        days = parse_days(low)
        if days is not None and weekdays is None:
            weekdays, i = days, i + 1
            continue
        if at is None:
            at, i = parse_time(rest[i]), i + 1
            continue
        raise ScheduleError(
            f"Unexpected `{rest[i][:40]}`: use `/quiz schedule leaderboard mon 09:00 [tz ZONE]`."
        )
    if at is None:
        raise ScheduleError("Say when: `/quiz schedule leaderboard mon 09:00`.")
    return CreateSchedule("leaderboard", at, weekdays or "0", tz)


USAGE = (
    "Use `/quiz schedule daily 09:00 [topic] [weekdays|every day] [tz Europe/Berlin] [close 2h]`, "
    "`/quiz schedule leaderboard mon 09:00`, or `/quiz schedule list|pause ID|resume ID|delete ID`."
)


# --- storing ------------------------------------------------------------------------------------------------


def resolve_target(
    session: Session,
    request: CreateSchedule,
    where: Where,
    match_topic: Callable[[Session, str], str | None],
) -> tuple[str | None, str | None]:
    """(topic, bank) for a request's target: a topic (forgiving match, ``match_topic``) or a bank name
    (case-insensitive), of the banks ``where``'s workspace sees."""
    if request.target is None:
        return None, None
    name = request.target
    if request.target_kind in ("any", "bank"):
        bank = session.scalars(
            select(Bank.name).where(
                func.lower(Bank.name) == name.casefold(), bank_visible_in(where.platform, where.workspace_id)
            )
        ).first()
        if bank is not None and (request.target_kind == "bank" or not _is_topic(session, where, name)):
            return None, bank
    if request.target_kind in ("any", "topic"):
        topic = match_topic(session, name)
        if topic is not None:
            return topic, None
    what = "bank" if request.target_kind == "bank" else "topic or bank"
    raise ScheduleError(f"There is no {what} called `{name[:60]}`: `/quiz topics` lists the topics.")


def _is_topic(session: Session, where: Where, name: str) -> bool:
    return (
        session.scalars(
            select(QuestionRow.topic)
            .where(
                func.lower(QuestionRow.topic) == name.casefold(),
                visible_in(where.platform, where.workspace_id),
            )
            .limit(1)
        ).first()
        is not None
    )


def create_schedule(
    session: Session,
    request: CreateSchedule,
    *,
    where: Where,
    owner: str,
    now: datetime,
    default_timezone: str,
    topic: str | None = None,
    bank: str | None = None,
) -> Schedule:
    """Store a new schedule for ``where`` (the target already resolved to ``topic``/``bank``)."""
    row = Schedule(
        kind=request.kind,
        platform=where.platform,
        workspace_id=where.workspace_id,
        channel_id=where.channel_id,
        time_of_day=request.time_of_day,
        weekdays=request.weekdays,
        timezone=request.timezone or default_timezone,
        topic=topic,
        bank=bank,
        per_day=1,
        close_after_minutes=request.close_after_minutes,
        paused=False,
        created_by=owner[:64],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def list_schedules(
    session: Session, *, platform: str, workspace_id: str, channel_id: str | None = None
) -> list[Schedule]:
    """A workspace's schedules (one channel's when ``channel_id`` is given), oldest first."""
    stmt = select(Schedule).where(Schedule.platform == platform, Schedule.workspace_id == workspace_id)
    if channel_id is not None:
        stmt = stmt.where(Schedule.channel_id == channel_id)
    return list(session.scalars(stmt.order_by(Schedule.id)))


def find_schedule(session: Session, schedule_id: int, *, platform: str, workspace_id: str) -> Schedule:
    """A schedule of this workspace by number; ScheduleError when there is none."""
    row = session.get(Schedule, schedule_id)
    if row is None or (row.platform, row.workspace_id) != (platform, workspace_id):
        raise ScheduleError(f"There is no schedule #{schedule_id} here: see `/quiz schedule list`.")
    return row


def set_paused(
    session: Session, schedule_id: int, paused: bool, *, platform: str, workspace_id: str
) -> Schedule:
    """Pause or resume a schedule."""
    row = find_schedule(session, schedule_id, platform=platform, workspace_id=workspace_id)
    row.paused = paused
    session.flush()
    return row


def delete_schedule(session: Session, schedule_id: int, *, platform: str, workspace_id: str) -> Schedule:
    """Delete a schedule (its occurrences go with it; posts keep their history)."""
    row = find_schedule(session, schedule_id, platform=platform, workspace_id=workspace_id)
    occurrence_ids = select(Occurrence.id).where(Occurrence.schedule_id == row.id)
    for post in session.scalars(select(Post).where(Post.occurrence_id.in_(occurrence_ids))):
        post.occurrence_id = None
    session.flush()
    for occurrence in session.scalars(select(Occurrence).where(Occurrence.schedule_id == row.id)):
        session.delete(occurrence)
    session.delete(row)
    session.flush()
    return row


def describe(row: Schedule) -> str:
    """One line about a schedule, for ``schedule list`` and confirmations."""
    days = describe_days(row.weekdays)
    if row.kind == "leaderboard":
        what = "weekly leaderboard"
    elif row.kind == "sprint":
        what = f"sprint questions ({row.per_day} a day)"
    else:
        what = "question" + (
            f" on {row.topic}" if row.topic else f" from bank {row.bank}" if row.bank else ""
        )
    close = f", open {row.close_after_minutes} min" if row.close_after_minutes else ""
    state = " (paused)" if row.paused else ""
    return f"#{row.id} {what}, {days} at {row.time_of_day} {row.timezone} in #{row.channel_id}{close}{state}"


def describe_days(weekdays: str | None) -> str:
    """``0123456`` -> every day, ``01234`` -> weekdays, ``0`` -> Mondays, ``024`` -> Mon, Wed, Fri."""
    digits = "".join(sorted(set(weekdays or ALL_DAYS)))
    if digits == ALL_DAYS:
        return "every day"
    if digits == "01234":
        return "weekdays"
    if digits == "56":
        return "weekends"
    if len(digits) == 1:
        return FULL_DAY_NAMES[int(digits)] + "s"
    return ", ".join(DAY_NAMES[int(d)].capitalize() for d in digits)
