"""Exam-prep sprints end to end on the database: question choice (no repeats, what the cohort got wrong
first), the daily progress line, the readiness report DMed on the last day, and the CSV export (CLI)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from adapters.cli.sprint import app as sprint_cli
from bot.events import ChoiceSelected, Where
from bot.messages import QuestionCard, ReadinessReport, SprintProgress
from bot.render_text import render
from bot.sprints import choose_question, report_csv
from bot.storage.models import Sprint

from .kit import CHANNEL, PLATFORM, WORKSPACE, World, question, store

QUESTIONS = [question(f"d{i}", "Docker") for i in range(4)] + [
    question(f"k{i}", "Kubernetes") for i in range(3)
]


def click(world: World, user: str, post_id: int, key: str) -> None:
    where = Where(PLATFORM, WORKSPACE, CHANNEL)
    asyncio.run(
        world.dispatcher.handle(
            ChoiceSelected(world.actor(user), where, post_id, (key,), f"{user}-{post_id}")
        )
    )


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with session_factory() as session:
        store(session, [*QUESTIONS, question("x0", "Cooking")])
    w = World(session_factory)
    # History before the sprint: the cohort got k1 wrong twice, d2 right once.
    with session_factory() as s:
        posts = {
            q: w.quiz.post_to_channel(
                s, question_id=q, where=Where(PLATFORM, WORKSPACE, "OLD"), closes_at=None
            )
            for q in ("k1", "d2")
        }
        s.commit()
    for user, qid, key in (("ann", "k1", "A"), ("bob", "k1", "C"), ("ann", "d2", "B")):
        asyncio.run(
            w.dispatcher.handle(
                ChoiceSelected(
                    w.actor(user),
                    Where(PLATFORM, WORKSPACE, "OLD"),
                    posts[qid].post_id or 0,
                    (key,),
                    f"h-{user}-{qid}",
                )
            )
        )
    w.port.take()
    return w


def at(world: World, *args: int) -> list:
    world.clock.set(datetime(*args, tzinfo=UTC))
    world.run_due()
    return world.port.take()


def test_a_sprint_runs_day_by_day_and_ends_with_a_readiness_report(world: World, session_factory) -> None:
    made = world.command(
        '/quiz sprint create "Midterm" topics=docker,k8s-typo,kubernetes until=2026-01-07 per-day=2 at=09:00'
    )
    assert "no topic called `k8s-typo`" in render(made[0].message)
    world.command(
        '/quiz sprint create "Midterm" topics=docker,kubernetes until=2026-01-07 per-day=2 at=09:00'
    )
    cards: list[QuestionCard] = []
    progress: list[SprintProgress] = []
    for day in (5, 6, 7):
        for hour in (9, 11):
            sent = at(world, 2026, 1, day, hour, 0)
            progress += [s.message for s in sent if isinstance(s.message, SprintProgress)]
            new = [s.message for s in sent if s.kind == "post" and isinstance(s.message, QuestionCard)]
            assert len(new) == 1
            if hour == 9:  # the day's progress line goes out before its first question
                assert isinstance(sent[0].message, SprintProgress)
            cards += new
            # Everyone answers: ann always right, bob always wrong.
            click(world, "ann", new[0].post_id, "B")
            click(world, "bob", new[0].post_id, "A")
            world.port.take()
    ids = [c.question_id for c in cards]
    assert len(ids) == 6 and len(set(ids)) == 6  # no repeats
    assert ids[0] == "k1"  # the one the cohort got wrong comes first
    assert "d2" not in ids  # answered right before: it would come after all the unseen ones
    assert "x0" not in ids  # not one of the sprint's topics
    assert [(p.day, p.days, p.posted, p.planned) for p in progress] == [
        (1, 3, 0, 6),
        (2, 3, 2, 6),
        (3, 3, 4, 6),
    ]
    assert progress[0].accuracy is None and progress[1].accuracy == 0.5
    assert render(progress[1]) == "“Midterm”: day 2 of 3 — 2/6 questions, cohort accuracy 50%"

    sent = at(world, 2026, 1, 7, 22, 30)  # the last day's report time
    dms = [s for s in sent if s.kind == "dm"]
    assert len(dms) == 1 and dms[0].user_id == "teacher"
    report = dms[0].message
    assert isinstance(report, ReadinessReport)
    assert (report.name, report.starts_on, report.until, report.posted) == (
        "Midterm",
        "2026-01-05",
        "2026-01-07",
        6,
    )
    by_name = {learner.name: learner for learner in report.learners}
    assert (by_name["Ann"].answered, by_name["Ann"].accuracy, by_name["Ann"].weakest) == (6, 1.0, ())
    assert by_name["Bob"].answered == 6 and by_name["Bob"].accuracy == 0.0
    assert set(by_name["Bob"].weakest) == {"Docker", "Kubernetes"}
    assert by_name["Bob"].review and by_name["Bob"].review[0].url == "https://docs.example/k1"
    assert report.learners[0].name == "Bob"  # weakest first
    assert {t.topic for t in report.topics} == {"Docker", "Kubernetes"}
    assert all(t.accuracy == 0.5 and t.learners == 2 for t in report.topics)
    text = render(report)
    assert (
        "Readiness report for “Midterm”" in text and "review: Read about k1 — https://docs.example/k1" in text
    )
    with session_factory() as s:
        assert s.scalars(select(Sprint)).one().report_sent_at is not None
    assert at(world, 2026, 1, 7, 23, 0) == []  # exactly once
    assert at(world, 2026, 1, 8, 9, 0) == []  # the sprint is over

    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [r["section"] for r in rows] == ["learner", "learner", "topic", "topic"]
    assert rows[0]["name"] == "Bob" and rows[0]["accuracy"] == "0.000" and "docs.example" in rows[0]["review"]


def test_when_every_question_was_posted_the_most_missed_come_round_again(
    world: World, session_factory
) -> None:
    world.command('/quiz sprint create "Short" topics=kubernetes until=2026-01-09 per-day=2 at=09:00')
    posted = []
    for day in (5, 6, 7):
        for hour in (9, 11):
            cards = [
                s.message
                for s in at(world, 2026, 1, day, hour, 0)
                if s.kind == "post" and isinstance(s.message, QuestionCard)
            ]
            posted += [c.question_id for c in cards]
            if cards and cards[0].question_id == "k2":
                click(world, "bob", cards[0].post_id, "A")
    assert sorted(posted[:3]) == ["k0", "k1", "k2"]  # the three first, no repeat
    assert posted[3] == "k1"  # then the most missed (k1: twice before) comes back first


def test_choose_question_without_questions_in_the_topics(world: World, session_factory) -> None:
    world.command('/quiz sprint create "Cook" topics=cooking until=2026-01-09')
    with session_factory() as s:
        sprint = s.scalars(select(Sprint)).one()
        assert choose_question(s, sprint) == "x0"
        sprint.topics = ["Nothing"]
        assert choose_question(s, sprint) is None


def test_cli_exports_the_report_as_csv(
    world: World, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    world.command('/quiz sprint create "Midterm" topics=docker until=2026-01-06 at=09:00')
    sent = at(world, 2026, 1, 5, 9, 0)
    card = next(s.message for s in sent if isinstance(s.message, QuestionCard))
    click(world, "=cmd|evil", card.post_id, "A")
    monkeypatch.setenv("QUIZMASTER_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(sprint_cli, ["report", "midterm", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0][:5] == ["section", "name", "answered", "correct", "accuracy"]
    assert rows[1][:4] == ["learner", "'=cmd|evil", "1", "0"]  # spreadsheet formulas are defused
    assert rows[2][:2] == ["topic", "Docker"]
    text = runner.invoke(sprint_cli, ["report", "Midterm"])
    assert text.exit_code == 0 and "Readiness report" in text.output
    out = tmp_path / "r.csv"
    assert runner.invoke(sprint_cli, ["report", "Midterm", "--csv", "-o", str(out)]).exit_code == 0
    assert out.read_text().startswith("section,name")
    missing = runner.invoke(sprint_cli, ["report", "Final"])
    assert missing.exit_code == 1
    listing = runner.invoke(sprint_cli, ["list"])
    assert "Midterm" in listing.output and date(2026, 1, 6).isoformat() in listing.output
