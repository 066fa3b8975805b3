"""Short answers: tolerant of case, punctuation, spacing and typos; numbers, negations, order exact."""

from __future__ import annotations

import pytest

from bot.grading import Verdict, grade

from .builders import short_question

SHORT = short_question("Blue-green deployment", "blue/green")
DRIFT = short_question("Concept drift")
NUMBERED = short_question("Level 1")
SHORTWORD = short_question("IaaS")
NEGATED = short_question("not idempotent")
ORDER = short_question("PyTorch dynamic, TensorFlow static")
CODE = short_question(
    "Total versions: 3\nActive: gb_v1 (v3, acc=0.95)",
    code_output=True,
)
TABLE = short_question(
    "Real-time    | < 100ms         | Chatbots, search\nBatch        | Minutes-hours   | Reports, emails",
    code_output=True,
)


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        (SHORT, "Blue-green deployment"),
        (SHORT, "blue green deployment"),
        (SHORT, "BLUE GREEN DEPLOYMENT!"),
        (SHORT, "bluegreen deployment"),
        (SHORT, "blue-green deploymnet"),
        (SHORT, "a blue-green deployment"),
        (SHORT, "Blue/Green"),
        (DRIFT, "concept drift"),
        (DRIFT, "conept drift"),
        (DRIFT, "  Concept   Drift. "),
        (DRIFT, "conceptdrift"),
        (NUMBERED, "level 1"),
        (NUMBERED, "Level-1"),
        (SHORTWORD, "iaas"),
        (NEGATED, "Not idempotent."),
        (ORDER, "pytorch dynamic tensorflow static"),
        (ORDER, "pytroch dynamic, tensorflow static"),
    ],
)
def test_accepted_with_tolerances(question: object, typed: str) -> None:
    from questions.model import Question

    assert isinstance(question, Question)
    result = grade(question, text=typed)
    assert result.verdict is Verdict.CORRECT, (typed, result)
    assert result.score == 1.0
    assert result.matched and result.matched[0] in question.answer.accepted  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        (SHORT, "canary deployment"),
        (SHORT, "green-blue deployment"),
        (DRIFT, "data drift"),
        (DRIFT, "concept"),
        (NUMBERED, "level 2"),
        (NUMBERED, "level 11"),
        (SHORTWORD, "paas"),
        (NEGATED, "idempotent"),
        (ORDER, "pytorch static tensorflow dynamic"),
        (ORDER, "tensorflow dynamic pytorch static"),
    ],
)
def test_near_misses_are_incorrect(question: object, typed: str) -> None:
    from questions.model import Question

    assert isinstance(question, Question)
    result = grade(question, text=typed)
    assert (result.verdict, result.score, result.matched) == (Verdict.INCORRECT, 0.0, ())


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        (CODE, "Total versions: 3\nActive: gb_v1 (v3, acc=0.95)"),
        (CODE, "Total versions: 3 Active: gb_v1 (v3, acc=0.95)"),
        (CODE, "Total versions:3\n\n  Active:gb_v1(v3,acc=0.95)"),
        (CODE, "```\nTotal versions: 3\nActive: gb_v1 (v3, acc=0.95)\n```"),
        (CODE, "`Total versions: 3` `Active: gb_v1 (v3, acc=0.95)`"),
        (CODE, "total versions: 3\nactive: gb_v1 (v3, acc=0.95)"),
        (CODE, "Total version: 3\nActive: gb_v1 (v3, acc=0.95)"),  # a small typo in a word
        (CODE, "Total versions 3, Active gb_v1 v3 acc=0.95"),  # punctuation
        (TABLE, "Real-time | < 100ms | Chatbots, search\nBatch | Minutes-hours | Reports, emails"),
        (TABLE, "Real-time | &lt; 100ms | Chatbots, search Batch | Minutes-hours | Reports, emails"),  # Slack
    ],
)
def test_code_output_whitespace_insensitive(question: object, typed: str) -> None:
    from questions.model import Question

    assert isinstance(question, Question)
    assert grade(question, text=typed).verdict is Verdict.CORRECT, typed


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        (CODE, "Total versions: 2\nActive: gb_v1 (v3, acc=0.95)"),
        (CODE, "Total versions: 3\nActive: gb_v1 (v3, acc=0.92)"),
        (CODE, "Total versions: 3\nActive: gb_v1 (v2, acc=0.95)"),
        (CODE, "Total versions: 3\nActive: gb_v1 (v3, acc=-0.95)"),
        (CODE, "Total versions: 3\nActive: gb_v1 (v3, acc=0.95, 1)"),
        (CODE, "Total versions: 3\nActive: rf_v1 (v3, acc=0.95)"),
        (CODE, "Total versions: 3"),
        (TABLE, "Real-time | < 10ms | Chatbots, search\nBatch | Minutes-hours | Reports, emails"),
        (TABLE, "Batch | Minutes-hours | Reports, emails\nReal-time | < 100ms | Chatbots, search"),
    ],
)
def test_code_output_numbers_and_words_must_match(question: object, typed: str) -> None:
    from questions.model import Question

    assert isinstance(question, Question)
    assert grade(question, text=typed).verdict is Verdict.INCORRECT, typed


def test_code_output_word_change_fails() -> None:
    question = short_question("Prediction: positive", code_output=True)
    assert grade(question, text="Prediction: positive").verdict is Verdict.CORRECT
    assert grade(question, text="Prediction: negative").verdict is Verdict.INCORRECT


def test_several_accepted_answers_report_the_one_matched() -> None:
    result = grade(SHORT, text="blue/green")
    assert result.matched == ("blue/green",)


@pytest.mark.parametrize("typed", ["", "   ", "<!channel>", "@everyone", "\x00\x01", "🎉🚀", "?!"])
def test_empty_short_answer_is_ambiguous(typed: str) -> None:
    result = grade(SHORT, text=typed)
    assert result.verdict is Verdict.AMBIGUOUS
    assert result.hint == "Type your answer as text."


def test_keys_for_a_short_question_are_ambiguous() -> None:
    assert grade(SHORT, keys=["A"]).verdict is Verdict.AMBIGUOUS
