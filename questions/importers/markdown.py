"""Tree building: Markdown (markdown-it-py tokens, PyYAML front matter) to a flat stream of segments.

Every later pass works on :class:`Segment` values: one per heading, per line of a paragraph (list items
included, with their list context), per code block, table, HTML block and thematic break. Each segment
knows its source lines, so text can be rendered back verbatim (code blocks included) and questions can
report 1-based line numbers. ``<details>`` blocks become a segment carrying the summary (a label such as
"Answer"), their body's segments, and a closing segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

MAX_DETAILS_DEPTH = 4

_DETAILS_OPEN = re.compile(r"<details\b[^>]*>", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


class SegKind(StrEnum):
    HEADING = "heading"
    LINE = "line"
    CODE = "code"
    TABLE = "table"
    HTML = "html"
    RULE = "rule"


@dataclass(frozen=True, slots=True)
class Segment:
    """One unit of the document. ``start``/``end`` are 0-based source lines (end exclusive)."""

    kind: SegKind
    start: int
    end: int
    block: int  # the top-level block it belongs to: adjacent pieces of one block render without a blank line
    raw: str = ""  # LINE: the line's Markdown without list markers; HEADING: its text; CODE: the code; HTML
    plain: str = ""  # LINE/HEADING: the text without markup
    level: int = 0  # HEADING: 1-6
    para: int = -1  # LINE: paragraph number
    para_first: bool = False  # LINE: the first line of its paragraph
    item: int = -1  # innermost list item (-1: not in a list)
    item_first: bool = False  # LINE: the first line of its list item
    ordered: bool = False  # in an ordered list item
    number: int | None = None  # LINE, item_first of an ordered item: the item's number
    depth: int = 0  # list nesting depth
    quote: int = 0  # blockquote nesting depth (``> ...``)
    items: tuple[int, ...] = ()  # enclosing list items, outermost first
    info: str = ""  # CODE: the fence's info string
    closed: bool = True  # CODE: the fence was closed
    rows: tuple[tuple[int, tuple[str, ...]], ...] = ()  # TABLE: (line, cells) with the header row first
    summary: str | None = None  # HTML: the <summary> of a <details> block
    details_end: bool = False  # HTML: a </details>

    @property
    def line(self) -> int:
        """1-based line number of the segment's start."""
        return self.start + 1


@dataclass(frozen=True)
class Document:
    """A parsed Markdown document."""

    lines: tuple[str, ...]
    segments: tuple[Segment, ...]
    front_matter: dict[str, Any] = field(default_factory=dict)
    issues: tuple[tuple[int, str], ...] = ()  # (1-based line, warning)

    def source(self, start: int, end: int) -> list[str]:
        """Source lines ``start``..``end`` (0-based, end exclusive)."""
        return list(self.lines[start:end])


def make_parser() -> MarkdownIt:
    """CommonMark with tables and YAML front matter."""
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin)


def _plain(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain(child.children or []))
    return "".join(parts)


def plain_text(parser: MarkdownIt, markdown: str) -> str:
    """``markdown`` (inline) as plain text: emphasis, links and code marks removed."""
    tokens = parser.parseInline(markdown)
    return _plain(tokens[0].children or []) if tokens else markdown


def _split_lines(parser: MarkdownIt, inline: Token) -> list[tuple[str, str]]:
    """(raw, plain) per source line of an inline token."""
    raws = inline.content.split("\n")
    groups: list[list[Token]] = [[]]
    for child in inline.children or []:
        if child.type in ("softbreak", "hardbreak"):
            groups.append([])
        else:
            groups[-1].append(child)
    if len(groups) == len(raws):
        return [(raw, _plain(group)) for raw, group in zip(raws, groups, strict=True)]
    return [(raw, plain_text(parser, raw)) for raw in raws]


@dataclass
class _ListContext:
    ordered: bool
    item: int = -1
    number: int | None = None
    first_pending: bool = False


@dataclass
class _Builder:
    parser: MarkdownIt
    lines: list[str]
    segments: list[Segment] = field(default_factory=list)
    issues: list[tuple[int, str]] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)
    block: int = 0
    para: int = 0
    item_counter: int = 0
    quote: int = 0

    def build(self, text: str, offset: int = 0, depth: int = 0) -> None:
        tokens = self.parser.parse(text)
        lists: list[_ListContext] = []
        heading_level = 0
        heading_span = (0, 0)
        in_paragraph = False
        in_table = False
        table_rows: list[tuple[int, tuple[str, ...]]] = []
        row_cells: list[str] = []
        row_line = 0
        table_start = table_end = 0
        for token in tokens:
            start, end = (token.map[0] + offset, token.map[1] + offset) if token.map else (0, 0)
            if token.level == 0 and (token.nesting == 1 or (token.nesting == 0 and token.type != "inline")):
                self.block += 1
            ttype = token.type
            if ttype == "front_matter":
                if depth == 0 and offset == 0:
                    self._front_matter(token.content, start)
            elif ttype in ("bullet_list_open", "ordered_list_open"):
                lists.append(_ListContext(ordered=ttype == "ordered_list_open"))
            elif ttype in ("bullet_list_close", "ordered_list_close"):
                if lists:
                    lists.pop()
            elif ttype == "list_item_open":
                if lists:
                    self.item_counter += 1
                    ctx = lists[-1]
                    ctx.item = self.item_counter
                    ctx.number = int(token.info) if token.info.isdigit() else None
                    ctx.first_pending = True
            elif ttype == "blockquote_open":
                self.quote += 1
            elif ttype == "blockquote_close":
                self.quote = max(self.quote - 1, 0)
            elif ttype == "heading_open":
                heading_level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
                heading_span = (start, end)
                if token.markup in ("=", "-"):
                    heading_level = -heading_level  # setext: decided when its text is seen
            elif ttype == "heading_close":
                heading_level = 0
            elif ttype == "paragraph_open":
                in_paragraph = True
                self.para += 1
            elif ttype == "paragraph_close":
                in_paragraph = False
            elif ttype == "inline" and in_table:
                row_cells.append(token.content)
            elif ttype == "inline" and heading_level:
                self._heading(token, heading_span, heading_level, lists)
            elif ttype == "inline" and in_paragraph:
                self._paragraph(token, start, end, lists)
            elif ttype in ("fence", "code_block"):
                self._code(token, start, end, lists)
            elif ttype == "hr":
                self._add(SegKind.RULE, start, end, lists)
            elif ttype == "html_block":
                self._html(token.content, start, end, lists, depth)
            elif ttype == "table_open":
                in_table, table_rows, table_start, table_end = True, [], start, end
            elif ttype == "tr_open":
                row_cells, row_line = [], start
            elif ttype == "tr_close":
                table_rows.append((row_line, tuple(row_cells)))
            elif ttype == "table_close":
                in_table = False
                span_end = max(table_end, table_start + 1)
                self._add(SegKind.TABLE, table_start, span_end, lists, rows=tuple(table_rows))

    def _front_matter(self, content: str, start: int) -> None:
        try:
            data = yaml.safe_load(content) if content.strip() else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = start + 2 + (mark.line if mark is not None else 0)
            self.issues.append(
                (line, f"front matter is not valid YAML and was ignored ({exc.__class__.__name__})")
            )
            return
        if data is None:
            return
        if not isinstance(data, dict):
            self.issues.append(
                (start + 1, "front matter is not a mapping (key: value lines) and was ignored")
            )
            return
        self.front_matter = {str(k): v for k, v in data.items()}

    def _context(self, lists: list[_ListContext]) -> dict[str, Any]:
        if not lists:
            return {"quote": self.quote} if self.quote else {}
        ctx = lists[-1]
        return {
            "quote": self.quote,
            "item": ctx.item,
            "ordered": ctx.ordered,
            "depth": len(lists),
            "items": tuple(c.item for c in lists),
        }

    def _add(self, kind: SegKind, start: int, end: int, lists: list[_ListContext], **values: Any) -> Segment:
        segment = Segment(kind=kind, start=start, end=end, block=self.block, **self._context(lists), **values)
        self.segments.append(segment)
        return segment

    def _heading(self, token: Token, span: tuple[int, int], level: int, lists: list[_ListContext]) -> None:
        start, end = span
        if level < 0 and "\n" in token.content:
            # A multi-line setext heading is a paragraph underlined by accident (e.g. options then ---).
            self.para += 1
            self._paragraph(token, start, end - 1, lists)
            underline = self.lines[end - 1] if 0 < end <= len(self.lines) else ""
            if underline.strip().startswith("-"):
                self._add(SegKind.RULE, end - 1, end, lists)
            return
        plain = _plain(token.children or [])
        self._add(
            SegKind.HEADING,
            start,
            start + 1,
            lists,
            raw=token.content.strip(),
            plain=plain.strip(),
            level=abs(level),
        )

    def _paragraph(self, token: Token, start: int, end: int, lists: list[_ListContext]) -> None:
        ctx = lists[-1] if lists else None
        for index, (raw, plain) in enumerate(_split_lines(self.parser, token)):
            line = min(start + index, max(end - 1, start))
            first = bool(ctx and ctx.first_pending and index == 0)
            number = ctx.number if (first and ctx and ctx.ordered) else None
            self._add(
                SegKind.LINE,
                line,
                line + 1,
                lists,
                raw=raw.strip(),
                plain=plain.strip(),
                para=self.para,
                para_first=index == 0,
                item_first=first,
                number=number,
            )
        if ctx:
            ctx.first_pending = False

    def _blank_tags(self, content: str, body_from: int, body_to: int | None, start: int) -> None:
        """Where ``<details><summary>..</summary> text </details>`` share a line with the body's text,
        blank the tags in the document's lines, so the body renders without them."""
        index, column = _line_at(content, body_from)
        opening = content[body_from - column : body_from]
        line = start + index
        if opening.strip() and 0 <= line < len(self.lines):
            source = self.lines[line]
            at = source.find(opening)
            if at >= 0:
                self.lines[line] = source[:at] + " " * len(opening) + source[at + len(opening) :]
        if body_to is None:
            return
        index, column = _line_at(content, body_to)
        line = start + index
        if content[body_to - column : body_to].strip() and 0 <= line < len(self.lines):
            source = self.lines[line]
            closings = list(_DETAILS_CLOSE.finditer(source))
            if closings:
                last = closings[-1]
                self.lines[line] = source[: last.start()].rstrip() + source[last.end() :].rstrip()

    def _code(self, token: Token, start: int, end: int, lists: list[_ListContext]) -> None:
        closed = True
        if token.type == "fence":
            last = self.lines[end - 1].strip() if 0 < end <= len(self.lines) else ""
            closed = (
                end - start >= 2
                and last.startswith(token.markup[0] * len(token.markup))
                and set(last) <= {token.markup[0]}
            )
            if not closed:
                self.issues.append((start + 1, "code fence is never closed: everything after it is code"))
        if lists:
            lists[-1].first_pending = False
        self._add(
            SegKind.CODE,
            start,
            max(end, start + 1),
            lists,
            raw=token.content,
            info=token.info.strip(),
            closed=closed,
        )

    def _html(self, content: str, start: int, end: int, lists: list[_ListContext], depth: int) -> None:
        opened = _DETAILS_OPEN.search(content)
        if not opened:
            closing = _DETAILS_CLOSE.search(content)
            self._add(SegKind.HTML, start, max(end, start + 1), lists, raw=content, details_end=bool(closing))
            return
        summary_match = _SUMMARY.search(content, opened.end())
        summary = _TAG.sub("", summary_match.group(1)).strip() if summary_match else ""
        self._add(SegKind.HTML, start, start + 1, lists, raw=content, summary=summary or "Details")
        body_from = summary_match.end() if summary_match else opened.end()
        closing = _DETAILS_CLOSE.search(content, body_from)
        body = content[body_from : closing.start() if closing else len(content)]
        if body.strip() and depth < MAX_DETAILS_DEPTH:
            body_line = start + content.count("\n", 0, body_from)
            self._blank_tags(content, body_from, closing.start() if closing else None, start)
            self.build(body, offset=body_line, depth=depth + 1)
        if closing:
            close_line = start + content.count("\n", 0, closing.start())
            self._add(SegKind.HTML, close_line, close_line + 1, lists, raw="</details>", details_end=True)


def _line_at(content: str, position: int) -> tuple[int, int]:
    """(line index, column) of ``position`` in ``content``."""
    line_start = content.rfind("\n", 0, position) + 1
    return content.count("\n", 0, position), position - line_start


def parse_document(text: str, parser: MarkdownIt | None = None) -> Document:
    """Parse Markdown ``text`` (newlines already normalised) into a :class:`Document`."""
    parser = parser or make_parser()
    builder = _Builder(parser=parser, lines=text.split("\n"))
    builder.build(text)
    return Document(
        lines=tuple(builder.lines),
        segments=tuple(builder.segments),
        front_matter=builder.front_matter,
        issues=tuple(builder.issues),
    )
