"""The shared text normalisation."""

from __future__ import annotations

import pytest

from bot.grading.text import (
    MAX_CHARS,
    MAX_RAW_CHARS,
    allowed_typos,
    digit_tokens,
    fold,
    has_negation,
    normalise,
    numbers,
    strip_markup,
    word_matches,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("  Option   B.  ", "option b"),
        ("<!channel> b", "b"),
        ("<!here|here> <@U123ABC> (b)", "b"),
        ("<@!1234567890> <@&42> <#C1|general> B)", "b"),
        ("@everyone @here answer: c", "answer c"),
        ("<https://example.com|Blue-green> deployment", "blue green deployment"),
        ("<https://example.com> canary", "canary"),
        ("&lt; 100ms &amp; more", "100ms more"),
        ("b\x00\x07\u200b\ufeff", "b"),
        ("ｂ", "b"),  # full-width letter, NFKC
        ("It's NOT necessary", "its not necessary"),
        ("Doesn’t matter", "doesnt matter"),
        ("Python 3.11-slim, v3.", "python 3.11 slim v3"),
        ("snake_case_word", "snake case word"),
        ("🎉🎉 🚀", ""),
        ("<:party:123456> <a:wave:42>", ""),
        ("", ""),
    ],
)
def test_normalise_folds_markup_and_punctuation(raw: str, folded: str) -> None:
    assert normalise(raw).folded == folded


def test_cleaned_keeps_case_and_punctuation_but_not_markup() -> None:
    norm = normalise("<!channel>  Total:\n 3 \t(v3)")
    assert norm.cleaned == "Total: 3 (v3)"
    assert norm.tokens == ("total", "3", "v3")
    assert not norm.truncated


def test_huge_input_is_capped_and_flagged() -> None:
    norm = normalise("word " * 30_000)
    assert norm.truncated
    assert len(norm.cleaned) <= MAX_CHARS
    assert normalise("x" * (MAX_RAW_CHARS + 1), limit=MAX_RAW_CHARS).truncated
    assert not normalise("x" * 100).truncated


def test_strip_markup_leaves_plain_text_alone() -> None:
    assert strip_markup("a < b and c > d") == "a < b and c > d"


def test_numbers_are_signed_decimals_in_order() -> None:
    assert numbers("Request: [0.5, -1.2, 3.4] 1-5% v3 acc=0.95") == (
        "0.5",
        "-1.2",
        "3.4",
        "1",
        "5",
        "3",
        "0.95",
    )
    assert numbers("no digits") == ()


def test_digit_tokens_and_negations() -> None:
    assert digit_tokens(fold("Level 2 uses INT8 on 107k rows").split()) == ("2", "int8", "107k")
    assert has_negation(fold("It's not necessary").split())
    assert has_negation(fold("run as non-root").split())
    assert has_negation(fold("it doesn't").split())
    assert not has_negation(fold("notable nothingness").split())


@pytest.mark.parametrize(("length", "budget"), [(1, 0), (4, 0), (5, 1), (8, 1), (9, 2), (16, 2), (40, 5)])
def test_allowed_typos(length: int, budget: int) -> None:
    assert allowed_typos(length) == budget


@pytest.mark.parametrize(
    ("word", "candidate", "same"),
    [
        ("tensorflwo", "tensorflow", True),  # transposition = one edit
        ("infrastucture", "infrastructure", True),
        ("pytroch", "pytorch", True),
        ("paas", "iaas", False),  # short words must be exact
        ("static", "dynamic", False),
        ("int4", "int8", False),
        ("level2", "level1", False),  # digits never fuzzy
        ("deployment", "development", False),
    ],
)
def test_word_matches(word: str, candidate: str, same: bool) -> None:
    assert word_matches(word, candidate) is same
