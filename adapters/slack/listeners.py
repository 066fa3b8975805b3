"""Bolt listeners: each verifies (Bolt checks the signature and the 5-minute timestamp window, 401
otherwise), acks, translates the request into a ``adapters.slack.jobs.Job`` and hands it to a sink.

Acknowledging: ``process_before_response=True``, so Bolt answers Slack when the listener returns, without
its 10 ms ack-polling loop; the listeners do no database work and call no Web API before returning, so an
ack never waits for an answer to be recorded. Slack's 3-second deadline is never at risk, and an answer is
recorded exactly once however often Slack delivers it (delivery ids plus the answers' unique constraint).
The listeners import nothing of the core's services, so the HTTP front process (``adapters.slack.front``)
runs them without a database.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids, translate
from adapters.slack.jobs import (
    Dispatch,
    JobSink,
    OpenAnswerForm,
    OpenImportForm,
    Refuse,
    RunCommand,
    command_fields,
)
from adapters.slack.render import ANSWER_BLOCK, IMPORT_BLOCK
from bot.config import SlackSettings
from bot.events import Where

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
ANY = re.compile(r".*")
EXPIRED_FORM = "This form has expired; try again."
NO_FILES = "Pick at least one Markdown quiz file."


class Listeners:
    """Bolt listeners: verify (Bolt), ack, translate into a ``Job`` and hand it to ``sink``.

    They touch no database and call no Web API, so they run the same in this process (the sink is
    ``SlackWork.submit``) and in the HTTP front's process (the sink writes to the pipe).
    """

    def __init__(self, sink: JobSink):
        self._sink = sink

    def register(self, app: AsyncApp) -> None:
        """Attach every listener to ``app``."""
        app.command("/quiz")(self.on_command)
        app.action(ANY)(self.on_action)
        app.view_submission(ANY)(self.on_view_submission)
        app.event("message")(self.on_message)
        app.error(self.on_error)

    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        fields = command_fields(body)
        dry_run = translate.import_mode(fields.get("text", ""))
        trigger, channel = fields.get("trigger_id"), fields.get("channel_id")
        if dry_run is not None and trigger and channel:  # the modal, for an instructor (checked in the bot)
            team, user = fields.get("team_id", ""), fields.get("user_id", "")
            self._sink(OpenImportForm(trigger, channel, dry_run, team, user))
            return
        self._sink(RunCommand(fields))

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        try:
            token = translate.action_token(action)
        except ids.BadToken:
            self._refuse(body)
            return
        if token.intent is ids.Intent.PICK:
            return  # ticking a checkbox is not an answer; Submit sends the ticked keys
        if token.intent is ids.Intent.WORDS:
            trigger = body.get("trigger_id")
            with contextlib.suppress(translate.BadPayload):  # no channel: nowhere to answer, ignore
                if isinstance(trigger, str):
                    self._sink(OpenAnswerForm(trigger, token.post_id, translate.action_channel(body)))
            return
        try:
            event = translate.action_event(body, action)
        except (ids.BadToken, translate.BadPayload):
            self._refuse(body)
            return
        if event is not None:
            self._sink(Dispatch(event))

    def _refuse(self, body: Mapping[str, Any]) -> None:
        try:
            actor = translate.actor_of(body)
            channel = translate.action_channel(body)
        except translate.BadPayload:
            log.warning("refused a malformed block_actions payload")
            return
        self._sink(Refuse(Where(translate.PLATFORM, actor.workspace_id, channel), actor.user_id))

    async def on_view_submission(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        if translate.is_import_submission(body):
            await self._on_import(ack, body)
            return
        try:
            event = translate.submission_event(body)
        except (ids.BadToken, translate.BadPayload):
            await ack(response_action="errors", errors={ANSWER_BLOCK: EXPIRED_FORM})
            return
        if not event.text.strip():
            await ack(response_action="errors", errors={ANSWER_BLOCK: "Type an answer first."})
            return
        await ack()
        self._sink(Dispatch(event))

    async def _on_import(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The import modal: acked at once (it closes); the files are fetched in the bot's process."""
        try:
            job = translate.import_submission(body)
        except translate.BadPayload:
            await ack(response_action="errors", errors={IMPORT_BLOCK: EXPIRED_FORM})
            return
        if not job.files:
            await ack(response_action="errors", errors={IMPORT_BLOCK: NO_FILES})
            return
        await ack()
        self._sink(job)

    async def on_message(self, body: dict[str, Any]) -> None:
        event = translate.message_event(body)
        if event is not None:
            self._sink(Dispatch(event))

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed on %s: %r", body.get("type"), error)


def bolt_app(client: AsyncWebClient, slack: SlackSettings, sink: JobSink) -> AsyncApp:
    """The Bolt app: acks as soon as a listener returns (``process_before_response``), jobs to ``sink``."""
    app = AsyncApp(
        client=client,  # carries the bot token
        signing_secret=slack.signing_secret or "",
        request_verification_enabled=bool(slack.signing_secret) or slack.mode == "http",
        process_before_response=True,
    )
    Listeners(sink).register(app)
    return app
