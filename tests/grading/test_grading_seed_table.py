"""The grading table: typed answers against the real seed questions, read through the importer.

Each row is (seed prefix, source label, typed answer, expected verdict). Typos that must pass, the
near-misses that must not ('PyTorch static, TensorFlow dynamic', 'Level 2', 'PaaS'), letters in every
form, ambiguous guesses, multi-select answers in several forms and code-output answers.
"""

from __future__ import annotations

from functools import cache

import pytest

from adapters.cli.grade import find_question
from bot.grading import grade
from questions.model import Question
from tests.conftest import seed_path

OK, PART, WRONG, AMB, SELF = "correct", "partial", "incorrect", "ambiguous", "self_assess"

TABLE: list[tuple[str, str, str, str]] = [
    # --- 000, single: letters in every form
    ("000", "Question 1", "b", OK),
    ("000", "Question 1", "B)", OK),
    ("000", "Question 1", "(b)", OK),
    ("000", "Question 1", "option b", OK),
    ("000", "Question 1", "Option B.", OK),
    ("000", "Question 1", "the answer is B", OK),
    ("000", "Question 1", "ｂ", OK),
    ("000", "Question 1", "<@U123> b", OK),
    ("000", "Question 1", "a", WRONG),
    ("000", "Question 1", "D)", WRONG),
    # --- 000, single: ambiguous guesses are never right or wrong
    ("000", "Question 1", "a b c d", AMB),
    ("000", "Question 1", "a or b", AMB),
    ("000", "Question 1", "b or c", AMB),
    ("000", "Question 1", "abcd", AMB),
    ("000", "Question 1", "e", AMB),
    ("000", "Question 1", "click", AMB),
    # --- 000, single: option text with typos
    (
        "000",
        "Question 1",
        "Building and maintaining systems that enable ML model deployment and operation",
        OK,
    ),
    ("000", "Question 1", "bulding and maintaning systems that enable ml model deployment and operaton", OK),
    ("000", "Question 1", "training machine learning models to achieve highest accuracy", WRONG),
    ("000", "Question 2", "customer aquisition", OK),
    ("000", "Question 2", "model training", WRONG),
    ("000", "Question 2", "model", AMB),
    ("000", "Question 3", "data and model versioning", OK),
    ("000", "Question 3", "different programming languages", WRONG),
    # --- 000 Q6: word order matters
    ("000", "Question 6", "pytorch dynamic tensorflow static", OK),
    ("000", "Question 6", "PyTorch dynamic, TensorFlow static", OK),
    ("000", "Question 6", "pytorch uses dynamic graphs, tensorflow traditionaly uses static graphs", OK),
    ("000", "Question 6", "PyTorch static, TensorFlow dynamic", WRONG),
    ("000", "Question 6", "pytorch uses static graphs, tensorflow uses dynamic graphs", WRONG),
    ("000", "Question 6", "pytorch", AMB),
    ("000", "Question 6", "neither", WRONG),
    ("000", "Question 6", "B) PyTorch uses dynamic graphs", OK),
    # --- 000 Q11: PaaS is not IaaS
    ("000", "Question 11", "IaaS", OK),
    ("000", "Question 11", "iaas", OK),
    ("000", "Question 11", "Infrastructure as a Service", OK),
    ("000", "Question 11", "infrastucture as a servce", OK),
    ("000", "Question 11", "PaaS", WRONG),
    ("000", "Question 11", "SaaS", WRONG),
    ("000", "Question 11", "platform as a service", WRONG),
    ("000", "Question 11", "service", AMB),
    # --- 000, other single questions
    ("000", "Question 5", "$107k - $230k", OK),
    ("000", "Question 5", "$50k - $80k", WRONG),
    ("000", "Question 5", "$107k - $231k", AMB),
    ("000", "Question 8", "it changes behavior of layers like dropout and batch normalization", OK),
    ("000", "Question 8", "dropout", OK),
    ("000", "Question 8", "its not actually necessary", WRONG),
    ("000", "Question 8", "necessary", AMB),
    ("000", "Question 18", "traffic is instantly switched", OK),
    ("000", "Question 18", "traffic is gradually shifted", WRONG),
    ("000", "Question 20", "shadow", OK),
    ("000", "Question 20", "shadow deploymnet", OK),
    ("000", "Question 20", "canary", WRONG),
    ("000", "Question 20", "deployment", AMB),
    ("000", "Question 22", "run as non-root: security best practice", AMB),
    ("000", "Question 22", "security best practice", OK),
    ("000", "Question 25", "install nvidia container toolkit and use --gpus", OK),
    # --- 000, multi: any order, any form, partial credit
    ("000", "Question 9", "A, B, C, E", OK),
    ("000", "Question 9", "abce", OK),
    ("000", "Question 9", "E, C, B, A", OK),
    ("000", "Question 9", "a and b and c and e", OK),
    ("000", "Question 9", "quantization, torchscript, batch inference, warm-up", OK),
    ("000", "Question 9", "a b c", PART),
    ("000", "Question 9", "a, b, c, d", PART),
    ("000", "Question 9", "abcde", WRONG),
    ("000", "Question 9", "d", WRONG),
    ("000", "Question 9", "a or b", AMB),
    ("000", "Question 13", "A B D E", OK),
    ("000", "Question 13", "right-sizing, spot instances, reserved instances, auto-shutting down", OK),
    ("000", "Question 13", "c", WRONG),
    ("000", "Question 23", "bce", OK),
    ("000", "Question 23", "RUN, COPY, ENV", OK),
    ("000", "Question 23", "B, C", PART),
    ("000", "Question 23", "from, cmd", WRONG),
    # --- 000, open
    ("000", "Question 4", "Because of data drift and concept drift.", SELF),
    # --- 003: Level 2 is not Level 1; INT8 is not INT4
    ("003", "Question 1", "b", OK),
    ("003", "Question 1", "Level 1", OK),
    ("003", "Question 1", "level 1 ml pipeline", OK),
    ("003", "Question 1", "Level 2", WRONG),
    ("003", "Question 1", "Level 0", WRONG),
    ("003", "Question 1", "level", AMB),
    ("003", "Question 2", "c", OK),
    ("003", "Question 2", "INT8 quantization", OK),
    ("003", "Question 2", "int8 quantisation", OK),
    ("003", "Question 2", "INT4 quantization", AMB),
    ("003", "Question 2", "knowledge distilation", WRONG),
    ("003", "Question 5", "An essay about drift detection.", SELF),
    # --- 001, code output: whitespace variations pass, a changed number fails
    ("001", "Topic-Specific Q1", "1. Data\n2. Preprocess\n3. Train\n4. Evaluate\n5. Deploy\n6. Monitor", OK),
    ("001", "Topic-Specific Q1", "1. Data 2. Preprocess 3. Train 4. Evaluate 5. Deploy 6. Monitor", OK),
    ("001", "Topic-Specific Q1", "1.Data 2.Preprocess 3.Train 4.Evaluate 5.Deploy 6.Monitor", OK),
    ("001", "Topic-Specific Q1", "1. Data 2. Preprocess 3. Train 4. Evaluate 5. Deploy 7. Monitor", WRONG),
    ("001", "Topic-Specific Q1", "0. Data 1. Preprocess 2. Train 3. Evaluate 4. Deploy 5. Monitor", WRONG),
    ("001", "Topic-Specific Q7", "Total versions: 3\nActive: gb_v1 (v3, acc=0.95)", OK),
    ("001", "Topic-Specific Q7", "Total versions:3 Active:gb_v1 (v3,acc=0.95)", OK),
    ("001", "Topic-Specific Q7", "total versions: 3   active: gb_v1 (v3, acc=0.95)", OK),
    ("001", "Topic-Specific Q7", "Total versions: 3\nActive: gb_v1 (v3, acc=0.92)", WRONG),
    ("001", "Topic-Specific Q7", "Total versions: 2\nActive: gb_v1 (v3, acc=0.95)", WRONG),
    (
        "001",
        "Topic-Specific Q15",
        " 10ms,  4 workers -> 400 RPS\n 50ms,  4 workers -> 80 RPS\n"
        "200ms,  4 workers -> 20 RPS\n 50ms, 16 workers -> 320 RPS",
        OK,
    ),
    (
        "001",
        "Topic-Specific Q15",
        "10ms, 4 workers -> 400 RPS 50ms, 4 workers -> 80 RPS "
        "200ms, 4 workers -> 20 RPS 50ms, 16 workers -> 320 RPS",
        OK,
    ),
    (
        "001",
        "Topic-Specific Q15",
        "10ms, 4 workers -> 400 RPS 50ms, 4 workers -> 80 RPS "
        "200ms, 4 workers -> 20 RPS 50ms, 16 workers -> 300 RPS",
        WRONG,
    ),
    (
        "001",
        "Topic-Specific Q17",
        "Versioning -> MLflow\nContainer -> Docker\nAPI -> FastAPI\nCI/CD -> GitHub Actions",
        OK,
    ),
    (
        "001",
        "Topic-Specific Q17",
        "Versioning->MLflow Container->Docker API->FastAPI CI/CD->GitHub Actions",
        OK,
    ),
    (
        "001",
        "Topic-Specific Q17",
        "Versioning -> MLflow\nContainer -> Docker\nAPI -> Flask\nCI/CD -> GitHub Actions",
        WRONG,
    ),
    (
        "001",
        "Topic-Specific Q13",
        "Monitor: Data drift Monitor: Concept drift Monitor: Accuracy decay "
        "Monitor: Latency spike Monitor: Error rate Total: 5",
        OK,
    ),
    (
        "001",
        "Topic-Specific Q13",
        "Monitor: Data drift Monitor: Concept drift Monitor: Accuracy decay "
        "Monitor: Latency spike Monitor: Error rate Total: 4",
        WRONG,
    ),
    ("001", "Topic-Specific Q8", "Loading is slow, so load once.", SELF),
    # --- 004, single with inline answers
    ("004", "Multiple Choice Q1", "a", OK),
    ("004", "Multiple Choice Q1", "blue-green deployment", OK),
    ("004", "Multiple Choice Q1", "canary deployment", WRONG),
    ("004", "Multiple Choice Q2", "1-5%", OK),
    ("004", "Multiple Choice Q2", "50%", WRONG),
    ("004", "Multiple Choice Q7", "CMD", OK),
    ("004", "Multiple Choice Q7", "cmd", OK),
    ("004", "Multiple Choice Q7", "ENTRYPOINT", WRONG),
    ("004", "Multiple Choice Q7", "entrypoint or cmd", AMB),
]


@cache
def _seed_questions(prefix: str) -> tuple[Question, ...]:
    from questions.importers import import_files

    report = import_files([seed_path(prefix)])
    return tuple(report.questions)


def _question(prefix: str, label: str) -> Question:
    return find_question(list(_seed_questions(prefix)), label)


def test_table_is_big_enough() -> None:
    assert len(TABLE) >= 60
    verdicts = {row[3] for row in TABLE}
    assert verdicts == {OK, PART, WRONG, AMB, SELF}


@pytest.mark.parametrize(
    ("prefix", "label", "typed", "expected"),
    TABLE,
    ids=[f"{p}-{label}-{typed[:30]}" for p, label, typed, _ in TABLE],
)
def test_grading_table(prefix: str, label: str, typed: str, expected: str) -> None:
    question = _question(prefix, label)
    result = grade(question, text=typed)
    assert result.verdict.value == expected, f"{typed!r} -> {result} for {question.prompt[:80]!r}"
    assert 0.0 <= result.score <= 1.0
