"""The one question model every importer produces and every part of the bot consumes.

A question is immutable data: importers build it, the bank store persists it (as JSON), graders read it,
and adapters render it. Nothing here knows about Markdown dialects, databases or chat platforms.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CHOICE_KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Kind(StrEnum):
    """What sort of answer a question takes."""

    SINGLE = "single"  # exactly one choice is right
    MULTI = "multi"  # "select all that apply": a set of choices is right
    SHORT = "short"  # a typed answer matched against accepted answers
    OPEN = "open"  # explanations and essays: the learner rates themself against a model answer


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Frozen):
    """One option of a choice question. ``key`` is stable: A, B, C, ... in source order."""

    key: Annotated[str, Field(pattern=r"^[A-Z]$")]
    text: str
    why_wrong: str | None = None


class ChoiceAnswer(_Frozen):
    """The answer to a ``single`` or ``multi`` question: the keys of the right choices."""

    type: Literal["choice"] = "choice"
    keys: tuple[str, ...]


class ShortAnswer(_Frozen):
    """Accepted typed answers. ``code_output`` makes grading compare whitespace-insensitively and
    demand that every number match exactly."""

    type: Literal["short"] = "short"
    accepted: tuple[str, ...]
    code_output: bool = False


class OpenAnswer(_Frozen):
    """A model answer with key points and/or a rubric; graded by the learner's self-assessment."""

    type: Literal["open"] = "open"
    model_answer: str = ""
    key_points: tuple[str, ...] = ()
    rubric: str | None = None


Answer = Annotated[ChoiceAnswer | ShortAnswer | OpenAnswer, Field(discriminator="type")]


class Review(_Frozen):
    """Where to study when the answer was wrong."""

    title: str | None = None
    url: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.title or self.url)


class Source(_Frozen):
    """Where the question came from: file name (as given to the importer), 1-based line, and the label
    the source gave it ("Question 7", "Q7"), which helps keep ids when a re-imported prompt was edited."""

    file: str
    line: int = 0
    label: str | None = None


class Question(_Frozen):
    """A quiz question, whatever its source dialect."""

    id: str
    kind: Kind
    prompt: str  # Markdown; code blocks preserved verbatim
    choices: tuple[Choice, ...] = ()
    answer: Answer
    explanation: str | None = None
    topic: str | None = None
    section: str | None = None
    difficulty: Difficulty | None = None
    review: Review = Review()
    source: Source
    bank: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        keys = [c.key for c in self.choices]
        if len(set(keys)) != len(keys):
            raise ValueError("choice keys must be unique")
        if self.kind in (Kind.SINGLE, Kind.MULTI):
            if not isinstance(self.answer, ChoiceAnswer):
                raise ValueError(f"a {self.kind} question needs a choice answer")
            if len(self.choices) < 2:
                raise ValueError(f"a {self.kind} question needs at least two choices")
            missing = [k for k in self.answer.keys if k not in keys]
            if missing:
                raise ValueError(f"answer names choices that do not exist: {', '.join(missing)}")
            if not self.answer.keys:
                raise ValueError("a choice question needs at least one correct key")
            if self.kind is Kind.SINGLE and len(self.answer.keys) != 1:
                raise ValueError("a single-answer question has exactly one correct key")
        elif self.kind is Kind.SHORT:
            if not isinstance(self.answer, ShortAnswer) or not self.answer.accepted:
                raise ValueError("a short question needs at least one accepted answer")
        elif not isinstance(self.answer, OpenAnswer):
            raise ValueError("an open question needs an open answer")
        return self

    def choice(self, key: str) -> Choice | None:
        """The choice with this key, if any."""
        return next((c for c in self.choices if c.key == key), None)

    @property
    def correct_keys(self) -> tuple[str, ...]:
        return self.answer.keys if isinstance(self.answer, ChoiceAnswer) else ()


def normalise_for_id(text: str) -> str:
    """Text reduced to what identifies a question: case, spacing and punctuation do not matter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def stable_question_id(bank: str, prompt: str, occurrence: int = 0) -> str:
    """A short id that stays the same across re-imports of an unchanged question.

    It depends on the bank name and the normalised prompt, not on the position in the file, so
    reordering or inserting questions keeps ids; ``occurrence`` separates identical prompts.
    """
    basis = f"{normalise_for_id(bank)}\x1f{normalise_for_id(prompt)}\x1f{occurrence}"
    return "q" + hashlib.blake2s(basis.encode(), digest_size=6).hexdigest()
