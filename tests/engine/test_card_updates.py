"""``CardUpdates``: per card, the newest version wins, an older one never replaces it, and with an interval
the sends are paced (at most one per interval) in the background."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from bot.card_updates import CardUpdates
from bot.events import Where
from bot.messages import Message, QuestionCard, info
from bot.ports import MessageRef

REF = MessageRef(Where("test", "W1", "C1"), "m1")
OTHER = MessageRef(Where("test", "W1", "C1"), "m2")


def card(answered: int, closed: bool = False) -> QuestionCard:
    return QuestionCard(1, "q1", "single", "Prompt?", (), (), answered_count=answered, closed=closed)


class Recorder:
    def __init__(self, fail_first: bool = False) -> None:
        self.sent: list[tuple[str, Message, float]] = []
        self._fail = fail_first

    async def __call__(self, ref: MessageRef, message: Message) -> None:
        if self._fail:
            self._fail = False
            raise RuntimeError("platform refused")
        self.sent.append((ref.message_id, message, time.monotonic()))


def counts(rec: Recorder, message_id: str = "m1") -> list[int]:
    return [m.answered_count for mid, m, _ in rec.sent if mid == message_id and isinstance(m, QuestionCard)]


def test_without_interval_each_newer_version_goes_out_and_older_ones_never() -> None:
    rec = Recorder()

    async def run() -> None:
        updates = CardUpdates(rec)
        for n in (1, 3, 2, 3):
            await updates.submit(REF, card(n))
        await updates.submit(REF, card(3, closed=True))
        await updates.submit(REF, card(9))  # open after closed: stale
        await updates.submit(REF, info("not a card"))  # other messages pass straight through

    asyncio.run(run())
    assert counts(rec) == [1, 3, 3]
    assert [getattr(m, "closed", None) for _, m, _ in rec.sent] == [False, False, True, None]


def test_with_an_interval_bursts_coalesce_and_sends_are_paced_per_card() -> None:
    rec = Recorder()
    interval = 0.2

    async def run() -> float:
        updates = CardUpdates(rec, interval)
        started = time.monotonic()
        for burst in (range(1, 6), range(6, 11)):
            for n in burst:
                await updates.submit(REF, card(n))  # returns at once: sends run in the background
                await updates.submit(OTHER, card(n))
            await asyncio.sleep(0.01)  # the first burst's send goes out; the second must wait its turn
        assert time.monotonic() - started < interval
        await updates.drain()
        return started

    started = asyncio.run(run())
    assert counts(rec) == [5, 10] and counts(rec, "m2") == [5, 10]
    first, last = (t for mid, _, t in rec.sent if mid == "m1")
    assert first - started < interval and last - first >= interval * 0.95


def test_a_failed_send_is_logged_and_the_next_version_still_lands(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder(fail_first=True)

    async def run() -> None:
        updates = CardUpdates(rec, 0.05)
        await updates.submit(REF, card(1))
        await updates.drain()
        await updates.submit(REF, card(2))
        await updates.drain()

    asyncio.run(run())
    assert counts(rec) == [2]
    assert "could not update the card m1" in caplog.text


def test_a_refresh_sets_open_cards_counts_before_they_go_and_a_failed_one_sends_the_card_as_it_was() -> None:
    rec = Recorder()
    committed = {"count": 7}
    refreshed: list[int] = []

    async def refresh(open_card: QuestionCard) -> QuestionCard:
        refreshed.append(open_card.answered_count)
        if committed["count"] < 0:
            raise RuntimeError("database unreachable")
        return replace(open_card, answered_count=max(open_card.answered_count, committed["count"]))

    async def run() -> None:
        updates = CardUpdates(rec, refresh=refresh)
        await updates.submit(REF, card(5))  # its reply said 5; 7 are committed
        await updates.submit(REF, card(6))  # refreshed (a commit came after the last read): 7 again, not sent
        committed["count"] = -1
        await updates.submit(REF, card(8))  # the read fails: sent with its own count
        await updates.submit(REF, card(8, closed=True))  # closed cards carry final figures: no refresh

    asyncio.run(run())
    assert counts(rec) == [7, 8, 8]
    assert refreshed == [5, 6, 8]


def test_an_update_whose_own_count_is_stale_still_brings_the_card_up_to_date() -> None:
    """Two answers committing at once in two transactions both carry a count of 3 (neither saw the other);
    the first one's update went out as 3 before the second committed. The second's update, though no higher
    than what was sent, is refreshed and sends 4."""
    rec = Recorder()
    committed = {"count": 3}

    async def refresh(open_card: QuestionCard) -> QuestionCard:
        return replace(open_card, answered_count=max(open_card.answered_count, committed["count"]))

    async def run() -> None:
        updates = CardUpdates(rec, refresh=refresh)
        await updates.submit(REF, card(3))
        committed["count"] = 4  # the other transaction commits, then delivers its reply
        await updates.submit(REF, card(3))

    asyncio.run(run())
    assert counts(rec) == [3, 4]
