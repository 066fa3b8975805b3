"""Single-answer choice questions: clicks, letters in every form, option text, near-misses."""

from __future__ import annotations

import pytest

from bot.grading import Verdict, grade

from .builders import CLOUD, EVAL_MODE, FRAMEWORKS, LEVELS, choice_question


@pytest.mark.parametrize(
    "typed",
    [
        "b",
        "B",
        "B)",
        "(b)",
        "b.",
        "[B]",
        "option b",
        "Option B.",
        "the answer is B",
        "answer: b",
        "  b  ",
        "**B**",
    ],
)
def test_letter_in_every_form(typed: str) -> None:
    result = grade(FRAMEWORKS, text=typed)
    assert (result.verdict, result.score, result.matched) == (Verdict.CORRECT, 1.0, ("B",))


@pytest.mark.parametrize("typed", ["a", "A)", "(c)", "option d"])
def test_wrong_letter_is_incorrect(typed: str) -> None:
    result = grade(FRAMEWORKS, text=typed)
    assert result.verdict is Verdict.INCORRECT
    assert result.score == 0.0
    assert len(result.matched) == 1


def test_button_click() -> None:
    assert grade(FRAMEWORKS, keys=["B"]).verdict is Verdict.CORRECT
    assert grade(FRAMEWORKS, keys=["b"]).verdict is Verdict.CORRECT
    assert grade(FRAMEWORKS, keys=["A"]).verdict is Verdict.INCORRECT
    assert grade(FRAMEWORKS, keys="B").verdict is Verdict.CORRECT  # a bare string is one key


@pytest.mark.parametrize("keys", [[], ["Z"], ["A", "B"], [""], ["AB"]])
def test_bad_clicks_are_ambiguous(keys: list[str]) -> None:
    result = grade(FRAMEWORKS, keys=keys)
    assert result.verdict is Verdict.AMBIGUOUS
    assert result.hint


@pytest.mark.parametrize(
    ("typed", "hint_part"),
    [
        ("a b c d", "just one"),
        ("abcd", "just one"),
        ("a, b", "just one"),
        ("a or b", "without 'or'"),
        ("maybe b", "without 'or'"),
        ("e", "from A to D"),
        ("option z", "from A to D"),
        ("pytorch", "type the letter"),  # both A and B mention it
        ("graphs", "type the letter"),
        ("something else entirely", "type the letter"),
        ("42", "type the letter"),
    ],
)
def test_unclear_text_is_ambiguous_with_a_hint(typed: str, hint_part: str) -> None:
    result = grade(FRAMEWORKS, text=typed)
    assert result.verdict is Verdict.AMBIGUOUS
    assert result.score == 0.0
    assert result.hint is not None and hint_part in result.hint


def test_ambiguous_hint_for_unreadable_text_is_the_standard_one() -> None:
    assert (
        grade(FRAMEWORKS, text="no idea").hint == "Click a button or type the letter of one option, e.g. B."
    )


@pytest.mark.parametrize(
    ("question", "typed", "verdict", "key"),
    [
        # option text, exact and with typos
        (
            FRAMEWORKS,
            "PyTorch uses dynamic graphs, TensorFlow traditionally uses static graphs",
            "correct",
            "B",
        ),
        (
            FRAMEWORKS,
            "pytroch uses dynamic graphs, tensorflwo traditionaly uses static graphs",
            "correct",
            "B",
        ),
        (FRAMEWORKS, "pytorch dynamic tensorflow static", "correct", "B"),
        (FRAMEWORKS, "PyTorch dynamic, TensorFlow static", "correct", "B"),
        # word order matters
        (FRAMEWORKS, "PyTorch static, TensorFlow dynamic", "incorrect", "A"),
        (FRAMEWORKS, "pytorch uses static graphs tensorflow uses dynamic graphs", "incorrect", "A"),
        (FRAMEWORKS, "neither", "incorrect", "D"),
        # a leading key with the option's text
        (FRAMEWORKS, "B) PyTorch uses dynamic graphs", "correct", "B"),
        (FRAMEWORKS, "b. pytorch dynamic, tensorflow static", "correct", "B"),
        # short names: exact
        (CLOUD, "IaaS", "correct", "C"),
        (CLOUD, "iaas", "correct", "C"),
        (CLOUD, "PaaS", "incorrect", "B"),
        (CLOUD, "SaaS", "incorrect", "A"),
        (CLOUD, "Infrastructure as a Service", "correct", "C"),
        (CLOUD, "infrastucture as a servcie", "correct", "C"),
        (CLOUD, "platform as a service", "incorrect", "B"),
        # numbers
        (LEVELS, "Level 1", "correct", "B"),
        (LEVELS, "level 1 pipeline", "correct", "B"),
        (LEVELS, "Level 2", "incorrect", "C"),
        (LEVELS, "pipeline", "correct", "B"),
        # negations
        (EVAL_MODE, "it's not necessary", "incorrect", "C"),
        (EVAL_MODE, "changes how dropout and batch normalisation behave", "correct", "B"),
        (EVAL_MODE, "dropout", "correct", "B"),
    ],
)
def test_option_text(question: object, typed: str, verdict: str, key: str) -> None:
    from questions.model import Question

    assert isinstance(question, Question)
    result = grade(question, text=typed)
    assert (result.verdict.value, result.matched) == (verdict, (key,))


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        (CLOUD, "Iaas Paas"),  # names two options
        (CLOUD, "service"),  # in every option
        (LEVELS, "Level 5"),  # no such level
        (LEVELS, "level"),
        (LEVELS, "Level 2 pipeline: automated training, manual deployment"),  # B's words, C's number
        (EVAL_MODE, "it does not change how dropout and batch normalization behave"),  # B's words, negated
        (EVAL_MODE, "necessary"),  # the option says "not necessary": negations must agree
        (EVAL_MODE, "it doesn't load the model weights"),
        (
            FRAMEWORKS,
            "A) pytorch uses dynamic graphs tensorflow traditionally uses static graphs",
        ),  # conflict
    ],
)
def test_near_misses_and_conflicts_never_pass(question: object, typed: str) -> None:
    from questions.model import Question

    assert isinstance(question, Question)
    result = grade(question, text=typed)
    assert result.verdict is Verdict.AMBIGUOUS, result


def test_exact_option_text_wins_over_letters() -> None:
    """An option whose text is itself letters ("CD") is read as that option, not as keys C and D."""
    question = choice_question(["CI", "CD", "CT", "None of these"], "B")
    assert grade(question, text="cd").matched == ("B",)
    assert grade(question, text="CD").verdict is Verdict.CORRECT
    assert grade(question, text="c d").verdict is Verdict.AMBIGUOUS


def test_subset_option_prefers_the_closer_text() -> None:
    question = choice_question(["Canary deployment", "Shadow deployment", "Blue-green deployment"], "B")
    assert grade(question, text="shadow").verdict is Verdict.CORRECT
    assert grade(question, text="shadow deploymnet").verdict is Verdict.CORRECT
    assert grade(question, text="canary").verdict is Verdict.INCORRECT
    assert grade(question, text="deployment").verdict is Verdict.AMBIGUOUS


@pytest.mark.parametrize("typed", ["b - because graphs are built at run time", "B: dynamic", "(b) I think"])
def test_leading_letter_with_an_explanation(typed: str) -> None:
    assert grade(FRAMEWORKS, text=typed).matched == ("B",)


def test_or_inside_an_option_is_not_a_hedge() -> None:
    question = choice_question(["Data drift or concept drift", "Latency spikes", "Disk full"], "A")
    assert grade(question, text="data drfit or concept drift").verdict is Verdict.CORRECT
    assert grade(question, text="latency spikes or disk full").verdict is Verdict.AMBIGUOUS
