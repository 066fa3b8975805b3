"""Grading a multi-select ("select all that apply") question.

Keys may come from a select menu, or be typed in any order and form: ``A, B, C, E``, ``abce``,
``a and c``, or the options' texts separated by commas, semicolons, new lines or "and".

Partial-credit rule, with C the correct keys and S the selected keys:

- S == C: ``CORRECT``, score 1.
- S is every option (and C is not): ``INCORRECT``, score 0 -- choosing everything is not an answer.
- otherwise score = max(0, (|S ∩ C| - |S \\ C|) / |C|): each right key earns 1/|C|, each wrong key costs
  as much. A positive score is ``PARTIAL``; zero is ``INCORRECT``.

Unreadable text (a hedge like ``a or b``, a letter that is no option, text that names no option) is
``AMBIGUOUS`` with a hint.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.grading import hints
from bot.grading.choices import Reading, normalise_keys, read_choice_text
from bot.grading.verdict import Grade, Verdict
from questions.model import Question


def multi_score(selected: set[str], correct: set[str], all_keys: set[str]) -> float:
    """The partial-credit score of a selection (see the module docstring)."""
    if not selected or not correct:
        return 0.0
    if selected == correct:
        return 1.0
    if selected == all_keys:
        return 0.0
    right = len(selected & correct)
    wrong = len(selected - correct)
    return max(0.0, min(1.0, (right - wrong) / len(correct)))


def _grade_reading(question: Question, reading: Reading) -> Grade:
    keys = "".join(c.key for c in question.choices)
    if reading.problem is not None:
        hint = hints.for_problem(reading.problem, keys, several=True)
        return Grade(Verdict.AMBIGUOUS, 0.0, reading.keys, hint)
    score = multi_score(set(reading.keys), set(question.correct_keys), set(keys))
    if score == 1.0:
        verdict = Verdict.CORRECT
    elif score > 0.0:
        verdict = Verdict.PARTIAL
    else:
        verdict = Verdict.INCORRECT
    return Grade(verdict, round(score, 4), reading.keys)


def grade_multi(question: Question, *, keys: Sequence[str] | None = None, text: str | None = None) -> Grade:
    """Grade a selection (``keys``) or a typed answer (``text``) to a multi-select question."""
    if keys is not None:
        return _grade_reading(question, normalise_keys(keys, question))
    return _grade_reading(question, read_choice_text(question, text or "", several=True))
