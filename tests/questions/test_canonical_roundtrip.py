"""The canonical format round-trips: export then import gives identical questions (all but file/line)."""

from __future__ import annotations

from typing import Any

import pytest

from questions.canonical import write_bank
from questions.importers import import_files, import_text
from questions.model import (
    Choice,
    ChoiceAnswer,
    Difficulty,
    Kind,
    OpenAnswer,
    Question,
    Review,
    ShortAnswer,
    Source,
    stable_question_id,
)
from tests.conftest import seed_path


def comparable(question: Question) -> dict[str, Any]:
    data = question.model_dump(mode="json")
    data["source"].pop("file")
    data["source"].pop("line")
    return data


def why_wrong(question: Question, key: str) -> str | None:
    choice = question.choice(key)
    assert choice is not None, f"no option {key}"
    return choice.why_wrong


def round_trip(questions: list[Question], bank: str, title: str) -> list[Question]:
    text = write_bank(questions, bank=bank, title=title)
    report = import_text(text, file=f"{bank}.md")
    assert report.skipped == [] and report.warnings == [], (report.skipped, report.warnings, text)
    assert report.banks == {bank: title}
    return report.questions


def make(index: int, kind: Kind, prompt: str, bank: str = "synthetic", **fields: Any) -> Question:
    return Question(
        id=stable_question_id(bank, prompt),
        kind=kind,
        prompt=prompt,
        source=Source(file="synthetic.md", line=index, label=fields.pop("label", f"Q{index}")),
        bank=bank,
        **fields,
    )


def synthetic_bank() -> list[Question]:
    abc = (
        Choice(key="A", text="`CMD`"),
        Choice(key="B", text="ENTRYPOINT | RUN"),
        Choice(key="C", text="*FROM*"),
    )
    return [
        make(
            1,
            Kind.SINGLE,
            "Which instruction sets the default command?",
            choices=abc,
            answer=ChoiceAnswer(keys=("A",)),
            explanation='CMD gives defaults.\n\n```dockerfile\nCMD ["app"]\n```',
            topic="Docker",
            section="Images",
            difficulty=Difficulty.EASY,
            review=Review(
                title="Dockerfile [reference]", url="https://docs.docker.com/reference/dockerfile/"
            ),
        ),
        make(
            2,
            Kind.MULTI,
            "Which create layers? (Select all that apply)",
            choices=(
                Choice(key="A", text="RUN"),
                Choice(key="B", text="COPY", why_wrong=None),
                Choice(key="C", text="LABEL", why_wrong="Metadata only.\nNo filesystem change."),
            ),
            answer=ChoiceAnswer(keys=("A", "B")),
            section="Images",
            label="Question 2",
        ),
        make(
            3,
            Kind.MULTI,
            "Pick the one true statement, multi-select style.",
            choices=(Choice(key="A", text="yes"), Choice(key="B", text="no")),
            answer=ChoiceAnswer(keys=("B",)),
            section="Images",
            label=None,
        ),
        make(
            4,
            Kind.SINGLE,
            "Choose all that apply - but only one is right.",
            choices=(Choice(key="A", text="one"), Choice(key="B", text="two")),
            answer=ChoiceAnswer(keys=("A",)),
        ),
        make(
            5,
            Kind.SHORT,
            "Name the default network driver.",
            answer=ShortAnswer(accepted=("bridge", "`bridge` driver", "a|b", "__init__")),
            topic="Networking",
        ),
        make(
            6,
            Kind.SHORT,
            "What does this print?\n\n```python\nfor i in range(2):\n    print(i)\n```",
            answer=ShortAnswer(accepted=("0\n1", "  indented\n\nwith ``` fence"), code_output=True),
            explanation="Two lines.",
        ),
        make(
            7,
            Kind.OPEN,
            "Explain *why* images are layered.\nAnswer in two lines.",
            answer=OpenAnswer(
                model_answer="Layers are shared.\n\n- cached\n- reused",
                key_points=("sharing", "caching"),
                rubric="| a | b |\n|---|---|\n| 1 | 2 |",
            ),
            section="Design",
            difficulty=Difficulty.HARD,
            review=Review(url="https://example.org/layers"),
        ),
        make(
            8,
            Kind.OPEN,
            "```\ncode first\n```\n\nExplain this code, like C#",
            answer=OpenAnswer(rubric="Be clear."),
            section="Design",
            review=Review(title="Chapter 3"),
        ),
        make(
            9,
            Kind.OPEN,
            "[Easy] looks like a tag but is text",
            answer=OpenAnswer(model_answer="Just text (1) one (2) two.", key_points=("one", "two")),
        ),
    ]


def test_synthetic_bank_round_trips() -> None:
    original = synthetic_bank()
    back = round_trip(original, "synthetic", "Synthetic: a bank")
    # Questions are grouped by section (those without one first); everything else is identical.
    assert {q.id: comparable(q) for q in back} == {q.id: comparable(q) for q in original}
    assert len(back) == len(original)


def test_export_is_stable() -> None:
    original = synthetic_bank()
    once = write_bank(original, bank="synthetic", title="T")
    again = write_bank(import_text(once, file="x.md").questions, bank="synthetic", title="T")
    assert once == again


def test_shared_topic_and_review_go_to_front_matter() -> None:
    review = Review(title="Docs", url="https://example.org")
    questions = [
        make(
            1, Kind.SHORT, "One?", "maths", answer=ShortAnswer(accepted=("1",)), topic="Maths", review=review
        ),
        make(
            2, Kind.SHORT, "Two?", "maths", answer=ShortAnswer(accepted=("2",)), topic="Maths", review=review
        ),
    ]
    text = write_bank(questions, bank="maths", title="Maths")
    assert "topic: Maths" in text and "url: https://example.org" in text and "**Topic:**" not in text
    assert [comparable(q) for q in round_trip(questions, "maths", "Maths")] == [
        comparable(q) for q in questions
    ]


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_seed_questions_round_trip(prefix: str) -> None:
    report = import_files([seed_path(prefix)])
    bank, title = next(iter(report.banks.items()))
    back = round_trip(report.questions, bank, title)
    assert {q.id: comparable(q) for q in back} == {q.id: comparable(q) for q in report.questions}


def test_reimport_of_unchanged_file_keeps_ids() -> None:
    text = write_bank(synthetic_bank(), bank="synthetic", title="T")
    without_ids = "\n".join(line for line in text.split("\n") if not line.startswith("<!-- id:"))
    first = [q.id for q in import_text(without_ids, file="a.md").questions]
    second = [q.id for q in import_text(without_ids, file="a.md").questions]
    assert first == second and len(set(first)) == len(first)


def test_hand_written_canonical_file() -> None:
    text = """---
bank: docker
title: Docker essentials
topic: Docker
review:
  title: Docker documentation
  url: https://docs.docker.com/
---

## Images and layers

### Q1. Which Dockerfile instruction sets the default command of a container?

- A) ENTRYPOINT
- B) CMD
- C) RUN

**Answer:** B
**Explanation:** CMD supplies the default command and arguments.
**Why not A:** ENTRYPOINT fixes the executable; CMD only supplies defaults.
**Why not C:** RUN executes while the image is built.
**Difficulty:** easy
**Topic:** Dockerfile
**Review:** [Dockerfile reference](https://docs.docker.com/reference/dockerfile/)

### Q2. Which flags publish ports?

- A) -p
- B) -P
- C) -v

**Answer:** A, B

### Q3. Only one of these is right, but learners must pick a set.

- A) right
- B) wrong

**Answer:** A
**Kind:** multi

### Q4. Which command lists running containers?

**Answer:** docker ps
**Accepted:** docker container ls | `docker container list`

### Q5. What does this print?

```python
print("hi")
```

**Output:**

```
hi
```

### Q6. Why are images built in layers?

**Model answer:**

Layers are cached and shared between images.

**Key points:**

- caching
- sharing

**Rubric:** Mentions both caching and sharing.
"""
    report = import_text(text, file="docker.md")
    assert report.skipped == [] and report.warnings == []
    q1, q2, q3, q4, q5, q6 = report.questions
    assert q1.kind is Kind.SINGLE and q1.correct_keys == ("B",)
    assert why_wrong(q1, "A") and why_wrong(q1, "C") and why_wrong(q1, "B") is None
    assert q1.topic == "Dockerfile" and q2.topic == "Docker" and q1.section == "Images and layers"
    assert q1.review.url == "https://docs.docker.com/reference/dockerfile/"
    assert q2.review.title == "Docker documentation"
    assert q2.kind is Kind.MULTI and q2.correct_keys == ("A", "B")
    assert q3.kind is Kind.MULTI and q3.correct_keys == ("A",)
    assert isinstance(q4.answer, ShortAnswer)
    assert q4.answer.accepted == ("docker ps", "docker container ls", "docker container list")
    assert isinstance(q5.answer, ShortAnswer) and q5.answer.code_output and q5.answer.accepted == ("hi",)
    assert isinstance(q6.answer, OpenAnswer) and q6.answer.key_points == ("caching", "sharing")
    assert q6.answer.rubric == "Mentions both caching and sharing."


def test_format_documentation_example_imports_as_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "questions" / "FORMAT.md").read_text(encoding="utf-8")
    example = doc.split("````markdown\n", 1)[1].split("\n````", 1)[0]
    report = import_text(example, file="docker.md")
    assert report.skipped == [] and report.warnings == [] and report.banks == {"docker": "Docker essentials"}
    kinds = [q.kind for q in report.questions]
    assert kinds == [Kind.SINGLE, Kind.MULTI, Kind.SHORT, Kind.SHORT, Kind.OPEN]
    q1, q2, q3, q4, q5 = report.questions
    assert q1.id == "q1a2b3c4d5e6" and q1.topic == "Dockerfile" and q2.topic == "Docker"
    assert why_wrong(q1, "A") and why_wrong(q1, "C")
    assert q3.answer == ShortAnswer(accepted=("docker ps", "docker container ls"))
    assert q4.answer == ShortAnswer(accepted=("5",), code_output=True)
    assert isinstance(q5.answer, OpenAnswer) and q5.answer.key_points == (
        "build cache",
        "sharing between images",
    )
    assert q5.answer.rubric == "Full marks for both points with an example."
