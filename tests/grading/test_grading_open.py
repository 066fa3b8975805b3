"""Open questions grade to SELF_ASSESS; the learner's rating becomes the grade."""

from __future__ import annotations

import pytest

from bot.grading import SELF_RATINGS, Verdict, grade, grade_self_rating

from .builders import open_question


@pytest.mark.parametrize("typed", ["Because data drifts.", "", "<!channel>", "x" * 100_000])
def test_open_answers_are_self_assessed(typed: str) -> None:
    result = grade(open_question(), text=typed)
    assert (result.verdict, result.score, result.matched) == (Verdict.SELF_ASSESS, 0.0, ())


def test_self_ratings() -> None:
    assert SELF_RATINGS == ("got_it", "partly", "missed")
    got, partly, missed = (grade_self_rating(r) for r in SELF_RATINGS)
    assert (got.verdict, got.score) == (Verdict.CORRECT, 1.0)
    assert (partly.verdict, partly.score) == (Verdict.PARTIAL, 0.5)
    assert (missed.verdict, missed.score) == (Verdict.INCORRECT, 0.0)


@pytest.mark.parametrize("rating", ["", "got it", "GOT_IT", "yes", "correct", None, 1])
def test_unknown_rating_raises(rating: object) -> None:
    with pytest.raises(ValueError, match="self-rating"):
        grade_self_rating(rating)  # type: ignore[arg-type]
