"""The points rule: each verdict and difficulty."""

from __future__ import annotations

import pytest

from bot.grading.verdict import Grade, Verdict
from bot.scoring import counts_as_correct, points_for, self_rating_score
from questions.model import Difficulty


@pytest.mark.parametrize(
    ("difficulty", "expected"),
    [(None, 10), (Difficulty.EASY, 10), (Difficulty.MEDIUM, 12), (Difficulty.HARD, 15)],
)
def test_correct_earns_the_base_for_its_difficulty(difficulty: Difficulty | None, expected: int) -> None:
    assert points_for(Grade(Verdict.CORRECT, 1.0), difficulty) == expected


@pytest.mark.parametrize(
    ("difficulty", "score", "expected"),
    [
        (None, 0.5, 5),
        (Difficulty.HARD, 0.5, 8),  # 7.5 rounds half up, not to even
        (Difficulty.MEDIUM, 0.5, 6),
        (Difficulty.MEDIUM, 0.25, 3),
        (Difficulty.EASY, 0.35, 4),  # 3.5 despite float noise
        (Difficulty.HARD, 2 / 3, 10),
        (None, 0.0, 0),
        (None, 0.04, 0),
    ],
)
def test_partial_is_base_times_score_rounded_half_up(
    difficulty: Difficulty | None, score: float, expected: int
) -> None:
    assert points_for(Grade(Verdict.PARTIAL, score), difficulty) == expected


@pytest.mark.parametrize("verdict", [Verdict.INCORRECT, Verdict.AMBIGUOUS])
@pytest.mark.parametrize("difficulty", [None, Difficulty.HARD])
def test_incorrect_and_ambiguous_earn_nothing(verdict: Verdict, difficulty: Difficulty | None) -> None:
    assert points_for(Grade(verdict, 0.0), difficulty) == 0


@pytest.mark.parametrize(
    ("rating", "difficulty", "expected"),
    [
        ("got_it", None, 10),
        ("got_it", Difficulty.HARD, 15),
        ("partly", None, 5),
        ("partly", Difficulty.MEDIUM, 6),
        ("partly", Difficulty.HARD, 8),
        ("missed", Difficulty.HARD, 0),
    ],
)
def test_open_self_rating(rating: str, difficulty: Difficulty | None, expected: int) -> None:
    grade = Grade(Verdict.SELF_ASSESS, self_rating_score(rating))
    assert points_for(grade, difficulty) == expected


def test_unknown_self_rating_is_refused() -> None:
    with pytest.raises(ValueError, match="self-rating"):
        self_rating_score("nailed_it")


def test_difficulty_may_be_given_as_its_stored_string() -> None:
    assert points_for(Grade(Verdict.CORRECT, 1.0), "hard") == 15  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        points_for(Grade(Verdict.CORRECT, 1.0), "brutal")  # type: ignore[arg-type]


def test_only_a_full_score_counts_as_correct() -> None:
    assert counts_as_correct(1.0)
    assert not counts_as_correct(0.99)
    assert not counts_as_correct(0.0)
