"""The dispatcher: every inbound event becomes one unit of work, then its replies go out through the port.

Async shell, sync core: services are synchronous SQLAlchemy code. ``Dispatcher.handle`` runs the unit of
work in a worker thread (``asyncio.to_thread``) so the adapters' event loops never block on the database,
and sends the replies through the async ``ChatPort`` only after the transaction committed (a reply never
announces something that was rolled back).

A unit of work (``run_unit``):
- on SQLite starts with ``BEGIN IMMEDIATE``, so concurrent writers queue on the busy timeout instead of
  failing with a stale read snapshot (units of one process first queue on the engine's in-process writer
  gate, which hands over faster than SQLite's sleeping busy handler);
- first claims the delivery ids of its events in ``processed_events`` (one ``INSERT ... ON CONFLICT DO
  NOTHING``, ``claim_deliveries``): a delivery seen before (Slack retry, double delivery to two replicas)
  does nothing and replies nothing;
- is retried when a unique constraint fires (two first answers at once, two first sightings of a user):
  the retry sees the winner's row and answers accordingly ("you already answered");
- is retried when its pooled connection proves dead before the commit (a database restart): the engine
  pings only connections that sat idle (``bot.storage.db.ping_after_idle``), not one per unit.
Instructor commands go to an optional ``InstructorHandler`` (the scheduling work provides it) after the
permission check ``Services.is_instructor``. Every event first syncs its actor's team with their platform
groups (``PlayerService.sync_groups``: a cached no-op for most events). An optional ``bot.metrics.Metrics``
counts the events (and the time of their units of work), the answers by verdict and the replies the
platform refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import commands as cmd
from bot.bank_imports import ONLY_INSTRUCTORS
from bot.events import (
    Actor,
    BankUploaded,
    ChoiceSelected,
    CommandInvoked,
    Event,
    SelfRated,
    TextAnswered,
    Where,
)
from bot.messages import Help, HelpEntry, Message, error
from bot.ports import ChatPort, Reply, ToChannel, ToDirect, ToUser, UpdatePosted
from bot.quiz import InsertIgnoring, utc
from bot.services import Services
from bot.storage.db import writer_gate
from bot.storage.models import ProcessedEvent

if TYPE_CHECKING:
    from bot.metrics import Metrics

log = logging.getLogger(__name__)

T = TypeVar("T")
UNIT_ATTEMPTS = 4
_CLAIM = InsertIgnoring.into(ProcessedEvent, ProcessedEvent.platform, ProcessedEvent.event_id)


class InstructorHandler(Protocol):
    """Runs an instructor command (``/quiz schedule ...``) inside the event's unit of work."""

    def __call__(
        self, session: Session, command: cmd.InstructorCommand, actor: Actor, where: Where
    ) -> list[Reply]: ...


def run_unit(
    session_factory: sessionmaker[Session], work: Callable[[Session], T], *, attempts: int = UNIT_ATTEMPTS
) -> T:
    """Run ``work`` in one transaction and commit; retried from scratch when a unique constraint fires, or
    when the pooled connection turned out dead before the commit (nothing was written then). On SQLite the
    unit first queues on the engine's in-process writer gate (``bot.storage.db.writer_gate``)."""
    with writer_gate(session_factory.kw.get("bind")):
        return _run_unit(session_factory, work, attempts)


def _run_unit(session_factory: sessionmaker[Session], work: Callable[[Session], T], attempts: int) -> T:
    for attempt in range(1, attempts + 1):
        committing = False
        with session_factory() as session:
            try:
                _begin_immediately(session)
                result = work(session)
                committing = True
                session.commit()
                return result
            except IntegrityError:
                session.rollback()
                if attempt == attempts:
                    raise
                log.debug("unique constraint fired; retrying the unit of work (attempt %d)", attempt)
            except DBAPIError as exc:
                if not exc.connection_invalidated or committing or attempt == attempts:
                    raise  # a commit that failed midway may have landed: never replay it
                session.rollback()
                log.warning("database connection lost; retrying the unit of work (attempt %d)", attempt)
    raise AssertionError("unreachable")


def _begin_immediately(session: Session) -> None:
    """On SQLite, take the write lock up front (unless the driver already opened a transaction)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if not getattr(connection.connection.dbapi_connection, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def claim_deliveries(session: Session, events: Sequence[Event], now_utc: datetime) -> list[bool]:
    """Record the events' delivery ids in ``processed_events`` (one ``INSERT ... ON CONFLICT DO NOTHING``):
    for each event, whether it is seen for the first time. An event without a delivery id always is; of two
    with the same id in ``events``, the first; a delivery seen before (a Slack retry, a double delivery to two
    replicas) is not, and gets no replies."""
    keys = [(e.actor.platform, e.delivery_id[:200]) if e.delivery_id else None for e in events]
    wanted = list(dict.fromkeys(key for key in keys if key is not None))
    rows = [{"platform": platform, "event_id": eid, "received_at": now_utc} for platform, eid in wanted]
    fresh = (
        {(str(row.platform), str(row.event_id)) for row in _CLAIM.inserted(session, rows)} if rows else set()
    )
    first: list[bool] = []
    for key in keys:
        first.append(key is None or key in fresh)
        fresh.discard(key)  # type: ignore[arg-type]
    return first


def reply_platform(reply: Reply) -> str:
    """The platform a reply goes to."""
    return reply.ref.where.platform if isinstance(reply, UpdatePosted) else reply.where.platform


def help_message(problem: str | None = None, echo: str | None = None, *, instructor: bool = False) -> Help:
    """The ``/quiz help`` message."""
    entries = tuple(HelpEntry(u, d) for u, d in cmd.HELP_LINES)
    extra = tuple(HelpEntry(u, d) for u, d in cmd.INSTRUCTOR_HELP_LINES) if instructor else ()
    return Help(entries, problem=problem, echo=echo, instructor_entries=extra)


class Dispatcher:
    """Routes events to the services and delivers their replies through one adapter's port."""

    def __init__(
        self,
        services: Services,
        port: ChatPort,
        session_factory: sessionmaker[Session],
        *,
        instructor_handler: InstructorHandler | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._services = services
        self._port = port
        self._sessions = session_factory
        self._instructor_handler = instructor_handler
        self._metrics = metrics

    def _unit(self, work: Callable[[Session], T]) -> T:
        """One unit of work on this dispatcher's sessions."""
        return run_unit(self._sessions, work)

    async def handle(self, event: Event) -> None:
        """Process one inbound event and send its replies."""
        await self.deliver(await self.record(event))

    async def record(self, event: Event) -> list[Reply]:
        """Process one event in a worker thread: its replies (an apology if the unit failed), unsent."""
        try:
            return await asyncio.to_thread(self.process, event)
        except Exception:
            log.exception("failed to handle %s", type(event).__name__)
            if self._metrics is not None:
                self._metrics.record_event_error(event.actor.platform)
            return [
                ToUser(
                    event.where,
                    event.actor.user_id,
                    error("Sorry, something went wrong handling that. Please try again."),
                )
            ]

    def process(self, event: Event) -> list[Reply]:
        """The synchronous unit of work for one event: its replies, not yet sent."""
        return self._process([event], UNIT_ATTEMPTS)[0]

    async def record_batch(self, events: Sequence[Event]) -> list[list[Reply]]:
        """Process several events in one unit of work: each event's replies, not yet sent.

        One transaction (one commit, one thread hand-off, one turn of the SQLite writer gate) for many
        answers is what lets a burst of clicks be recorded faster than one commit each. Events are routed in
        order on one session, so a later event sees an earlier one's rows (a double click is "already
        answered"). When the batch fails as a whole (a unique constraint raced by another replica, a bug in
        one event), it was rolled back and the events are processed again one unit each, in their order. If
        the connection broke during the commit itself, the commit may have landed: the events are processed
        again too, and those it did record are recognised by their delivery ids (recorded once, but their
        replies are lost then).
        """
        if len(events) > 1:
            try:
                return await asyncio.to_thread(self.process_batch, events)
            except Exception:
                log.info("a batch of %d events failed; processing each alone", len(events), exc_info=True)
        return [await self.record(event) for event in events]

    def is_instructor(self, actor: Actor) -> bool:
        """Whether ``actor`` may run instructor commands (an adapter asks before downloading an upload)."""
        return self._services.is_instructor(actor)

    def process_batch(self, events: Sequence[Event]) -> list[list[Reply]]:
        """The synchronous unit of work for several events (tried once): each event's replies, unsent."""
        return self._process(events, 1)

    def _process(self, events: Sequence[Event], attempts: int) -> list[list[Reply]]:
        """Claim the events' deliveries and route the new ones in one unit of work; metrics per event."""
        started = time.perf_counter()

        def work(session: Session) -> list[list[Reply]]:
            first = claim_deliveries(session, events, utc(self._services.clock.now()))
            fresh = [e for e, new in zip(events, first, strict=True) if new]
            self._services.quiz.prefetch_targets(session, _clicks(fresh))
            return [self._route(session, e) if new else [] for e, new in zip(events, first, strict=True)]

        per_event = run_unit(self._sessions, work, attempts=attempts)
        if self._metrics is not None:
            seconds = (time.perf_counter() - started) / len(events)
            for event, replies in zip(events, per_event, strict=True):
                self._metrics.record_event(event, replies, seconds)
        return per_event

    async def close_due(self) -> int:
        """Close every post past its ``closes_at`` and update their cards; returns how many cards changed."""
        quiz = self._services.quiz
        replies = await asyncio.to_thread(self._unit, quiz.close_due_posts)
        await self.deliver(replies)
        return len(replies)

    async def close_post(self, post_id: int) -> None:
        """Close one post now (an instructor's ``close``) and update its card."""
        quiz = self._services.quiz
        replies = await asyncio.to_thread(self._unit, lambda s: quiz.close_post(s, post_id))
        await self.deliver(replies)

    async def deliver(self, replies: Sequence[Reply]) -> None:
        """Send replies through the port; a failed send is logged and does not stop the others."""
        for reply in replies:
            try:
                await self.deliver_one(reply)
            except Exception:
                log.exception("failed to deliver %s", type(reply).__name__)

    async def deliver_one(self, reply: Reply) -> None:
        """Send one reply (recording a posted card's message ref); raises when the platform refused it."""
        try:
            await self._send(reply)
        except Exception:
            if self._metrics is not None:
                self._metrics.record_delivery_failure(reply_platform(reply))
            raise

    async def _send(self, reply: Reply) -> None:
        if isinstance(reply, ToChannel):
            ref = await self._port.post(reply.where, reply.message)
            if reply.post_id is not None:
                post_id, quiz = reply.post_id, self._services.quiz
                await asyncio.to_thread(self._unit, lambda s: quiz.record_message_ref(s, post_id, ref))
        elif isinstance(reply, ToUser):
            await self._port.post_private(reply.where, reply.user_id, reply.message)
        elif isinstance(reply, ToDirect):
            if await self._port.dm(reply.actor, reply.message) is None:
                await self._port.post_private(reply.where, reply.actor.user_id, reply.message)
        elif isinstance(reply, UpdatePosted):
            await self._port.update(reply.ref, reply.message)

    # --- routing --------------------------------------------------------------------------------------------

    def _route(self, session: Session, event: Event) -> list[Reply]:
        """A newly delivered ``event``'s replies (``claim_deliveries`` said it is new)."""
        self._services.players.sync_groups(session, event.actor)
        quiz = self._services.quiz
        if isinstance(event, CommandInvoked):
            return self._command(session, event)
        if isinstance(event, ChoiceSelected):
            return quiz.answer(
                session, actor=event.actor, where=event.where, post_id=event.post_id, keys=event.keys
            )
        if isinstance(event, TextAnswered):
            return quiz.answer(
                session, actor=event.actor, where=event.where, post_id=event.post_id, text=event.text
            )
        if isinstance(event, SelfRated):
            return quiz.self_rate(
                session, actor=event.actor, where=event.where, post_id=event.post_id, rating=event.rating
            )
        if isinstance(event, BankUploaded):
            if not self._services.is_instructor(event.actor):
                return [ToUser(event.where, event.actor.user_id, error(ONLY_INSTRUCTORS))]
            summary = self._services.banks.upload(
                session, actor=event.actor, uploads=event.uploads, dry_run=event.dry_run
            )
            return [ToUser(event.where, event.actor.user_id, summary)]
        raise TypeError(f"unknown event {event!r}")

    def _command(self, session: Session, event: CommandInvoked) -> list[Reply]:
        actor, where = event.actor, event.where
        command = cmd.parse_command(event.text)
        services = self._services

        def tell(message: Message) -> list[Reply]:
            return [ToUser(where, actor.user_id, message)]

        if isinstance(command, cmd.AskQuestion):
            return services.quiz.ask(
                session, actor=actor, where=where, topic=command.topic, here=command.here
            )
        if isinstance(command, cmd.ShowTopics):
            return tell(services.quiz.topic_list(session, where))
        if isinstance(command, cmd.ShowStats):
            return tell(services.players.stats(session, actor))
        if isinstance(command, cmd.ShowLeaderboard):
            board = services.players.leaderboard(
                session, where, command.period, teams=command.teams, channel_only=command.channel
            )
            return tell(board)
        if isinstance(command, cmd.JoinTeam):
            return tell(services.players.join_team(session, actor, command.name))
        if isinstance(command, cmd.LeaveTeam):
            return tell(services.players.leave_team(session, actor))
        if isinstance(command, cmd.ListTeams):
            return tell(services.players.list_teams(session, actor))
        if isinstance(command, cmd.SetDm):
            return tell(services.players.set_dm(session, actor, command.on))
        if isinstance(command, cmd.ShowHelp):
            return tell(help_message(command.problem, command.echo, instructor=services.is_instructor(actor)))
        if isinstance(command, cmd.InstructorCommand):
            if not services.is_instructor(actor):
                return tell(error(f"Only instructors can use /quiz {command.name}."))
            if self._instructor_handler is None:
                return tell(error(f"/quiz {command.name} is not available in this version yet."))
            return self._instructor_handler(session, command, actor, where)
        raise TypeError(f"unknown command {command!r}")


def _clicks(events: Iterable[Event]) -> list[tuple[Actor, int]]:
    """The (actor, post id) of the answers among ``events`` that name their post."""
    return [
        (e.actor, e.post_id)
        for e in events
        if isinstance(e, ChoiceSelected | TextAnswered) and e.post_id is not None
    ]
