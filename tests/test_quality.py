"""Lint, formatting and type-check are part of the suite: `make test` fails on a ruff or mypy error or on a
file `ruff format` would change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600
    )


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_never_imports_platform_libraries() -> None:
    """The core (bot/, questions/) knows nothing about Slack or Discord."""
    offenders = []
    for folder in ("bot", "questions"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for banned in ("import slack", "from slack", "import discord", "from discord", "from adapters"):
                if banned in text:
                    offenders.append(f"{path.relative_to(REPO)}: {banned}")
    assert offenders == []
