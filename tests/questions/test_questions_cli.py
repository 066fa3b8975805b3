"""``quizmaster questions``: exit codes, the JSON shape, and import -> list -> export through the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from adapters.cli.questions import app as questions_app
from bot.bank_imports import store_report
from bot.storage.db import make_engine, make_session_factory
from questions.importers import import_text
from tests.conftest import seed_path

root = typer.Typer()
root.add_typer(questions_app, name="questions")
runner = CliRunner()

QUESTION_KEYS = {
    "id",
    "kind",
    "prompt",
    "choices",
    "answer",
    "explanation",
    "topic",
    "section",
    "difficulty",
    "review",
    "source",
}
BANK = """---
bank: cli-demo
title: CLI demo
---

## Basics

### Q1. Which command lists containers?

- A) docker ps
- B) docker rm

**Answer:** A

### Q2. Which port does SSH use?

**Answer:** 22

### Q3. Why use containers?

**Model answer:** They package an app with its dependencies so it runs the same everywhere.

**Key points:**

- packaging
- portability
"""


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(root, ["questions", *args])
    return result.exit_code, result.stdout, result.stderr


def test_dry_run_json_has_the_agreed_shape() -> None:
    code, out, _ = run("import", "--dry-run", "--json", str(seed_path("003")))
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"questions", "skipped", "warnings", "notes"}
    assert len(document["questions"]) == 5
    for question in document["questions"]:
        assert set(question) == QUESTION_KEYS
        assert set(question["source"]) == {"file", "line"}
        assert set(question["review"]) == {"title", "url"}
        for choice in question["choices"]:
            assert set(choice) == {"key", "text", "why_wrong"}
    single, _, short, _, essay = document["questions"]
    assert single["answer"] == {"keys": ["B"]}
    assert set(short["answer"]) == {"model_answer", "key_points"}
    assert set(essay["answer"]) == {"model_answer", "key_points", "rubric"}


def test_dry_run_json_short_answers_and_skips() -> None:
    code, out, _ = run("import", "--dry-run", "--json", str(seed_path("001")))
    assert code == 0
    document = json.loads(out)
    short = [q for q in document["questions"] if q["kind"] == "short"]
    assert short and all(set(q["answer"]) == {"accepted"} for q in short)
    assert len(document["skipped"]) == 20
    assert all(set(s) == {"file", "line", "reason"} for s in document["skipped"])
    assert {s["file"] for s in document["skipped"]} == {seed_path("001").name}


def test_no_questions_exits_1_with_the_reason() -> None:
    code, out, _ = run("import", "--dry-run", str(seed_path("002")))
    assert code == 1
    assert "no quiz questions" in out and "Task 1.1" in out
    code, out, err = run("import", "--dry-run", "--json", str(seed_path("002")))
    assert code == 1
    document = json.loads(out)
    assert document["questions"] == []
    assert any("no quiz questions" in note for note in document["notes"])
    assert "no quiz questions" in err


def test_unreadable_files_exit_2_without_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    for path in (tmp_path / "missing.md", binary, tmp_path):
        result = runner.invoke(root, ["questions", "import", "--dry-run", str(path)])
        assert result.exit_code == 2, result.output
        assert "Cannot read" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output


def test_human_report_lists_counts_skips_and_warnings(tmp_path: Path) -> None:
    path = tmp_path / "quiz.md"
    path.write_text("### Q1. 2 + 2?\n\nA) 3\nB) 4\n\n**Answer:** E\n\n### Q2. 1 + 1?\n\n**Answer:** 2\n")
    code, out, _ = run("import", "--dry-run", str(path))
    assert code == 0
    assert "1 question (1 short)" in out
    assert "option E" in out and "warning" in out


def test_import_list_export_through_the_database(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QUIZMASTER_DATABASE_URL", db_url)
    source = tmp_path / "demo.md"
    source.write_text(BANK, encoding="utf-8")
    code, out, err = run("import", str(source))
    assert code == 0, out + err
    assert "3 added" in out
    code, out, _ = run("import", str(source))
    assert code == 0 and "0 added, 0 updated, 0 deactivated, 3 unchanged" in out

    code, out, _ = run("list")
    assert code == 0 and "cli-demo" in out and "CLI demo" in out

    exported = tmp_path / "export.md"
    code, _, err = run("export", "cli-demo", "--out", str(exported))
    assert code == 0, err
    original = {q.id: q for q in import_text(BANK, file="demo.md").questions}
    again = {q.id: q for q in import_text(exported.read_text(encoding="utf-8"), file="export.md").questions}
    assert set(again) == set(original)
    for question_id, question in original.items():
        assert again[question_id].answer == question.answer and again[question_id].prompt == question.prompt

    code, _, err = run("export", "no-such-bank")
    assert code == 1 and "No bank named" in err


def test_bank_and_topic_options(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QUIZMASTER_DATABASE_URL", db_url)
    source = tmp_path / "plain.md"  # no front matter, no sections: bank and topic come from the options
    source.write_text("### Q1. 2 + 2?\n\nA) 3\nB) 4\n\n**Answer:** B\n", encoding="utf-8")
    code, out, _ = run("import", "--dry-run", "--json", "--topic", "Arithmetic", str(source))
    assert code == 0
    assert [q["topic"] for q in json.loads(out)["questions"]] == ["Arithmetic"]
    code, out, err = run("import", "--bank", "sums", "--topic", "Arithmetic", str(source))
    assert code == 0, out + err
    code, out, _ = run("list")
    assert code == 0 and "sums" in out and "Arithmetic" in out and "plain" not in out


def test_grade_command_is_registered() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "grade" in out and "import" in out and "export" in out


def test_list_says_where_each_bank_came_from(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The host's banks and those a chat workspace imported (seen only there), its title shown as text."""
    monkeypatch.setenv("QUIZMASTER_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "240")  # one line per bank
    source = tmp_path / "demo.md"
    source.write_text(BANK, encoding="utf-8")
    assert run("import", str(source))[0] == 0
    report = import_text(
        "---\nbank: chat-made\ntitle: '[bold]Team[/bold] quiz'\n---\n\n### Q1. 2 + 2?\n\nA) 3\nB) 4\n\n"
        "**Answer:** B\n",
        file="chat.md",
    )
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            store_report(session, report, source="chat.md", now=datetime.now(UTC), owner="slack:T0TEAM")
            session.commit()
    finally:
        engine.dispose()
    code, out, _ = run("list")
    assert code == 0 and "Imported from" in out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert "this host" in lines["cli-demo"] and "slack:T0TEAM" in lines["chat-made"]
    assert "[bold]Team[/bold] quiz" in lines["chat-made"]  # shown as typed, not as rich markup
