"""The work Slack requests leave after their ack, done in this process through the core.

``SlackWork.submit`` is the job sink (``adapters.slack.jobs``): answers go to the ``AnswerBatcher`` (recorded
in batches: a burst of clicks costs one commit per batch), everything else runs as a background task.
Every event's actor carries the user groups they are in (``People.groups``, cached per workspace), so teams
linked to a user group follow it (``bot.team_groups``). ``/quiz import`` opens its modal at once (the trigger
id lives 3 seconds); when it is submitted, the files are downloaded here (``adapters.slack.files``) and go to
the core as ``BankUploaded``, whose actor carries the admin flag like an instructor command's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.slack import translate
from adapters.slack.files import FileFetcher
from adapters.slack.jobs import Dispatch, ImportFiles, Job, OpenAnswerForm, OpenImportForm, Refuse, RunCommand
from adapters.slack.people import People
from adapters.slack.port import SlackPort
from adapters.slack.render import answer_modal, import_modal
from bot import commands as cmd
from bot.bank_imports import MAX_UPLOADS, ONLY_INSTRUCTORS, not_fetched
from bot.batching import AnswerBatcher
from bot.dispatcher import Dispatcher
from bot.events import RECORDED_IN_BATCHES, Actor, BankUploaded, Event, Upload, Where
from bot.messages import error, warning
from questions.importers.reading import MAX_BYTES

log = logging.getLogger(__name__)

MAX_CONCURRENT_WORK = 16
BAD_ACTION = "That button is not one of this quiz's (or it expired). Type /quiz for a new question."


@dataclass
class Background:
    """Work started after an ack: tasks kept referenced until done, at most ``limit`` running at once."""

    limit: int = MAX_CONCURRENT_WORK
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _gate: asyncio.Semaphore | None = None

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` soon; errors are logged, never raised into Bolt."""
        task = asyncio.get_running_loop().create_task(self._run(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            try:
                await work
            except Exception:
                log.exception("background Slack work failed")

    async def drain(self) -> None:
        """Wait until every started task (and what they started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def running(self) -> int:
        return len(self._tasks)


class SlackWork:
    """Does the jobs in this process, through the core's dispatcher and the Slack port."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        port: SlackPort,
        people: People,
        batcher: AnswerBatcher,
        files: FileFetcher | None = None,
    ):
        self._dispatcher = dispatcher
        self._port = port
        self._people = people
        self._batcher = batcher
        self._files = files or FileFetcher(port.client)
        self._background = Background()

    def submit(self, job: Job) -> None:
        """Start ``job`` (the sink the listeners hand their jobs to)."""
        if isinstance(job, Dispatch):
            self._background.spawn(self._dispatch(job.event))
        elif isinstance(job, RunCommand):
            self._background.spawn(self._command(job.fields))
        elif isinstance(job, Refuse):
            self._background.spawn(self._port.post_private(job.where, job.user_id, warning(BAD_ACTION)))
        elif isinstance(job, OpenAnswerForm):
            view = answer_modal(job.post_id, job.channel_id)
            self._background.spawn(self._port.open_modal(job.trigger_id, view))
        elif isinstance(job, OpenImportForm):
            self._background.spawn(self._open_import(job))
        else:
            self._background.spawn(self._import(job))

    async def drain(self) -> None:
        """Wait until every job submitted so far (and the answers they queued) is done."""
        while self._background.running or self._batcher.pending:
            await self._background.drain()
            await self._batcher.drain()
            await asyncio.sleep(0)  # never a busy loop, whatever is left

    async def _dispatch(self, event: Event) -> None:
        event = await self._with_groups(event)
        if isinstance(event, RECORDED_IN_BATCHES):
            self._batcher.submit(event)
        else:
            await self._dispatcher.handle(event)

    async def _command(self, fields: Mapping[str, str]) -> None:
        parsed = cmd.parse_command(fields.get("text", ""))
        is_admin, name = False, None
        if isinstance(parsed, cmd.InstructorCommand | cmd.ShowHelp):  # only these depend on the admin flag
            person = await self._people.lookup(fields.get("team_id", ""), fields.get("user_id", ""))
            is_admin, name = person.is_admin, person.display_name
        event = translate.command_event(fields, is_admin=is_admin, display_name=name)
        await self._dispatcher.handle(await self._with_groups(event))

    async def _open_import(self, job: OpenImportForm) -> None:
        """The import modal for an instructor; anyone else is told at once, before picking any file."""
        person = await self._people.lookup(job.team_id, job.user_id)
        actor = Actor(translate.PLATFORM, job.team_id, job.user_id, person.display_name, person.is_admin)
        if not self._dispatcher.is_instructor(actor):
            where = Where(translate.PLATFORM, job.team_id, job.channel_id)
            await self._port.post_private(where, job.user_id, error(ONLY_INSTRUCTORS))
            return
        view = import_modal(
            job.channel_id, dry_run=job.dry_run, max_files=MAX_UPLOADS, max_mb=MAX_BYTES // 1024 // 1024
        )
        await self._port.open_modal(job.trigger_id, view)

    async def _import(self, job: ImportFiles) -> None:
        """Download the picked files (none when there are more than the core takes: it refuses them all)
        and hand them to the core with the actor's admin flag."""
        actor = job.actor
        person = await self._people.lookup(actor.workspace_id, actor.user_id)
        name = person.display_name or actor.display_name
        actor = replace(actor, is_admin=person.is_admin, display_name=name)
        if not self._dispatcher.is_instructor(actor):  # refused by the core: nothing to download
            uploads = not_fetched([f.name for f in job.files])
        elif len(job.files) > MAX_UPLOADS:
            uploads = tuple(Upload(f.name, None, "was not downloaded") for f in job.files)
        else:
            uploads = await self._files.fetch_all(job.files)
        event = BankUploaded(actor, job.where, uploads, job.dry_run, job.delivery_id)
        await self._dispatcher.handle(await self._with_groups(event))

    async def _with_groups(self, event: Event) -> Event:
        """``event`` with its actor's user groups (``People.groups``; unchanged when unknown)."""
        actor = event.actor
        groups = await self._people.groups(actor.workspace_id, actor.user_id)
        return event if groups is None else replace(event, actor=replace(actor, groups=groups))
