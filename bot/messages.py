"""Outbound messages: neutral, frozen data that each adapter renders for its platform.

Nothing here is pre-formatted for a platform. Text that came from users (display names, team names,
typed answers, unknown topics) is carried in its own fields (``echo``, ``your_answer``, ``name``,
``query``) so every renderer can escape it for its platform; text from question banks (prompts,
choices, explanations) is Markdown written by instructors. ``bot.render_text.render`` turns every
message into plain text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class CardAction(StrEnum):
    """What a question card lets people do; adapters must offer each listed action."""

    CHOOSE = "choose"  # one button per choice key; a click answers
    SELECT_MANY = "select_many"  # a multi-select of the choice keys plus a submit button
    ANSWER_IN_WORDS = "answer_in_words"  # type the answer (a reply, a form, a text input)


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ChoiceView:
    """One option as shown on a card."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Reveal:
    """What a closed card shows: the right answer and how everyone answered."""

    correct_keys: tuple[str, ...]
    correct_answer: str
    distribution: tuple[tuple[str, int], ...]  # (choice key, how many chose it), in key order
    answered: int
    correct: int
    explanation: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionCard:
    """A posted question: prompt (Markdown, code blocks included), choices and the actions to show."""

    post_id: int
    question_id: str
    kind: str  # questions.model.Kind value
    prompt: str
    choices: tuple[ChoiceView, ...]
    actions: tuple[CardAction, ...]
    topic: str | None = None
    difficulty: str | None = None
    audience: str = "channel"  # "channel" | "private"
    answered_count: int = 0
    closes_at: datetime | None = None
    closed: bool = False
    reveal: Reveal | None = None


@dataclass(frozen=True, slots=True)
class WhyWrong:
    """Why a chosen option was wrong, when the bank says."""

    key: str
    choice_text: str
    reason: str


@dataclass(frozen=True, slots=True)
class OpenReview:
    """What an open question's learner compares their answer with before rating themself."""

    model_answer: str
    key_points: tuple[str, ...] = ()
    rubric: str | None = None


@dataclass(frozen=True, slots=True)
class Feedback:
    """The private result of one answer. ``brief`` feedback (DMs switched off) shows only the headline."""

    post_id: int
    question_id: str
    verdict: str  # bot.grading.verdict.Verdict value
    score: float
    points: int
    your_answer: str | None = None  # the user's own text or keys, as data
    correct_answer: str | None = None
    correct_keys: tuple[str, ...] = ()
    explanation: str | None = None
    why_wrong: tuple[WhyWrong, ...] = ()
    review_title: str | None = None
    review_url: str | None = None
    streak: int = 0
    open_review: OpenReview | None = None
    rating_actions: tuple[str, ...] = ()  # self-rating choices to offer (open questions awaiting a rating)
    self_rating: str | None = None
    brief: bool = False


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One line of a leaderboard: a player (``streak``) or a team (``members``, ``avg_per_member``)."""

    rank: int
    name: str  # display name or team name, as data
    points: int
    answered: int
    accuracy: float
    streak: int | None = None
    members: int | None = None
    avg_per_member: float | None = None


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: str  # bot.leaderboard.Period value
    teams: bool
    rows: tuple[LeaderboardRow, ...]
    starts: datetime | None = None
    ends: datetime | None = None
    channel_only: bool = False  # answers given in the asking channel only
    since: date | None = None  # a leaderboard reset started the board on this (local) day


@dataclass(frozen=True, slots=True)
class Stats:
    """``/quiz me``."""

    display_name: str | None
    points_week: int
    points_all: int
    answered: int
    correct: int
    accuracy: float
    streak: int
    best_streak: int
    rank_week: int | None
    team: str | None
    dm_feedback: bool


@dataclass(frozen=True, slots=True)
class TopicEntry:
    name: str
    questions: int


@dataclass(frozen=True, slots=True)
class TopicList:
    """The topics one can ask for; ``query`` is the user's unknown topic, when that is why it is shown."""

    topics: tuple[TopicEntry, ...]
    query: str | None = None


@dataclass(frozen=True, slots=True)
class TeamEntry:
    name: str
    members: int


@dataclass(frozen=True, slots=True)
class TeamList:
    teams: tuple[TeamEntry, ...]
    your_team: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """A short info/warning/error. ``text`` is ours; ``echo`` is user text shown quoted after it."""

    level: NoticeLevel
    text: str
    echo: str | None = None


@dataclass(frozen=True, slots=True)
class HelpEntry:
    usage: str
    description: str


@dataclass(frozen=True, slots=True)
class Help:
    """``/quiz help``; ``problem``/``echo`` say what was wrong with the command that led here."""

    entries: tuple[HelpEntry, ...]
    problem: str | None = None
    echo: str | None = None
    instructor_entries: tuple[HelpEntry, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class NamedCount:
    """A player and a number (a streak in days, a rise in points) for the weekly post; ``name`` is data."""

    name: str
    value: int


@dataclass(frozen=True, slots=True)
class WeeklyDigest:
    """The Monday post: last week's top players and team table, longest streaks, most improved, and a PNG
    chart of the team standings (``chart_png``) for platforms that show images."""

    players: Leaderboard
    teams: Leaderboard
    streaks: tuple[NamedCount, ...] = ()
    improved: tuple[NamedCount, ...] = ()
    chart_png: bytes | None = None


@dataclass(frozen=True, slots=True)
class SprintProgress:
    """A sprint's daily progress line: day ``day`` of ``days``, questions posted of planned, accuracy."""

    name: str  # the sprint's name, as data (an instructor typed it)
    day: int
    days: int
    posted: int
    planned: int
    answered: int
    accuracy: float | None  # None before anything was answered


@dataclass(frozen=True, slots=True)
class ReviewLink:
    """Where to study: a review title and/or URL from the bank."""

    title: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class LearnerReadiness:
    """One learner's numbers in a sprint; ``weakest`` topics first, ``review`` for the questions missed."""

    name: str  # display name, as data
    answered: int
    correct: int
    accuracy: float
    weakest: tuple[str, ...] = ()
    review: tuple[ReviewLink, ...] = ()


@dataclass(frozen=True, slots=True)
class TopicReadiness:
    """The cohort's numbers on one topic of a sprint."""

    topic: str
    answered: int
    correct: int
    accuracy: float
    learners: int
    review: tuple[ReviewLink, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """A sprint's readiness report for its instructor: per learner and per topic."""

    name: str  # the sprint's name, as data
    starts_on: str  # ISO dates
    until: str
    posted: int
    learners: tuple[LearnerReadiness, ...]
    topics: tuple[TopicReadiness, ...]


Message = (
    QuestionCard
    | Feedback
    | Leaderboard
    | Stats
    | TopicList
    | TeamList
    | Notice
    | Help
    | WeeklyDigest
    | SprintProgress
    | ReadinessReport
)


def info(text: str, echo: str | None = None) -> Notice:
    """An informational notice."""
    return Notice(NoticeLevel.INFO, text, echo)


def warning(text: str, echo: str | None = None) -> Notice:
    """A warning notice (the request was understood but refused)."""
    return Notice(NoticeLevel.WARNING, text, echo)


def error(text: str, echo: str | None = None) -> Notice:
    """An error notice."""
    return Notice(NoticeLevel.ERROR, text, echo)
