"""Discord interactions translated into core events (``bot.events``), and slash-command options into the
``/quiz`` text every adapter hands to ``bot.commands.parse_command``.

Identity: ``workspace_id`` is the guild id, ``channel_id`` the channel id, ``user_id`` the user id, all as
strings; ``delivery_id`` is the interaction id (the dispatcher handles each one once). A click in a DM (the
self-rating buttons of feedback sent by DM) has no guild: its place is the post's (``where`` given by the
caller, looked up from the post id), so the user stays the same user of the same guild.

``is_admin`` (may run instructor commands; ``Settings.instructors`` user ids are added by the core): the
Manage Server permission (Administrator implies it), or a role named, or with the id, configured in
``QUIZMASTER_DISCORD__INSTRUCTOR_ROLE``.

``groups`` (teams linked to a role follow its members, ``bot.team_groups``): the member's roles as the
interaction carries them (``member.roles``, no privileged intent needed), each role's id then ``@`` + its
name casefolded, @everyone left out; None outside a guild (a DM click), where the member is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.commands import clean_words
from bot.events import (
    Actor,
    BankUploaded,
    ChoiceSelected,
    CommandInvoked,
    SelfRated,
    TextAnswered,
    Upload,
    Where,
)
from bot.team_groups import name_ref

PLATFORM = "discord"
PERIODS = ("week", "last", "month", "all")


class NoPlace(ValueError):
    """The interaction has no guild, and no place was given for it."""


def is_admin(interaction: discord.Interaction[Any], instructor_role: str | None = None) -> bool:
    """Manage Server (or Administrator) in this channel, or the configured instructor role."""
    if interaction.guild_id is None:
        return False
    perms = interaction.permissions
    if perms.manage_guild or perms.administrator:
        return True
    wanted = (instructor_role or "").strip()
    if not wanted:
        return False
    for role in getattr(interaction.user, "roles", None) or []:
        if str(role.id) == wanted or role.name.casefold() == wanted.casefold():
            return True
    return False


def groups_of(interaction: discord.Interaction[Any]) -> tuple[str, ...] | None:
    """The member's roles (id, ``@name``, ...) without @everyone; None when the user is not a guild member
    here (a DM)."""
    member = interaction.user
    if not isinstance(member, discord.Member):
        return None
    groups: list[str] = []
    for role in member.roles:
        if not role.is_default():
            groups += [str(role.id), name_ref(role.name)]
    return tuple(groups)


def where_of(interaction: discord.Interaction[Any], place: Where | None = None) -> Where:
    """The guild and channel of a guild interaction; ``place`` for one in a DM."""
    if interaction.guild_id is not None and interaction.channel_id is not None:
        return Where(PLATFORM, str(interaction.guild_id), str(interaction.channel_id))
    if place is None:
        raise NoPlace("an interaction outside a guild needs the post's place")
    return place


def actor_of(
    interaction: discord.Interaction[Any], where: Where, *, instructor_role: str | None = None
) -> Actor:
    """The person behind the interaction, in ``where``'s guild."""
    user = interaction.user
    return Actor(
        platform=PLATFORM,
        workspace_id=where.workspace_id,
        user_id=str(user.id),
        display_name=user.display_name or user.name,
        is_admin=is_admin(interaction, instructor_role),
        groups=groups_of(interaction),
    )


def command_event(
    interaction: discord.Interaction[Any], text: str, *, instructor_role: str | None = None
) -> CommandInvoked:
    """A slash command as ``/quiz <text>``."""
    where = where_of(interaction)
    actor = actor_of(interaction, where, instructor_role=instructor_role)
    return CommandInvoked(actor, where, text, delivery_id=str(interaction.id))


def upload_event(
    interaction: discord.Interaction[Any],
    uploads: Sequence[Upload],
    *,
    dry_run: bool = False,
    instructor_role: str | None = None,
) -> BankUploaded:
    """``/quiz import`` with its files (fetched, or saying why not); ``dry_run`` only checks them."""
    where = where_of(interaction)
    actor = actor_of(interaction, where, instructor_role=instructor_role)
    return BankUploaded(actor, where, tuple(uploads), dry_run=dry_run, delivery_id=str(interaction.id))


def choice_event(
    interaction: discord.Interaction[Any], where: Where, post_id: int, keys: tuple[str, ...]
) -> ChoiceSelected:
    """A choice button clicked, or select-menu values picked."""
    return ChoiceSelected(actor_of(interaction, where), where, post_id, keys, delivery_id=str(interaction.id))


def text_event(interaction: discord.Interaction[Any], where: Where, post_id: int, text: str) -> TextAnswered:
    """The "Answer in words" modal submitted."""
    return TextAnswered(actor_of(interaction, where), where, post_id, text, delivery_id=str(interaction.id))


def rating_event(interaction: discord.Interaction[Any], where: Where, post_id: int, rating: str) -> SelfRated:
    """A self-rating button clicked."""
    return SelfRated(actor_of(interaction, where), where, post_id, rating, delivery_id=str(interaction.id))


# --- slash-command options -> /quiz text --------------------------------------------------------------------


def _words(value: str | None) -> str:
    return clean_words(value or "")


def ask_text(topic: str | None = None, here: bool = False) -> str:
    """``/quiz ask [topic] [here]``: a trailing word "here" in a typed topic is not read as the flag."""
    words = _words(topic).split()
    while words and words[-1].casefold() == "here":
        words.pop()
    parts = ["topic", *words] if words else []
    if here:
        parts.append("here")
    return " ".join(parts)


def leaderboard_text(period: str = "week", teams: bool = False, here: bool = False) -> str:
    """``/quiz leaderboard [period] [teams] [here]``."""
    chosen = period if period in PERIODS else "week"
    return "leaderboard " + chosen + (" teams" if teams else "") + (" here" if here else "")


def team_join_text(name: str) -> str:
    """``/quiz team join NAME``."""
    return "team join " + _words(name)


def team_link_text(name: str, role: discord.Role) -> str:
    """``/quiz team link NAME GROUP`` with the role as ``<@&id|@name>`` (the id is stored, the name shown)."""
    label = name_ref(role.name).replace("<", "").replace(">", "")
    return f"team link {_words(name)} <@&{role.id}|{label}>"


def team_unlink_text(name: str) -> str:
    """``/quiz team unlink NAME``."""
    return "team unlink " + _words(name)


def dm_text(setting: str) -> str:
    """``/quiz dm on|off``."""
    return "dm on" if setting == "on" else "dm off"


def instructor_text(
    verb: str, args: str | None = None, *, topic: str | None = None, bank: str | None = None
) -> str:
    """An instructor command; the optional ``topic``/``bank`` (autocompleted) are appended as the
    schedule grammar's ``topic X`` / ``bank X``."""
    parts = [verb, _words(args)]
    if topic and _words(topic):
        parts.append("topic " + _words(topic))
    if bank and _words(bank):
        parts.append("bank " + _words(bank))
    return " ".join(p for p in parts if p)
