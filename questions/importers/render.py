"""Rendering pieces of the source back to Markdown, verbatim: code blocks, lists and tables as written.

A :class:`Piece` is a segment's source lines, or replacement text for one segment (a label's value, a
heading's prompt). Pieces of one block on adjacent lines join with a newline; anything else is separated
by one blank line, so the result is normalised and re-rendering it gives the same text.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from questions.importers.markdown import Document, SegKind, Segment

_CODE_SPAN = re.compile(r"^(`+)(.+?)\1$")
_QUOTE_MARK = re.compile(r"^ {0,3}> ?")


@dataclass(frozen=True, slots=True)
class Piece:
    """Text standing for source lines ``start``..``end`` (0-based, end exclusive) of one block."""

    start: int
    end: int
    block: int
    text: str
    segment: Segment | None = None
    verbatim: bool = False  # the segment's own source (not replacement text)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive pieces of one block: a paragraph, a list, a code block, a table."""

    text: str
    pieces: tuple[Piece, ...]

    @property
    def segments(self) -> list[Segment]:
        return [p.segment for p in self.pieces if p.segment is not None]

    @property
    def is_code(self) -> bool:
        segments = self.segments
        return bool(segments) and all(s.kind == SegKind.CODE for s in segments) and len(segments) == 1


def source_piece(doc: Document, segment: Segment, *, unquote: bool = False) -> Piece:
    """The segment's own source lines; with ``unquote``, without the ``>`` of the blockquotes it is in."""
    lines = doc.lines[segment.start : segment.end]
    if unquote and segment.quote:
        lines = tuple(_unquote(line, segment.quote) for line in lines)
    text = "\n".join(line.rstrip() for line in lines)
    return Piece(segment.start, segment.end, segment.block, text, segment, verbatim=True)


def _unquote(line: str, depth: int) -> str:
    for _ in range(depth):
        stripped = _QUOTE_MARK.sub("", line, count=1)
        if stripped == line:
            break
        line = stripped
    return line


def text_piece(segment: Segment, text: str, *, own_block: bool = False) -> Piece:
    """``text`` in place of the segment's line (its own block when ``own_block``)."""
    block = -1 - segment.start if own_block else segment.block
    return Piece(segment.start, segment.start + 1, block, text, segment)


def chunks(pieces: Iterable[Piece]) -> list[Chunk]:
    """Pieces grouped into blocks, in source order, each block's text dedented."""
    ordered = sorted(pieces, key=lambda p: (p.start, p.end))
    groups: list[list[Piece]] = []
    for piece in ordered:
        if groups and piece.block == groups[-1][-1].block and piece.start <= groups[-1][-1].end:
            groups[-1].append(piece)
        else:
            groups.append([piece])
    result = []
    for group in groups:
        text = textwrap.dedent("\n".join(p.text for p in group)).strip("\n")
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        if text.strip():
            result.append(Chunk(text, tuple(group)))
    return result


def join(chunk_list: Iterable[Chunk]) -> str:
    """Chunks as one Markdown text (blank line between blocks)."""
    return "\n\n".join(c.text for c in chunk_list)


def render(pieces: Iterable[Piece]) -> str:
    """Pieces as one Markdown text."""
    return join(chunks(pieces))


def code_span_only(raw: str) -> str | None:
    """The content of a line that is exactly one code span (``\\`1. Data\\```), else None."""
    match = _CODE_SPAN.match(raw.strip())
    if not match:
        return None
    fence, inner = match.group(1), match.group(2)
    if re.search(rf"(?<!`){re.escape(fence)}(?!`)", inner):
        return None
    if len(inner) > 1 and inner.startswith(" ") and inner.endswith(" ") and inner.strip():
        inner = inner[1:-1]
    return inner


def chunk_code_lines(chunk: Chunk) -> list[str] | None:
    """The code of a paragraph whose every line is a code span, or of a code block; else None."""
    if chunk.is_code:
        return chunk.segments[0].raw.rstrip("\n").split("\n")
    lines = []
    for line in chunk.text.split("\n"):
        code = code_span_only(line)
        if code is None:
            return None
        lines.append(code)
    return lines or None
