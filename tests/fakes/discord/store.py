"""The fake's state shared by the REST API, the gateway and the test helpers: configuration, world,
messages, registered commands, interactions, the request log and queued failures."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .failures import FailureInjector
from .records import InteractionRecord, Recorder, StoredMessage, UploadedFile
from .snowflakes import SnowflakeFactory
from .world import World


@dataclass(frozen=True)
class FakeConfig:
    """Knobs: the bot token, the application, the interaction deadlines, the gateway heartbeat."""

    token: str = "fake-discord-bot-token"
    application_id: int = 0  # 0: a fresh snowflake
    application_flags: int = 1 << 23  # GATEWAY_MESSAGE_CONTENT_LIMITED, as for an unverified bot
    callback_deadline: float = 3.0  # initial interaction response must come within this
    followup_ttl: float = 15 * 60.0  # interaction webhook token lifetime
    heartbeat_interval_ms: int = 41250
    allowed_privileged_intents: int = 0  # bit mask of GUILD_MEMBERS / PRESENCES / MESSAGE_CONTENT allowed
    bot_name: str = "Quizmaster"


class FakeState:
    """Everything the fake remembers."""

    def __init__(self, config: FakeConfig) -> None:
        self.ids = SnowflakeFactory()
        self.config = config
        self.application_id = config.application_id or self.ids.next()
        self.world = World(self.ids, bot_name=config.bot_name)
        self.recorder = Recorder()
        self.failures = FailureInjector()
        self.messages: dict[int, StoredMessage] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.commands: dict[int | None, dict[int, dict[str, Any]]] = {None: {}}  # guild id (None: global)

    # --- messages -----------------------------------------------------------------------------------

    def create_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        interaction: InteractionRecord | None = None,
        extra_flags: int = 0,
    ) -> StoredMessage:
        """Store a new message by the bot (as a webhook message when answering an interaction)."""
        channel = self.world.channels[channel_id]
        stored_body = {k: copy.deepcopy(v) for k, v in body.items() if k != "attachments"}
        stored_body["flags"] = int(body.get("flags") or 0) | extra_flags
        message = StoredMessage(
            id=self.ids.next(),
            channel_id=channel_id,
            guild_id=channel.guild_id,
            author=self.world.bot.payload() | {"bot": True},
            body=stored_body,
            attachments=list(files),
            webhook_id=self.application_id if interaction else None,
            interaction_id=interaction.id if interaction else None,
            interaction_token=interaction.token if interaction else None,
        )
        self.messages[message.id] = message
        return message

    def channel_messages(self, channel_id: int) -> list[StoredMessage]:
        """Messages in a channel, oldest first, deleted ones left out."""
        return [m for m in self.messages.values() if m.channel_id == channel_id and not m.deleted]

    # --- commands -----------------------------------------------------------------------------------

    def command_scope(self, guild_id: int | None) -> dict[int, dict[str, Any]]:
        """The registered commands of a guild (or global ones for None)."""
        return self.commands.setdefault(guild_id, {})

    def find_command(self, name: str, guild_id: int | None, kind: int = 1) -> dict[str, Any] | None:
        """A registered command by name: the guild's first, then the global one."""
        scopes = ([guild_id] if guild_id is not None else []) + [None]
        for scope in scopes:
            for command in self.commands.get(scope, {}).values():
                if command["name"] == name and int(command.get("type") or 1) == kind:
                    return command
        return None

    def store_command(
        self, body: dict[str, Any], guild_id: int | None, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Save a command (keeping its id when it replaces one of the same name and type)."""
        command_id = int(existing["id"]) if existing else self.ids.next()
        command: dict[str, Any] = {
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self.ids.next()),
            "type": int(body.get("type") or 1),
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description", ""),
            "description_localizations": body.get("description_localizations"),
            "options": copy.deepcopy(body.get("options") or []),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": bool(body.get("nsfw", False)),
            "integration_types": body.get("integration_types", [0]),
            "contexts": body.get("contexts"),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        self.command_scope(guild_id)[command_id] = command
        return command
