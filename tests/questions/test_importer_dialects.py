"""Dialects beyond the seeds: option styles, answer placements, front matter, kinds and labels."""

from __future__ import annotations

import pytest

from questions.importers import ImportReport, import_text
from questions.model import ChoiceAnswer, Kind, OpenAnswer, Question, ShortAnswer, stable_question_id


def only(report: ImportReport) -> Question:
    assert len(report.questions) == 1, (report.skipped, report.warnings)
    return report.questions[0]


def why_wrong(question: Question, key: str) -> str | None:
    choice = question.choice(key)
    assert choice is not None, f"no option {key}"
    return choice.why_wrong


@pytest.mark.parametrize(
    "options",
    [
        "A) red\nB) green\nC) blue",
        "a) red\nb) green\nc) blue",
        "A. red\nB. green\nC. blue",
        "(a) red\n(b) green\n(c) blue",
        "- A) red\n- B) green\n- C) blue",
        "- a. red\n- b. green\n- c. blue",
        "A) red\n\nB) green\n\nC) blue",
        "**A)** red\n**B)** green\n**C)** blue",
    ],
)
def test_option_styles_normalise_to_capital_keys(options: str) -> None:
    text = f"### Question 1\nWhich colour is grass?\n\n{options}\n\n**Answer:** b\n"
    question = only(import_text(text, file="q.md"))
    assert question.kind is Kind.SINGLE
    assert [(c.key, c.text) for c in question.choices] == [("A", "red"), ("B", "green"), ("C", "blue")]
    assert question.correct_keys == ("B",)
    assert question.prompt == "Which colour is grass?"


def test_task_list_options_mark_the_answers() -> None:
    text = "### Q1. Which are shells?\n\n- [x] bash\n- [ ] vim\n- [X] zsh\n\n### Q2. Editor?\n\n- [ ] ls\n- [x] vim\n"
    first, second = import_text(text, file="t.md").questions
    assert first.kind is Kind.MULTI and first.correct_keys == ("A", "C")
    assert second.kind is Kind.SINGLE and second.correct_keys == ("B",)
    assert [c.text for c in first.choices] == ["bash", "vim", "zsh"]


def test_answer_key_section_by_number_with_explanations() -> None:
    text = """# Quiz

## Questions

**1. Which port does HTTPS use?**
a) 80
b) 443

**2. Pick the even numbers (select all that apply).**
a) 2
b) 3
c) 4

## Answer Key

**Question 1: B**
Port 443 is HTTPS.

**Question 2: A, C**
Both are divisible by two.
- B is wrong: 3 is odd.
"""
    report = import_text(text, file="k.md")
    first, second = report.questions
    assert first.correct_keys == ("B",) and first.explanation == "Port 443 is HTTPS."
    assert second.kind is Kind.MULTI and second.correct_keys == ("A", "C")
    assert why_wrong(second, "B") == "3 is odd."
    assert second.explanation == "Both are divisible by two."
    assert report.warnings == []


def test_answer_key_as_ordered_list_and_table() -> None:
    listed = "### 1. Capital of France?\n\nA) Paris\nB) Rome\n\n## Answers\n\n1. A\n"
    assert only(import_text(listed, file="l.md")).correct_keys == ("A",)
    table = """### 1. Capital of France?

A) Paris
B) Rome

### 2. 2 + 2 = ?

## Answers

| Question | Answer | Explanation |
|---|---|---|
| 1 | A | Paris is the capital. |
| 2 | 4 | Arithmetic. |
"""
    first, second = import_text(table, file="t.md").questions
    assert first.correct_keys == ("A",) and first.explanation == "Paris is the capital."
    assert second.kind is Kind.SHORT and isinstance(second.answer, ShortAnswer)
    assert second.answer.accepted == ("4",) and second.explanation == "Arithmetic."


def test_details_blocks_hold_answers() -> None:
    text = """### Q1. Which is a version control system?

- A) git
- B) make

<details>
<summary>Answer</summary>

A — git tracks versions.

</details>

### Q2. What does `pwd` print?

<details><summary>Show answer</summary>
The current directory
</details>

### Q3. Why is the sky blue?

<details>
<summary>Sample answer</summary>

Rayleigh scattering: shorter wavelengths scatter more in the atmosphere, so blue light reaches
the eye from every direction of the sky, which is why the whole sky looks blue on a clear day.

</details>
"""
    first, second, third = import_text(text, file="d.md").questions
    assert first.correct_keys == ("A",) and first.explanation == "git tracks versions."
    assert isinstance(second.answer, ShortAnswer) and second.answer.accepted == ("The current directory",)
    assert third.kind is Kind.OPEN and isinstance(third.answer, OpenAnswer)
    assert third.answer.model_answer.startswith("Rayleigh scattering")


def test_front_matter_names_bank_title_topic_and_review() -> None:
    text = """---
bank: Linux Basics
title: Linux basics
topic: Linux
review:
  title: Linux docs
  url: https://example.org/linux
---

## Files

### Q1. Which command lists files?

**Answer:** `ls`
"""
    report = import_text(text, file="whatever.md")
    question = only(report)
    assert report.banks == {"linux-basics": "Linux basics"}
    assert question.bank == "linux-basics"
    assert question.topic == "Linux"  # the front matter topic, not the section heading
    assert question.section == "Files"
    assert question.review.title == "Linux docs" and question.review.url == "https://example.org/linux"
    assert isinstance(question.answer, ShortAnswer) and question.answer.accepted == ("ls",)
    assert question.id == stable_question_id("linux-basics", "Which command lists files?")


def test_bank_and_topic_arguments_and_file_stem() -> None:
    text = "## Networking\n\n### Q1. Which port does SSH use?\n\n**Answer:** 22\n"
    plain = only(import_text(text, file="My Quiz.md"))
    assert plain.bank == "my-quiz" and plain.topic == "Networking"
    forced = only(import_text(text, file="My Quiz.md", bank="net", topic="Ops"))
    assert forced.bank == "net" and forced.topic == "Ops"
    assert forced.id != plain.id  # ids depend on the bank


def test_difficulty_tags_and_fields() -> None:
    text = "### Q1. [Hard] What is 6 x 7?\n\n**Answer:** 42\n\n### Q2. What is 1 + 1?\n\n**Answer:** 2\n**Difficulty:** easy\n"
    first, second = import_text(text, file="d.md").questions
    assert (
        first.difficulty is not None and first.difficulty.value == "hard" and first.prompt == "What is 6 x 7?"
    )
    assert second.difficulty is not None and second.difficulty.value == "easy"


def test_crisp_answers_are_short_and_long_answers_open() -> None:
    text = """### Q1. Which signal does `kill` send by default?

**Answer:** SIGTERM

### Q2. Why do containers start faster than virtual machines?

**Answer:** Containers share the host kernel, so starting one is starting a process. A virtual machine boots
a whole guest operating system first, with its own kernel and init system.
"""
    first, second = import_text(text, file="k.md").questions
    assert first.kind is Kind.SHORT and first.answer.accepted == ("SIGTERM",)  # type: ignore[union-attr]
    assert second.kind is Kind.OPEN and isinstance(second.answer, OpenAnswer)
    assert second.answer.model_answer.startswith("Containers share the host kernel")


def test_accepted_alternatives_and_output_fields() -> None:
    text = """### Q1. Name the default Docker network driver.

**Accepted:** bridge | `bridge network`

### Q2. What does this print?

```python
print(2 ** 3)
```

**Output:**

```
8
```
"""
    first, second = import_text(text, file="a.md").questions
    assert isinstance(first.answer, ShortAnswer) and first.answer.accepted == ("bridge", "bridge network")
    assert isinstance(second.answer, ShortAnswer) and second.answer.code_output
    assert second.answer.accepted == ("8",)
    assert "print(2 ** 3)" in second.prompt


def test_letter_answer_without_options_is_skipped() -> None:
    report = import_text("### Q1. What does CPU stand for?\n\n**Answer:** B\n", file="x.md")
    assert report.questions == []
    assert report.skipped[0].line == 1 and "no options" in report.skipped[0].reason


def test_numbering_restarts_get_group_labels_and_matching_keys() -> None:
    text = """## Part A Questions

### Q1. 1 + 1?

**Answer:** 2

## Part B Questions

### Q1. Capital of Italy?

A) Rome
B) Milan

### Q2. Capital of Spain?

A) Madrid
B) Lisbon

## Answers

### Part B

1. A
2. A
"""
    report = import_text(text, file="g.md")
    labels = [q.source.label for q in report.questions]
    assert labels == ["Part A Q1", "Part B Q1", "Part B Q2"]
    assert [q.kind for q in report.questions] == [Kind.SHORT, Kind.SINGLE, Kind.SINGLE]
    assert report.warnings == []


def test_why_other_options_list_and_why_not_fields() -> None:
    text = """### Question 1 | Multiple Choice

Which layer does `COPY` create?

A) None
B) A filesystem layer
C) A network

**Correct Answer:** B

**Why Other Options Are Incorrect:**
- A) COPY always adds content.
- C) Networks are not layers.

**Why not A:** an explicit field wins over the list.
"""
    question = only(import_text(text, file="w.md"))
    assert isinstance(question.answer, ChoiceAnswer)
    assert why_wrong(question, "A") == "an explicit field wins over the list."
    assert why_wrong(question, "C") == "Networks are not layers."
    assert why_wrong(question, "B") is None


def test_explicit_id_comment_and_label() -> None:
    text = "### Q1. What is 2 + 2?\n<!-- id: qcustom00001; label: Warm-up 1 -->\n\n**Answer:** 4\n"
    question = only(import_text(text, file="i.md"))
    assert question.id == "qcustom00001" and question.source.label == "Warm-up 1"


def test_hint_and_metadata_are_not_part_of_the_prompt() -> None:
    text = """### Question 1
**Cognitive Level:** Remember
**Concept Tested:** Signals

Which signal cannot be caught?

*Hint:* think of kill -9.

**Answer:** SIGKILL
"""
    question = only(import_text(text, file="h.md"))
    assert question.prompt == "Which signal cannot be caught?"
    assert question.topic == "Signals"


def test_unlabelled_question_heading() -> None:
    text = "## Shell\n\n### What does `cd -` do?\n\n**Answer:** Goes back to the previous directory\n"
    question = only(import_text(text, file="u.md"))
    assert question.prompt == "What does `cd -` do?" and question.source.label is None
    assert question.topic == "Shell"
