"""The console adapter shows scheduled posts: an instructor schedules a daily question, `/clock` moves time,
the question appears in #general; the next day's post closes it with the reveal."""

from __future__ import annotations

import asyncio
import io
import random
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from adapters.console.port import ConsolePort
from adapters.console.repl import Console
from bot.clock import FakeClock
from bot.dispatcher import Dispatcher
from bot.instructor import InstructorHandler
from bot.quiz import QuizOptions, QuizService
from bot.scheduler import Scheduler, dispatcher_delivery
from bot.services import PlayerService, Services

from .kit import question, store


def test_console_shows_a_scheduled_question_after_clock(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        store(session, [question("qd1", "Docker"), question("qd2", "Docker")])
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    quiz = QuizService(clock, QuizOptions(), random.Random(1))
    services = Services(clock, quiz, PlayerService(clock), instructors=frozenset({"you"}))
    out = io.StringIO()
    port = ConsolePort(out)
    handler = InstructorHandler(services)
    dispatcher = Dispatcher(services, port, session_factory, instructor_handler=handler)
    scheduler = Scheduler(
        session_factory, clock, services, dispatcher_delivery(dispatcher), instance_id="console"
    )
    console = Console(dispatcher, port, clock, session_factory, out, "you", scheduler=scheduler)

    async def session() -> None:
        for line in ("/quiz schedule daily 09:00 docker", "/clock +30m"):
            await console.handle_line(line)
        assert "Question #" not in out.getvalue()  # 08:30: not yet
        await console.handle_line("/clock +30m")
        await console.handle_line("B")
        await console.handle_line("/clock +1d")

    asyncio.run(session())
    text = out.getvalue()
    assert "Scheduled #1 question on Docker, every day at 09:00 UTC in #general" in text
    first = text.index("It is now Mon 2026-01-05 09:00 UTC.")
    assert "── #general (everyone) ──" in text[first:]
    assert "Question #1 [Docker]" in text[first:]
    assert "closes 2026-01-06 09:00 UTC" in text[first:]
    after_jump = text[text.index("It is now Tue 2026-01-06 09:00 UTC.") :]
    assert "Question #2 [Docker]" in after_jump  # Tuesday's question ...
    assert (
        "── #general (updated) ──" in after_jump and "Closed. Answer: B) right" in after_jump
    )  # ... Monday's revealed
