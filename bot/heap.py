"""Garbage-collector settling for long-running processes.

Everything a process builds while starting (imported modules, the app, its services) lives until it exits.
Left in the collector's generations, each full collection walks all of it again, a pause that grows with the
heap and lands on whatever request is being served. ``settle_startup_heap`` collects once and freezes what
is left (``gc.freeze``), so later collections only look at objects made while serving.
"""

from __future__ import annotations

import gc


def settle_startup_heap() -> int:
    """Collect, then move every surviving object out of the collector's reach; how many were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
