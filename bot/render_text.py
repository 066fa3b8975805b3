"""Plain-text rendering of every outbound message: the console's output and the chat adapters' fallback text.

Nothing platform-specific is escaped here (each adapter escapes for its own platform); what this does strip is
control and bidi-override characters, from every piece of text, so echoed user input cannot move the cursor,
clear a terminal or reorder a line. Newlines and tabs survive in multi-line text (prompts, code).
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.messages import (
    CardAction,
    Feedback,
    Help,
    Leaderboard,
    Message,
    Notice,
    NoticeLevel,
    QuestionCard,
    ReadinessReport,
    ReviewLink,
    SprintProgress,
    Stats,
    TeamList,
    TopicList,
    WeeklyDigest,
)

_CONTROL_INLINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_CONTROL_BLOCK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
MAX_ECHO = 200

VERDICT_HEADLINES = {
    "correct": "Correct!",
    "partial": "Partly right.",
    "incorrect": "Not quite.",
    "ambiguous": "Unclear answer.",
    "self_assess": "Answer recorded: compare it with the model answer and rate yourself.",
}
RATING_LABELS = {"got_it": "got it", "partly": "partly", "missed": "missed"}
PERIOD_LABELS = {"week": "this week", "last_week": "last week", "month": "this month", "all": "all time"}
LEVEL_PREFIX = {NoticeLevel.INFO: "", NoticeLevel.WARNING: "! ", NoticeLevel.ERROR: "Error: "}


def clean_inline(text: str) -> str:
    """One line of text: control characters become spaces."""
    return _CONTROL_INLINE.sub(" ", text)


def clean_block(text: str) -> str:
    """Multi-line text: control characters removed except newlines and tabs (carriage returns dropped)."""
    return _CONTROL_BLOCK.sub("", text.replace("\r\n", "\n"))


def quote(text: str, limit: int = MAX_ECHO) -> str:
    """User text shown inline, quoted and shortened."""
    text = clean_inline(text).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{text}”"


def render(message: Message) -> str:
    """The plain text of any message."""
    if isinstance(message, QuestionCard):
        return render_card(message)
    if isinstance(message, Feedback):
        return render_feedback(message)
    if isinstance(message, Leaderboard):
        return render_leaderboard(message)
    if isinstance(message, Stats):
        return render_stats(message)
    if isinstance(message, TopicList):
        return render_topics(message)
    if isinstance(message, TeamList):
        return render_teams(message)
    if isinstance(message, Notice):
        return render_notice(message)
    if isinstance(message, Help):
        return render_help(message)
    if isinstance(message, WeeklyDigest):
        return render_weekly(message)
    if isinstance(message, SprintProgress):
        return render_progress(message)
    if isinstance(message, ReadinessReport):
        return render_readiness(message)
    raise TypeError(f"cannot render {type(message).__name__}")


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def render_card(card: QuestionCard) -> str:
    """A question card: header, prompt, choices, how to answer, and the reveal once closed."""
    tags = [t for t in (card.topic, card.difficulty) if t]
    head = f"Question #{card.post_id}" + (f" [{' · '.join(clean_inline(t) for t in tags)}]" if tags else "")
    lines = [head, "", clean_block(card.prompt).strip()]
    if card.choices:
        lines.append("")
        for choice in card.choices:
            mark = ""
            if card.reveal is not None:
                count = dict(card.reveal.distribution).get(choice.key, 0)
                right = "✓" if choice.key in card.reveal.correct_keys else " "
                mark = f"  {right} {count} chose this"
            lines.append(f"  {choice.key}) {clean_inline(choice.text)}{mark}")
    lines.append("")
    if card.closed and card.reveal is not None:
        lines.append("Closed. Answer: " + clean_block(card.reveal.correct_answer).replace("\n", "; "))
        if card.reveal.explanation:
            lines.append(clean_block(card.reveal.explanation).strip())
        lines.append(f"{card.reveal.answered} answered, {card.reveal.correct} correct.")
    elif card.closed:
        lines.append("Closed.")
    else:
        lines.append(_how_to_answer(card))
        if card.audience == "channel":  # a private card has one possible answerer: no count to show
            status = f"{card.answered_count} answered"
            if card.closes_at is not None:
                status += f" · closes {_when(card.closes_at)}"
            lines.append(status)
    return "\n".join(lines)


def _how_to_answer(card: QuestionCard) -> str:
    if CardAction.CHOOSE in card.actions:
        return "Answer: type the letter of one option (or the answer in words)."
    if CardAction.SELECT_MANY in card.actions:
        return "Answer: type every right letter, e.g. A C (select all that apply)."
    return "Answer: type your answer in words."


def render_feedback(feedback: Feedback) -> str:
    """A user's private feedback; brief feedback is the headline only."""
    if feedback.self_rating is not None:
        label = RATING_LABELS.get(feedback.self_rating, feedback.self_rating)
        headline = f"Rated: {label}. +{feedback.points} points."
    else:
        headline = VERDICT_HEADLINES.get(feedback.verdict, feedback.verdict)
        if feedback.verdict != "self_assess":
            headline += f" +{feedback.points} points."
    if feedback.streak:
        headline += f" Streak: {feedback.streak} day{'s' if feedback.streak != 1 else ''}."
    lines = [headline]
    if feedback.brief:
        if feedback.verdict != "correct" and feedback.correct_answer:
            lines.append("Answer: " + clean_block(feedback.correct_answer).replace("\n", "; "))
        return "\n".join(lines)
    if feedback.your_answer is not None:
        lines.append("Your answer: " + quote(feedback.your_answer))
    if feedback.open_review is not None:
        review = feedback.open_review
        if review.model_answer:
            lines += ["Model answer:", clean_block(review.model_answer).strip()]
        if review.key_points:
            lines.append("Key points:")
            lines += [f"  - {clean_inline(p)}" for p in review.key_points]
        if review.rubric:
            lines += ["Rubric:", clean_block(review.rubric).strip()]
    elif feedback.correct_answer:
        lines.append("Correct answer: " + clean_block(feedback.correct_answer).replace("\n", "; "))
    for why in feedback.why_wrong:
        lines.append(f"Why {why.key} is wrong: {clean_inline(why.reason)}")
    if feedback.explanation:
        lines.append(clean_block(feedback.explanation).strip())
    if feedback.review_title or feedback.review_url:
        parts = [clean_inline(p) for p in (feedback.review_title, feedback.review_url) if p]
        lines.append("Review: " + " — ".join(parts))
    if feedback.rating_actions:
        options = ", ".join(RATING_LABELS.get(r, r) for r in feedback.rating_actions)
        lines.append(f"How did you do? Rate yourself: {options} (/rate {'|'.join(feedback.rating_actions)}).")
    return "\n".join(lines)


def board_title(board: Leaderboard) -> str:
    """``Player leaderboard, this week`` (``…, this channel`` for a channel's board); after a leaderboard
    reset ``…, since 3 Dec 2026`` (all time) or ``…, this week (since Wed 3 Dec)``."""
    who = "Team" if board.teams else "Player"
    label = PERIOD_LABELS.get(board.period, board.period)
    since = board.since
    if since is not None:
        if board.period == "all":
            label = f"since {since.day} {since:%b %Y}"
        else:
            label += f" (since {since:%a} {since.day} {since:%b})"
    title = f"{who} leaderboard, {label}"
    return title + (", this channel" if board.channel_only else "")


def render_leaderboard(board: Leaderboard) -> str:
    """A ranked table of players or teams."""
    lines = [board_title(board)]
    if not board.rows:
        lines.append("No answers yet.")
        return "\n".join(lines)
    for row in board.rows:
        name = quote(row.name, 40)
        line = f"{row.rank:>3}. {name}  {row.points} pts  {row.answered} answered  {row.accuracy:.0%} right"
        if row.members is not None:
            line += f"  {row.members} members"
            if row.avg_per_member is not None:
                line += f"  {row.avg_per_member:.1f} per member"
        if row.streak:
            line += f"  streak {row.streak}"
        lines.append(line)
    return "\n".join(lines)


def render_stats(stats: Stats) -> str:
    """``/quiz me``."""
    name = quote(stats.display_name, 60) if stats.display_name else "You"
    rank = f"#{stats.rank_week}" if stats.rank_week else "unranked"
    lines = [
        f"{name}: {stats.points_week} points this week ({rank}), {stats.points_all} in all.",
        f"Answered {stats.answered}, {stats.correct} right ({stats.accuracy:.0%}).",
        f"Streak: {stats.streak} (best {stats.best_streak}).",
        "Team: " + (quote(stats.team, 60) if stats.team else "none"),
        "Feedback DMs: " + ("on" if stats.dm_feedback else "off"),
    ]
    return "\n".join(lines)


def render_topics(topics: TopicList) -> str:
    """The topic list (after an unknown topic, says so)."""
    lines = []
    if topics.query is not None:
        lines.append(f"I don't know the topic {quote(topics.query, 60)}.")
    if not topics.topics:
        lines.append("No topics yet: no question banks are loaded.")
        return "\n".join(lines)
    lines.append("Topics: " + ", ".join(f"{clean_inline(t.name)} ({t.questions})" for t in topics.topics))
    lines.append("Ask with /quiz TOPIC.")
    return "\n".join(lines)


def render_teams(teams: TeamList) -> str:
    """The teams and their sizes."""
    if not teams.teams:
        return "No teams yet: /quiz team join NAME creates one."
    lines = ["Teams:"]
    lines += [
        f"  {quote(t.name, 60)} ({t.members} member{'s' if t.members != 1 else ''})" for t in teams.teams
    ]
    lines.append("Your team: " + (quote(teams.your_team, 60) if teams.your_team else "none"))
    return "\n".join(lines)


def render_notice(notice: Notice) -> str:
    """A notice (its lines kept: a schedule list has one per schedule), the echoed user text quoted."""
    text = LEVEL_PREFIX[notice.level] + clean_block(notice.text).strip()
    if notice.echo is not None:
        text += " " + quote(notice.echo)
    return text


def render_help(help_: Help) -> str:
    """``/quiz help``."""
    lines = []
    if help_.problem:
        lines.append(
            clean_inline(help_.problem) + (f" (you typed {quote(help_.echo)})" if help_.echo else "")
        )
    lines.append("Quizmaster commands:")
    width = max(len(e.usage) for e in (*help_.entries, *help_.instructor_entries))
    lines += [f"  {e.usage.ljust(width)}  {e.description}" for e in help_.entries]
    if help_.instructor_entries:
        lines.append("Instructors:")
        lines += [f"  {e.usage.ljust(width)}  {e.description}" for e in help_.instructor_entries]
    return "\n".join(lines)


def render_weekly(digest: WeeklyDigest) -> str:
    """The Monday post: players, teams, longest streaks, most improved (the chart is an image, not text)."""
    lines = ["Last week on the quiz", "", render_leaderboard(digest.players), ""]
    lines.append(render_leaderboard(digest.teams))
    if digest.streaks:
        lines += ["", "Longest streaks:"]
        for entry in digest.streaks:
            lines.append(f"  {quote(entry.name, 40)}  {entry.value} day{'s' if entry.value != 1 else ''}")
    if digest.improved:
        lines += ["", "Most improved:"]
        lines += [f"  {quote(s.name, 40)}  +{s.value} pts" for s in digest.improved]
    return "\n".join(lines)


def render_progress(progress: SprintProgress) -> str:
    """``"Midterm": day 5 of 21 — 15/60 questions, cohort accuracy 72%``."""
    accuracy = "no answers yet" if progress.accuracy is None else f"cohort accuracy {progress.accuracy:.0%}"
    return (
        f"{quote(progress.name, 60)}: day {progress.day} of {progress.days} — "
        f"{progress.posted}/{progress.planned} questions, {accuracy}"
    )


def _links(links: tuple[ReviewLink, ...]) -> list[str]:
    return ["    review: " + " — ".join(clean_inline(p) for p in (r.title, r.url) if p) for r in links]


def render_readiness(report: ReadinessReport) -> str:
    """A sprint's readiness report: per learner, then per topic."""
    lines = [
        f"Readiness report for {quote(report.name, 60)} ({report.starts_on} to {report.until}), "
        f"{report.posted} questions posted",
        "",
        "Learners:",
    ]
    if not report.learners:
        lines.append("  nobody answered yet")
    for learner in report.learners:
        weak = ", ".join(clean_inline(t) for t in learner.weakest)
        weakest = f"; weakest: {weak}" if weak else ""
        lines.append(
            f"  {quote(learner.name, 40)}: {learner.answered} answered, {learner.accuracy:.0%} right{weakest}"
        )
        lines += _links(learner.review)
    lines += ["", "Topics:"]
    for topic in report.topics:
        lines.append(
            f"  {clean_inline(topic.topic)}: {topic.answered} answers by {topic.learners} learners, "
            f"{topic.accuracy:.0%} right"
        )
        lines += _links(topic.review)
    return "\n".join(lines)
