"""Prometheus metrics of one running bot, on a registry of its own (never the process-wide default one).

``Metrics`` owns a ``CollectorRegistry`` and the instruments; the dispatcher and the scheduler call its
``record_*`` methods (each a counter increment or a histogram observation, no I/O), and the runner serves
``exposition()`` over HTTP when ``QUIZMASTER_METRICS_PORT`` is set. Two bots in one process (tests) never
share counts.

Metrics:
- ``quizmaster_events_total{platform,event}``: inbound events handled (``event``: command, choice, text,
  self_rating), counted once their unit of work committed;
- ``quizmaster_event_seconds{platform}``: time of an event's unit of work (database work and grading);
- ``quizmaster_event_errors_total{platform}``: events whose unit of work failed (the user got an apology);
- ``quizmaster_answers_total{platform,verdict}``: answers recorded, by verdict (correct, partial,
  incorrect; an open question's answer counts as self_assess);
- ``quizmaster_delivery_failures_total{platform}``: replies the platform refused (each failed attempt);
- ``quizmaster_scheduled_posts_total{platform,status}``: scheduled occurrences posted or failed (after
  all retries).
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.events import BankUploaded, ChoiceSelected, CommandInvoked, Event, SelfRated, TextAnswered
from bot.messages import Feedback
from bot.ports import Reply

CONTENT_TYPE = CONTENT_TYPE_LATEST  # the text exposition format's content type
EVENT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
EVENT_KINDS: dict[type, str] = {
    CommandInvoked: "command",
    ChoiceSelected: "choice",
    TextAnswered: "text",
    SelfRated: "self_rating",
    BankUploaded: "import",
}
_ANSWERS = (ChoiceSelected, TextAnswered)


class Metrics:
    """The bot's counters and histograms on their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.events = Counter(
            "quizmaster_events", "Inbound events handled.", ("platform", "event"), registry=self.registry
        )
        self.event_seconds = Histogram(
            "quizmaster_event_seconds",
            "Time of an event's unit of work (database and grading), in seconds.",
            ("platform",),
            buckets=EVENT_BUCKETS,
            registry=self.registry,
        )
        self.event_errors = Counter(
            "quizmaster_event_errors",
            "Events whose unit of work failed.",
            ("platform",),
            registry=self.registry,
        )
        self.answers = Counter(
            "quizmaster_answers",
            "Answers recorded, by verdict.",
            ("platform", "verdict"),
            registry=self.registry,
        )
        self.delivery_failures = Counter(
            "quizmaster_delivery_failures",
            "Replies the chat platform refused (each failed attempt).",
            ("platform",),
            registry=self.registry,
        )
        self.scheduled_posts = Counter(
            "quizmaster_scheduled_posts",
            "Scheduled occurrences posted or failed (after all retries).",
            ("platform", "status"),
            registry=self.registry,
        )
        # Labelled children of the per-event instruments, looked up once (``labels()`` costs a few us;
        # worker threads may race to fill an entry, which is harmless: both get the same children).
        self._event_children: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._answer_children: dict[tuple[str, str], Counter] = {}

    def record_event(self, event: Event, replies: Sequence[Reply], seconds: float) -> None:
        """One event's unit of work committed in ``seconds`` with ``replies`` (answers counted by verdict)."""
        platform = event.actor.platform
        key = (platform, EVENT_KINDS.get(type(event), "other"))
        children = self._event_children.get(key)
        if children is None:
            children = (self.events.labels(*key), self.event_seconds.labels(platform))
            self._event_children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if isinstance(event, _ANSWERS):
            for reply in replies:
                if isinstance(reply.message, Feedback):
                    verdict = (platform, reply.message.verdict)
                    counter = self._answer_children.get(verdict)
                    if counter is None:
                        counter = self._answer_children[verdict] = self.answers.labels(*verdict)
                    counter.inc()

    def record_event_error(self, platform: str) -> None:
        """An event's unit of work failed."""
        self.event_errors.labels(platform).inc()

    def record_delivery_failure(self, platform: str) -> None:
        """The platform refused one reply."""
        self.delivery_failures.labels(platform).inc()

    def record_scheduled_post(self, platform: str, status: str) -> None:
        """A scheduled occurrence ended ``posted`` or ``failed``."""
        self.scheduled_posts.labels(platform, status).inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format (``CONTENT_TYPE``)."""
        return generate_latest(self.registry)
