"""The fake's world: the bot, users, guilds, channels and roles, and their wire payloads.

Payloads follow Discord's documented objects (User, Guild Member, Guild, Channel, Role) with the
fields discord.py reads; ids are snowflake strings on the wire and ints here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .snowflakes import SnowflakeFactory, iso_timestamp, snowflake_time

GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
ALL_PERMISSIONS = (1 << 53) - 1
DEFAULT_PERMISSIONS = 0x0000_0000_0006_4CC0_0E40  # view, send, embed, attach, read history, mentions, ...

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT


@dataclass
class FakeUser:
    """A Discord user. ``dms_closed``: sending this user a DM answers 403, code 50007."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_closed: bool = False

    def payload(self) -> dict[str, Any]:
        """The User object."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class FakeRole:
    """A guild role."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> dict[str, Any]:
        """The Role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": True,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A text channel in a guild, or a DM channel (``guild_id`` None, ``recipient_id`` set).
    ``bot_access`` False: the bot may not view it (its message routes answer 403, code 50001)."""

    id: int
    name: str | None
    guild_id: int | None = None
    type: int = GUILD_TEXT
    position: int = 0
    recipient_id: int | None = None
    bot_access: bool = True

    def payload(self, world: World | None = None) -> dict[str, Any]:
        """The Channel object (a DM lists its recipient when ``world`` knows the user)."""
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "last_message_id": None, "flags": 0}
        if self.type == DM:
            recipient = world.users.get(self.recipient_id) if world and self.recipient_id else None
            data["recipients"] = [recipient.payload()] if recipient else []
            return data
        data.update(
            guild_id=str(self.guild_id),
            name=self.name,
            position=self.position,
            permission_overwrites=[],
            parent_id=None,
            nsfw=False,
            topic=None,
            rate_limit_per_user=0,
        )
        return data


@dataclass
class FakeMember:
    """A user's membership in a guild."""

    user_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_timestamp)


@dataclass
class FakeGuild:
    """A guild with its channels, roles and members (the @everyone role has the guild's id)."""

    id: int
    name: str
    owner_id: int
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    locale: str = "en-US"


class World:
    """Everything the fake knows about: users, guilds, channels, DM channels; builds their payloads."""

    def __init__(self, ids: SnowflakeFactory, *, bot_name: str = "Quizmaster") -> None:
        self.ids = ids
        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.dm_channels: dict[int, FakeChannel] = {}  # by recipient user id
        self.bot = self.add_user(bot_name, bot=True)

    # --- building the world ------------------------------------------------------------------------

    def add_user(
        self, username: str, *, user_id: int | None = None, bot: bool = False, dms_closed: bool = False
    ) -> FakeUser:
        """A new user (not in any guild until ``add_member``)."""
        user = FakeUser(id=user_id or self.ids.next(), username=username, bot=bot, dms_closed=dms_closed)
        self.users[user.id] = user
        return user

    def add_guild(
        self, name: str, *, guild_id: int | None = None, owner: FakeUser | None = None
    ) -> FakeGuild:
        """A new guild with its @everyone role; the bot is a member."""
        gid = guild_id or self.ids.next()
        guild = FakeGuild(id=gid, name=name, owner_id=(owner or self.bot).id)
        guild.roles[gid] = FakeRole(id=gid, name="@everyone", permissions=DEFAULT_PERMISSIONS)
        self.guilds[gid] = guild
        self.add_member(guild, self.bot)
        return guild

    def add_channel(self, guild: FakeGuild, name: str, *, channel_id: int | None = None) -> FakeChannel:
        """A new text channel in ``guild``."""
        channel = FakeChannel(
            id=channel_id or self.ids.next(), name=name, guild_id=guild.id, position=len(guild.channels)
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def remove_channel(self, channel: FakeChannel) -> None:
        """Delete a guild channel: its routes answer 404, code 10003, from now on."""
        if channel.guild_id is not None:
            self.guilds[channel.guild_id].channels.pop(channel.id, None)
        self.channels.pop(channel.id, None)

    def add_role(self, guild: FakeGuild, name: str, *, permissions: int = 0) -> FakeRole:
        """A new role in ``guild``."""
        role = FakeRole(id=self.ids.next(), name=name, permissions=permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild: FakeGuild,
        user: FakeUser,
        *,
        roles: list[FakeRole] | None = None,
        nick: str | None = None,
    ) -> FakeMember:
        """Put ``user`` in ``guild``."""
        member = FakeMember(user_id=user.id, role_ids=[r.id for r in roles or []], nick=nick)
        guild.members[user.id] = member
        return member

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The bot's DM channel with ``user`` (made on first use)."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(id=self.ids.next(), name=None, type=DM, recipient_id=user.id)
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    # --- payloads ----------------------------------------------------------------------------------

    def member_permissions(self, guild: FakeGuild, member: FakeMember) -> int:
        """The member's guild-level permissions (owner: all)."""
        if member.user_id == guild.owner_id:
            return ALL_PERMISSIONS
        perms = guild.roles[guild.id].permissions
        for role_id in member.role_ids:
            role = guild.roles.get(role_id)
            if role:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & 0x8 else perms  # ADMINISTRATOR

    def member_payload(
        self, guild: FakeGuild, user_id: int, *, with_permissions: bool = False
    ) -> dict[str, Any]:
        """The Guild Member object (``permissions`` included as in interaction payloads)."""
        member = guild.members[user_id]
        data: dict[str, Any] = {
            "user": self.users[user_id].payload(),
            "nick": member.nick,
            "avatar": None,
            "roles": [str(r) for r in member.role_ids],
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_permissions:
            data["permissions"] = str(self.member_permissions(guild, member))
        return data

    def guild_payload(self, guild: FakeGuild) -> dict[str, Any]:
        """The Guild object without the GUILD_CREATE extras."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles.values()],
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": guild.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
        }

    def guild_create_payload(self, guild: FakeGuild, *, all_members: bool) -> dict[str, Any]:
        """GUILD_CREATE ``d``: the guild plus channels, threads, and members (all of them only with the
        GUILD_MEMBERS intent; otherwise just the bot, as Discord does)."""
        data = self.guild_payload(guild)
        member_ids = list(guild.members) if all_members else [self.bot.id]
        data.update(
            joined_at=iso_timestamp(snowflake_time(guild.id)),
            large=False,
            unavailable=False,
            member_count=len(guild.members),
            voice_states=[],
            members=[self.member_payload(guild, uid) for uid in member_ids],
            channels=[c.payload() for c in guild.channels.values()],
            threads=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
        )
        return data
