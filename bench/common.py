"""Tiny shared helpers for the benchmarks: time a workload, print an aligned table."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    """Operations per second over several rounds of the same workload."""

    best: float
    median: float
    rounds: int
    ops_per_round: int


def measure(fn: Callable[[], object], n: int, *, rounds: int = 5, warmup: int = 1) -> Rate:
    """Time ``fn``, which performs ``n`` operations per call, over ``rounds`` calls after ``warmup`` calls."""
    if n <= 0 or rounds <= 0:
        raise ValueError("measure() needs n > 0 and rounds > 0")
    for _ in range(warmup):
        fn()
    rates: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        rates.append(n / elapsed if elapsed > 0 else float("inf"))
    return Rate(best=max(rates), median=statistics.median(rates), rounds=rounds, ops_per_round=n)


def measure_interleaved(
    loops: Sequence[tuple[str, Callable[[], object], int]], *, rounds: int = 5, warmup: int = 1
) -> dict[str, Rate]:
    """Like :func:`measure` for several ``(name, fn, n)`` loops, alternating them round by round.

    Alternating makes a loop and its baseline see the same machine load, so their ratio stays honest
    on a busy machine.
    """
    if rounds <= 0 or any(n <= 0 for _, _, n in loops):
        raise ValueError("measure_interleaved() needs n > 0 and rounds > 0")
    for _, fn, _ in loops:
        for _ in range(warmup):
            fn()
    rates: dict[str, list[float]] = {name: [] for name, _, _ in loops}
    for _ in range(rounds):
        for name, fn, n in loops:
            start = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - start
            rates[name].append(n / elapsed if elapsed > 0 else float("inf"))
    return {
        name: Rate(best=max(r), median=statistics.median(r), rounds=rounds, ops_per_round=n)
        for (name, _, n), r in zip(loops, rates.values(), strict=True)
    }


def pin_to_one_core() -> str:
    """Restrict this process to one CPU where the OS allows it; returns a description for the report."""
    if hasattr(os, "sched_getaffinity") and hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here); Python runs the loop on one core anyway"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows under headers as an aligned plain-text table (numbers right-aligned)."""

    def fmt(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(r[i], int | float) for r in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    print(title)
    print(line(list(headers)))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))
