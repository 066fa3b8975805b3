"""Importing question banks: the one path the command line and the chats share.

``store_report`` stores what an import found (``questions.importers``), bank by bank, through
``bot.storage.banks.sync_bank``. ``BankImportService.upload`` is an instructor's ``/quiz import`` in a chat:
the files they attached, imported, checked against the banks' owners, stored (or only checked, with
``dry_run``) and summed up in one notice that says what was taken and what was skipped, and why.

Owners: the banks on the bot's host (the command line, the bundled banks) have no owner and only the host
changes them; a bank first imported from a chat belongs to that workspace (``owner`` "platform:workspace
id"), and only that workspace's instructors (or the host) replace it. Questions that another owner's bank
holds (the same explicit ids) are not taken over either. So an instructor of one workspace cannot rewrite
another's banks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.events import Actor, Upload
from bot.messages import Notice, NoticeLevel
from bot.storage import banks as bank_store
from bot.storage.db import advisory_xact_lock
from bot.storage.models import Bank, QuestionRow
from questions.importers import ImportReport, import_uploads

MAX_UPLOADS = 10
# Items listed in a chat summary (the rest are counted), each line cut at LINE_CHARS: it fits one Discord
# message (2,000 characters); `quizmaster questions import --dry-run` on the host lists everything.
SHOWN_SKIPPED = 10
SHOWN_WARNINGS = 5
LINE_CHARS = 120
ONLY_INSTRUCTORS = "Only instructors can use /quiz import."
NOT_FETCHED = "was not downloaded (only instructors can import)"


@dataclass
class ImportOutcome:
    """What an import found, what it stored per bank, and the banks it refused (name -> why)."""

    report: ImportReport
    stored: dict[str, bank_store.SyncResult] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False


def not_fetched(names: Sequence[str]) -> tuple[Upload, ...]:
    """The uploads of someone who may not import, named but not downloaded (the core refuses them)."""
    return tuple(Upload(name, None, NOT_FETCHED) for name in names)


def owner_of(actor: Actor) -> str:
    """The owner string of banks imported by ``actor``'s workspace."""
    return bank_store.owner_key(actor.platform, actor.workspace_id)


def store_report(
    session: Session,
    report: ImportReport,
    *,
    source: str,
    now: datetime,
    owner: str | None = None,
    dry_run: bool = False,
) -> ImportOutcome:
    """Store each bank of ``report`` (flushes; the caller commits). ``owner`` None is the host, which may
    replace any bank; a chat's owner may create banks and replace its own (``refused`` says which not)."""
    outcome = ImportOutcome(report, dry_run=dry_run)
    if not dry_run:  # one import at a time (PostgreSQL): an owner read below still holds when it stores
        advisory_xact_lock(session, bank_store.LOCK_NAME)
    for name, title in report.banks.items():
        questions = [q for q in report.questions if q.bank == name]
        if not questions:
            continue
        why = None if owner is None else _refusal(session, name, [q.id for q in questions], owner)
        if why is not None:
            outcome.refused[name] = why
            continue
        if dry_run:
            continue
        outcome.stored[name] = bank_store.sync_bank(
            session, name=name, title=title, questions=questions, source=source, now=now, owner=owner
        )
    session.flush()
    return outcome


def _refusal(session: Session, name: str, question_ids: Sequence[str], owner: str) -> str | None:
    """Why ``owner`` may not store bank ``name`` with these question ids, or None."""
    bank = session.get(Bank, name)
    if bank is not None and bank.owner != owner:
        return "it is managed " + _where(bank.owner)
    others = session.execute(
        select(QuestionRow.bank, Bank.owner)
        .join(Bank, Bank.name == QuestionRow.bank)
        .where(QuestionRow.id.in_(question_ids), QuestionRow.bank != name)
    ).all()
    for other, other_owner in others:
        if other_owner != owner:
            return f"some of its question ids belong to bank {other!r}, managed {_where(other_owner)}"
    return None


def _where(owner: str | None) -> str:
    return "on the bot's host" if owner is None else "by another workspace"


class BankImportService:
    """``/quiz import`` from a chat: the attached files become banks of the instructor's workspace."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def upload(
        self, session: Session, *, actor: Actor, uploads: Sequence[Upload], dry_run: bool = False
    ) -> Notice:
        """Import ``uploads`` (stored unless ``dry_run``) and say what was taken and skipped."""
        if not uploads:
            return Notice(NoticeLevel.WARNING, "Attach a Markdown quiz file to import.")
        if len(uploads) > MAX_UPLOADS:
            return Notice(NoticeLevel.WARNING, f"Import at most {MAX_UPLOADS} files at a time.")
        fetched = [(u.name, u.data) for u in uploads if u.data is not None]
        report = import_uploads(fetched)
        unreadable = [f"{u.name}: {u.problem}" for u in uploads if u.data is None]
        source = ", ".join(u.name for u in uploads)
        outcome = store_report(
            session, report, source=source, now=self._clock.now(), owner=owner_of(actor), dry_run=dry_run
        )
        return summary(outcome, unreadable)


def summary(outcome: ImportOutcome, unreadable: Sequence[str] = ()) -> Notice:
    """The import in a few lines: per bank what was found and stored, then refusals, unreadable files,
    skipped items (file:line and why), warnings and notes, the long lists cut with a count of the rest."""
    report = outcome.report
    lines: list[str] = []
    for name, title in report.banks.items():
        found = [q for q in report.questions if q.bank == name]
        if not found:
            continue
        kinds: dict[str, int] = {}
        for question in found:
            kinds[question.kind.value] = kinds.get(question.kind.value, 0) + 1
        what = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
        line = f"Bank {name!r} ({title}): {len(found)} question{'s' if len(found) != 1 else ''} ({what})"
        result = outcome.stored.get(name)
        if name in outcome.refused:
            why = outcome.refused[name]
            line += f": not stored, {why} (give yours another name: `bank:` in the front matter)"
        elif result is not None:
            line += (
                f": stored, {result.added} added, {result.updated} updated, "
                f"{result.deactivated} deactivated, {result.unchanged} unchanged"
            )
        elif outcome.dry_run:
            line += ": checked only, nothing stored"
        lines.append(line)
    for problem in [*unreadable, *(str(e) for e in report.errors)]:
        lines.append(f"Could not read {problem}")
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)}:")
        lines += [_cut(f"  {s.file}:{s.line}: {s.reason}") for s in report.skipped[:SHOWN_SKIPPED]]
        if len(report.skipped) > SHOWN_SKIPPED:
            lines.append(f"  ... and {len(report.skipped) - SHOWN_SKIPPED} more")
    if report.warnings:
        lines.append(f"Check {len(report.warnings)}:")
        lines += [_cut(f"  {w.file}:{w.line}: {w.message}") for w in report.warnings[:SHOWN_WARNINGS]]
        if len(report.warnings) > SHOWN_WARNINGS:
            lines.append(f"  ... and {len(report.warnings) - SHOWN_WARNINGS} more")
    lines += [_cut(note) for note in report.notes]
    stored_any = bool(outcome.stored)
    if not report.questions:
        level, head = NoticeLevel.ERROR, "Nothing imported: no questions found."
    elif outcome.refused and not stored_any and not outcome.dry_run:
        level, head = NoticeLevel.ERROR, "Nothing imported."
    elif outcome.refused or report.skipped or report.errors or unreadable:
        level, head = NoticeLevel.WARNING, "Imported, with problems:" if stored_any else "Checked:"
    else:
        level, head = NoticeLevel.INFO, "Imported:" if stored_any else "Checked (nothing stored):"
    return Notice(level, "\n".join([head, *lines]))


def _cut(line: str) -> str:
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…"
