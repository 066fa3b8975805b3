"""Hostile and arbitrary input grades without error, for every kind of question."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.grading import Verdict, grade
from questions.model import Question

from .builders import CLOUD, FRAMEWORKS, OPTIMISATIONS, open_question, short_question

HOSTILE = {
    "channel": "<!channel>",
    "everyone": "@everyone",
    "here": "<!here> @here",
    "huge": "a" * 100_000,
    "huge-letters": "b " * 50_000,
    "huge-words": "pytorch dynamic " * 7_000,
    "control": "\x00\x01\x02\x1b[31m\x7f\u200b\u202e",
    "emoji": "🎉🔥🚀😀",
    "empty": "",
    "spaces": " \n\t ",
    "slack-markup": "<@U024BE7LH> <#C024BE7LR|general> <https://evil.example|click>",
    "html": "<script>alert(1)</script>",
    "unicode": "Ｂ̶̡͓ ɐɐs ﷽ 𝔟",
    "surrogate-ish": "\ud7ff\ue000\uffff",
}
QUESTIONS = {
    "single": FRAMEWORKS,
    "single-short-options": CLOUD,
    "multi": OPTIMISATIONS,
    "short": short_question("Concept drift"),
    "code": short_question("Total: 5\nMonitor: Data drift", code_output=True),
    "open": open_question(),
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("question", list(QUESTIONS.values()), ids=list(QUESTIONS))
def test_hostile_text_grades_sensibly(question: Question, text: str) -> None:
    result = grade(question, text=text)
    assert 0.0 <= result.score <= 1.0
    if question.kind.value == "open":
        assert result.verdict is Verdict.SELF_ASSESS
    elif question.choices:
        # nothing here is a clear answer to a choice question: ask again, never count it wrong
        assert result.verdict is Verdict.AMBIGUOUS, result
        assert result.hint
    else:
        assert result.verdict in (Verdict.AMBIGUOUS, Verdict.INCORRECT)


@pytest.mark.parametrize("question", [FRAMEWORKS, OPTIMISATIONS], ids=["single", "multi"])
def test_mentions_around_a_letter_are_ignored(question: Question) -> None:
    result = grade(question, text="<!channel> @everyone B <@U123>")
    assert result.matched == ("B",)
    assert result.verdict is not Verdict.AMBIGUOUS


def test_huge_answer_is_fast() -> None:
    import time

    start = time.perf_counter()
    for question in QUESTIONS.values():
        grade(question, text="x y " * 250_000)
    assert time.perf_counter() - start < 1.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400), which=st.sampled_from(sorted(QUESTIONS)))
def test_grade_never_raises_and_score_in_range(text: str, which: str) -> None:
    result = grade(QUESTIONS[which], text=text)
    assert 0.0 <= result.score <= 1.0
    assert isinstance(result.verdict, Verdict)
    assert result.verdict is not Verdict.AMBIGUOUS or result.hint


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            ["a", "b", "c", "e", "or", "and", ",", "option", "pytorch", "static", "dynamic", "not", "1"]
        ),
        max_size=8,
    ),
    which=st.sampled_from(["single", "multi"]),
)
def test_choice_words_never_raise(words: list[str], which: str) -> None:
    result = grade(QUESTIONS[which], text=" ".join(words))
    assert 0.0 <= result.score <= 1.0
    assert set(result.matched) <= {c.key for c in QUESTIONS[which].choices}


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.text(max_size=3), max_size=6))
def test_arbitrary_keys_never_raise(keys: list[str]) -> None:
    for question in QUESTIONS.values():
        result = grade(question, keys=keys)
        assert 0.0 <= result.score <= 1.0
