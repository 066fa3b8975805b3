"""Kind inference: an item's prompt, options and fields to a :class:`Question`, or a reason to skip it.

- Options and answer keys: ``single`` (one key) or ``multi`` (several keys, "select all that apply", or
  ``Kind: multi``).
- No options: a code output (``Output:``, or an answer made only of code spans / a code block for a prompt
  that asks for output) is ``short`` with ``code_output``; ``Accepted:`` or a crisp answer (one line, at most
  12 words) is ``short``; a long answer, ``Model answer:``, ``Key points:`` or ``Rubric:`` is ``open``.
- An answer that names an option ("B") when the item has no options cannot be asked: skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from questions.importers.fields import FieldValue, ItemContent
from questions.importers.labels import Field, difficulty_of, normalise_label
from questions.importers.linking import Linked
from questions.importers.markdown import Document, SegKind, Segment, plain_text
from questions.importers.options import (
    ChoiceKeys,
    OptionDraft,
    after_option_text,
    collect_options,
    list_options,
    listed_numbers,
    parse_choice_keys,
    same_text,
)
from questions.importers.render import Chunk, Piece, chunk_code_lines, chunks, join, source_piece
from questions.model import (
    Choice,
    ChoiceAnswer,
    Difficulty,
    Kind,
    OpenAnswer,
    Question,
    Review,
    ShortAnswer,
    Source,
)

CRISP_CHARS = 80
CRISP_WORDS = 12
_PLACEHOLDER = re.compile(r"\[[a-z][a-z0-9 ,<>=.%-]*\]")
_ASKS_OUTPUT = re.compile(
    r"\b(?:output|outputs|print|prints|printed|display|displays|displayed)\b", re.IGNORECASE
)
_MULTI_PHRASES = (
    "select all that apply",
    "choose all that apply",
    "all that apply",
    "select all correct",
    "choose all correct",
    "select two",
    "choose two",
    "select three",
    "choose three",
    "more than one answer",
    "multiple answers",
)
_IMPERATIVES = {
    "explain",
    "describe",
    "compare",
    "contrast",
    "design",
    "discuss",
    "list",
    "name",
    "define",
    "write",
    "calculate",
    "compute",
    "identify",
    "give",
    "state",
    "outline",
    "evaluate",
    "analyze",
    "analyse",
    "propose",
    "implement",
    "create",
    "fill",
    "complete",
    "predict",
    "justify",
    "summarize",
    "summarise",
    "what",
    "why",
    "how",
    "which",
    "when",
    "where",
    "who",
    "true",
    "select",
    "choose",
}
_ENUMERATION = re.compile(r"\((\d{1,2})\)\s*")
_WHY_LINE = re.compile(
    r"^(?:\*\*)?(?:option\s+)?\(?([A-Za-z])\)?(?:\*\*)?\s*[).:\-–—]\s*(?:\*\*)?\s*(.+)$", re.IGNORECASE
)
_URL = re.compile(r"https?://[^\s<>()]+")
_TRUE_FALSE = re.compile(r"\btrue\s*(?:/|\bor\b|-)\s*false\b", re.IGNORECASE)
_KINDS = {
    "single": Kind.SINGLE,
    "single choice": Kind.SINGLE,
    "single answer": Kind.SINGLE,
    "multi": Kind.MULTI,
    "multiple": Kind.MULTI,
    "multi select": Kind.MULTI,
    "multi-select": Kind.MULTI,
    "multiple select": Kind.MULTI,
    "multiple response": Kind.MULTI,
    "select all that apply": Kind.MULTI,
    "short": Kind.SHORT,
    "short answer": Kind.SHORT,
    "fill in the blank": Kind.SHORT,
    "open": Kind.OPEN,
    "essay": Kind.OPEN,
    "long answer": Kind.OPEN,
    "open ended": Kind.OPEN,
    "open-ended": Kind.OPEN,
    "explanation": Kind.OPEN,
}


@dataclass(frozen=True)
class Context:
    """What the file (and the import command) say about every question of a document."""

    bank: str
    file: str
    topic: str | None  # --topic: for every question that does not name its own
    default_topic: str | None  # front matter ``topic:``
    headings_give_topics: bool  # no ``topic`` key in the front matter: section headings name topics
    default_review: Review  # front matter ``review:`` or the document's notes link


@dataclass(frozen=True)
class Placement:
    """Where a question sits: its section, the topic the section names, a review from a review map."""

    section: str | None
    heading_topic: str | None
    mapped_review: str | None


class Skip(Exception):
    """The item cannot become a question; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Warn = Callable[[int, str], None]
IdFor = Callable[[str, str | None], str]


@dataclass
class _Parts:
    """Field values of a question and its key entries, own values first."""

    own: list[FieldValue]
    keyed: list[FieldValue]

    def all(self, kind: Field) -> list[FieldValue]:
        return [f for f in self.own if f.field == kind] + [f for f in self.keyed if f.field == kind]

    def answer(self) -> tuple[FieldValue | None, FieldValue | None]:
        own = next((f for f in self.own if f.field == Field.ANSWER), None)
        keyed = next((f for f in self.keyed if f.field == Field.ANSWER), None)
        return own, keyed


@dataclass
class Builder:
    """Builds questions for one document."""

    doc: Document
    parser: MarkdownIt
    context: Context
    warn: Warn
    id_for: IdFor

    # ------------------------------------------------------------------------------------ helpers

    def text(self, value: FieldValue | None) -> str:
        return join(chunks(value.pieces)) if value is not None else ""

    def texts(self, values: list[FieldValue]) -> str:
        return "\n\n".join(t for t in (self.text(v) for v in values) if t)

    def plain(self, markdown: str) -> str:
        return plain_text(self.parser, markdown).strip()

    # ------------------------------------------------------------------------------------ question

    def build(self, linked: Linked, placement: Placement) -> Question:
        content = linked.content
        parts = _Parts(content.fields, [f for key in linked.keys for f in key.fields])
        options, before, after = collect_options(content.prompt)
        if not options:
            listed, head = list_options(content.prompt)
            if listed and self._names_listed(
                self._answer_field(parts, self._prompt(content, head, parts)), listed
            ):
                options, before, after = listed, head, []
        prompt = self._prompt(content, before + after, parts)
        if not prompt:
            raise Skip("no question text")
        kind_hint = self._kind_hint(parts, content)
        answer = self._answer_field(parts, prompt, content)
        difficulty = self._difficulty(content, parts)
        topic = self._topic(parts, placement)
        review = self._review(parts, placement)
        source = Source(file=self.context.file, line=content.line, label=linked.label)
        common: dict[str, Any] = {
            "prompt": prompt,
            "difficulty": difficulty,
            "topic": topic,
            "section": placement.section,
            "review": review,
            "source": source,
            "bank": self.context.bank,
        }
        if (
            not options
            and kind_hint in (None, Kind.SINGLE)
            and self._is_true_false(answer, prompt, content, placement)
        ):
            line = answer.line if answer is not None else content.line
            options = [OptionDraft("A", "True", line), OptionDraft("B", "False", line)]
        if options:
            built = self._choice(content, parts, options, answer, prompt, kind_hint)
        else:
            built = self._typed(content, parts, answer, prompt, kind_hint)
        return Question(id=self.id_for(prompt, content.explicit_id), **common, **built)

    def _prompt(self, content: ItemContent, segments: list[Segment], parts: _Parts) -> str:
        pieces: list[Piece] = [content.head] if content.head is not None else []
        pieces.extend(source_piece(self.doc, s) for s in segments)
        for value in parts.own:
            if value.field == Field.PROMPT:
                pieces.extend(value.pieces)
        return join(chunks(pieces)).strip()

    def _kind_hint(self, parts: _Parts, content: ItemContent) -> Kind | None:
        for value in parts.all(Field.KIND):
            kind = _KINDS.get(normalise_label(self.plain(self.text(value))))
            if kind is not None:
                return kind
            self.warn(value.line, f"unknown kind {self.text(value)!r} (use single, multi, short or open)")
        return None

    def _answer_field(
        self, parts: _Parts, prompt: str, content: ItemContent | None = None
    ) -> FieldValue | None:
        own, keyed = parts.answer()
        if own is not None and keyed is not None and content is not None:
            a, b = self.plain(self._first_line(own)), self.plain(self._first_line(keyed))
            if a and b and normalise_label(a) != normalise_label(b):
                self.warn(
                    keyed.line,
                    f"the answer key says {b!r} but the question's own answer is {a!r}: "
                    "the question's own answer is used",
                )
        answer = own or keyed
        if answer is None:
            weak = parts.all(Field.WEAK_ANSWER)
            if weak and _asks(self.plain(prompt)):
                answer = weak[0]
        return answer

    def _is_true_false(
        self, answer: FieldValue | None, prompt: str, content: ItemContent, placement: Placement
    ) -> bool:
        """A "True or False" question answered ``True``/``False`` without listing them as options."""
        if answer is None or self.plain(self._first_line(answer)).casefold().rstrip(".!") not in (
            "true",
            "false",
        ):
            return False
        said = " ".join((prompt, placement.section or "", *content.tags.kinds))
        return bool(_TRUE_FALSE.search(said))

    def _names_listed(self, answer: FieldValue | None, listed: list[OptionDraft]) -> bool:
        """Whether the answer picks from a plain list (by its text, its number, or a letter in range)."""
        if answer is None:
            return False
        first = self.plain(self._first_line(answer))
        if any(same_text(first, self.plain(o.text)) for o in listed):
            return True
        numbers = listed_numbers(first)
        if numbers and all(any(o.number == n for o in listed) for n in numbers):
            return True
        parsed = parse_choice_keys(first)
        keys = {o.key for o in listed}
        return parsed is not None and not parsed.rest and all(k in keys for k in parsed.keys)

    def _first_line(self, value: FieldValue) -> str:
        found = chunks(value.pieces)
        return found[0].text.split("\n")[0] if found else ""

    def _difficulty(self, content: ItemContent, parts: _Parts) -> Difficulty | None:
        if content.tags.difficulty is not None:
            return content.tags.difficulty
        for value in parts.all(Field.DIFFICULTY):
            found = difficulty_of(self.plain(self.text(value)))
            if found is None:
                self.warn(value.line, f"unknown difficulty {self.text(value)!r} (use easy, medium or hard)")
            return found
        return None

    def _topic(self, parts: _Parts, placement: Placement) -> str | None:
        for value in parts.all(Field.TOPIC):
            topic = self.plain(self.text(value))
            if topic:
                return topic
        if self.context.topic:
            return self.context.topic
        if self.context.default_topic:
            return self.context.default_topic
        return placement.heading_topic if self.context.headings_give_topics else None

    def _review(self, parts: _Parts, placement: Placement) -> Review:
        for value in parts.all(Field.REVIEW):
            review = parse_review(self.parser, self.text(value))
            if not review.is_empty:
                return review
        if placement.mapped_review:
            return Review(title=placement.mapped_review)
        return self.context.default_review

    # ---------------------------------------------------------------------------------- choices

    def _choice(
        self,
        content: ItemContent,
        parts: _Parts,
        options: list[OptionDraft],
        answer: FieldValue | None,
        prompt: str,
        kind_hint: Kind | None,
    ) -> dict[str, Any]:
        letters = "–".join((options[0].key, options[-1].key))
        explanation_parts: list[str] = []
        keys: tuple[str, ...] = ()
        if answer is not None:
            answer_chunks = chunks(answer.pieces)
            first, rest_of_first = _split_first_line(answer_chunks)
            parsed = parse_choice_keys(first)
            if parsed is not None:
                keys = parsed.keys
                missing = [k for k in keys if k not in {o.key for o in options}]
                if missing:
                    message = f"the answer names option {', '.join(missing)} but the options are {letters}"
                    self.warn(answer.line, message)
                    raise Skip(message)
                if parsed.rest:
                    explanation_parts.extend(self._answer_rest(answer, first, parsed, options))
            else:
                said = self.plain(first)
                matching = [o.key for o in options if same_text(said, self.plain(o.text))]
                numbers = listed_numbers(said) if not matching else []
                if numbers and all(any(o.number == n for o in options) for n in numbers):
                    matching = [o.key for o in options if o.number in numbers]
                if not matching:
                    message = (
                        f"the answer {self.plain(first)[:60]!r} does not name one of the options {letters}"
                    )
                    self.warn(answer.line, message)
                    raise Skip(message)
                keys = tuple(matching)
            explanation_parts.extend(t for t in (rest_of_first, join(answer_chunks[1:])) if t)
        if not keys:
            keys = tuple(o.key for o in options if o.correct)
        if not keys:
            raise Skip(f"no answer: options {letters} but no answer is given or marked")
        if kind_hint is Kind.SINGLE:
            multi = len(keys) > 1
        else:
            multi = len(keys) > 1 or content.tags.multi or kind_hint is Kind.MULTI or suggests_multi(prompt)
        if kind_hint is Kind.SINGLE and len(keys) > 1:
            self.warn(
                content.line, f"marked single but the answer names {len(keys)} options: imported as multi"
            )
        explanation_parts.extend(t for t in (self.texts(parts.all(Field.EXPLANATION)),) if t)
        why = self._why_wrong(parts, options, keys)
        choices = tuple(Choice(key=o.key, text=o.text.strip(), why_wrong=why.get(o.key)) for o in options)
        return {
            "kind": Kind.MULTI if multi else Kind.SINGLE,
            "choices": choices,
            "answer": ChoiceAnswer(keys=tuple(sorted(keys))),
            "explanation": "\n\n".join(explanation_parts) or None,
        }

    def _answer_rest(
        self, answer: FieldValue, first: str, parsed: ChoiceKeys, options: list[OptionDraft]
    ) -> list[str]:
        """The explanation in the text after an answer's keys; warns when ``b) text`` restates the
        wrong option."""
        option = next(o for o in options if o.key == parsed.keys[0])
        if len(parsed.keys) == 1 and same_text(parsed.rest, option.text):
            return []  # ``b) Blue-Green``: the option restated
        if not parsed.restates:
            return [parsed.rest]  # ``B — because ...`` / ``(b) GET requests ...``
        remainder = after_option_text(parsed.rest, option.text)
        if remainder is not None:
            return [remainder] if remainder else []  # ``b) Blue-Green — because ...``
        self.warn(
            answer.line,
            f"the answer says {first.strip()!r} but option {parsed.keys[0]} is "
            f"{option.text!r}: using option {parsed.keys[0]}",
        )
        return []

    def _why_wrong(self, parts: _Parts, options: list[OptionDraft], keys: tuple[str, ...]) -> dict[str, str]:
        why: dict[str, str] = {}
        known = {o.key for o in options}
        for value in parts.all(Field.WHY_NOT):
            if value.key:
                why.setdefault(value.key, self.text(value))
        for value in parts.all(Field.WHY_NOT_LIST):
            for piece in value.pieces:
                segment = piece.segment
                if segment is None or segment.kind != SegKind.LINE:
                    continue
                if segment.item >= 0 and not segment.item_first:
                    continue
                match = _WHY_LINE.match(segment.raw)
                if match:
                    why.setdefault(match.group(1).upper(), match.group(2).strip())
        for key in list(why):
            if key not in known:
                self.warn(
                    parts.all(Field.WHY_NOT_LIST)[0].line if parts.all(Field.WHY_NOT_LIST) else 0,
                    f"an explanation is given for option {key}, which does not exist",
                )
                del why[key]
            elif not why[key]:
                del why[key]
        return why

    # ------------------------------------------------------------------------------------ typed

    def _typed(
        self,
        content: ItemContent,
        parts: _Parts,
        answer: FieldValue | None,
        prompt: str,
        kind_hint: Kind | None,
    ) -> dict[str, Any]:
        explanation = [self.texts(parts.all(Field.EXPLANATION))]
        outputs = parts.all(Field.OUTPUT)
        accepted_fields = parts.all(Field.ACCEPTED)
        model_fields = parts.all(Field.MODEL)
        key_point_fields = parts.all(Field.KEY_POINTS)
        rubric = self.texts(parts.all(Field.RUBRIC)) or None
        answer_chunks = chunks(answer.pieces) if answer is not None else []

        if answer_chunks and kind_hint is not Kind.SHORT:
            first, _ = _split_first_line(answer_chunks)
            parsed = parse_choice_keys(first)
            if parsed is not None and not parsed.rest and len(first.strip().strip("*_`")) <= 12:
                raise Skip(
                    f"the answer is option {', '.join(parsed.keys)}, but the question lists no options"
                )

        if outputs:
            accepted = [o for value in outputs for o in self._outputs(value)]
            if accepted:
                explanation.insert(0, join(answer_chunks))
                return self._short(accepted, True, explanation)
        if answer_chunks and kind_hint is not Kind.OPEN and not model_fields:
            code_lines = chunk_code_lines(answer_chunks[0])
            if code_lines is not None:
                taken = 1
                output = "\n".join(code_lines)
                while taken < len(answer_chunks):
                    more = chunk_code_lines(answer_chunks[taken])
                    if more is None or answer_chunks[taken].is_code:
                        break
                    output += "\n\n" + "\n".join(more)
                    taken += 1
                asks_output = bool(_ASKS_OUTPUT.search(prompt)) or "```" in prompt or "~~~" in prompt
                if not _PLACEHOLDER.search(output) or kind_hint is Kind.SHORT:
                    explanation.insert(0, join(answer_chunks[taken:]))
                    return self._short([output], asks_output, explanation)
        accepted_extra = [a for value in accepted_fields for a in self._alternatives(value)]
        if answer_chunks:
            first_chunk = answer_chunks[0]
            plain_first = self.plain(first_chunk.text)
            crisp = _is_crisp(first_chunk.text, plain_first)
            if (
                (crisp or kind_hint is Kind.SHORT or accepted_extra)
                and kind_hint is not Kind.OPEN
                and not model_fields
            ):
                explanation.insert(0, join(answer_chunks[1:]))
                return self._short([plain_first, *accepted_extra], False, explanation)
        if accepted_extra and kind_hint is not Kind.OPEN:
            explanation.insert(0, join(answer_chunks))
            return self._short(accepted_extra, False, explanation)
        model = self.texts(model_fields)
        if not model and answer_chunks:
            model = answer_chunks[0].text
            explanation.insert(0, join(answer_chunks[1:]))
        elif answer_chunks:
            explanation.insert(0, join(answer_chunks))
        key_points = [p for value in key_point_fields for p in self._points(value)]
        if not key_points and model and "\n\n" not in model:
            key_points = enumerated_points(model)
        label = content.item.label
        if not model and label is not None and not label.is_question:
            raise Skip("no answer given (a model answer or answer key is needed for a non-question item)")
        if not (model or key_points or rubric):
            raise Skip("no answer given (no answer, answer-key entry, model answer, key points or rubric)")
        return {
            "kind": Kind.OPEN,
            "answer": OpenAnswer(model_answer=model, key_points=tuple(key_points), rubric=rubric),
            "explanation": "\n\n".join(e for e in explanation if e) or None,
        }

    def _short(self, accepted: list[str], code_output: bool, explanation: list[str]) -> dict[str, Any]:
        unique = tuple(dict.fromkeys(a for a in accepted if a.strip()))
        if not unique:
            raise Skip("the answer is empty")
        return {
            "kind": Kind.SHORT,
            "answer": ShortAnswer(accepted=unique, code_output=code_output),
            "explanation": "\n\n".join(e for e in explanation if e) or None,
        }

    def _outputs(self, value: FieldValue) -> list[str]:
        found = []
        for chunk in chunks(value.pieces):
            lines = chunk_code_lines(chunk)
            if lines is not None:
                found.append("\n".join(lines))
            elif chunk.text.strip():
                found.append(self.plain(chunk.text))
        return found

    def _alternatives(self, value: FieldValue) -> list[str]:
        """``a | b | `c|d` ``: alternatives split on ``|`` outside code spans."""
        text = "\n".join(c.text for c in chunks(value.pieces))
        tokens = self.parser.parseInline(text)
        children = tokens[0].children if tokens and tokens[0].children else []
        parts: list[str] = [""]
        for child in children:
            if child.type == "text":
                pieces = child.content.split("|")
                parts[-1] += pieces[0]
                parts.extend(pieces[1:])
            elif child.type == "code_inline":
                parts[-1] += child.content
            elif child.type in ("softbreak", "hardbreak"):
                parts.append("")
        return [p.strip() for p in parts if p.strip()]

    def _points(self, value: FieldValue) -> list[str]:
        points: list[str] = []
        loose: list[str] = []
        for piece in value.pieces:
            segment = piece.segment
            if segment is None or segment.kind != SegKind.LINE:
                continue
            text = re.sub(r"^\[[ xX✓✔]\]\s+", "", segment.raw if piece.verbatim else piece.text).strip()
            if segment.item >= 0 and segment.item_first:
                points.append(text)
            elif segment.item >= 0 and points:
                points[-1] += " " + text
            elif text:
                loose.append(text)
        if points:
            return points
        joined = " ".join(loose)
        return enumerated_points(joined) or loose


def suggests_multi(prompt: str) -> bool:
    """The prompt asks for several answers ("Select all that apply")."""
    folded = prompt.casefold()
    return any(phrase in folded for phrase in _MULTI_PHRASES)


def _split_first_line(found: list[Chunk]) -> tuple[str, str]:
    if not found:
        return "", ""
    first, _, rest = found[0].text.partition("\n")
    return first, rest.strip()


def _is_crisp(markdown: str, plain: str) -> bool:
    if "\n" in markdown.strip() or not plain:
        return False
    if len(plain) > CRISP_CHARS or len(plain.split()) > CRISP_WORDS:
        return False
    return not re.search(r"[.!?]\s+[A-Z]", plain)


def _asks(plain_prompt: str) -> bool:
    words = plain_prompt.split()
    return "?" in plain_prompt or bool(words and words[0].casefold().strip(":,") in _IMPERATIVES)


def enumerated_points(text: str) -> list[str]:
    """``(1) a, (2) b, (3) c. More.`` to ``["a", "b", "c"]``; [] unless numbered 1, 2, ... in order."""
    sequence: list[re.Match[str]] = []
    for marker in _ENUMERATION.finditer(text):
        if marker.start() > 0 and text[marker.start() - 1] in "*_":
            return []
        if int(marker.group(1)) == len(sequence) + 1:
            sequence.append(marker)
    if len(sequence) < 2:
        return []
    points = []
    for index, marker in enumerate(sequence):
        end = sequence[index + 1].start() if index + 1 < len(sequence) else len(text)
        point = text[marker.end() : end]
        if index + 1 == len(sequence):
            stop = re.search(r"(?<=[\w)\]*`])\.(?:\s|$)", point)
            point = point[: stop.start()] if stop else point
        point = re.sub(r"(?:[,;]\s*(?:and|or)?|\s+and|\s+or)\s*$", "", point.strip()).strip().rstrip(".,;")
        if point:
            points.append(point)
    return points if len(points) >= 2 else []


def parse_review(parser: MarkdownIt, markdown: str) -> Review:
    """``[title](url)``, ``<url>``, ``title — url`` or a plain title as a Review."""
    tokens = parser.parseInline(markdown.strip())
    children = tokens[0].children if tokens and tokens[0].children else []
    for index, child in enumerate(children):
        if child.type == "link_open":
            url = str(child.attrs.get("href", "")) or None
            label = []
            for inner in children[index + 1 :]:
                if inner.type == "link_close":
                    break
                if inner.type in ("text", "code_inline"):
                    label.append(inner.content)
            title = "".join(label).strip()
            return Review(title=None if not title or title == url else title, url=url)
    plain = plain_text(parser, markdown).strip()
    found = _URL.search(plain)
    if found:
        title = (plain[: found.start()] + plain[found.end() :]).strip(" -–—:()")
        return Review(title=title or None, url=found.group(0).rstrip(".,;"))
    return Review(title=plain or None)
