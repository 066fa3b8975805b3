"""The bundled sample banks: they import cleanly, are complete, and are our own writing.

Every ``*.md`` in ``questions/banks`` (where the bot looks by default) is checked; docker, kubernetes and
mlops must exist. The seed documents are read at run time only, to prove no bank copies a sentence of theirs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bot.config import BUNDLED_BANKS
from questions.importers import ImportReport, import_files
from questions.model import Kind, OpenAnswer, Question, ShortAnswer
from tests.conftest import seed_path

REQUIRED_BANKS = {"docker": "Docker", "kubernetes": "Kubernetes", "mlops": "MLOps"}
MIN_QUESTIONS = 12
SEED_PREFIXES = ("000", "001", "002", "003", "004")
SHINGLE_WORDS = 8
# Review links must point at official documentation, not blogs or tutorials.
OFFICIAL_DOCS = frozenset(
    {
        "docs.docker.com",
        "kubernetes.io",
        "mlflow.org",
        "dvc.org",
        "docs.feast.dev",
        "scikit-learn.org",
        "docs.python.org",
        "docs.scipy.org",
        "prometheus.io",
        "cloud.google.com",
        "developers.google.com",
    }
)
BANK_FILES = sorted(BUNDLED_BANKS.glob("*.md"))


def _import_one(path: Path) -> ImportReport:
    return import_files([path])


@pytest.fixture(scope="module")
def reports() -> dict[str, ImportReport]:
    """Each bundled bank imported once for the whole module, keyed by file stem."""
    return {path.stem: _import_one(path) for path in BANK_FILES}


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Every run of ``size`` consecutive words, case and punctuation ignored."""
    words = _words(text)
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def _seed_shingles() -> set[str]:
    found: set[str] = set()
    for prefix in SEED_PREFIXES:
        found |= shingles(seed_path(prefix).read_text(encoding="utf-8", errors="replace"))
    return found


def _official(url: str | None) -> bool:
    if not url:
        return False
    parts = urlparse(url)
    return parts.scheme == "https" and parts.hostname in OFFICIAL_DOCS


def question_problems(question: Question) -> list[str]:
    """What an instructor would flag in one question; empty when it is complete."""
    where = question.source.label or f"line {question.source.line}"
    problems: list[str] = []

    def flag(message: str) -> None:
        problems.append(f"{question.source.file} {where}: {message}")

    if not question.prompt.strip():
        flag("empty prompt")
    if not question.section:
        flag("no section")
    if question.difficulty is None:
        flag("no difficulty")
    if not _official(question.review.url):
        flag(f"review link is not an official docs https URL: {question.review.url!r}")

    if question.kind is Kind.OPEN:
        answer = question.answer
        assert isinstance(answer, OpenAnswer)
        if not answer.model_answer.strip():
            flag("open question without a model answer")
        if len(answer.key_points) < 3:
            flag("open question with fewer than three key points")
    elif not (question.explanation or "").strip():
        flag("no explanation")

    if question.kind in (Kind.SINGLE, Kind.MULTI):
        correct = set(question.correct_keys)
        for choice in question.choices:
            if choice.key in correct and choice.why_wrong:
                flag(f"correct option {choice.key} has a why-not line")
            if choice.key not in correct and not (choice.why_wrong or "").strip():
                flag(f"wrong option {choice.key} has no why-not line")
        if question.kind is Kind.MULTI and not 2 <= len(correct) < len(question.choices):
            flag(f"multi question with {len(correct)} of {len(question.choices)} options correct")

    if question.kind is Kind.SHORT:
        answer = question.answer
        assert isinstance(answer, ShortAnswer)
        if any(not accepted.strip() for accepted in answer.accepted):
            flag("blank accepted answer")
    return problems


def _all_problems(questions: Iterable[Question]) -> list[str]:
    return [problem for question in questions for problem in question_problems(question)]


# --- the bundled banks ---------------------------------------------------------------------------------


def test_required_banks_are_bundled() -> None:
    missing = [name for name in REQUIRED_BANKS if not (BUNDLED_BANKS / f"{name}.md").is_file()]
    assert missing == []


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.stem)
def test_bank_imports_without_warnings(path: Path, reports: dict[str, ImportReport]) -> None:
    report = reports[path.stem]
    assert report.errors == []
    assert report.warnings == []
    assert report.skipped == []
    assert len(report.questions) >= MIN_QUESTIONS


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.stem)
def test_bank_covers_every_kind(path: Path, reports: dict[str, ImportReport]) -> None:
    report = reports[path.stem]
    by_kind = report.by_kind()
    assert [kind.value for kind in Kind if by_kind.get(kind.value, 0) == 0] == []
    shorts = [q.answer for q in report.questions if isinstance(q.answer, ShortAnswer)]
    assert any(a.code_output for a in shorts), "no code-output question"
    assert any(not a.code_output for a in shorts), "no typed short-answer question"
    assert by_kind[Kind.SINGLE.value] >= len(report.questions) / 2, "about 60% should be single-answer"


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.stem)
def test_bank_name_and_topic(path: Path, reports: dict[str, ImportReport]) -> None:
    questions = reports[path.stem].questions
    assert {q.bank for q in questions} == {path.stem}
    expected_topic = REQUIRED_BANKS.get(path.stem)
    topics = {q.topic for q in questions}
    if expected_topic is not None:
        assert topics == {expected_topic}
    else:
        assert None not in topics and "" not in topics


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.stem)
def test_every_question_is_complete(path: Path, reports: dict[str, ImportReport]) -> None:
    assert _all_problems(reports[path.stem].questions) == []


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.stem)
def test_right_answers_are_spread_over_positions(path: Path, reports: dict[str, ImportReport]) -> None:
    """A learner must not be able to guess "always A": no letter is right in over 40% of single questions."""
    letters = Counter(q.correct_keys[0] for q in reports[path.stem].questions if q.kind is Kind.SINGLE)
    total = sum(letters.values())
    assert total > 0
    assert max(letters.values()) <= 0.4 * total, letters


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda p: p.stem)
def test_right_answer_is_not_the_conspicuously_long_one(path: Path, reports: dict[str, ImportReport]) -> None:
    """The right option must not stand out by length (at most 1.5 times the longest distractor)."""
    telltales = []
    for question in reports[path.stem].questions:
        if question.kind is not Kind.SINGLE:
            continue
        right = question.correct_keys[0]
        longest_wrong = max(len(c.text) for c in question.choices if c.key != right)
        right_length = len(next(c.text for c in question.choices if c.key == right))
        if right_length > 1.5 * longest_wrong:
            telltales.append(question.source.label)
    assert telltales == []


def test_ids_are_unique_across_banks(reports: dict[str, ImportReport]) -> None:
    ids = Counter(q.id for report in reports.values() for q in report.questions)
    assert [question_id for question_id, count in ids.items() if count > 1] == []
    assert len(ids) >= MIN_QUESTIONS * len(REQUIRED_BANKS)


def test_prompts_are_unique_across_banks(reports: dict[str, ImportReport]) -> None:
    prompts = Counter(" ".join(_words(q.prompt)) for report in reports.values() for q in report.questions)
    assert [prompt for prompt, count in prompts.items() if count > 1] == []


def test_banks_share_no_sentence_with_the_seeds() -> None:
    seeds = _seed_shingles()
    assert len(seeds) > 1000  # the seeds were really read
    shared = {path.name: sorted(shingles(path.read_text(encoding="utf-8")) & seeds) for path in BANK_FILES}
    assert shared == {path.name: [] for path in BANK_FILES}


# --- the checks above really catch problems -----------------------------------------------------------


def test_shingle_check_catches_text_copied_from_a_seed() -> None:
    seed_words = _words(seed_path("001").read_text(encoding="utf-8", errors="replace"))
    copied = " ".join(seed_words[200:210])
    bank_text = f"### Q1. Our own opening words, then: {copied}?"
    assert shingles(bank_text) & _seed_shingles()
    assert not shingles("### Q1. Which command lists the running containers on this host today?") & (
        _seed_shingles()
    )


FLAWED_BANK = """\
---
bank: flawed
title: A bank with authoring mistakes
topic: Testing
---

## Good

### Q1. Which planet is closest to the Sun?

- A) Venus
- B) Mercury
- C) Mars

**Answer:** B

**Explanation:** Mercury orbits closest to the Sun.

**Why not A:** Venus is the second planet.

**Why not C:** Mars is the fourth planet.

**Difficulty:** easy

**Review:** [Python docs](https://docs.python.org/3/)

## Bad

### Q2. Which number is even?

- A) 2
- B) 3
- C) 5

**Answer:** A

**Explanation:** Two is divisible by two.

**Why not B:** Three is odd.

**Difficulty:** easy

**Review:** [A blog](http://example.com/even-numbers)

### Q3. Which of these are colours? (Select all that apply)

- A) Red
- B) Blue

**Answer:** A, B

**Explanation:** Both are colours.

**Review:** [Python docs](https://docs.python.org/3/)

### Q4. What is the capital of France?

**Answer:** Paris

**Accepted:** Paris | paris

**Difficulty:** easy

**Review:** [Python docs](https://docs.python.org/3/)
"""


def test_completeness_check_flags_a_flawed_bank(tmp_path: Path) -> None:
    path = tmp_path / "flawed.md"
    path.write_text(FLAWED_BANK, encoding="utf-8")
    report = _import_one(path)
    assert report.errors == []
    assert [q.kind for q in report.questions] == [Kind.SINGLE, Kind.SINGLE, Kind.MULTI, Kind.SHORT]
    good, uneven, colours, capital = report.questions
    assert question_problems(good) == []
    _assert_flagged(question_problems(uneven), "wrong option C has no why-not line", "not an official docs")
    _assert_flagged(question_problems(colours), "2 of 2 options correct", "no difficulty")
    _assert_flagged(question_problems(capital), "no explanation")


def _assert_flagged(problems: list[str], *fragments: str) -> None:
    missing = [fragment for fragment in fragments if not any(fragment in problem for problem in problems)]
    assert missing == [], problems
