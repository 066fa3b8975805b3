"""Question banks in the database: import (sync) a bank's questions, and read them back.

Re-importing keeps history: a question keeps its id while its prompt is unchanged (ids come from the
importer's ``stable_question_id``), an edited prompt keeps the old id when the source label matches and the
prompt is still similar, and questions that left the file become inactive rather than deleted, because
posts and answers point at them. Functions flush but never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bot.storage.db import advisory_xact_lock
from bot.storage.models import Bank, QuestionRow
from questions.importers import import_files
from questions.model import Question

log = logging.getLogger(__name__)

#: Minimum ``fuzz.ratio`` between an edited prompt and the stored one for the question to keep its id.
SIMILAR_PROMPT = 60.0
LOCK_NAME = "quizmaster:banks"


@dataclass(frozen=True)
class SyncResult:
    """What one sync did to a bank's questions."""

    added: int
    updated: int
    deactivated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deactivated)


@dataclass(frozen=True)
class BankSummary:
    """A bank as listed to users: its active questions counted by kind, and their topics."""

    name: str
    title: str
    active: int
    by_kind: Mapping[str, int]
    topics: tuple[str, ...]
    owner: str | None = None  # None: the host's; else the chat workspace that imported it


def _order_key(question: Question) -> tuple[str, int, str]:
    return (question.source.file, question.source.line, question.id)


def _dump(question: Question) -> dict[str, Any]:
    return question.model_dump(mode="json")


def _prepare(questions: Sequence[Question], name: str, topic: str | None) -> list[Question]:
    """The incoming questions owned by bank ``name`` (and given its topic when they have none)."""
    prepared = []
    for question in questions:
        update: dict[str, Any] = {}
        if question.bank != name:
            update["bank"] = name
        if question.topic is None and topic is not None:
            update["topic"] = topic
        prepared.append(question.model_copy(update=update) if update else question)
    counts = Counter(q.id for q in prepared)
    duplicates = sorted(qid for qid, n in counts.items() if n > 1)
    if duplicates:
        raise ValueError(f"bank {name!r} has duplicate question ids: {', '.join(duplicates)}")
    return prepared


def _takeover_ids(incoming: list[Question], stored: Mapping[str, QuestionRow]) -> list[Question]:
    """Give edited questions the id of the stored question they replace (same label, similar prompt).

    Only active stored questions that no incoming question already claims are candidates; each is taken
    over at most once, the most similar prompt winning.
    """
    incoming_ids = {q.id for q in incoming}
    candidates: dict[str, Question] = {
        qid: Question.model_validate(row.data)
        for qid, row in stored.items()
        if row.active and qid not in incoming_ids
    }
    result = []
    for question in incoming:
        if question.id in stored or not candidates or question.source.label is None:
            result.append(question)
            continue
        scored = [
            (fuzz.ratio(old.prompt, question.prompt), qid)
            for qid, old in candidates.items()
            if old.source.label == question.source.label
        ]
        best = max(scored, default=None)
        if best is None or best[0] < SIMILAR_PROMPT:
            result.append(question)
            continue
        old_id = best[1]
        del candidates[old_id]
        log.info(
            "question %s (%s) keeps id %s after its prompt was edited",
            question.id,
            question.source.label,
            old_id,
        )
        result.append(question.model_copy(update={"id": old_id}))
    return result


def _clip(text: str | None, column: Any) -> str | None:
    """``text`` cut to the column's length (PostgreSQL refuses longer text; ``data`` keeps it whole)."""
    return None if text is None else text[: column.type.length]


def _apply(row: QuestionRow, question: Question, name: str, now: datetime) -> None:
    row.bank = name
    row.kind = question.kind.value
    row.topic = _clip(question.topic, QuestionRow.topic)
    row.section = _clip(question.section, QuestionRow.section)
    row.difficulty = question.difficulty.value if question.difficulty else None
    row.data = _dump(question)
    row.active = True
    row.updated_at = now


def _is_current(row: QuestionRow, question: Question, name: str) -> bool:
    return row.active and row.bank == name and row.data == _dump(question)


def owner_key(platform: str, workspace_id: str) -> str:
    """``Bank.owner`` of the banks a chat workspace imports."""
    return f"{platform}:{workspace_id}"


def visible_in(platform: str, workspace_id: str) -> ColumnElement[bool]:
    """A ``QuestionRow`` filter: the questions a workspace may be asked, those of the host's banks (no owner)
    and of the banks it imported itself; another workspace's banks stay its own."""
    return QuestionRow.bank.in_(select(Bank.name).where(bank_visible_in(platform, workspace_id)))


def bank_visible_in(platform: str, workspace_id: str) -> ColumnElement[bool]:
    """The same filter on ``Bank``."""
    return or_(Bank.owner.is_(None), Bank.owner == owner_key(platform, workspace_id))


def sync_bank(
    session: Session,
    *,
    name: str,
    title: str,
    questions: Sequence[Question],
    source: str | None,
    now: datetime,
    topic: str | None = None,
    deactivate_missing: bool = True,
    content_hash: str | None = None,
    owner: str | None = None,
) -> SyncResult:
    """Create or update bank ``name`` with ``questions``; flushes, the caller commits.

    Questions of the bank that are not in ``questions`` become inactive (with ``deactivate_missing``).
    ``content_hash`` (the source file's sha256) is recorded when given, so unchanged files can be skipped.
    ``owner``: who may replace the bank from a chat (``bot.bank_imports``); None, the bot's host.
    """
    if not name:
        raise ValueError("a bank needs a name")
    incoming = _prepare(questions, name, topic)
    bank = session.get(Bank, name)
    if bank is None:
        bank = Bank(name=name, imported_at=now)
        session.add(bank)
    bank.title = _clip(title, Bank.title) or name
    bank.topic = _clip(topic, Bank.topic)
    bank.source = source
    bank.owner = owner
    bank.imported_at = now
    if content_hash is not None:
        bank.content_hash = content_hash
    session.flush()

    stored = {row.id: row for row in session.scalars(select(QuestionRow).where(QuestionRow.bank == name))}
    # Ids taken by other banks' questions are looked up too, so a question moving banks is updated.
    foreign_ids = [q.id for q in incoming if q.id not in stored]
    if foreign_ids:
        others = session.scalars(select(QuestionRow).where(QuestionRow.id.in_(foreign_ids)))
        stored.update({row.id: row for row in others})
    incoming = _takeover_ids(incoming, {qid: row for qid, row in stored.items() if row.bank == name})

    added = updated = unchanged = deactivated = 0
    for question in sorted(incoming, key=_order_key):
        row = stored.get(question.id)
        if row is None:
            row = QuestionRow(id=question.id)
            _apply(row, question, name, now)
            session.add(row)
            added += 1
        elif _is_current(row, question, name):
            unchanged += 1
        else:
            _apply(row, question, name, now)
            updated += 1
    if deactivate_missing:
        kept = {q.id for q in incoming}
        for row in stored.values():
            if row.bank == name and row.active and row.id not in kept:
                row.active = False
                row.updated_at = now
                deactivated += 1
    session.flush()
    return SyncResult(added=added, updated=updated, deactivated=deactivated, unchanged=unchanged)


def _active_questions(session: Session, bank: str | None = None) -> list[Question]:
    query = select(QuestionRow.data).where(QuestionRow.active.is_(True))
    if bank is not None:
        query = query.where(QuestionRow.bank == bank)
    return sorted((Question.model_validate(data) for data in session.scalars(query)), key=_order_key)


def list_banks(session: Session) -> list[BankSummary]:
    """Every bank, by name, with its active questions counted by kind and their topics."""
    summaries = []
    for bank in session.scalars(select(Bank).order_by(Bank.name)):
        rows = session.execute(
            select(QuestionRow.kind, QuestionRow.topic).where(
                QuestionRow.bank == bank.name, QuestionRow.active.is_(True)
            )
        ).all()
        summaries.append(
            BankSummary(
                name=bank.name,
                title=bank.title,
                active=len(rows),
                by_kind=dict(sorted(Counter(kind for kind, _ in rows).items())),
                topics=tuple(sorted({t for _, t in rows if t})),
                owner=bank.owner,
            )
        )
    return summaries


def load_bank(session: Session, name: str) -> tuple[str, list[Question]]:
    """The bank's title and its active questions in source order; ``KeyError`` for an unknown bank."""
    bank = session.get(Bank, name)
    if bank is None:
        raise KeyError(name)
    return bank.title, _active_questions(session, name)


def load_question(session: Session, question_id: str) -> Question | None:
    """The question with this id, active or not (old posts still need it), or ``None``."""
    row = session.get(QuestionRow, question_id)
    return None if row is None else Question.model_validate(row.data)


def active_topics(session: Session) -> list[str]:
    """The distinct topics of active questions, sorted."""
    query = (
        select(QuestionRow.topic)
        .where(QuestionRow.active.is_(True), QuestionRow.topic.is_not(None))
        .distinct()
    )
    return sorted(t for t in session.scalars(query) if t)


def file_hash(path: Path) -> str:
    """The sha256 of a file's bytes (hex), as stored in ``Bank.content_hash``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _already_synced(session: Session, digest: str) -> bool:
    """Whether a bank was last synced from a file with exactly these bytes."""
    return session.scalar(select(Bank.name).where(Bank.content_hash == digest).limit(1)) is not None


def _group_by_bank(questions: Iterable[Question]) -> dict[str, list[Question]]:
    groups: dict[str, list[Question]] = {}
    for question in questions:
        if question.bank:
            groups.setdefault(question.bank, []).append(question)
    return groups


def ensure_banks_loaded(session: Session, banks_dir: Path, now: datetime) -> dict[str, SyncResult]:
    """Import every ``*.md`` in ``banks_dir`` whose content changed since it was last synced.

    Returns the sync result per bank name (banks of skipped files are absent). Each file is one bank (or
    several, named in it): a bank split over two files would have each file deactivate the other's
    questions. A bank's topic is its questions' topic when they all share one. A file that imports with
    errors or without a single question is synced without deactivating anything and without recording its
    hash, so a broken edit never hides questions and the file is retried on the next start. Flushes; the
    caller commits (on PostgreSQL an advisory lock held until then keeps replicas starting together from
    importing twice).
    """
    if not banks_dir.is_dir():
        log.warning("banks directory %s does not exist: no banks loaded", banks_dir)
        return {}
    advisory_xact_lock(session, LOCK_NAME)
    results: dict[str, SyncResult] = {}
    for path in sorted(banks_dir.glob("*.md")):
        digest = file_hash(path)
        if _already_synced(session, digest):
            continue
        report = import_files([path])
        for error in report.errors:
            log.warning("%s: %s", path.name, error)
        groups = _group_by_bank(report.questions)
        titles = {name: name for name in groups} | report.banks
        for name, title in titles.items():
            questions = groups.get(name, [])
            topics = {q.topic for q in questions}
            trusted = bool(questions) and not report.errors
            results[name] = sync_bank(
                session,
                name=name,
                title=title,
                questions=questions,
                source=path.name,
                now=now,
                topic=topics.pop() if len(topics) == 1 else None,
                deactivate_missing=trusted,
                content_hash=digest if trusted else None,
            )
            log.info("bank %s from %s: %s", name, path.name, results[name])
    return results
