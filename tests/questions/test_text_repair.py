"""Mojibake repair keeps line numbers and leaves clean text alone."""

from __future__ import annotations

import pytest

from questions.importers import import_text
from questions.repair import repair_text


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("data â†’ model", "data → model"),
        ("controlâ€”you", "control—you"),
        ("Good luck! ðŸš€", "Good luck! 🚀"),
        ("Score â‰¥ 90%", "Score ≥ 90%"),
        ("â”œâ”€â”€ Dockerfile", "├── Dockerfile"),
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert repair_text(broken) == fixed


def test_clean_text_and_line_count_are_kept() -> None:
    text = "# Café “quotes” &amp; ﬁ ligature\r\nline two\rline three\n"
    repaired = repair_text(text)
    assert repaired == "# Café “quotes” &amp; ﬁ ligature\nline two\nline three\n"
    assert repair_text(repaired) == repaired


def test_imported_questions_carry_repaired_text() -> None:
    text = "### Q1. Which arrow is used in `a â†’ b`?\n\n**Answer:** â†’\n"
    (question,) = import_text(text, file="m.md").questions
    assert question.prompt == "Which arrow is used in `a → b`?"
    assert question.answer.accepted == ("→",)  # type: ignore[union-attr]
