"""Recognisers for one line (or one heading) at a time: labelled fields, item labels, tags, options.

Everything here looks at a single segment's text, never at the raw file. The vocabularies are the words
quiz authors use ("Answer", "Correct Answer", "Sample Answer", "Why Other Options Are Incorrect", ...);
they are dialect-agnostic: no entry belongs to one seed file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from questions.model import Difficulty


class Field(StrEnum):
    """What a labelled line introduces."""

    ANSWER = "answer"
    WEAK_ANSWER = "weak_answer"  # "Solution:": an answer only when the item asks something
    ACCEPTED = "accepted"
    OUTPUT = "output"
    MODEL = "model"
    EXPLANATION = "explanation"
    KEY_POINTS = "key_points"
    RUBRIC = "rubric"
    WHY_NOT = "why_not"  # one option ("Why not A", "D is WRONG")
    WHY_NOT_LIST = "why_not_list"  # a list of options ("Why Other Options Are Incorrect")
    HINT = "hint"
    DIFFICULTY = "difficulty"
    TOPIC = "topic"
    REVIEW = "review"
    KIND = "kind"
    PROMPT = "prompt"  # "Question:", "Task:": the prompt itself
    PLACEHOLDER = "placeholder"  # "Your answer:" (a blank for the learner)
    META = "meta"  # metadata to drop (cognitive level, points, ...)


#: Fields whose value is only their own paragraph; the block-level state resumes after them.
LINE_FIELDS = frozenset(
    {
        Field.ACCEPTED,
        Field.HINT,
        Field.DIFFICULTY,
        Field.TOPIC,
        Field.REVIEW,
        Field.KIND,
        Field.PLACEHOLDER,
        Field.META,
        Field.PROMPT,
    }
)

_VOCABULARY: dict[Field, tuple[str, ...]] = {
    Field.ANSWER: (
        "answer",
        "answers",
        "correct answer",
        "correct answers",
        "correct option",
        "correct options",
        "correct choice",
        "right answer",
        "key",
        "answer key",
        "correct",
    ),
    Field.WEAK_ANSWER: ("solution", "solutions", "suggested solution"),
    Field.ACCEPTED: ("accepted", "accepted answers", "also accepted", "alternatives", "alternative answers"),
    Field.OUTPUT: ("output", "expected output", "the output", "program output"),
    Field.MODEL: (
        "sample answer",
        "model answer",
        "suggested answer",
        "example answer",
        "expected answer",
        "reference answer",
        "ideal answer",
        "sample response",
        "model response",
    ),
    Field.EXPLANATION: ("explanation", "explanations", "rationale", "reasoning", "why", "because"),
    Field.KEY_POINTS: (
        "key points",
        "key components",
        "key components required",
        "key concepts",
        "must include",
        "should mention",
        "checklist",
        "key ideas",
    ),
    Field.RUBRIC: (
        "rubric",
        "evaluation rubric",
        "evaluation criteria",
        "grading rubric",
        "scoring rubric",
        "marking scheme",
        "grading criteria",
        "marking criteria",
        "scoring guide",
    ),
    Field.WHY_NOT_LIST: (
        "why other options are incorrect",
        "why the other options are incorrect",
        "why other options are wrong",
        "why the other options are wrong",
        "incorrect options",
        "wrong options",
        "distractors",
        "why not the others",
        "why the others are wrong",
    ),
    Field.HINT: ("hint", "hints", "tip"),
    Field.DIFFICULTY: ("difficulty", "difficulty level"),
    Field.TOPIC: ("topic", "concept tested", "concepts tested", "category", "subject"),
    Field.REVIEW: (
        "review",
        "source section",
        "source sections",
        "see also",
        "reference",
        "references",
        "further reading",
        "learn more",
        "read more",
        "study",
        "review link",
    ),
    Field.KIND: ("kind", "type", "question type"),
    Field.PROMPT: ("question", "prompt", "task", "scenario", "problem", "statement"),
    Field.PLACEHOLDER: ("your answer", "your response", "answer here", "your solution"),
    Field.META: (
        "cognitive level",
        "expected response length",
        "points",
        "marks",
        "time",
        "time limit",
        "estimated time",
        "bloom level",
        "bloom's level",
        "blooms level",
        "format",
        "id",
        "weight",
        "score",
        "learning objective",
        "objective",
        "skill",
        "tags",
    ),
}
# ``Q: ...`` / ``A: ...`` pairs: only as labels with a colon (a bare "A" is an option key, not a label).
_QA_LABELS = {"q": Field.PROMPT, "a": Field.ANSWER, "ans": Field.ANSWER}
_LOOKUP: dict[str, Field] = {label: kind for kind, labels in _VOCABULARY.items() for label in labels}

_WHY_NOT = re.compile(
    r"^(?:why\s+not\s+(?:option\s+)?\(?([A-Za-z])\)?"
    r"|(?:option\s+)?\(?([A-Z])\)?\s+is\s+(?:wrong|incorrect|not correct)"
    r"|why\s+(?:option\s+)?\(?([A-Z])\)?\s+is\s+(?:wrong|incorrect))$",
    re.IGNORECASE,
)
_EMPHASIS = ("**", "__", "*", "_")
# ``✅ B`` / ``✔️ **B**``: a check mark at the start of a line gives the answer.
CHECK_MARKS = "✅✔☑"
_CHECK_ANSWER = re.compile(r"^(?P<mark>[✅✔☑])\ufe0f?\s*(?:\*\*|__)?\s*(?P<value>\S.*)$")


def normalise_label(label: str) -> str:
    """A label reduced for lookup: case, spacing and trailing punctuation do not matter."""
    label = label.replace("’", "'").casefold().strip()
    label = re.sub(r"\s+", " ", label)
    return label.strip(" .:-–—")


@dataclass(frozen=True, slots=True)
class Label:
    """A labelled line: ``**Answer:** B`` is (ANSWER, "Answer", "B")."""

    field: Field | None  # None: a label we do not know ("Requirements:", "Background:")
    text: str  # the label as written (without emphasis)
    value: str  # the rest of the line (Markdown), possibly ""
    emphasised: bool  # the label was bold or italic
    key: str | None = None  # WHY_NOT: the option key

    @property
    def standalone(self) -> bool:
        return not self.value.strip()


def lookup_label(text: str) -> tuple[Field | None, str | None]:
    """The field a label names (and the option key for "Why not A"), or (None, None)."""
    norm = normalise_label(text)
    if norm in _LOOKUP:
        return _LOOKUP[norm], None
    match = _WHY_NOT.match(norm)
    if match:
        key = next(g for g in match.groups() if g)
        return Field.WHY_NOT, key.upper()
    return None, None


def parse_label(raw: str) -> Label | None:
    """The label at the start of one line of Markdown, if any.

    Accepts ``**Answer:** B``, ``**Answer**: B``, ``**Answer: B**``, ``_Explanation: ..._``, ``*Hint:* ...``
    and plain ``Answer: B``. Plain (unemphasised) labels count only when they are known. A line starting
    with a check mark (``✅ B``) is an answer.
    """
    text = raw.strip()
    check = _CHECK_ANSWER.match(text)
    if check:
        return Label(field=Field.ANSWER, text=check["mark"], value=check["value"].strip(), emphasised=True)
    opener = next((e for e in _EMPHASIS if text.startswith(e) and not text.startswith(e + " ")), "")
    colon = text.find(":", len(opener))
    if colon <= len(opener) or colon > len(opener) + 80:
        return None
    label = text[len(opener) : colon]
    rest = text[colon + 1 :]
    if opener:
        if label.endswith(opener):  # **Answer**: B
            label = label[: -len(opener)]
        elif rest.startswith(opener):  # **Answer:** B
            rest = rest[len(opener) :]
        elif rest.rstrip().endswith(opener):  # **Answer: B**
            rest = rest.rstrip()[: -len(opener)]
        else:
            return None
    label = label.strip()
    if not label or any(c in label for c in "*_`[]<>|") or label.startswith(("http", "//")):
        return None
    if "://" in text[: colon + 3] and rest.startswith("//"):
        return None
    kind, key = _QA_LABELS.get(label.casefold()), None
    if kind is Field.ANSWER and label.casefold() == "a" and not opener:
        kind = None  # a plain ``A: Paris`` may be an option; ``**A:** ...`` answers a ``**Q:**``
    if kind is None:
        kind, key = lookup_label(label)
    if kind is None and not opener:
        return None
    return Label(field=kind, text=label, value=rest.strip(), emphasised=bool(opener), key=key)


def label_from_heading(text: str) -> Label | None:
    """A heading that is itself a field label ("Answer", "Explanation:")."""
    kind, key = lookup_label(text)
    if kind is None:
        return None
    return Label(field=kind, text=text.strip(" :"), value="", emphasised=True, key=key)


def label_from_summary(summary: str) -> Label:
    """The field a ``<details>`` summary introduces ("Answer", "Show answer", "Solution", "Hint")."""
    kind, key = lookup_label(summary)
    if kind is None:
        norm = normalise_label(summary)
        if "explanation" in norm:
            kind = Field.EXPLANATION
        elif "hint" in norm:
            kind = Field.HINT
        elif "sample" in norm or "model" in norm:
            kind = Field.MODEL
        elif "output" in norm:
            kind = Field.OUTPUT
        else:
            kind = Field.ANSWER  # "Show answer", "Click to reveal", "Solution", "Details"
    return Label(field=kind, text=summary, value="", emphasised=True, key=key)


# ----------------------------------------------------------------------------------------------- items

_ITEM_WORDS = (
    r"question|q|problem|practice problem|exercise|challenge|task|case study|scenario|item|quiz question|lab"
    r"|activity|assignment"
)
_ITEM_LABEL = re.compile(
    rf"^(?P<word>{_ITEM_WORDS})\s*(?:#|no\.?)?\s*(?P<num>\d+(?:\.\d+)*)(?:\s*(?:of|/)\s*\d+)?(?P<rest>(?:\s*[.:)|\-–—]|\s+(?=\[)|\s*$).*)$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^(?P<num>\d+)[.)](?P<rest>\s+\S.*|\s*$)")


@dataclass(frozen=True, slots=True)
class ItemLabel:
    """The label that starts a question-like item: "Question 7", "Q7", "Challenge 2", "12." (bare)."""

    word: str  # canonical word: "Question", "Q", "Challenge", ... ("" for a bare number)
    number: str  # "7", "1.1"
    rest: str  # what follows the label (Markdown), separators removed

    @property
    def label(self) -> str:
        if not self.word:
            return f"Q{self.number}"
        joiner = "" if self.word == "Q" else " "
        return f"{self.word}{joiner}{self.number}"

    @property
    def first_number(self) -> int:
        return int(self.number.split(".")[0])

    @property
    def is_question(self) -> bool:
        return self.word in ("", "Q", "Question", "Quiz Question")


def _canonical_word(word: str) -> str:
    word = re.sub(r"\s+", " ", word.strip())
    return "Q" if word.casefold() == "q" else word.title()


def _strip_separators(rest: str) -> str:
    return re.sub(r"^\s*[.:)|\-–—]?\s*", "", rest).strip()


def unwrap_emphasis(raw: str) -> str:
    """``**text**`` / ``__text__`` / ``*text*`` / ``_text_`` to ``text`` when the whole line is wrapped."""
    text = raw.strip()
    for mark in _EMPHASIS:
        inner = text[len(mark) : -len(mark)] if len(text) > 2 * len(mark) else ""
        if text.startswith(mark) and text.endswith(mark) and inner and mark not in inner:
            return inner.strip()
    return text


def parse_item_label(raw: str, *, numbered_needs_emphasis: bool) -> ItemLabel | None:
    """An item label at the start of a heading or line (Markdown).

    ``Question 7: ...``, ``Q7. ...``, ``**Question 7: B**``, ``Challenge 2: ...``; a bare ``12. ...`` counts
    only when emphasised (``**12. Which ...?**``) unless ``numbered_needs_emphasis`` is false (headings).
    """
    text = raw.strip()
    emphasised = False
    for mark in ("**", "__"):
        if text.startswith(mark):
            emphasised = True
            closing = text.find(mark, len(mark))
            if closing == len(text) - len(mark):
                text = text[len(mark) : closing]
            elif closing > 0:  # **Question 7:** rest  /  **1.** rest
                text = text[len(mark) : closing] + text[closing + len(mark) :]
            break
    match = _ITEM_LABEL.match(text)
    if match:
        return ItemLabel(_canonical_word(match["word"]), match["num"], _strip_separators(match["rest"]))
    if emphasised or not numbered_needs_emphasis:
        numbered = _NUMBERED.match(text)
        if numbered:
            return ItemLabel("", numbered["num"], numbered["rest"].strip())
    return None


# ------------------------------------------------------------------------------------------------ tags

_TAG = re.compile(r"^\s*\[([^\[\]]{1,40})\]\s*")
_DIFFICULTIES = {
    "easy": Difficulty.EASY,
    "beginner": Difficulty.EASY,
    "basic": Difficulty.EASY,
    "medium": Difficulty.MEDIUM,
    "intermediate": Difficulty.MEDIUM,
    "moderate": Difficulty.MEDIUM,
    "hard": Difficulty.HARD,
    "advanced": Difficulty.HARD,
    "difficult": Difficulty.HARD,
    "expert": Difficulty.HARD,
}
_MULTI_TAGS = (
    "multiple select",
    "multi select",
    "multi-select",
    "select all that apply",
    "multiple answers",
    "multiple response",
    "choose all that apply",
    "select all",
)
_KIND_TAGS = (
    "multiple choice",
    "single choice",
    "single answer",
    "short answer",
    "essay",
    "open",
    "open ended",
    "open-ended",
    "long answer",
    "true/false",
    "true or false",
    "code output",
    "fill in the blank",
    "explanation",
    "coding",
    *_MULTI_TAGS,
)

_LONGEST_BARE_TAG = max(len(t) for t in (*_KIND_TAGS, *_DIFFICULTIES)) + 8  # room for ``**...**`` and spaces


def difficulty_of(text: str) -> Difficulty | None:
    """``Easy``/``Medium``/``Hard`` (and synonyms) as a Difficulty."""
    return _DIFFICULTIES.get(normalise_label(text))


def is_kind_tag(text: str) -> bool:
    return normalise_label(text) in _KIND_TAGS


def is_multi_tag(text: str) -> bool:
    return normalise_label(text) in _MULTI_TAGS


@dataclass(frozen=True, slots=True)
class Tags:
    """Bracketed or separated tags found around a prompt: ``[Easy]``, ``| Multiple Choice``."""

    difficulty: Difficulty | None = None
    multi: bool = False
    kinds: tuple[str, ...] = ()


def split_tags(text: str) -> tuple[Tags, str]:
    """Leading ``[tag]``s of ``text`` and the text after them; a text that is only a kind is a tag too."""
    difficulty: Difficulty | None = None
    multi = False
    kinds: list[str] = []
    rest = text.strip()
    for _ in range(6):
        bare = unwrap_emphasis(rest)
        match = _TAG.match(bare)
        if not match:
            break
        tag = match[1]
        difficulty = difficulty or difficulty_of(tag)
        multi = multi or is_multi_tag(tag)
        if is_kind_tag(tag):
            kinds.append(normalise_label(tag))
        rest = bare[match.end() :].strip()
        rest = re.sub(r"^[|:\-–—]\s*", "", rest)
    if rest and (is_kind_tag(unwrap_emphasis(rest)) or difficulty_of(unwrap_emphasis(rest))):
        difficulty = difficulty or difficulty_of(unwrap_emphasis(rest))
        multi = multi or is_multi_tag(unwrap_emphasis(rest))
        kinds.append(normalise_label(unwrap_emphasis(rest)))
        rest = ""
    return Tags(difficulty=difficulty, multi=multi, kinds=tuple(kinds)), rest


def is_tag_line(raw: str) -> bool:
    """A line made only of tags (``**[Short Answer]**``, ``[Easy] [Multiple Choice]``)."""
    if "[" not in raw:  # no bracketed tags: only a bare kind or difficulty ("Multiple Choice", "**Hard**")
        if len(raw) > _LONGEST_BARE_TAG:
            return False
        bare = unwrap_emphasis(raw)
        return bool(bare) and (is_kind_tag(bare) or difficulty_of(bare) is not None)
    tags, rest = split_tags(raw)
    return not rest and bool(raw.strip()) and (bool(tags.kinds) or tags.difficulty is not None or "[" in raw)


# ------------------------------------------------------------------------------------------- key words

_KEY_HEADING = re.compile(
    r"^(?:answer\s*key|answers?|solutions?|key|answer\s*sheet|answers?\s*(?:and|&)\s*explanations?"
    r"|answers?\s*(?:and|&)\s*solutions?|solutions?\s*(?:and|&)\s*explanations?|correct\s*answers?)\b",
    re.IGNORECASE,
)
_SECTION_NUMBER = re.compile(
    r"^(?:(?:section|part|module|unit|chapter|lesson|topic|round)\s*)?\d+(?:\.\d+)*\s*"
    r"(?:[:.)\-–—]\s*|\s+|$)",
    re.IGNORECASE,
)
_SECTION_SUFFIX = re.compile(
    r"\s*\((?:questions?|qs?|items?|q\d|\d+\s*(?:points?|pts|marks?)|points?)[^)]*\)\s*$", re.IGNORECASE
)
_KIND_HEADING = re.compile(
    r"(?:^|\s)(?:questions?|quiz(?:zes)?|mcqs?|problems|exercises|answers?)$", re.IGNORECASE
)


def strip_section_number(text: str) -> str:
    """``Section 5: Docker (Questions 21-25)`` to ``Docker``; ``2. Short Answer Questions`` to ``...``."""
    text = _SECTION_NUMBER.sub("", text.strip(), count=1)
    return _SECTION_SUFFIX.sub("", text).strip()


def is_key_heading(text: str) -> bool:
    """A heading that starts an answer-key section ("Answer Key", "Answers and Explanations")."""
    return bool(_KEY_HEADING.match(strip_section_number(text) or text.strip()))


def topic_of_heading(text: str) -> str | None:
    """The topic a section heading names, or None for headings that name a kind of question."""
    cleaned = strip_section_number(text)
    if not cleaned or _KIND_HEADING.search(cleaned) or is_kind_tag(cleaned) or is_key_heading(cleaned):
        return None
    return cleaned


def group_name(text: str) -> str:
    """A short name for a numbering group: ``Mixed Questions`` to ``Mixed``."""
    cleaned = strip_section_number(text)
    shorter = re.sub(r"\s*(?:questions?|quiz|mcqs?)$", "", cleaned, flags=re.IGNORECASE).strip()
    return shorter or cleaned or text.strip()
