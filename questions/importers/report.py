"""The import report: questions found, items skipped and why, warnings, unreadable files and notes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from questions.model import Kind, Question


@dataclass(frozen=True)
class Skipped:
    """A question-like item that was not imported, and why."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class ImportIssue:
    """A warning: something was imported (or skipped) in a way the instructor should check."""

    file: str
    line: int
    message: str


@dataclass(frozen=True)
class FileError:
    """A file that could not be read at all (missing, binary, not UTF-8, too large)."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class ImportReport:
    """Everything one import found, in source order."""

    questions: list[Question] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    banks: dict[str, str] = field(default_factory=dict)

    def by_kind(self) -> dict[str, int]:
        """How many questions of each kind (every kind listed, zeros included)."""
        counts = Counter(q.kind.value for q in self.questions)
        return {kind.value: counts.get(kind.value, 0) for kind in Kind}

    def extend(self, other: ImportReport) -> None:
        """Append another report's findings to this one."""
        self.questions.extend(other.questions)
        self.skipped.extend(other.skipped)
        self.warnings.extend(other.warnings)
        self.errors.extend(other.errors)
        self.notes.extend(other.notes)
        for name, title in other.banks.items():
            self.banks.setdefault(name, title)


class ImportFailed(Exception):
    """A bank file that cannot be used: unreadable, or without a single question."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
