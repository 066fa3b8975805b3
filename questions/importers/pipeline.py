"""The import pipeline for one document: repair, parse, detect items, collect fields, link keys, build.

Each pass is its own module (``markdown``, ``items``, ``fields``, ``linking``, ``build``); this module only
runs them in order and turns their findings into an :class:`ImportReport`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from pydantic import ValidationError

from questions.importers.build import Builder, Context, Placement, Skip, parse_review
from questions.importers.fields import ItemContent, collect
from questions.importers.items import Layout, detect, in_items
from questions.importers.labels import normalise_label, parse_label, topic_of_heading
from questions.importers.linking import (
    Linked,
    attach_keys,
    key_entries,
    label_questions,
    review_maps,
    section_review,
)
from questions.importers.markdown import Document, SegKind, make_parser, parse_document
from questions.importers.report import ImportIssue, ImportReport, Skipped
from questions.model import Question, Review, normalise_for_id, stable_question_id
from questions.repair import repair_text

_EXPLICIT_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_DOC_LINK_LABELS = {
    "notes",
    "review",
    "reference",
    "references",
    "further reading",
    "study notes",
    "source",
    "read more",
    "learn more",
    "resources",
    "lesson",
    "documentation",
    "docs",
    "study guide",
}


def slugify(text: str) -> str:
    """A bank name from free text: lower case, dashes, at most 100 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:100].strip("-") or "bank"


@dataclass
class IdAllocator:
    """Question ids for one import: stable ids, with ``occurrence`` separating identical prompts of a bank."""

    seen: Counter[tuple[str, str]] = field(default_factory=Counter)
    used: set[str] = field(default_factory=set)

    def allocate(self, bank: str, prompt: str, explicit: str | None) -> tuple[str, str | None]:
        """(id, warning or None)."""
        warning = None
        if explicit is not None:
            if _EXPLICIT_ID.match(explicit) and explicit not in self.used:
                self.used.add(explicit)
                return explicit, None
            warning = f"id {explicit!r} is used twice or is not a valid id: a new id was computed"
        key = (bank, normalise_for_id(prompt))
        while True:
            occurrence = self.seen[key]
            self.seen[key] += 1
            question_id = stable_question_id(bank, prompt, occurrence)
            if question_id not in self.used:
                self.used.add(question_id)
                return question_id, warning


def _front_matter_str(front: dict[str, Any], key: str, file: str, report: ImportReport) -> str | None:
    value = front.get(key)
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip() or None
    report.warnings.append(ImportIssue(file, 1, f"front matter {key!r} should be text; it was ignored"))
    return None


def _front_matter_review(front: dict[str, Any], file: str, report: ImportReport) -> Review:
    value = front.get("review")
    if value is None:
        return Review()
    if isinstance(value, str):
        return Review(url=value) if value.startswith(("http://", "https://")) else Review(title=value)
    if isinstance(value, dict):
        title, url = value.get("title"), value.get("url")
        if (title is None or isinstance(title, str)) and (url is None or isinstance(url, str)):
            return Review(title=title or None, url=url or None)
    report.warnings.append(
        ImportIssue(file, 1, "front matter 'review' should be a title, a URL or {title, url}")
    )
    return Review()


def _document_link(doc: Document, layout: Layout, parser: MarkdownIt) -> Review:
    """A "Notes: https://..." line outside every item: the document's review link."""
    inside = in_items(layout, len(doc.segments))
    for index, segment in enumerate(doc.segments):
        if inside[index] or segment.kind != SegKind.LINE:
            continue
        label = parse_label(segment.raw)
        if label is None or normalise_label(label.text) not in _DOC_LINK_LABELS or "://" not in label.value:
            continue
        review = parse_review(parser, label.value)
        if review.url:
            return Review(title=review.title or label.text.strip(), url=review.url)
    return Review()


@dataclass
class DocumentImport:
    """Imports one document's text into ``report``."""

    report: ImportReport
    ids: IdAllocator
    parser: MarkdownIt = field(default_factory=make_parser)

    def run(self, text: str, *, file: str, bank: str | None, topic: str | None) -> None:
        report = self.report
        text = repair_text(text)
        stem = re.sub(r"\.[^.]*$", "", file.rsplit("/", 1)[-1])
        if not text.strip():
            report.notes.append(f"{file}: no quiz questions: the file is empty")
            return
        doc = parse_document(text, self.parser)
        report.warnings.extend(ImportIssue(file, line, message) for line, message in doc.issues)
        front = doc.front_matter
        bank_name = slugify(bank or _front_matter_str(front, "bank", file, report) or stem)
        layout = detect(doc)
        title_heading = (
            layout.title
            if layout.title is not None
            else next(
                (i for i, s in enumerate(doc.segments) if s.kind == SegKind.HEADING and s.level == 1), None
            )
        )
        title = (
            _front_matter_str(front, "title", file, report)
            or (doc.segments[title_heading].plain if title_heading is not None else None)
            or bank_name
        )

        contents = [collect(doc, item) for item in layout.items]
        questions = [c for c in contents if not c.item.in_key]
        linked = label_questions(doc, questions)
        warnings = attach_keys(linked, key_entries(doc, layout, [c for c in contents if c.item.in_key]))
        warnings.extend(_duplicates(linked))
        report.warnings.extend(ImportIssue(file, line, message) for line, message in warnings)

        default_review = _front_matter_review(front, file, report)
        if default_review.is_empty:
            default_review = _document_link(doc, layout, self.parser)
        context = Context(
            bank=bank_name,
            file=file,
            topic=topic,
            default_topic=_front_matter_str(front, "topic", file, report),
            headings_give_topics="topic" not in front,
            default_review=default_review,
        )
        by_section, by_number = review_maps(doc, layout)
        numbers = [q.content.item.number for q in linked if q.content.item.number is not None]
        numbers_unique = len(numbers) == len(set(numbers))

        def warn(line: int, message: str) -> None:
            report.warnings.append(ImportIssue(file, line, message))

        def id_for(prompt: str, explicit: str | None) -> str:
            question_id, problem = self.ids.allocate(bank_name, prompt, explicit)
            if problem:
                warn(0, problem)
            return question_id

        builder = Builder(doc, self.parser, context, warn, id_for)
        imported: list[Question] = []
        skipped: list[tuple[Skipped, str]] = []
        for entry in linked:
            placement = self._placement(doc, entry.content, by_section, by_number if numbers_unique else {})
            try:
                imported.append(builder.build(entry, placement))
            except Skip as skip:
                reason = _reason(entry, skip.reason)
                skipped.append((Skipped(file, entry.content.line, reason), reason.split(": ", 1)[-1]))
            except ValidationError as exc:
                problem = exc.errors()[0].get("msg", "invalid") if exc.errors() else "invalid"
                skipped.append(
                    (
                        Skipped(file, entry.content.line, f"{entry.label}: invalid question ({problem})"),
                        "invalid question",
                    )
                )
        report.questions.extend(imported)
        report.skipped.extend(s for s, _ in skipped)
        if imported:
            report.banks.setdefault(bank_name, title)
        report.notes.extend(_notes(file, imported, skipped, linked))

    def _placement(
        self, doc: Document, content: ItemContent, by_section: dict[str, str], by_number: dict[int, str]
    ) -> Placement:
        ancestors = content.item.ancestors
        section = doc.segments[ancestors[-1]].plain if ancestors else None
        topic = next(
            (t for t in (topic_of_heading(doc.segments[h].plain) for h in reversed(ancestors)) if t), None
        )
        review = section_review(doc, ancestors, by_section)
        if review is None and content.item.label is not None and content.item.label.is_question:
            review = by_number.get(content.item.label.first_number)
        return Placement(section=section or None, heading_topic=topic, mapped_review=review)


def _reason(entry: Linked, reason: str) -> str:
    label = entry.label or "question"
    item_label = entry.content.item.label
    if item_label is not None and not item_label.is_question and reason.startswith("no answer"):
        return f"{label}: a {item_label.word.lower()} with no answer key, not a gradable question"
    return f"{label}: {reason}"


def _duplicates(linked: list[Linked]) -> list[tuple[int, str]]:
    seen: dict[tuple[int, str], int] = {}
    warnings = []
    for entry in linked:
        label = entry.content.item.label
        if label is None:
            continue
        key = (entry.group, label.label)
        if key in seen:
            warnings.append(
                (
                    entry.content.line,
                    f"{label.label} appears twice in the same section "
                    f"(lines {seen[key]} and {entry.content.line})",
                )
            )
        else:
            seen[key] = entry.content.line
    return warnings


def _plural(word: str, count: int) -> str:
    word = word.lower() or "question"
    if count == 1:
        return word
    return word[:-1] + "ies" if word.endswith("y") and not word.endswith("ey") else word + "s"


def _notes(
    file: str, imported: list[Question], skipped: list[tuple[Skipped, str]], linked: list[Linked]
) -> list[str]:
    notes = []
    if not imported:
        words = Counter(
            (e.content.item.label.word if e.content.item.label and e.content.item.label.word else "question")
            for e in linked
        )
        gradable = [w for w in words if w in ("Question", "Q", "question", "Quiz Question")]
        if not linked:
            notes.append(
                f"{file}: no quiz questions: nothing numbered like a question was found "
                "(e.g. '### Question 1', '### Q1.', '**1. ...?**') and no answers"
            )
        elif not gradable:
            kinds = ", ".join(f"{n} {_plural(w, n)}" for w, n in words.items())
            first = linked[0].label or ""
            last = linked[-1].label or ""
            notes.append(
                f"{file}: no quiz questions: it has {kinds} ({first}–{last}) with no answer key, "
                "like a practical exam or an assignment; there is nothing to grade"
            )
        elif all(reason.startswith("no answer") for _, reason in skipped):
            span = f" ({linked[0].label}–{linked[-1].label})" if len(linked) > 1 and linked[0].label else ""
            notes.append(
                f"{file}: no quiz questions: {len(linked)} question(s){span} were found but none has an "
                "answer; add answers ('**Answer:** B' under each question, an 'Answer Key' section, or "
                "ticked options '- [x]')"
            )
        else:
            notes.append(
                f"{file}: no quiz questions could be imported: all {len(linked)} question-like items "
                "were skipped (see the reasons)"
            )
    elif skipped:
        reasons = Counter(_category(reason) for _, reason in skipped)
        detail = "; ".join(f"{n} × {reason}" for reason, n in reasons.most_common())
        notes.append(f"{file}: {len(skipped)} item(s) skipped: {detail}")
    return notes


def _category(reason: str) -> str:
    """A reason without its specifics (option letters, quoted text), for counting."""
    reason = re.sub(r"'[^']*'|\"[^\"]*\"", "…", reason)
    return re.sub(r"\boptions? [A-Z](?:, [A-Z])*(?:–[A-Z])?", "option(s)", reason)
