"""Plain-text rendering of every message type; control characters never survive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dispatcher import help_message
from bot.feedback import build_card
from bot.messages import (
    CardAction,
    Feedback,
    Leaderboard,
    LeaderboardRow,
    Message,
    OpenReview,
    QuestionCard,
    Stats,
    TeamEntry,
    TeamList,
    TopicEntry,
    TopicList,
    WhyWrong,
    error,
    info,
    warning,
)
from bot.render_text import render

from .quizkit import q_multi, q_short, q_single

EVIL = "<!channel>\x1b[2J\x00\u202e@everyone\r"


def card() -> QuestionCard:
    return build_card(
        q_single(),
        post_id=7,
        audience="channel",
        answered_count=3,
        closes_at=datetime(2026, 1, 6, 9, 0, tzinfo=UTC),
        closed=False,
    )


def test_open_card() -> None:
    text = render(card())
    assert text.startswith("Question #7 [Docker · easy]")
    assert "```dockerfile\nFROM python:3.11\n```" in text
    assert "  B) WORKDIR" in text and "type the letter" in text
    assert "3 answered · closes 2026-01-06 09:00 UTC" in text
    assert "WORKDIR sets" not in text  # no answer before closing


def test_closed_card_shows_answer_and_distribution() -> None:
    closed = build_card(
        q_single(),
        post_id=7,
        audience="channel",
        answered_count=3,
        closes_at=None,
        closed=True,
        distribution={"A": 1, "B": 2},
        correct_count=2,
    )
    text = render(closed)
    assert "  A) RUN cd    1 chose this" in text
    assert "  B) WORKDIR  ✓ 2 chose this" in text
    assert "Closed. Answer: B) WORKDIR" in text and "3 answered, 2 correct." in text
    assert "WORKDIR sets the directory" in text


def test_multi_and_short_cards_say_how_to_answer() -> None:
    multi = build_card(
        q_multi(), post_id=1, audience="private", answered_count=0, closes_at=None, closed=False
    )
    assert CardAction.SELECT_MANY in multi.actions and "every right letter" in render(multi)
    short = build_card(
        q_short(), post_id=2, audience="private", answered_count=0, closes_at=None, closed=False
    )
    assert "in words" in render(short) and "answered" not in render(short)


def test_feedback_full_and_brief() -> None:
    fb = Feedback(
        post_id=1,
        question_id="q",
        verdict="incorrect",
        score=0.0,
        points=0,
        your_answer=EVIL,
        correct_answer="B) WORKDIR",
        correct_keys=("B",),
        explanation="Because.",
        why_wrong=(WhyWrong("C", "CHDIR", "No such instruction."),),
        review_title="Docs",
        review_url="https://docs.example/x",
        streak=2,
    )
    text = render(fb)
    assert text.splitlines()[0] == "Not quite. +0 points. Streak: 2 days."
    assert "Correct answer: B) WORKDIR" in text and "Why C is wrong: No such instruction." in text
    assert "Review: Docs — https://docs.example/x" in text and "Because." in text
    assert "Your answer: “<!channel>" in text
    brief = render(
        Feedback(
            post_id=1,
            question_id="q",
            verdict="incorrect",
            score=0,
            points=0,
            correct_answer="B) WORKDIR",
            explanation="Because.",
            brief=True,
        )
    )
    assert brief == "Not quite. +0 points.\nAnswer: B) WORKDIR"


def test_open_feedback_and_rating() -> None:
    pending = Feedback(
        post_id=1,
        question_id="q",
        verdict="self_assess",
        score=0,
        points=0,
        open_review=OpenReview("Model.", ("one", "two"), "Rubric."),
        rating_actions=("got_it", "partly", "missed"),
    )
    text = render(pending)
    assert "Model answer:\nModel." in text and "  - two" in text and "Rubric:\nRubric." in text
    assert "/rate got_it|partly|missed" in text
    rated = Feedback(post_id=1, question_id="q", verdict="partial", score=0.5, points=8, self_rating="partly")
    assert render(rated).startswith("Rated: partly. +8 points.")


def test_leaderboards() -> None:
    players = Leaderboard("week", False, (LeaderboardRow(1, EVIL, 22, 3, 0.6667, streak=4),))
    text = render(players)
    assert text.startswith("Player leaderboard, this week")
    assert "1. “<!channel>" in text and "22 pts" in text and "67% right" in text and "streak 4" in text
    teams = Leaderboard("all", True, (LeaderboardRow(1, "Blue", 30, 4, 0.5, members=2, avg_per_member=15.0),))
    assert "Team leaderboard, all time" in render(teams) and "2 members  15.0 per member" in render(teams)
    assert "No answers yet." in render(Leaderboard("last_week", False, ()))


def test_stats_topics_teams_notices_help() -> None:
    stats = Stats("Ann", 12, 40, 5, 4, 0.8, 3, 5, 2, "Blue", True)
    text = render(stats)
    assert "12 points this week (#2), 40 in all" in text and "80%" in text and "best 5" in text
    topics = render(TopicList((TopicEntry("Docker", 12),), query=EVIL))
    assert "I don't know the topic “<!channel>" in topics and "Docker (12)" in topics
    assert "No topics yet" in render(TopicList(()))
    teams = render(TeamList((TeamEntry("Blue", 1), TeamEntry("Red", 2)), "Red"))
    assert "“Blue” (1 member)" in teams and "“Red” (2 members)" in teams and "Your team: “Red”" in teams
    assert "No teams yet" in render(TeamList(()))
    assert render(info("Done.")) == "Done."
    assert render(warning("You already answered:", echo="b")) == "! You already answered: “b”"
    assert render(error("Nope.")).startswith("Error: ")
    helped = render(help_message("Use `x`.", "zzz", instructor=True))
    assert "(you typed “zzz”)" in helped and "/quiz team join NAME" in helped and "Instructors:" in helped


ALL: list[Message] = [
    card(),
    Feedback(
        post_id=1,
        question_id="q",
        verdict="correct",
        score=1,
        points=10,
        your_answer=EVIL,
        explanation=EVIL,
        correct_answer=EVIL,
    ),
    Leaderboard("month", False, (LeaderboardRow(1, EVIL, 1, 1, 1.0),)),
    Stats(EVIL, 0, 0, 0, 0, 0.0, 0, 0, None, EVIL, False),
    TopicList((TopicEntry(EVIL, 1),), EVIL),
    TeamList((TeamEntry(EVIL, 1),), EVIL),
    warning(EVIL, EVIL),
    help_message(EVIL, EVIL),
]


@pytest.mark.parametrize("message", ALL, ids=lambda m: type(m).__name__)
def test_every_message_renders_without_control_characters(message: Message) -> None:
    text = render(message)
    assert text
    assert not any(ch in text for ch in "\x1b\x00\u202e\r")


def test_huge_echo_is_shortened() -> None:
    assert len(render(warning("x", echo="y" * 100_000))) < 300


def test_unknown_message_type_is_an_error() -> None:
    with pytest.raises(TypeError):
        render("plain string")  # type: ignore[arg-type]
