"""The console adapter in-process: lines typed as a person would, read back as printed text (SQLite and
PostgreSQL through the conftest ``session_factory``; synthetic questions, no bank files)."""

from __future__ import annotations

import asyncio
import io
import random
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from adapters.console.port import ConsolePort
from adapters.console.repl import Console
from bot.app import build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.storage.models import Bank, QuestionRow
from questions.model import Choice, ChoiceAnswer, Kind, OpenAnswer, Question, Source

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday


def questions() -> list[Question]:
    single = Question(
        id="qc1",
        kind=Kind.SINGLE,
        prompt="Which instruction sets the working directory?",
        choices=(
            Choice(key="A", text="RUN cd", why_wrong="cd does not persist."),
            Choice(key="B", text="WORKDIR"),
        ),
        answer=ChoiceAnswer(keys=("B",)),
        topic="Docker",
        source=Source(file="c.md"),
        bank="c",
    )
    opened = Question(
        id="qc2",
        kind=Kind.OPEN,
        prompt="Explain layers.",
        answer=OpenAnswer(model_answer="Cached steps."),
        topic="Layers",
        source=Source(file="c.md", line=2),
        bank="c",
    )
    return [single, opened]


def make_console(session_factory: sessionmaker[Session]) -> tuple[Console, io.StringIO, FakeClock]:
    with session_factory() as s:
        s.add(Bank(name="c", title="C", imported_at=START))
        s.flush()
        for q in questions():
            s.add(
                QuestionRow(
                    id=q.id,
                    bank="c",
                    kind=q.kind.value,
                    topic=q.topic,
                    data=q.model_dump(mode="json"),
                    active=True,
                    updated_at=START,
                )
            )
        s.commit()
    clock = FakeClock(START)
    out = io.StringIO()
    port = ConsolePort(out)
    services = build_services(Settings(), clock, random.Random(1))
    console = Console(Dispatcher(services, port, session_factory), port, clock, session_factory, out)
    return console, out, clock


def type_lines(console: Console, out: io.StringIO, *lines: str) -> str:
    out.seek(0)
    out.truncate()
    for line in lines:
        assert asyncio.run(console.handle_line(line)) is True
    return out.getvalue()


def test_play_switch_user_move_clock_and_leaderboard(session_factory: sessionmaker[Session]) -> None:
    console, out, _ = make_console(session_factory)
    text = type_lines(console, out, "/quiz docker")
    assert "only you sees this" in text and "Which instruction sets the working directory?" in text
    text = type_lines(console, out, "b")
    assert "DM to you" in text and "Correct! +10 points. Streak: 1 day." in text
    text = type_lines(console, out, "/as alice", "/quiz dockr", "a")
    assert (
        "You are now alice." in text
        and "Not quite." in text
        and "Why A is wrong: cd does not persist." in text
    )
    text = type_lines(console, out, "/clock +1d", "/quiz docker", "/pick B")
    assert "It is now Tue 2026-01-06 09:00 UTC." in text and "Streak: 2 days." in text
    text = type_lines(console, out, "/quiz leaderboard week")
    assert "Player leaderboard, this week" in text
    assert "1. “you”  10 pts  1 answered  100% right" in text and "2. “alice”  10 pts  2 answered" in text


def test_channel_question_close_and_reveal(session_factory: sessionmaker[Session]) -> None:
    console, out, _ = make_console(session_factory)
    text = type_lines(console, out, "/quiz docker here")
    assert "#general (everyone)" in text
    text = type_lines(console, out, "b", "/as bob", "b")
    assert "(question #1 in #general: 2 answered)" in text
    text = type_lines(console, out, "/clock +25h")
    assert (
        "#general (updated)" in text
        and "Closed. Answer: B) WORKDIR" in text
        and "2 answered, 2 correct." in text
    )
    text = type_lines(console, out, "/as carol", "b")
    assert "This question closed at 2026-01-06 09:00 UTC; the answer was B." in text


def test_open_question_and_rate(session_factory: sessionmaker[Session]) -> None:
    console, out, _ = make_console(session_factory)
    text = type_lines(console, out, "/rate got_it", "/quiz layers", "layers are cached build steps")
    assert "Nothing to rate" in text and "Model answer:" in text and "/rate got_it|partly|missed" in text
    text = type_lines(console, out, "/rate got_it", "/rate missed")
    assert "Rated: got it. +10 points." in text and "Nothing to rate" in text


def test_console_input_errors(session_factory: sessionmaker[Session]) -> None:
    console, out, clock = make_console(session_factory)
    text = type_lines(
        console, out, "/as", "/as <!channel>", "/clock soon", "/frobnicate", "/pick A", "/close", ""
    )
    assert (
        text.count("Usage: /as NAME") == 2 and "Usage: /clock" in text and "Unknown console command" in text
    )
    assert "No open question" in text and "No channel question to close." in text
    assert clock.now() == START
    assert asyncio.run(console.handle_line("/quit")) is False


def test_run_reads_until_eof(session_factory: sessionmaker[Session]) -> None:
    console, out, _ = make_console(session_factory)
    lines = iter(["/quiz topics\n", "/help\n", ""])
    asyncio.run(console.run(lambda: next(lines)))
    text = out.getvalue()
    assert "Topics: Docker (1), Layers (1)" in text and "/as NAME" in text and "you> " in text


def test_an_admin_imports_local_files_and_learners_cannot(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    console, out, clock = make_console(session_factory)
    port = ConsolePort(out)
    services = build_services(Settings(), clock, random.Random(1))
    dispatcher = Dispatcher(services, port, session_factory)
    console = Console(dispatcher, port, clock, session_factory, out, admins=frozenset({"you"}))
    quiz = tmp_path / "my quiz.md"
    quiz.write_text(
        "---\nbank: shell\ntitle: Shell <!channel>\ntopic: Shell\n---\n\n### Q1. Which command lists files?\n\n"
        "- A) ls\n- B) cd\n\n**Answer:** A\n",
        encoding="utf-8",
    )
    text = type_lines(console, out, f'/quiz import "{quiz}" check')
    assert "Checked (nothing stored):" in text and "checked only, nothing stored" in text
    text = type_lines(console, out, f'/quiz import "{quiz}" {tmp_path / "missing.md"}')
    assert "Bank 'shell' (Shell <!channel>): 1 question (1 single): stored, 1 added" in text
    assert "Could not read missing.md: does not exist" in text
    text = type_lines(console, out, "/quiz shell")
    assert "Which command lists files?" in text  # the imported bank is asked from at once
    text = type_lines(console, out, "/as bob", f'/quiz import "{quiz}"')
    assert "Only instructors can use /quiz import." in text
    with session_factory() as s:
        bank = s.get(Bank, "shell")
        assert bank is not None and bank.owner == "console:console"
