"""Hostile bank files give clear errors or warnings, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions.importers import ImportFailed, ImportReport, import_files, import_text, load_questions
from questions.importers.reading import MAX_BYTES
from questions.model import Question

GOOD = "### Q1. What is 2 + 2?\n\nA) 3\nB) 4\n\n**Answer:** B\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_missing_binary_and_non_utf8_files_are_errors(tmp_path: Path) -> None:
    binary = write(tmp_path, "image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    latin1 = write(tmp_path, "latin1.md", "### Q1. Café?\n\n**Answer:** oui\n".encode("latin-1"))
    good = write(tmp_path, "good.md", GOOD.encode())
    report = import_files([tmp_path / "missing.md", binary, latin1, tmp_path, good])
    messages = {error.file: error.message for error in report.errors}
    assert messages["missing.md"] == "does not exist"
    assert "binary" in messages["image.md"]
    assert "not UTF-8" in messages["latin1.md"]
    assert "directory" in messages[tmp_path.name]
    assert len(report.questions) == 1  # the good file still imports


def test_utf8_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.md", b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    (question,) = import_files([path]).questions
    assert question.correct_keys == ("B",) and question.source.line == 1


def test_huge_file_is_refused_quickly(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.md", (GOOD * (5 * 1024 * 1024 // len(GOOD) + 1)).encode())
    assert path.stat().st_size > MAX_BYTES
    started = time.monotonic()
    report = import_files([path])
    assert time.monotonic() - started < 2
    assert report.questions == [] and "too large" in report.errors[0].message


def test_empty_and_blank_files_say_so(tmp_path: Path) -> None:
    for text in ("", "   \n\n\t\n"):
        report = import_text(text, file="empty.md")
        assert report.questions == [] and report.errors == []
        assert report.notes == ["empty.md: no quiz questions: the file is empty"]
    with pytest.raises(ImportFailed, match="empty"):
        load_questions(write(tmp_path, "empty.md", b""))
    with pytest.raises(ImportFailed, match="does not exist"):
        load_questions(tmp_path / "nope.md")


def test_prose_without_questions_says_so() -> None:
    report = import_text("# Notes\n\nJust some text.\n\n- a list\n", file="notes.md")
    assert report.questions == [] and "no quiz questions" in report.notes[0]


def test_deeply_nested_markdown() -> None:
    nested_lists = "\n".join("  " * depth + "- item" for depth in range(400))
    quotes = "> " * 500 + "deep"
    for text in (nested_lists + "\n\n" + GOOD, quotes + "\n\n" + GOOD, "[" * 5000 + GOOD):
        report = import_text(text, file="deep.md")
        assert report.errors == []
        assert len(report.questions) <= 1


def test_unterminated_code_fence_warns() -> None:
    text = "### Q1. What does this print?\n\n```python\nprint(1)\n\n**Answer:** 1\n"
    report = import_text(text, file="fence.md")
    assert any("never closed" in w.message and w.line == 3 for w in report.warnings)
    assert report.questions == []  # the answer is inside the code block
    assert report.skipped and "no answer" in report.skipped[0].reason


def test_duplicate_numbers_warn() -> None:
    text = GOOD + "\n" + GOOD.replace("2 + 2", "3 + 3")
    report = import_text(text, file="dup.md")
    assert len(report.questions) == 2
    assert any("appears twice" in w.message for w in report.warnings)


def test_answer_key_naming_a_missing_option_is_skipped_with_a_warning() -> None:
    text = "### Q1. What is 2 + 2?\n\nA) 3\nB) 4\n\n## Answer Key\n\n**Question 1: E**\n\n**Question 7: A**\n"
    report = import_text(text, file="key.md")
    assert report.questions == []
    assert "option E" in report.skipped[0].reason and "A–B" in report.skipped[0].reason
    messages = [w.message for w in report.warnings]
    assert any("option E" in m for m in messages)
    assert any("matches no question" in m for m in messages)


def test_bad_front_matter_warns_and_is_ignored() -> None:
    for front in ("---\nbank: [unclosed\n---\n", "---\n- just\n- a list\n---\n", "---\nbank: {a: 1}\n---\n"):
        report = import_text(front + "\n" + GOOD, file="fm.md")
        assert len(report.questions) == 1
        assert report.warnings, front
        assert report.questions[0].bank == "fm"


def test_conflicting_inline_and_key_answers_warn() -> None:
    text = GOOD + "\n## Answers\n\n1. A\n"
    report = import_text(text, file="c.md")
    assert report.questions[0].correct_keys == ("B",)
    assert any("answer key says" in w.message for w in report.warnings)


def test_strange_labels_and_tags_do_not_crash() -> None:
    text = "### Q99999999999999999999. [] [[x]] **\n\n**:** \n**Answer:**\n\n- [x]\n\n<details>\n<summary></summary>\n"
    report = import_text(text, file="odd.md")
    assert report.errors == []


markdownish = st.lists(
    st.sampled_from([*"AaBbCcQq0123456789 \n\t#*_-`|>[]()<>:.?!/\\xé✓", "\n\n", "```", "---", "**", "\r\n"]),
    max_size=300,
).map("".join)
lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "### Question 1",
                "**Answer:** B",
                "A) x",
                "b) y",
                "- [x] z",
                "## Answer Key",
                "1. A",
                "| Q | Answer |",
                "|---|---|",
                "| 1 | B |",
                "<details>",
                "<summary>Answer</summary>",
                "</details>",
                "---",
                "```",
                "",
                "**Question 2: A, C**",
                "_Explanation: because_",
                "**Model answer:**",
                "**Key points:**",
                "- point",
                "**Why not A:** no",
                "### Q1. [Easy] What?",
                "**1. Which?**",
                "**Output:**",
                "`out`",
                "> quote",
                "**Kind:** multi",
                "**Accepted:** a | b",
                "<!-- id: q1; label: x -->",
                "---\nbank: x\n---",
            ]
        ),
        markdownish,
    ),
    max_size=40,
)


def _check(report: ImportReport) -> None:
    for question in report.questions:
        assert isinstance(question, Question)
        assert question.prompt.strip()
        assert question.source.line >= 1
    for skipped in report.skipped:
        assert skipped.reason


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
def test_fuzz_random_text_never_raises(text: str) -> None:
    _check(import_text(text, file="fuzz.md"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_fuzz_quiz_shaped_documents_never_raise(parts: list[str]) -> None:
    _check(import_text("\n".join(parts), file="fuzz.md"))
