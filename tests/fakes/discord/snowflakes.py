"""Discord snowflake ids: 64-bit integers whose top 42 bits are milliseconds since the Discord epoch."""

from __future__ import annotations

import datetime as dt
import time

DISCORD_EPOCH_MS = 1420070400000


class SnowflakeFactory:
    """Hands out increasing snowflakes based on the current time (unique within one factory)."""

    def __init__(self, worker: int = 1) -> None:
        self._worker = worker & 0x1F
        self._last = 0

    def next(self) -> int:
        """A fresh snowflake, strictly greater than every earlier one from this factory."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (ms << 22) | (self._worker << 17)
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate

    def next_str(self) -> str:
        """A fresh snowflake as Discord sends it on the wire (a string)."""
        return str(self.next())


def snowflake_time(snowflake: int) -> dt.datetime:
    """When ``snowflake`` was made (UTC)."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso_timestamp(when: dt.datetime | None = None) -> str:
    """An ISO-8601 timestamp like Discord's (``2024-01-01T12:00:00.000000+00:00``)."""
    return (when or dt.datetime.now(dt.UTC)).isoformat(timespec="microseconds")
