"""Import benchmark: Markdown quiz text imported per second, against parsing the same text with markdown-it.

    python -m bench.bench_import [--quick] [--rounds N] [--seeds DIR] [--size BYTES]

The workload is the five real seed documents (``../shared/seeds``), concatenated and repeated to about
``--size`` bytes (1.6 MB by default: a whole course's quizzes in one file). The importer is timed beside a
bare ``markdown-it`` parse of the same text (the tokenising every structural importer needs) in the same run,
rounds alternating so both see the same machine load. Prints MB/s for both and their ratio: how much the
importer costs on top of parsing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from markdown_it import MarkdownIt

from bench.common import measure_interleaved, pin_to_one_core, print_table
from questions.importers import import_text

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = Path(os.environ.get("QUIZMASTER_SEEDS_DIR", REPO.parent / "shared" / "seeds"))


def workload(seeds: Path, size: int) -> str:
    """The seed documents, concatenated and repeated to at least ``size`` characters."""
    docs = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(seeds.iterdir()) if p.is_file()]
    if not docs:
        raise SystemExit(f"no seed documents in {seeds}")
    one = "\n\n".join(docs)
    return "\n\n".join([one] * max(1, -(-size // len(one))))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller text, fewer rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=1_600_000, help="characters of quiz text")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="folder of seed quiz documents")
    args = parser.parse_args(argv)
    size, rounds = (200_000, 3) if args.quick else (args.size, args.rounds)
    text = workload(args.seeds, size)
    megabytes = len(text.encode("utf-8")) / 1e6
    print(f"Workload: {megabytes:.2f} MB of seed quiz text; {pin_to_one_core()}")
    report = import_text(text, file="bench.md")
    print(f"Import result: {len(report.questions)} questions, {len(report.skipped)} skipped items")
    md = MarkdownIt("commonmark").enable("table")
    rates = measure_interleaved(
        [
            ("importer", lambda: import_text(text, file="bench.md"), 1),
            ("markdown-it parse", lambda: md.parse(text), 1),
        ],
        rounds=rounds,
    )
    rows = [(name, f"{r.best * megabytes:.2f}", f"{r.median * megabytes:.2f}") for name, r in rates.items()]
    print_table("Markdown imported per second (one core)", ["loop", "best MB/s", "median MB/s"], rows)
    ratio = rates["markdown-it parse"].median / rates["importer"].median
    print(f"The importer takes {ratio:.1f}x the time of a bare markdown-it parse of the same text.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
