"""``quizmaster console`` driven through a pseudo-terminal the way a person would use it, on a temporary
SQLite file with the bundled banks: ask, answer, switch user, move the clock, read the leaderboard."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """The person's side of a pseudo-terminal: type lines, wait for text to appear."""

    def __init__(self, fd: int, proc: subprocess.Popen[bytes]) -> None:
        self.fd = fd
        self.proc = proc
        self.buffer = ""

    def read_until(self, marker: str, timeout: float = 60.0) -> str:
        """Everything printed up to and including ``marker`` (consumed from the buffer)."""
        deadline = time.monotonic() + timeout
        while marker not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"timed out waiting for {marker!r}; screen so far:\n{self.buffer[-3000:]}"
                )
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"console exited waiting for {marker!r}:\n{self.buffer[-3000:]}")
                self.buffer += ANSI.sub("", chunk.decode("utf-8", "replace")).replace("\r\n", "\n")
        head, _, rest = self.buffer.partition(marker)
        self.buffer = rest
        return head + marker

    def type(self, line: str, prompt: str) -> str:
        """Type a line and return what was printed until the next ``prompt``."""
        os.write(self.fd, line.encode() + b"\n")
        return self.read_until(prompt)


def answer_for(card_text: str) -> str:
    """What a person types for a card: the letter b when there are choices, else some words."""
    return "b" if re.search(r"^\s+B\) ", card_text, re.MULTILINE) else "I think it caches layers"


@pytest.mark.slow
def test_a_person_plays_in_the_console(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZMASTER_", "SLACK_", "DISCORD_"))}
    env.update(
        QUIZMASTER_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}",
        PYTHONUNBUFFERED="1",
        TERM="dumb",
        COLUMNS="200",
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli.main", "console", "--start", "2026-01-05T09:00"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        close_fds=True,
    )
    os.close(slave)
    term = Terminal(master, proc)
    try:
        intro = term.read_until("you> ", timeout=120)
        assert "Quizmaster console" in intro and "Mon 2026-01-05 09:00 UTC" in intro

        card = term.type("/quiz docker", "you> ")
        assert "only you sees this" in card and "Question #1 [Docker" in card
        feedback = term.type(answer_for(card), "you> ")
        assert "DM to you" in feedback and "Streak: 1 day." in feedback

        assert "You are now alice." in term.type("/as alice", "alice> ")
        card = term.type("/quiz dockr", "alice> ")  # a typo still finds Docker
        assert "only alice sees this" in card and "[Docker" in card
        feedback = term.type(answer_for(card), "alice> ")
        assert "DM to alice" in feedback and "Streak: 1 day." in feedback

        assert "It is now Tue 2026-01-06 09:00 UTC." in term.type("/clock +1d", "alice> ")
        card = term.type("/quiz docker", "alice> ")
        feedback = term.type(answer_for(card), "alice> ")
        assert "Streak: 2 days." in feedback  # the streak grows on the next day

        board = term.type("/quiz leaderboard week", "alice> ")
        assert "Player leaderboard, this week" in board
        assert "“alice”" in board and "“you”" in board

        os.write(master, b"/quit\n")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        os.close(master)
