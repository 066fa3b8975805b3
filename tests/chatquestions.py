"""Test helper: the four questions (one of each kind) the chat adapters' end-to-end kits play with."""

from __future__ import annotations

from typing import Any

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
)


def chat_questions(prefix: str, bank: str) -> tuple[Question, Question, Question, Question]:
    """Single, multi, short and open questions with ids ``{prefix}_single`` ... in ``bank``."""

    def q(**data: Any) -> Question:
        return Question.model_validate({"source": Source(file=f"{bank}.md"), "bank": bank, **data})

    single = q(
        id=f"{prefix}_single",
        kind=Kind.SINGLE,
        prompt=(
            "Which instruction sets the working directory?\n\n```dockerfile\nFROM python:3.11\nWORKDIR /app\n```"
        ),
        choices=(
            Choice(key="A", text="RUN cd", why_wrong="Each RUN is its own shell; cd does not persist."),
            Choice(key="B", text="WORKDIR"),
            Choice(key="C", text="CHDIR", why_wrong="There is no CHDIR instruction."),
            Choice(key="D", text="ENV PWD"),
        ),
        answer=ChoiceAnswer(keys=("B",)),
        explanation="WORKDIR sets the directory for later instructions.",
        topic="Docker",
        difficulty=Difficulty.EASY,
        review=Review(title="Dockerfile reference", url="https://docs.docker.com/reference/dockerfile/"),
    )
    multi = q(
        id=f"{prefix}_multi",
        kind=Kind.MULTI,
        prompt="Which are Docker storage options? (select all that apply)",
        choices=(
            Choice(key="A", text="volumes"),
            Choice(key="B", text="bind mounts"),
            Choice(key="C", text="tmpfs mounts"),
            Choice(key="D", text="registry mounts"),
        ),
        answer=ChoiceAnswer(keys=("A", "B", "C")),
        topic="Storage",
    )
    short = q(
        id=f"{prefix}_short",
        kind=Kind.SHORT,
        prompt="Which kubectl command lists the pods?",
        answer=ShortAnswer(accepted=("kubectl get pods",)),
        topic="Kubernetes",
    )
    open_ = q(
        id=f"{prefix}_open",
        kind=Kind.OPEN,
        prompt="Explain what a readiness probe is for.",
        answer=OpenAnswer(
            model_answer="It tells Kubernetes when a pod may receive traffic.",
            key_points=("traffic only when ready",),
        ),
        topic="Probes",
    )
    return single, multi, short, open_
