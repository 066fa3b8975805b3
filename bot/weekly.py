"""The Monday leaderboard post: last week's top players and team table, the longest running streaks and the
most improved players, with a PNG chart of the team standings (``bot.charts``).

Scope: the workspace of the schedule's channel (teams are workspace-wide); weeks are Monday to Sunday in the
schedule's time zone, so a post on Monday 09:00 Europe/Berlin covers the Berlin week that just ended.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.charts import team_standings_png
from bot.leaderboard import (
    Period,
    individual_leaderboard,
    most_improved,
    period_bounds,
    season_since,
    team_leaderboard,
)
from bot.messages import Leaderboard, LeaderboardRow, NamedCount, WeeklyDigest
from bot.storage.models import Streak, User
from bot.streaks import WORKSPACE_SCOPE, StreakState, live, local_day, schedule_predicate

TOP_PLAYERS = 10
TOP_STREAKS = 3
TOP_IMPROVED = 3
STREAK_CANDIDATES = 50


def longest_streaks(
    session: Session, *, platform: str, workspace_id: str, now: datetime, tz: str, limit: int = TOP_STREAKS
) -> list[NamedCount]:
    """The workspace's longest live streaks (a streak broken by a missed active day does not count)."""
    rows = session.execute(
        select(User.user_id, User.display_name, Streak.current, Streak.best, Streak.last_date)
        .join(User, User.id == Streak.user_pk)
        .where(
            Streak.scope == WORKSPACE_SCOPE,
            Streak.current > 0,
            User.platform == platform,
            User.workspace_id == workspace_id,
        )
        .order_by(Streak.current.desc(), User.user_id)
        .limit(STREAK_CANDIDATES)
    ).all()
    if not rows:
        return []
    today = local_day(now, tz)
    active = schedule_predicate(session, platform=platform, workspace_id=workspace_id, channel_id=None)
    found = []
    for row in rows:
        state = live(StreakState(row.current, row.best, row.last_date), today, active)
        if state.current > 0:
            found.append(NamedCount(row.display_name or row.user_id, state.current))
    found.sort(key=lambda entry: -entry.value)  # stable: ties keep the user-id order
    return found[:limit]


def weekly_digest(
    session: Session, *, platform: str, workspace_id: str, now: datetime, tz: str, chart: bool = True
) -> WeeklyDigest:
    """Last week's standings as one message (``chart``: draw the team standings PNG)."""
    start, end = period_bounds(Period.LAST_WEEK, now, tz)
    players = individual_leaderboard(
        session,
        platform=platform,
        workspace_id=workspace_id,
        channel_id=None,
        period=Period.LAST_WEEK,
        now=now,
        tz=tz,
        limit=TOP_PLAYERS,
    )
    teams = team_leaderboard(
        session,
        platform=platform,
        workspace_id=workspace_id,
        channel_id=None,
        period=Period.LAST_WEEK,
        now=now,
        tz=tz,
    )
    player_rows = tuple(
        LeaderboardRow(p.rank, p.display_name or p.user_id, p.points, p.answered, p.accuracy, streak=p.streak)
        for p in players
    )
    team_rows = tuple(
        LeaderboardRow(
            t.rank,
            t.name,
            t.points,
            t.answered,
            t.accuracy,
            members=t.members,
            avg_per_member=t.avg_per_member,
        )
        for t in teams
    )
    improved = most_improved(
        session,
        platform=platform,
        workspace_id=workspace_id,
        channel_id=None,
        now=now,
        tz=tz,
        limit=TOP_IMPROVED,
    )
    period = Period.LAST_WEEK.value
    title = "Team standings, last week"
    if start is not None:
        title += f" (week of {local_day(start, tz):%d %b %Y})"
    since = season_since(
        session,
        Period.LAST_WEEK,
        now=now,
        tz=tz,
        platform=platform,
        workspace_id=workspace_id,
        channel_id=None,
    )
    return WeeklyDigest(
        players=Leaderboard(period, False, player_rows, start, end, since=since),
        teams=Leaderboard(period, True, team_rows, start, end, since=since),
        streaks=tuple(longest_streaks(session, platform=platform, workspace_id=workspace_id, now=now, tz=tz)),
        improved=tuple(NamedCount(s.display_name or s.user_id, rise) for s, rise in improved),
        chart_png=team_standings_png(team_rows, title) if chart else None,
    )
