"""Fixtures for the Slack adapter tests: the whole stack on SQLite and PostgreSQL (``env``), or SQLite only
(``sqlite_env``, for scenarios where the database does not matter)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slackkit import SlackEnv, slack_env


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[SlackEnv]:
    async with slack_env(db_url) as built:
        yield built


@pytest.fixture
async def sqlite_env(tmp_path: Path) -> AsyncIterator[SlackEnv]:
    async with slack_env(f"sqlite:///{tmp_path / 'slack.db'}") as built:
        yield built
