"""``FakeDiscord``: the REST API and the gateway on one aiohttp server on 127.0.0.1 (ephemeral port), plus
the helpers tests use: build the world, dispatch interactions, read what the bot sent, inject failures,
drop and resume gateway sessions."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from .cdn import CDN_PREFIX, MEDIA_PREFIX, Cdn, Download, FakeAttachment
from .gateway import Gateway, Session
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    COMPONENT,
    MODAL_SUBMIT,
    base_payload,
    command_data,
    component_data,
    modal_submit_data,
)
from .records import CallbackRecord, InteractionRecord, PendingInteraction, Request, StoredMessage
from .rest import API_PREFIX, RestApi
from .store import FakeConfig, FakeState
from .world import FakeChannel, FakeGuild, FakeRole, FakeUser

UserRef = FakeUser | int
ChannelRef = FakeChannel | int
MessageRef = StoredMessage | int
AttachmentRef = FakeAttachment | int


class FakeDiscord:
    """A fake Discord on loopback. Use ``async with FakeDiscord() as fake`` (or ``start``/``stop``).

    A fresh fake has the bot user, one guild (``fake.guild``) with a text channel (``fake.channel``)
    and one member (``fake.user``). Point discord.py at ``fake.rest_base`` / ``fake.gateway_url``
    (see ``pointing.discord_py_pointed_at``).
    """

    def __init__(self, config: FakeConfig | None = None, **overrides: Any) -> None:
        base = config or FakeConfig()
        self.config = FakeConfig(**{**base.__dict__, **overrides}) if overrides else base
        self.state = FakeState(self.config)
        world = self.state.world
        self.guild = world.add_guild("Quiz Guild")
        self.channel = world.add_channel(self.guild, "quiz")
        self.user = world.add_user("ann")
        world.add_member(self.guild, self.user)
        self.gateway = Gateway(
            world,
            token=self.config.token,
            application_id=self.state.application_id,
            application_flags=self.config.application_flags,
            heartbeat_interval_ms=self.config.heartbeat_interval_ms,
            allowed_privileged_intents=self.config.allowed_privileged_intents,
            resume_url=lambda: f"ws://127.0.0.1:{self.port}/gateway-resume",
        )
        self.rest = RestApi(self.state, gateway_url=lambda: self.gateway_url)
        self.cdn = Cdn(base_url=lambda: f"http://127.0.0.1:{self.port}")
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        """Listen on 127.0.0.1 (ephemeral port)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        for prefix in (CDN_PREFIX, MEDIA_PREFIX):
            app.router.add_get(prefix + "/{tail:.*}", self.cdn.handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        """Close every gateway socket and the server."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        """The bot token the fake accepts."""
        return self.config.token

    @property
    def application_id(self) -> int:
        """The application (and bot) id used in command and webhook routes."""
        return self.state.application_id

    @property
    def bot(self) -> FakeUser:
        """The bot user."""
        return self.state.world.bot

    @property
    def rest_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be: ``http://127.0.0.1:PORT/api/v10``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be: ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- world ------------------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        guild: FakeGuild | None = None,
        roles: Sequence[FakeRole] = (),
        dms_closed: bool = False,
        member: bool = True,
    ) -> FakeUser:
        """A user, a member of ``guild`` (default: ``fake.guild``) unless ``member=False``.
        ``dms_closed``: DMs to them answer 403, code 50007."""
        user = self.state.world.add_user(username, dms_closed=dms_closed)
        if member:
            self.state.world.add_member(guild or self.guild, user, roles=list(roles))
        return user

    def add_guild(self, name: str) -> FakeGuild:
        """Another guild (connect the bot after adding it: GUILD_CREATE goes out at IDENTIFY)."""
        return self.state.world.add_guild(name)

    def add_channel(self, name: str, *, guild: FakeGuild | None = None) -> FakeChannel:
        """A text channel in ``guild`` (default: ``fake.guild``)."""
        return self.state.world.add_channel(guild or self.guild, name)

    def revoke_access(self, channel: ChannelRef) -> None:
        """The bot loses View Channel in ``channel``: its message routes answer 403, code 50001 (Missing
        Access), as Discord does; interactions from the channel still arrive."""
        self._channel(channel).bot_access = False

    def delete_channel(self, channel: ChannelRef) -> None:
        """Delete a guild channel: its routes answer 404, code 10003 (Unknown Channel). Its messages stay
        readable here (``fake.messages(channel)``)."""
        self.state.world.remove_channel(self._channel(channel))

    def add_role(self, name: str, *, guild: FakeGuild | None = None, permissions: int = 0) -> FakeRole:
        """A role in ``guild`` (default: ``fake.guild``). A connected bot is told with GUILD_ROLE_CREATE (sent
        before any dispatch that follows, as on one gateway socket); a bot that connects later gets the role
        in GUILD_CREATE."""
        guild = guild or self.guild
        role = self.state.world.add_role(guild, name, permissions=permissions)
        if self.gateway.current_session() is not None:
            self.gateway.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()})
        return role

    def add_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        channel: ChannelRef | None = None,
    ) -> FakeAttachment:
        """A file a user uploaded for an attachment option (pass it, or its id, as the option's value);
        served on the fake CDN at its signed ``url``/``proxy_url``. ``content_type`` defaults to a guess
        from the name (``.md``: ``text/markdown; charset=utf-8``). ``ValueError`` past Discord's 10 MB
        upload limit."""
        return self.cdn.add(
            self.state.ids.next(),
            filename,
            data,
            channel_id=self._channel_id(channel),
            content_type=content_type,
        )

    def fail_download(self, attachment: AttachmentRef, status: int = 404, *, times: int = 1) -> None:
        """The next ``times`` CDN fetches of ``attachment`` answer ``status`` (404: "no longer
        available", 403, 5xx)."""
        self.cdn.fail_next(_attachment_id(attachment), status, times)

    def dm_channel(self, user: UserRef) -> FakeChannel:
        """The bot's DM channel with ``user`` (made on first use, as ``POST /users/@me/channels`` does)."""
        return self.state.world.dm_channel(self._user(user))

    # --- reading what the bot did -----------------------------------------------------------------------

    def requests(self, pattern: str | None = None) -> list[Request]:
        """Every REST request (refused and injected ones included); ``pattern`` as in ``Request.matches``."""
        return [r for r in self.state.recorder.requests if pattern is None or r.matches(pattern)]

    def messages(self, channel: ChannelRef | None = None) -> list[StoredMessage]:
        """Current messages in ``channel`` (default ``fake.channel``), oldest first, ephemeral ones
        included."""
        return self.state.channel_messages(self._channel_id(channel))

    def message(self, message_id: MessageRef) -> StoredMessage:
        """A message's latest state (``.content``, ``.components``, ``.versions``...)."""
        mid = message_id.id if isinstance(message_id, StoredMessage) else message_id
        return self.state.messages[mid]

    def dms(self, user: UserRef) -> list[StoredMessage]:
        """Messages the bot delivered to ``user``'s DMs."""
        channel = self.state.world.dm_channels.get(self._user(user).id)
        return self.state.channel_messages(channel.id) if channel else []

    def interaction(self, interaction_id: int) -> InteractionRecord:
        """An interaction the fake dispatched."""
        return self.state.interactions[interaction_id]

    def callbacks(self, interaction_id: int | PendingInteraction) -> list[CallbackRecord]:
        """Every callback posted for an interaction (refused ones too: see ``.status`` / ``.error``)."""
        iid = interaction_id.id if isinstance(interaction_id, PendingInteraction) else interaction_id
        return list(self.state.interactions[iid].callbacks)

    def followups(self, token: str | PendingInteraction) -> list[StoredMessage]:
        """Follow-up messages sent through the interaction's webhook (current state)."""
        tok = token.token if isinstance(token, PendingInteraction) else token
        interaction = self.state.interactions_by_token[tok]
        return [self.state.messages[m] for m in interaction.followup_ids]

    def original_response(self, interaction: int | PendingInteraction) -> StoredMessage | None:
        """The interaction's original response message (for updates: the clicked message)."""
        iid = interaction.id if isinstance(interaction, PendingInteraction) else interaction
        mid = self.state.interactions[iid].original_message_id
        return self.state.messages.get(mid) if mid else None

    def downloads(self, attachment: AttachmentRef | None = None) -> list[Download]:
        """CDN fetches (of ``attachment`` only, when given), failed ones included, oldest first."""
        wanted = None if attachment is None else _attachment_id(attachment)
        return [d for d in self.cdn.downloads if wanted is None or d.attachment_id == wanted]

    def commands(self, guild: FakeGuild | None = None, *, global_: bool = False) -> list[dict[str, Any]]:
        """Registered application commands of ``guild`` (default ``fake.guild``), or global ones."""
        scope = None if global_ else (guild or self.guild).id
        return list(self.state.command_scope(scope).values())

    async def wait_for(
        self,
        pattern: str,
        predicate: Callable[[Request], bool] | None = None,
        *,
        timeout: float = 5.0,
        after: int = 0,
    ) -> Request:
        """The first request matching ``pattern`` (and ``predicate``), at log index ``after`` or later.
        Pass ``after=len(fake.requests())`` to ignore earlier ones. ``TimeoutError`` if none comes."""
        return await self.state.recorder.wait_for(
            lambda r: r.matches(pattern) and (predicate is None or predicate(r)), timeout=timeout, after=after
        )

    # --- failure injection ------------------------------------------------------------------------------

    def fail_next(
        self,
        route_pattern: str,
        status: int = 429,
        retry_after: float = 0.2,
        global_: bool = False,
        *,
        times: int = 1,
        scope: str = "user",
    ) -> None:
        """Answer the next ``times`` requests matching ``route_pattern`` (fnmatch on ``"METHOD /path"`` or on
        the path, e.g. ``"POST /channels/*/messages"``) with a 429 (Discord's body and headers, ``Via``
        included) or a 500/502/503/504."""
        self.state.failures.add(
            route_pattern, status=status, retry_after=retry_after, global_=global_, times=times, scope=scope
        )

    # --- gateway control --------------------------------------------------------------------------------

    async def wait_for_session(self, *, after: int = 0, timeout: float = 10.0) -> Session:
        """A client identified and got READY + GUILD_CREATE. ``after``: skip the first N sessions (after a
        restart pass ``len(fake.gateway.sessions)`` from before it)."""
        return await self.gateway.wait_for_session(after=after, timeout=timeout)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close the bot's gateway sockets; with 4000 it reconnects and RESUMEs (missed events replayed)."""
        await self.gateway.drop_connections(code)

    # --- interactions -----------------------------------------------------------------------------------

    def dispatch_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        user: UserRef | None = None,
        channel: ChannelRef | None = None,
        locale: str = "en-US",
    ) -> PendingInteraction:
        """A user runs ``/name [subcommand] option:value...``. The command must be registered (guild or
        global);
        ``options`` are checked against it (names, types, choices, required). ``subcommand`` may be
        ``"group sub"``. ``await`` the result for the bot's first accepted callback."""
        chan = self._channel(channel)
        guild = self.state.world.guilds.get(chan.guild_id) if chan.guild_id else None
        command = self.state.find_command(name, guild.id if guild else None)
        if command is None:
            raise ValueError(f"/{name} is not registered (sync the command tree first)")
        data = command_data(
            self.state.world,
            command,
            guild=guild,
            subcommand=subcommand,
            values=dict(options or {}),
            attachments=self._uploaded(),
        )
        return self._dispatch(APPLICATION_COMMAND, data, user=user, channel=chan, locale=locale)

    def dispatch_autocomplete(
        self,
        name: str,
        focused: str,
        typed: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        user: UserRef | None = None,
        channel: ChannelRef | None = None,
    ) -> PendingInteraction:
        """A user types ``typed`` into option ``focused`` of ``/name``; the bot answers with choices
        (callback type 8)."""
        chan = self._channel(channel)
        guild = self.state.world.guilds.get(chan.guild_id) if chan.guild_id else None
        command = self.state.find_command(name, guild.id if guild else None)
        if command is None:
            raise ValueError(f"/{name} is not registered (sync the command tree first)")
        values = {**dict(options or {}), focused: typed}
        data = command_data(
            self.state.world,
            command,
            guild=guild,
            subcommand=subcommand,
            values=values,
            focused=focused,
            attachments=self._uploaded(),
        )
        return self._dispatch(AUTOCOMPLETE, data, user=user, channel=chan)

    def dispatch_click(
        self,
        message: MessageRef,
        custom_id: str,
        *,
        values: Sequence[str] | None = None,
        user: UserRef | None = None,
    ) -> PendingInteraction:
        """A user clicks button ``custom_id`` on ``message`` (or picks ``values`` in that select menu).
        The component must be on the message's current version and not disabled."""
        stored = self.message(message)
        data = component_data(stored, custom_id, values)
        channel = self.state.world.channels[stored.channel_id]
        return self._dispatch(COMPONENT, data, user=user, channel=channel, message=stored)

    def dispatch_modal_submit(
        self, opened_by: int | PendingInteraction, answers: Mapping[str, Any], *, user: UserRef | None = None
    ) -> PendingInteraction:
        """A user submits the modal the bot opened (callback type 9) in answer to interaction ``opened_by``;
        ``answers`` maps text-input custom ids to text (select custom ids to lists of values)."""
        iid = opened_by.id if isinstance(opened_by, PendingInteraction) else opened_by
        source = self.state.interactions[iid]
        if source.modal is None:
            raise ValueError(f"interaction {iid} did not open a modal")
        data = modal_submit_data(source.modal, answers)
        channel = self.state.world.channels[source.channel_id or 0]
        message = self.state.messages.get(source.source_message_id) if source.source_message_id else None
        submitter = user if user is not None else _payload_user_id(source.payload)
        return self._dispatch(MODAL_SUBMIT, data, user=submitter, channel=channel, message=message)

    def _dispatch(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: UserRef | None,
        channel: FakeChannel,
        message: StoredMessage | None = None,
        locale: str = "en-US",
    ) -> PendingInteraction:
        state = self.state
        interaction_id = state.ids.next()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload = base_payload(
            state.world,
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            application_id=state.application_id,
            user=self._user(user) if user is not None else self.user,
            channel=channel,
            locale=locale,
        )
        payload["data"] = data
        if message is not None:
            payload["message"] = message.payload()
        loop = asyncio.get_running_loop()
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            type=kind,
            payload=payload,
            dispatched_at=time.monotonic(),
            channel_id=channel.id,
            source_message_id=message.id if message is not None else None,
            first_callback=loop.create_future(),
        )
        state.interactions[interaction_id] = record
        state.interactions_by_token[token] = record

        def mark_sent() -> None:
            record.dispatched_at = time.monotonic()  # the 3 s deadline runs from when the bot can see it

        sent = self.gateway.dispatch("INTERACTION_CREATE", payload, on_sent=mark_sent)
        return PendingInteraction(record, sent)

    # --- lookups ----------------------------------------------------------------------------------------

    def _uploaded(self) -> dict[int, dict[str, Any]]:
        """Attachment objects (freshly signed URLs) of every uploaded file, by id."""
        return {a.id: self.cdn.payload(a) for a in self.cdn.attachments.values()}

    def _user(self, user: UserRef) -> FakeUser:
        if isinstance(user, FakeUser):
            return user
        return self.state.world.users[int(user)]

    def _channel_id(self, channel: ChannelRef | None) -> int:
        if channel is None:
            return self.channel.id
        return channel.id if isinstance(channel, FakeChannel) else int(channel)

    def _channel(self, channel: ChannelRef | None) -> FakeChannel:
        return self.state.world.channels[self._channel_id(channel)]


def _attachment_id(attachment: AttachmentRef) -> int:
    return attachment.id if isinstance(attachment, FakeAttachment) else int(attachment)


def _payload_user_id(payload: Mapping[str, Any]) -> int:
    who = payload.get("member", {}).get("user") or payload.get("user") or {}
    return int(who["id"])
