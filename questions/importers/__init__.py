"""Import quiz questions from Markdown: the seed dialects, quizzes like them, and the canonical format.

The importer parses by structure (markdown-it-py tokens, YAML front matter), in passes that each live in
their own module: ``markdown`` (tokens to segments), ``items`` (question detection), ``fields`` (labelled
fields), ``options`` (option lists and answer letters), ``linking`` (answer keys, tables and review maps),
``build`` (kind inference) and ``pipeline`` (running them for one document). Bad input never raises:
problems are reported in the :class:`ImportReport`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from questions.importers.pipeline import DocumentImport, IdAllocator
from questions.importers.reading import MAX_BYTES, decode, read_source
from questions.importers.report import FileError, ImportFailed, ImportIssue, ImportReport, Skipped
from questions.model import Question

__all__ = [
    "FileError",
    "ImportFailed",
    "ImportIssue",
    "ImportReport",
    "Skipped",
    "import_files",
    "import_text",
    "import_uploads",
    "load_questions",
]


def _run(
    report: ImportReport, ids: IdAllocator, text: str, file: str, bank: str | None, topic: str | None
) -> None:
    try:
        DocumentImport(report, ids).run(text, file=file, bank=bank, topic=topic)
    except RecursionError:
        report.errors.append(FileError(file, "the Markdown is nested too deeply to read"))


def import_text(text: str, *, file: str, bank: str | None = None, topic: str | None = None) -> ImportReport:
    """Import one document given as text; ``file`` is the name reported in sources and messages."""
    report = ImportReport()
    if len(text) > MAX_BYTES:
        limit = MAX_BYTES // 1024 // 1024
        report.errors.append(FileError(file, f"is too large (more than {limit} MB of text)"))
        return report
    _run(report, IdAllocator(), text, file, bank, topic)
    return report


def _import_sources(
    sources: Iterable[tuple[str, tuple[str | None, str | None]]], bank: str | None, topic: str | None
) -> ImportReport:
    """Import (name, (text, why it cannot be read)) documents into one report, ids allocated across them."""
    report = ImportReport()
    ids = IdAllocator()
    for name, (text, error) in sources:
        if error is not None:
            report.errors.append(FileError(name, error))
            continue
        assert text is not None
        _run(report, ids, text, name, bank, topic)
    return report


def import_files(paths: Sequence[Path], *, bank: str | None = None, topic: str | None = None) -> ImportReport:
    """Import several files. Unreadable files are reported in ``errors``; nothing raises.

    Each file is its own bank (front matter ``bank:``, else a slug of the file name) unless ``bank`` is given.
    """
    return _import_sources(((Path(p).name, read_source(Path(p))) for p in paths), bank, topic)


def import_uploads(
    documents: Sequence[tuple[str, bytes]], *, bank: str | None = None, topic: str | None = None
) -> ImportReport:
    """Import several documents given as (file name, bytes), as uploaded to a chat: like ``import_files``
    (bytes that are not UTF-8 text, or too large, are reported in ``errors``)."""
    return _import_sources(((name, decode(data)) for name, data in documents), bank, topic)


def load_questions(path: Path) -> list[Question]:
    """The questions of one bank file; :class:`ImportFailed` when it is unreadable or has no questions."""
    report = import_files([path])
    if report.errors:
        raise ImportFailed(report.errors[0].message)
    if not report.questions:
        raise ImportFailed(report.notes[0] if report.notes else f"{Path(path).name}: no questions found")
    return report.questions
