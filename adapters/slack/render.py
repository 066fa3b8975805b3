"""Core messages as Block Kit: pure functions, every result within Slack's limits.

Each message becomes a ``SlackMessage``: blocks plus the escaped plain-text fallback Slack shows in
notifications. Limits (Slack's Block Kit reference): 50 blocks per message, section text 3,000, button text
75, an actions block 25 elements, checkboxes 10 options, a select 100 options, option text 75. Long
prompts are split over several sections (code blocks closed and reopened at a cut); what still does not
fit is truncated with a visible mark, never sent for Slack to reject.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.slack import ids
from adapters.slack.mrkdwn import (
    TRUNCATED,
    bank_line,
    bank_text,
    escape,
    inert,
    link,
    plain,
    quoted,
    shorten,
    split,
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
from bot.render_text import RATING_LABELS, VERDICT_HEADLINES, board_title, render

JSON = dict[str, Any]

MAX_BLOCKS = 50
SECTION_TEXT = 3000
BUTTON_TEXT = 75
ACTIONS_ELEMENTS = 25
CHECKBOX_OPTIONS = 10
SELECT_OPTIONS = 100
OPTION_TEXT = 75
HEADER_TEXT = 150
FALLBACK_TEXT = 3000
CHOICE_TEXT = 2000  # one option never takes more than one section
MODAL_INPUT_MAX = 2000
TOPIC_TEXT = 100
REVIEW_TITLE = 150  # a review link's label
REVIEW_URL = 1000  # longer (escaped) review URLs are shown as text, not linked

WORDS_LABEL = "Answer in words"
SUBMIT_LABEL = "Submit"
VERDICT_ICONS = {
    "correct": ":white_check_mark:",
    "partial": ":large_orange_diamond:",
    "incorrect": ":x:",
    "ambiguous": ":grey_question:",
    "self_assess": ":memo:",
}
LEVEL_ICONS = {NoticeLevel.INFO: "", NoticeLevel.WARNING: ":warning: ", NoticeLevel.ERROR: ":x: "}


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What goes to chat.postMessage / chat.update / chat.postEphemeral."""

    text: str
    blocks: list[JSON]


# --- block builders ---------------------------------------------------------------------------------------


def section(text: str) -> JSON:
    """A mrkdwn section (``text`` already mrkdwn, at most 3,000 characters)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, SECTION_TEXT)}}


def sections(text: str) -> list[JSON]:
    """Mrkdwn split over as many sections as it needs."""
    return [section(chunk) for chunk in split(text, SECTION_TEXT)]


def context(text: str) -> JSON:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": shorten(text, SECTION_TEXT)}]}


def header(text: str) -> JSON:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, HEADER_TEXT)}}


def button(label: str, action_id: str, *, style: str | None = None) -> JSON:
    element: JSON = {
        "type": "button",
        "action_id": action_id,
        "value": action_id,
        "text": {"type": "plain_text", "text": plain(label, BUTTON_TEXT)},
    }
    if style:
        element["style"] = style
    return element


def actions(elements: list[JSON], block_id: str) -> list[JSON]:
    """Elements in actions blocks of at most 25."""
    return [
        {
            "type": "actions",
            "block_id": f"{block_id}:{i // ACTIONS_ELEMENTS}",
            "elements": elements[i : i + ACTIONS_ELEMENTS],
        }
        for i in range(0, len(elements), ACTIONS_ELEMENTS)
    ]


def _fit(head: list[JSON], body: list[JSON], tail: list[JSON]) -> list[JSON]:
    """``head + body + tail`` within 50 blocks: ``body`` (long text) is cut, with a mark, to make room."""
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(body) > room:
        body = [*body[: max(room - 1, 0)], context(TRUNCATED)] if room > 0 else []
    return [*head, *body, *tail][:MAX_BLOCKS]


def fallback(message: Message) -> str:
    """The notification text: the plain rendering, escaped and shortened."""
    return shorten(user_text_block(render(message)), FALLBACK_TEXT)


def user_text_block(text: str) -> str:
    """Multi-line plain text made inert for mrkdwn (escaped, mass mentions defused)."""
    return "\n".join(user_text(line) for line in text.split("\n"))


# --- messages ---------------------------------------------------------------------------------------------


def render_message(message: Message) -> SlackMessage:
    """Any core message as Block Kit."""
    if isinstance(message, QuestionCard):
        blocks = card_blocks(message)
    elif isinstance(message, Feedback):
        blocks = feedback_blocks(message)
    elif isinstance(message, Leaderboard):
        blocks = leaderboard_blocks(message)
    elif isinstance(message, Stats):
        blocks = stats_blocks(message)
    elif isinstance(message, TopicList):
        blocks = topics_blocks(message)
    elif isinstance(message, TeamList):
        blocks = teams_blocks(message)
    elif isinstance(message, Notice):
        blocks = notice_blocks(message)
    elif isinstance(message, Help):
        blocks = help_blocks(message)
    elif isinstance(message, WeeklyDigest):
        blocks = weekly_blocks(message)
    elif isinstance(message, SprintProgress):
        blocks = progress_blocks(message)
    elif isinstance(message, ReadinessReport):
        blocks = readiness_blocks(message)
    else:
        raise TypeError(f"cannot render {type(message).__name__}")
    return SlackMessage(fallback(message), blocks)


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def card_blocks(card: QuestionCard) -> list[JSON]:
    """A question card: prompt, options, buttons or checkboxes, answer in words; the reveal once closed."""
    tags = " · ".join(bank_line(t) for t in (card.topic, card.difficulty) if t)
    head = [section(f"*Question #{card.post_id}*" + (f"  _{tags}_" if tags else ""))]
    body = sections(bank_text(card.prompt) or "(no prompt)")
    tail: list[JSON] = []
    if card.choices:
        lines = []
        for choice in card.choices:
            mark = ""
            if card.reveal is not None:
                count = dict(card.reveal.distribution).get(choice.key, 0)
                right = " :white_check_mark:" if choice.key in card.reveal.correct_keys else ""
                mark = f"  · {count} chose this{right}"
            text = bank_line(choice.text)
            if len(text) > CHOICE_TEXT:
                text = shorten(text, CHOICE_TEXT)
            lines.append(f"*{choice.key})* {text}{mark}")
        tail += sections("\n".join(lines))
    if card.closed:
        tail += _reveal_blocks(card)
    else:
        tail += _answer_elements(card)
        status = f"{card.answered_count} answered"
        if card.closes_at is not None:
            status += f" · closes {_when(card.closes_at)}"
        if card.audience == "private":
            status += " · only you can see this question"
        tail.append(context(status))
    return _fit(head, body, tail)


def _answer_elements(card: QuestionCard) -> list[JSON]:
    elements: list[JSON] = []
    keys = [c.key for c in card.choices]
    if CardAction.CHOOSE in card.actions:
        elements += [button(key, ids.choose(card.post_id, key)) for key in keys]
    if CardAction.SELECT_MANY in card.actions and keys:
        elements.append(_multi_select(card))
        elements.append(button(SUBMIT_LABEL, ids.send(card.post_id), style="primary"))
    if CardAction.ANSWER_IN_WORDS in card.actions:
        elements.append(button(WORDS_LABEL, ids.words(card.post_id)))
    return actions(elements, f"qz1:{card.post_id}:answer") if elements else []


def _option(key: str, text: str) -> JSON:
    return {"text": {"type": "plain_text", "text": plain(f"{key}) {text}", OPTION_TEXT)}, "value": key}


def _multi_select(card: QuestionCard) -> JSON:
    options = [_option(c.key, c.text) for c in card.choices][:SELECT_OPTIONS]
    if len(options) <= CHECKBOX_OPTIONS:
        return {"type": "checkboxes", "action_id": ids.pick(card.post_id), "options": options}
    return {
        "type": "multi_static_select",
        "action_id": ids.pick(card.post_id),
        "placeholder": {"type": "plain_text", "text": "Choose every right option"},
        "options": options,
    }


def _reveal_blocks(card: QuestionCard) -> list[JSON]:
    reveal = card.reveal
    if reveal is None:
        return [context("Closed.")]
    blocks = sections("*Closed.* Answer: " + bank_text(reveal.correct_answer).replace("\n", "; "))
    if reveal.explanation:
        blocks += sections(bank_text(reveal.explanation))
    blocks.append(context(f"{reveal.answered} answered, {reveal.correct} correct."))
    return blocks


def feedback_blocks(feedback: Feedback) -> list[JSON]:
    """A user's private result; open questions get the model answer and the self-rating buttons."""
    icon = VERDICT_ICONS.get(feedback.verdict, "")
    if feedback.self_rating is not None:
        label = RATING_LABELS.get(feedback.self_rating, feedback.self_rating)
        headline = f"Rated: *{escape(label)}*. +{feedback.points} points."
    else:
        headline = f"*{escape(VERDICT_HEADLINES.get(feedback.verdict, feedback.verdict))}*"
        if feedback.verdict != "self_assess":
            headline += f" +{feedback.points} points."
    if feedback.streak:
        headline += f" Streak: {feedback.streak} day{'s' if feedback.streak != 1 else ''}."
    head = [section(f"{icon} {headline} _(question #{feedback.post_id})_".strip())]
    body: list[JSON] = []
    if feedback.brief:
        if feedback.verdict != "correct" and feedback.correct_answer:
            body += sections("Answer: " + bank_text(feedback.correct_answer).replace("\n", "; "))
        return _fit(head, body, [])
    if feedback.your_answer is not None:
        body.append(section("Your answer: " + quoted(feedback.your_answer, 500)))
    if feedback.open_review is not None:
        review = feedback.open_review
        if review.model_answer:
            body += sections("*Model answer:*\n" + bank_text(review.model_answer))
        if review.key_points:
            body += sections("*Key points:*\n" + "\n".join(f"• {bank_line(p)}" for p in review.key_points))
        if review.rubric:
            body += sections("*Rubric:*\n" + bank_text(review.rubric))
    elif feedback.correct_answer:
        body += sections("*Correct answer:* " + bank_text(feedback.correct_answer).replace("\n", "; "))
    if feedback.why_wrong:
        body += sections(
            "\n".join(f"Why *{w.key}* is wrong: {bank_line(w.reason)}" for w in feedback.why_wrong)
        )
    if feedback.explanation:
        body += sections(bank_text(feedback.explanation))
    if feedback.review_url:
        body.append(
            context("Review: " + link(feedback.review_url, feedback.review_title or feedback.review_url))
        )
    elif feedback.review_title:
        body.append(context("Review: " + bank_line(feedback.review_title)))
    tail: list[JSON] = []
    if feedback.rating_actions:
        tail.append(section("How did you do? Rate yourself against the model answer:"))
        buttons = [
            button(RATING_LABELS.get(r, r).capitalize(), ids.rate(feedback.post_id, r))
            for r in feedback.rating_actions
            if r in ids.RATINGS
        ]
        tail += actions(buttons, f"qz1:{feedback.post_id}:rate")
    return _fit(head, body, tail)


def leaderboard_blocks(board: Leaderboard, image_url: str | None = None) -> list[JSON]:
    """A ranked table; ``image_url`` (a chart, when there is one) is shown below it."""
    who = "Team" if board.teams else "Player"
    head = [header(board_title(board))]
    if not board.rows:
        return [*head, section("No answers yet.")]
    lines = []
    for row in board.rows:
        line = (
            f"*{row.rank}.* {quoted(row.name, 60)}  {row.points} pts · {row.answered} answered · "
            f"{row.accuracy:.0%} right"
        )
        if row.members is not None:
            line += f" · {row.members} members"
            if row.avg_per_member is not None:
                line += f" · {row.avg_per_member:.1f} per member"
        if row.streak:
            line += f" · streak {row.streak}"
        lines.append(line)
    tail: list[JSON] = []
    if image_url:
        tail.append({"type": "image", "image_url": image_url, "alt_text": f"{who} leaderboard chart"})
    return _fit(head, sections("\n".join(lines)), tail)


def weekly_blocks(digest: WeeklyDigest) -> list[JSON]:
    """The Monday post: last week's players and teams, longest streaks, most improved. The team chart
    (``digest.chart_png``) is uploaded by the port as a file beside this message."""
    blocks = [header("Last week on the quiz"), *leaderboard_blocks(digest.players)[1:]]
    if digest.teams.rows:
        blocks += leaderboard_blocks(digest.teams)
    extra = []
    if digest.streaks:
        extra.append(
            "*Longest streaks:* "
            + ", ".join(
                f"{quoted(e.name, 40)} {e.value} day{'s' if e.value != 1 else ''}" for e in digest.streaks
            )
        )
    if digest.improved:
        extra.append(
            "*Most improved:* " + ", ".join(f"{quoted(e.name, 40)} +{e.value} pts" for e in digest.improved)
        )
    return _fit(blocks, sections("\n".join(extra)) if extra else [], [])


def progress_blocks(progress: SprintProgress) -> list[JSON]:
    """A sprint's daily progress line."""
    accuracy = "no answers yet" if progress.accuracy is None else f"cohort accuracy {progress.accuracy:.0%}"
    return [
        context(
            f":dart: {quoted(progress.name, 60)}: day {progress.day} of {progress.days}, "
            f"{progress.posted}/{progress.planned} questions, {accuracy}"
        )
    ]


def _review(ref: ReviewLink) -> str:
    """A review reference: a link when there is a (not absurdly long) URL, else the title (or URL) as text.
    Title and line stay short enough that splitting a long report never cuts a link in half."""
    title = plain(ref.title, REVIEW_TITLE) if ref.title else None
    if ref.url and len(escape(ref.url)) <= REVIEW_URL:
        return link(ref.url, title or ref.url)
    return bank_line(title or plain(ref.url or "", REVIEW_TITLE))


def readiness_blocks(report: ReadinessReport) -> list[JSON]:
    """A sprint's readiness report for its instructor: per learner, then per topic, with review links.
    The sprint's name is data (an instructor typed it): shown quoted in mrkdwn, never in the header."""
    head = [
        header("Readiness report"),
        context(
            f"{quoted(report.name, 100)}: {escape(report.starts_on)} to {escape(report.until)}, "
            f"{report.posted} questions posted"
        ),
    ]
    lines = ["*Learners*"]
    if not report.learners:
        lines.append("Nobody answered yet.")
    for learner in report.learners:
        weak = ", ".join(bank_line(plain(t, TOPIC_TEXT)) for t in learner.weakest)
        lines.append(
            f"• {quoted(learner.name, 40)}: {learner.answered} answered, {learner.accuracy:.0%} right"
            + (f"; weakest: {weak}" if weak else "")
        )
        lines += [f"    review: {_review(r)}" for r in learner.review if r.title or r.url]
    lines.append("*Topics*")
    for topic in report.topics:
        name = bank_line(plain(topic.topic, TOPIC_TEXT))
        lines.append(
            f"• {name}: {topic.answered} answers by {topic.learners} learners, {topic.accuracy:.0%} right"
        )
        lines += [f"    review: {_review(r)}" for r in topic.review if r.title or r.url]
    return _fit(head, sections("\n".join(lines)), [])


def stats_blocks(stats: Stats) -> list[JSON]:
    """``/quiz me``."""
    name = quoted(stats.display_name, 60) if stats.display_name else "You"
    rank = f"#{stats.rank_week}" if stats.rank_week else "unranked"
    lines = [
        f"{name}: *{stats.points_week}* points this week ({rank}), {stats.points_all} in all.",
        f"Answered {stats.answered}, {stats.correct} right ({stats.accuracy:.0%}).",
        f"Streak: {stats.streak} (best {stats.best_streak}).",
        "Team: " + (quoted(stats.team, 60) if stats.team else "none"),
        "Feedback DMs: " + ("on" if stats.dm_feedback else "off"),
    ]
    return sections("\n".join(lines))


def topics_blocks(topics: TopicList) -> list[JSON]:
    """The topic list (after an unknown topic, says so)."""
    lines = []
    if topics.query is not None:
        lines.append(f"I don't know the topic {quoted(topics.query, 60)}.")
    if not topics.topics:
        lines.append("No topics yet: no question banks are loaded.")
    else:
        lines.append("*Topics:* " + ", ".join(f"{bank_line(t.name)} ({t.questions})" for t in topics.topics))
        lines.append("Ask with `/quiz TOPIC`.")
    return _fit([], sections("\n".join(lines)), [])


def teams_blocks(teams: TeamList) -> list[JSON]:
    """The teams and their sizes."""
    if not teams.teams:
        return [section("No teams yet: `/quiz team join NAME` creates one.")]
    lines = ["*Teams:*"]
    lines += [
        f"• {quoted(t.name, 60)} ({t.members} member{'s' if t.members != 1 else ''})" for t in teams.teams
    ]
    lines.append("Your team: " + (quoted(teams.your_team, 60) if teams.your_team else "none"))
    return _fit([], sections("\n".join(lines)), [])


def notice_blocks(notice: Notice) -> list[JSON]:
    """A notice (it names what users wrote: file names, bank titles) escaped with mass mentions defused, and
    the echoed user text quoted (escaped)."""
    text = LEVEL_ICONS[notice.level] + inert(notice.text)
    if notice.echo is not None:
        text += " " + quoted(notice.echo)
    return sections(text)  # a long one (an import's summary) over several sections, not cut short


def help_blocks(help_: Help) -> list[JSON]:
    """``/quiz help``."""
    lines = []
    if help_.problem:
        problem = escape(help_.problem)
        lines.append(problem + (f" (you typed {quoted(help_.echo)})" if help_.echo else ""))
    lines.append("*Quizmaster commands:*")
    lines += [f"`{escape(e.usage)}`  {escape(e.description)}" for e in help_.entries]
    if help_.instructor_entries:
        lines.append("*Instructors:*")
        lines += [f"`{escape(e.usage)}`  {escape(e.description)}" for e in help_.instructor_entries]
    return _fit([], sections("\n".join(lines)), [])


# --- the "Answer in words" modal --------------------------------------------------------------------------

ANSWER_BLOCK = "answer"
ANSWER_ACTION = "answer"


def answer_modal(post_id: int, channel_id: str, *, multiline: bool = True) -> JSON:
    """The modal a click on "Answer in words" opens; ``private_metadata`` remembers the channel."""
    metadata = json.dumps({"c": channel_id[:100]})
    return {
        "type": "modal",
        "callback_id": ids.words(post_id),
        "title": {"type": "plain_text", "text": "Your answer"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": [
            section(
                f"Type your answer to question #{post_id}. For a choice question, the option's text "
                "(or its letter) works too."
            ),
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": {"type": "plain_text", "text": "Your answer"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_ACTION,
                    "multiline": multiline,
                    "max_length": MODAL_INPUT_MAX,
                },
            },
        ],
    }


# --- the /quiz import modal -------------------------------------------------------------------------------

IMPORT_BLOCK = "bank_files"
IMPORT_ACTION = "files"
IMPORT_FILETYPES = ("md", "markdown", "txt")
FILE_INPUT_MAX_FILES = 10  # Slack's file_input: max_files 1..10


def import_modal(
    channel_id: str, *, dry_run: bool = False, max_files: int = FILE_INPUT_MAX_FILES, max_mb: int
) -> JSON:
    """The modal ``/quiz import`` opens: a file input for up to ``max_files`` Markdown quiz files of
    ``max_mb`` MB (``files:read``); ``private_metadata`` remembers the channel and whether this is only a
    check (``/quiz import check``)."""
    metadata = json.dumps({"c": channel_id[:100], "d": 1 if dry_run else 0})
    files = max(1, min(max_files, FILE_INPUT_MAX_FILES))
    what = (
        "Pick the Markdown quiz files to *check*: you will be told privately what would be imported and "
        "what would be skipped, and nothing is stored."
        if dry_run
        else "Pick the Markdown quiz files to import. Each bank in them is stored for this workspace "
        "(replacing its earlier version), and you will be told privately what was taken and what was skipped."
    )
    return {
        "type": "modal",
        "callback_id": ids.IMPORT_FORM,
        "title": {"type": "plain_text", "text": "Check a quiz" if dry_run else "Import a quiz"},
        "submit": {"type": "plain_text", "text": "Check" if dry_run else "Import"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": [
            section(what),
            {
                "type": "input",
                "block_id": IMPORT_BLOCK,
                "label": {"type": "plain_text", "text": "Quiz files"},
                "hint": {
                    "type": "plain_text",
                    "text": f"Up to {files} files (.md, .markdown or .txt), at most {max_mb} MB each.",
                },
                "element": {
                    "type": "file_input",
                    "action_id": IMPORT_ACTION,
                    "filetypes": list(IMPORT_FILETYPES),
                    "max_files": files,
                },
            },
        ],
    }
