"""The public grade() entry point: argument checks and dispatch."""

from __future__ import annotations

import pytest

from bot.grading import Verdict, grade

from .builders import CLOUD, OPTIMISATIONS, open_question, short_question


def test_exactly_one_of_keys_and_text() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        grade(CLOUD)
    with pytest.raises(ValueError, match="exactly one"):
        grade(CLOUD, keys=["C"], text="c")


def test_dispatch_by_kind() -> None:
    assert grade(CLOUD, text="c").verdict is Verdict.CORRECT
    assert grade(OPTIMISATIONS, text="c").verdict is Verdict.PARTIAL
    assert grade(short_question("canary"), text="canary").verdict is Verdict.CORRECT
    assert grade(open_question(), text="an essay").verdict is Verdict.SELF_ASSESS
    assert grade(open_question(), keys=["A"]).verdict is Verdict.SELF_ASSESS


def test_grades_are_deterministic_and_pure() -> None:
    first = [grade(CLOUD, text=t) for t in ("iaas", "paas", "a or b")]
    second = [grade(CLOUD, text=t) for t in ("iaas", "paas", "a or b")]
    assert first == second
