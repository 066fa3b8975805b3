"""The Monday leaderboard post: last week's players, team table, streaks, most improved, and the team chart."""

from __future__ import annotations

import asyncio
import os
import struct
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.charts import team_standings_png
from bot.events import ChoiceSelected, Where
from bot.messages import LeaderboardRow, WeeklyDigest
from bot.render_text import render

from .kit import CHANNEL, PLATFORM, WORKSPACE, World, question, store

# Set QUIZMASTER_CHART_OUT=/some/file.png to keep the rendered chart and look at it.
CHART_OUT = os.environ.get("QUIZMASTER_CHART_OUT")


def answer(world: World, user: str, key: str, when: datetime, qid: str) -> None:
    world.clock.set(when)
    where = Where(PLATFORM, WORKSPACE, CHANNEL)
    with world.sessions() as s:
        reply = world.quiz.post_to_channel(s, question_id=qid, where=where, closes_at=None)
        s.commit()
    assert reply.post_id is not None
    event = ChoiceSelected(world.actor(user), where, reply.post_id, (key,), f"{user}-{qid}-{when}")
    asyncio.run(world.dispatcher.handle(event))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_monday_post_has_last_weeks_standings_streaks_most_improved_and_a_chart(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_factory() as session:
        store(session, [question(f"q{i}", "Docker") for i in range(12)])
    world = World(session_factory, charts=True)
    for user, team in (("ann", "Red"), ("bob", "Red"), ("cy", "Blue <!channel>")):
        world.command(f"/quiz team join {team}", user=user)
    world.command("/quiz schedule leaderboard mon 09:00")
    # The week before (ends Sunday 4 Jan): bob was strong. Last week (5-11 Jan): ann and cy.
    answer(world, "bob", "B", datetime(2026, 1, 5, 8, 30, tzinfo=UTC), "q0")  # Monday: last week
    answer(world, "bob", "A", datetime(2026, 1, 6, 10, 0, tzinfo=UTC), "q1")
    for day, qid in ((5, "q2"), (6, "q3"), (7, "q4"), (8, "q7"), (9, "q8"), (10, "q9"), (11, "q10")):
        answer(world, "ann", "B", datetime(2026, 1, day, 12, 0, tzinfo=UTC), qid)
    answer(world, "cy", "B", datetime(2026, 1, 7, 12, 0, tzinfo=UTC), "q5")
    answer(world, "cy", "B", datetime(2026, 1, 12, 8, 0, tzinfo=UTC), "q6")  # this week: not counted
    world.port.take()

    world.clock.set(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    report = world.run_due()
    assert report.posted == 1
    [post] = [s for s in world.port.sent if s.kind == "post"]
    digest = post.message
    assert isinstance(digest, WeeklyDigest)
    assert [(r.name, r.answered) for r in digest.players.rows] == [("Ann", 7), ("Cy", 1), ("Bob", 2)]
    assert digest.players.period == "last_week"
    assert [(r.name, r.members) for r in digest.teams.rows] == [("Red", 2), ("Blue <!channel>", 1)]
    assert digest.teams.rows[0].points > digest.teams.rows[1].points
    assert digest.streaks and digest.streaks[0].name == "Ann" and digest.streaks[0].value == 7
    assert [i.name for i in digest.improved][:2] == ["Ann", "Cy"]
    text = render(digest)
    for piece in (
        "Player leaderboard, last week",
        "Team leaderboard, last week",
        "Longest streaks:",
        "Most improved:",
        "“Ann”",
        "+",
    ):
        assert piece in text
    assert digest.chart_png is not None
    width, height = png_size(digest.chart_png)
    assert width == 770 and height > 150
    # Rendered to a file and looked at with an image viewer: legible bars, team names and points.
    (Path(CHART_OUT) if CHART_OUT else tmp_path / "weekly_chart.png").write_bytes(digest.chart_png)


def test_chart_handles_no_teams_many_teams_and_long_names(tmp_path: Path) -> None:
    assert team_standings_png([]) is None
    rows = [
        LeaderboardRow(
            i + 1, ("Team with a really quite long name " if i == 0 else "T") + str(i), 100 - i * 7, 20, 0.5
        )
        for i in range(20)
    ]
    data = team_standings_png(rows)
    assert data is not None
    _width, height = png_size(data)
    assert height < 1200  # capped at 12 bars
    zero = team_standings_png([LeaderboardRow(1, "Zero", 0, 0, 0.0)])
    assert zero is not None and png_size(zero)[0] == 770
    (tmp_path / "many.png").write_bytes(data)


def test_an_empty_week_still_posts_a_readable_board(session_factory: sessionmaker[Session]) -> None:
    world = World(session_factory)
    world.command("/quiz schedule leaderboard mon 09:00")
    world.clock.set(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    assert world.run_due().posted == 1
    digest = world.port.sent[0].message
    assert isinstance(digest, WeeklyDigest) and digest.players.rows == () and digest.chart_png is None
    assert "No answers yet." in render(digest)
