"""The points rule: how many points one graded answer earns.

Base points by difficulty: easy or unset 10, medium 12, hard 15.

| verdict       | points                                                        |
|---------------|---------------------------------------------------------------|
| correct       | the base                                                      |
| partial       | base x score, rounded half up (score 0.5 on a hard one: 8)    |
| incorrect     | 0                                                             |
| ambiguous     | 0 (the learner is asked again; such answers are not recorded) |
| self_assess   | base x score: got_it = 1.0 (full), partly = 0.5 (half), missed = 0 |

Open questions are graded by the learner's own rating; ``SELF_RATING_SCORES`` maps a rating to the score
stored with the answer, so the points above follow from it.

What "correct" means for accuracy: an answer counts as correct when its stored ``score`` is 1.0 — a
``correct`` verdict, or an open answer self-rated ``got_it``. Partial answers (score below 1.0) count as
answered but not correct. The leaderboards read it from the score so that the covering indexes
(``ix_answers_ws_time``, ``ix_answers_channel_time``) answer them without touching the table; whoever stores
an answer must therefore store ``score`` = 1.0 exactly for those two and below 1.0 for everything else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from bot.grading.verdict import Grade, Verdict
from questions.model import Difficulty

DEFAULT_BASE_POINTS = 10
BASE_POINTS: Mapping[Difficulty, int] = MappingProxyType(
    {Difficulty.EASY: 10, Difficulty.MEDIUM: 12, Difficulty.HARD: 15}
)
SELF_RATING_SCORES: Mapping[str, float] = MappingProxyType({"got_it": 1.0, "partly": 0.5, "missed": 0.0})
CORRECT_SCORE = 1.0  # a stored score at or above this counts as a correct answer


def base_points(difficulty: Difficulty | None) -> int:
    """Points for a fully right answer to a question of this difficulty."""
    if difficulty is None:
        return DEFAULT_BASE_POINTS
    return BASE_POINTS[Difficulty(difficulty)]


def points_for(grade: Grade, difficulty: Difficulty | None) -> int:
    """Points earned by one graded answer (see the module docstring for the rule)."""
    base = base_points(difficulty)
    if grade.verdict is Verdict.CORRECT:
        return base
    if grade.verdict in (Verdict.PARTIAL, Verdict.SELF_ASSESS):
        # Half up, not Python's banker's rounding: 0.5 of 15 is 8, not 8 or 7 depending on parity.
        # The epsilon keeps float noise (10 x 0.35 = 3.4999...) from rounding a half down.
        return math.floor(base * grade.score + 0.5 + 1e-9)
    return 0


def self_rating_score(rating: str) -> float:
    """The score stored for an open answer's self-rating (``got_it``, ``partly``, ``missed``)."""
    try:
        return SELF_RATING_SCORES[rating]
    except KeyError:
        raise ValueError(
            f"unknown self-rating {rating!r}; expected one of {', '.join(SELF_RATING_SCORES)}"
        ) from None


def counts_as_correct(score: float) -> bool:
    """Whether an answer with this stored score counts as correct for accuracy."""
    return score >= CORRECT_SCORE
