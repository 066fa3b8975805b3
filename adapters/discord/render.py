"""Core messages rendered for Discord: content, embeds, component rows and files, within Discord's limits.

Pure: ``render(message)`` returns a ``Rendered`` (``discord.Embed`` objects plus neutral component specs);
``views.build_view`` turns the specs into a persistent ``discord.ui.View`` when sending. What goes where:

- a question card is an embed (title ``Question #N · topic · difficulty``, the prompt with its code blocks,
  the choices, and at close the answer, the explanation and how many chose each option), with buttons
  labelled with the option keys (up to 20, four rows of five), or a select menu (multi-select, or more than
  20 options: at most 25 options), and an "Answer in words" button; the footer counts the answers;
- detailed feedback is an embed (with self-rating buttons for open questions), brief feedback and the
  rest are plain content, a readiness report is an embed, the weekly digest attaches its chart.

Limits (``bot`` never sees them): content 2,000; embed title 256, description 4,096, all embeds 6,000
together; 5 rows of 5 buttons; labels 80; select options 25 with labels of 100. A prompt longer than one
description continues in the next embed (``text.split_markdown`` keeps code fences whole); one too long
for the message is shortened, never the choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import discord

from adapters.discord import ids
from adapters.discord.text import (
    bank_block,
    bank_inline,
    channel_links,
    quote,
    shorten_markdown,
    split_markdown,
    truncate,
    user_text,
)
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
from bot.render_text import RATING_LABELS, VERDICT_HEADLINES, board_title, clean_block

MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_EMBEDS_TOTAL = 6000
MAX_FOOTER = 2048
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_OPTION_LABEL = 100
MAX_PLACEHOLDER = 150
MAX_CHOICE_BUTTONS = (MAX_ROWS - 1) * MAX_BUTTONS_PER_ROW  # one row stays free for "Answer in words"
CHOICES_BUDGET = 2400  # the choice list's share of a card's 6,000 characters
REVEAL_BUDGET = 1400  # the reveal's (answer, explanation, counts)
SAFETY = 200  # fences closed and reopened when a body is split
WORDS_LABEL = "Answer in words"
RATING_BUTTONS = {
    "got_it": ("Got it", "success"),
    "partly": ("Partly", "primary"),
    "missed": ("Missed", "danger"),
}

OPEN_COLOUR = 0x5865F2
CLOSED_COLOUR = 0x747F8D
VERDICT_COLOURS = {"correct": 0x57F287, "partial": 0xFEE75C, "incorrect": 0xED4245, "self_assess": 0x5865F2}

Style = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """A button: its custom id (``ids``), label and style."""

    custom_id: str
    label: str
    style: Style = "secondary"


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option of a select menu."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class SelectSpec:
    """A string select menu (alone in its row)."""

    custom_id: str
    placeholder: str
    options: tuple[OptionSpec, ...]
    min_values: int = 1
    max_values: int = 1


Control = ButtonSpec | SelectSpec


@dataclass(frozen=True, slots=True)
class FileSpec:
    """A file to attach."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Rendered:
    """One Discord message: content, embeds, rows of components, files."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()
    rows: tuple[tuple[Control, ...], ...] = ()
    files: tuple[FileSpec, ...] = field(default=())


def render(message: Message) -> Rendered:
    """Any core message as a Discord message."""
    if isinstance(message, QuestionCard):
        return render_card(message)
    if isinstance(message, Feedback):
        return render_feedback(message)
    if isinstance(message, ReadinessReport):
        return render_readiness(message)
    if isinstance(message, WeeklyDigest):
        chart = (FileSpec("weekly.png", message.chart_png),) if message.chart_png else ()
        return Rendered(content=fit_lines(weekly_lines(message), MAX_CONTENT), files=chart)
    return Rendered(content=fit_lines(text_lines(message), MAX_CONTENT))


def counted(n: int, noun: str) -> str:
    """``1 member``, ``2 members``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def fit_lines(lines: list[str], limit: int) -> str:
    """Lines joined, cut at a line end to fit ``limit`` (a last line says more was left out)."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    more = "…"
    kept: list[str] = []
    size = len(more)
    for line in lines:
        line = truncate(line, limit - len(more) - 1)
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, more])


# --- question cards ------------------------------------------------------------------------------------


def render_card(card: QuestionCard) -> Rendered:
    """A question card as embeds (prompt split across them when long) and its answer components."""
    tags = [bank_inline(t, 60) for t in (card.topic, card.difficulty) if t]
    title = truncate(" · ".join([f"Question #{card.post_id}", *tags]), MAX_TITLE)
    footer = truncate(_card_footer(card), MAX_FOOTER)
    choices = _choice_lines(card)
    reveal = _reveal_block(card)
    fixed = len(title) + len(footer) + len(choices) + len(reveal) + 4
    prompt = shorten_markdown(bank_block(card.prompt) or "(no prompt)", MAX_EMBEDS_TOTAL - fixed - SAFETY)
    body = "\n\n".join(part for part in (prompt, choices, reveal) if part)
    colour = CLOSED_COLOUR if card.closed else OPEN_COLOUR
    embeds = []
    for index, piece in enumerate(split_markdown(body, MAX_DESCRIPTION)):
        embed = discord.Embed(title=title if index == 0 else None, description=piece, colour=colour)
        embeds.append(embed)
    embeds[-1].set_footer(text=footer)
    if card.closes_at is not None and not card.closed and card.audience == "channel":
        embeds[-1].timestamp = card.closes_at
    return Rendered(embeds=tuple(embeds), rows=() if card.closed else card_rows(card))


def _card_footer(card: QuestionCard) -> str:
    if card.closed:
        if card.reveal is not None:
            return f"Closed · {card.reveal.answered} answered, {card.reveal.correct} correct"
        return "Closed"
    how = _how_to_answer(card)
    if card.audience != "channel":
        return f"Only you can see this question. {how}"
    status = f"{card.answered_count} answered"
    if card.closes_at is not None:
        status += " · closes"  # the embed timestamp shows when, in each reader's time zone
    return f"{how}\n{status}"


def _how_to_answer(card: QuestionCard) -> str:
    if CardAction.CHOOSE in card.actions:
        return "Click your answer, or answer in words."
    if CardAction.SELECT_MANY in card.actions:
        return "Select all that apply, or answer in words (e.g. A C)."
    return "Click “Answer in words” to answer."


def _choice_lines(card: QuestionCard) -> str:
    if not card.choices:
        return ""
    per_choice = max(40, CHOICES_BUDGET // len(card.choices) - 24)
    counts = dict(card.reveal.distribution) if card.reveal is not None else {}
    lines = []
    for choice in card.choices:
        line = f"**{choice.key}.** {bank_inline(choice.text, per_choice)}"
        if card.reveal is not None:
            mark = " ✅" if choice.key in card.reveal.correct_keys else ""
            line += f" — {counts.get(choice.key, 0)}{mark}"
        lines.append(line)
    return "\n".join(lines)


def _reveal_block(card: QuestionCard) -> str:
    if not card.closed or card.reveal is None:
        return ""
    reveal = card.reveal
    answer = bank_block(reveal.correct_answer).replace("\n", "; ")
    parts = [f"**Answer:** {truncate(answer, 400)}"]
    if reveal.explanation:
        parts.append(shorten_markdown(bank_block(reveal.explanation), REVEAL_BUDGET - 480))
    return "\n".join(parts)


def card_rows(card: QuestionCard) -> tuple[tuple[Control, ...], ...]:
    """The card's component rows: choice buttons or a select menu, then "Answer in words"."""
    rows: list[tuple[Control, ...]] = []
    keys = [c.key for c in card.choices]
    if CardAction.CHOOSE in card.actions and 0 < len(keys) <= MAX_CHOICE_BUTTONS:
        buttons = [ButtonSpec(ids.choose(card.post_id, k), k, "primary") for k in keys]
        rows += [
            tuple(buttons[i : i + MAX_BUTTONS_PER_ROW]) for i in range(0, len(buttons), MAX_BUTTONS_PER_ROW)
        ]
    elif CardAction.CHOOSE in card.actions and keys:
        rows.append((_choice_select(card, many=False),))
    if CardAction.SELECT_MANY in card.actions and keys:
        rows.append((_choice_select(card, many=True),))
    if CardAction.ANSWER_IN_WORDS in card.actions:
        rows.append((ButtonSpec(ids.words(card.post_id), WORDS_LABEL, "secondary"),))
    return tuple(rows[:MAX_ROWS])


def _choice_select(card: QuestionCard, *, many: bool) -> SelectSpec:
    """A select menu of the choices (at most 25; beyond that, typing the letters still answers)."""
    shown = card.choices[:MAX_SELECT_OPTIONS]
    options = tuple(
        OptionSpec(truncate(f"{c.key}. {' '.join(c.text.split())}", MAX_OPTION_LABEL), c.key) for c in shown
    )
    placeholder = "Select all that apply" if many else "Choose your answer"
    return SelectSpec(
        ids.pick(card.post_id), placeholder, options, min_values=1, max_values=len(options) if many else 1
    )


# --- feedback --------------------------------------------------------------------------------------------


def headline(feedback: Feedback) -> str:
    """The first line of feedback: verdict (or rating), points, streak."""
    if feedback.self_rating is not None:
        label = RATING_LABELS.get(feedback.self_rating, feedback.self_rating)
        text = f"Rated: {label}. +{feedback.points} points."
    else:
        text = VERDICT_HEADLINES.get(feedback.verdict, feedback.verdict)
        if feedback.verdict != "self_assess":
            text += f" +{feedback.points} points."
    if feedback.streak:
        text += f" Streak: {feedback.streak} day{'s' if feedback.streak != 1 else ''}."
    return text


def render_feedback(feedback: Feedback) -> Rendered:
    """Brief feedback as one or two lines of content; detailed feedback as an embed (plus rating buttons)."""
    rows = _rating_rows(feedback)
    if feedback.brief:
        lines = [f"**{headline(feedback)}**"]
        if feedback.verdict != "correct" and feedback.correct_answer:
            lines.append("Answer: " + bank_block(feedback.correct_answer).replace("\n", "; "))
        return Rendered(content=fit_lines(lines, MAX_CONTENT), rows=rows)
    parts: list[str] = [f"Question #{feedback.post_id}"]
    if feedback.your_answer is not None:
        parts.append("**Your answer:** " + quote(feedback.your_answer, 300))
    if feedback.open_review is not None:
        review = feedback.open_review
        if review.model_answer:
            parts.append("**Model answer:**\n" + bank_block(review.model_answer))
        if review.key_points:
            parts.append("**Key points:**\n" + "\n".join(f"- {bank_inline(p)}" for p in review.key_points))
        if review.rubric:
            parts.append("**Rubric:**\n" + bank_block(review.rubric))
    elif feedback.correct_answer:
        parts.append("**Correct answer:** " + bank_block(feedback.correct_answer).replace("\n", "; "))
    for why in feedback.why_wrong:
        parts.append(f"**Why {why.key} is wrong:** {bank_inline(why.reason, 500)}")
    if feedback.explanation:
        parts.append(bank_block(feedback.explanation))
    review_line = _review_line(ReviewLink(feedback.review_title, feedback.review_url))
    if review_line:
        parts.append("**Review:** " + review_line)
    if feedback.rating_actions:
        parts.append("How did you do? Rate yourself with a button below.")
    embed = discord.Embed(
        title=truncate(headline(feedback), MAX_TITLE),
        description=shorten_markdown("\n\n".join(parts), MAX_DESCRIPTION),
        colour=VERDICT_COLOURS.get(feedback.verdict, OPEN_COLOUR),
    )
    return Rendered(embeds=(embed,), rows=rows)


def _rating_rows(feedback: Feedback) -> tuple[tuple[Control, ...], ...]:
    buttons: list[Control] = []
    for rating in feedback.rating_actions:
        if rating in RATING_BUTTONS:
            label, style = RATING_BUTTONS[rating]
            buttons.append(ButtonSpec(ids.rate(feedback.post_id, rating), label, style))  # type: ignore[arg-type]
    return (tuple(buttons),) if buttons else ()


def _review_line(link: ReviewLink) -> str:
    title = bank_inline(link.title, 200) if link.title else None
    url = (
        link.url
        if link.url and link.url.startswith(("https://", "http://")) and " " not in link.url
        else None
    )
    if title and url:
        return f"[{title.replace(']', '')}](<{url}>)"
    return title or (f"<{url}>" if url else "")


# --- everything else -------------------------------------------------------------------------------------


def text_lines(message: Message) -> list[str]:
    """The lines of a plain-content message (notices, help, lists, boards, stats, progress)."""
    if isinstance(message, Notice):
        return _notice(message)
    if isinstance(message, Help):
        return _help(message)
    if isinstance(message, TopicList):
        return _topics(message)
    if isinstance(message, TeamList):
        return _teams(message)
    if isinstance(message, Leaderboard):
        return leaderboard_lines(message)
    if isinstance(message, Stats):
        return _stats(message)
    if isinstance(message, SprintProgress):
        return [_progress(message)]
    raise TypeError(f"cannot render {type(message).__name__} for Discord")


LEVEL_PREFIX = {NoticeLevel.INFO: "", NoticeLevel.WARNING: "⚠️ ", NoticeLevel.ERROR: "❌ "}


def _notice(notice: Notice) -> list[str]:
    """The notice's own lines (a schedule list has one per schedule), escaped, channel ids as links; the
    echoed user text quoted at the end."""
    lines = [channel_links(user_text(line, 1500)) for line in clean_block(notice.text).strip().split("\n")]
    lines[0] = LEVEL_PREFIX[notice.level] + lines[0]
    if notice.echo is not None:
        lines[-1] += " " + quote(notice.echo)
    return lines


def _help(help_: Help) -> list[str]:
    lines = []
    if help_.problem:
        problem = user_text(help_.problem, 300)
        lines.append(problem + (f" (you typed {quote(help_.echo, 100)})" if help_.echo else ""))
    lines.append("**Quizmaster commands**")
    lines += [f"`{e.usage}` — {e.description}" for e in help_.entries]
    if help_.instructor_entries:
        lines.append("**Instructors**")
        lines += [f"`{e.usage}` — {e.description}" for e in help_.instructor_entries]
    return lines


def _topics(topics: TopicList) -> list[str]:
    lines = []
    if topics.query is not None:
        lines.append(f"I don't know the topic {quote(topics.query, 60)}.")
    if not topics.topics:
        lines.append("No topics yet: no question banks are loaded.")
        return lines
    lines.append(
        "**Topics:** " + ", ".join(f"{bank_inline(t.name, 80)} ({t.questions})" for t in topics.topics)
    )
    lines.append("Ask with `/quiz ask topic:...`.")
    return lines


def _teams(teams: TeamList) -> list[str]:
    if not teams.teams:
        return ["No teams yet: `/quiz team join` creates one."]
    lines = ["**Teams**"]
    lines += [
        f"- {quote(t.name, 60)} ({t.members} member{'s' if t.members != 1 else ''})" for t in teams.teams
    ]
    lines.append("Your team: " + (quote(teams.your_team, 60) if teams.your_team else "none"))
    return lines


def leaderboard_lines(board: Leaderboard) -> list[str]:
    """A ranked list of players or teams (names escaped)."""
    lines = [f"**{board_title(board)}**"]
    if not board.rows:
        lines.append("No answers yet.")
        return lines
    for row in board.rows:
        line = (
            f"`{row.rank:>2}.` {quote(row.name, 40)} — **{row.points}** pts · {row.answered} answered · "
            f"{row.accuracy:.0%} right"
        )
        if row.members is not None:
            line += f" · {counted(row.members, 'member')}"
            if row.avg_per_member is not None:
                line += f" · {row.avg_per_member:.1f} per member"
        if row.streak:
            line += f" · streak {row.streak}"
        lines.append(line)
    return lines


def _stats(stats: Stats) -> list[str]:
    name = quote(stats.display_name, 60) if stats.display_name else "You"
    rank = f"#{stats.rank_week}" if stats.rank_week else "unranked"
    return [
        f"{name}: **{stats.points_week}** points this week ({rank}), {stats.points_all} in all.",
        f"Answered {stats.answered}, {stats.correct} right ({stats.accuracy:.0%}).",
        f"Streak: {stats.streak} (best {stats.best_streak}).",
        "Team: " + (quote(stats.team, 60) if stats.team else "none"),
        "Feedback DMs: " + ("on" if stats.dm_feedback else "off"),
    ]


def _progress(progress: SprintProgress) -> str:
    accuracy = "no answers yet" if progress.accuracy is None else f"cohort accuracy {progress.accuracy:.0%}"
    return (
        f"{quote(progress.name, 60)}: day {progress.day} of {progress.days} — "
        f"{progress.posted}/{progress.planned} questions, {accuracy}"
    )


def weekly_lines(digest: WeeklyDigest) -> list[str]:
    """The Monday post: players, teams, longest streaks, most improved (the chart is attached)."""
    lines = ["**Last week on the quiz**", *leaderboard_lines(digest.players), ""]
    lines += leaderboard_lines(digest.teams)
    if digest.streaks:
        lines += ["", "**Longest streaks**"]
        lines += [f"- {quote(e.name, 40)} {e.value} day{'s' if e.value != 1 else ''}" for e in digest.streaks]
    if digest.improved:
        lines += ["", "**Most improved**"]
        lines += [f"- {quote(e.name, 40)} +{e.value} pts" for e in digest.improved]
    return lines


def render_readiness(report: ReadinessReport) -> Rendered:
    """A sprint's readiness report as an embed: per learner, then per topic."""
    lines = [f"{report.starts_on} to {report.until}, {report.posted} questions posted", "", "**Learners**"]
    if not report.learners:
        lines.append("nobody answered yet")
    for learner in report.learners:
        weak = ", ".join(bank_inline(t, 60) for t in learner.weakest)
        lines.append(
            f"- {quote(learner.name, 40)}: {learner.answered} answered, {learner.accuracy:.0%} right"
            + (f"; weakest: {weak}" if weak else "")
        )
        lines += [f"  - review: {_review_line(r)}" for r in learner.review if _review_line(r)]
    lines += ["", "**Topics**"]
    for topic in report.topics:
        lines.append(
            f"- {bank_inline(topic.topic, 80)}: {counted(topic.answered, 'answer')} by "
            f"{counted(topic.learners, 'learner')}, "
            f"{topic.accuracy:.0%} right"
        )
        lines += [f"  - review: {_review_line(r)}" for r in topic.review if _review_line(r)]
    embed = discord.Embed(
        title=truncate(f"Readiness report: {user_text(report.name, 120)}", MAX_TITLE),
        description=fit_lines(lines, MAX_DESCRIPTION),
        colour=OPEN_COLOUR,
    )
    return Rendered(embeds=(embed,))
