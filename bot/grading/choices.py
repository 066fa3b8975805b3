"""Reading a typed answer to a choice question as a set of choice keys.

Shared by the single and multi graders. A typed answer is read in this order:

1. the whole text equals an option's text (after folding) -> that option;
2. the text is only letters and filler words (``b``, ``B)``, ``(b)``, ``option b``, ``A, B, C, E``,
   ``abce``, ``the answer is b``) -> those keys; a letter that names no option, or a hedge (``a or b``),
   makes the reading unclear;
3. a leading key marker followed by text (``B) PyTorch uses dynamic graphs``) -> that key, unless the
   text clearly names a different option;
4. the text matched against every option's text, tolerant of case, punctuation
   and small typos per word, but with guards: every word of the answer must be found in the option *in
   the same order* (a quarter of its characters may be missing in longer answers), every token with a
   digit must appear exactly, and negations must agree. Exactly one option must match clearly better
   than the others (more of the answer found, or the whole text at least 80% similar and 15 points
   closer than the next); otherwise the reading is unclear.

Choice questions never treat unclear input as wrong: the graders return ``AMBIGUOUS`` with a hint.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz

from bot.grading.text import (
    Normalised,
    allowed_typos,
    digit_tokens,
    fold,
    has_negation,
    normalise,
    word_matches,
)
from questions.model import Question

# Words that may surround letters in a letter-only answer ("the answer is b", "option c", "a and d").
_FILLER = frozenset(
    {
        "option", "options", "answer", "answers", "choice", "choices", "letter", "letters", "is", "are",
        "the", "my", "i", "think", "pick", "choose", "select", "its", "it", "and", "or", "final", "guess",
        "id", "say", "go", "with", "im", "sure",
    }
)  # fmt: skip
_HEDGES = frozenset({"or", "maybe", "either", "perhaps", "probably"})
# Words that carry no meaning of their own when matching an answer against an option's text.
_STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "to", "in", "on", "for", "and", "with", "is", "are", "it", "its", "by", "as",
        "be", "that", "this", "uses", "use", "using", "at", "from", "into", "or",
    }
)  # fmt: skip
_LEADING_KEY = re.compile(r"^\s*(?:option\s+)?\(?([a-z])\s*[).:\]-]\s*(.+)$", re.IGNORECASE)
_PART_SPLIT = re.compile(r"\s*(?:[,;\n/+|]|\band\b|&)\s*", re.IGNORECASE)

#: Share of an answer's content characters that must be found in an option.
MIN_COVERAGE = 0.75
#: Full-text similarity (0-100) at which a typed option counts even when words run together.
WHOLE_TEXT_RATIO = 92.0


class Problem(StrEnum):
    """Why a typed answer could not be read as a set of keys."""

    EMPTY = "empty"  # nothing left after removing markup, emoji and punctuation
    TOO_LONG = "too_long"  # far longer than any answer to a choice question
    UNKNOWN_LETTER = "unknown_letter"  # a letter that names no option ("e" with options A-D)
    HEDGED = "hedged"  # "a or b"
    UNMATCHED = "unmatched"  # the text names no option clearly


@dataclass(frozen=True, slots=True)
class Reading:
    """What a typed answer was read as: keys (in key order), or the problem that prevented it.

    With a problem, ``keys`` holds the options the answer could have meant (possibly none).
    """

    keys: tuple[str, ...]
    problem: Problem | None = None


@dataclass(frozen=True, slots=True)
class _Option:
    """An option's text prepared once for matching."""

    folded: str
    tokens: tuple[str, ...]
    positions: dict[str, tuple[int, ...]]  # token -> where it occurs
    fuzzy: tuple[tuple[int, str, int], ...]  # (position, token, typo budget) of tokens that allow typos
    digits: frozenset[str]
    negated: bool


@dataclass(frozen=True, slots=True)
class _Answer:
    """A typed answer prepared once for matching against every option."""

    norm: Normalised
    content: tuple[str, ...]  # tokens without stopwords (all tokens if only stopwords)
    content_chars: int
    digits: frozenset[str]
    negated: bool


@dataclass(frozen=True, slots=True)
class _Match:
    key: str
    coverage: float  # share of the answer's content characters found in order in the option
    ratio: float  # whole-text similarity, 0-100
    exact: bool


@lru_cache(maxsize=4096)
def _prepare(text: str) -> _Option:
    """An option's text folded and indexed (memoised: options repeat across many answers)."""
    norm = normalise(text)
    positions: dict[str, list[int]] = {}
    for i, token in enumerate(norm.tokens):
        positions.setdefault(token, []).append(i)
    digits = frozenset(digit_tokens(norm.tokens))
    fuzzy = tuple(
        (i, t, allowed_typos(len(t))) for i, t in enumerate(norm.tokens) if t not in digits and len(t) > 4
    )
    return _Option(
        folded=norm.folded,
        tokens=norm.tokens,
        positions={t: tuple(p) for t, p in positions.items()},
        fuzzy=fuzzy,
        digits=digits,
        negated=has_negation(norm.tokens),
    )


def _prepare_answer(norm: Normalised) -> _Answer:
    content = tuple(t for t in norm.tokens if t not in _STOPWORDS) or norm.tokens
    return _Answer(
        norm=norm,
        content=content,
        content_chars=sum(len(w) for w in content),
        digits=frozenset(digit_tokens(norm.tokens)),
        negated=has_negation(norm.tokens),
    )


def _next_position(word: str, option: _Option, after: int) -> int | None:
    """The first position after ``after`` where ``word`` occurs in the option (exactly, else with a typo)."""
    exact = option.positions.get(word)
    if exact is not None:
        for pos in exact:
            if pos > after:
                return pos
    size = len(word)
    for pos, token, budget in option.fuzzy:
        if pos > after and abs(len(token) - size) <= budget and word_matches(word, token):
            return pos
    return None


def _coverage(answer: _Answer, option: _Option, allowed_missing: int) -> float:
    """Share of the content words' characters found in the option in order (0 once too much is missing)."""
    missing = 0
    at = -1
    for word in answer.content:
        pos = _next_position(word, option, at)
        if pos is None:
            missing += len(word)
            if missing > allowed_missing:
                return 0.0
        else:
            at = pos
    return 1.0 - missing / answer.content_chars if answer.content_chars else 0.0


def _match_option(answer: _Answer, key: str, option: _Option) -> _Match | None:
    """How well a typed answer names one option, or None when it cannot be that option."""
    if not option.tokens:
        return None
    folded = answer.norm.folded
    if folded == option.folded:
        return _Match(key, 1.0, 100.0, True)
    if not answer.digits <= option.digits:
        return None  # "Level 2" is not "Level 1"
    if answer.negated != option.negated:
        return None  # "necessary" is not "not necessary"
    ratio = fuzz.ratio(folded, option.folded)
    if ratio >= WHOLE_TEXT_RATIO and answer.digits == option.digits:
        return _Match(key, 1.0, ratio, False)  # the option typed out, words run together or split
    # Short answers must be found whole; longer ones may miss a quarter of their characters.
    allowed_missing = 0 if len(answer.content) < 4 else int(answer.content_chars * (1.0 - MIN_COVERAGE))
    coverage = _coverage(answer, option, allowed_missing)
    if coverage <= 0.0:
        return None
    return _Match(key, coverage, ratio, False)


def _best(matches: list[_Match]) -> Reading:
    """The one option an answer names, or UNMATCHED with the candidates when it is not clear."""
    if not matches:
        return Reading((), Problem.UNMATCHED)
    exact = [m for m in matches if m.exact]
    if len(exact) == 1:
        return Reading((exact[0].key,))
    ranked = sorted(matches, key=lambda m: (m.coverage, m.ratio), reverse=True)
    if len(ranked) == 1:
        return Reading((ranked[0].key,))
    first, second = ranked[0], ranked[1]
    if first.coverage - second.coverage >= 0.2 or (
        first.coverage == second.coverage and first.ratio >= 80 and first.ratio - second.ratio >= 15
    ):
        return Reading((first.key,))
    return Reading(tuple(sorted(m.key for m in ranked)), Problem.UNMATCHED)


def _read_text(answer: Normalised, question: Question) -> Reading:
    """Read a piece of text as one option by its text."""
    prepared = _prepare_answer(answer)
    matches = [
        m for c in question.choices if (m := _match_option(prepared, c.key, _prepare(c.text))) is not None
    ]
    return _best(matches)


def _read_letters(tokens: Sequence[str], keys: str) -> Reading | None:
    """Letters and filler only ("option b", "a, c", "abce"): the keys named; None if it is not that."""
    letters: list[str] = []
    unknown = False
    for token in tokens:
        if token in _FILLER:
            continue
        if token.isalpha() and token.isascii() and len(token) == 1:
            letter = token.upper()
            unknown |= letter not in keys
            letters.append(letter)
        elif token.isalpha() and token.isascii() and len(set(token)) == len(token) <= len(keys):
            if not all(ch.upper() in keys for ch in token):
                return None
            letters.extend(ch.upper() for ch in token)
        else:
            return None
    if not letters:
        return None
    named = tuple(sorted(set(letters) & set(keys)))
    if unknown:
        return Reading(named, Problem.UNKNOWN_LETTER)
    if any(t in _HEDGES for t in tokens):
        return Reading(named, Problem.HEDGED)
    return Reading(named)


def _read_one(answer: Normalised, question: Question, keys: str) -> Reading:
    """Read text that should name options: exact text, letters, a leading key with text, fuzzy text."""
    for choice in question.choices:
        if answer.folded == _prepare(choice.text).folded:
            return Reading((choice.key,))
    letters = _read_letters(answer.tokens, keys)
    if letters is not None:
        return letters
    hedges = {t for t in answer.tokens if t in _HEDGES}
    if hedges and not any(hedges <= set(_prepare(c.text).tokens) for c in question.choices):
        return Reading((), Problem.HEDGED)  # "iaas or paas" (but "or" may be part of an option's text)
    lead = _LEADING_KEY.match(answer.cleaned)
    if lead and lead.group(1).upper() in keys:
        key = lead.group(1).upper()
        rest = _read_text(normalise(lead.group(2)), question)
        if rest.problem is None and rest.keys != (key,):
            return Reading(tuple(sorted({key, *rest.keys})), Problem.UNMATCHED)
        return Reading((key,))
    return _read_text(answer, question)


def read_choice_text(question: Question, text: str, *, several: bool) -> Reading:
    """Read a typed answer to a choice question as choice keys.

    With ``several`` (multi-select questions) the text may name several options, by letter or by text,
    separated by commas, semicolons, new lines, "and", "&", "/" or "+".
    """
    answer = normalise(text)
    if answer.truncated:
        return Reading((), Problem.TOO_LONG)
    if not answer.tokens:
        return Reading((), Problem.EMPTY)
    keys = "".join(c.key for c in question.choices)
    whole = _read_one(answer, question, keys)
    if not several or whole.problem is not Problem.UNMATCHED:
        return whole
    chosen: set[str] = set()
    for part in _PART_SPLIT.split(answer.cleaned):
        if not fold(part):
            continue
        reading = _read_one(normalise(part), question, keys)
        if reading.problem is not None:
            return Reading(tuple(sorted(chosen | set(reading.keys))), reading.problem)
        chosen.update(reading.keys)
    if not chosen:
        return whole
    return Reading(tuple(sorted(chosen)))


def normalise_keys(keys: Sequence[str], question: Question) -> Reading:
    """Keys from a button or select menu, validated against the question's options."""
    valid = {c.key for c in question.choices}
    wanted = {k.strip().upper() for k in keys if isinstance(k, str) and k.strip()}
    if not wanted:
        return Reading((), Problem.EMPTY)
    if not wanted <= valid:
        return Reading(tuple(sorted(wanted & valid)), Problem.UNKNOWN_LETTER)
    return Reading(tuple(sorted(wanted)))
