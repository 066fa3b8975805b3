"""``quizmaster questions``: import Markdown quizzes into banks, list banks, export a bank, grade an answer.

``import`` prints what it found (questions by kind, skipped items with line numbers and why, warnings);
with ``--dry-run`` nothing is stored, and ``--json`` prints the questions as JSON. Exit codes: 0 when at
least one question was found, 1 when none was (the file's message says why), 2 when a file cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapters.cli.db import in_database
from adapters.cli.grade import grade_command
from bot.bank_imports import store_report
from bot.clock import SystemClock
from bot.config import Settings
from bot.storage import banks as bank_store
from bot.storage.db import safe_url
from questions.canonical import write_bank
from questions.importers import ImportReport, import_files
from questions.model import ChoiceAnswer, OpenAnswer, Question, ShortAnswer

app = typer.Typer(
    help="Question banks: import Markdown quizzes, list banks, export a bank, grade an answer.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("grade")(grade_command)


def question_json(question: Question) -> dict[str, Any]:
    """One question in the ``import --json`` shape."""
    answer: dict[str, Any]
    if isinstance(question.answer, ChoiceAnswer):
        answer = {"keys": list(question.answer.keys)}
    elif isinstance(question.answer, ShortAnswer):
        answer = {"accepted": list(question.answer.accepted)}
    else:
        assert isinstance(question.answer, OpenAnswer)
        answer = {
            "model_answer": question.answer.model_answer,
            "key_points": list(question.answer.key_points),
        }
        if question.answer.rubric:
            answer["rubric"] = question.answer.rubric
    return {
        "id": question.id,
        "kind": question.kind.value,
        "prompt": question.prompt,
        "choices": [{"key": c.key, "text": c.text, "why_wrong": c.why_wrong} for c in question.choices],
        "answer": answer,
        "explanation": question.explanation,
        "topic": question.topic,
        "section": question.section,
        "difficulty": question.difficulty.value if question.difficulty else None,
        "review": {"title": question.review.title, "url": question.review.url},
        "source": {"file": question.source.file, "line": question.source.line},
    }


def report_json(report: ImportReport) -> dict[str, Any]:
    """The ``import --dry-run --json`` document."""
    return {
        "questions": [question_json(q) for q in report.questions],
        "skipped": [{"file": s.file, "line": s.line, "reason": s.reason} for s in report.skipped],
        "warnings": [{"file": w.file, "line": w.line, "message": w.message} for w in report.warnings],
        "notes": list(report.notes),
    }


def print_report(console: Console, report: ImportReport) -> None:
    """The human-readable import report."""
    for name, title in report.banks.items():
        counts = {kind: 0 for kind in report.by_kind()}
        for question in report.questions:
            if question.bank == name:
                counts[question.kind.value] += 1
        found = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "none"
        total = sum(counts.values())
        console.print(f"[bold]{name}[/bold] ({title}): {total} question{'' if total == 1 else 's'} ({found})")
    if report.skipped:
        table = Table(title=f"Skipped ({len(report.skipped)})", show_lines=False)
        table.add_column("File")
        table.add_column("Line", justify="right")
        table.add_column("Why")
        for skipped in report.skipped:
            table.add_row(skipped.file, str(skipped.line), skipped.reason)
        console.print(table)
    for warning in report.warnings:
        console.print(f"[yellow]warning[/yellow] {warning.file}:{warning.line}: {warning.message}")
    for note in report.notes:
        console.print(f"[cyan]note[/cyan] {note}")


def _database_error(exc: Exception) -> typer.Exit:
    url = Settings().database_url
    typer.echo(f"Database {safe_url(url)}: {exc.__class__.__name__}: {exc}", err=True)
    return typer.Exit(code=1)


def _store(report: ImportReport, files: list[Path]) -> dict[str, bank_store.SyncResult]:
    source = ", ".join(p.name for p in files)
    now = SystemClock().now()
    outcome = in_database(lambda session: store_report(session, report, source=source, now=now))
    return outcome.stored


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="Markdown quiz files.", show_default=False),
    bank: str | None = typer.Option(
        None, "--bank", help="Bank name (default: front matter, else file name)."
    ),
    topic: str | None = typer.Option(None, "--topic", help="Topic of questions that do not name their own."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only report what would be imported."),
    json_output: bool = typer.Option(False, "--json", help="Print the questions as JSON."),
) -> None:
    """Import quiz files (Markdown) into question banks, reporting what was found and skipped."""
    report = import_files(paths, bank=bank, topic=topic)
    console = Console(highlight=False, soft_wrap=True)
    for error in report.errors:
        typer.echo(f"Cannot read {error.file}: {error.message}", err=True)
    readable = len(paths) > len(report.errors)
    if json_output and readable:
        document = report_json(report)
    elif readable:
        print_report(console, report)
    if not dry_run and report.questions:
        try:
            results = _store(report, [p for p in paths if p.name not in {e.file for e in report.errors}])
        except ValueError as exc:  # a bank the store refuses (duplicate ids)
            raise _database_error(exc) from exc
        if json_output:
            document["stored"] = {name: vars(result) for name, result in results.items()}
        else:
            for name, result in results.items():
                console.print(
                    f"stored [bold]{name}[/bold]: {result.added} added, {result.updated} updated, "
                    f"{result.deactivated} deactivated, {result.unchanged} unchanged"
                )
    if json_output and readable:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    if report.errors:
        raise typer.Exit(code=2)
    if not report.questions:
        why = [note for note in report.notes if "no quiz questions" in note] or ["No questions found."]
        for line in why:  # on stderr in both modes: --json keeps stdout a JSON document
            typer.echo(line, err=True)
        raise typer.Exit(code=1)


@app.command("list")
def list_command() -> None:
    """List the banks in the database with their active questions by kind and topic."""
    summaries = in_database(bank_store.list_banks)
    console = Console(highlight=False)
    if not summaries:
        console.print("No banks yet: import one with `quizmaster questions import FILE.md`.")
        return
    table = Table(title="Question banks")
    for column in ("Bank", "Title", "Questions", "By kind", "Topics", "Imported from"):
        table.add_column(column)
    for summary in summaries:
        kinds = ", ".join(f"{n} {kind}" for kind, n in summary.by_kind.items())
        origin = summary.owner or "this host"  # a chat workspace ("slack:T0123") sees it alone
        row = (summary.name, summary.title, str(summary.active), kinds, ", ".join(summary.topics), origin)
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


@app.command("export")
def export_command(
    bank: str = typer.Argument(..., help="Bank name."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of standard output."),
) -> None:
    """Export a stored bank as canonical Markdown (see questions/FORMAT.md)."""
    try:
        title, questions = in_database(lambda session: bank_store.load_bank(session, bank))
    except KeyError as exc:
        typer.echo(f"No bank named {bank!r}: `quizmaster questions list` shows the banks.", err=True)
        raise typer.Exit(code=1) from exc
    text = write_bank(questions, bank=bank, title=title)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"Cannot write {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"Wrote {len(questions)} questions of bank {bank!r} to {out}.", err=True)
