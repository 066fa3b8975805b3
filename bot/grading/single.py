"""Grading a single-answer choice question: one key is right.

A button click gives the key directly. Typed text is read by :mod:`bot.grading.choices`; it counts only
when it names exactly one option. Several options (``a b c d``, ``a or b``), a letter that is no option,
or text that names no option clearly is ``AMBIGUOUS`` with a hint, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.grading import hints
from bot.grading.choices import Reading, normalise_keys, read_choice_text
from bot.grading.verdict import Grade, Verdict
from questions.model import Question


def _grade_reading(question: Question, reading: Reading) -> Grade:
    keys = "".join(c.key for c in question.choices)
    if reading.problem is not None:
        hint = hints.for_problem(reading.problem, keys, several=False)
        return Grade(Verdict.AMBIGUOUS, 0.0, reading.keys, hint)
    if len(reading.keys) != 1:
        return Grade(Verdict.AMBIGUOUS, 0.0, reading.keys, hints.ONE_ONLY)
    if reading.keys[0] in question.correct_keys:
        return Grade(Verdict.CORRECT, 1.0, reading.keys)
    return Grade(Verdict.INCORRECT, 0.0, reading.keys)


def grade_single(question: Question, *, keys: Sequence[str] | None = None, text: str | None = None) -> Grade:
    """Grade a click (``keys``) or a typed answer (``text``) to a single-answer question."""
    if keys is not None:
        return _grade_reading(question, normalise_keys(keys, question))
    return _grade_reading(question, read_choice_text(question, text or "", several=False))
