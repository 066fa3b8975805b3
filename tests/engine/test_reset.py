"""``/quiz reset leaderboard``: a new season per workspace or channel, through the real dispatcher and instructor
handler, and ``quizmaster reset leaderboard`` through the real CLI (SQLite and PostgreSQL).

Nothing is deleted: answers stay in the table and ``/quiz me``'s lifetime numbers and best streak are kept;
the boards count only answers at or after the reset and current streaks restart.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from adapters.cli.main import app as cli_app
from bot.dispatcher import Dispatcher, run_unit
from bot.events import ChoiceSelected, Where
from bot.instructor import InstructorHandler
from bot.leaderboard import Period, individual_leaderboard, most_improved, team_leaderboard
from bot.messages import Help, Leaderboard, Notice, NoticeLevel, Stats
from bot.render_text import board_title, render
from bot.seasons import ResetError, ResetRequest, parse_reset, season_start, start_season
from bot.storage import migrate
from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import AnswerRow, Season, Streak, User
from bot.streaks import WORKSPACE_SCOPE
from bot.weekly import longest_streaks

from .quizkit import CHANNEL, PLATFORM, START, WORKSPACE, Env, q_multi, q_single, store_questions

TEACHER = "teacher"
OTHER_CHANNEL = "C2"
USAGE = "/quiz reset leaderboard [channel] [confirm]"


@pytest.fixture
def env(session_factory: sessionmaker[Session]) -> Env:
    """The engine-test Env with the real instructor handler plugged into its dispatcher."""
    with session_factory() as session:
        store_questions(session, [q_single(), q_multi()])
    world = Env(session_factory)
    world.dispatcher = Dispatcher(
        world.services, world.port, session_factory, instructor_handler=InstructorHandler(world.services)
    )
    return world


# --- helpers -----------------------------------------------------------------------------------------------


def message(sent: list) -> object:  # type: ignore[type-arg]
    assert len(sent) == 1, sent
    return sent[0].message


def notice(sent: list) -> Notice:  # type: ignore[type-arg]
    found = message(sent)
    assert isinstance(found, Notice), found
    return found


def answer_right(env: Env, *users: str, channel: str = CHANNEL, question_id: str = "qdock1") -> None:
    """A new channel post of ``question_id`` (10 points when right) answered right by each user."""
    where = Where(PLATFORM, WORKSPACE, channel)
    reply = run_unit(
        env.sessions,
        lambda s: env.quiz.post_to_channel(s, question_id=question_id, where=where, closes_at=None),
    )
    asyncio.run(env.dispatcher.deliver([reply]))
    assert reply.post_id is not None
    keys = ("B",) if question_id == "qdock1" else ("A", "B", "C")
    for user in users:
        env.handle(ChoiceSelected(env.actor(user), where, reply.post_id, keys, env.delivery()))
    env.port.take()


def board(env: Env, period: str = "week", *, teams: bool = False) -> list[tuple[str, int]]:
    """The workspace board as ``/quiz leaderboard`` shows it: (name, points) rows."""
    shown = message(env.command(f"leaderboard {period}{' teams' if teams else ''}"))
    assert isinstance(shown, Leaderboard)
    return [(row.name, row.points) for row in shown.rows]


def channel_board(env: Env, channel: str, period: Period = Period.ALL) -> list[tuple[str, int]]:
    """A channel's individual board (answers given in that channel only): (user id, points) rows."""
    with env.sessions() as s:
        rows = individual_leaderboard(
            s,
            platform=PLATFORM,
            workspace_id=WORKSPACE,
            channel_id=channel,
            period=period,
            now=env.clock.now(),
            tz="UTC",
        )
    return [(row.user_id, row.points) for row in rows]


def channel_teams(env: Env, channel: str, period: Period = Period.ALL) -> list[tuple[str, int]]:
    """A channel's team board: (team, points) rows."""
    with env.sessions() as s:
        rows = team_leaderboard(
            s,
            platform=PLATFORM,
            workspace_id=WORKSPACE,
            channel_id=channel,
            period=period,
            now=env.clock.now(),
            tz="UTC",
        )
    return [(row.name, row.points) for row in rows]


def stats(env: Env, user: str) -> Stats:
    found = message(env.command("me", user=user))
    assert isinstance(found, Stats)
    return found


def count(env: Env, model: type[AnswerRow] | type[Season]) -> int:
    with env.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def streaks(env: Env, user: str) -> dict[str, tuple[int, int]]:
    """A user's stored streaks: scope -> (current, best)."""
    with env.sessions() as s:
        rows = s.execute(
            select(Streak.scope, Streak.current, Streak.best)
            .join(User, User.id == Streak.user_pk)
            .where(User.user_id == user)
        ).all()
    return {scope: (current, best) for scope, current, best in rows}


# --- parsing -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("leaderboard", ResetRequest()),
        ("leaderboard confirm", ResetRequest(confirm=True)),
        ("LB channel", ResetRequest(channel=True)),
        ("leaderboard CONFIRM channel", ResetRequest(channel=True, confirm=True)),
        ("leaderboard workspace confirm", ResetRequest(confirm=True)),
        ("leaderboard here confirm", ResetRequest(channel=True, confirm=True)),
    ],
)
def test_parse_reset_accepts(args: str, expected: ResetRequest) -> None:
    assert parse_reset(args) == expected


@pytest.mark.parametrize(
    ("args", "echo"),
    [
        ("", None),
        ("everything", "everything"),
        ("streaks confirm", "streaks confirm"),
        ("leaderboard now", "now"),
        ("leaderboard confirm confirm", "confirm"),
        ("leaderboard channel workspace", "workspace"),
    ],
)
def test_parse_reset_refuses_with_the_usage(args: str, echo: str | None) -> None:
    with pytest.raises(ResetError, match=r"/quiz reset leaderboard \[channel\] \[confirm\]") as caught:
        parse_reset(args)
    assert caught.value.echo == echo


# --- through the dispatcher --------------------------------------------------------------------------------


def test_a_learner_cannot_reset_and_nothing_changes(env: Env) -> None:
    answer_right(env, "U1")
    refused = notice(env.command("reset leaderboard confirm", user="U1"))
    assert refused.level is NoticeLevel.ERROR and "Only instructors" in refused.text
    assert count(env, Season) == 0
    assert board(env, "all") == [("u1", 10)]
    assert streaks(env, "U1")[WORKSPACE_SCOPE] == (1, 1)


def test_without_confirm_the_reset_only_says_what_it_would_do(env: Env) -> None:
    answer_right(env, "U1")
    env.clock.advance(timedelta(minutes=5))
    preview = notice(env.command("reset leaderboard", user=TEACHER))
    assert preview.level is NoticeLevel.WARNING
    assert "`/quiz reset leaderboard confirm`" in preview.text
    assert "No answer is deleted" in preview.text and "Nothing has changed" in preview.text
    channel_preview = notice(env.command("reset leaderboard channel", user=TEACHER))
    assert "`/quiz reset leaderboard channel confirm`" in channel_preview.text
    assert "workspace leaderboard and other channels are not touched" in channel_preview.text
    assert count(env, Season) == 0
    assert board(env, "week") == board(env, "all") == [("u1", 10)]
    assert streaks(env, "U1")[WORKSPACE_SCOPE] == (1, 1)


@pytest.mark.parametrize("args", ["reset", "reset everything", "reset leaderboard please", "RESET scores x"])
def test_a_reset_without_a_clear_target_is_a_usage_error(env: Env, args: str) -> None:
    answer_right(env, "U1")
    refused = notice(env.command(args, user=TEACHER))
    assert refused.level is NoticeLevel.ERROR and USAGE in refused.text
    assert count(env, Season) == 0
    assert board(env, "all") == [("u1", 10)]


def test_a_confirmed_reset_empties_every_board_and_keeps_the_answers(env: Env) -> None:
    env.command("team join Blue", user="U1")
    env.command("team join Red", user="U2")
    answer_right(env, "U1", "U2")
    answer_right(env, "U1", question_id="qdock2")  # 12 more for U1
    assert board(env, "week") == [("u1", 22), ("u2", 10)]
    assert board(env, "all", teams=True) == [("Blue", 22), ("Red", 10)]
    env.clock.advance(timedelta(hours=2))

    done = notice(env.command("reset leaderboard confirm", user=TEACHER))

    assert done.level is NoticeLevel.INFO
    assert "New leaderboard season started 2026-01-05 11:00 UTC" in done.text
    assert "History is kept" in done.text and "no answer was deleted" in done.text
    for period in ("week", "month", "all"):
        assert board(env, period) == [], period
        assert board(env, period, teams=True) == [("Blue", 0), ("Red", 0)], period
    assert channel_board(env, CHANNEL) == []
    assert count(env, AnswerRow) == 3  # nothing deleted
    me = stats(env, "U1")
    assert (me.points_all, me.answered, me.correct) == (22, 2, 2)  # lifetime history
    assert (me.points_week, me.rank_week) == (0, None)  # the weekly board's numbers follow the season
    with env.sessions() as s:
        season = s.scalars(select(Season)).one()
        assert (season.channel_id, season.started_by) == (None, TEACHER)


def test_answers_at_or_after_the_reset_count(env: Env) -> None:
    env.command("team join Blue", user="U1")
    env.command("team join Red", user="U2")
    answer_right(env, "U1")
    env.clock.advance(timedelta(minutes=1))
    notice(env.command("reset leaderboard confirm", user=TEACHER))
    answer_right(env, "U2")  # at the very instant of the reset: counts
    env.clock.advance(timedelta(minutes=1))
    answer_right(env, "U2", "U3", question_id="qdock2")

    assert board(env, "week") == board(env, "all") == [("u2", 22), ("u3", 12)]
    assert board(env, "week", teams=True) == [("Red", 22), ("Blue", 0)]
    me = stats(env, "U2")
    assert (me.points_week, me.rank_week, me.points_all) == (22, 1, 22)
    assert stats(env, "U1").points_all == 10


def test_last_week_and_most_improved_count_only_the_new_season(env: Env) -> None:
    answer_right(env, "U1", "U2")  # Monday
    env.clock.advance(timedelta(days=2))
    notice(env.command("reset leaderboard confirm", user=TEACHER))  # Wednesday
    env.clock.advance(timedelta(days=1))
    answer_right(env, "U2", question_id="qdock2")  # Thursday
    env.clock.advance(timedelta(days=4))  # the next Monday

    assert board(env, "last") == [("u2", 12)]
    with env.sessions() as s:
        improved = most_improved(
            s, platform=PLATFORM, workspace_id=WORKSPACE, channel_id=None, now=env.clock.now(), tz="UTC"
        )
    assert [(standing.user_id, rise) for standing, rise in improved] == [("U2", 12)]


def test_a_channel_reset_leaves_other_channels_and_the_workspace_alone(env: Env) -> None:
    env.command("team join Blue", user="U1")
    env.command("team join Red", user="U2")
    answer_right(env, "U1")
    answer_right(env, "U2", channel=OTHER_CHANNEL)
    env.clock.advance(timedelta(minutes=1))

    done = notice(env.command("reset leaderboard channel confirm", user=TEACHER))

    assert "not touched" in done.text
    assert channel_board(env, CHANNEL) == []
    assert channel_board(env, OTHER_CHANNEL) == [("U2", 10)]
    assert channel_teams(env, CHANNEL) == [("Blue", 0), ("Red", 0)]
    assert channel_teams(env, OTHER_CHANNEL) == [("Red", 10), ("Blue", 0)]
    assert board(env, "all") == [("u1", 10), ("u2", 10)]  # the workspace board keeps the old season
    assert board(env, "all", teams=True) == [("Blue", 10), ("Red", 10)]
    assert streaks(env, "U1") == {CHANNEL: (0, 1), WORKSPACE_SCOPE: (1, 1)}
    assert streaks(env, "U2") == {OTHER_CHANNEL: (1, 1), WORKSPACE_SCOPE: (1, 1)}
    with env.sessions() as s:
        assert s.scalars(select(Season.channel_id)).all() == [CHANNEL]
        # A channel board takes the later of its own and the workspace's seasons.
        assert season_start(s, platform=PLATFORM, workspace_id=WORKSPACE, channel_id=None) is None
        own = season_start(s, platform=PLATFORM, workspace_id=WORKSPACE, channel_id=CHANNEL)
        assert own == env.clock.now()
    env.clock.advance(timedelta(minutes=1))
    answer_right(env, "U3")
    assert channel_board(env, CHANNEL) == [("U3", 10)]

    env.clock.advance(timedelta(minutes=1))
    notice(env.command("reset leaderboard confirm", user=TEACHER))  # now the whole workspace
    assert channel_board(env, OTHER_CHANNEL) == channel_board(env, CHANNEL) == []
    assert board(env, "all") == []
    assert channel_teams(env, OTHER_CHANNEL) == [("Blue", 0), ("Red", 0)]
    assert count(env, AnswerRow) == 3


def test_a_reset_in_one_workspace_leaves_another_alone(env: Env) -> None:
    answer_right(env, "U1")
    with env.sessions() as s:
        start_season(
            s, platform=PLATFORM, workspace_id="W2", channel_id=None, started_by="x", now=env.clock.now()
        )
        start_season(
            s, platform="other", workspace_id=WORKSPACE, channel_id=None, started_by="x", now=env.clock.now()
        )
        s.commit()
    assert board(env, "all") == [("u1", 10)]
    assert streaks(env, "U1")[WORKSPACE_SCOPE] == (1, 1)


def test_current_streaks_restart_and_best_streaks_are_kept(env: Env) -> None:
    for day in range(3):
        if day:
            env.clock.advance(timedelta(days=1))
        answer_right(env, "U1", question_id="qdock1" if day % 2 == 0 else "qdock2")
    assert streaks(env, "U1") == {CHANNEL: (3, 3), WORKSPACE_SCOPE: (3, 3)}
    with env.sessions() as s:
        names = longest_streaks(s, platform=PLATFORM, workspace_id=WORKSPACE, now=env.clock.now(), tz="UTC")
        assert [(n.name, n.value) for n in names] == [("u1", 3)]
    env.clock.advance(timedelta(hours=1))

    notice(env.command("reset leaderboard confirm", user=TEACHER))

    assert streaks(env, "U1") == {CHANNEL: (0, 3), WORKSPACE_SCOPE: (0, 3)}
    me = stats(env, "U1")
    assert (me.streak, me.best_streak) == (0, 3)
    with env.sessions() as s:  # the Monday post's "longest streaks" follows
        assert (
            longest_streaks(s, platform=PLATFORM, workspace_id=WORKSPACE, now=env.clock.now(), tz="UTC") == []
        )
    answer_right(env, "U1")  # later the same day: a new streak of 1 starts at once
    assert streaks(env, "U1") == {CHANNEL: (1, 3), WORKSPACE_SCOPE: (1, 3)}
    env.clock.advance(timedelta(days=1))
    answer_right(env, "U1", question_id="qdock2")
    assert streaks(env, "U1") == {CHANNEL: (2, 3), WORKSPACE_SCOPE: (2, 3)}
    shown = message(env.command("leaderboard"))
    assert isinstance(shown, Leaderboard) and [(r.name, r.streak) for r in shown.rows] == [("u1", 2)]


def test_help_lists_the_instructor_commands_and_import_points_to_the_cli(env: Env) -> None:
    helped = message(env.command("help", user=TEACHER))
    assert isinstance(helped, Help)
    usages = [entry.usage for entry in helped.instructor_entries]
    for usage in (USAGE, "/quiz close", "/quiz post [topic]", "/quiz unschedule ID", "/quiz schedule ..."):
        assert usage in usages
    learner = message(env.command("help", user="U1"))
    assert isinstance(learner, Help) and not learner.instructor_entries
    hint = notice(env.command("import bank.md", user=TEACHER))
    assert "Attach the Markdown quiz to `/quiz import`" in hint.text and "questions import FILE" in hint.text


def test_start_season_needs_an_aware_time(env: Env) -> None:
    with env.sessions() as s, pytest.raises(ValueError, match="timezone-aware"):
        start_season(
            s,
            platform=PLATFORM,
            workspace_id=WORKSPACE,
            channel_id=None,
            started_by="x",
            now=datetime(2026, 1, 1),
        )


# --- the command line --------------------------------------------------------------------------------------


def test_cli_reset_refuses_without_yes_then_resets(
    env: Env, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_right(env, "U1")
    answer_right(env, "U2", channel=OTHER_CHANNEL)
    monkeypatch.setenv("QUIZMASTER_DATABASE_URL", db_url)
    runner = CliRunner()
    base = ["reset", "leaderboard", "--platform", PLATFORM, "--workspace", WORKSPACE]

    refused = runner.invoke(cli_app, base)
    assert refused.exit_code == 1
    assert "--yes" in refused.output and "Nothing changed" in refused.output
    unknown = runner.invoke(cli_app, [*base[:-1], "T404", "--yes"])
    assert unknown.exit_code == 1 and "No users of" in unknown.output
    no_channel = runner.invoke(cli_app, [*base, "--channel", "C404", "--yes"])
    assert no_channel.exit_code == 1 and "check --channel" in no_channel.output
    assert count(env, Season) == 0
    assert board(env, "all") == [("u1", 10), ("u2", 10)]

    channel = runner.invoke(cli_app, [*base, "--channel", OTHER_CHANNEL, "--yes"])
    assert channel.exit_code == 0, channel.output
    assert "New leaderboard season started" in channel.output and "1 running streak(s)" in channel.output
    assert channel_board(env, OTHER_CHANNEL) == [] and channel_board(env, CHANNEL) == [("U1", 10)]

    whole = runner.invoke(cli_app, [*base, "-y"])
    assert whole.exit_code == 0, whole.output
    assert "No answer was deleted" in whole.output
    assert board(env, "all") == board(env, "week") == []
    assert count(env, AnswerRow) == 2
    with env.sessions() as s:
        assert s.scalars(select(Season.started_by)).all() == ["cli", "cli"]


# --- the migration -----------------------------------------------------------------------------------------


def test_migration_0002_adds_seasons_to_a_0001_database_and_keeps_its_data(db_url: str) -> None:
    migrate.upgrade(db_url, "0001")
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as s:
            s.add(
                User(
                    platform=PLATFORM,
                    workspace_id=WORKSPACE,
                    user_id="U1",
                    dm_feedback=True,
                    created_at=START,
                )
            )
            s.commit()
        assert migrate.upgrade(db_url).after == migrate.head_revision()
        with make_session_factory(engine)() as s:
            assert s.scalars(select(User.user_id)).all() == ["U1"]
            start_season(
                s, platform=PLATFORM, workspace_id=WORKSPACE, channel_id=None, started_by="t", now=START
            )
            s.commit()
            assert season_start(s, platform=PLATFORM, workspace_id=WORKSPACE, channel_id="C9") == START
        assert migrate.downgrade(db_url, "0001").after == "0001"
        with make_session_factory(engine)() as s:
            assert s.scalars(select(User.user_id)).all() == ["U1"]
    finally:
        engine.dispose()


def board_message(env: Env, args: str) -> Leaderboard:
    shown = message(env.command(f"leaderboard {args}"))
    assert isinstance(shown, Leaderboard)
    return shown


def test_board_titles_say_since_when_a_reset_started_them(env: Env) -> None:
    answer_right(env, "U1")  # Monday 5 Jan
    assert board_title(board_message(env, "all")) == "Player leaderboard, all time"
    env.clock.advance(timedelta(days=2))
    notice(env.command("reset leaderboard confirm", user=TEACHER))  # Wednesday 7 Jan

    assert board_title(board_message(env, "all")) == "Player leaderboard, since 7 Jan 2026"
    assert board_title(board_message(env, "week")) == "Player leaderboard, this week (since Wed 7 Jan)"
    assert board_title(board_message(env, "all teams")) == "Team leaderboard, since 7 Jan 2026"
    assert "since 7 Jan 2026" in render(board_message(env, "all"))  # the plain-text fallback too

    env.clock.advance(timedelta(days=7))  # the next week: the reset is before it began
    assert board_title(board_message(env, "week")) == "Player leaderboard, this week"
    assert board_title(board_message(env, "last")) == "Player leaderboard, last week (since Wed 7 Jan)"
    env.clock.advance(timedelta(days=7))
    assert board_title(board_message(env, "last")) == "Player leaderboard, last week"
    assert board_title(board_message(env, "all")) == "Player leaderboard, since 7 Jan 2026"
