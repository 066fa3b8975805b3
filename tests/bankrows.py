"""Test helper: store questions as rows the way the bank store does (``data`` is exactly the model dump), for
kits that need hand-made questions in a database without importing a bank file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.storage.models import Bank, QuestionRow
from questions.model import Question


def store_question_rows(
    session: Session, questions: Sequence[Question], *, bank: str, now: datetime, title: str | None = None
) -> None:
    """Add ``questions`` (to their own bank, else ``bank``; bank rows created as needed) and commit."""
    for name in sorted({q.bank or bank for q in questions} or {bank}):
        if session.get(Bank, name) is None:
            session.add(Bank(name=name, title=title if name == bank and title else name, imported_at=now))
    session.flush()
    for q in questions:
        session.add(
            QuestionRow(
                id=q.id,
                bank=q.bank or bank,
                kind=q.kind.value,
                topic=q.topic,
                difficulty=q.difficulty.value if q.difficulty else None,
                data=q.model_dump(mode="json"),
                active=True,
                updated_at=now,
            )
        )
    session.commit()
