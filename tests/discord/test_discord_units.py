"""Unit tests of the Discord adapter's pure parts: custom ids, text escaping and splitting, the slash-command
text the core parses, and rendering within Discord's limits (checked by the fake's validator)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from fakes.discord import validate_message
from fakes.discord.validation import embed_length
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord import ids, translate
from adapters.discord.port import NO_MENTIONS
from adapters.discord.render import (
    MAX_CHOICE_BUTTONS,
    ButtonSpec,
    Rendered,
    SelectSpec,
    render,
)
from adapters.discord.text import channel_links, quote, split_markdown, truncate, user_text
from adapters.discord.views import build_view, submitted_text
from bot import commands as cmd
from bot.messages import (
    CardAction,
    ChoiceView,
    Feedback,
    Help,
    HelpEntry,
    Leaderboard,
    LeaderboardRow,
    Message,
    Notice,
    NoticeLevel,
    OpenReview,
    QuestionCard,
    ReadinessReport,
    Reveal,
    Stats,
    TeamEntry,
    TeamList,
    TopicEntry,
    TopicList,
    WeeklyDigest,
)

HOSTILE = "@everyone @here <@&123456789012345678> <@123456789012345678> **bold** `code`"


# --- custom ids ---------------------------------------------------------------------------------------------


def test_custom_ids_round_trip_and_fit_discords_limit() -> None:
    made = [
        ids.choose(7, "A"),
        ids.choose(999_999_999_999_999, "Z"),
        ids.pick(7),
        ids.words(7),
        *(ids.rate(7, r) for r in ids.RATINGS),
    ]
    assert made[0] == "qz1:7:A"
    assert all(len(m) <= 100 for m in made)
    assert ids.parse("qz1:7:A") == ids.Token(7, ids.Intent.CHOOSE, "A")
    assert ids.parse("qz1:7:rate-partly") == ids.Token(7, ids.Intent.RATE, "partly")
    assert [str(ids.parse(m)) for m in made] == made
    for template in (ids.CHOOSE_TEMPLATE, ids.PICK_TEMPLATE, ids.WORDS_TEMPLATE, ids.RATE_TEMPLATE):
        assert sum(bool(re.fullmatch(template, m)) for m in made) >= 1


@pytest.mark.parametrize(
    "forged",
    [
        "qz1:0:A",  # no post 0
        "qz1:01:A",
        "qz1:-3:A",
        "qz1:7:a",
        "qz1:7:AB",
        "qz1:7:rate-great",
        "qz2:7:A",
        "qz1:7:A ",
        "qz1:1234567890123456:A",  # 16 digits
        "qz1:7:words\n",
        "",
        "x" * 101,
        None,
        7,
    ],
)
def test_forged_custom_ids_are_refused(forged: Any) -> None:
    with pytest.raises(ids.BadCustomId):
        ids.parse(forged)
    if isinstance(forged, str):  # and no persistent item would match them either
        for template in (ids.CHOOSE_TEMPLATE, ids.PICK_TEMPLATE, ids.WORDS_TEMPLATE, ids.RATE_TEMPLATE):
            assert re.fullmatch(template, forged) is None


def test_making_a_bad_custom_id_fails_loudly() -> None:
    with pytest.raises(ids.BadCustomId):
        ids.choose(7, "AA")
    with pytest.raises(ids.BadCustomId):
        ids.rate(7, "great")


# --- text ---------------------------------------------------------------------------------------------------


def test_user_text_is_inert() -> None:
    shown = user_text(HOSTILE + "\u202e\x1b[2J")
    assert "@everyone" not in shown and "@here" not in shown
    assert "<@&123" not in shown and "<@123" not in shown
    assert "**bold**" not in shown and "\\*\\*bold\\*\\*" in shown
    assert "\u202e" not in shown and "\x1b" not in shown
    assert quote("x" * 500, 50).startswith("“") and len(quote("x" * 500, 50)) <= 52 + 2


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 10) == "abcdef"
    assert truncate("abcdefghijkl", 5) == "abcd…"
    assert len(truncate("x" * 300, 80)) == 80


def test_split_markdown_keeps_code_fences_whole() -> None:
    code = "\n".join(f"    line_{i} = {i}  # some code" for i in range(400))
    text = "Intro paragraph.\n\n```python\n" + code + "\n```\n\nWhat does it print?"
    pieces = split_markdown(text, 1000)
    assert len(pieces) > 5
    for piece in pieces:
        assert len(piece) <= 1000
        assert piece.count("```") % 2 == 0, piece[:80]  # every piece opens and closes its fences
    assert pieces[1].startswith("```python")
    rejoined = "\n".join(p.removesuffix("\n```").removeprefix("```python\n") for p in pieces)
    for i in (0, 199, 399):
        assert f"line_{i} = {i}" in rejoined
    assert pieces[-1].endswith("What does it print?")


def test_split_markdown_cuts_a_line_longer_than_the_limit() -> None:
    pieces = split_markdown("a" * 5000, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "".join(pieces) == "a" * 5000


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ab ~`\n", max_size=300),
            st.sampled_from(["```", "```py", "~~~", "````", "``` x"]),
        ),
        max_size=60,
    ),
    st.integers(min_value=200, max_value=800),
)
def test_split_markdown_never_exceeds_the_limit(parts: list[str], limit: int) -> None:
    text = "\n".join(parts)
    pieces = split_markdown(text, limit)
    assert pieces and all(len(p) <= limit for p in pieces)


def test_split_markdown_refuses_a_tiny_limit() -> None:
    with pytest.raises(ValueError):
        split_markdown("x" * 500, 50)


# --- slash-command options -> /quiz text ---------------------------------------------------------------------


def test_subcommand_texts_parse_to_the_same_commands_as_slack_text() -> None:
    assert cmd.parse_command(translate.ask_text()) == cmd.AskQuestion()
    assert cmd.parse_command(translate.ask_text("Docker", here=True)) == cmd.AskQuestion("Docker", here=True)
    assert cmd.parse_command(translate.ask_text("me")) == cmd.AskQuestion("me")  # a topic, not /quiz me
    assert cmd.parse_command(translate.ask_text("docker here")) == cmd.AskQuestion("docker")
    assert cmd.parse_command(translate.ask_text("  ", here=True)) == cmd.AskQuestion(None, here=True)
    assert cmd.parse_command(translate.leaderboard_text("last", teams=True)) == cmd.ShowLeaderboard(
        "last_week", True
    )
    assert cmd.parse_command(translate.leaderboard_text("bogus")) == cmd.ShowLeaderboard("week", False)
    assert cmd.parse_command(translate.team_join_text("Blue  Whales")) == cmd.JoinTeam("Blue Whales")
    assert cmd.parse_command(translate.dm_text("off")) == cmd.SetDm(False)
    assert cmd.parse_command(translate.dm_text("on")) == cmd.SetDm(True)
    assert cmd.parse_command(
        translate.instructor_text("schedule", "daily 09:00", topic="Docker", bank="mlops")
    ) == cmd.InstructorCommand("schedule", "daily 09:00 topic Docker bank mlops")
    assert cmd.parse_command(translate.instructor_text("close")) == cmd.InstructorCommand("close", "")


# --- rendering ----------------------------------------------------------------------------------------------


def payload(rendered: Rendered) -> dict[str, Any]:
    """The JSON body discord.py would send for ``rendered``."""
    body: dict[str, Any] = {"allowed_mentions": NO_MENTIONS.to_dict()}
    if rendered.content is not None:
        body["content"] = rendered.content
    body["embeds"] = [e.to_dict() for e in rendered.embeds]
    view = build_view(rendered.rows)
    body["components"] = view.to_components() if view is not None else []
    return body


def assert_valid(rendered: Rendered) -> dict[str, Any]:
    body = payload(rendered)
    assert validate_message(body) == []
    return body


def card(
    n_choices: int = 4,
    *,
    prompt: str = "What does `docker ps` list?",
    kind: str = "single",
    closed: bool = False,
    audience: str = "channel",
    choice_text: str = "an option",
) -> QuestionCard:
    keys = [chr(ord("A") + i) for i in range(n_choices)]
    actions = {
        "single": (CardAction.CHOOSE, CardAction.ANSWER_IN_WORDS),
        "multi": (CardAction.SELECT_MANY, CardAction.ANSWER_IN_WORDS),
        "short": (CardAction.ANSWER_IN_WORDS,),
    }[kind]
    reveal = (
        Reveal(
            correct_keys=(keys[0],) if keys else (),
            correct_answer=f"{keys[0]}) {choice_text}" if keys else "kubectl get pods",
            distribution=tuple((k, i) for i, k in enumerate(keys)),
            answered=12,
            correct=5,
            explanation="Because.\n\n```sh\ndocker ps -a\n```",
        )
        if closed
        else None
    )
    return QuestionCard(
        post_id=42,
        question_id="q1",
        kind=kind,
        prompt=prompt,
        choices=tuple(ChoiceView(k, f"{choice_text} {k}") for k in keys),
        actions=() if closed else actions,
        topic="Docker",
        difficulty="easy",
        audience=audience,
        answered_count=3,
        closes_at=datetime(2026, 1, 6, 9, 0, tzinfo=UTC),
        closed=closed,
        reveal=reveal,
    )


async def test_a_card_has_key_buttons_and_answer_in_words() -> None:
    rendered = render(card(4))
    body = assert_valid(rendered)
    [embed] = body["embeds"]
    assert embed["title"] == "Question #42 · Docker · easy"
    assert "`docker ps`" in embed["description"] and "**C.** an option C" in embed["description"]
    assert "3 answered" in embed["footer"]["text"]
    rows = body["components"]
    assert [[c["label"] for c in row["components"]] for row in rows] == [
        ["A", "B", "C", "D"],
        ["Answer in words"],
    ]
    assert [c["custom_id"] for c in rows[0]["components"]] == ["qz1:42:A", "qz1:42:B", "qz1:42:C", "qz1:42:D"]
    assert rows[1]["components"][0]["custom_id"] == "qz1:42:words"


async def test_buttons_fill_at_most_four_rows_of_five_then_a_select_takes_over() -> None:
    body = assert_valid(render(card(MAX_CHOICE_BUTTONS)))
    assert [len(r["components"]) for r in body["components"]] == [5, 5, 5, 5, 1]
    body = assert_valid(render(card(26, choice_text="a long option text " * 10)))
    select = body["components"][0]["components"][0]
    assert select["type"] == 3 and select["custom_id"] == "qz1:42:pick"
    assert len(select["options"]) == 25 and select["min_values"] == select["max_values"] == 1
    assert all(len(o["label"]) <= 100 for o in select["options"])
    assert select["options"][0]["label"].endswith("…")


async def test_a_multi_select_card_picks_one_to_all() -> None:
    body = assert_valid(render(card(5, kind="multi")))
    select = body["components"][0]["components"][0]
    assert (select["min_values"], select["max_values"]) == (1, 5)
    assert [o["value"] for o in select["options"]] == ["A", "B", "C", "D", "E"]
    assert body["components"][1]["components"][0]["label"] == "Answer in words"


async def test_a_short_question_card_only_answers_in_words() -> None:
    body = assert_valid(render(card(0, kind="short")))
    assert [[c["custom_id"] for c in r["components"]] for r in body["components"]] == [["qz1:42:words"]]


async def test_a_closed_card_reveals_and_has_no_components() -> None:
    body = assert_valid(render(card(4, closed=True)))
    assert body["components"] == []
    text = body["embeds"][-1]["description"]
    assert "**Answer:** A) an option" in text and "✅" in text and "docker ps -a" in text
    assert body["embeds"][-1]["footer"]["text"] == "Closed · 12 answered, 5 correct"


async def test_a_private_card_says_only_you_see_it() -> None:
    body = assert_valid(render(card(3, audience="private")))
    assert body["embeds"][-1]["footer"]["text"].startswith("Only you can see this question.")
    assert "timestamp" not in body["embeds"][-1]


async def test_a_long_prompt_continues_in_more_embeds_with_fences_whole() -> None:
    code = "\n".join(f"echo line {i}" for i in range(500))
    prompt = "Read the script:\n\n```bash\n" + code + "\n```\nWhat is printed last?"
    body = assert_valid(render(card(4, prompt=prompt, choice_text="x" * 200)))
    embeds = body["embeds"]
    assert len(embeds) >= 2
    assert sum(embed_length(e) for e in embeds) <= 6000
    assert all(len(e["description"]) <= 4096 for e in embeds)
    assert all(e["description"].count("```") % 2 == 0 for e in embeds)
    assert "(shortened)" in "".join(e["description"] for e in embeds)
    assert "**D.**" in embeds[-1]["description"]  # the choices survive, the prompt was shortened


async def test_hostile_prompt_and_choices_do_not_ping() -> None:
    body = assert_valid(render(card(2, prompt=HOSTILE, choice_text=HOSTILE)))
    text = str(body["embeds"])
    assert "@everyone" not in text and "<@&123" not in text
    assert body["allowed_mentions"] == {"parse": []}


def feedback(**changes: Any) -> Feedback:
    base: dict[str, Any] = {
        "post_id": 42,
        "question_id": "q1",
        "verdict": "incorrect",
        "score": 0.0,
        "points": 0,
        "your_answer": HOSTILE,
        "correct_answer": "B) WORKDIR",
        "correct_keys": ("B",),
        "explanation": "WORKDIR sets the directory.",
        "review_title": "Dockerfile reference",
        "review_url": "https://docs.docker.com/",
        "streak": 2,
    }
    base.update(changes)
    return Feedback(**base)


async def test_feedback_is_an_embed_with_the_answer_escaped() -> None:
    body = assert_valid(render(feedback()))
    [embed] = body["embeds"]
    assert embed["title"] == "Not quite. +0 points. Streak: 2 days."
    assert "@everyone" not in embed["description"] and "@\u200beveryone" in embed["description"]
    assert "**Correct answer:** B) WORKDIR" in embed["description"]
    assert "[Dockerfile reference](<https://docs.docker.com/>)" in embed["description"]
    assert body["components"] == []


async def test_brief_feedback_is_content_and_open_feedback_offers_ratings() -> None:
    brief = assert_valid(render(feedback(brief=True)))
    assert (
        brief["content"] == "**Not quite. +0 points. Streak: 2 days.**\nAnswer: B) WORKDIR"
        and not brief["embeds"]
    )
    rating = feedback(
        verdict="self_assess",
        correct_answer=None,
        open_review=OpenReview("It gates traffic.", ("ready",), "3 points"),
        rating_actions=("got_it", "partly", "missed"),
    )
    body = assert_valid(render(rating))
    [row] = body["components"]
    assert [c["custom_id"] for c in row["components"]] == [
        "qz1:42:rate-got_it",
        "qz1:42:rate-partly",
        "qz1:42:rate-missed",
    ]
    assert "**Model answer:**" in body["embeds"][0]["description"]


async def test_every_other_message_renders_within_limits_and_escapes_names() -> None:
    rows = tuple(
        LeaderboardRow(rank=i, name=HOSTILE, points=100 - i, answered=10, accuracy=0.5, streak=2)
        for i in range(1, 40)
    )
    board = Leaderboard(period="week", teams=False, rows=rows)
    messages: list[Message] = [
        Notice(NoticeLevel.WARNING, "You joined team", echo=HOSTILE),
        Help((HelpEntry("/quiz me", "stats"),), problem="Bad", echo=HOSTILE),
        TopicList((TopicEntry("Docker", 3),), query=HOSTILE),
        TeamList((TeamEntry(HOSTILE, 2),), your_team=HOSTILE),
        board,
        Stats(HOSTILE, 1, 2, 3, 2, 0.66, 1, 2, 1, HOSTILE, True),
        WeeklyDigest(players=board, teams=Leaderboard("last_week", True, ()), chart_png=b"\x89PNG"),
        ReadinessReport("Midterm", "2026-01-05", "2026-02-01", 4, (), ()),
    ]
    for message in messages:
        rendered = render(message)
        body = assert_valid(rendered)
        text = str(body)
        assert "@everyone" not in text and "@here" not in text and "<@&1" not in text and "<@1" not in text, (
            message
        )
    long_board = render(board)
    assert (
        long_board.content is not None
        and len(long_board.content) <= 2000
        and long_board.content.endswith("…")
    )
    assert render(messages[6]).files[0].filename == "weekly.png"


def test_a_multi_line_notice_keeps_its_lines_and_links_channel_ids() -> None:
    channel = "1577780881702125569"
    listing = Notice(
        NoticeLevel.INFO,
        f"Schedules:\n#1 question on Docker, every day at 09:00 UTC in #{channel}\n"
        f"#2 weekly leaderboard, Mondays at 09:00 UTC in #{channel}",
    )
    content = render(listing).content
    assert content == (
        "Schedules:\n"
        f"\\#1 question on Docker, every day at 09:00 UTC in <#{channel}>\n"  # "\#1": not a heading
        f"\\#2 weekly leaderboard, Mondays at 09:00 UTC in <#{channel}>"
    )
    failed = render(Notice(NoticeLevel.ERROR, f"Schedule #3 could not post in #{channel}.", echo=HOSTILE))
    assert failed.content is not None and failed.content.startswith(
        f"❌ Schedule #3 could not post in <#{channel}>. “"
    )
    assert "@everyone" not in failed.content and "<@&1" not in failed.content
    too_long = "#" + channel + "99"  # 21 digits: not a snowflake
    assert (
        channel_links(f"\\#{channel} #12 <#{channel}> {too_long}")
        == f"<#{channel}> #12 <#{channel}> {too_long}"
    )


async def test_build_view_refuses_a_control_with_a_foreign_id() -> None:
    assert build_view(()) is None
    with pytest.raises(ids.BadCustomId):
        build_view(((ButtonSpec("not-ours", "X"),),))
    with pytest.raises(ids.BadCustomId):
        build_view(((SelectSpec(ids.words(1), "x", ()),),))
    view = build_view(((ButtonSpec(ids.choose(1, "A"), "A"),),))
    assert view is not None and view.timeout is None and isinstance(view.children[0], discord.ui.DynamicItem)


def test_submitted_text_reads_rows_and_labels() -> None:
    rows = {"components": [{"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": "hi"}]}]}
    labels = {"components": [{"type": 18, "component": {"type": 4, "custom_id": "answer", "value": "yo"}}]}
    assert submitted_text(rows) == "hi" and submitted_text(labels) == "yo"
    assert submitted_text({"components": [{"type": 4, "custom_id": "other", "value": "x"}]}) is None
    assert submitted_text({}) is None


def test_the_invite_url_asks_for_exactly_the_permissions_the_readme_lists() -> None:
    from pathlib import Path

    from adapters.discord.client import INVITE_PERMISSIONS, invite_url

    url = invite_url(42)
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=42&scope=bot+applications.commands")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"permissions={INVITE_PERMISSIONS.value}" in readme
    granted = {name for name, on in INVITE_PERMISSIONS if on}
    assert granted == {  # discord.py names View Channel "read_messages" when iterating
        "read_messages",
        "send_messages",
        "embed_links",
        "attach_files",
        "read_message_history",
        "use_application_commands",
    }
    assert not INVITE_PERMISSIONS.administrator and not INVITE_PERMISSIONS.mention_everyone
