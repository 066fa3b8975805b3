"""The grading benchmark's workload and the shared timing helpers (the timed run itself is not a test)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.bench_grading import build_workload, main, typo
from bench.common import measure, measure_interleaved, print_table
from bot.grading import grade

from .builders import CLOUD, OPTIMISATIONS, open_question, short_question


def test_typo_swaps_two_letters_of_a_long_word() -> None:
    rng = random.Random(1)
    changed = typo("use a quantized model", rng)
    assert changed != "use a quantized model"
    assert sorted(changed) == sorted("use a quantized model")
    assert typo("a b c", rng) == "a b c"  # nothing long enough to misspell


def test_workload_covers_gradable_kinds_and_every_verdict_kind() -> None:
    code = short_question("Total: 5", code_output=True)
    items = build_workload([CLOUD, OPTIMISATIONS, code, open_question()])
    assert {item.question.id for item in items} == {CLOUD.id, OPTIMISATIONS.id, code.id}
    verdicts = {grade(item.question, text=item.answer).verdict.value for item in items}
    assert {"correct", "incorrect", "ambiguous", "partial"} <= verdicts
    assert all(item.expected for item in items)


def test_measure_counts_operations() -> None:
    calls: list[int] = []
    rate = measure(lambda: calls.append(1), 10, rounds=3, warmup=2)
    assert len(calls) == 5
    assert rate.rounds == 3 and rate.ops_per_round == 10
    assert rate.best >= rate.median > 0
    with pytest.raises(ValueError):
        measure(lambda: None, 0)


def test_measure_interleaved_alternates_the_loops() -> None:
    order: list[str] = []
    rates = measure_interleaved(
        [("a", lambda: order.append("a"), 4), ("b", lambda: order.append("b"), 2)], rounds=2, warmup=1
    )
    assert order == ["a", "b", "a", "b", "a", "b"]
    assert rates["a"].ops_per_round == 4 and rates["b"].ops_per_round == 2 and rates["b"].rounds == 2
    with pytest.raises(ValueError):
        measure_interleaved([("a", lambda: None, 1)], rounds=0)


def test_print_table_aligns_columns(capsys: pytest.CaptureFixture[str]) -> None:
    print_table("Title", ["loop", "per s"], [["grade", 61274.5], ["ratio", 4360989.0]])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Title"
    assert lines[3].endswith("61,274") and lines[4].endswith("4,360,989")
    assert len({len(line) for line in lines[1:]}) == 1


def test_benchmark_without_seeds_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--seeds", str(tmp_path)]) == 1
    assert "no gradable questions" in capsys.readouterr().err
