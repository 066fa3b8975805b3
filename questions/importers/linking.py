"""Answer-key linking: key entries, answer tables and review maps matched to questions by number.

Numbering may restart per section (Q1.. in each); items are then grouped where the numbers restart, each
group named after the section heading that tells it apart ("Mixed Questions" gives labels "Mixed Q3"),
and key entries are matched within the group of the same name (or position). Review references come from
a "Review ..." section (``Section 5: Lesson 07``) or a table with a "Review" column.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from questions.importers.fields import FieldValue, ItemContent
from questions.importers.items import Layout, in_items
from questions.importers.labels import Field, Label, group_name, lookup_label, normalise_label
from questions.importers.markdown import Document, SegKind, Segment
from questions.importers.render import Piece

_NUMBER = re.compile(r"(\d+)")
_QUESTION_COLUMN = {
    "question",
    "questions",
    "q",
    "#",
    "no",
    "no.",
    "number",
    "question #",
    "question no",
    "question number",
    "item",
    "if incorrect on",
    "if incorrect on...",
    "quiz question",
}
_SECTION_REF = re.compile(
    r"^(?P<word>section|part|module|unit|chapter|round)\s*(?P<num>\d+)\s*[:\-–—]\s*(?P<text>.+)$",
    re.IGNORECASE,
)
_RANGE_REF = re.compile(
    r"^(?:questions?|qs?)\s*(?P<a>\d+)\s*(?:[-–—]|to)\s*(?:q)?(?P<b>\d+)\s*[:\-–—]\s*(?P<text>.+)$",
    re.IGNORECASE,
)


@dataclass
class KeyEntry:
    """Answer material for question ``number`` (of the numbering group named ``group``)."""

    number: int
    line: int
    fields: list[FieldValue]
    groups: tuple[str, ...] = ()  # normalised names of the sections around the entry
    label: str = ""


@dataclass
class Linked:
    """A question item with its final label and the key entries that belong to it."""

    content: ItemContent
    label: str | None
    group: int = 0
    group_name: str = ""
    keys: list[KeyEntry] = field(default_factory=list)


def _restart_groups(contents: list[ItemContent]) -> list[int]:
    """Numbering groups: a new group where the numbers restart in another section (or the word changes).

    A number that repeats inside the same section is a duplicate, not a restart (it is warned about).
    """
    groups: list[int] = []
    previous: ItemContent | None = None
    group = 0
    for content in contents:
        label = content.item.label
        if label is not None:
            if previous is not None and previous.item.label is not None:
                before = previous.item.label
                moved = content.item.ancestors != previous.item.ancestors
                if before.word != label.word or (label.first_number <= before.first_number and moved):
                    group += 1
            previous = content
        groups.append(group)
    return groups


def _group_names(doc: Document, contents: list[ItemContent], groups: list[int]) -> dict[int, str]:
    firsts: dict[int, ItemContent] = {}
    lasts: dict[int, ItemContent] = {}
    for content, group in zip(contents, groups, strict=True):
        firsts.setdefault(group, content)
        lasts[group] = content
    names: dict[int, str] = {}
    for group, first in firsts.items():
        neighbour = lasts.get(group - 1) or firsts.get(group + 1)
        others = set(neighbour.item.ancestors) if neighbour else set()
        distinct = [h for h in first.item.ancestors if h not in others]
        names[group] = group_name(doc.segments[distinct[0]].plain) if distinct else f"Part {group + 1}"
    return names


def label_questions(doc: Document, contents: list[ItemContent]) -> list[Linked]:
    """Final labels: as written ("Question 7"), prefixed by the group name where labels repeat."""
    groups = _restart_groups(contents)
    names = _group_names(doc, contents, groups)
    by_label: dict[str, set[int]] = defaultdict(set)
    for content, group in zip(contents, groups, strict=True):
        if content.item.label is not None:
            by_label[content.item.label.label].add(group)
    clashing_groups = {g for groups_of in by_label.values() if len(groups_of) > 1 for g in groups_of}
    linked = []
    for content, group in zip(contents, groups, strict=True):
        base = content.item.label.label if content.item.label else None
        label = f"{names[group]} {base}" if base and group in clashing_groups else base
        if content.has_label_override:
            label = content.explicit_label
        linked.append(Linked(content, label, group, normalise_label(names[group])))
    return linked


def key_entries(doc: Document, layout: Layout, contents: list[ItemContent]) -> list[KeyEntry]:
    """Key entries from key-section items and from answer tables anywhere."""
    entries = []
    for content in contents:
        if content.item.number is None:
            continue
        groups = tuple(normalise_label(group_name(doc.segments[h].plain)) for h in content.item.ancestors)
        label = content.item.label.label if content.item.label else ""
        entries.append(KeyEntry(content.item.number, content.line, content.fields, groups, label))
    tables = [i for i, s in enumerate(doc.segments) if s.kind == SegKind.TABLE and len(s.rows) >= 2]
    sections = _sections_at(doc, layout, set(tables) | set(layout.compact))
    entries.extend(_table_entries(doc, tables, sections))
    entries.extend(_compact_entries(doc, layout, sections))
    return entries


def _sections_at(doc: Document, layout: Layout, wanted: set[int]) -> dict[int, tuple[str, ...]]:
    """For each wanted segment index: the normalised names of the sections around it (not the title)."""
    found: dict[int, tuple[str, ...]] = {}
    stack: list[int] = []
    for index, segment in enumerate(doc.segments):
        if segment.kind == SegKind.HEADING:
            while stack and doc.segments[stack[-1]].level >= segment.level:
                stack.pop()
            stack.append(index)
        elif index in wanted:
            found[index] = tuple(
                normalise_label(group_name(doc.segments[h].plain)) for h in stack if h != layout.title
            )
    return found


def _compact_entries(doc: Document, layout: Layout, sections: dict[int, tuple[str, ...]]) -> list[KeyEntry]:
    """Key entries from compact key lines (``1-B, 2-C``)."""
    entries = []
    for index, pairs in sorted(layout.compact.items()):
        for number, key in pairs:
            line = doc.segments[index].start
            field = _cell_field(Field.ANSWER, "Answer", line, -200000 - line - number, key)
            entries.append(KeyEntry(number, line + 1, [field], sections.get(index, ()), f"{number}-{key}"))
    return entries


def _column(headers: tuple[str, ...], accept: set[Field]) -> int | None:
    for index, header in enumerate(headers):
        kind, _ = lookup_label(header)
        if kind in accept:
            return index
    return None


def _table_entries(doc: Document, tables: list[int], sections: dict[int, tuple[str, ...]]) -> list[KeyEntry]:
    entries = []
    for index in tables:
        segment = doc.segments[index]
        headers = tuple(_plain_cell(cell) for cell in segment.rows[0][1])
        question_col = next(
            (i for i, h in enumerate(headers) if normalise_label(h) in _QUESTION_COLUMN), None
        )
        answer_col = _column(headers, {Field.ANSWER, Field.WEAK_ANSWER})
        if question_col is None or answer_col is None:
            continue
        explanation_col = _column(headers, {Field.EXPLANATION})
        groups = sections.get(index, ())
        for line, cells in segment.rows[1:]:
            if len(cells) <= max(question_col, answer_col):
                continue
            number = _NUMBER.search(cells[question_col])
            if not number or not cells[answer_col].strip():
                continue
            block = -100000 - line
            fields = [_cell_field(Field.ANSWER, "Answer", line, block, cells[answer_col])]
            if (
                explanation_col is not None
                and explanation_col < len(cells)
                and cells[explanation_col].strip()
            ):
                fields.append(
                    _cell_field(Field.EXPLANATION, "Explanation", line, block - 1, cells[explanation_col])
                )
            entries.append(
                KeyEntry(int(number.group(1)), line + 1, fields, groups, f"row {cells[question_col]}")
            )
    return entries


def _plain_cell(cell: str) -> str:
    return re.sub(r"[*_`]", "", cell).strip()


def _cell_field(kind: Field, name: str, line: int, block: int, text: str) -> FieldValue:
    value = FieldValue(kind, Label(kind, name, text.strip(), True), line + 1)
    value.pieces.append(Piece(line, line + 1, block, text.strip().replace("<br>", "\n")))
    return value


def attach_keys(linked: list[Linked], entries: list[KeyEntry]) -> list[tuple[int, str]]:
    """Give each question the key entries with its number (and group); returns warnings (line, message)."""
    warnings: list[tuple[int, str]] = []
    questions = [q for q in linked if q.content.item.label is not None and q.content.item.label.is_question]
    numbers = [q.content.item.number for q in questions]
    unique = len(set(numbers)) == len(numbers)
    by_number: dict[int, list[Linked]] = defaultdict(list)
    for question in questions:
        if question.content.item.number is not None:
            by_number[question.content.item.number].append(question)
    if not unique and _keyed_by_position(questions, entries):
        for question, entry in zip(questions, entries, strict=True):
            question.keys.append(entry)
        repeated = sorted({n for n in numbers if n is not None and numbers.count(n) > 1})
        where = entries[0].line if entries else 0
        return [
            (
                where,
                f"question numbers repeat ({', '.join(map(str, repeated))}) but the answer key is "
                f"numbered 1–{len(entries)}: answers were matched to questions by position",
            )
        ]
    seen_numbers: Counter[int] = Counter()
    for entry in entries:
        nth = seen_numbers[entry.number]
        seen_numbers[entry.number] += 1
        candidates = by_number.get(entry.number, [])
        if not candidates:
            warnings.append(
                (entry.line, f"answer key entry {entry.label or entry.number} matches no question")
            )
            continue
        target = candidates[0]
        if not unique and len(candidates) > 1:
            named = [q for q in candidates if q.group_name in entry.groups]
            target = named[0] if named else candidates[min(nth, len(candidates) - 1)]
        target.keys.append(entry)
    return warnings


def _keyed_by_position(questions: list[Linked], entries: list[KeyEntry]) -> bool:
    """One numbering group whose numbers repeat (a typo), and a key numbered 1..n for its n questions."""
    if not questions or len({q.group for q in questions}) > 1:
        return False
    return [e.number for e in entries] == list(range(1, len(questions) + 1))


def review_maps(doc: Document, layout: Layout) -> tuple[dict[str, str], dict[int, str]]:
    """Review titles by section ("section 5") and by question number, from review sections and tables."""
    by_section: dict[str, str] = {}
    by_number: dict[int, str] = {}
    inside = in_items(layout, len(doc.segments))
    for heading, end in layout.scope_end.items():
        if "review" not in doc.segments[heading].plain.casefold():
            continue
        for index in range(heading + 1, end):
            segment = doc.segments[index]
            if inside[index]:
                continue
            if segment.kind == SegKind.LINE:
                _review_line(segment, by_section, by_number)
            elif segment.kind == SegKind.TABLE:
                _review_table(segment, by_number)
    return by_section, by_number


def _review_line(segment: Segment, by_section: dict[str, str], by_number: dict[int, str]) -> None:
    plain = segment.plain.strip()
    section = _SECTION_REF.match(plain)
    if section:
        by_section[f"{section['word'].casefold()} {int(section['num'])}"] = section["text"].strip()
        return
    span = _RANGE_REF.match(plain)
    if span:
        for number in range(int(span["a"]), min(int(span["b"]), int(span["a"]) + 500) + 1):
            by_number.setdefault(number, span["text"].strip())


def _review_table(segment: Segment, by_number: dict[int, str]) -> None:
    headers = tuple(normalise_label(_plain_cell(c)) for c in segment.rows[0][1]) if segment.rows else ()
    question_col = next((i for i, h in enumerate(headers) if h in _QUESTION_COLUMN), None)
    review_col = next(
        (i for i, h in enumerate(headers) if "review" in h or h in ("see", "lesson", "study")), None
    )
    if question_col is None or review_col is None:
        return
    for _, cells in segment.rows[1:]:
        if len(cells) > max(question_col, review_col):
            number = _NUMBER.search(cells[question_col])
            if number and _plain_cell(cells[review_col]):
                by_number.setdefault(int(number.group(1)), _plain_cell(cells[review_col]))


def section_review(doc: Document, ancestors: tuple[int, ...], by_section: dict[str, str]) -> str | None:
    """The review title for a question whose section heading is "Section 5: ..." (innermost first)."""
    for heading in reversed(ancestors):
        match = re.match(
            r"^(section|part|module|unit|chapter|round)\s*(\d+)\b",
            doc.segments[heading].plain.strip(),
            re.IGNORECASE,
        )
        if match:
            found = by_section.get(f"{match.group(1).casefold()} {int(match.group(2))}")
            if found:
                return found
    return None
