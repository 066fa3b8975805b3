"""PNG charts for platforms that show images: the team standings of the weekly post (matplotlib, Agg).

matplotlib is imported when a chart is drawn (not at bot start), and every figure is drawn on its own
``Figure`` object (no pyplot global state), so charts can be drawn from worker threads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.messages import LeaderboardRow

MAX_BARS = 12
MAX_LABEL = 24


def _label(name: str) -> str:
    """A team name as a bar label: one line, without characters the bundled font has no glyph for (emoji
    and other non-BMP symbols would draw as empty boxes), shortened."""
    name = " ".join("".join(ch for ch in name if ord(ch) <= 0xFFFF).split()) or "?"
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"


def team_standings_png(rows: Sequence[LeaderboardRow], title: str = "Team standings") -> bytes | None:
    """A horizontal bar chart of team points (best on top), as PNG bytes; None when there are no teams."""
    shown = list(rows[:MAX_BARS])
    if not shown:
        return None
    from matplotlib.figure import Figure  # heavy: imported only when drawing

    height = 1.2 + 0.45 * len(shown)
    figure = Figure(figsize=(7.0, height), dpi=110)
    axes = figure.add_subplot()
    labels = [f"{row.rank}. {_label(row.name)}" for row in shown][::-1]
    points = [row.points for row in shown][::-1]
    colors = ["#2b6cb0" if row.rank == 1 else "#63a4e6" for row in shown][::-1]
    bars = axes.barh(labels, points, color=colors)
    top = max(points) if max(points) > 0 else 1
    for bar, row in zip(bars, shown[::-1], strict=True):
        note = f"{row.points} pts · {row.accuracy:.0%}"
        middle = bar.get_y() + bar.get_height() / 2
        axes.text(bar.get_width() + top * 0.01, middle, note, va="center", fontsize=9)
    axes.set_xlim(0, top * 1.3)
    axes.set_xlabel("points")
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
