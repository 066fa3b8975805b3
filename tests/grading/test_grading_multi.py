"""Multi-select questions: keys in any order and form, and the partial-credit rule."""

from __future__ import annotations

import pytest

from bot.grading import Verdict, grade
from bot.grading.multi import multi_score

from .builders import OPTIMISATIONS, choice_question


@pytest.mark.parametrize(
    "typed",
    [
        "A, B, C, E",
        "abce",
        "ABCE",
        "a b c e",
        "E, C, B, A",
        "a,b,c,e",
        "A and B and C and E",
        "options a, b, c and e",
        "(a) (b) (c) (e)",
        "A; B; C; E",
        "a\nb\nc\ne",
        "quantization, torchscript, batch inference, warm-up",
        "Model quantization; TorchScript compilation; Batch inference; Model warmup",
        "a, b, batch inference, model warm up",
    ],
)
def test_correct_selection_in_any_form(typed: str) -> None:
    result = grade(OPTIMISATIONS, text=typed)
    assert (result.verdict, result.score, result.matched) == (Verdict.CORRECT, 1.0, ("A", "B", "C", "E"))


@pytest.mark.parametrize(
    ("typed", "verdict", "score", "matched"),
    [
        ("a b c", "partial", 0.75, ("A", "B", "C")),
        ("b", "partial", 0.25, ("B",)),
        ("a, b, c, d", "partial", 0.5, ("A", "B", "C", "D")),  # 3 right, 1 wrong: (3 - 1) / 4
        ("a, d", "incorrect", 0.0, ("A", "D")),  # (1 - 1) / 4
        ("d", "incorrect", 0.0, ("D",)),
        ("abcde", "incorrect", 0.0, ("A", "B", "C", "D", "E")),  # everything is not an answer
        ("running inference in training mode", "incorrect", 0.0, ("D",)),
    ],
)
def test_partial_credit(typed: str, verdict: str, score: float, matched: tuple[str, ...]) -> None:
    result = grade(OPTIMISATIONS, text=typed)
    assert (result.verdict.value, result.score, result.matched) == (verdict, score, matched)


@pytest.mark.parametrize(
    ("selected", "correct", "options", "score"),
    [
        ("ABCE", "ABCE", "ABCDE", 1.0),
        ("ABC", "ABCE", "ABCDE", 0.75),
        ("ABCD", "ABCE", "ABCDE", 0.5),
        ("ABCDE", "ABCE", "ABCDE", 0.0),  # everything: not correct, not partial
        ("AD", "ABCE", "ABCDE", 0.0),
        ("D", "ABCE", "ABCDE", 0.0),
        ("", "ABCE", "ABCDE", 0.0),
        ("BD", "BC", "ABCD", 0.0),
        ("B", "BC", "ABCD", 0.5),
        ("ABCD", "ABCD", "ABCD", 1.0),  # when every option is right, choosing everything is right
    ],
)
def test_multi_score_rule(selected: str, correct: str, options: str, score: float) -> None:
    assert multi_score(set(selected), set(correct), set(options)) == score


def test_select_menu_keys() -> None:
    assert grade(OPTIMISATIONS, keys=["E", "A", "C", "B"]).verdict is Verdict.CORRECT
    assert grade(OPTIMISATIONS, keys=["a", "b"]).score == 0.5
    result = grade(OPTIMISATIONS, keys=["A", "Z"])
    assert result.verdict is Verdict.AMBIGUOUS and result.hint
    assert grade(OPTIMISATIONS, keys=[]).verdict is Verdict.AMBIGUOUS


@pytest.mark.parametrize(
    "typed",
    ["a or b", "a, b or c", "a b f", "no idea", "", "quantization, something unrelated", "model"],
)
def test_unclear_multi_answers_are_ambiguous(typed: str) -> None:
    result = grade(OPTIMISATIONS, text=typed)
    assert result.verdict is Verdict.AMBIGUOUS
    assert result.score == 0.0
    assert result.hint


def test_all_options_correct_question() -> None:
    question = choice_question(["Red", "Green", "Blue"], "ABC", multi=True)
    assert grade(question, text="abc").verdict is Verdict.CORRECT
    assert grade(question, text="red, green").verdict is Verdict.PARTIAL
