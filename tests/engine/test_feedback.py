"""Feedback content (why the chosen option was wrong, review link, explanation) and open questions'
self-rating, which counts once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.feedback import build_feedback, review_link
from bot.grading.verdict import Grade, Verdict
from bot.messages import Feedback, Notice, QuestionCard
from bot.storage.models import AnswerRow

from .quizkit import Env, Sent, q_open, q_short, q_single


def ask_private(env: Env, topic: str, want: str, user: str = "U1") -> QuestionCard:
    for _ in range(6):
        env.clock.advance(timedelta(seconds=1))
        card = env.command(topic, user=user)[0].message
        assert isinstance(card, QuestionCard)
        if card.question_id == want:
            return card
    raise AssertionError(want)


def feedback(sent: list[Sent]) -> Feedback:
    [fb] = [x.message for x in sent if isinstance(x.message, Feedback)]
    assert isinstance(fb, Feedback)
    return fb


def test_wrong_choice_explains_why_and_links_the_review(env: Env) -> None:
    card = ask_private(env, "docker", "qdock1")
    fb = feedback(env.click(card.post_id, "C"))
    assert fb.verdict == "incorrect" and fb.points == 0
    assert [(w.key, w.choice_text, w.reason) for w in fb.why_wrong] == [
        ("C", "CHDIR", "There is no CHDIR instruction.")
    ]
    assert fb.correct_answer == "B) WORKDIR" and fb.correct_keys == ("B",)
    assert fb.explanation == "WORKDIR sets the directory for later instructions."
    assert fb.review_title == "Dockerfile reference"
    assert fb.review_url == "https://docs.docker.com/reference/dockerfile/"
    assert fb.your_answer == "C"


def test_a_wrong_option_without_a_reason_has_no_why_wrong(env: Env) -> None:
    card = ask_private(env, "docker", "qdock1")
    assert feedback(env.click(card.post_id, "D")).why_wrong == ()


def test_multi_partial_lists_reasons_for_wrong_picks_only(env: Env) -> None:
    card = ask_private(env, "docker", "qdock2")
    fb = feedback(env.click(card.post_id, "A", "D"))
    assert fb.verdict in ("partial", "incorrect")
    assert [w.key for w in fb.why_wrong] == ["D"]
    assert fb.correct_answer == "A) volumes\nB) bind mounts\nC) tmpfs mounts"


def test_correct_answers_carry_no_why_wrong() -> None:
    q = q_single()
    fb = build_feedback(
        q,
        Grade(Verdict.CORRECT, 1.0, ("B",)),
        post_id=1,
        points=10,
        your_answer="b",
        streak=0,
        review_base_url=None,
    )
    assert fb.why_wrong == ()


def test_relative_review_links_use_the_configured_base() -> None:
    q = q_short()
    assert review_link(q, "https://kubernetes.io/docs") == (
        "kubectl cheat sheet",
        "https://kubernetes.io/docs/kubectl/cheatsheet/",
    )
    assert review_link(q, None) == ("kubectl cheat sheet", "kubectl/cheatsheet/")
    assert (
        review_link(q_single(), "https://example.org/")[1] == "https://docs.docker.com/reference/dockerfile/"
    )


def test_open_question_records_self_assess_then_one_rating(env: Env) -> None:
    card = ask_private(env, "k8s", "qk8s2")
    fb = feedback(env.type_answer("Pods get traffic only once they are ready."))
    assert fb.verdict == "self_assess" and fb.points == 0
    assert fb.rating_actions == ("got_it", "partly", "missed")
    assert fb.open_review is not None
    assert fb.open_review.model_answer.startswith("It tells Kubernetes")
    assert fb.open_review.key_points == ("traffic only when ready", "differs from liveness")
    assert fb.open_review.rubric == "Full marks when both points are made."
    with env.sessions() as s:
        [row] = s.scalars(select(AnswerRow))
        assert (row.verdict, row.score, row.points, row.self_rating) == ("self_assess", 0.0, 0, None)

    rated = feedback(env.rate(card.post_id, "partly"))
    assert rated.self_rating == "partly" and rated.rating_actions == () and rated.points == 8  # hard: 15 / 2
    with env.sessions() as s:
        [row] = s.scalars(select(AnswerRow))
        assert (row.verdict, row.score, row.points, row.self_rating) == ("partial", 0.5, 8, "partly")

    [again] = env.rate(card.post_id, "got_it")
    assert isinstance(again.message, Notice) and "already rated" in again.message.text
    with env.sessions() as s:
        [row] = s.scalars(select(AnswerRow))
        assert row.self_rating == "partly" and row.points == 8


def test_open_feedback_is_full_even_with_dms_off(env: Env) -> None:
    env.command("dm off")
    ask_private(env, "k8s", "qk8s2")
    [call] = env.type_answer("my answer")
    assert call.kind == "private"
    assert isinstance(call.message, Feedback) and not call.message.brief and call.message.open_review


def test_rating_refusals(env: Env) -> None:
    card = ask_private(env, "k8s", "qk8s2")
    [bad] = env.rate(card.post_id, "perfect")
    assert isinstance(bad.message, Notice) and bad.message.echo == "perfect"
    [early] = env.rate(card.post_id, "got_it")
    assert isinstance(early.message, Notice) and "answer the question first" in early.message.text.lower()
    choice = ask_private(env, "docker", "qdock1")
    env.click(choice.post_id, "B")
    [not_open] = env.rate(choice.post_id, "got_it")
    assert isinstance(not_open.message, Notice) and "already rated" in not_open.message.text


def test_got_it_counts_as_correct_full_points(env: Env) -> None:
    card = ask_private(env, "k8s", "qk8s2")
    env.type_answer("answer")
    fb = feedback(env.rate(card.post_id, "got_it"))
    assert fb.points == 15 and fb.verdict == "correct"
    with env.sessions() as s:
        [row] = s.scalars(select(AnswerRow))
        assert row.score == 1.0


def test_open_answer_builder_uses_model_answer_as_correct_answer() -> None:
    q = q_open()
    fb = build_feedback(
        q,
        Grade(Verdict.SELF_ASSESS, 0.0),
        post_id=1,
        points=0,
        your_answer=None,
        streak=0,
        review_base_url=None,
    )
    assert fb.correct_answer == q.answer.model_answer  # type: ignore[union-attr]
