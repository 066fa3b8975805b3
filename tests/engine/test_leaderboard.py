"""Leaderboards: period bounds, individual and team boards, ties, player stats, most improved.

Every database test runs on SQLite and PostgreSQL (the ``session`` fixture).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.leaderboard import (
    Period,
    PlayerStanding,
    PlayerStats,
    TeamStanding,
    individual_leaderboard,
    most_improved,
    period_bounds,
    player_stats,
    team_leaderboard,
)
from bot.storage.models import AnswerRow, Bank, Post, QuestionRow, Schedule, Team, TeamMember, User
from bot.streaks import DayPredicate, local_day, record_answer_day, weekday_predicate

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# "now" for most tests: Wednesday 2026-03-11 12:00 in Berlin (11:00 UTC); the week began Monday the 9th.
NOW = datetime(2026, 3, 11, 11, 0, tzinfo=UTC)
IN_WEEK = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
LAST_WEEK = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def local(tz: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Local wall time in ``tz`` as a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


@dataclass
class World:
    """Builds users, teams and answers straight through the ORM models."""

    session: Session
    platform: str = "slack"
    workspace: str = "T1"
    users: dict[str, int] = field(default_factory=dict)
    _question: str | None = None

    def user(self, user_id: str, name: str | None = None, workspace: str | None = None) -> int:
        row = User(
            platform=self.platform,
            workspace_id=workspace or self.workspace,
            user_id=user_id,
            display_name=name,
            created_at=T0,
        )
        self.session.add(row)
        self.session.flush()
        self.users[user_id] = row.id
        return row.id

    def team(self, name: str, *members: str, workspace: str | None = None) -> int:
        team = Team(
            platform=self.platform, workspace_id=workspace or self.workspace, name=name, created_at=T0
        )
        self.session.add(team)
        self.session.flush()
        for member in members:
            self.session.add(TeamMember(user_pk=self.users[member], team_id=team.id, joined_at=T0))
        self.session.flush()
        return team.id

    def question(self) -> str:
        if self._question is None:
            self.session.add(Bank(name="b", title="B", imported_at=T0))
            self.session.flush()
            self.session.add(QuestionRow(id="q1", bank="b", kind="single", data={}, updated_at=T0))
            self.session.flush()
            self._question = "q1"
        return self._question

    def answer(
        self,
        user_id: str,
        at: datetime,
        points: int,
        *,
        score: float | None = None,
        verdict: str | None = None,
        channel: str = "C1",
        workspace: str | None = None,
    ) -> None:
        """One answer to a fresh post; score defaults to 1.0 when points > 0, else 0."""
        workspace = workspace or self.workspace
        post = Post(
            question_id=self.question(),
            platform=self.platform,
            workspace_id=workspace,
            channel_id=channel,
            audience="channel",
            posted_at=at - timedelta(minutes=5),
            timezone=BERLIN,
        )
        self.session.add(post)
        self.session.flush()
        score = score if score is not None else (1.0 if points > 0 else 0.0)
        self.session.add(
            AnswerRow(
                post_id=post.id,
                user_pk=self.users[user_id],
                question_id=self.question(),
                platform=self.platform,
                workspace_id=workspace,
                channel_id=channel,
                answered_at=at,
                local_date=local_day(at, BERLIN),
                verdict=verdict or ("correct" if score >= 1.0 else ("partial" if score > 0 else "incorrect")),
                score=score,
                points=points,
            )
        )
        self.session.flush()


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def board(
    world: World,
    *,
    channel: str | None = None,
    period: Period = Period.WEEK,
    now: datetime = NOW,
    limit: int = 10,
    is_active_day: DayPredicate | None = None,
) -> list[PlayerStanding]:
    return individual_leaderboard(
        world.session,
        platform=world.platform,
        workspace_id=world.workspace,
        channel_id=channel,
        period=period,
        now=now,
        tz=BERLIN,
        limit=limit,
        is_active_day=is_active_day,
    )


def teams(
    world: World, *, channel: str | None = None, period: Period = Period.WEEK, limit: int = 50
) -> list[TeamStanding]:
    return team_leaderboard(
        world.session,
        platform=world.platform,
        workspace_id=world.workspace,
        channel_id=channel,
        period=period,
        now=NOW,
        tz=BERLIN,
        limit=limit,
    )


def ids(standings: list[PlayerStanding]) -> list[str]:
    return [s.user_id for s in standings]


# --- period bounds ------------------------------------------------------------------------------------------


def test_week_starts_monday_midnight_local() -> None:
    start, end = period_bounds(Period.WEEK, NOW, BERLIN)
    assert start == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)  # Monday 9 March 00:00 CET
    assert end == datetime(2026, 3, 15, 23, 0, tzinfo=UTC)
    start, end = period_bounds(Period.LAST_WEEK, NOW, BERLIN)
    assert (start, end) == (datetime(2026, 3, 1, 23, 0, tzinfo=UTC), datetime(2026, 3, 8, 23, 0, tzinfo=UTC))


def test_sunday_late_and_monday_early_fall_in_different_weeks() -> None:
    sunday = local(BERLIN, 2026, 3, 8, 23, 30)  # 22:30 UTC, still Sunday in Berlin
    monday = local(BERLIN, 2026, 3, 9, 0, 30)  # 23:30 UTC on Sunday, already Monday in Berlin
    assert period_bounds(Period.WEEK, sunday, BERLIN)[1] == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    assert period_bounds(Period.WEEK, monday, BERLIN)[0] == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    # In New York the same UTC instants are both Sunday evening: one week.
    assert period_bounds(Period.WEEK, sunday, NEW_YORK) == period_bounds(Period.WEEK, monday, NEW_YORK)


def test_a_dst_week_is_an_hour_short_or_long() -> None:
    spring = period_bounds(Period.WEEK, local(BERLIN, 2026, 3, 29, 12), BERLIN)
    assert spring == (datetime(2026, 3, 22, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC))
    assert spring[0] is not None and spring[1] is not None
    assert spring[1] - spring[0] == timedelta(hours=167)
    autumn = period_bounds(Period.WEEK, local(NEW_YORK, 2026, 11, 1, 12), NEW_YORK)
    assert autumn == (datetime(2026, 10, 26, 4, 0, tzinfo=UTC), datetime(2026, 11, 2, 5, 0, tzinfo=UTC))
    # Last week seen from the Monday after the spring change still starts at CET midnight.
    after = period_bounds(Period.LAST_WEEK, local(BERLIN, 2026, 3, 30, 0, 30), BERLIN)
    assert after == spring


def test_month_and_all_time() -> None:
    assert period_bounds(Period.MONTH, NOW, BERLIN) == (
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),  # April starts in summer time
    )
    # A December "now" rolls over into January of the next year.
    assert period_bounds(Period.MONTH, datetime(2026, 12, 31, 22, 0, tzinfo=UTC), NEW_YORK) == (
        datetime(2026, 12, 1, 5, 0, tzinfo=UTC),
        datetime(2027, 1, 1, 5, 0, tzinfo=UTC),
    )
    # 23:30 UTC on 31 January is already February in Berlin.
    assert period_bounds(Period.MONTH, datetime(2026, 1, 31, 23, 30, tzinfo=UTC), BERLIN)[0] == datetime(
        2026, 1, 31, 23, 0, tzinfo=UTC
    )
    assert period_bounds(Period.ALL, NOW, BERLIN) == (None, None)
    assert period_bounds("month", NOW, "UTC")[0] == datetime(2026, 3, 1, tzinfo=UTC)  # type: ignore[arg-type]


def test_bad_period_input_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        period_bounds(Period.WEEK, datetime(2026, 3, 11, 12, 0), BERLIN)
    with pytest.raises(ValueError, match="unknown time zone"):
        period_bounds(Period.WEEK, NOW, "Europe/Atlantis")
    with pytest.raises(ValueError):
        period_bounds("fortnight", NOW, BERLIN)  # type: ignore[arg-type]


# --- individual boards --------------------------------------------------------------------------------------


def test_empty_boards(world: World) -> None:
    assert board(world) == []
    assert teams(world) == []
    world.user("U1")
    world.answer("U1", LAST_WEEK, 10)
    assert board(world) == []  # nothing this week
    assert board(world, period=Period.ALL, limit=0) == []


def test_board_sums_points_and_counts_accuracy(world: World) -> None:
    world.user("U1", "Ada")
    world.user("U2", "Bo")
    world.answer("U1", IN_WEEK, 10)
    world.answer("U1", IN_WEEK + timedelta(hours=1), 5, score=0.5)  # partial: answered, not correct
    world.answer("U1", IN_WEEK + timedelta(hours=2), 0)
    world.answer("U1", IN_WEEK + timedelta(hours=3), 10, score=1.0, verdict="self_assess")  # got_it
    world.answer("U2", IN_WEEK, 12)
    world.answer("U2", LAST_WEEK, 100)  # another week
    first, second = board(world)
    assert first == PlayerStanding(
        rank=1, user_pk=world.users["U1"], user_id="U1", display_name="Ada", points=25, answered=4,
        correct=2, accuracy=0.5, streak=0,
    )  # fmt: skip
    assert (second.rank, second.user_id, second.points, second.answered, second.accuracy) == (
        2,
        "U2",
        12,
        1,
        1.0,
    )
    assert ids(board(world, period=Period.LAST_WEEK)) == ["U2"]
    assert [s.points for s in board(world, period=Period.ALL)] == [112, 25]
    assert [s.points for s in board(world, period=Period.MONTH)] == [112, 25]


def test_sunday_late_and_monday_early_answers(world: World) -> None:
    world.user("U1")
    world.user("U2")
    world.answer("U1", local(BERLIN, 2026, 3, 8, 23, 30), 10)  # Sunday: last week
    world.answer("U2", local(BERLIN, 2026, 3, 9, 0, 30), 10)  # Monday: this week
    assert ids(board(world)) == ["U2"]
    assert ids(board(world, period=Period.LAST_WEEK)) == ["U1"]


def test_channel_board_vs_workspace_board(world: World) -> None:
    world.user("U1")
    world.user("U2")
    world.user("X1", workspace="T2")
    world.answer("U1", IN_WEEK, 10, channel="C1")
    world.answer("U1", IN_WEEK, 10, channel="C1")
    world.answer("U2", IN_WEEK, 15, channel="C1")
    world.answer("U2", IN_WEEK, 15, channel="C2")
    world.answer("X1", IN_WEEK, 99, channel="C1", workspace="T2")  # another workspace, same channel id
    assert [(s.user_id, s.points) for s in board(world, channel="C1")] == [("U1", 20), ("U2", 15)]
    assert [(s.user_id, s.points) for s in board(world, channel="C2")] == [("U2", 15)]
    assert [(s.user_id, s.points) for s in board(world)] == [("U2", 30), ("U1", 20)]
    assert board(world, channel="C9") == []


def test_ties_are_ordered_deterministically(world: World) -> None:
    # Created in reverse so the primary keys run against the user ids.
    for user_id in ("U6", "U5", "U4", "U3", "U2", "U1"):
        world.user(user_id)
    world.answer("U1", IN_WEEK, 30)  # 30 points, 1/1
    world.answer("U2", IN_WEEK, 20)  # 20 points, 2/2: better accuracy than U3
    world.answer("U2", IN_WEEK, 0, score=1.0)
    world.answer("U3", IN_WEEK, 20)  # 20 points, 1/2
    world.answer("U3", IN_WEEK, 0)
    world.answer("U4", IN_WEEK, 10)  # 10 points, 1/1 and 2/2: same accuracy, more answered first
    world.answer("U5", IN_WEEK, 5)
    world.answer("U5", IN_WEEK, 5)
    world.answer("U6", IN_WEEK, 10)  # identical to U4: user id decides
    expected = ["U1", "U2", "U3", "U5", "U4", "U6"]
    standings = board(world)
    assert ids(standings) == expected
    assert [s.rank for s in standings] == [1, 2, 3, 4, 5, 6]
    assert ids(board(world)) == expected  # and again
    # The limit cuts inside a tie by the same order.
    assert ids(board(world, limit=5)) == expected[:5]
    assert ids(board(world, limit=4)) == expected[:4]
    assert ids(board(world, limit=1)) == ["U1"]


def test_the_limit_keeps_everyone_tied_at_the_cut(world: World) -> None:
    for user_id in ("d", "c", "b", "a", "top"):
        world.user(user_id)
    world.answer("top", IN_WEEK, 50)
    for user_id in ("d", "c", "b", "a"):
        world.answer(user_id, IN_WEEK, 20)
    assert ids(board(world, limit=2)) == ["top", "a"]
    assert ids(board(world, limit=3)) == ["top", "a", "b"]
    assert ids(board(world, limit=10)) == ["top", "a", "b", "c", "d"]


def test_standings_show_the_live_streak_of_the_boards_scope(world: World) -> None:
    world.user("U1")
    world.user("U2")
    every_day = weekday_predicate(None)
    u1, u2 = world.users["U1"], world.users["U2"]
    for day in (9, 10, 11):
        record_answer_day(
            world.session, user_pk=u1, scopes=["C1", "*"], day=date(2026, 3, day), is_active_day=every_day
        )
    for day in (6, 7, 8):  # ended Sunday; Monday and Tuesday missed by Wednesday
        record_answer_day(
            world.session, user_pk=u2, scopes=["C1", "*"], day=date(2026, 3, day), is_active_day=every_day
        )
    record_answer_day(
        world.session, user_pk=u1, scopes=["C2"], day=date(2026, 3, 11), is_active_day=every_day
    )
    world.answer("U1", IN_WEEK, 10)
    world.answer("U2", IN_WEEK, 5)
    world.answer("U1", IN_WEEK, 10, channel="C2")
    assert [(s.user_id, s.streak) for s in board(world, channel="C1")] == [("U1", 3), ("U2", 0)]
    assert [(s.user_id, s.streak) for s in board(world, channel="C2")] == [("U1", 1)]
    assert [(s.user_id, s.streak) for s in board(world)] == [("U1", 3), ("U2", 0)]


def test_streaks_shown_follow_the_scopes_schedule(world: World) -> None:
    """A Monday-to-Friday schedule: a streak that ended on Friday is alive on Monday."""
    world.user("U1")
    u1 = world.users["U1"]
    weekdays = weekday_predicate("01234")
    for day in (4, 5, 6):
        record_answer_day(
            world.session, user_pk=u1, scopes=["C1"], day=date(2026, 3, day), is_active_day=weekdays
        )
    world.answer("U1", local(BERLIN, 2026, 3, 9, 8), 10)
    monday = local(BERLIN, 2026, 3, 9, 12)
    assert board(world, channel="C1", now=monday)[0].streak == 0  # no schedule: every day is active
    world.session.add(
        Schedule(
            kind="question", platform="slack", workspace_id="T1", channel_id="C1", time_of_day="09:00",
            weekdays="01234", timezone=BERLIN, created_by="U0", created_at=T0,
        )
    )  # fmt: skip
    world.session.flush()
    assert board(world, channel="C1", now=monday)[0].streak == 3
    assert board(world, channel="C1", now=monday, is_active_day=weekday_predicate(None))[0].streak == 0


# --- team boards --------------------------------------------------------------------------------------------


def _three_teams(world: World) -> None:
    for user_id in ("a1", "a2", "a3", "b1", "b2", "solo"):
        world.user(user_id)
    world.team("Bravo", "b1", "b2")
    world.team("Alpha", "a1", "a2", "a3")
    world.team("Charlie")  # no members
    world.team("Delta")
    world.answer("a1", IN_WEEK, 10)
    world.answer("a2", IN_WEEK, 10)
    world.answer("a2", IN_WEEK, 0)
    world.answer("b1", IN_WEEK, 15)
    world.answer("b2", IN_WEEK, 15, channel="C2")
    world.answer("solo", IN_WEEK, 100)  # in no team
    world.answer("a3", LAST_WEEK, 40)


def test_team_board_points_members_and_average(world: World) -> None:
    _three_teams(world)
    rows = teams(world)
    assert [(t.rank, t.name, t.members, t.points, t.answered) for t in rows] == [
        (1, "Bravo", 2, 30, 2),
        (2, "Alpha", 3, 20, 3),
        (3, "Charlie", 0, 0, 0),  # no answers: by name
        (4, "Delta", 0, 0, 0),
    ]
    bravo, alpha, charlie, _ = rows
    assert bravo.avg_per_member == 15.0 and bravo.accuracy == 1.0
    assert alpha.avg_per_member == pytest.approx(20 / 3) and alpha.accuracy == pytest.approx(2 / 3)
    assert charlie.avg_per_member == 0.0 and charlie.accuracy == 0.0
    assert [t.name for t in teams(world, limit=2)] == ["Bravo", "Alpha"]


def test_team_board_per_channel_and_period(world: World) -> None:
    _three_teams(world)
    assert [(t.name, t.points) for t in teams(world, channel="C1")][:2] == [("Alpha", 20), ("Bravo", 15)]
    assert [(t.name, t.points) for t in teams(world, channel="C2")][:2] == [("Bravo", 15), ("Alpha", 0)]
    assert [(t.name, t.points) for t in teams(world, period=Period.ALL)][:2] == [("Alpha", 60), ("Bravo", 30)]


def test_team_board_counts_current_members_only(world: World) -> None:
    _three_teams(world)
    world.session.delete(world.session.get(TeamMember, world.users["b1"]))  # b1 left Bravo
    world.session.flush()
    bravo = next(t for t in teams(world) if t.name == "Bravo")
    assert (bravo.members, bravo.points, bravo.avg_per_member) == (1, 15, 15.0)


def test_team_ties_are_ordered(world: World) -> None:
    for user_id in ("x", "y", "z"):
        world.user(user_id)
    world.team("Zulu", "z")
    world.team("Yankee", "y")
    world.team("Xray", "x")
    world.answer("x", IN_WEEK, 10)
    world.answer("y", IN_WEEK, 10)
    world.answer("z", IN_WEEK, 10)
    world.answer("z", IN_WEEK, 0)  # lower accuracy
    assert [t.name for t in teams(world)] == ["Xray", "Yankee", "Zulu"]


def test_teams_of_other_workspaces_are_not_shown(world: World) -> None:
    world.user("U1")
    world.team("Ours", "U1")
    world.user("X1", workspace="T2")
    world.team("Theirs", "X1", workspace="T2")
    assert [t.name for t in teams(world)] == ["Ours"]


# --- player stats and most improved -------------------------------------------------------------------------


def test_player_stats(world: World) -> None:
    for user_id in ("U1", "U2", "U3", "idle"):
        world.user(user_id)
    world.team("Alpha", "U1")
    world.answer("U1", IN_WEEK, 10)
    world.answer("U1", IN_WEEK, 5, score=0.5)
    world.answer("U1", LAST_WEEK, 10, channel="C2")
    world.answer("U2", IN_WEEK, 40)
    world.answer("U3", IN_WEEK, 15)  # ties U1 on points with better accuracy: ahead of U1
    every_day = weekday_predicate(None)
    for day in (9, 10):
        record_answer_day(
            world.session,
            user_pk=world.users["U1"],
            scopes=["*"],
            day=date(2026, 3, day),
            is_active_day=every_day,
        )

    def stats(user_id: str) -> PlayerStats:
        return player_stats(
            world.session,
            user_pk=world.users[user_id],
            platform="slack",
            workspace_id="T1",
            now=NOW,
            tz=BERLIN,
        )

    mine = stats("U1")
    assert (mine.points_week, mine.points_all, mine.answered, mine.correct) == (15, 25, 3, 2)
    assert mine.accuracy == pytest.approx(2 / 3)
    assert (mine.streak, mine.best_streak, mine.rank_week, mine.team) == (2, 2, 3, "Alpha")
    assert stats("U2").rank_week == 1
    assert stats("U3").rank_week == 2
    idle = stats("idle")
    assert (idle.points_week, idle.points_all, idle.answered, idle.accuracy) == (0, 0, 0, 0.0)
    assert (idle.streak, idle.best_streak, idle.rank_week, idle.team) == (0, 0, None, None)


def test_player_weekly_rank_matches_the_board(world: World) -> None:
    for user_id in ("U6", "U5", "U4", "U3", "U2", "U1"):
        world.user(user_id)
    for user_id, points in (("U1", 10), ("U2", 10), ("U3", 20), ("U4", 10), ("U5", 5), ("U6", 10)):
        world.answer(user_id, IN_WEEK, points)
    world.answer("U4", IN_WEEK, 0)
    standings = board(world)
    for standing in standings:
        stats = player_stats(
            world.session, user_pk=standing.user_pk, platform="slack", workspace_id="T1", now=NOW, tz=BERLIN
        )
        assert stats.rank_week == standing.rank, standing.user_id


def test_most_improved(world: World) -> None:
    for user_id in ("steady", "riser", "newcomer", "faller", "other"):
        world.user(user_id)
    week_before = LAST_WEEK - timedelta(days=7)
    monday = local(BERLIN, 2026, 3, 9, 9)  # the Monday post: last week is 2-8 March
    world.answer("steady", week_before, 20)
    world.answer("steady", LAST_WEEK, 20)  # no rise
    world.answer("riser", week_before, 10)
    world.answer("riser", LAST_WEEK, 40)  # +30
    world.answer("newcomer", LAST_WEEK, 30)  # +30 from nothing, fewer last-week points than riser
    world.answer("faller", week_before, 50)
    world.answer("faller", LAST_WEEK, 10)  # fell
    world.answer("other", LAST_WEEK, 90, channel="C2")  # other channel
    world.answer("riser", monday, 100)  # this week: not counted

    def improved(channel: str | None, limit: int = 3) -> list[tuple[str, int, int]]:
        rows = most_improved(
            world.session,
            platform="slack",
            workspace_id="T1",
            channel_id=channel,
            now=monday,
            tz=BERLIN,
            limit=limit,
        )
        return [(s.user_id, s.points, rise) for s, rise in rows]

    assert improved("C1") == [("riser", 40, 30), ("newcomer", 30, 30)]
    assert improved(None) == [("other", 90, 90), ("riser", 40, 30), ("newcomer", 30, 30)]
    assert improved(None, limit=1) == [("other", 90, 90)]
    assert improved("C9") == []
    first = most_improved(
        world.session, platform="slack", workspace_id="T1", channel_id="C1", now=monday, tz=BERLIN
    )
    assert first[0][0].rank == 1 and first[0][0].answered == 1 and first[0][0].accuracy == 1.0
