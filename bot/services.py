"""Player-facing services beside the quiz (teams, DM preference, stats, leaderboards) and the ``Services``
container the dispatcher and the scheduler receive.

Like ``bot.quiz``, these are synchronous, take the caller's session (one unit of work per event) and return
neutral messages. Team names and display names are user-provided: they are cleaned of control characters
(``bot.commands.clean_name``) when stored and carried as data in messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event as orm_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.bank_imports import BankImportService
from bot.clock import Clock
from bot.commands import MAX_TEAM_NAME_CHARS, clean_name
from bot.events import Actor, Where
from bot.leaderboard import (
    Period,
    individual_leaderboard,
    period_bounds,
    player_stats,
    season_since,
    team_leaderboard,
)
from bot.messages import (
    Leaderboard,
    LeaderboardRow,
    Notice,
    Stats,
    TeamEntry,
    TeamList,
    error,
    info,
    warning,
)
from bot.quiz import QuizService, ensure_user, insert_ignoring_conflict, utc
from bot.storage.models import Team, TeamMember
from bot.team_groups import GroupRef, LinkCache, label_of


class PlayerService:
    """Teams (self-joined, or following a platform group), the DM preference, ``/quiz me`` and the
    leaderboards. ``links`` caches which teams follow which groups (``bot.team_groups``)."""

    def __init__(self, clock: Clock, timezone: str = "UTC", *, links: LinkCache | None = None) -> None:
        self._clock = clock
        self._timezone = timezone
        self.links = links or LinkCache()

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
        since = season_since(
            session,
            which,
            now=now,
            tz=self._timezone,
            platform=where.platform,
            workspace_id=where.workspace_id,
            channel_id=channel,
        )
        return Leaderboard(
            period=which.value,
            teams=teams,
            rows=rows,
            starts=start,
            ends=end,
            channel_only=channel_only,
            since=since,
        )

    def set_dm(self, session: Session, actor: Actor, on: bool) -> Notice:
        """Switch detailed feedback DMs on or off."""
        user = ensure_user(session, actor, self._clock.now())
        user.dm_feedback = on
        if on:
            return info("Feedback will come as a direct message.")
        return info("Feedback DMs are off: you will get a short private reply instead.")

    def join_team(self, session: Session, actor: Actor, name: str) -> Notice:
        """Join the team called ``name`` (case-insensitive), creating it if needed; leaves any other team.
        Refused when the actor's group decides their team, or when that team follows a group."""
        name = clean_name(name, MAX_TEAM_NAME_CHARS)
        if not name:
            return warning("Name the team: /quiz team join NAME.")
        now = utc(self._clock.now())
        user = ensure_user(session, actor, now)
        decided = self._group_decides(session, actor)
        if decided is not None:
            return decided
        team = self._find_team(session, actor.platform, actor.workspace_id, name)
        if team is not None and team.external_ref is not None:
            label = label_of(team.external_ref, actor.groups)
            return warning(
                f"Team “{team.name}” follows the group {label}: its members are the group's members, "
                "who join it as they use the quiz."
            )
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
        """Leave the actor's team (refused while the actor's group decides it)."""
        user = ensure_user(session, actor, self._clock.now())
        member = session.get(TeamMember, user.id)
        if member is None:
            return info("You are not in a team.")
        decided = self._group_decides(session, actor)
        if decided is not None:
            return decided
        team = session.get(Team, member.team_id)
        session.delete(member)
        return info("You left team", echo=team.name if team else None)

    def _group_decides(self, session: Session, actor: Actor) -> Notice | None:
        """The answer to a team join/leave when one of the actor's groups is linked to a team, else None."""
        if actor.groups is None:
            return None
        links = self.links.get(session, actor.platform, actor.workspace_id)
        team_id = links.team_for(actor.groups)
        if team_id is None:
            return None
        team = session.get(Team, team_id)
        if team is None or team.external_ref is None:
            return None
        label = label_of(team.external_ref, actor.groups)
        return warning(
            f"Your team follows your group {label}: you are in team “{team.name}” while you are in that "
            "group (an instructor can change this with /quiz team unlink)."
        )

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

    # --- teams that follow platform groups (``bot.team_groups``) ------------------------------------------

    def sync_groups(self, session: Session, actor: Actor) -> None:
        """Put the actor in the team linked to one of their groups (moving them from any other team), or
        take them out of a linked team whose group they left; self-joined teams are kept otherwise.

        Nothing happens for an actor whose ``groups`` are unknown (None), and no SQL runs for one in no
        linked group and no linked team (the workspace's links are cached)."""
        if actor.groups is None:
            return
        platform, workspace_id = actor.platform, actor.workspace_id
        links = self.links.get(session, platform, workspace_id)
        wanted = links.team_for(actor.groups)
        if wanted is None and actor.user_id not in links.members:
            return
        now = utc(self._clock.now())
        user = ensure_user(session, actor, now)
        member = session.get(TeamMember, user.id)
        if wanted is not None:
            if member is not None and member.team_id == wanted:
                return
            team = session.get(Team, wanted)
            if team is None or team.external_ref not in actor.groups:  # unlinked elsewhere since cached
                self.links.forget(platform, workspace_id)
                return
            self._set_membership(session, user.id, wanted, now)
        elif member is not None and member.team_id in links.team_ids:
            session.delete(member)
            session.flush()
        else:
            return
        self._links_changed(session, platform, workspace_id)

    def link_team(self, session: Session, actor: Actor, name: str, group: GroupRef) -> Notice:
        """``/quiz team link NAME GROUP``: team ``name`` (created if needed) follows ``group`` from now on
        (one group per team; a group follows one team)."""
        name = clean_name(name, MAX_TEAM_NAME_CHARS)
        if not name:
            return error("Name the team: /quiz team link NAME GROUP.")
        platform, workspace_id = actor.platform, actor.workspace_id
        taken = session.scalars(
            select(Team).where(
                Team.platform == platform,
                Team.workspace_id == workspace_id,
                Team.external_ref == group.ref,
            )
        ).first()
        team = self._find_team(session, platform, workspace_id, name)
        if taken is not None and (team is None or taken.id != team.id):
            return error(
                f"The group {group.label} is already linked to team “{taken.name}”: unlink it first with "
                f"/quiz team unlink {taken.name}."
            )
        if team is not None and team.external_ref == group.ref:
            return info(f"Team “{team.name}” already follows the group {group.label}.")
        if team is None:
            values = {"platform": platform, "workspace_id": workspace_id, "name": name}
            insert_ignoring_conflict(session, Team, {**values, "created_at": utc(self._clock.now())})
            team = self._find_team(session, platform, workspace_id, name)
            assert team is not None
        previous = team.external_ref
        team.external_ref = group.ref
        session.flush()
        self._links_changed(session, platform, workspace_id)
        text = (
            f"Team “{team.name}” now follows the group {group.label}: members join it as they use the quiz."
        )
        if previous is not None:
            text += (
                f" It no longer follows {label_of(previous, actor.groups)}: members not in the new group "
                "leave it as they use the quiz."
            )
        return info(text)

    def unlink_team(self, session: Session, actor: Actor, name: str) -> Notice:
        """``/quiz team unlink NAME``: the team stops following its group; its members stay in it."""
        name = clean_name(name, MAX_TEAM_NAME_CHARS)
        if not name:
            return error("Name the team: /quiz team unlink NAME.")
        team = self._find_team(session, actor.platform, actor.workspace_id, name)
        if team is None:
            return error("There is no team by that name (/quiz team list lists them):", echo=name)
        if team.external_ref is None:
            return info(f"Team “{team.name}” does not follow a group.")
        label = label_of(team.external_ref, actor.groups)
        team.external_ref = None
        session.flush()
        self._links_changed(session, actor.platform, actor.workspace_id)
        return info(
            f"Team “{team.name}” no longer follows the group {label}; its members stay in it as an ordinary "
            "team (they can leave with /quiz team leave)."
        )

    def _links_changed(self, session: Session, platform: str, workspace_id: str) -> None:
        """Forget the workspace's cached links now and again after the commit (a read in between may have
        cached what is being replaced)."""
        links = self.links
        links.forget(platform, workspace_id)
        orm_event.listen(session, "after_commit", lambda _s: links.forget(platform, workspace_id), once=True)

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
    banks: BankImportService = field(init=False)  # ``/quiz import`` from a chat

    def __post_init__(self) -> None:
        object.__setattr__(self, "banks", BankImportService(self.clock))

    def is_instructor(self, actor: Actor) -> bool:
        """Platform admins and the configured ``Settings.instructors`` (user ids) are instructors."""
        return actor.is_admin or actor.user_id in self.instructors
