"""A fake Discord (gateway + REST) on loopback for end-to-end tests of the real discord.py client
(see README.md here).

- ``FakeDiscord``: the server, the world (guild, channel, users), interaction dispatch, the record of what
  the bot sent, failure injection, gateway run control.
- ``discord_py_pointed_at``: patch discord.py's REST base and gateway URL for a ``with`` block.
- ``cdn``: files users attach to slash commands (``fake.add_attachment``), served on signed loopback URLs,
  every fetch logged (``fake.downloads``).
- ``validation``: Discord's body limits as pure functions (``validate_message``, ``validate_modal``, ...).
"""

from .cdn import Download, FakeAttachment
from .failures import FailureInjector
from .gateway import Gateway, Session
from .pointing import discord_py_pointed_at
from .records import (
    CallbackRecord,
    InteractionRecord,
    PendingInteraction,
    Request,
    StoredMessage,
    UploadedFile,
)
from .server import FakeDiscord
from .store import FakeConfig
from .validation import (
    FieldError,
    form_error_body,
    validate_autocomplete,
    validate_command,
    validate_commands,
    validate_components,
    validate_embeds,
    validate_message,
    validate_modal,
)
from .world import FakeChannel, FakeGuild, FakeRole, FakeUser

__all__ = [
    "CallbackRecord",
    "Download",
    "FailureInjector",
    "FakeAttachment",
    "FakeChannel",
    "FakeConfig",
    "FakeDiscord",
    "FakeGuild",
    "FakeRole",
    "FakeUser",
    "FieldError",
    "Gateway",
    "InteractionRecord",
    "PendingInteraction",
    "Request",
    "Session",
    "StoredMessage",
    "UploadedFile",
    "discord_py_pointed_at",
    "form_error_body",
    "validate_autocomplete",
    "validate_command",
    "validate_commands",
    "validate_components",
    "validate_embeds",
    "validate_message",
    "validate_modal",
]
