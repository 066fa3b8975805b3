"""Test helper: store hand-made questions through the bank store's own import path (``sync_bank``), for kits
that need questions in a database without importing a bank file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.storage.banks import sync_bank
from questions.model import Question


def store_question_rows(
    session: Session, questions: Sequence[Question], *, bank: str, now: datetime, title: str | None = None
) -> None:
    """Import ``questions`` into their own bank, else ``bank`` (banks created as needed, questions already
    stored elsewhere in a bank kept), and commit."""
    by_bank: dict[str, list[Question]] = {}
    for q in questions:
        by_bank.setdefault(q.bank or bank, []).append(q)
    for name, members in sorted((by_bank or {bank: []}).items()):
        sync_bank(
            session,
            name=name,
            title=title if name == bank and title else name,
            questions=members,
            source=None,
            now=now,
            deactivate_missing=False,
        )
    session.commit()
