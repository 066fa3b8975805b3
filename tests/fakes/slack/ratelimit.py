"""chat.postMessage rate limits the way Slack applies them: about one message per second per channel
(short bursts tolerated) and, optionally, a workspace budget of N messages per rolling minute.

Pure logic with an injectable monotonic clock; the fake Web API turns a refusal into HTTP 429 with a
``Retry-After`` header.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    """What to enforce. ``channel_burst`` messages may go out back to back before the per-second pace
    applies; ``workspace_per_minute=None`` means no workspace budget."""

    channel_per_second: float = 1.0
    channel_burst: int = 1
    workspace_per_minute: int | None = None

    def __post_init__(self) -> None:
        if self.channel_per_second <= 0 or self.channel_burst < 1:
            raise ValueError("channel_per_second must be > 0 and channel_burst >= 1")
        if self.workspace_per_minute is not None and self.workspace_per_minute < 1:
            raise ValueError("workspace_per_minute must be >= 1")


class RateLimiter:
    """A token bucket per channel plus a sliding one-minute window for the workspace."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)
        self._window: deque[float] = deque()

    def acquire(self, channel: str) -> float | None:
        """Admit one message to ``channel`` (None) or refuse it: the seconds until it would pass."""
        now = self._clock()
        tokens, at = self._buckets.get(channel, (float(self.limits.channel_burst), now))
        tokens = min(float(self.limits.channel_burst), tokens + (now - at) * self.limits.channel_per_second)
        waits: list[float] = []
        if tokens < 1.0:
            waits.append((1.0 - tokens) / self.limits.channel_per_second)
        budget = self.limits.workspace_per_minute
        if budget is not None:
            while self._window and self._window[0] <= now - 60.0:
                self._window.popleft()
            if len(self._window) >= budget:
                waits.append(self._window[0] + 60.0 - now)
        if waits:
            self._buckets[channel] = (tokens, now)
            return max(waits)
        self._buckets[channel] = (tokens - 1.0, now)
        if budget is not None:
            self._window.append(now)
        return None


def retry_after_header(wait: float) -> str:
    """Slack's ``Retry-After`` is whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
