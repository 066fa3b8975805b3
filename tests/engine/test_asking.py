"""Asking: private vs channel questions, topic matching, no repeats until the pool is exhausted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.messages import CardAction, Notice, QuestionCard, TopicList
from bot.storage.models import Post, QuestionRow

from .quizkit import CHANNEL, Env, Sent, q_single, store_questions


def only_card(sent: list[Sent]) -> tuple[Sent, QuestionCard]:
    assert len(sent) == 1, sent
    assert isinstance(sent[0].message, QuestionCard)
    return sent[0], sent[0].message


def test_a_learners_quiz_goes_privately_to_them(env: Env) -> None:
    call, card = only_card(env.command("docker"))
    assert call.kind == "private" and call.user_id == "U1" and call.channel == CHANNEL
    assert card.topic == "Docker" and card.audience == "private"
    assert card.prompt.startswith("Which") or "storage" in card.prompt
    with env.sessions() as s:
        post = s.get(Post, card.post_id)
        assert post is not None and post.audience == "private" and post.closes_at is None


def test_here_posts_to_the_channel_with_a_24h_close_and_records_the_ref(env: Env) -> None:
    call, card = only_card(env.command("docker here"))
    assert call.kind == "post" and call.channel == CHANNEL
    assert card.audience == "channel" and card.closes_at == env.clock.now() + timedelta(hours=24)
    with env.sessions() as s:
        post = s.get(Post, card.post_id)
        assert post is not None and post.message_ref == call.ref


def test_card_content_and_actions(env: Env) -> None:
    seen: dict[str, QuestionCard] = {}
    for _ in range(2):
        _, card = only_card(env.command("docker"))
        seen[card.question_id] = card
    single, multi = seen["qdock1"], seen["qdock2"]
    assert [c.key for c in single.choices] == ["A", "B", "C", "D"]
    assert "```dockerfile" in single.prompt
    assert single.actions == (CardAction.CHOOSE, CardAction.ANSWER_IN_WORDS)
    assert multi.actions == (CardAction.SELECT_MANY, CardAction.ANSWER_IN_WORDS)
    assert single.difficulty == "easy" and single.reveal is None and not single.closed
    _, short = only_card(env.command("k8s"))
    assert short.actions == (CardAction.ANSWER_IN_WORDS,) and short.choices == ()


def test_topics_are_matched_forgivingly(env: Env) -> None:
    for text in ["dockr", "DOCKER", "dkr"]:  # dkr: a configured alias
        _, card = only_card(env.command(text, user="U-" + text))
        assert card.topic == "Docker"
    _, card = only_card(env.command("k8s"))
    assert card.topic == "Kubernetes"


def test_an_unknown_topic_answers_with_the_topic_list(env: Env) -> None:
    sent = env.command("cooking")
    assert len(sent) == 1 and sent[0].kind == "private"
    topics = sent[0].message
    assert isinstance(topics, TopicList)
    assert topics.query == "cooking"
    assert [(t.name, t.questions) for t in topics.topics] == [("Docker", 2), ("Kubernetes", 2)]
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 0


def ask_ids(env: Env, text: str, n: int, user: str = "U1") -> list[str]:
    """Ask ``n`` times, a minute apart; the question ids served."""
    ids = []
    for _ in range(n):
        env.clock.advance(timedelta(minutes=1))
        ids.append(only_card(env.command(text, user=user))[1].question_id)
    return ids


def test_no_repeats_per_user_until_the_pool_is_exhausted(env: Env) -> None:
    first = ask_ids(env, "docker", 2)
    assert sorted(first) == ["qdock1", "qdock2"]
    # Another user is not affected by what U1 had.
    assert sorted(ask_ids(env, "docker", 2, user="U2")) == ["qdock1", "qdock2"]
    # Exhausted: least recently asked first, so the order repeats.
    assert ask_ids(env, "docker", 4) == first + first


def test_no_repeats_per_channel_until_exhausted(env: Env) -> None:
    posted = ask_ids(env, "docker here", 2)
    assert sorted(posted) == ["qdock1", "qdock2"]
    assert ask_ids(env, "docker here", 2, user="U9") == posted
    # Channel history does not count as the user's private history.
    assert sorted(ask_ids(env, "docker", 2)) == ["qdock1", "qdock2"]


def test_answered_questions_count_as_had_for_the_user(env: Env) -> None:
    _, card = only_card(env.command("docker here"))
    env.type_answer("b", user="U5")
    _, mine = only_card(env.command("docker", user="U5"))
    assert mine.question_id != card.question_id


def test_no_topic_picks_from_every_topic(env: Env) -> None:
    assert sorted(ask_ids(env, "", 4)) == ["qdock1", "qdock2", "qk8s1", "qk8s2"]


def test_inactive_questions_are_never_asked(env: Env) -> None:
    with env.sessions() as s:
        row = s.get(QuestionRow, "qdock2")
        assert row is not None
        row.active = False
        s.commit()
    ids = {only_card(env.command("docker"))[1].question_id for _ in range(3)}
    assert ids == {"qdock1"}


def test_an_empty_database_says_so(session_factory) -> None:  # type: ignore[no-untyped-def]
    env = Env(session_factory)
    sent = env.command("")
    assert isinstance(sent[0].message, Notice) and "no questions" in sent[0].message.text.lower()
    topics = env.command("docker")[0].message
    assert isinstance(topics, TopicList) and topics.topics == ()


def test_a_new_private_question_closes_the_unanswered_one(env: Env) -> None:
    _, first = only_card(env.command("docker"))
    _, second = only_card(env.command("docker"))
    with env.sessions() as s:
        p1, p2 = s.get(Post, first.post_id), s.get(Post, second.post_id)
        assert p1 is not None and p1.closed_at is not None
        assert p2 is not None and p2.closed_at is None
    # A typed answer goes to the open one.
    sent = env.type_answer("b")
    assert any(getattr(x.message, "post_id", None) == second.post_id for x in sent)


def test_extra_topic_topic_matching_uses_existing_topics_only(session_factory) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        store_questions(s, [q_single("qpy", topic="Python")])
    env = Env(session_factory)
    assert only_card(env.command("py"))[1].topic == "Python"
    assert isinstance(env.command("k8s")[0].message, TopicList)
