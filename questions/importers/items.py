"""Question detection: find question-like items, answer-key sections and the sections around them.

An item starts at a labelled heading (``### Question 7``, ``### Q1. [Easy] ...``, ``### Challenge 2``, a
numbered or question-mark heading), at a labelled line (``**Question 7: B**``, ``**12. Which ...?**``), or
at an ordered-list item that carries options or an answer. A labelled heading that contains other items is
a container (``## 1. Multiple Choice Questions``), not an item. An item runs until the next item, a
thematic break, or a heading that ends it. Items inside an answer-key section ("Answer Key", "Answers and
Explanations", "Solutions") are key entries, matched to questions later.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from questions.importers.compact import compact_key
from questions.importers.labels import (
    Field,
    ItemLabel,
    is_key_heading,
    label_from_heading,
    parse_item_label,
    parse_label,
)
from questions.importers.markdown import Document, SegKind, Segment
from questions.importers.options import option_marker, parse_choice_keys

LOOKAHEAD = 80  # segments scanned to decide whether an ordered list item is a question
_ANSWERISH = frozenset({Field.ANSWER, Field.MODEL, Field.OUTPUT, Field.ACCEPTED})


@dataclass(frozen=True, slots=True)
class Item:
    """A question-like item: segments ``start``..``end`` (end exclusive) of the document."""

    start: int
    end: int
    label: ItemLabel | None  # None: an unlabelled question heading ("### What does CMD do?")
    via: str  # "heading" | "line" | "list"
    in_key: bool
    rest: str  # Markdown after the label on the start segment
    ancestors: tuple[int, ...]  # section headings (segment indices) around it, outermost first

    @property
    def number(self) -> int | None:
        return self.label.first_number if self.label else None


@dataclass(frozen=True)
class Layout:
    """What detection found in a document."""

    items: tuple[Item, ...]
    title: int | None  # segment index of the document's title heading
    scope_end: dict[int, int]  # heading segment index -> end of its section (segment index)
    in_key: tuple[bool, ...]  # per segment: inside an answer-key section
    compact: dict[int, list[tuple[int, str]]]  # line segment index -> its (number, key) pairs


def in_items(layout: Layout, count: int) -> list[bool]:
    """Per segment (of ``count``): whether it lies inside one of the layout's items."""
    inside = [False] * count
    for item in layout.items:
        inside[item.start : item.end] = [True] * (item.end - item.start)
    return inside


def _scopes(segments: tuple[Segment, ...]) -> dict[int, int]:
    scope: dict[int, int] = {}
    open_headings: list[int] = []
    for index, segment in enumerate(segments):
        if segment.kind != SegKind.HEADING:
            continue
        while open_headings and segments[open_headings[-1]].level >= segment.level:
            scope[open_headings.pop()] = index
        open_headings.append(index)
    for heading in open_headings:
        scope[heading] = len(segments)
    return scope


def _plausible_key_value(text: str) -> bool:
    """A key entry's value names options, or is a short answer (not "Score < 70%: Review ...")."""
    if parse_choice_keys(text) is not None:
        return True
    return bool(text.strip()) and len(text) <= 60 and ":" not in text


def _list_item_is_question(segments: tuple[Segment, ...], index: int) -> bool:
    """An ordered item followed by options or an answer: inside the item, or right after its list ends
    (``1) Which ...?`` then unindented ``a) ...`` lines, which CommonMark puts outside the list)."""
    start = segments[index]
    alone = not _follows_sibling(segments, index)
    for segment in segments[index + 1 : index + 1 + LOOKAHEAD]:
        if start.item not in segment.items:
            if not alone:
                return False  # ``3. SSH`` of a list of options: what follows the list is not its own
            if segment.kind in (SegKind.HEADING, SegKind.RULE) or (
                segment.item_first and segment.ordered and segment.depth <= start.depth
            ):
                return False  # the next numbered item, or a new section
            if parse_item_label(segment.raw, numbered_needs_emphasis=True) is not None:
                return False
        if segment.kind != SegKind.LINE:
            continue
        if option_marker(segment) is not None:
            return True
        label = parse_label(segment.raw)
        if label is not None and label.field in _ANSWERISH:
            return True
    return False


def _follows_sibling(segments: tuple[Segment, ...], index: int) -> bool:
    """The list item starting at ``index`` comes after another item of the same list."""
    start = segments[index]
    if index == 0:
        return False
    previous = segments[index - 1]
    parent = start.items[:-1]
    return (
        len(previous.items) >= start.depth
        and previous.items[: start.depth - 1] == parent
        and previous.items[start.depth - 1] != start.item
    )


def _candidate(
    segments: tuple[Segment, ...], index: int, in_key: bool
) -> tuple[ItemLabel | None, str, str] | None:
    segment = segments[index]
    if segment.kind == SegKind.HEADING:
        if label_from_heading(segment.plain) is not None:
            return None
        label = parse_item_label(segment.raw, numbered_needs_emphasis=False)
        if label is not None:
            if in_key and not label.is_question:
                return None
            return label, "heading", label.rest
        if not in_key and segment.plain.endswith("?"):
            return None, "heading", segment.raw
        return None
    if segment.kind != SegKind.LINE:
        return None
    if segment.item_first and segment.ordered and segment.number is not None:
        label = ItemLabel("", str(segment.number), segment.raw)
        if in_key:
            return (label, "list", segment.raw) if _plausible_key_value(segment.raw) else None
        return (label, "list", segment.raw) if _list_item_is_question(segments, index) else None
    label = parse_item_label(segment.raw, numbered_needs_emphasis=True)
    if label is None:
        return None
    if in_key and (not label.is_question or (not label.word and not _plausible_key_value(label.rest))):
        return None
    return label, "line", label.rest


def detect(doc: Document) -> Layout:
    """Find the items of ``doc``."""
    segments = doc.segments
    scope = _scopes(segments)
    in_key = [False] * len(segments)
    for heading, end in scope.items():
        if is_key_heading(segments[heading].plain):
            for index in range(heading + 1, end):
                in_key[index] = True

    compact: dict[int, list[tuple[int, str]]] = {}
    for index, segment in enumerate(segments):
        pairs = compact_key(segment, in_key=in_key[index])
        if pairs:
            compact[index] = pairs
    compact_lines = sorted(compact)
    candidates: dict[int, tuple[ItemLabel | None, str, str]] = {}
    for index in range(len(segments)):
        if index in compact:
            continue
        found = _candidate(segments, index, in_key[index])
        if found is not None:
            candidates[index] = found
    starts = _drop_nested_key_lists(segments, sorted(candidates), candidates, in_key)
    containers = set()
    for index in starts:
        if candidates[index][1] == "heading":
            following = bisect_right(starts, index)
            if following < len(starts) and starts[following] < scope[index]:
                containers.add(index)
    starts = [index for index in starts if index not in containers]

    title = _title(segments, starts)
    ancestors = _ancestors(segments, set(starts), title)
    items = []
    for position, start in enumerate(starts):
        label, via, rest = candidates[start]
        end = _item_end(
            segments, start, via, scope, starts[position + 1] if position + 1 < len(starts) else None
        )
        following = bisect_right(compact_lines, start)
        if following < len(compact_lines):
            end = min(end, compact_lines[following])  # ``**Answers:** 1-B, 2-C`` ends the last question
        items.append(Item(start, end, label, via, in_key[start], rest, ancestors[start]))
    return Layout(tuple(items), title, scope, tuple(in_key), compact)


def _ancestors(
    segments: tuple[Segment, ...], starts: set[int], title: int | None
) -> dict[int, tuple[int, ...]]:
    """For each item start, the section headings around it (item headings and the title are not sections)."""
    stack: list[int] = []
    result: dict[int, tuple[int, ...]] = {}
    for index, segment in enumerate(segments):
        if segment.kind == SegKind.HEADING:
            while stack and segments[stack[-1]].level >= segment.level:
                stack.pop()
            if index not in starts and index != title:
                stack.append(index)
        if index in starts:
            result[index] = tuple(h for h in stack if h != index)
    return result


def _drop_nested_key_lists(
    segments: tuple[Segment, ...],
    starts: list[int],
    candidates: dict[int, tuple[ItemLabel | None, str, str]],
    in_key: list[bool],
) -> list[int]:
    """In a key written as ``**Question 7: B**`` lines, a numbered list is part of an explanation."""
    headings_before = [0] * (len(segments) + 1)  # headings among segments[:i]
    for position, segment in enumerate(segments):
        headings_before[position + 1] = headings_before[position] + (segment.kind == SegKind.HEADING)
    kept: list[int] = []
    for index in starts:
        if in_key[index] and candidates[index][1] == "list" and kept:
            previous = kept[-1]
            heading_between = headings_before[index] > headings_before[previous + 1]
            if candidates[previous][1] != "list" and in_key[previous] and not heading_between:
                continue
        kept.append(index)
    return kept


def _title(segments: tuple[Segment, ...], starts: list[int]) -> int | None:
    first_item = starts[0] if starts else len(segments)
    h1s = [i for i in range(first_item) if segments[i].kind == SegKind.HEADING and segments[i].level == 1]
    return h1s[0] if len(h1s) == 1 else None


def _item_end(
    segments: tuple[Segment, ...], start: int, via: str, scope: dict[int, int], next_start: int | None
) -> int:
    limit = next_start if next_start is not None else len(segments)
    if via == "heading":
        limit = min(limit, scope.get(start, limit))
    for index in range(start + 1, limit):
        segment = segments[index]
        if segment.kind == SegKind.RULE:
            return index
        if via != "heading" and segment.kind == SegKind.HEADING and label_from_heading(segment.plain) is None:
            return index
    return limit
