"""Teams, the DM preference, /quiz me, leaderboards, help, and the dispatcher's instructor hook."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.commands import InstructorCommand
from bot.dispatcher import Dispatcher
from bot.events import Actor, Where
from bot.messages import Help, Leaderboard, Notice, NoticeLevel, QuestionCard, Stats, TeamList, info
from bot.ports import Reply, ToUser
from bot.render_text import render_leaderboard

from .quizkit import Env


def one(sent: list) -> object:  # type: ignore[type-arg]
    assert len(sent) == 1, sent
    return sent[0].message


def answer_channel_question(env: Env, users: dict[str, tuple[str, ...]]) -> QuestionCard:
    env.clock.advance(timedelta(seconds=1))
    card = one(env.command("docker here", user="poster"))
    assert isinstance(card, QuestionCard)
    right = ("B",) if card.question_id == "qdock1" else ("A", "B", "C")
    for user, keys in users.items():
        env.click(card.post_id, *(keys or right), user=user)
    return card


def test_team_join_leave_list(env: Env) -> None:
    assert isinstance(one(env.command("team join Blue")), Notice)
    env.command("team join blue", user="U2")  # case-insensitive: the same team
    env.command("team join Red", user="U3")
    teams = one(env.command("team list"))
    assert isinstance(teams, TeamList)
    assert [(t.name, t.members) for t in teams.teams] == [("Blue", 2), ("Red", 1)]
    assert teams.your_team == "Blue"
    again = one(env.command("team join BLUE"))
    assert isinstance(again, Notice) and "already" in again.text
    env.command("team join Red")  # moving teams: at most one team
    teams = one(env.command("team list"))
    assert isinstance(teams, TeamList)
    assert [(t.name, t.members) for t in teams.teams] == [("Blue", 1), ("Red", 2)]
    left = one(env.command("team leave"))
    assert isinstance(left, Notice) and left.echo == "Red"
    assert "not in a team" in one(env.command("team leave")).text  # type: ignore[attr-defined]
    assert one(env.command("team list")).your_team is None  # type: ignore[attr-defined]


def test_dm_preference(env: Env) -> None:
    off = one(env.command("dm off"))
    assert isinstance(off, Notice) and "off" in off.text
    stats = one(env.command("me"))
    assert isinstance(stats, Stats) and stats.dm_feedback is False
    env.command("dm on")
    assert one(env.command("me")).dm_feedback is True  # type: ignore[attr-defined]


def test_me_and_leaderboards(env: Env) -> None:
    env.command("team join Blue", user="U1")
    env.command("team join Blue", user="U2")
    env.command("team join Red", user="U3")
    answer_channel_question(env, {"U1": (), "U2": ("D",), "U3": ()})
    board = one(env.command("leaderboard week"))
    assert isinstance(board, Leaderboard) and board.period == "week" and not board.teams
    assert [r.name for r in board.rows][:2] == ["u1", "u3"]  # tie on points -> user id order
    assert board.rows[0].points > 0 and board.rows[-1].name == "u2"
    teams = one(env.command("leaderboard teams"))
    assert isinstance(teams, Leaderboard) and teams.teams
    assert {r.name: r.members for r in teams.rows} == {"Blue": 2, "Red": 1}
    stats = one(env.command("me"))
    assert isinstance(stats, Stats)
    assert stats.answered == 1 and stats.correct == 1 and stats.team == "Blue" and stats.rank_week == 1
    last = one(env.command("leaderboard last"))
    assert isinstance(last, Leaderboard) and last.period == "last_week" and last.rows == ()
    env.clock.advance(timedelta(days=7))
    last = one(env.command("leaderboard last week"))
    assert isinstance(last, Leaderboard) and len(last.rows) == 3


def test_a_channel_board_counts_only_that_channels_answers(env: Env) -> None:
    answer_channel_question(env, {"U1": (), "U2": ()})
    env.where = Where(env.where.platform, env.where.workspace_id, "C2")
    answer_channel_question(env, {"U4": ()})
    here = one(env.command("leaderboard here"))
    assert isinstance(here, Leaderboard) and here.channel_only
    assert [r.name for r in here.rows] == ["u4"]
    assert render_leaderboard(here).startswith("Player leaderboard, this week, this channel")
    everywhere = one(env.command("leaderboard"))
    assert isinstance(everywhere, Leaderboard) and not everywhere.channel_only
    assert {r.name for r in everywhere.rows} == {"u1", "u2", "u4"}
    assert render_leaderboard(everywhere).splitlines()[0] == "Player leaderboard, this week"


def test_help_and_wrong_arguments(env: Env) -> None:
    helped = one(env.command("help"))
    assert isinstance(helped, Help) and helped.problem is None and not helped.instructor_entries
    assert any(e.usage.startswith("/quiz leaderboard") for e in helped.entries)
    wrong = one(env.command("leaderboard sideways"))
    assert isinstance(wrong, Help) and wrong.problem and wrong.echo == "sideways"
    teacher = one(env.command("help", user="teacher"))
    assert isinstance(teacher, Help) and teacher.instructor_entries


def test_instructor_commands_need_an_instructor(env: Env) -> None:
    refused = one(env.command("schedule daily"))
    assert (
        isinstance(refused, Notice) and refused.level is NoticeLevel.ERROR and "instructors" in refused.text
    )
    pending = one(env.command("schedule daily", user="teacher"))
    assert isinstance(pending, Notice) and "not available" in pending.text
    admin = one(env.command("schedule daily", user="boss", admin=True))
    assert isinstance(admin, Notice) and "not available" in admin.text

    seen: list[tuple[str, str, str]] = []

    def handler(session: Session, command: InstructorCommand, actor: Actor, where: Where) -> list[Reply]:
        seen.append((command.verb, command.args, actor.user_id))
        return [ToUser(where, actor.user_id, info("scheduled"))]

    env.dispatcher = Dispatcher(env.services, env.port, env.sessions, instructor_handler=handler)
    done = one(env.command("schedule daily 09:00", user="teacher"))
    assert isinstance(done, Notice) and done.text == "scheduled"
    assert seen == [("schedule", "daily 09:00", "teacher")]
    one(env.command("schedule daily", user="U1"))
    assert len(seen) == 1


def test_a_repeated_command_delivery_is_handled_once(env: Env) -> None:
    assert env.command("docker here", delivery="cmd-1")
    assert env.command("docker here", delivery="cmd-1") == []


def test_an_exception_in_a_service_becomes_a_private_error(env: Env) -> None:
    def boom(session: Session, command: InstructorCommand, actor: Actor, where: Where) -> list[Reply]:
        raise RuntimeError("bug")

    env.dispatcher = Dispatcher(env.services, env.port, env.sessions, instructor_handler=boom)
    failed = one(env.command("schedule x", user="teacher"))
    assert isinstance(failed, Notice) and failed.level is NoticeLevel.ERROR
