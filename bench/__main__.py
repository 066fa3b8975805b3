"""``python -m bench [--quick] [NAME ...]``: run the benchmarks one after another and print their figures.

Each benchmark compares against a baseline measured in the same run (ratios, not absolute seconds).
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "bench_grading",
    "bench_import",
    "bench_answers",
    "bench_leaderboard",
    "bench_slack",
    "bench_discord",
    "bench_schedule",
)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("-")] or list(BENCHMARKS)
    failed = []
    for name in names:
        module = name if name.startswith("bench_") else f"bench_{name}"
        try:
            __import__(f"bench.{module}")
        except ModuleNotFoundError:
            print(f"== {module}: not present, skipped")
            continue
        print(f"== {module}", flush=True)
        args = [sys.executable, "-m", f"bench.{module}"]
        if quick and module != "bench_leaderboard":
            args.append("--quick")
        elif quick:
            args += ["--answers", "100000"]
        if subprocess.run(args, check=False).returncode != 0:
            failed.append(module)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
