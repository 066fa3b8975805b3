"""Player-facing services beside the quiz (teams, DM preference, stats, leaderboards) and the ``Services``
container the dispatcher and the scheduler receive.

Like ``bot.quiz``, these are synchronous, take the caller's session (one unit of work per event) and return
neutral messages. Team names and display names are user-provided: they are cleaned of control characters
(``bot.commands.clean_name``) when stored and carried as data in messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.commands import MAX_TEAM_NAME_CHARS, clean_name
from bot.events import Actor, Where
from bot.leaderboard import (
    Period,
    individual_leaderboard,
    period_bounds,
    player_stats,
    team_leaderboard,
)
from bot.messages import (
    Leaderboard,
    LeaderboardRow,
    Notice,
    Stats,
    TeamEntry,
    TeamList,
    info,
    warning,
)
from bot.quiz import QuizService, ensure_user, insert_ignoring_conflict, utc
from bot.storage.models import Team, TeamMember


@dataclass(frozen=True)
class TeamSync:
    """What syncing a team from a platform group changed."""

    team: str
    added: int
    removed: int
    members: int


class PlayerService:
    """Teams, the DM preference, ``/quiz me`` and the leaderboards."""

    def __init__(self, clock: Clock, timezone: str = "UTC") -> None:
        self._clock = clock
        self._timezone = timezone

    def stats(self, session: Session, actor: Actor) -> Stats:
        """The actor's points, accuracy, streak and rank (``/quiz me``)."""
        now = utc(self._clock.now())
        user = ensure_user(session, actor, now)
        s = player_stats(
            session,
            user_pk=user.id,
            platform=actor.platform,
            workspace_id=actor.workspace_id,
            now=now,
            tz=self._timezone,
        )
        return Stats(
            display_name=user.display_name or actor.user_id,
            points_week=s.points_week,
            points_all=s.points_all,
            answered=s.answered,
            correct=s.correct,
            accuracy=s.accuracy,
            streak=s.streak,
            best_streak=s.best_streak,
            rank_week=s.rank_week,
            team=s.team,
            dm_feedback=user.dm_feedback,
        )

    def leaderboard(
        self,
        session: Session,
        where: Where,
        period: str,
        *,
        teams: bool,
        channel_only: bool = False,
        limit: int = 10,
    ) -> Leaderboard:
        """The workspace's leaderboard for ``period`` (players, or teams); ``channel_only`` limits it to
        answers given in ``where``'s channel (scheduled channel boards)."""
        now = utc(self._clock.now())
        which = Period(period)
        channel = where.channel_id if channel_only else None
        start, end = period_bounds(which, now, self._timezone)
        rows: tuple[LeaderboardRow, ...]
        if teams:
            standings = team_leaderboard(
                session,
                platform=where.platform,
                workspace_id=where.workspace_id,
                channel_id=channel,
                period=which,
                now=now,
                tz=self._timezone,
            )
            rows = tuple(
                LeaderboardRow(
                    rank=t.rank,
                    name=t.name,
                    points=t.points,
                    answered=t.answered,
                    accuracy=t.accuracy,
                    members=t.members,
                    avg_per_member=t.avg_per_member,
                )
                for t in standings
            )
        else:
            players = individual_leaderboard(
                session,
                platform=where.platform,
                workspace_id=where.workspace_id,
                channel_id=channel,
                period=which,
                now=now,
                tz=self._timezone,
                limit=limit,
            )
            rows = tuple(
                LeaderboardRow(
                    rank=p.rank,
                    name=p.display_name or p.user_id,
                    points=p.points,
                    answered=p.answered,
                    accuracy=p.accuracy,
                    streak=p.streak,
                )
                for p in players
            )
        return Leaderboard(
            period=which.value, teams=teams, rows=rows, starts=start, ends=end, channel_only=channel_only
        )

    def set_dm(self, session: Session, actor: Actor, on: bool) -> Notice:
        """Switch detailed feedback DMs on or off."""
        user = ensure_user(session, actor, self._clock.now())
        user.dm_feedback = on
        if on:
            return info("Feedback will come as a direct message.")
        return info("Feedback DMs are off: you will get a short private reply instead.")

    def join_team(self, session: Session, actor: Actor, name: str) -> Notice:
        """Join the team called ``name`` (case-insensitive), creating it if needed; leaves any other team."""
        name = clean_name(name, MAX_TEAM_NAME_CHARS)
        if not name:
            return warning("Name the team: /quiz team join NAME.")
        now = utc(self._clock.now())
        user = ensure_user(session, actor, now)
        team = self._find_team(session, actor.platform, actor.workspace_id, name)
        if team is None:
            insert_ignoring_conflict(
                session,
                Team,
                {
                    "platform": actor.platform,
                    "workspace_id": actor.workspace_id,
                    "name": name,
                    "created_at": now,
                },
            )
            team = self._find_team(session, actor.platform, actor.workspace_id, name)
            assert team is not None
        current = session.get(TeamMember, user.id)
        if current is not None and current.team_id == team.id:
            return info("You are already in team", echo=team.name)
        self._set_membership(session, user.id, team.id, now)
        return info("You joined team", echo=team.name)

    def leave_team(self, session: Session, actor: Actor) -> Notice:
        """Leave the actor's team."""
        user = ensure_user(session, actor, self._clock.now())
        member = session.get(TeamMember, user.id)
        if member is None:
            return info("You are not in a team.")
        team = session.get(Team, member.team_id)
        session.delete(member)
        return info("You left team", echo=team.name if team else None)

    def list_teams(self, session: Session, actor: Actor) -> TeamList:
        """The workspace's teams with their sizes, and the actor's team."""
        user = ensure_user(session, actor, self._clock.now())
        rows = session.execute(
            select(Team.id, Team.name, func.count(TeamMember.user_pk))
            .outerjoin(TeamMember, TeamMember.team_id == Team.id)
            .where(Team.platform == actor.platform, Team.workspace_id == actor.workspace_id)
            .group_by(Team.id, Team.name)
        ).all()
        member = session.get(TeamMember, user.id)
        mine = next((name for tid, name, _ in rows if member is not None and tid == member.team_id), None)
        entries = tuple(
            TeamEntry(name, count) for _, name, count in sorted(rows, key=lambda r: r[1].casefold())
        )
        return TeamList(entries, mine)

    def sync_team_members(
        self,
        session: Session,
        *,
        platform: str,
        workspace_id: str,
        external_ref: str,
        name: str,
        user_ids: Sequence[str],
        display_names: dict[str, str] | None = None,
    ) -> TeamSync:
        """Make a team mapped to a platform group (Slack user group, Discord role: ``external_ref``) hold
        exactly ``user_ids``: adds (moving them from other teams) and removes members. Creates the team
        (named ``name``, or the existing team of that name is linked) when needed."""
        now = utc(self._clock.now())
        team = session.scalars(
            select(Team).where(
                Team.platform == platform,
                Team.workspace_id == workspace_id,
                Team.external_ref == external_ref,
            )
        ).first()
        if team is None:
            clean = clean_name(name, MAX_TEAM_NAME_CHARS) or external_ref[:MAX_TEAM_NAME_CHARS]
            team = self._find_team(session, platform, workspace_id, clean)
            if team is None:
                team = Team(platform=platform, workspace_id=workspace_id, name=clean, created_at=now)
                session.add(team)
            team.external_ref = external_ref
            session.flush()
        names = display_names or {}
        wanted: set[int] = set()
        for uid in dict.fromkeys(user_ids):
            actor = Actor(platform, workspace_id, uid, names.get(uid))
            wanted.add(ensure_user(session, actor, now).id)
        current = set(session.scalars(select(TeamMember.user_pk).where(TeamMember.team_id == team.id)))
        for user_pk in sorted(wanted - current):
            self._set_membership(session, user_pk, team.id, now)
        gone = current - wanted
        if gone:
            session.execute(
                delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_pk.in_(gone))
            )
        session.flush()
        return TeamSync(team=team.name, added=len(wanted - current), removed=len(gone), members=len(wanted))

    @staticmethod
    def _find_team(session: Session, platform: str, workspace_id: str, name: str) -> Team | None:
        return session.scalars(
            select(Team).where(
                Team.platform == platform,
                Team.workspace_id == workspace_id,
                func.lower(Team.name) == name.lower(),
            )
        ).first()

    @staticmethod
    def _set_membership(session: Session, user_pk: int, team_id: int, now: datetime) -> None:
        member = session.get(TeamMember, user_pk)
        if member is None:
            session.add(TeamMember(user_pk=user_pk, team_id=team_id, joined_at=now))
        else:
            member.team_id, member.joined_at = team_id, now
        session.flush()


@dataclass(frozen=True)
class Services:
    """The services one running bot shares between the dispatcher, the scheduler and the adapters."""

    clock: Clock
    quiz: QuizService
    players: PlayerService
    instructors: frozenset[str] = frozenset()

    def is_instructor(self, actor: Actor) -> bool:
        """Platform admins and the configured ``Settings.instructors`` (user ids) are instructors."""
        return actor.is_admin or actor.user_id in self.instructors
