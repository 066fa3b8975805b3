"""Parsing `/quiz schedule ...` and `/quiz sprint ...` arguments: a table of good and bad inputs."""

from __future__ import annotations

from datetime import date

import pytest

from bot.schedules import CreateSchedule, ScheduleAction, ScheduleError, parse_schedule, parse_unschedule
from bot.sprints import CreateSprint, SprintAction, parse_sprint

GOOD = [
    ("daily 09:00", CreateSchedule("question", "09:00")),
    ("daily 9:05 docker", CreateSchedule("question", "09:05", target="docker")),
    ("daily 09:00 docker weekdays", CreateSchedule("question", "09:00", "01234", target="docker")),
    (
        "daily 07:30 Docker Compose every day tz Europe/Berlin",
        CreateSchedule("question", "07:30", "0123456", "Europe/Berlin", "Docker Compose"),
    ),
    ("DAILY 9am weekends", CreateSchedule("question", "09:00", "56")),
    ("daily 5:15pm mon,wed,fri", CreateSchedule("question", "17:15", "024")),
    ("daily 12am mon-wed", CreateSchedule("question", "00:00", "012")),
    ("daily 23:59 fri-mon", CreateSchedule("question", "23:59", "0456")),
    ("daily 09:00 bank mlops", CreateSchedule("question", "09:00", target="mlops", target_kind="bank")),
    (
        "daily 09:00 topic=k8s tz=UTC close 2h",
        CreateSchedule("question", "09:00", "0123456", "UTC", "k8s", "topic", 120),
    ),
    ("daily 09:00 close 90m", CreateSchedule("question", "09:00", close_after_minutes=90)),
    ("leaderboard mon 09:00", CreateSchedule("leaderboard", "09:00", "0")),
    ("leaderboard 08:00", CreateSchedule("leaderboard", "08:00", "0")),
    (
        "leaderboard fri 17:00 tz America/New_York",
        CreateSchedule("leaderboard", "17:00", "4", "America/New_York"),
    ),
    ("list", ScheduleAction("list")),
    ("pause 3", ScheduleAction("pause", 3)),
    ("resume #3", ScheduleAction("resume", 3)),
    ("delete 12", ScheduleAction("delete", 12)),
    ("rm 12", ScheduleAction("delete", 12)),
]

BAD = [
    ("", "Use `/quiz schedule daily"),
    ("hourly 09:00", "Use `/quiz schedule daily"),
    ("daily", "Say when"),
    ("daily 25:00", "not a time of day"),
    ("daily 9:60", "not a time of day"),
    ("daily 13pm", "not a time of day"),
    ("daily noon", "not a time of day"),
    ("daily 09:00 tz Mars/Olympus", "Unknown time zone"),
    ("daily 09:00 tz", "Name the time zone"),
    ("daily 09:00 close forever", "not a duration"),
    ("daily 09:00 close 9d", "1 minute to 7 days"),
    ("daily 09:00 days someday", "Name the days"),
    ("daily 09:00 topic", "Name the topic"),
    ("leaderboard mon", "Say when"),
    ("leaderboard mon 09:00 10:00", "Unexpected"),
    ("pause", "by its number"),
    ("pause three", "by its number"),
    ("list all", "takes no arguments"),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_schedule_arguments_parse(text: str, expected: object) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(("text", "problem"), BAD)
def test_bad_schedule_arguments_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ScheduleError, match=problem.replace("(", r"\(")):
        parse_schedule(text)


def test_unschedule_takes_a_number() -> None:
    assert parse_unschedule("4") == ScheduleAction("delete", 4)
    with pytest.raises(ScheduleError):
        parse_unschedule("")


def test_sprint_create_parses_the_issue_example() -> None:
    got = parse_sprint('create "Midterm" topics=docker,kubernetes until=2026-12-15 per-day=3 at=09:00')
    assert got == CreateSprint("Midterm", ("docker", "kubernetes"), date(2026, 12, 15), 3, "09:00")


def test_sprint_create_accepts_smart_quotes_team_and_zone() -> None:
    got = parse_sprint("create “Final exam” topics=mlops until=2026-06-30 team=Blue tz=Europe/Berlin")
    assert got == CreateSprint(
        "Final exam", ("mlops",), date(2026, 6, 30), 1, "09:00", "Blue", "Europe/Berlin"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list", SprintAction("list")),
        ("report Midterm", SprintAction("report", "Midterm")),
        ('cancel "Mid term"', SprintAction("cancel", "Mid term")),
    ],
)
def test_sprint_actions_parse(text: str, expected: SprintAction) -> None:
    assert parse_sprint(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "Use `/quiz sprint create"),
        ('create "Midterm" until=2026-12-15', "Name the topics"),
        ('create "Midterm" topics=docker', "Say when the exam is"),
        ('create "Midterm" topics=docker until=15/12/2026', "not a date"),
        ('create "Midterm" topics=docker until=2026-12-15 per-day=0', "per-day must be"),
        ('create "Midterm" topics=docker until=2026-12-15 per-day=lots', "per-day must be"),
        ('create "Midterm" topics=docker until=2026-12-15 at=25:00', "not a time of day"),
        ('create "Midterm" topics=docker until=2026-12-15 tz=Nowhere/City', "Unknown time zone"),
        ('create "Midterm" topics=docker until=2026-12-15 colour=red', "Unknown option"),
        ('create "Midterm topics=docker', "Unbalanced quotes"),
        ("create topics=docker until=2026-12-15", "Name the sprint"),
        ("report", "Name the sprint"),
    ],
)
def test_bad_sprint_arguments_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ScheduleError, match=problem):
        parse_sprint(text)
