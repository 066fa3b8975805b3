"""The start-up heap is frozen out of the collector's reach, and collections still free new garbage."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.heap import settle_startup_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_settling_freezes_what_lives_and_frees_later_cycles(unfrozen: None) -> None:
    survivor = _Node()
    before = gc.get_freeze_count()
    frozen = settle_startup_heap()
    assert frozen == gc.get_freeze_count() > before
    assert not any(obj is survivor for obj in gc.get_objects())  # out of the generations

    later = _Node()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None  # garbage made after start-up is still collected
