"""Compact answer keys: several answers on one line, ``1-B, 2-C, 3-A`` or ``**Answers:** 1) b 2) d``.

A line is a compact key when, after an optional answer label (``Answers:``, ``Answer key:``), it is made
only of number/letter pairs. One pair alone (``3-A``) counts only where an answer key is expected (inside
an answer-key section, or after an answer label), since a single pair in running text is too ambiguous; a
numbered list item ``3. A`` is left to the list reader (it may carry an explanation below it).
"""

from __future__ import annotations

import re

from questions.importers.labels import Field, parse_item_label, parse_label
from questions.importers.markdown import SegKind, Segment

_PAIR = r"(?:(?:q|question)\s*)?(\d{1,4})\s*[-–—.):=]\s*\(?([A-Za-z])\)?(?!\w)"
_PAIRS = re.compile(rf"^{_PAIR}(?:(?:\s*[,;|]\s*|\s+){_PAIR})*\s*[.;]?$", re.IGNORECASE)
_ONE_PAIR = re.compile(_PAIR, re.IGNORECASE)
_DIGIT = re.compile(r"\d")


def _pairs(text: str) -> list[tuple[int, str]]:
    text = re.sub(r"\*\*|__|`", "", text).strip()
    if not _PAIRS.match(text):
        return []
    return [(int(m.group(1)), m.group(2).upper()) for m in _ONE_PAIR.finditer(text)]


def compact_key(segment: Segment, *, in_key: bool) -> list[tuple[int, str]]:
    """The (question number, option key) pairs a line segment consists of; [] when it is not a key."""
    if segment.kind != SegKind.LINE:
        return []
    listed = segment.item_first and segment.ordered and segment.number is not None
    if not listed and not _DIGIT.search(segment.raw):
        return []  # no number, no pair: most lines end here
    raw = segment.raw
    if listed:
        raw = f"{segment.number}. {raw}"  # ``1. B  2. C`` is parsed as a list item holding ``B  2. C``
    labelled = False
    label = parse_label(raw)
    if label is not None and label.field == Field.ANSWER:
        raw, labelled = label.value, True
    found = _pairs(raw)
    if len(found) >= 2:
        return found
    if not found or listed or not (in_key or labelled):
        return []
    # ``**Question 7: B**`` starts a key entry that may go on with an explanation: the item reader's.
    return found if labelled or parse_item_label(raw, numbered_needs_emphasis=True) is None else []
