"""The ``/quiz`` application-command group: the same subcommands as the Slack ``/quiz`` text, each turned
into that text (``translate``) and handed to the router; topics and banks autocomplete from the database.

    /quiz ask [topic] [here]           /quiz topics        /quiz me          /quiz help
    /quiz leaderboard [period] [teams] [here]   /quiz team join NAME | team leave | team list
    /quiz dm on|off
    instructors: /quiz schedule ARGS [topic] [bank] | unschedule ID | sprint ARGS | post [topic] | close
                 | import FILE [FILE2] [FILE3] [check] | reset ARGS | team link NAME ROLE | team unlink NAME

``/quiz import`` takes attachment options instead of text: the files go to ``upload(interaction, files,
dry_run)`` (the router downloads them and hands the core a ``BankUploaded``).

The group is guild-only (the quiz lives in a guild's channels). Who may run instructor subcommands is the
core's check (``Actor.is_admin`` from ``translate.is_admin``, plus ``Settings.instructors``): Discord's own
command permissions apply to the whole group only, so they are not used to hide them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import discord
from discord import app_commands
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from adapters.discord import translate
from adapters.discord.text import truncate
from bot.storage.banks import bank_visible_in, visible_in
from bot.storage.models import Bank, QuestionRow

MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
CATALOG_TTL = 30.0

RunText = Callable[[discord.Interaction[Any], str], Awaitable[None]]
RunUpload = Callable[[discord.Interaction[Any], Sequence[discord.Attachment], bool], Awaitable[None]]


class Catalog:
    """Topic and bank names for autocomplete, per guild (the banks that guild sees: the host's and its own),
    read in a worker thread and kept ``ttl`` seconds."""

    def __init__(self, sessions: sessionmaker[Session], *, ttl: float = CATALOG_TTL) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._loaded: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {}
        self._lock = asyncio.Lock()

    async def topics(self, guild_id: str) -> tuple[str, ...]:
        """The topics of active questions ``guild_id`` sees."""
        return (await self._names(guild_id))[0]

    async def banks(self, guild_id: str) -> tuple[str, ...]:
        """The bank names ``guild_id`` sees."""
        return (await self._names(guild_id))[1]

    async def _names(self, guild_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        async with self._lock:
            loaded = self._loaded.get(guild_id)
            if loaded is None or time.monotonic() - loaded[0] >= self._ttl:
                topics, banks = await asyncio.to_thread(self._read, guild_id)
                now = time.monotonic()
                loaded = (now, topics, banks)
                fresh = {g: entry for g, entry in self._loaded.items() if now - entry[0] < self._ttl}
                self._loaded = fresh | {guild_id: loaded}  # guilds not asked about lately are dropped
            return loaded[1], loaded[2]

    def _read(self, guild_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        with self._sessions() as session:
            topics = session.scalars(
                select(QuestionRow.topic)
                .where(
                    QuestionRow.active.is_(True),
                    QuestionRow.topic.is_not(None),
                    visible_in(translate.PLATFORM, guild_id),
                )
                .distinct()
            ).all()
            banks = session.scalars(
                select(Bank.name).where(bank_visible_in(translate.PLATFORM, guild_id)).order_by(Bank.name)
            ).all()
        return tuple(sorted({t for t in topics if t}, key=str.casefold)), tuple(banks)


def suggest(names: tuple[str, ...], typed: str) -> list[app_commands.Choice[str]]:
    """Up to 25 names matching what was typed (prefix matches first), as autocomplete choices."""
    needle = " ".join(typed.split()).casefold()
    starts = [n for n in names if n.casefold().startswith(needle)]
    within = [n for n in names if needle in n.casefold() and n not in starts]
    return [
        app_commands.Choice(name=truncate(n, MAX_CHOICE_NAME), value=n[:MAX_CHOICE_NAME])
        for n in (starts + within)[:MAX_CHOICES]
        if n.strip()
    ]


def build_quiz_group(run: RunText, catalog: Catalog, upload: RunUpload) -> app_commands.Group:
    """The ``/quiz`` group; every subcommand calls ``run(interaction, text)``, except ``import``, which
    calls ``upload(interaction, files, dry_run)``."""
    quiz = app_commands.Group(
        name="quiz", description="Quiz questions, scores and schedules", guild_only=True
    )

    async def topic_choices(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return suggest(await catalog.topics(str(interaction.guild_id)), current)

    async def bank_choices(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return suggest(await catalog.banks(str(interaction.guild_id)), current)

    @quiz.command(name="ask", description="Get a question (just for you, or for the channel with here)")
    @app_commands.describe(topic="A topic (any when empty)", here="Post it to the channel for everyone")
    @app_commands.autocomplete(topic=topic_choices)
    async def ask(
        interaction: discord.Interaction[Any], topic: str | None = None, here: bool = False
    ) -> None:
        await run(interaction, translate.ask_text(topic, here))

    @quiz.command(name="topics", description="The topics you can ask for")
    async def topics(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "topics")

    @quiz.command(name="me", description="Your points, accuracy, streak and rank")
    async def me(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "me")

    @quiz.command(name="leaderboard", description="The leaderboard (this week by default)")
    @app_commands.describe(
        period="Which period", teams="Teams instead of players", here="This channel's board only"
    )
    async def leaderboard(
        interaction: discord.Interaction[Any],
        period: Literal["week", "last", "month", "all"] = "week",
        teams: bool = False,
        here: bool = False,
    ) -> None:
        await run(interaction, translate.leaderboard_text(period, teams, here))

    team = app_commands.Group(name="team", description="Teams", parent=quiz)

    @team.command(name="join", description="Join a team (or create it)")
    @app_commands.describe(name="The team's name")
    async def team_join(interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 60]) -> None:
        await run(interaction, translate.team_join_text(name))

    @team.command(name="leave", description="Leave your team")
    async def team_leave(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "team leave")

    @team.command(name="list", description="The teams and their sizes")
    async def team_list(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "team list")

    @team.command(name="link", description="Instructors: a team that follows a role's members")
    @app_commands.describe(name="The team's name (created if needed)", role="The role whose members it holds")
    async def team_link(
        interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 60], role: discord.Role
    ) -> None:
        await run(interaction, translate.team_link_text(name, role))

    @team.command(name="unlink", description="Instructors: the team stops following its role")
    @app_commands.describe(name="The team's name")
    async def team_unlink(
        interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 60]
    ) -> None:
        await run(interaction, translate.team_unlink_text(name))

    @quiz.command(name="dm", description="Detailed feedback by DM (on) or a short private reply (off)")
    async def dm(interaction: discord.Interaction[Any], setting: Literal["on", "off"]) -> None:
        await run(interaction, translate.dm_text(setting))

    @quiz.command(name="help", description="What the quiz commands do")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "help")

    # --- instructors ---

    @quiz.command(name="schedule", description="Instructors: daily questions or weekly leaderboards here")
    @app_commands.describe(
        args="e.g. daily 09:00 weekdays, leaderboard mon 09:00, list, pause 3",
        topic="Questions on this topic",
        bank="Questions from this bank",
    )
    @app_commands.autocomplete(topic=topic_choices, bank=bank_choices)
    async def schedule(
        interaction: discord.Interaction[Any],
        args: app_commands.Range[str, 1, 300],
        topic: str | None = None,
        bank: str | None = None,
    ) -> None:
        await run(interaction, translate.instructor_text("schedule", args, topic=topic, bank=bank))

    @quiz.command(name="unschedule", description="Instructors: delete a schedule")
    @app_commands.describe(schedule_id="The schedule's id (see /quiz schedule list)")
    async def unschedule(
        interaction: discord.Interaction[Any], schedule_id: app_commands.Range[str, 1, 20]
    ) -> None:
        await run(interaction, translate.instructor_text("unschedule", schedule_id))

    @quiz.command(name="sprint", description="Instructors: an exam-prep sprint")
    @app_commands.describe(
        args='create "Exam" topics=docker until=2026-03-01 per-day=2 at=09:00, list, report NAME, cancel NAME'
    )
    async def sprint(interaction: discord.Interaction[Any], args: app_commands.Range[str, 1, 300]) -> None:
        await run(interaction, translate.instructor_text("sprint", args))

    @quiz.command(name="post", description="Instructors: post a question to this channel now")
    @app_commands.describe(topic="A topic (any when empty)")
    @app_commands.autocomplete(topic=topic_choices)
    async def post(interaction: discord.Interaction[Any], topic: str | None = None) -> None:
        await run(interaction, translate.instructor_text("post", topic))

    @quiz.command(name="close", description="Instructors: close this channel's open question now")
    async def close(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "close")

    @quiz.command(name="import", description="Instructors: import question banks from Markdown quiz files")
    @app_commands.describe(
        file="A quiz file (Markdown, UTF-8, up to 2 MB)",
        file2="Another quiz file",
        file3="A third quiz file",
        check="Only check the files and say what would be imported (nothing is stored)",
    )
    async def import_(
        interaction: discord.Interaction[Any],
        file: discord.Attachment,
        file2: discord.Attachment | None = None,
        file3: discord.Attachment | None = None,
        check: bool = False,
    ) -> None:
        await upload(interaction, [f for f in (file, file2, file3) if f is not None], check)

    @quiz.command(name="reset", description="Instructors: a new leaderboard season")
    @app_commands.describe(args="leaderboard [channel] [confirm]")
    async def reset(interaction: discord.Interaction[Any], args: str | None = None) -> None:
        await run(interaction, translate.instructor_text("reset", args))

    return quiz
