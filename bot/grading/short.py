"""Grading a short typed answer against the accepted answers.

Plain answers are compared after folding (case, punctuation, apostrophes and spacing do not matter; "a",
"an", "the" are ignored). A small typo per word is tolerated (rapidfuzz optimal-string-alignment
distance: none for words up to 4 characters, 1 up to 8, 2 up to 16), or in the whole answer when words
run together or split differently. Tokens with digits must match exactly, negations must agree and
words keep their order, so "Level 2" never matches "Level 1".

Code-output answers compare whitespace-insensitively (and case-insensitively; backticks and code fences
are ignored). Failing an exact match, the words may carry small typos or differ in punctuation, but every
number must match exactly and in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.grading import hints
from bot.grading.text import (
    MAX_CHARS,
    MAX_RAW_CHARS,
    allowed_typos,
    clean,
    digit_tokens,
    fold,
    has_negation,
    numbers,
    word_matches,
)
from bot.grading.verdict import Grade, Verdict
from questions.model import Question, ShortAnswer

_ARTICLES = frozenset({"a", "an", "the"})
_FENCE = re.compile(r"```[\w+-]*|`")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class _Form:
    """A text (accepted answer or typed answer) in the forms short answers are compared in."""

    folded: str
    words: tuple[str, ...]  # folded tokens without articles
    compact: str  # words joined without spaces
    digits: tuple[str, ...]  # sorted tokens containing a digit
    negated: bool
    code: str  # code output: cleaned, no backticks, no whitespace, casefolded
    numbers: tuple[str, ...]  # code output: signed decimals in order


def _code(cleaned: str) -> str:
    """Code output compared whitespace- and case-insensitively, without backticks or fences."""
    return "".join(_FENCE.sub("", cleaned).split()).casefold()


def _form(cleaned: str) -> _Form:
    tokens = tuple(fold(cleaned).split())
    words = tuple(t for t in tokens if t not in _ARTICLES) or tokens
    return _Form(
        folded=" ".join(tokens),
        words=words,
        compact="".join(words),
        digits=tuple(sorted(digit_tokens(tokens))),
        negated=has_negation(tokens),
        code=_code(cleaned),
        numbers=numbers(_FENCE.sub(" ", cleaned)),
    )


@lru_cache(maxsize=4096)
def _accepted_form(text: str) -> _Form:
    """An accepted answer prepared once (memoised: the same answers are graded many times)."""
    return _form(clean(text, limit=MAX_RAW_CHARS)[0])


def _same_words(answer: _Form, accepted: _Form) -> bool:
    """Word by word with a small typo each, or (words split differently) the whole with a small typo."""
    if len(answer.words) == len(accepted.words):
        return all(a == b or word_matches(a, b) for a, b in zip(answer.words, accepted.words, strict=True))
    budget = allowed_typos(len(accepted.compact))
    return OSA.distance(answer.compact, accepted.compact, score_cutoff=budget) <= budget


def _matches_plain(answer: _Form, accepted: _Form) -> bool:
    if answer.folded == accepted.folded or answer.compact == accepted.compact:
        return True
    if answer.digits != accepted.digits or answer.negated != accepted.negated:
        return False
    return _same_words(answer, accepted)


def _matches_code(answer: _Form, accepted: _Form) -> bool:
    if answer.code == accepted.code:
        return True
    if answer.numbers != accepted.numbers:
        return False
    return len(answer.words) == len(accepted.words) and _same_words(answer, accepted)


def grade_short(question: Question, text: str) -> Grade:
    """Grade a typed answer to a short question against its accepted answers."""
    answer_spec = question.answer
    if not isinstance(answer_spec, ShortAnswer):
        raise ValueError(f"question {question.id} is not a short-answer question")
    accepted_forms = [(a, _accepted_form(a)) for a in answer_spec.accepted]
    longest = max((len(a) for a in answer_spec.accepted), default=0)
    limit = min(MAX_RAW_CHARS, max(MAX_CHARS, 2 * longest + 100))
    cleaned, _ = clean(text, limit=limit)
    if not cleaned:
        return Grade(Verdict.AMBIGUOUS, 0.0, (), hints.SHORT)
    if answer_spec.code_output:
        code = _code(cleaned)  # the common case first: the output typed right, spacing aside
        for accepted, form in accepted_forms:
            if code == form.code:
                return Grade(Verdict.CORRECT, 1.0, (accepted,))
    answer = _form(cleaned)
    if not (answer.code if answer_spec.code_output else answer.words):
        return Grade(Verdict.AMBIGUOUS, 0.0, (), hints.SHORT)  # only emoji or punctuation
    matches = _matches_code if answer_spec.code_output else _matches_plain
    for accepted, form in accepted_forms:
        if matches(answer, form):
            return Grade(Verdict.CORRECT, 1.0, (accepted,))
    return Grade(Verdict.INCORRECT, 0.0)
