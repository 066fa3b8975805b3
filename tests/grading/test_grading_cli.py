"""`quizmaster questions grade PATH QUESTION_ID ANSWER [--json]` on a small canonical bank file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from adapters.cli.grade import find_question, grade_command
from questions.model import Question, Source

from .builders import short_question

BANK = """---
bank: demo
title: Demo
topic: Demo
---
### Q1. Which Dockerfile instruction sets the default command?

- A) ENTRYPOINT
- B) CMD
- C) RUN

**Answer:** B
**Explanation:** CMD supplies the default command.

### Q2. Which cloud service models give you servers to manage?

- A) IaaS
- B) PaaS
- C) SaaS
- D) Bare metal

**Answer:** A, D

### Q3. Which Kubernetes object keeps a set of identical pods running?

**Answer:** ReplicaSet

### Q4. What does this print?

```python
print(len([1, 2, 3]))
```

**Output:**

```
3
```
"""


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "demo.md"
    path.write_text(BANK, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(grade_command)
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("label", "answer", "verdict", "score", "matched"),
    [
        ("Q1", "b", "correct", 1.0, ["B"]),
        ("Question 1", "(B)", "correct", 1.0, ["B"]),
        ("q1", "cmd", "correct", 1.0, ["B"]),
        ("Q1", "entrypoint", "incorrect", 0.0, ["A"]),
        ("Q1", "a or b", "ambiguous", 0.0, ["A", "B"]),
        ("Q2", "d, a", "correct", 1.0, ["A", "D"]),
        ("Q2", "a", "partial", 0.5, ["A"]),
        ("Q2", "abcd", "incorrect", 0.0, ["A", "B", "C", "D"]),
        ("Q3", "replica set", "correct", 1.0, ["ReplicaSet"]),
        ("Q3", "Deployment", "incorrect", 0.0, []),
        ("Q4", " 3 ", "correct", 1.0, ["3"]),
        ("Q4", "4", "incorrect", 0.0, []),
    ],
)
def test_json_output(
    bank: Path, label: str, answer: str, verdict: str, score: float, matched: list[str]
) -> None:
    code, out, _ = _run(str(bank), label, answer, "--json")
    assert code == 0
    assert json.loads(out) == {"verdict": verdict, "score": score, "matched": matched}


def test_question_by_id(bank: Path) -> None:
    from questions.importers import load_questions

    question = load_questions(bank)[0]
    code, out, _ = _run(str(bank), question.id, "B", "--json")
    assert code == 0
    assert json.loads(out)["verdict"] == "correct"


def test_friendly_output(bank: Path) -> None:
    code, out, _ = _run(str(bank), "Q1", "b")
    assert code == 0
    assert out.startswith("Correct (read as B)")
    code, out, _ = _run(str(bank), "Q1", "a or b")
    assert code == 0
    assert "Not sure what you meant" in out and "without 'or'" in out


def test_unknown_question_exits_2(bank: Path) -> None:
    code, out, err = _run(str(bank), "Q99", "b", "--json")
    assert code == 2
    assert out == ""
    assert "no question 'Q99'" in err and "Q1" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "content", [None, b"", b"\x00\xff\xfe binary \x00", b"# Just a heading\n\nNo questions.\n"]
)
def test_unreadable_file_exits_2(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "bank.md"
    if content is not None:
        path.write_bytes(content)
    code, out, err = _run(str(path), "Q1", "b", "--json")
    assert code == 2
    assert out == ""
    assert err.startswith(f"Cannot read {path}")
    assert "Traceback" not in err


def _labelled(*labels: str) -> list[Question]:
    return [short_question("x", qid=f"q{i:012d}").model_copy(update={"source": Source(file="f", label=label)})
            for i, label in enumerate(labels)]  # fmt: skip


@pytest.mark.parametrize(
    ("wanted", "index"),
    [
        ("Q7", 0),
        ("Question 7", 0),
        ("q.7", 0),
        ("Mixed Q7", 1),
        ("mixed question 7", 1),
        ("Topic-Specific Q1", 2),
        ("Q1", 2),
        ("q000000000003", 3),  # by id
    ],
)
def test_find_question_by_label_or_id(wanted: str, index: int) -> None:
    questions = _labelled("Question 7", "Mixed Q7", "Topic-Specific Q1", "Q11")
    assert find_question(questions, wanted) is questions[index]


@pytest.mark.parametrize(("wanted", "message"), [("Q3", "no question"), ("", "no question")])
def test_find_question_unknown(wanted: str, message: str) -> None:
    with pytest.raises(LookupError, match=message):
        find_question(_labelled("Q1", "Q2"), wanted)


def test_find_question_ambiguous_label_lists_the_ids() -> None:
    questions = _labelled("Topic Q1", "Mixed Q1")
    with pytest.raises(LookupError, match="2 questions match 'Q1'") as info:
        find_question(questions, "Q1")
    assert "q000000000000 (Topic Q1)" in str(info.value)
    with pytest.raises(LookupError, match="2 questions match '7'"):
        find_question(_labelled("Question 7", "Mixed Q7"), "7")
