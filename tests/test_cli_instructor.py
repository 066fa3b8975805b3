"""``quizmaster schedule add`` and ``quizmaster sprint create`` run the chat's instructor commands from the
command line (same handler, same validation), then ``list``/``pause``/``delete`` and ``sprint report`` see them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from adapters.cli.main import app

runner = CliRunner()
WHERE = ["--platform", "slack", "--workspace", "T1", "--channel", "C1", "--owner", "U1"]


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_schedules_from_the_command_line(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZMASTER_DATABASE_URL", db_url)
    code, out, err = run("schedule", "add", "daily 09:00 docker weekdays tz Europe/Berlin", *WHERE)
    assert code == 0, out + err
    assert "Scheduled #1 question on Docker, weekdays at 09:00 Europe/Berlin" in out

    code, out, err = run("schedule", "add", "daily 25:00 docker", *WHERE)
    assert code == 1 and "not a time of day" in err

    code, out, _ = run("schedule", "list")
    assert code == 0 and out.count("question on Docker") == 1 and "slack/T1" in out
    assert run("schedule", "pause", "1")[0] == 0
    assert "paused" in run("schedule", "list")[1]
    assert run("schedule", "delete", "1")[0] == 0
    assert run("schedule", "list")[1].strip() == "No schedules."
    code, _, err = run("schedule", "delete", "1")
    assert code == 1 and "No schedule #1" in err


def test_sprints_from_the_command_line(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZMASTER_DATABASE_URL", db_url)
    until = (date.today() + timedelta(days=20)).isoformat()
    request = f'"Midterm" topics=docker,k8s until={until} per-day=2 at=09:00'
    code, out, err = run("sprint", "create", request, *WHERE)
    assert code == 0, out + err
    assert "Sprint created: 2 questions a day" in out and "Docker, Kubernetes" in out
    code, _, err = run("sprint", "create", f'"Final" topics=nosuchtopic until={until}', *WHERE)
    assert code == 1 and err.strip()
    code, out, _ = run("sprint", "list")
    assert code == 0 and "Midterm" in out and "Final" not in out
    code, out, err = run("sprint", "report", "midterm", "--csv")
    assert code == 0, err
    assert out.splitlines()[0].count(",") >= 3  # a CSV header
