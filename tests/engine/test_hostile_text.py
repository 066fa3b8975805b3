"""Hostile text (mentions, huge input, control characters) is handled and carried back as data only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.events import ChoiceSelected
from bot.messages import Feedback, Leaderboard, Notice, NoticeLevel, QuestionCard, TeamList, TopicList
from bot.render_text import render
from bot.storage.models import AnswerRow, Team, User

from .quizkit import Env

HOSTILE = [
    "<!channel> <!here> <@U123>",
    "@everyone @here",
    "x" * 100_000,
    "\x1b[2J\x1b[31mred\x00\x07\r\nbell\u202egnp.exe",
    "🔥🔥🔥",
]


def channel_card(env: Env) -> QuestionCard:
    card = env.command("docker here", user="poster")[0].message
    assert isinstance(card, QuestionCard)
    return card


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_typed_answers_grade_and_come_back_as_data(env: Env, text: str) -> None:
    channel_card(env)
    sent = env.type_answer(text)
    assert sent and sent[0].user_id == "U1"
    message = sent[0].message
    assert isinstance(message, Feedback | Notice)
    if isinstance(message, Notice):  # an unclear answer: asked again, never an error
        assert message.level is not NoticeLevel.ERROR, message
    echoed = message.your_answer if isinstance(message, Feedback) else message.echo
    if echoed is not None:
        assert len(echoed) <= 300
        assert text.startswith(echoed.rstrip("…"))  # carried verbatim (cut), never rewritten
    rendered = render(message)
    assert not any(ch in rendered for ch in "\x00\x07\x1b\r\u202e")
    with env.sessions() as s:
        rows = list(s.scalars(select(AnswerRow)))
    assert len(rows) == (1 if isinstance(message, Feedback) else 0)
    for row in rows:
        assert row.response is not None and len(row.response) <= 500 and "\x00" not in row.response


def test_hostile_topic_gets_the_topic_list_with_the_query_as_data(env: Env) -> None:
    [call] = env.command("<!channel> " + "y" * 100_000)
    assert isinstance(call.message, TopicList)
    assert call.message.query is not None and call.message.query.startswith("<!channel>")
    assert len(call.message.query) <= 100


def test_hostile_team_names_are_cleaned_and_kept_as_data(env: Env) -> None:
    env.command("team join <!channel>\x1b[2J @everyone " + "z" * 5000)
    with env.sessions() as s:
        [team] = s.scalars(select(Team))
        assert "\x1b" not in team.name and len(team.name) <= 60 and team.name.startswith("<!channel>")
    [call] = env.command("team list")
    assert isinstance(call.message, TeamList)
    assert call.message.teams[0].name.startswith("<!channel>")


def test_hostile_display_names_reach_the_leaderboard_as_data(env: Env) -> None:
    card = channel_card(env)
    env.clock.advance(timedelta(seconds=1))
    evil = "@everyone\x1b[2J" + "n" * 1000
    env.handle(ChoiceSelected(env.actor("U9", name=evil), env.where, card.post_id, ("B",), "evil-click"))
    with env.sessions() as s:
        [user] = s.scalars(select(User).where(User.user_id == "U9"))
        assert user.display_name is not None and len(user.display_name) <= 200
    [call] = env.command("leaderboard all")
    board = call.message
    assert isinstance(board, Leaderboard)
    assert board.rows[0].name.startswith("@everyone")
    assert "\x1b" not in render(board)


def test_a_recorded_typed_answer_with_a_nul_byte_is_stored(env: Env) -> None:
    for _ in range(4):
        env.clock.advance(timedelta(seconds=1))
        card = env.command("k8s")[0].message
        assert isinstance(card, QuestionCard)
        if card.question_id == "qk8s1":
            break
    [call] = [x for x in env.type_answer("kubectl get pods\x00\x1b[2J") if isinstance(x.message, Feedback)]
    assert isinstance(call.message, Feedback) and call.message.your_answer == "kubectl get pods\x00\x1b[2J"
    with env.sessions() as s:
        [row] = s.scalars(select(AnswerRow))
        assert row.response == "kubectl get pods\x1b[2J"
