"""Teams that follow a platform group (Slack user group, Discord role): ``/quiz team link|unlink``, the
membership sync on every event, and its cache (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import commands as cmd
from bot.dispatcher import Dispatcher
from bot.events import Actor, ChoiceSelected, CommandInvoked
from bot.instructor import InstructorHandler
from bot.messages import Leaderboard, Notice, NoticeLevel, Stats
from bot.storage.models import Team, TeamMember, User
from bot.team_groups import BadGroup, GroupRef, LinkCache, label_of, name_ref, parse_group, split_link

from .quizkit import PLATFORM, START, WORKSPACE, Env, Sent
from .test_answer_path import counted_statements, post_to_channel

BACKEND = ("S0123", "@backend")
FRONTEND = ("S0456", "@frontend")


@pytest.fixture
def teams(env: Env) -> Env:
    """The engine env with the instructor commands wired (``teacher`` is an instructor)."""
    env.dispatcher = Dispatcher(
        env.services, env.port, env.sessions, instructor_handler=InstructorHandler(env.services)
    )
    return env


def person(user: str, groups: tuple[str, ...] | None) -> Actor:
    return Actor(PLATFORM, WORKSPACE, user, user.lower(), groups=groups)


def run(env: Env, text: str, user: str = "teacher", groups: tuple[str, ...] | None = ()) -> Notice:
    sent = env.handle(CommandInvoked(person(user, groups), env.where, text, env.delivery()))
    assert len(sent) == 1, sent
    notice = sent[0].message
    assert isinstance(notice, Notice), notice
    return notice


def me(env: Env, user: str, groups: tuple[str, ...] | None) -> str | None:
    """``/quiz me`` by ``user``: the team it shows (synced in the same event)."""
    sent = env.handle(CommandInvoked(person(user, groups), env.where, "me", env.delivery()))
    stats = sent[0].message
    assert isinstance(stats, Stats), stats
    return stats.team


def click(env: Env, post_id: int, user: str, groups: tuple[str, ...] | None, key: str = "B") -> list[Sent]:
    return env.handle(ChoiceSelected(person(user, groups), env.where, post_id, (key,), env.delivery()))


def team_of(env: Env, user: str) -> str | None:
    with env.sessions() as s:
        return s.scalars(
            select(Team.name)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .join(User, User.id == TeamMember.user_pk)
            .where(User.user_id == user)
        ).first()


def refs(env: Env) -> dict[str, str | None]:
    with env.sessions() as s:
        return {t.name: t.external_ref for t in s.scalars(select(Team))}


# --- parsing ------------------------------------------------------------------------------------------------


def test_link_and_unlink_parse_to_instructor_commands() -> None:
    link = cmd.parse_command("/quiz team link Backend <!subteam^S0123|@backend>")
    assert link == cmd.InstructorCommand("team", "link Backend <!subteam^S0123|@backend>")
    assert isinstance(link, cmd.InstructorCommand) and link.name == "team link"
    unlink = cmd.parse_command("teams UNLINK Blue Whales")
    assert unlink == cmd.InstructorCommand("team", "unlink Blue Whales")
    assert isinstance(unlink, cmd.InstructorCommand) and unlink.name == "team unlink"
    assert cmd.parse_command("team join Backend") == cmd.JoinTeam("Backend")  # players' commands unchanged
    bad = cmd.parse_command("team frobnicate")
    assert isinstance(bad, cmd.ShowHelp) and "team link NAME GROUP" in (bad.problem or "")
    assert any(usage.startswith("/quiz team link") for usage, _ in cmd.INSTRUCTOR_HELP_LINES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!subteam^S0123|@backend>", GroupRef("S0123", "@backend")),
        ("<!subteam^S0123>", GroupRef("S0123", "S0123")),
        ("<@&987654321>", GroupRef("987654321", "987654321")),
        ("<@&987654321|@Backend  Team>", GroupRef("987654321", "@backend team")),
        ("@BackEnd", GroupRef("@backend", "@backend")),
        ("@Backend Team", GroupRef("@backend team", "@backend team")),
        ("S0123", GroupRef("S0123", "S0123")),
        ("987654321", GroupRef("987654321", "987654321")),
    ],
)
def test_group_forms_are_normalised(text: str, expected: GroupRef) -> None:
    assert parse_group(text) == expected


@pytest.mark.parametrize("text", ["Whales", "@", "<!channel>", "<@U123>", "S0123 extra", "@a<b>"])
def test_what_is_not_a_group_is_refused(text: str) -> None:
    with pytest.raises(BadGroup):
        parse_group(text)


def test_name_and_group_are_split_and_labels_found() -> None:
    assert split_link(["Blue", "Whales", "<!subteam^S1|@bw>"]) == ("Blue Whales", "<!subteam^S1|@bw>")
    assert split_link(["Backend", "@backend", "team"]) == ("Backend", "@backend team")
    assert split_link(["Backend", "S0123"]) == ("Backend", "S0123")
    assert split_link(["Backend"]) == ("Backend", "")
    assert split_link(["@ops", "@ops"]) == ("@ops", "@ops")
    assert split_link(["Ops", "@", "home", "<@&42|@ops", "team>"]) == ("Ops @ home", "<@&42|@ops team>")
    assert name_ref("  Backend   Team ") == "@backend team" and name_ref("@Ops") == "@ops"
    assert label_of("S0123", BACKEND) == "@backend" and label_of("S0123", None) == "S0123"
    assert label_of("@ops", ()) == "@ops"


# --- linking ------------------------------------------------------------------------------------------------


def test_only_instructors_link_teams(teams: Env) -> None:
    refused = run(teams, "team link Backend @backend", user="U1")
    assert refused.level is NoticeLevel.ERROR
    assert refused.text == "Only instructors can use /quiz team link."
    assert run(teams, "team unlink Backend", user="U1").text == "Only instructors can use /quiz team unlink."
    assert refs(teams) == {}


def test_link_stores_the_group_and_says_so(teams: Env) -> None:
    done = run(teams, "team link Backend <!subteam^S0123|@backend>")
    assert done.level is NoticeLevel.INFO
    assert done.text == (
        "Team “Backend” now follows the group @backend: members join it as they use the quiz."
    )
    assert refs(teams) == {"Backend": "S0123"}
    assert "already follows" in run(teams, "team link backend S0123").text
    taken = run(teams, "team link Other <!subteam^S0123>")
    assert taken.level is NoticeLevel.ERROR and "already linked to team “Backend”" in taken.text
    assert "Other" not in refs(teams)
    moved = run(teams, "team link Backend @BackEnd")  # one group per team: the new one replaces the old
    assert "now follows the group @backend" in moved.text and "no longer follows S0123" in moved.text
    assert refs(teams) == {"Backend": "@backend"}
    run(teams, "team join Blue Whales", user="U9", groups=None)  # an existing self-joined team can be linked
    assert (
        "“Blue Whales” now follows the group 987654321"
        in run(teams, "team link blue whales <@&987654321>").text
    )
    assert refs(teams) == {"Backend": "@backend", "Blue Whales": "987654321"}
    bad = run(teams, "team link Backend Whales")
    assert bad.level is NoticeLevel.ERROR and bad.echo == "Whales"
    assert "GROUP is" in run(teams, "team link Backend").text
    unlinked = run(teams, "team unlink Blue Whales")
    assert "no longer follows the group 987654321" in unlinked.text
    assert refs(teams)["Blue Whales"] is None and team_of(teams, "U9") == "Blue Whales"  # members stay
    assert "does not follow a group" in run(teams, "team unlink Blue Whales").text
    assert run(teams, "team unlink Nobody").level is NoticeLevel.ERROR


# --- syncing ------------------------------------------------------------------------------------------------


def test_members_follow_their_group_in_and_out(teams: Env) -> None:
    post = post_to_channel(teams)
    click(teams, post, "U1", BACKEND)  # before any link: warms the cache with "no links"
    run(teams, "team join Solo", user="U3", groups=FRONTEND)
    run(teams, "team join Mixed", user="U2", groups=None)
    run(teams, "team link Backend @backend")  # invalidates the cache in this process
    click(teams, post, "U2", BACKEND)  # in a self-joined team, but the linked group decides
    assert (team_of(teams, "U1"), team_of(teams, "U2")) == (None, "Backend")
    assert me(teams, "U1", BACKEND) == "Backend"
    assert me(teams, "U3", FRONTEND) == "Solo"  # no linked group: a self-joined team is left alone
    assert me(teams, "U2", None) == "Backend"  # groups unknown: nothing changes
    assert me(teams, "U2", FRONTEND) is None  # left the group: leaves the linked team
    assert team_of(teams, "U2") is None


def test_several_linked_groups_pick_the_oldest_team(teams: Env) -> None:
    run(teams, "team link Frontend S0456")
    run(teams, "team link Backend S0123")
    me(teams, "U1", BACKEND + FRONTEND)
    assert team_of(teams, "U1") == "Frontend"  # the lower team id, whatever the order of the groups
    me(teams, "U1", BACKEND)
    assert team_of(teams, "U1") == "Backend"


def test_a_linked_group_decides_team_join_and_leave(teams: Env) -> None:
    run(teams, "team link Backend <!subteam^S0123|@backend>")
    join = run(teams, "team join Red", user="U1", groups=BACKEND)
    assert join.level is NoticeLevel.WARNING
    assert join.text.startswith("Your team follows your group @backend: you are in team “Backend”")
    leave = run(teams, "team leave", user="U1", groups=BACKEND)
    assert leave.text.startswith("Your team follows your group @backend")
    assert team_of(teams, "U1") == "Backend"
    outsider = run(teams, "team join backend", user="U2", groups=FRONTEND)
    assert outsider.level is NoticeLevel.WARNING and "follows the group S0123" in outsider.text
    assert team_of(teams, "U2") is None
    assert "You joined team" in run(teams, "team join Red", user="U2", groups=FRONTEND).text


def test_the_team_leaderboard_shows_the_linked_team_with_its_members(teams: Env) -> None:
    run(teams, "team link Backend @backend")
    post = post_to_channel(teams)
    click(teams, post, "U1", BACKEND)
    click(teams, post, "U2", BACKEND, key="A")
    click(teams, post, "U3", FRONTEND)
    sent = teams.handle(
        CommandInvoked(person("U1", BACKEND), teams.where, "leaderboard teams", teams.delivery())
    )
    board = sent[0].message
    assert isinstance(board, Leaderboard) and board.teams
    assert [(r.name, r.members, r.answered) for r in board.rows] == [("Backend", 2, 2)]
    assert board.rows[0].points > 0


def test_the_cache_costs_no_sql_for_people_outside_linked_groups(teams: Env) -> None:
    run(teams, "team link Backend @backend")
    post = post_to_channel(teams)
    click(teams, post, "U1", BACKEND)  # joins Backend (which drops the cached links again)
    me(teams, "U4", FRONTEND)  # reads the links into the cache
    engine = teams.sessions.kw["bind"]

    def statements(user: str, groups: tuple[str, ...] | None) -> list[str]:
        with counted_statements(engine) as seen:
            replies = click(teams, post, user, groups)
        assert replies, "answered"
        return seen

    unknown = statements("U2", None)
    outside = statements("U3", FRONTEND)
    assert len(outside) == len(unknown)
    assert not any("external_ref" in s or "team_members" in s for s in outside)
    member = statements("U1", BACKEND)  # a member answering again: the sync checks their membership
    assert any("team_members" in s for s in member)


def test_links_made_elsewhere_show_after_the_ttl(teams: Env) -> None:
    now = [0.0]
    teams.players.links = LinkCache(ttl=60, clock=lambda: now[0])
    me(teams, "U1", BACKEND)  # caches "no links"
    with teams.sessions() as s:  # another process links a team: this one's cache does not know
        s.add(
            Team(
                platform=PLATFORM,
                workspace_id=WORKSPACE,
                name="Backend",
                external_ref="@backend",
                created_at=START,
            )
        )
        s.commit()
    assert me(teams, "U1", BACKEND) is None
    now[0] = 61.0
    assert me(teams, "U1", BACKEND) == "Backend"
    with teams.sessions() as s:  # ... and unlinks it: a cached link is checked before anyone is moved
        team = s.scalars(select(Team).where(Team.name == "Backend")).one()
        team.external_ref = None
        s.commit()
    assert me(teams, "U2", BACKEND) is None
