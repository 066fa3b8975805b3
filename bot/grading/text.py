"""Text normalisation shared by every grader.

Typed answers arrive from chat platforms with markup, mentions, HTML entities, control characters and
emoji, and sometimes at hostile lengths. Everything here is a pure function that turns such text into
something graders can compare cheaply:

- :func:`normalise` caps the input (only the first few hundred characters can matter), applies NFKC,
  removes Slack/Discord markup and mentions, control and zero-width characters, and gives both a
  ``cleaned`` form (case and punctuation kept, whitespace collapsed) and a ``folded`` form (casefolded,
  apostrophes dropped, punctuation turned into spaces; decimal points inside numbers kept) with its tokens.
- :func:`numbers` extracts signed decimal numbers in order; :func:`digit_tokens` the tokens that contain a
  digit ("int8", "v3", "107k"), which must match exactly wherever they appear.
- :data:`NEGATIONS` and :func:`has_negation` find negation words, which must agree between an answer and
  what it is matched against.
- :func:`allowed_typos` is the edit budget for a word of a given length, :func:`word_matches` applies it
  (optimal-string-alignment distance from rapidfuzz, so a swapped pair of letters is one typo).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

#: Raw characters looked at; the rest of a longer input is ignored (and reported as ``truncated``).
MAX_RAW_CHARS = 4000
#: Characters of cleaned text kept for comparisons.
MAX_CHARS = 600

NEGATIONS = frozenset(
    {
        "not", "no", "never", "none", "neither", "nor", "without", "non", "cannot", "cant", "dont",
        "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "shouldnt", "couldnt", "wouldnt",
        "hasnt", "havent", "hadnt", "mustnt", "neednt", "nothing", "nobody",
    }
)  # fmt: skip

# Slack: <!channel>, <!here>, <!subteam^S1|@team>, <@U123>, <@U123|name>, <#C123|general>;
# Discord: <@123>, <@!123>, <@&123>, <#123>, custom emoji <:name:123> and <a:name:123>, timestamps <t:1:R>.
_SLACK_LINK = re.compile(r"<(?:https?|mailto|tel):[^<>|\s]*\|([^<>]*)>")
_SLACK_URL = re.compile(r"<((?:https?|mailto|tel):[^<>|\s]*)>")
_MENTION = re.compile(r"<(?:[!@#]|a?:\w+:|t:)[^<>]{0,200}>")
_AT_ALL = re.compile(r"@(?:everyone|here|channel)\b", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#39);")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
# C0/C1 controls except \t \n \r, zero-width and bidi formatting characters, BOM.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_APOSTROPHE = re.compile(r"['’`´]")
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_NON_WORD = re.compile(r"[^\w.]+|_+")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?|\d+(?:\.\d+)?")
_DIGIT = re.compile(r"\d")
# The ASCII fast path of fold(): apostrophes go, other punctuation (but ".") becomes a space.
_ASCII_FOLD = str.maketrans({**{c: " " for c in string.punctuation if c not in ".'`"}, "'": None, "`": None})


@dataclass(frozen=True, slots=True)
class Normalised:
    """One text in the forms graders compare."""

    cleaned: str  # markup, mentions and control characters removed; NFKC; whitespace collapsed
    folded: str  # cleaned, casefolded, apostrophes dropped, punctuation as spaces
    tokens: tuple[str, ...]  # folded.split()
    truncated: bool  # the input was longer than MAX_RAW_CHARS (or the cleaned text than the limit)


def strip_markup(text: str) -> str:
    """Remove chat markup that is not part of an answer: mentions, broadcasts, links' URLs, entities."""
    if not (text.isascii() and text.isprintable()):
        text = _CONTROL.sub("", text)
    if "<" in text:
        text = _SLACK_LINK.sub(r"\1", text)
        text = _SLACK_URL.sub(" ", text)
        text = _MENTION.sub(" ", text)
    if "@" in text:
        text = _AT_ALL.sub(" ", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text)
    return text


def clean(text: str, limit: int = MAX_CHARS) -> tuple[str, bool]:
    """The text capped, NFKC-normalised, without markup or control characters, spaces collapsed.

    Returns ``(cleaned, truncated)``; ``truncated`` says the input went past what is looked at.
    """
    truncated = len(text) > MAX_RAW_CHARS
    text = text[:MAX_RAW_CHARS]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = " ".join(strip_markup(text).split())
    if len(text) > limit:
        return text[:limit], True
    return text, truncated


def fold(cleaned: str) -> str:
    """Casefold, drop apostrophes ("don't" -> "dont"), punctuation to spaces, keep "3.11"."""
    text = cleaned.casefold()
    ascii_only = text.isascii()
    text = text.translate(_ASCII_FOLD) if ascii_only else _NON_WORD.sub(" ", _APOSTROPHE.sub("", text))
    if "." in text:
        text = _STRAY_DOT.sub(" ", text)
    return " ".join(text.split())


def normalise(text: str, limit: int = MAX_CHARS) -> Normalised:
    """All forms of ``text`` at once (see :class:`Normalised`)."""
    cleaned, truncated = clean(text, limit)
    folded = fold(cleaned)
    return Normalised(cleaned, folded, tuple(folded.split()), truncated)


def numbers(text: str) -> tuple[str, ...]:
    """Signed decimal numbers in order of appearance: "-1.2, 3 and 4.50" -> ("-1.2", "3", "4.50")."""
    return tuple(_NUMBER.findall(text))


def digit_tokens(tokens: Iterable[str]) -> tuple[str, ...]:
    """The tokens that contain a digit ("level 2", "int8", "107k"): they must match exactly."""
    return tuple(t for t in tokens if _DIGIT.search(t))


def has_negation(tokens: Iterable[str]) -> bool:
    """Whether any token is a negation word ("not", "never", "non", "doesnt", ...)."""
    return any(t in NEGATIONS for t in tokens)


def allowed_typos(length: int) -> int:
    """Edits tolerated in a word or phrase of this length: none up to 4 characters, then 1, 2, ~1 in 8."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    if length <= 16:
        return 2
    return length // 8


def word_matches(word: str, candidate: str) -> bool:
    """Whether two different words are the same up to a small typo (see :func:`allowed_typos`).

    Words with digits never match fuzzily: "int8" is not "int4".
    """
    budget = allowed_typos(len(candidate))
    if budget == 0 or abs(len(word) - len(candidate)) > budget:
        return False
    if _DIGIT.search(word) or _DIGIT.search(candidate):
        return False
    return OSA.distance(word, candidate, score_cutoff=budget) <= budget
