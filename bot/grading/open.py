"""Open questions (explanations, essays): the learner rates themself against the model answer.

Grading a typed answer only records that it was given (``SELF_ASSESS``, score 0); the learner then sees
the model answer, key points or rubric and picks a rating, which :func:`grade_self_rating` turns into
the grade that is recorded.
"""

from __future__ import annotations

from bot.grading.verdict import Grade, Verdict

SELF_RATINGS: tuple[str, ...] = ("got_it", "partly", "missed")

_RATING_GRADES = {
    "got_it": Grade(Verdict.CORRECT, 1.0),
    "partly": Grade(Verdict.PARTIAL, 0.5),
    "missed": Grade(Verdict.INCORRECT, 0.0),
}


def grade_open() -> Grade:
    """The grade of an answer to an open question before the learner's rating: ``SELF_ASSESS``."""
    return Grade(Verdict.SELF_ASSESS, 0.0)


def grade_self_rating(rating: str) -> Grade:
    """The grade for a self-rating: got_it -> correct 1.0, partly -> partial 0.5, missed -> incorrect 0.0.

    Raises ValueError for anything else.
    """
    grade = _RATING_GRADES.get(rating) if isinstance(rating, str) else None
    if grade is None:
        raise ValueError(f"unknown self-rating {rating!r}: expected one of {', '.join(SELF_RATINGS)}")
    return grade
