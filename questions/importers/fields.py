"""Field collection: one item's segments to its prompt, its labelled fields and its tags.

A small state machine walks the item. Before any field, content is prompt. A known label (``Answer:``,
``Explanation:``, ``Model Answer:``, a ``<details>`` summary, a label heading) starts a field that collects
the following content until the next known label. One-paragraph fields (``Topic:``, ``Hint:``,
``Difficulty:``, metadata) collect only their paragraph; then the previous state resumes. An emphasised,
unknown, empty label inside a field (``**Understanding Gap Indicator:**``) ends it: what follows is ignored.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from questions.importers.items import Item
from questions.importers.labels import (
    CHECK_MARKS,
    LINE_FIELDS,
    Field,
    Label,
    Tags,
    is_tag_line,
    label_from_heading,
    label_from_summary,
    lookup_label,
    parse_label,
    split_tags,
)
from questions.importers.markdown import Document, SegKind, Segment
from questions.importers.render import Piece, source_piece, text_piece

_ID_COMMENT = re.compile(
    r"<!--\s*id:\s*(?P<id>[\w-]{1,40})\s*"
    r"(?:;\s*(?P<nolabel>no label)|;\s*label:\s*(?P<label>[^<>]*?))?\s*-->",
    re.IGNORECASE,
)


@dataclass
class FieldValue:
    """A labelled field and the pieces of Markdown that belong to it."""

    field: Field
    label: Label
    line: int
    pieces: list[Piece] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> str | None:
        return self.label.key


@dataclass
class ItemContent:
    """What one item says: prompt pieces, fields, tags, and an explicit id/label if the source gives them."""

    item: Item
    line: int
    head: Piece | None = None
    prompt: list[Segment] = dataclasses.field(default_factory=list)
    fields: list[FieldValue] = dataclasses.field(default_factory=list)
    tags: Tags = dataclasses.field(default_factory=Tags)
    explicit_id: str | None = None
    explicit_label: str | None = None
    has_label_override: bool = False

    def all(self, kind: Field) -> list[FieldValue]:
        return [f for f in self.fields if f.field == kind]

    def first(self, kind: Field) -> FieldValue | None:
        return next((f for f in self.fields if f.field == kind), None)


def _merge_tags(a: Tags, b: Tags) -> Tags:
    return Tags(difficulty=a.difficulty or b.difficulty, multi=a.multi or b.multi, kinds=a.kinds + b.kinds)


@dataclass
class _Walker:
    doc: Document
    content: ItemContent
    block: FieldValue | None = None  # the block field being collected (None: the prompt)
    ignoring: bool = False
    line_field: FieldValue | None = None
    line_para: int = -1
    details_saved: list[tuple[FieldValue | None, bool]] = dataclasses.field(default_factory=list)

    def start(self, label: Label, segment: Segment, *, heading: bool = False) -> None:
        assert label.field is not None
        value = FieldValue(label.field, label, segment.line)
        if label.value:
            value.pieces.append(text_piece(segment, label.value))
        self.content.fields.append(value)
        if label.field in LINE_FIELDS:
            self.line_field, self.line_para = value, (segment.para if not heading else -2)
        else:
            self.block, self.ignoring, self.line_field = value, False, None

    def add(self, segment: Segment) -> None:
        if self.line_field is not None:
            if segment.kind == SegKind.LINE and segment.para == self.line_para:
                self.line_field.pieces.append(source_piece(self.doc, segment, unquote=True))
                return
            if not self.line_field.pieces and self.line_para == -2:
                self.line_field.pieces.append(source_piece(self.doc, segment, unquote=True))
                self.line_para = segment.para if segment.kind == SegKind.LINE else -3
                return
            self.line_field = None
        if self.ignoring:
            return
        if self.block is not None:
            self.block.pieces.append(source_piece(self.doc, segment, unquote=True))
        else:
            self.content.prompt.append(segment)

    def line(self, segment: Segment) -> None:
        label = parse_label(segment.raw)
        if label is not None and label.text in CHECK_MARKS and segment.item >= 0:
            label = None  # ``- ✅ Use multi-stage builds``: a list of good practices, not an answer
        if label is not None and label.field is not None:
            self.start(label, segment)
            return
        if self.block is None and not self.ignoring and self.line_field is None and is_tag_line(segment.raw):
            tags, _ = split_tags(segment.raw)
            self.content.tags = _merge_tags(self.content.tags, tags)
            return
        if (
            label is not None
            and label.emphasised
            and label.standalone
            and segment.para_first
            and (self.block is not None or self.ignoring)
        ):
            self.block, self.ignoring, self.line_field = None, True, None
            return
        self.add(segment)

    def html(self, segment: Segment) -> None:
        if segment.summary is not None:
            self.details_saved.append((self.block, self.ignoring))
            self.start(label_from_summary(segment.summary), segment)
            return
        if segment.details_end:
            if self.details_saved:
                self.block, self.ignoring = self.details_saved.pop()
            self.line_field = None
            return
        match = _ID_COMMENT.search(segment.raw)
        if match:
            self.content.explicit_id = match["id"]
            if match["nolabel"] or match["label"] is not None:
                self.content.has_label_override = True
                self.content.explicit_label = (match["label"] or "").strip() or None
            return
        if segment.raw.lstrip().startswith("<!--"):
            return
        self.add(segment)

    def heading(self, segment: Segment) -> None:
        label = label_from_heading(segment.plain)
        if label is not None:
            self.start(label, segment, heading=True)
        else:
            self.add(segment)


def _head(doc: Document, item: Item, content: ItemContent, walker: _Walker) -> None:
    segment = doc.segments[item.start]
    tags, rest = split_tags(item.rest)
    content.tags = tags
    if not rest:
        return
    if item.in_key:
        kind, key = lookup_label(rest)
        if kind is not None and kind != Field.PROMPT:
            walker.start(Label(kind, rest, "", True, key), segment)
            return
        label = parse_label(rest)
        if label is not None and label.field is not None:
            walker.start(label, segment)
        else:
            walker.start(Label(Field.ANSWER, "Answer", rest, True), segment)
        return
    own_block = segment.kind == SegKind.HEADING
    content.head = text_piece(segment, rest, own_block=own_block)


def collect(doc: Document, item: Item) -> ItemContent:
    """The prompt, fields and tags of ``item``."""
    content = ItemContent(item=item, line=doc.segments[item.start].line)
    walker = _Walker(doc, content)
    if item.in_key:
        # A key entry's unlabelled content is its answer (and explanation).
        holder = FieldValue(Field.ANSWER, Label(Field.ANSWER, "Answer", "", True), content.line)
        content.fields.append(holder)
        walker.block = holder
    _head(doc, item, content, walker)
    for segment in doc.segments[item.start + 1 : item.end]:
        if segment.kind == SegKind.LINE:
            walker.line(segment)
        elif segment.kind == SegKind.HTML:
            walker.html(segment)
        elif segment.kind == SegKind.HEADING:
            walker.heading(segment)
        else:
            walker.add(segment)
    content.fields = [
        f
        for f in content.fields
        if f.pieces or f.field in (Field.PLACEHOLDER,) or f.label.value or f.field not in (Field.ANSWER,)
    ]
    return content
