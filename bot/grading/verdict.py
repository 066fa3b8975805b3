"""What a grader says about one answer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    AMBIGUOUS = "ambiguous"  # unclear input: ask again, never counted as wrong
    SELF_ASSESS = "self_assess"  # open questions: the learner rates themself against the model answer


@dataclass(frozen=True, slots=True)
class Grade:
    """A grader's verdict, a score in [0, 1], and what the answer was understood as.

    ``matched`` holds the choice keys the answer was read as (choice questions) or the accepted answer it
    matched (short questions); empty when nothing matched. ``hint`` is a short message for ambiguous input.
    """

    verdict: Verdict
    score: float
    matched: tuple[str, ...] = ()
    hint: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")
