"""Fixtures for the Discord adapter tests: the whole stack on SQLite and PostgreSQL (``env``), or SQLite only
(``sqlite_env``, for scenarios where the database does not matter)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discordkit import DiscordEnv, discord_env


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[DiscordEnv]:
    async with discord_env(db_url) as built:
        yield built


@pytest.fixture
async def sqlite_env(tmp_path: Path) -> AsyncIterator[DiscordEnv]:
    async with discord_env(f"sqlite:///{tmp_path / 'discord.db'}") as built:
        yield built
