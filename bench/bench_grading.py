"""Grading benchmark: typed answers graded per second across all gradable seed questions, on one core.

    python -m bench.bench_grading [--quick] [--rounds N] [--seeds DIR]

The workload: for every single, multi and short question the importer finds in the seed documents, a
set of typed answers a learner might send: letters in several forms, the right option's text, the same
with typos, a wrong option, a hedge ("a or b"), multi-select letters and texts, accepted short answers
with typos and whitespace changes, and code output with a changed number. In the same run, a bare
``rapidfuzz.fuzz.ratio(answer, expected)`` loop over the same (answer, expected text) pairs is timed as
the ceiling. Prints answers/s, ratio calls/s and the ratio between them; the target is at least 20,000
answers/s. Exits 0 (1 only when no seed question could be read).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from bench.common import measure_interleaved, pin_to_one_core, print_table
from bot.grading import grade
from questions.model import Kind, Question, ShortAnswer

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = Path(os.environ.get("QUIZMASTER_SEEDS_DIR", REPO.parent / "shared" / "seeds"))
TARGET_PER_SECOND = 20_000


@dataclass(frozen=True, slots=True)
class Item:
    """One typed answer to grade, and the text it is meant to match (for the bare ratio loop)."""

    question: Question
    answer: str
    expected: str


def typo(text: str, rng: random.Random) -> str:
    """The text with two adjacent letters of one longer word swapped (a typical typo)."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    j = rng.randrange(1, len(word) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _choice_items(question: Question, rng: random.Random) -> list[Item]:
    right = question.correct_keys
    texts = {c.key: c.text for c in question.choices}
    wrong = [c.key for c in question.choices if c.key not in right]
    first = texts[right[0]]
    items = [
        Item(question, right[0].lower(), first),
        Item(question, f"{right[0]})", first),
        Item(question, f"option {right[0].lower()}", first),
        Item(question, first, first),
        Item(question, typo(first, rng), first),
        Item(question, first.lower().replace(",", ""), first),
    ]
    if wrong:
        items.append(Item(question, wrong[0], texts[wrong[0]]))
        items.append(Item(question, texts[wrong[0]], first))
        items.append(Item(question, f"{right[0]} or {wrong[0]}", first))
    if question.kind is Kind.MULTI:
        all_right = ", ".join(texts[k] for k in right)
        items += [
            Item(question, ", ".join(right), all_right),
            Item(question, "".join(right).lower(), all_right),
            Item(question, all_right, all_right),
            Item(question, ", ".join(right[:-1]), all_right),
        ]
    return items


def _short_items(question: Question, rng: random.Random) -> list[Item]:
    assert isinstance(question.answer, ShortAnswer)
    accepted = question.answer.accepted[0]
    items = [
        Item(question, accepted, accepted),
        Item(question, accepted.upper() if not question.answer.code_output else accepted, accepted),
        Item(question, typo(accepted, rng), accepted),
        Item(question, " ".join(accepted.split()), accepted),
        Item(question, "something else entirely", accepted),
    ]
    changed = next((ch for ch in accepted if ch.isdigit()), None)
    if changed is not None:
        other = str((int(changed) + 1) % 10)
        items.append(Item(question, accepted.replace(changed, other, 1), accepted))
    return items


def build_workload(questions: Sequence[Question], seed: int = 7) -> list[Item]:
    """Typed answers for every gradable (single, multi, short) question."""
    rng = random.Random(seed)
    items: list[Item] = []
    for question in questions:
        if question.kind in (Kind.SINGLE, Kind.MULTI):
            items += _choice_items(question, rng)
        elif question.kind is Kind.SHORT:
            items += _short_items(question, rng)
    return items


def load_seed_questions(seeds: Path) -> list[Question]:
    """Every question the importer finds in the seed documents."""
    from questions.importers import import_files

    paths = sorted(p for p in seeds.iterdir() if p.is_file())
    return list(import_files(paths).questions)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a short run (smoke test)")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per loop (default 7, quick 2)")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="folder of seed quiz documents")
    args = parser.parse_args(argv)

    questions = load_seed_questions(args.seeds)
    items = build_workload(questions)
    if not items:
        print(f"no gradable questions found in {args.seeds}", file=sys.stderr)
        return 1
    rounds = args.rounds or (2 if args.quick else 7)
    repeat = 2 if args.quick else 20  # the workload is repeated within a round to time a longer stretch
    batch = items * repeat
    pinned = pin_to_one_core()

    def grade_all() -> None:
        for item in batch:
            grade(item.question, text=item.answer)

    pairs = [(item.answer, item.expected) for item in batch]

    def ratio_all() -> None:
        for answer, expected in pairs:
            fuzz.ratio(answer, expected)

    rates = measure_interleaved(
        [("grade", grade_all, len(batch)), ("ratio", ratio_all, len(pairs))], rounds=rounds
    )
    graded, ratio = rates["grade"], rates["ratio"]

    kinds = Counter(q.kind.value for q in questions)
    verdicts = Counter(grade(i.question, text=i.answer).verdict.value for i in items)
    print(f"Seed questions: {len(questions)} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    print(
        f"Workload: {len(items)} typed answers x {repeat} per round, {rounds} rounds, loops alternating; "
        f"{pinned}"
    )
    print(f"Verdicts of the workload: {', '.join(f'{k} {n}' for k, n in sorted(verdicts.items()))}")
    print()
    print_table(
        "Typed answers per second (one core; best and median of the rounds)",
        ["loop", "best/s", "median/s"],
        [
            ["quizmaster grade(question, text=...)", graded.best, graded.median],
            ["bare rapidfuzz.fuzz.ratio(answer, expected)", ratio.best, ratio.median],
        ],
    )
    print()
    share = graded.median / ratio.median
    target = "met" if graded.median >= TARGET_PER_SECOND else "NOT met"
    print(f"grade() runs at {share:.1%} of the bare ratio loop ({ratio.median / graded.median:.0f}x slower).")
    print(f"Target {TARGET_PER_SECOND:,} answers/s: {target} ({graded.median:,.0f}/s median).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
