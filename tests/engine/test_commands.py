"""``/quiz`` parsing: every command, odd spacing and case, wrong arguments -> help."""

from __future__ import annotations

import pytest

from bot.commands import (
    AskQuestion,
    InstructorCommand,
    JoinTeam,
    LeaveTeam,
    ListTeams,
    SetDm,
    ShowHelp,
    ShowLeaderboard,
    ShowStats,
    ShowTopics,
    parse_command,
)

TABLE = [
    ("", AskQuestion()),
    ("   ", AskQuestion()),
    ("/quiz", AskQuestion()),
    ("docker", AskQuestion("docker")),
    ("  DOCKER  ", AskQuestion("DOCKER")),
    ("/quiz k8s", AskQuestion("k8s")),
    ("machine   learning", AskQuestion("machine learning")),
    ("docker here", AskQuestion("docker", here=True)),
    ("Docker HERE", AskQuestion("Docker", here=True)),
    ("here", AskQuestion(None, here=True)),
    ("here docker", AskQuestion("docker", here=True)),
    ("topic docker", AskQuestion("docker")),
    ("topics", ShowTopics()),
    ("TOPICS", ShowTopics()),
    ("topic", ShowTopics()),
    ("me", ShowStats()),
    (" Me ", ShowStats()),
    ("stats", ShowStats()),
    ("leaderboard", ShowLeaderboard("week", False)),
    ("leaderboard week", ShowLeaderboard("week", False)),
    ("Leaderboard   MONTH", ShowLeaderboard("month", False)),
    ("leaderboard all", ShowLeaderboard("all", False)),
    ("leaderboard last", ShowLeaderboard("last_week", False)),
    ("leaderboard lastweek", ShowLeaderboard("last_week", False)),
    ("leaderboard last week", ShowLeaderboard("last_week", False)),
    ("leaderboard last week teams", ShowLeaderboard("last_week", True)),
    ("leaderboard teams", ShowLeaderboard("week", True)),
    ("leaderboard month teams", ShowLeaderboard("month", True)),
    ("leaderboard teams all", ShowLeaderboard("all", True)),
    ("leaderboard here", ShowLeaderboard("week", False, True)),
    ("leaderboard channel month teams", ShowLeaderboard("month", True, True)),
    ("lb", ShowLeaderboard("week", False)),
    ("top all", ShowLeaderboard("all", False)),
    ("team join Blue Whales", JoinTeam("Blue Whales")),
    ("TEAM JOIN   blue   whales ", JoinTeam("blue whales")),
    ("team leave", LeaveTeam()),
    ("team list", ListTeams()),
    ("team", ListTeams()),
    ("teams", ListTeams()),
    ("dm on", SetDm(True)),
    ("DM Off", SetDm(False)),
    ("help", ShowHelp()),
    ("HELP", ShowHelp()),
    ("/quiz help", ShowHelp()),
    ("schedule daily 09:00", InstructorCommand("schedule", "daily 09:00")),
    ("Sprint create exam", InstructorCommand("sprint", "create exam")),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_parse_table(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "leaderboard banana",
        "leaderboard week month",
        "leaderboard teams teams",
        "team join",
        "team join   ",
        "team explode",
        "team leave now",
        "dm",
        "dm maybe",
        "me please",
        "topics docker",
    ],
)
def test_known_command_with_wrong_arguments_gives_help(text: str) -> None:
    result = parse_command(text)
    assert isinstance(result, ShowHelp)
    assert result.problem


def test_the_help_carries_the_offending_text_as_data() -> None:
    result = parse_command("leaderboard <!channel>")
    assert isinstance(result, ShowHelp)
    assert result.echo == "<!channel>"
    assert "<!channel>" not in (result.problem or "")


def test_control_characters_and_zero_width_spaces_are_spacing() -> None:
    assert parse_command("\x1b[2Jleader\u200bboard") == AskQuestion("[2Jleader board")
    assert parse_command("dm\ton") == SetDm(True)
    assert parse_command("team join Red\x00\x07Team") == JoinTeam("Red Team")


def test_long_input_is_capped() -> None:
    topic = parse_command("x" * 100_000)
    assert isinstance(topic, AskQuestion)
    assert topic.topic is not None and len(topic.topic) == 100
    team = parse_command("team join " + "y" * 10_000)
    assert isinstance(team, JoinTeam) and len(team.name) == 60


def test_fullwidth_text_is_normalised() -> None:
    assert parse_command("ｈｅｌｐ") == ShowHelp()
