"""``/quiz`` commands, parsed once here for every adapter.

Grammar (case-insensitive, any spacing; a leading ``/quiz`` is tolerated)::

    /quiz [TOPIC] [here]          a question (private to you; ``here`` posts it to the channel for everyone)
    /quiz topics                  the topics one can ask for
    /quiz me                      your points, streak and rank
    /quiz leaderboard [week|last|lastweek|month|all] [teams]   (also ``lb``, ``top``)
    /quiz team join NAME | team leave | team list | teams
    /quiz team link NAME GROUP | team unlink NAME        (instructors: a team that follows a platform group)
    /quiz dm on|off               private feedback as DMs (on) or short replies in the channel (off)
    /quiz help

Any other first word is taken as a topic (the quiz service answers an unknown topic with the topic list).
A known command with wrong arguments parses to ``ShowHelp`` with the problem. Instructor commands
(``schedule``, ``unschedule``, ``sprint``, ``import``, ``close``, ``reset``, ``post``, and ``team link`` /
``team unlink`` as verb ``team``) parse to ``InstructorCommand``; ``bot.instructor`` parses their arguments
and runs them, the dispatcher checks who may run them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_TOPIC_CHARS = 100
MAX_TEAM_NAME_CHARS = 60

PERIOD_WORDS = {
    "week": "week",
    "weekly": "week",
    "this": "week",
    "last": "last_week",
    "lastweek": "last_week",
    "last_week": "last_week",
    "last-week": "last_week",
    "prev": "last_week",
    "month": "month",
    "monthly": "month",
    "all": "all",
    "alltime": "all",
    "all-time": "all",
    "ever": "all",
}
TEAM_WORDS = {"team", "teams"}
TEAM_LINK_WORDS = {"link", "unlink"}
LEADERBOARD_WORDS = {"leaderboard", "lb", "top", "board", "scores"}
INSTRUCTOR_VERBS = frozenset({"schedule", "unschedule", "sprint", "import", "close", "reset", "post"})


@dataclass(frozen=True, slots=True)
class AskQuestion:
    topic: str | None = None
    here: bool = False


@dataclass(frozen=True, slots=True)
class ShowTopics:
    pass


@dataclass(frozen=True, slots=True)
class ShowStats:
    pass


@dataclass(frozen=True, slots=True)
class ShowLeaderboard:
    period: str = "week"  # bot.leaderboard.Period value
    teams: bool = False
    channel: bool = False  # this channel's board instead of the workspace's


@dataclass(frozen=True, slots=True)
class JoinTeam:
    name: str


@dataclass(frozen=True, slots=True)
class LeaveTeam:
    pass


@dataclass(frozen=True, slots=True)
class ListTeams:
    pass


@dataclass(frozen=True, slots=True)
class SetDm:
    on: bool


@dataclass(frozen=True, slots=True)
class ShowHelp:
    problem: str | None = None
    echo: str | None = None  # the user's text that caused the problem


@dataclass(frozen=True, slots=True)
class InstructorCommand:
    verb: str
    args: str

    @property
    def name(self) -> str:
        """The command as users type it: the verb (``team link`` for the team subcommands)."""
        if self.verb == "team" and self.args:
            return f"{self.verb} {self.args.split(' ')[0].casefold()}"
        return self.verb


Command = (
    AskQuestion
    | ShowTopics
    | ShowStats
    | ShowLeaderboard
    | JoinTeam
    | LeaveTeam
    | ListTeams
    | SetDm
    | ShowHelp
    | InstructorCommand
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def clean_words(text: str) -> str:
    """NFKC text with control/format characters turned into spaces and spacing collapsed."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(_CONTROL.sub(" ", text).split())


def clean_name(text: str, limit: int) -> str:
    """A user-chosen name (team, topic) made safe to store: cleaned words, at most ``limit`` characters."""
    return clean_words(text)[:limit].strip()


def parse_command(text: str) -> Command:
    """Parse what follows ``/quiz``."""
    cleaned = clean_words(text)
    words = cleaned.split(" ") if cleaned else []
    if words and words[0].casefold() in ("/quiz", "quiz"):
        words = words[1:]
    if not words:
        return AskQuestion()
    head, rest = words[0].casefold(), words[1:]
    lowered = [w.casefold() for w in rest]
    if head in ("help", "?", "-h", "--help"):
        return ShowHelp()
    if head == "topics" or (head == "topic" and not rest):
        return ShowTopics() if not rest else ShowHelp("`topics` takes no arguments.", " ".join(rest))
    if head == "topic":
        words = words[1:]
    if head in ("me", "stats", "mystats"):
        return ShowStats() if not rest else ShowHelp("`me` takes no arguments.", " ".join(rest))
    if head in LEADERBOARD_WORDS:
        return _parse_leaderboard(lowered, rest)
    if head in TEAM_WORDS:
        return _parse_team(head, lowered, rest)
    if head == "dm":
        if lowered in (["on"], ["yes"], ["enable"]):
            return SetDm(True)
        if lowered in (["off"], ["no"], ["disable"]):
            return SetDm(False)
        return ShowHelp("Use `/quiz dm on` or `/quiz dm off`.", " ".join(rest) or None)
    if head in INSTRUCTOR_VERBS:
        return InstructorCommand(head, " ".join(rest))
    if head == "here":
        topic_words = rest
        return AskQuestion(_topic(topic_words), here=True)
    if lowered and lowered[-1] == "here":
        return AskQuestion(_topic(words[:-1]), here=True)
    return AskQuestion(_topic(words))


def _topic(words: list[str]) -> str | None:
    topic = " ".join(words)[:MAX_TOPIC_CHARS].strip()
    return topic or None


def _parse_leaderboard(lowered: list[str], raw: list[str]) -> Command:
    period = "week"
    teams = False
    channel = False
    seen_period = False
    i = 0
    while i < len(lowered):
        word = lowered[i]
        if word in TEAM_WORDS and not teams:
            teams = True
        elif word in ("here", "channel") and not channel:
            channel = True
        elif word == "last" and i + 1 < len(lowered) and lowered[i + 1] == "week" and not seen_period:
            period, seen_period = "last_week", True
            i += 1
        elif word in PERIOD_WORDS and not seen_period:
            period, seen_period = PERIOD_WORDS[word], True
        else:
            return ShowHelp(
                "Use `/quiz leaderboard [week|last|month|all] [teams] [here]`.", " ".join(raw[i:]) or None
            )
        i += 1
    return ShowLeaderboard(period, teams, channel)


def _parse_team(head: str, lowered: list[str], raw: list[str]) -> Command:
    if head == "teams" and not lowered:
        return ListTeams()
    if not lowered or lowered == ["list"]:
        return ListTeams()
    if lowered[0] == "leave" and len(lowered) == 1:
        return LeaveTeam()
    if lowered[0] in TEAM_LINK_WORDS:
        return InstructorCommand("team", " ".join([lowered[0], *raw[1:]]))
    if lowered[0] == "join":
        name = clean_name(" ".join(raw[1:]), MAX_TEAM_NAME_CHARS)
        if name:
            return JoinTeam(name)
        return ShowHelp("Name the team: `/quiz team join NAME`.")
    return ShowHelp(
        "Use `/quiz team join NAME`, `/quiz team leave` or `/quiz team list` (instructors: "
        "`/quiz team link NAME GROUP`, `/quiz team unlink NAME`).",
        " ".join(raw),
    )


HELP_LINES: tuple[tuple[str, str], ...] = (
    (
        "/quiz [topic]",
        "a question for you alone (any topic when none is given); answer with a button or words",
    ),
    ("/quiz [topic] here", "post a question to the channel for everyone"),
    ("/quiz topics", "the topics you can ask for"),
    ("/quiz me", "your points, accuracy, streak and rank"),
    (
        "/quiz leaderboard [week|last|month|all] [teams] [here]",
        "the workspace's leaderboard (this week by default); `here`: this channel's",
    ),
    ("/quiz team join NAME", "join a team (or create it)"),
    ("/quiz team leave", "leave your team"),
    ("/quiz team list", "the teams and their sizes"),
    ("/quiz dm on|off", "detailed feedback as direct messages (on) or a short private reply (off)"),
    ("/quiz help", "this help"),
)
INSTRUCTOR_HELP_LINES: tuple[tuple[str, str], ...] = (
    ("/quiz schedule ...", "daily questions and weekly leaderboards in this channel (instructors)"),
    ("/quiz unschedule ID", "delete a schedule (instructors)"),
    ("/quiz sprint ...", "an exam-prep sprint (instructors)"),
    ("/quiz post [topic]", "post a question to the channel now (instructors)"),
    ("/quiz close", "close the channel's latest question now (instructors)"),
    (
        "/quiz import [check]",
        "import a Markdown quiz file as a question bank (Slack: pick it in the form; Discord: attach it); "
        "check only reports what would be taken and skipped (instructors)",
    ),
    (
        "/quiz team link NAME GROUP",
        "team NAME follows a Slack user group or Discord role (GROUP: @handle, a mention or an id): the "
        "group's members join it as they use the quiz (instructors)",
    ),
    ("/quiz team unlink NAME", "team NAME stops following its group; its members stay (instructors)"),
    (
        "/quiz reset leaderboard [channel] [confirm]",
        "a new leaderboard season for the workspace (or this channel): boards count only answers from now "
        "on and current streaks restart; answers and history are kept; asks you to repeat it with confirm "
        "(instructors)",
    ),
)
