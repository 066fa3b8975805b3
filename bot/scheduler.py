"""The scheduler: APScheduler as an in-process timer, the database as the source of truth, each occurrence
claimed before it is posted (``bot.occurrences``), so restarts, clock jumps and replicas post it once.

``Scheduler.run_due(now)`` does all the work and is what every timer job calls (the console's ``/clock +1d``
calls it too): it reads the schedules, computes the due occurrences (``due_occurrences``: today's that have
come, never older days), skips those already in the database, and for each one left, in one transaction,
claims it and builds what to post (a question card with ``closes_at`` = the schedule's next occurrence
unless ``close DURATION`` was given; the weekly digest; a sprint's progress line, question or report).
Posts then go out through the adapter's delivery, with at most ``concurrency`` in flight and each channel
independent: a failed post is retried with exponential backoff (or after the platform's Retry-After, when
the error carries one) while the others go on, and after ``RetryPolicy.attempts`` the occurrence is marked
``failed`` and the schedule's owner gets a direct message. Finally posts past their ``closes_at`` are closed
and their cards updated with the answer and the distribution.

Timer: ``start()`` builds one APScheduler ``CronTrigger`` job per distinct (time, weekdays, time zone) of the
schedules, in the schedule's own zone, plus a ``tick`` every minute that rebuilds the jobs when the schedules
changed (another replica's edit) and runs ``run_due`` (a safety net for clock jumps and DST). The instructor
commands call ``rebuild_soon()`` after their transaction commits. Concurrent fires coalesce into one run.

Wiring: ``build_scheduler(app, deliver)`` where ``deliver`` sends one ``Reply`` and raises when the platform
refused it (``dispatcher_delivery(dispatcher)``), or a mapping platform -> deliver; ``await start()`` inside
the adapter's event loop, ``shutdown()`` on exit. With the app's ``Metrics`` (``build_scheduler`` passes
them) every occurrence that ended posted or failed is counted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.dispatcher import run_unit
from bot.events import Actor, Where
from bot.messages import error
from bot.occurrences import (
    CLAIMED,
    FAILED,
    POSTED,
    REPORT_SLOT,
    STALE_AFTER,
    Due,
    ScheduleSpec,
    claim,
    due_occurrences,
    finish,
    heartbeat,
    known_keys,
    local_instant,
    next_fire,
    report_time,
    slot_times,
)
from bot.ports import Reply, ToChannel, ToDirect, ToUser, UpdatePosted
from bot.quiz import QuizService, utc
from bot.services import Services
from bot.sprints import choose_question, readiness_report, sprint_progress
from bot.storage.banks import visible_in
from bot.storage.models import Post, QuestionRow, Schedule, Sprint
from bot.weekly import weekly_digest

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.app import QuizApp
    from bot.dispatcher import Dispatcher
    from bot.metrics import Metrics

log = logging.getLogger(__name__)

Deliver = Callable[[Reply], Awaitable[None]]
CLAIM_BATCH = 25  # occurrences claimed and prepared per transaction
HEARTBEAT_EVERY = timedelta(minutes=1)  # a retrying claim is refreshed this often (stale after 15 minutes)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class RetryPolicy:
    """How a failed post is retried: ``attempts`` in all, waiting ``base_delay`` * 2^n (at most
    ``max_delay``, with jitter) or the platform's Retry-After."""

    attempts: int = 5
    base_delay: float = 2.0
    max_delay: float = 120.0


@dataclass
class RunReport:
    """What one ``run_due`` did."""

    due: int = 0
    posted: int = 0
    failed: int = 0
    skipped: int = 0  # already handled, or claimed by another instance
    closed: int = 0
    occurrences: list[tuple[int, str, int, str]] = field(
        default_factory=list
    )  # (schedule, date, slot, status)


@dataclass(frozen=True)
class Planned:
    """What a claimed occurrence will post (in order); ``problem``: nothing to post, and why."""

    occurrence_id: int
    replies: tuple[Reply, ...]
    owner: str
    where: Where
    problem: str | None = None


def retry_after_of(exc: BaseException) -> float | None:
    """The platform's Retry-After carried by an error (a ``retry_after`` attribute, or a response header)."""
    value: Any = getattr(exc, "retry_after", None)
    if value is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
        if headers is not None:
            try:
                items = list(headers.items())
            except AttributeError:
                items = []
            value = next((v for k, v in items if str(k).lower() == "retry-after"), None)
    try:
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def dispatcher_delivery(dispatcher: Dispatcher) -> Deliver:
    """The dispatcher's own delivery of one reply (recording a card's message ref), raising on failure."""
    return dispatcher.deliver_one


def instance_name() -> str:
    """This process's claim id: host, pid and a random part."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduler:
    """Fires due schedule occurrences exactly once across restarts and replicas (module docstring)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        services: Services,
        deliver: Deliver | Mapping[str, Deliver],
        *,
        instance_id: str | None = None,
        timer: AsyncIOScheduler | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = 50,
        stale_after: timedelta = STALE_AFTER,
        review_base_url: str | None = None,
        charts: bool = True,
        tick_seconds: float = 60.0,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._services = services
        self._deliveries: Mapping[str, Deliver] | None = None if callable(deliver) else deliver
        self._deliver_any: Deliver | None = deliver if callable(deliver) else None
        self.instance_id = (instance_id or instance_name())[:100]
        self._timer = timer
        self._retry = retry or RetryPolicy()
        self._concurrency = max(1, concurrency)
        self._gate: asyncio.Semaphore | None = None
        self._gate_loop: asyncio.AbstractEventLoop | None = None
        self._stale_after = stale_after
        self._review_base_url = review_base_url
        self._charts = charts
        self._tick_seconds = tick_seconds
        self._rng = rng or random.Random()
        self._last_seen: datetime | None = None
        self._fingerprint: tuple[Any, ...] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Task[None] | None = None
        self._again = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._holds: dict[str, float] = {}  # "platform/workspace" -> loop time before which nothing is sent
        self._metrics = metrics

    @property
    def timer(self) -> AsyncIOScheduler | None:
        """The APScheduler timer (None before ``start``; ``timer.running`` is False after ``shutdown``)."""
        return self._timer

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Build the timer from the database, start it, and post what is due now (missed-occurrence rule)."""
        self._loop = asyncio.get_running_loop()
        if self._timer is None:
            from apscheduler.schedulers.asyncio import AsyncIOScheduler

            self._timer = AsyncIOScheduler(event_loop=self._loop)
        await self.rebuild()
        self._timer.start()
        await self.run_due()

    def shutdown(self) -> None:
        """Stop the timer and any runs in progress."""
        if self._timer is not None and self._timer.running:
            self._timer.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()

    def rebuild_soon(self) -> None:
        """Rebuild the timer from the database (thread-safe; instructor commands call it after commit)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(lambda: self._spawn(self.rebuild()))

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def rebuild(self) -> int:
        """Replace the timer's jobs with those of the stored schedules; returns how many jobs there are."""
        specs = await asyncio.to_thread(self.load_specs)
        self._fingerprint = tuple(specs)
        timer = self._timer
        if timer is None:
            return 0
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        timer.remove_all_jobs()
        triggers = sorted(set(cron_fields(specs)))
        for at, weekdays, tz in triggers:
            days = ",".join(DAY_NAMES[int(d)] for d in weekdays)
            trigger = CronTrigger(day_of_week=days, hour=at.hour, minute=at.minute, timezone=tz)
            timer.add_job(self.request_run, trigger, coalesce=True, misfire_grace_time=300, max_instances=1)
        timer.add_job(self._tick, IntervalTrigger(seconds=self._tick_seconds), id="tick", coalesce=True)
        log.info("scheduler %s: %d timer jobs for %d schedules", self.instance_id, len(triggers), len(specs))
        return len(triggers)

    async def _tick(self) -> None:
        specs = await asyncio.to_thread(self.load_specs)
        if tuple(specs) != self._fingerprint:
            await self.rebuild()
        await self.request_run()

    async def request_run(self) -> None:
        """Run ``run_due`` now, or once more after the run in progress (fires at the same minute coalesce)."""
        if self._running is not None and not self._running.done():
            self._again = True
            return
        self._running = asyncio.ensure_future(self._run_loop())
        self._tasks.add(self._running)
        self._running.add_done_callback(self._tasks.discard)

    async def _run_loop(self) -> None:
        while True:
            self._again = False
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduler run failed")
            if not self._again:
                return

    # --- the work -----------------------------------------------------------------------------------------

    @property
    def platforms(self) -> frozenset[str] | None:
        """The platforms this scheduler delivers to (None: any)."""
        return None if self._deliveries is None else frozenset(self._deliveries)

    def _deliver_for(self, platform: str) -> Deliver | None:
        if self._deliveries is None:
            return self._deliver_any
        return self._deliveries.get(platform)

    def load_specs(self) -> list[ScheduleSpec]:
        """Every stored schedule this scheduler serves, as specs (sprint dates included)."""

        def load(session: Session) -> list[ScheduleSpec]:
            stmt = select(Schedule, Sprint).outerjoin(Sprint, Sprint.id == Schedule.sprint_id)
            if self.platforms is not None:
                stmt = stmt.where(Schedule.platform.in_(sorted(self.platforms)))
            return [
                ScheduleSpec.of(row, sprint) for row, sprint in session.execute(stmt.order_by(Schedule.id))
            ]

        return run_unit(self._sessions, load)

    async def run_due(self, now: datetime | None = None) -> RunReport:
        """Post every due occurrence not yet claimed, then close due posts (module docstring)."""
        moment = utc(now or self._clock.now())
        specs = await asyncio.to_thread(self.load_specs)
        by_id = {spec.id: spec for spec in specs}
        due = due_occurrences(specs, moment, self._last_seen)
        self._last_seen = moment
        report = RunReport(due=len(due))
        pending = await asyncio.to_thread(self._unresolved, due, moment)
        report.skipped += len(due) - len(pending)
        self._ensure_gate()
        outcomes = await self._run_all(by_id, pending, moment)
        for item, outcome in zip(pending, outcomes, strict=True):
            if self._metrics is not None and outcome in (POSTED, FAILED):
                self._metrics.record_scheduled_post(by_id[item.schedule_id].platform, outcome)
            if outcome == POSTED:
                report.posted += 1
            elif outcome == FAILED:
                report.failed += 1
            else:
                report.skipped += 1
            report.occurrences.append((item.schedule_id, item.day.isoformat(), item.slot, outcome))
        report.closed = await self.close_due(moment)
        return report

    def _ensure_gate(self) -> None:
        """One semaphore per event loop bounds the posts in flight."""
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate, self._gate_loop = asyncio.Semaphore(self._concurrency), loop

    def _unresolved(self, due: Sequence[Due], now: datetime) -> list[Due]:
        """The due occurrences not yet in the database (or claimed by an instance that went stale)."""
        if not due:
            return []

        def check(session: Session) -> list[Due]:
            known = known_keys(session, [d.schedule_id for d in due], [d.day for d in due])
            left = []
            for item in due:
                found = known.get((item.schedule_id, item.day, item.slot))
                if found is None or (found[0] == CLAIMED and now - found[1] >= self._stale_after):
                    left.append(item)
            return left

        return run_unit(self._sessions, check)

    async def _run_all(
        self, by_id: Mapping[int, ScheduleSpec], pending: Sequence[Due], now: datetime
    ) -> list[str]:
        """Claim and prepare the occurrences ``CLAIM_BATCH`` to a transaction, each batch's posts going out
        while the next is claimed; the outcome of each, in order."""
        runs: list[asyncio.Future[str]] = []
        for start in range(0, len(pending), CLAIM_BATCH):
            chunk = pending[start : start + CLAIM_BATCH]
            plans = await asyncio.to_thread(self._claim_chunk, by_id, chunk, now)
            for item, plan in zip(chunk, plans, strict=True):
                runs.append(
                    asyncio.ensure_future(self._run_planned(by_id[item.schedule_id], item, plan, now))
                )
        return list(await asyncio.gather(*runs))

    def _claim_chunk(
        self, by_id: Mapping[int, ScheduleSpec], chunk: Sequence[Due], now: datetime
    ) -> list[Planned | BaseException | None]:
        """One transaction claiming and preparing ``chunk``; when one of them fails, one transaction each, so
        the failure stays with its occurrence (an exception in its place) and the others go out."""

        def one(session: Session, item: Due) -> Planned | None:
            return self._claim_and_prepare(session, by_id[item.schedule_id], item, now)

        try:
            return list(run_unit(self._sessions, lambda s: [one(s, item) for item in chunk]))
        except Exception:
            if len(chunk) == 1:
                log.exception("could not prepare occurrence %s", chunk[0])
                return [RuntimeError("could not prepare")]
        results: list[Planned | BaseException | None] = []
        for item in chunk:
            results.extend(self._claim_chunk(by_id, [item], now))
        return results

    async def _run_planned(
        self, spec: ScheduleSpec, due: Due, planned: Planned | BaseException | None, now: datetime
    ) -> str:
        if isinstance(planned, BaseException):
            return "error"
        if planned is None:
            return "skipped"
        attempts, problem = 0, planned.problem
        if problem is None:
            attempts, problem = await self._deliver_all(planned)
        status = POSTED if problem is None else FAILED
        done = utc(self._clock.now())
        await asyncio.to_thread(
            run_unit,
            self._sessions,
            lambda s: finish(
                s, planned.occurrence_id, status=status, now=done, attempts=attempts, error=problem
            ),
        )
        if problem is not None:
            await self._tell_owner(spec, due, planned, problem, attempts)
        return status

    async def _deliver_all(self, planned: Planned) -> tuple[int, str | None]:
        """Send the planned replies in order, each retried; (attempts made, the final error or None)."""
        deliver = self._deliver_for(planned.where.platform)
        if deliver is None:
            return 0, f"no adapter for platform {planned.where.platform}"
        total = 0
        beat = utc(self._clock.now())
        hold_key = f"{planned.where.platform}/{planned.where.workspace_id}"
        for reply in planned.replies:
            attempt = 0
            while True:
                attempt += 1
                total += 1
                assert self._gate is not None
                try:
                    await self._wait_out_hold(hold_key)
                    async with self._gate:
                        await deliver(reply)
                    break
                except Exception as exc:
                    problem = f"{type(exc).__name__}: {exc}"[:300]
                    if attempt >= self._retry.attempts:
                        log.warning("giving up on occurrence %s: %s", planned.occurrence_id, problem)
                        return total, problem
                    wait = retry_after_of(exc)
                    if wait is None:
                        wait = min(self._retry.max_delay, self._retry.base_delay * 2 ** (attempt - 1))
                        wait *= 0.5 + self._rng.random() / 2
                    else:  # rate limited: the workspace's other posts hold back too, not only this one
                        self._hold(hold_key, wait)
                    log.info("post failed (%s); retry %d in %.2fs", problem, attempt, wait)
                    moment = utc(self._clock.now())
                    if moment - beat >= HEARTBEAT_EVERY:  # keep the claim fresh on long retries only
                        beat = moment
                        await asyncio.to_thread(
                            run_unit,
                            self._sessions,
                            lambda s, n=total, at=moment: heartbeat(
                                s, planned.occurrence_id, instance=self.instance_id, now=at, attempts=n
                            ),
                        )
                    await asyncio.sleep(wait)  # outside the gate: other channels go on meanwhile
        return total, None

    def _hold(self, key: str, seconds: float) -> None:
        """After a Retry-After: no post to that workspace starts before it has passed."""
        until = asyncio.get_running_loop().time() + seconds
        self._holds[key] = max(self._holds.get(key, 0.0), until)

    async def _wait_out_hold(self, key: str) -> None:
        while (left := self._holds.get(key, 0.0) - asyncio.get_running_loop().time()) > 0:
            await asyncio.sleep(left)

    async def _tell_owner(
        self, spec: ScheduleSpec, due: Due, planned: Planned, problem: str, attempts: int
    ) -> None:
        """DM the schedule's owner that an occurrence failed (best effort, one try)."""
        deliver = self._deliver_for(spec.platform)
        if deliver is None:
            return
        owner = Actor(spec.platform, spec.workspace_id, planned.owner)
        what = "the readiness report" if due.slot == REPORT_SLOT else "the scheduled post"
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
        day = due.day.isoformat()
        text = f"Schedule #{spec.id} could not send {what} for {day} in #{spec.channel_id}{tries}."
        try:
            await deliver(ToDirect(owner, planned.where, error(text, echo=problem)))
        except Exception:
            log.exception("could not tell %s that schedule %s failed", planned.owner, spec.id)

    # --- what an occurrence posts -------------------------------------------------------------------------

    def _claim_and_prepare(
        self, session: Session, spec: ScheduleSpec, due: Due, now: datetime
    ) -> Planned | None:
        taken = claim(session, due, instance=self.instance_id, now=now, stale_after=self._stale_after)
        if taken is None:
            return None
        where = Where(spec.platform, spec.workspace_id, spec.channel_id)
        schedule = session.get(Schedule, spec.id)
        if schedule is None:  # deleted since the specs were read
            return Planned(taken.occurrence_id, (), spec.platform, where, problem="the schedule was deleted")
        owner = schedule.created_by
        quiz = self._services.quiz
        if taken.taken_over:
            post = session.scalars(select(Post).where(Post.occurrence_id == taken.occurrence_id)).first()
            if post is not None and post.message_ref:
                return Planned(taken.occurrence_id, (), owner, where)  # it went out before the claimant died
            if post is not None:
                return Planned(
                    taken.occurrence_id, (ToChannel(where, quiz.card(session, post), post.id),), owner, where
                )
        replies, problem = self._content(session, schedule, spec, due, taken.occurrence_id, now)
        return Planned(taken.occurrence_id, tuple(replies), owner, where, problem)

    def _content(
        self,
        session: Session,
        schedule: Schedule,
        spec: ScheduleSpec,
        due: Due,
        occurrence_id: int,
        now: datetime,
    ) -> tuple[list[Reply], str | None]:
        where = Where(spec.platform, spec.workspace_id, spec.channel_id)
        quiz = self._services.quiz
        if spec.kind == "leaderboard":
            digest = weekly_digest(
                session,
                platform=spec.platform,
                workspace_id=spec.workspace_id,
                now=due.fire_at,
                tz=spec.timezone,
                chart=self._charts,
            )
            return [ToChannel(where, digest)], None
        if spec.kind == "sprint":
            return self._sprint_content(session, schedule, spec, due, occurrence_id, now)
        question_id = self._pick(session, quiz, schedule, where)
        if question_id is None:
            return [], f"no active questions for {schedule.topic or schedule.bank or 'any topic'}"
        closes_at = self._closes_at(spec, due, now)
        card = quiz.post_to_channel(
            session,
            question_id=question_id,
            where=where,
            closes_at=closes_at,
            timezone=spec.timezone,
            occurrence_id=occurrence_id,
        )
        return [card], None

    @staticmethod
    def _pick(session: Session, quiz: QuizService, schedule: Schedule, where: Where) -> str | None:
        if schedule.bank is None:
            return quiz.pick_question(session, topic=schedule.topic, where=where, user_pk=None)
        pool = sorted(
            session.scalars(
                select(QuestionRow.id).where(
                    QuestionRow.active.is_(True),
                    QuestionRow.bank == schedule.bank,
                    visible_in(where.platform, where.workspace_id),
                )
            )
        )
        if not pool:
            return None
        seen = dict(
            session.execute(
                select(Post.question_id, Post.posted_at).where(
                    Post.platform == where.platform,
                    Post.workspace_id == where.workspace_id,
                    Post.channel_id == where.channel_id,
                    Post.question_id.in_(pool),
                )
            ).all()
        )
        fresh = [qid for qid in pool if qid not in seen]
        return fresh[0] if fresh else min(pool, key=lambda qid: (utc(seen[qid]), qid))

    @staticmethod
    def _closes_at(spec: ScheduleSpec, due: Due, now: datetime) -> datetime:
        """The next occurrence of the schedule, or ``close_after_minutes`` after the fire time."""
        if spec.close_after_minutes:
            closes = due.fire_at + timedelta(minutes=spec.close_after_minutes)
        else:
            closes = next_fire(spec, due.fire_at) or due.fire_at + timedelta(days=1)
        return max(closes, now + timedelta(minutes=1))

    def _sprint_content(
        self,
        session: Session,
        schedule: Schedule,
        spec: ScheduleSpec,
        due: Due,
        occurrence_id: int,
        now: datetime,
    ) -> tuple[list[Reply], str | None]:
        where = Where(spec.platform, spec.workspace_id, spec.channel_id)
        sprint = session.get(Sprint, schedule.sprint_id) if schedule.sprint_id is not None else None
        if sprint is None:
            return [], "the sprint was deleted"
        if due.slot == REPORT_SLOT:
            report = readiness_report(session, sprint, review_base_url=self._review_base_url)
            sprint.report_sent_at = now
            owner = Actor(spec.platform, spec.workspace_id, sprint.owner_user_id)
            return [ToDirect(owner, where, report)], None
        replies: list[Reply] = []
        if due.slot == min(slot_times(spec)):
            replies.append(ToChannel(where, sprint_progress(session, sprint, spec, due.day)))
        question_id = choose_question(session, sprint)
        if question_id is None:
            return replies, f"no active questions on {', '.join(sprint.topics)}"
        closes_at = due.fire_at + timedelta(days=1)
        if spec.until is not None:
            closes_at = min(closes_at, local_instant(spec.until, report_time(spec), spec.timezone))
        replies.append(
            self._services.quiz.post_to_channel(
                session,
                question_id=question_id,
                where=where,
                closes_at=max(closes_at, now + timedelta(minutes=1)),
                timezone=spec.timezone,
                occurrence_id=occurrence_id,
            )
        )
        return replies, None

    # --- closing ------------------------------------------------------------------------------------------

    async def close_due(self, now: datetime | None = None) -> int:
        """Close posts (of the served platforms) past their ``closes_at`` and update their cards."""
        moment = utc(now or self._clock.now())
        quiz = self._services.quiz
        platforms = self.platforms

        def close(session: Session) -> list[Reply]:
            stmt = select(Post.id).where(
                Post.closed_at.is_(None), Post.closes_at.is_not(None), Post.closes_at <= moment
            )
            if platforms is not None:
                stmt = stmt.where(Post.platform.in_(sorted(platforms)))
            replies: list[Reply] = []
            for post_id in session.scalars(stmt.order_by(Post.id)).all():
                replies.extend(quiz.close_post(session, post_id, moment))
            return replies

        replies = await asyncio.to_thread(run_unit, self._sessions, close)
        self._ensure_gate()
        await asyncio.gather(*(self._send_once(reply) for reply in replies))
        return len(replies)

    async def _send_once(self, reply: Reply) -> None:
        platform = _platform_of(reply)
        deliver = self._deliver_for(platform)
        if deliver is None:
            return
        assert self._gate is not None
        try:
            async with self._gate:
                await deliver(reply)
        except Exception:
            log.exception("could not update a closed card")


def _platform_of(reply: Reply) -> str:
    if isinstance(reply, UpdatePosted):
        return reply.ref.where.platform
    if isinstance(reply, ToDirect):
        return reply.actor.platform
    if isinstance(reply, ToChannel | ToUser):
        return reply.where.platform
    raise TypeError(f"unknown reply {reply!r}")


def cron_fields(specs: Sequence[ScheduleSpec]) -> list[tuple[time, str, str]]:
    """The distinct (local time, weekdays, time zone) timer triggers the schedules need."""
    found: list[tuple[time, str, str]] = []
    for spec in specs:
        if spec.paused:
            continue
        weekdays = "".join(sorted(set(spec.weekdays or "0123456")))
        times = list(slot_times(spec).values())
        if spec.kind == "sprint" and spec.until is not None:
            times.append(report_time(spec))
        found.extend((at, weekdays, spec.timezone) for at in times)
    return found


def build_scheduler(
    app: QuizApp, deliver: Deliver | Mapping[str, Deliver], *, instance_id: str | None = None
) -> Scheduler:
    """The scheduler for a running bot: its sessions, clock and services; ``deliver`` as for ``Scheduler``."""
    return Scheduler(
        app.sessions,
        app.services.clock,
        app.services,
        deliver,
        instance_id=instance_id,
        review_base_url=app.settings.review_base_url,
        metrics=app.metrics,
    )
