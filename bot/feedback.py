"""Builds the neutral messages about one question: its card (open or closed) and a user's private feedback.

Pure functions of a ``Question`` and plain values; the quiz service supplies the database facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import urljoin

from bot.grading.verdict import Grade, Verdict
from bot.messages import (
    CardAction,
    ChoiceView,
    Feedback,
    OpenReview,
    QuestionCard,
    Reveal,
    WhyWrong,
)
from questions.model import Kind, OpenAnswer, Question, ShortAnswer

MAX_ECHO_CHARS = 300


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def correct_answer_text(question: Question) -> str:
    """The right answer in words: ``B) text`` lines for choice questions, the first accepted short answer,
    the model answer for open questions."""
    if question.kind in (Kind.SINGLE, Kind.MULTI):
        lines = []
        for key in question.correct_keys:
            choice = question.choice(key)
            lines.append(f"{key}) {choice.text}" if choice else key)
        return "\n".join(lines)
    if isinstance(question.answer, ShortAnswer):
        return question.answer.accepted[0]
    if isinstance(question.answer, OpenAnswer):
        return question.answer.model_answer
    return ""


def card_actions(question: Question, closed: bool) -> tuple[CardAction, ...]:
    """The actions a card of this question offers (none once closed)."""
    if closed:
        return ()
    if question.kind is Kind.SINGLE:
        return (CardAction.CHOOSE, CardAction.ANSWER_IN_WORDS)
    if question.kind is Kind.MULTI:
        return (CardAction.SELECT_MANY, CardAction.ANSWER_IN_WORDS)
    return (CardAction.ANSWER_IN_WORDS,)


def build_card(
    question: Question,
    *,
    post_id: int,
    audience: str,
    answered_count: int,
    closes_at: datetime | None,
    closed: bool,
    distribution: Mapping[str, int] | None = None,
    correct_count: int = 0,
) -> QuestionCard:
    """A question card; closed cards carry the reveal (right answer and distribution per key)."""
    reveal = None
    if closed:
        counts = distribution or {}
        reveal = Reveal(
            correct_keys=question.correct_keys,
            correct_answer=correct_answer_text(question),
            distribution=tuple((c.key, counts.get(c.key, 0)) for c in question.choices),
            answered=answered_count,
            correct=correct_count,
            explanation=question.explanation,
        )
    return QuestionCard(
        post_id=post_id,
        question_id=question.id,
        kind=question.kind.value,
        prompt=question.prompt,
        choices=tuple(ChoiceView(c.key, c.text) for c in question.choices),
        actions=card_actions(question, closed),
        topic=question.topic,
        difficulty=question.difficulty.value if question.difficulty else None,
        audience=audience,
        answered_count=answered_count,
        closes_at=closes_at,
        closed=closed,
        reveal=reveal,
    )


def why_wrong(question: Question, chosen: Sequence[str]) -> tuple[WhyWrong, ...]:
    """The bank's reasons why the chosen options that are not right are wrong."""
    right = set(question.correct_keys)
    reasons = []
    for key in chosen:
        choice = question.choice(key)
        if key not in right and choice is not None and choice.why_wrong:
            reasons.append(WhyWrong(key, choice.text, choice.why_wrong))
    return tuple(reasons)


def review_link(question: Question, base_url: str | None) -> tuple[str | None, str | None]:
    """The review title and URL; a relative URL is resolved against ``base_url`` when one is configured."""
    url = question.review.url
    if url and base_url and "://" not in url:
        url = urljoin(base_url if base_url.endswith("/") else base_url + "/", url)
    return question.review.title, url


def build_feedback(
    question: Question,
    grade: Grade,
    *,
    post_id: int,
    points: int,
    your_answer: str | None,
    streak: int,
    review_base_url: str | None,
    brief: bool = False,
    self_rating: str | None = None,
    rating_actions: Sequence[str] = (),
) -> Feedback:
    """A user's private feedback for one graded answer."""
    title, url = review_link(question, review_base_url)
    open_review = None
    if isinstance(question.answer, OpenAnswer):
        answer = question.answer
        open_review = OpenReview(answer.model_answer, answer.key_points, answer.rubric)
    return Feedback(
        post_id=post_id,
        question_id=question.id,
        verdict=grade.verdict.value,
        score=grade.score,
        points=points,
        your_answer=truncate(your_answer, MAX_ECHO_CHARS) if your_answer is not None else None,
        correct_answer=correct_answer_text(question) or None,
        correct_keys=question.correct_keys,
        explanation=question.explanation,
        why_wrong=why_wrong(question, grade.matched) if grade.verdict is not Verdict.CORRECT else (),
        review_title=title,
        review_url=url,
        streak=streak,
        open_review=open_review,
        rating_actions=tuple(rating_actions),
        self_rating=self_rating,
        brief=brief,
    )
