"""The canonical bank format: Markdown an instructor can write by hand and that round-trips.

``write_bank`` renders questions in the format described in ``questions/FORMAT.md``; importing the result
(``questions.importers.import_text``) gives the same questions: same ids (written as ``<!-- id: ... -->``),
labels, kinds, answers and texts. Only ``source.file`` and ``source.line`` change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml
from markdown_it import MarkdownIt

from questions.importers.build import suggests_multi
from questions.importers.labels import parse_item_label, split_tags
from questions.importers.markdown import make_parser
from questions.model import ChoiceAnswer, Kind, OpenAnswer, Question, Review, ShortAnswer

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|!&])")


def escape_text(text: str) -> str:
    """Plain text as inline Markdown that renders back to the same plain text."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def code_span(text: str) -> str:
    """``text`` as one inline code span (backticks inside are handled)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(text: str) -> str:
    """``text`` as a fenced code block."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _review(review: Review) -> str:
    if review.title and review.url:
        title = review.title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        return f"[{title}](<{review.url}>)" if " " in review.url else f"[{title}]({review.url})"
    if review.url:
        return f"<{review.url}>"
    return escape_text(review.title or "")


def _fits_heading(parser: MarkdownIt, line: str) -> bool:
    """A prompt line that reads back unchanged from ``### Q1. <line>``."""
    if not line or line != line.strip() or line.endswith("#") or "\n" in line:
        return False
    tokens = parser.parse(line)
    if [t.type for t in tokens] != ["paragraph_open", "inline", "paragraph_close"] or tokens[
        1
    ].content != line:
        return False
    label = parse_item_label(f"Q1. {line}", numbered_needs_emphasis=False)
    if label is None:
        return False
    tags, rest = split_tags(label.rest)
    return rest == line and not tags.kinds and tags.difficulty is None


def _heading(parser: MarkdownIt, number: int, question: Question) -> list[str]:
    first, _, rest = question.prompt.partition("\n\n")
    label = question.source.label
    if label is None:
        comment = f"<!-- id: {question.id}; no label -->"
    elif label == f"Q{number}":
        comment = f"<!-- id: {question.id} -->"
    else:
        comment = f"<!-- id: {question.id}; label: {label.replace('-->', '- ->')} -->"
    if _fits_heading(parser, first):
        lines = [f"### Q{number}. {first}", comment]
        body = rest
    else:
        lines = [f"### Q{number}.", comment]
        body = question.prompt
    if body.strip():
        lines += ["", body]
    return lines


def _field(label: str, text: str) -> list[str]:
    """``**Label:** text`` for one plain line, else the label alone with the text as blocks below it."""
    simple = "\n" not in text and text == text.strip() and not re.match(r"^(?:[-+*>#|<`~]|\d+[.)]|\s)", text)
    if simple:
        return ["", f"**{label}:** {text}"]
    return ["", f"**{label}:**", "", text]


def _answer_lines(question: Question) -> list[str]:
    answer = question.answer
    lines: list[str] = []
    if isinstance(answer, ChoiceAnswer):
        lines += ["", *(f"- {c.key}) {c.text.replace(chr(10), chr(10) + '  ')}" for c in question.choices)]
        lines += ["", f"**Answer:** {', '.join(answer.keys)}"]
        multi_inferred = len(answer.keys) > 1 or suggests_multi(question.prompt)
        if (question.kind is Kind.MULTI) != multi_inferred:
            lines += ["", f"**Kind:** {question.kind.value}"]
    elif isinstance(answer, ShortAnswer):
        if answer.code_output:
            lines += ["", "**Output:**"]
            for accepted in answer.accepted:
                lines += ["", code_block(accepted)]
        else:
            lines += ["", "**Accepted:** " + " | ".join(code_span(a) for a in answer.accepted)]
    elif isinstance(answer, OpenAnswer):
        if answer.model_answer:
            lines += ["", "**Model answer:**", "", answer.model_answer]
        if answer.key_points:
            lines += ["", "**Key points:**", ""]
            lines += [f"- {point.replace(chr(10), ' ')}" for point in answer.key_points]
        if answer.rubric:
            lines += ["", "**Rubric:**", "", answer.rubric]
    return lines


def _question(
    parser: MarkdownIt, number: int, question: Question, defaults: tuple[str | None, Review]
) -> str:
    default_topic, default_review = defaults
    lines = _heading(parser, number, question)
    lines += _answer_lines(question)
    if question.explanation:
        lines += _field("Explanation", question.explanation)
    for choice in question.choices:
        if choice.why_wrong:
            lines += _field(f"Why not {choice.key}", choice.why_wrong)
    if question.difficulty:
        lines += ["", f"**Difficulty:** {question.difficulty.value}"]
    if question.topic and question.topic != default_topic:
        lines += ["", f"**Topic:** {escape_text(question.topic)}"]
    if question.review != default_review and not question.review.is_empty:
        lines += ["", f"**Review:** {_review(question.review)}"]
    return "\n".join(lines)


def write_bank(questions: Sequence[Question], *, bank: str, title: str | None = None) -> str:
    """The canonical Markdown of a bank: front matter, then questions grouped by section (H2)."""
    parser = make_parser()
    topics = {q.topic for q in questions}
    reviews = {q.review for q in questions}
    default_topic = next(iter(topics)) if len(topics) == 1 else None
    default_review = next(iter(reviews)) if len(reviews) == 1 else Review()
    front: dict[str, object] = {"bank": bank, "title": title or bank, "topic": default_topic}
    if not default_review.is_empty:
        front["review"] = {
            k: v for k, v in (("title", default_review.title), ("url", default_review.url)) if v
        }
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    parts = [f"---\n{header}---"]
    sections: dict[str | None, list[Question]] = {None: []}
    for question in questions:
        sections.setdefault(question.section, []).append(question)
    number = 0
    for section, members in sections.items():
        if not members:
            continue
        if section is not None:
            parts.append(f"## {escape_text(section)}")
        for question in members:
            number += 1
            parts.append(_question(parser, number, question, (default_topic, default_review)))
    return "\n\n".join(parts).rstrip() + "\n"
