"""Prometheus metrics: each bot counts on its own registry; the dispatcher counts events (and their time),
answers by verdict, failed units and refused replies; the scheduler counts posted and failed occurrences.
The services, dispatcher and scheduler are the real ones (SQLite and PostgreSQL); only the platform is a
recording port that refuses posts to a broken channel."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import prometheus_client
from prometheus_client.parser import text_string_to_metric_families
from scheduling.kit import PLATFORM, WORKSPACE, FlakyPort, World, question, store
from sqlalchemy.orm import Session, sessionmaker

from bot.dispatcher import Dispatcher
from bot.events import Actor, ChoiceSelected, TextAnswered, Where
from bot.metrics import Metrics
from bot.scheduler import RetryPolicy, Scheduler, dispatcher_delivery

AFTER_NINE = datetime(2026, 1, 5, 9, 0, 30, tzinfo=UTC)


def value(metrics: Metrics, name: str, **labels: str) -> float:
    """A sample's value read back from the exposition text (0 when absent)."""
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


@dataclass(frozen=True)
class Unknown:
    """An event the dispatcher does not know: its unit of work fails."""

    actor: Actor
    where: Where
    delivery_id: str | None = None


def test_each_bot_has_its_own_registry_and_the_default_one_stays_clean() -> None:
    first, second = Metrics(), Metrics()  # a shared registry would refuse the second set of names
    first.record_delivery_failure("slack")
    assert value(first, "quizmaster_delivery_failures_total", platform="slack") == 1
    assert value(second, "quizmaster_delivery_failures_total", platform="slack") == 0
    default = prometheus_client.generate_latest(prometheus_client.REGISTRY).decode()
    assert "quizmaster_" not in default


def test_dispatcher_and_scheduler_count_what_happened(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        store(session, [question(f"q{i}", "Docker") for i in range(3)])
    metrics = Metrics()
    port = FlakyPort(broken={"C2"})
    world = World(session_factory, port=port)
    world.dispatcher = Dispatcher(
        world.services, port, session_factory, instructor_handler=world.handler, metrics=metrics
    )
    world.scheduler = Scheduler(
        session_factory,
        world.clock,
        world.services,
        dispatcher_delivery(world.dispatcher),
        instance_id="A",
        retry=RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001),
        charts=False,
        metrics=metrics,
    )
    for channel in ("C1", "C2"):
        world.command("/quiz schedule daily 09:00", channel=channel)
    world.clock.set(AFTER_NINE)
    report = world.run_due()
    assert (report.posted, report.failed) == (1, 1)
    assert value(metrics, "quizmaster_scheduled_posts_total", platform=PLATFORM, status="posted") == 1
    assert value(metrics, "quizmaster_scheduled_posts_total", platform=PLATFORM, status="failed") == 1
    assert value(metrics, "quizmaster_delivery_failures_total", platform=PLATFORM) == 2  # both attempts on C2

    [card] = port.cards()
    where = Where(PLATFORM, WORKSPACE, "C1")

    def handle(event: object) -> None:
        asyncio.run(world.dispatcher.handle(event))  # type: ignore[arg-type]

    handle(ChoiceSelected(world.actor("u1"), where, card.post_id, ("B",), "c1"))  # correct
    handle(ChoiceSelected(world.actor("u2"), where, card.post_id, ("A",), "c2"))  # incorrect
    handle(ChoiceSelected(world.actor("u1"), where, card.post_id, ("A",), "c3"))  # already answered
    handle(TextAnswered(world.actor("u3"), where, card.post_id, "a or b", "t1"))  # ambiguous: not recorded
    handle(ChoiceSelected(world.actor("u4"), where, card.post_id, ("B",), "c1"))  # a repeated delivery id
    handle(Unknown(world.actor("u5"), where, "x1"))  # the unit of work fails

    assert value(metrics, "quizmaster_events_total", platform=PLATFORM, event="command") == 2
    assert value(metrics, "quizmaster_events_total", platform=PLATFORM, event="choice") == 4
    assert value(metrics, "quizmaster_events_total", platform=PLATFORM, event="text") == 1
    assert value(metrics, "quizmaster_event_seconds_count", platform=PLATFORM) == 7
    assert value(metrics, "quizmaster_event_seconds_sum", platform=PLATFORM) > 0
    assert value(metrics, "quizmaster_answers_total", platform=PLATFORM, verdict="correct") == 1
    assert value(metrics, "quizmaster_answers_total", platform=PLATFORM, verdict="incorrect") == 1
    assert value(metrics, "quizmaster_answers_total", platform=PLATFORM, verdict="ambiguous") == 0
    assert value(metrics, "quizmaster_event_errors_total", platform=PLATFORM) == 1
