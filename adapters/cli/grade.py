"""``quizmaster questions grade PATH QUESTION_ID "ANSWER" [--json]``: grade one typed answer, no database.

The bank file is read with the importer; the question is found by id (``q…``) or by its source label
("Q7", "Question 7", "Mixed Q3"). Exit code 2, with a message and no traceback, when the file cannot be
read or the question is not found.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from bot.grading import Grade, Verdict, grade
from questions.importers import ImportFailed, load_questions
from questions.model import Question

_LABEL_TOKEN = re.compile(r"[^\W\d_]+|\d+")


def _label_tokens(label: str) -> tuple[str, ...]:
    """A label as words and numbers: "Question 7", "Q7" and "q.7" all give ("q", "7")."""
    return tuple(_LABEL_TOKEN.findall(label.casefold().replace("question", "q")))


def _by_label(questions: list[Question], wanted: tuple[str, ...]) -> list[Question]:
    """Questions whose label is ``wanted``, else whose label ends with it ("Q7" finds "Mixed Q7")."""
    labelled = [(q, _label_tokens(q.source.label)) for q in questions if q.source.label]
    exact = [q for q, tokens in labelled if tokens == wanted]
    if exact or not wanted:
        return exact
    return [q for q, tokens in labelled if tokens[-len(wanted) :] == wanted]


def find_question(questions: list[Question], wanted: str) -> Question:
    """The question with this id or source label; LookupError with a message when none or several match.

    A label matches whole ("Question 7" = "Q7") or as the end of a longer label ("Q7" = "Mixed Q7");
    a bare number or a label without its "Q" works too when that is unique.
    """
    wanted = wanted.strip()
    for question in questions:
        if question.id == wanted:
            return question
    tokens = _label_tokens(wanted)
    found = _by_label(questions, tokens)
    if not found and tokens[:1] == ("q",):
        found = _by_label(questions, tokens[1:])
    if len(found) == 1:
        return found[0]
    if found:
        which = ", ".join(f"{q.id} ({q.source.label})" for q in found[:10])
        raise LookupError(f"{len(found)} questions match {wanted!r}: use a full label or an id: {which}")
    labels = ", ".join(q.source.label or q.id for q in questions[:12])
    more = ", ..." if len(questions) > 12 else ""
    raise LookupError(f"no question {wanted!r} in the file (questions: {labels}{more})")


def describe(result: Grade, question: Question) -> str:
    """A friendly one-line description of a grade."""
    if result.verdict is Verdict.SELF_ASSESS:
        return "Open question: compare your answer with the model answer, then rate yourself."
    if result.verdict is Verdict.AMBIGUOUS:
        return f"Not sure what you meant. {result.hint or ''}".strip()
    read_as = ""
    if result.matched:
        what = "read as" if question.choices else "matched"
        read_as = f" ({what} {', '.join(result.matched)})"
    return f"{result.verdict.value.capitalize()}{read_as}: score {result.score:.2f}"


def grade_command(
    path: Annotated[Path, typer.Argument(help="A bank file (canonical or any supported Markdown dialect).")],
    question_id: Annotated[str, typer.Argument(help='The question id (q...) or its label ("Q7").')],
    answer: Annotated[str, typer.Argument(help="The typed answer, as a learner would send it.")],
    json_output: bool = typer.Option(False, "--json", help="Print {verdict, score, matched} as JSON."),
) -> None:
    """Grade one typed ANSWER to question QUESTION_ID (id or label like Q7) of the bank file PATH."""
    try:
        questions = load_questions(path)
    except (ImportFailed, OSError, UnicodeError) as exc:
        typer.echo(f"Cannot read {path}: {exc}", err=True)
        raise typer.Exit(code=2) from None
    try:
        question = find_question(questions, question_id)
    except LookupError as exc:
        typer.echo(str(exc.args[0]), err=True)
        raise typer.Exit(code=2) from None
    result = grade(question, text=answer)
    if json_output:
        payload = {"verdict": result.verdict.value, "score": result.score, "matched": list(result.matched)}
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        typer.echo(describe(result, question))
