"""``quizmaster db upgrade`` and ``quizmaster db current`` against a temporary SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli.db import app
from bot.storage import migrate


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env, and the default quizmaster.db would land here
    return CliRunner()


def test_upgrade_then_current(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"QUIZMASTER_DATABASE_URL": url}
    head = migrate.head_revision()

    before = runner.invoke(app, ["current"], env=env)
    assert before.exit_code == 1
    assert "revision <none>" in before.output and "quizmaster db upgrade" in before.output

    first = runner.invoke(app, ["upgrade"], env=env)
    assert first.exit_code == 0, first.output
    assert f"upgraded from <empty> to {head}" in first.output
    assert migrate.current(url) == head

    second = runner.invoke(app, ["upgrade"], env=env)
    assert second.exit_code == 0, second.output
    assert f"already at {head}" in second.output

    now = runner.invoke(app, ["current"], env=env)
    assert now.exit_code == 0, now.output
    assert f"revision {head} (up to date)" in now.output


def test_default_url_is_a_sqlite_file_in_the_working_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUIZMASTER_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "quizmaster.db").is_file()


def test_unreachable_database_fails_cleanly_without_leaking_the_password(runner: CliRunner) -> None:
    env = {"QUIZMASTER_DATABASE_URL": "postgresql://quiz:s3cret@127.0.0.1:1/quiz?connect_timeout=2"}
    result = runner.invoke(app, ["upgrade"], env=env)
    assert result.exit_code == 1
    assert "OperationalError" in result.output
    assert "s3cret" not in result.output
