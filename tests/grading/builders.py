"""Synthetic questions for the grading tests (built directly, no importer)."""

from __future__ import annotations

from collections.abc import Sequence

from questions.model import (
    CHOICE_KEYS,
    Choice,
    ChoiceAnswer,
    Kind,
    OpenAnswer,
    Question,
    ShortAnswer,
    Source,
)


def choice_question(
    options: Sequence[str], correct: str, *, multi: bool = False, qid: str = "qtest"
) -> Question:
    """A single (or multi) choice question with options A, B, C... and ``correct`` keys like "B" or "ACD"."""
    return Question(
        id=qid,
        kind=Kind.MULTI if multi else Kind.SINGLE,
        prompt="Synthetic question?",
        choices=tuple(Choice(key=CHOICE_KEYS[i], text=t) for i, t in enumerate(options)),
        answer=ChoiceAnswer(keys=tuple(correct)),
        source=Source(file="synthetic.md", line=1, label="Q1"),
    )


def short_question(*accepted: str, code_output: bool = False, qid: str = "qshort") -> Question:
    """A short-answer question accepting ``accepted``."""
    return Question(
        id=qid,
        kind=Kind.SHORT,
        prompt="What is the output?" if code_output else "Name it.",
        answer=ShortAnswer(accepted=accepted, code_output=code_output),
        source=Source(file="synthetic.md", line=1, label="Q2"),
    )


def open_question(qid: str = "qopen") -> Question:
    """An open (self-assessed) question."""
    return Question(
        id=qid,
        kind=Kind.OPEN,
        prompt="Explain why.",
        answer=OpenAnswer(model_answer="Because.", key_points=("drift",)),
        source=Source(file="synthetic.md", line=1, label="Q3"),
    )


FRAMEWORKS = choice_question(
    [
        "PyTorch uses static graphs, TensorFlow uses dynamic graphs",
        "PyTorch uses dynamic graphs, TensorFlow traditionally uses static graphs",
        "Both use the same type of computation graphs",
        "Neither framework uses computation graphs",
    ],
    "B",
)
CLOUD = choice_question(
    [
        "SaaS (Software as a Service)",
        "PaaS (Platform as a Service)",
        "IaaS (Infrastructure as a Service)",
        "FaaS (Function as a Service)",
    ],
    "C",
)
LEVELS = choice_question(
    [
        "Level 0 - Manual: every step by hand",
        "Level 1 - Pipeline: automated training, manual deployment",
        "Level 2 - CI/CD: automated testing and deployment",
        "Level 3 - Full automation with continuous training",
    ],
    "B",
)
EVAL_MODE = choice_question(
    [
        "It makes the model run faster",
        "It changes how dropout and batch normalization behave",
        "It's not actually necessary, just a convention",
        "It loads the model weights",
    ],
    "B",
)
OPTIMISATIONS = choice_question(
    [
        "Model quantization (FP32 to INT8)",
        "TorchScript compilation",
        "Batch inference",
        "Running inference in training mode",
        "Model warm-up",
    ],
    "ABCE",
    multi=True,
)
