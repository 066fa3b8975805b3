"""The graders: pure functions from a question and an answer to a :class:`Grade`.

One module per kind (:mod:`.single`, :mod:`.multi`, :mod:`.short`, :mod:`.open`); typed text is
normalised by :mod:`.text` and read as choice keys by :mod:`.choices`. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.grading import hints
from bot.grading.multi import grade_multi
from bot.grading.open import SELF_RATINGS, grade_open, grade_self_rating
from bot.grading.short import grade_short
from bot.grading.single import grade_single
from bot.grading.verdict import Grade, Verdict
from questions.model import Kind, Question

__all__ = ["SELF_RATINGS", "Grade", "Verdict", "grade", "grade_self_rating"]


def grade(question: Question, *, keys: Sequence[str] | None = None, text: str | None = None) -> Grade:
    """Grade one answer: ``keys`` from a button or select menu, or ``text`` typed by the learner.

    Exactly one of ``keys`` and ``text`` must be given (ValueError otherwise). Open questions grade to
    ``SELF_ASSESS`` (score 0): the learner's rating comes later through :func:`grade_self_rating`.
    Keys given for a short question are unclear input (``AMBIGUOUS``).
    """
    if (keys is None) == (text is None):
        raise ValueError("grade() takes exactly one of keys= and text=")
    if isinstance(keys, str):
        keys = [keys]
    if question.kind is Kind.SINGLE:
        return grade_single(question, keys=keys, text=text)
    if question.kind is Kind.MULTI:
        return grade_multi(question, keys=keys, text=text)
    if question.kind is Kind.SHORT:
        if text is None:
            return Grade(Verdict.AMBIGUOUS, 0.0, (), hints.SHORT)
        return grade_short(question, text)
    return grade_open()
