"""Work that a Slack request leaves after its ack, as plain data.

A listener acks, translates the request into a ``Job`` and hands it to a sink: ``SlackWork.submit``
(``adapters.slack.work``) in this process, or the HTTP front's pipe (``adapters.slack.front``). Jobs are
small frozen dataclasses of core events and strings, so they cross a process boundary as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.events import Actor, Event, Where


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A translated event for the core (an answer, a self-rating, a DM, a submitted form)."""

    event: Event


@dataclass(frozen=True, slots=True)
class RunCommand:
    """A ``/quiz`` slash command: the form fields Slack sent (instructor commands need ``users.info``)."""

    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Refuse:
    """A button that is not ours (forged or expired): tell the clicker privately."""

    where: Where
    user_id: str


@dataclass(frozen=True, slots=True)
class OpenAnswerForm:
    """ "Answer in words": open the modal (``views.open`` with the click's trigger id)."""

    trigger_id: str
    post_id: int
    channel_id: str


@dataclass(frozen=True, slots=True)
class OpenImportForm:
    """``/quiz import [check]``: open the modal with its file input (``views.open`` with the command's trigger
    id) for an instructor (``team_id``/``user_id``: who asked); ``dry_run`` (``check``) only checks the
    files."""

    trigger_id: str
    channel_id: str
    dry_run: bool = False
    team_id: str = ""
    user_id: str = ""


@dataclass(frozen=True, slots=True)
class SlackFile:
    """A file picked in the import modal, as Slack describes it (``size`` None when Slack did not say)."""

    id: str
    name: str
    size: int | None
    mimetype: str
    url: str  # url_private_download (or url_private): fetched with the bot token


@dataclass(frozen=True, slots=True)
class ImportFiles:
    """The import modal submitted: download ``files`` (in the bot's process), then ``BankUploaded``.
    ``actor`` carries no admin flag yet (``users.info`` is asked in the bot's process)."""

    actor: Actor
    where: Where
    files: tuple[SlackFile, ...]
    dry_run: bool = False
    delivery_id: str | None = None


Job = Dispatch | RunCommand | Refuse | OpenAnswerForm | OpenImportForm | ImportFiles
JobSink = Callable[[Job], None]


def command_fields(body: Mapping[str, Any]) -> dict[str, str]:
    """The string fields of a slash command's form body (what ``RunCommand`` carries)."""
    return {key: value for key, value in body.items() if isinstance(value, str)}
