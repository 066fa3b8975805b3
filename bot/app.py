"""The only wiring: settings -> engine and sessions -> services -> a dispatcher per adapter port.

Adapters (console, Slack, Discord) call ``build_app()``, ``QuizApp.prepare()`` (migrations and bundled
banks) and then ``QuizApp.dispatcher(port)`` to feed their events into the same services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.card_updates import FreshCounts
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.dispatcher import Dispatcher, InstructorHandler, run_unit
from bot.instructor import InstructorHandler as InstructorCommands
from bot.metrics import Metrics
from bot.ports import ChatPort
from bot.quiz import QuizOptions, QuizService, utc
from bot.services import PlayerService, Services
from bot.storage.banks import SyncResult, ensure_banks_loaded
from bot.storage.db import make_engine, make_session_factory
from bot.storage.migrate import upgrade


@dataclass
class QuizApp:
    """One running bot's engine, sessions, services and metrics (shared by all its adapters)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    services: Services
    metrics: Metrics = field(default_factory=Metrics)

    def prepare(self) -> dict[str, SyncResult]:
        """Migrate the database to the newest schema and (re)load changed bundled banks."""
        upgrade(self.engine)
        banks_dir, clock = self.settings.banks_dir, self.services.clock
        return run_unit(self.sessions, lambda s: ensure_banks_loaded(s, banks_dir, utc(clock.now())))

    def dispatcher(
        self, port: ChatPort, *, instructor_handler: InstructorHandler | None = None
    ) -> Dispatcher:
        """A dispatcher delivering through ``port``."""
        return Dispatcher(
            self.services, port, self.sessions, instructor_handler=instructor_handler, metrics=self.metrics
        )

    def fresh_counts(self) -> FreshCounts | None:
        """What a port's ``CardUpdates`` re-reads open cards' answer counts with before sending them (None on
        SQLite, whose serialised writers leave every count exact)."""
        if self.engine.dialect.name == "sqlite":
            return None
        return FreshCounts(self.sessions, self.services.quiz)

    def instructor_handler(self) -> InstructorCommands:
        """The handler of instructor commands (schedules, sprints); its ``on_change`` is for a scheduler."""
        return InstructorCommands(
            self.services,
            default_timezone=self.settings.timezone,
            review_base_url=self.settings.review_base_url,
        )

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def build_services(
    settings: Settings,
    clock: Clock,
    rng: random.Random | None = None,
    *,
    channel_close_after: timedelta = timedelta(hours=24),
) -> Services:
    """The services configured from ``settings``."""
    options = QuizOptions(
        timezone=settings.timezone,
        review_base_url=settings.review_base_url,
        topic_aliases=dict(settings.topic_aliases),
        channel_close_after=channel_close_after,
    )
    return Services(
        clock=clock,
        quiz=QuizService(clock, options, rng),
        players=PlayerService(clock, settings.timezone),
        instructors=frozenset(settings.instructors),
    )


def build_app(
    settings: Settings | None = None, *, clock: Clock | None = None, rng: random.Random | None = None
) -> QuizApp:
    """Wire a bot from settings (read from the environment when not given)."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    services = build_services(settings, clock or SystemClock(), rng)
    return QuizApp(settings, engine, make_session_factory(engine), services, Metrics())
