"""The short user-facing hints that go with an ``AMBIGUOUS`` grade."""

from __future__ import annotations

from bot.grading.choices import Problem

SINGLE = "Click a button or type the letter of one option, e.g. B."
MULTI = "Select the options in the menu or type their letters, e.g. A, C."
SHORT = "Type your answer as text."
ONE_ONLY = "Pick just one option: click a button or type a single letter, e.g. B."
HEDGED = "Please commit to an answer: click a button or type the letter(s), without 'or'."
TOO_LONG = "That answer is too long to read: click a button or type the letter, e.g. B."


def for_problem(problem: Problem, keys: str, *, several: bool) -> str:
    """The hint for a typed answer that could not be read; ``keys`` are the question's option keys."""
    if problem is Problem.UNKNOWN_LETTER:
        return f"There is no such option: choose from {keys[0]} to {keys[-1]}."
    if problem is Problem.HEDGED:
        return HEDGED
    if problem is Problem.TOO_LONG:
        return TOO_LONG
    return MULTI if several else SINGLE
