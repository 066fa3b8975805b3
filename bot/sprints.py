"""Exam-prep sprints: ``/quiz sprint create "Midterm" topics=docker,kubernetes until=2026-12-15 per-day=3
at=09:00 [team=NAME] [tz=ZONE]``, then N questions a day in the channel until the exam date.

A sprint is a ``Sprint`` row plus a ``Schedule`` of kind ``sprint`` whose ``per_day`` slots start at ``at``
and are spread two hours apart (closer when they would run past 22:00; see ``bot.occurrences``). It runs
from the day it is created (the next day when today's first slot has passed) to ``until`` inclusive.

Question choice (``choose_question``): active questions of the sprint's topics not yet posted in this sprint,
the ones the cohort (the sprint's team, else the workspace) got wrong most first, then ones nobody in the
cohort has answered, then the ones they answered right; ties are broken by a per-sprint shuffle. Once every
question was posted, the most-missed ones come round again, least recently posted first.

Each day's first slot also posts a progress line (``SprintProgress``). On the last day, after the last slot
(22:30 local by default), the readiness report (``ReadinessReport``: per learner and per topic, answered,
accuracy, weakest topics, review links) is DMed to the instructor; ``quizmaster sprint report NAME --csv``
exports the same report.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shlex
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from bot.commands import clean_name
from bot.events import Where
from bot.feedback import review_link
from bot.messages import LearnerReadiness, ReadinessReport, ReviewLink, SprintProgress, TopicReadiness
from bot.occurrences import ScheduleSpec, local_instant, parse_hhmm, runs_on, slot_times
from bot.schedules import ScheduleError, parse_time, parse_timezone
from bot.scoring import CORRECT_SCORE
from bot.storage.banks import visible_in
from bot.storage.models import (
    AnswerRow,
    Occurrence,
    Post,
    QuestionRow,
    Schedule,
    Sprint,
    Team,
    TeamMember,
    User,
)
from bot.streaks import zone
from questions.model import Question

MAX_PER_DAY = 10
MAX_SPRINT_DAYS = 366
MAX_NAME = 100
WEAKEST = 2
REVIEW_LINKS = 3
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
USAGE = (
    'Use `/quiz sprint create "NAME" topics=docker,kubernetes until=2026-12-15 per-day=3 at=09:00 '
    "[team=NAME] [tz=ZONE]`, `/quiz sprint list`, `/quiz sprint report NAME` or `/quiz sprint cancel NAME`."
)


@dataclass(frozen=True)
class CreateSprint:
    """A parsed ``sprint create``."""

    name: str
    topics: tuple[str, ...]
    until: date
    per_day: int = 1
    at: str = "09:00"
    team: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class SprintAction:
    """``sprint list``, ``sprint report NAME``, ``sprint cancel NAME``."""

    action: str
    name: str | None = None


def parse_sprint(args: str) -> CreateSprint | SprintAction:
    """Parse the words after ``/quiz sprint``; ScheduleError with a helpful message when they are wrong."""
    try:
        words = shlex.split(args.translate(QUOTES))
    except ValueError:
        raise ScheduleError("Unbalanced quotes: put the sprint name in double quotes.") from None
    if not words:
        raise ScheduleError(USAGE)
    head, rest = words[0].casefold(), words[1:]
    if head in ("list", "ls"):
        return SprintAction("list")
    if head in ("report", "cancel", "delete", "stop"):
        name = clean_name(" ".join(rest), MAX_NAME)
        if not name:
            raise ScheduleError(f"Name the sprint: `/quiz sprint {head} NAME`.")
        return SprintAction("cancel" if head != "report" else "report", name)
    if head not in ("create", "new", "start"):
        raise ScheduleError(USAGE)
    options: dict[str, str] = {}
    name_words: list[str] = []
    for word in rest:
        key, eq, value = word.partition("=")
        if eq:
            key = key.casefold().replace("_", "-")
            if key in options:
                raise ScheduleError(f"`{key}` is given twice.")
            options[key] = value
        else:
            name_words.append(word)
    name = clean_name(" ".join(name_words), MAX_NAME)
    if not name:
        raise ScheduleError('Name the sprint: `/quiz sprint create "Midterm" topics=... until=YYYY-MM-DD`.')
    known = {"topics", "topic", "until", "per-day", "perday", "at", "team", "tz", "timezone"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ScheduleError(f"Unknown option `{unknown[0][:30]}`. {USAGE}")
    topics = tuple(
        t.strip() for t in (options.get("topics") or options.get("topic") or "").split(",") if t.strip()
    )
    if not topics:
        raise ScheduleError("Name the topics: `topics=docker,kubernetes`.")
    if "until" not in options:
        raise ScheduleError("Say when the exam is: `until=2026-12-15`.")
    try:
        until = date.fromisoformat(options["until"])
    except ValueError:
        raise ScheduleError(f"`{options['until'][:30]}` is not a date: use YYYY-MM-DD.") from None
    per_day_text = options.get("per-day") or options.get("perday") or "1"
    if not per_day_text.isdigit() or not 1 <= int(per_day_text) <= MAX_PER_DAY:
        raise ScheduleError(f"per-day must be a number from 1 to {MAX_PER_DAY}.")
    tz_text = options.get("tz") or options.get("timezone")
    return CreateSprint(
        name=name,
        topics=topics,
        until=until,
        per_day=int(per_day_text),
        at=parse_time(options.get("at", "09:00")),
        team=clean_name(options["team"], 60) if options.get("team") else None,
        timezone=parse_timezone(tz_text) if tz_text else None,
    )


# --- storing ------------------------------------------------------------------------------------------------


def create_sprint(
    session: Session,
    request: CreateSprint,
    *,
    where: Where,
    owner: str,
    now: datetime,
    default_timezone: str,
    match_topic: Callable[[Session, str], str | None],
) -> tuple[Sprint, Schedule]:
    """Store a sprint and its schedule; ScheduleError: unknown topic or team, past date, used name."""
    tz = request.timezone or default_timezone
    today = now.astimezone(zone(tz)).date()
    first_slot = local_instant(today, parse_hhmm(request.at), tz)
    starts_on = today if first_slot >= now else today + timedelta(days=1)
    if request.until < today:
        raise ScheduleError(
            f"{request.until.isoformat()} is in the past: the sprint must end today or later."
        )
    if request.until < starts_on:
        raise ScheduleError(
            f"Today's {request.at} has passed: the sprint would have no day before {request.until}."
        )
    if (request.until - starts_on).days >= MAX_SPRINT_DAYS:
        raise ScheduleError("A sprint can last up to a year.")
    topics: list[str] = []
    for typed in request.topics:
        topic = match_topic(session, typed)
        if topic is None:
            raise ScheduleError(f"There is no topic called `{typed[:60]}`: `/quiz topics` lists them.")
        if topic not in topics:
            topics.append(topic)
    team_id = None
    if request.team:
        team = session.scalars(
            select(Team).where(
                Team.platform == where.platform,
                Team.workspace_id == where.workspace_id,
                func.lower(Team.name) == request.team.lower(),
            )
        ).first()
        if team is None:
            raise ScheduleError(f"There is no team called `{request.team}`: `/quiz team list` lists them.")
        team_id = team.id
    if find_sprint(session, where.platform, where.workspace_id, request.name) is not None:
        raise ScheduleError(f"There is already a sprint called `{request.name}`.")
    sprint = Sprint(
        name=request.name,
        platform=where.platform,
        workspace_id=where.workspace_id,
        channel_id=where.channel_id,
        topics=topics,
        starts_on=starts_on,
        until=request.until,
        per_day=request.per_day,
        team_id=team_id,
        owner_user_id=owner[:64],
        created_at=now,
    )
    session.add(sprint)
    session.flush()
    schedule = Schedule(
        kind="sprint",
        platform=where.platform,
        workspace_id=where.workspace_id,
        channel_id=where.channel_id,
        time_of_day=request.at,
        weekdays="0123456",
        timezone=tz,
        per_day=request.per_day,
        sprint_id=sprint.id,
        paused=False,
        created_by=owner[:64],
        created_at=now,
    )
    session.add(schedule)
    session.flush()
    return sprint, schedule


def find_sprint(session: Session, platform: str, workspace_id: str, name: str) -> Sprint | None:
    """A workspace's sprint by name (case-insensitive)."""
    return session.scalars(
        select(Sprint).where(
            Sprint.platform == platform,
            Sprint.workspace_id == workspace_id,
            func.lower(Sprint.name) == name.lower(),
        )
    ).first()


def sprint_schedule(session: Session, sprint: Sprint) -> Schedule | None:
    """The schedule that posts a sprint's questions."""
    return session.scalars(
        select(Schedule).where(Schedule.sprint_id == sprint.id).order_by(Schedule.id)
    ).first()


def cancel_sprint(session: Session, sprint: Sprint) -> None:
    """Delete a sprint and its schedule (posted questions keep their history)."""
    schedule = sprint_schedule(session, sprint)
    if schedule is not None:
        occurrence_ids = select(Occurrence.id).where(Occurrence.schedule_id == schedule.id)
        for post in session.scalars(select(Post).where(Post.occurrence_id.in_(occurrence_ids))):
            post.occurrence_id = None
        session.flush()
        for occurrence in session.scalars(select(Occurrence).where(Occurrence.schedule_id == schedule.id)):
            session.delete(occurrence)
        session.delete(schedule)
    session.delete(sprint)
    session.flush()


# --- questions ----------------------------------------------------------------------------------------------


def _sprint_posts(sprint_id: int) -> Select:  # type: ignore[type-arg]
    """Posts made by a sprint's schedule: id, question id, posted at."""
    return (
        select(Post.id, Post.question_id, Post.posted_at)
        .join(Occurrence, Occurrence.id == Post.occurrence_id)
        .join(Schedule, Schedule.id == Occurrence.schedule_id)
        .where(Schedule.sprint_id == sprint_id)
    )


def _cohort_filter(sprint: Sprint) -> list[Any]:
    """WHERE terms limiting answers to the sprint's cohort (its team, else its workspace)."""
    terms: list[Any] = [AnswerRow.platform == sprint.platform, AnswerRow.workspace_id == sprint.workspace_id]
    if sprint.team_id is not None:
        terms.append(
            AnswerRow.user_pk.in_(select(TeamMember.user_pk).where(TeamMember.team_id == sprint.team_id))
        )
    return terms


def _shuffle_key(sprint_id: int, question_id: str) -> bytes:
    return hashlib.blake2s(f"{sprint_id}:{question_id}".encode(), digest_size=8).digest()


def choose_question(session: Session, sprint: Sprint) -> str | None:
    """The next question of a sprint (module docstring); None when its topics have no active questions."""
    pool = list(
        session.scalars(
            select(QuestionRow.id).where(
                QuestionRow.active.is_(True),
                QuestionRow.topic.in_(list(sprint.topics)),
                visible_in(sprint.platform, sprint.workspace_id),
            )
        )
    )
    if not pool:
        return None
    stats = _wrong_counts(session, sprint, pool)
    last_posted: dict[str, datetime] = {}
    for _post_id, question_id, posted_at in session.execute(_sprint_posts(sprint.id)).all():
        if question_id not in last_posted or posted_at > last_posted[question_id]:
            last_posted[question_id] = posted_at

    def rank(question_id: str) -> tuple[int, int, float, bytes]:
        answered, wrong = stats.get(question_id, (0, 0))
        tier = 0 if wrong > 0 else 1 if answered == 0 else 2
        return (tier, -wrong, -(wrong / answered if answered else 0.0), _shuffle_key(sprint.id, question_id))

    fresh = [qid for qid in pool if qid not in last_posted]
    if fresh:
        return min(fresh, key=rank)
    return min(pool, key=lambda qid: (last_posted[qid], rank(qid)))


def _wrong_counts(session: Session, sprint: Sprint, pool: Sequence[str]) -> dict[str, tuple[int, int]]:
    """question id -> (answers, wrong answers) by the sprint's cohort, over all time."""
    rows = session.execute(
        select(AnswerRow.question_id, AnswerRow.score).where(
            AnswerRow.question_id.in_(list(pool)), *_cohort_filter(sprint)
        )
    ).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for question_id, score in rows:
        counts[question_id][0] += 1
        counts[question_id][1] += int(score < CORRECT_SCORE)
    return {qid: (c[0], c[1]) for qid, c in counts.items()}


# --- progress and readiness ---------------------------------------------------------------------------------


def sprint_days(spec: ScheduleSpec) -> list[date]:
    """The days a sprint posts on."""
    if spec.starts_on is None or spec.until is None:
        return []
    days, day = [], spec.starts_on
    while day <= spec.until:
        if runs_on(spec, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def sprint_progress(session: Session, sprint: Sprint, spec: ScheduleSpec, today: date) -> SprintProgress:
    """The progress line for ``today``: questions posted so far of those planned, the cohort's accuracy."""
    days = sprint_days(spec)
    day = sum(1 for d in days if d <= today)
    post_ids = [row.id for row in session.execute(_sprint_posts(sprint.id)).all()]
    answered = correct = 0
    if post_ids:
        answered, correct = _tally(session, sprint, post_ids)
    return SprintProgress(
        name=sprint.name,
        day=max(day, 1),
        days=len(days),
        posted=len(post_ids),
        planned=len(days) * len(slot_times(spec)),
        answered=answered,
        accuracy=correct / answered if answered else None,
    )


def _tally(session: Session, sprint: Sprint, post_ids: Sequence[int]) -> tuple[int, int]:
    row = session.execute(
        select(
            func.count(), func.coalesce(func.sum(case((AnswerRow.score >= CORRECT_SCORE, 1), else_=0)), 0)
        ).where(AnswerRow.post_id.in_(list(post_ids)), *_cohort_filter(sprint))
    ).one()
    return int(row[0]), int(row[1])


def readiness_report(
    session: Session, sprint: Sprint, *, review_base_url: str | None = None
) -> ReadinessReport:
    """Per learner and per topic: answered, accuracy, weakest topics and review links (sprint posts only)."""
    post_ids = [row.id for row in session.execute(_sprint_posts(sprint.id)).all()]
    rows: Sequence[Any] = []
    if post_ids:
        rows = session.execute(
            select(
                AnswerRow.user_pk, AnswerRow.question_id, AnswerRow.score, QuestionRow.topic, QuestionRow.data
            )
            .join(QuestionRow, QuestionRow.id == AnswerRow.question_id)
            .where(AnswerRow.post_id.in_(post_ids), *_cohort_filter(sprint))
            .order_by(AnswerRow.answered_at, AnswerRow.id)
        ).all()
    names: dict[int, str] = {}
    cohort: list[int] = []
    if sprint.team_id is not None:
        cohort = list(session.scalars(select(TeamMember.user_pk).where(TeamMember.team_id == sprint.team_id)))
    user_pks = sorted({r.user_pk for r in rows} | set(cohort))
    if user_pks:
        for pk, user_id, display in session.execute(
            select(User.id, User.user_id, User.display_name).where(User.id.in_(user_pks))
        ).all():
            names[pk] = display or user_id
    links: dict[str, ReviewLink | None] = {}

    def link(question_id: str, data: dict[str, Any]) -> ReviewLink | None:
        if question_id not in links:
            title, url = review_link(Question.model_validate(data), review_base_url)
            links[question_id] = ReviewLink(title, url) if (title or url) else None
        return links[question_id]

    per_user: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    missed_by_user: dict[int, list[ReviewLink]] = defaultdict(list)
    per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    topic_users: dict[str, set[int]] = defaultdict(set)
    missed_by_topic: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    question_data: dict[str, dict[str, Any]] = {}
    for row in rows:
        topic = row.topic or "(no topic)"
        right = row.score >= CORRECT_SCORE
        per_user[row.user_pk][topic][0] += 1
        per_user[row.user_pk][topic][1] += int(right)
        per_topic[topic][0] += 1
        per_topic[topic][1] += int(right)
        topic_users[topic].add(row.user_pk)
        question_data[row.question_id] = row.data
        if not right:
            missed_by_topic[topic][row.question_id] += 1
            found = link(row.question_id, row.data)
            if found is not None and found not in missed_by_user[row.user_pk]:
                missed_by_user[row.user_pk].append(found)
    learners = []
    for pk in user_pks:
        topics = per_user.get(pk, {})
        answered = sum(c[0] for c in topics.values())
        correct = sum(c[1] for c in topics.values())
        weak = sorted(
            (t for t, c in topics.items() if c[1] < c[0]),
            key=lambda t: (topics[t][1] / topics[t][0], -topics[t][0], t),
        )
        learners.append(
            LearnerReadiness(
                name=names.get(pk, str(pk)),
                answered=answered,
                correct=correct,
                accuracy=correct / answered if answered else 0.0,
                weakest=tuple(weak[:WEAKEST]),
                review=tuple(missed_by_user.get(pk, [])[:REVIEW_LINKS]),
            )
        )
    learners.sort(key=lambda entry: (entry.accuracy if entry.answered else -1.0, entry.answered, entry.name))
    topic_rows = []
    for topic in sorted(set(per_topic) | set(sprint.topics), key=str.casefold):
        answered, correct = per_topic.get(topic, [0, 0])
        most_missed = sorted(missed_by_topic.get(topic, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        review = []
        for question_id, _count in most_missed:
            found = link(question_id, question_data[question_id])
            if found is not None and found not in review:
                review.append(found)
        topic_rows.append(
            TopicReadiness(
                topic=topic,
                answered=answered,
                correct=correct,
                accuracy=correct / answered if answered else 0.0,
                learners=len(topic_users.get(topic, set())),
                review=tuple(review[:REVIEW_LINKS]),
            )
        )
    topic_rows.sort(key=lambda t: (t.accuracy if t.answered else 2.0, t.topic.casefold()))
    return ReadinessReport(
        name=sprint.name,
        starts_on=sprint.starts_on.isoformat(),
        until=sprint.until.isoformat(),
        posted=len(post_ids),
        learners=tuple(learners),
        topics=tuple(topic_rows),
    )


CSV_COLUMNS = ("section", "name", "answered", "correct", "accuracy", "weakest_topics", "learners", "review")


def _cell(text: str) -> str:
    """Spreadsheet-safe text: a leading = + - @ would make a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _review_cell(links: Sequence[ReviewLink]) -> str:
    return " | ".join(" ".join(p for p in (r.title, r.url) if p) for r in links)


def report_csv(report: ReadinessReport) -> str:
    """The readiness report as CSV: one row per learner, then one per topic."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for learner in report.learners:
        writer.writerow(
            [
                "learner",
                _cell(learner.name),
                learner.answered,
                learner.correct,
                f"{learner.accuracy:.3f}",
                _cell("; ".join(learner.weakest)),
                "",
                _cell(_review_cell(learner.review)),
            ]
        )
    for topic in report.topics:
        writer.writerow(
            [
                "topic",
                _cell(topic.topic),
                topic.answered,
                topic.correct,
                f"{topic.accuracy:.3f}",
                "",
                topic.learners,
                _cell(_review_cell(topic.review)),
            ]
        )
    return out.getvalue()
