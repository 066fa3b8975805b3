"""Answer batching: events that arrive while a unit of work runs are recorded together in the next one.

An adapter acks a click at once and hands the answer to ``AnswerBatcher.submit``. One lane takes every
event waiting (up to ``max_batch``) into one unit of work (``Dispatcher.record_batch``); while it runs, new
events queue and become the next batch. A batch's replies are sent in the background while the lane records
the next batch (at most ``max_sending`` batches' replies in flight, so a slow platform slows the lane
rather than piling up replies). So a lone click is handled as soon as it arrives (a batch of one),
and a burst costs one commit per batch instead of one per answer. SQLite has one writer, so one lane; on
PostgreSQL two lanes overlap their round trips. Each user's events always go to the same lane, so two
concurrent batches never write the same user's rows (no lock waits or deadlocks between lanes on a user's
first sighting or streaks), and a user's events are recorded in the order they came. Their replies arrive
in that order too: different users' replies are sent concurrently, one user's one after the other (a
user's replies from the next batch wait until those of the batch before are sent). ``record`` is the
variant for adapters that send each event's replies themselves (Discord answers through the interaction):
it returns them once committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field

from bot.dispatcher import Dispatcher
from bot.events import Actor, Event
from bot.ports import Reply

log = logging.getLogger(__name__)

UserKey = tuple[str, str, str]  # (platform, workspace id, user id)

MAX_BATCH = 50
MAX_SENDING = 4
POSTGRESQL_LANES = 2


def lanes_for(dialect: str) -> int:
    """How many lanes suit a database: one on SQLite (one writer at a time), two elsewhere."""
    return 1 if dialect == "sqlite" else POSTGRESQL_LANES


@dataclass
class AnswerBatcher:
    """Queues events for ``dispatcher`` and handles them in batches on ``lanes`` concurrent lanes."""

    dispatcher: Dispatcher
    lanes: int = 1
    max_batch: int = MAX_BATCH
    max_sending: int = MAX_SENDING
    _waiting: list[deque[tuple[Event, asyncio.Future[list[Reply]] | None]]] = field(init=False)
    _running: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    _sending: set[asyncio.Task[None]] = field(default_factory=set)
    _user_sends: dict[UserKey, asyncio.Task[None]] = field(default_factory=dict)  # each user's latest

    def __post_init__(self) -> None:
        if self.lanes < 1:
            raise ValueError("an AnswerBatcher needs at least one lane")
        self._waiting = [deque() for _ in range(self.lanes)]

    def submit(self, event: Event) -> None:
        """Queue ``event``; it is recorded in its lane's next batch (at once when the lane is idle) and its
        replies are sent through the dispatcher's port."""
        self._queue(event, None)

    async def record(self, event: Event) -> list[Reply]:
        """Queue ``event`` and wait until its batch is committed: its replies, for the caller to send (an
        adapter whose replies go through a port of the interaction, as Discord's do)."""
        future: asyncio.Future[list[Reply]] = asyncio.get_running_loop().create_future()
        self._queue(event, future)
        return await future

    def _queue(self, event: Event, future: asyncio.Future[list[Reply]] | None) -> None:
        lane = hash(_user_of(event.actor)) % self.lanes
        self._waiting[lane].append((event, future))
        self._start(lane)

    def _start(self, lane: int) -> None:
        """Run ``lane`` unless it runs already (it then takes what was just queued before it ends)."""
        if lane not in self._running:
            self._running[lane] = asyncio.get_running_loop().create_task(self._lane(lane))

    async def _lane(self, lane: int) -> None:
        waiting = self._waiting[lane]
        try:
            while waiting:
                batch = [waiting.popleft() for _ in range(min(len(waiting), self.max_batch))]
                try:
                    per_event = await self.dispatcher.record_batch([event for event, _ in batch])
                except BaseException as exc:  # cancelled (shutdown): no caller waits forever
                    for _, future in [*batch, *waiting]:
                        if future is not None and not future.done():
                            future.set_exception(RuntimeError(f"recording stopped: {exc!r}"))
                    kept = [item for item in waiting if item[1] is None]  # ``drain`` still records these
                    waiting.clear()
                    waiting.extend(kept)
                    raise
                to_send = []
                for (event, future), replies in zip(batch, per_event, strict=True):
                    if future is None:
                        to_send.append((event, replies))
                    elif not future.done():  # the caller may have given up waiting
                        future.set_result(replies)
                if to_send:
                    await self._send_soon(to_send)
        finally:
            # No await between the last look at ``waiting`` and this: an event queued while the lane was
            # running was taken by it, and one queued from now on starts the lane again.
            del self._running[lane]

    async def _send_soon(self, per_event: list[tuple[Event, list[Reply]]]) -> None:
        """Send a batch's replies in the background, once fewer than ``max_sending`` batches are sending."""
        while len(self._sending) >= self.max_sending:
            await asyncio.wait(self._sending, return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.get_running_loop().create_task(self._send(per_event))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, per_event: list[tuple[Event, list[Reply]]]) -> None:
        by_user: dict[UserKey, list[list[Reply]]] = {}
        for event, replies in per_event:
            by_user.setdefault(_user_of(event.actor), []).append(replies)
        await asyncio.gather(*(self._send_in_turn(user, replies) for user, replies in by_user.items()))

    def _send_in_turn(self, user: UserKey, per_event: list[list[Reply]]) -> asyncio.Task[None]:
        """Send one user's replies of a batch in order, after their replies of earlier batches."""
        earlier = self._user_sends.get(user)

        async def send() -> None:
            if earlier is not None:
                await asyncio.wait([earlier])  # its outcome is its own: sending goes on regardless
            for replies in per_event:
                await self.dispatcher.deliver(replies)

        task = asyncio.get_running_loop().create_task(send())
        self._user_sends[user] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._user_sends.get(user) is done:
                del self._user_sends[user]

        task.add_done_callback(forget)
        return task

    @property
    def pending(self) -> int:
        """Events queued, plus lanes and reply batches still working."""
        return sum(map(len, self._waiting)) + len(self._running) + len(self._sending)

    async def drain(self) -> None:
        """Wait until every event submitted so far has been recorded and its replies sent."""
        while True:
            for lane, waiting in enumerate(self._waiting):
                if waiting:  # queued with no lane to take it (a lane that was cancelled): take it now
                    self._start(lane)
            if not (self._running or self._sending):
                return
            await asyncio.gather(*self._running.values(), *self._sending, return_exceptions=True)


def _user_of(actor: Actor) -> UserKey:
    return (actor.platform, actor.workspace_id, actor.user_id)
