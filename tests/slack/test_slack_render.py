"""Pure tests of the Slack rendering: every core message as Block Kit, checked by slack_sdk's block models
and by the fake's validator (which enforces the limits slack_sdk does not); escaping, splitting, tokens."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes.slack import validate_blocks, validate_view
from slack_sdk.models.blocks import Block

from adapters.slack import ids
from adapters.slack.mrkdwn import bank_text, escape, quoted, split, user_text
from adapters.slack.render import answer_modal, leaderboard_blocks, render_message
from bot.card_updates import CardUpdates
from bot.events import Where
from bot.messages import (
    CardAction,
    ChoiceView,
    Feedback,
    Help,
    HelpEntry,
    Leaderboard,
    LeaderboardRow,
    Message,
    OpenReview,
    QuestionCard,
    Reveal,
    Stats,
    TeamEntry,
    TeamList,
    TopicEntry,
    TopicList,
    WhyWrong,
    error,
    info,
    warning,
)
from bot.ports import MessageRef

KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
HOSTILE = "<!channel> <!here> <@U0ADMIN> @everyone & <https://evil.example|x>"
CODE = "```python\nfor i in range(3):\n    print(i < 2 and i > 0)\n```"


def check(blocks: list[dict[str, Any]]) -> str:
    """Valid for slack_sdk and the fake; returns the JSON for content checks."""
    assert validate_blocks(blocks, "message") == []
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    return json.dumps(blocks, ensure_ascii=False)


def card(**kw: Any) -> QuestionCard:
    data: dict[str, Any] = dict(
        post_id=42,
        question_id="q1",
        kind="single",
        prompt="Which one?\n\n" + CODE,
        choices=tuple(ChoiceView(k, f"option {k}") for k in "ABCD"),
        actions=(CardAction.CHOOSE, CardAction.ANSWER_IN_WORDS),
        topic="Docker",
        difficulty="easy",
        answered_count=2,
        closes_at=datetime(2026, 1, 6, 9, 0, tzinfo=UTC),
    )
    data.update(kw)
    return QuestionCard(**data)


def feedback(**kw: Any) -> Feedback:
    data: dict[str, Any] = dict(
        post_id=42,
        question_id="q1",
        verdict="incorrect",
        score=0.0,
        points=0,
        your_answer=HOSTILE,
        correct_answer="B) WORKDIR",
        correct_keys=("B",),
        explanation="Because " + CODE,
        why_wrong=(WhyWrong("A", "RUN cd", "cd does not persist"),),
        review_title="Docs",
        review_url="https://docs.docker.com/?a=1&b=2",
        streak=3,
    )
    data.update(kw)
    return Feedback(**data)


MESSAGES: list[Message] = [
    card(),
    card(kind="multi", actions=(CardAction.SELECT_MANY, CardAction.ANSWER_IN_WORDS)),
    card(kind="short", choices=(), actions=(CardAction.ANSWER_IN_WORDS,), audience="private"),
    card(
        closed=True,
        actions=(),
        reveal=Reveal(("B",), "B) WORKDIR", (("A", 1), ("B", 3)), 4, 3, "An explanation."),
    ),
    feedback(),
    feedback(brief=True),
    feedback(
        verdict="self_assess",
        open_review=OpenReview("Model <b>answer</b>", ("point 1", "point 2"), "rubric"),
        rating_actions=("got_it", "partly", "missed"),
    ),
    feedback(verdict="correct", self_rating="got_it", points=10),
    Leaderboard(
        "week", False, tuple(LeaderboardRow(i, HOSTILE, 10 - i, 3, 0.5, streak=2) for i in range(1, 11))
    ),
    Leaderboard(
        "all", True, (LeaderboardRow(1, "Team <!here>", 30, 9, 0.7, members=3, avg_per_member=10.0),)
    ),
    Leaderboard("month", False, ()),
    Stats(HOSTILE, 10, 20, 5, 4, 0.8, 2, 3, 1, "<!channel> team", True),
    TopicList((TopicEntry("Docker", 3), TopicEntry("K8s", 2)), query=HOSTILE),
    TopicList(()),
    TeamList((TeamEntry(HOSTILE, 2), TeamEntry("b", 1)), your_team=HOSTILE),
    TeamList(()),
    info("You joined team", echo=HOSTILE),
    warning("You already answered:", echo=HOSTILE),
    error("Only instructors can use /quiz schedule."),
    Help(
        (HelpEntry("/quiz", "a question"),),
        problem="Bad <command>",
        echo=HOSTILE,
        instructor_entries=(HelpEntry("/quiz schedule ...", "instructors"),),
    ),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_renders_valid_blocks_and_never_pings(message: Message) -> None:
    rendered = render_message(message)
    payload = check(rendered.blocks) + rendered.text
    for ping in ("<!channel>", "<!here>", "<@U0ADMIN>", "<https://evil"):
        assert ping not in payload
    assert "@everyone" not in payload  # broken with a word joiner when echoed
    assert 0 < len(rendered.text) <= 3000


def test_card_keeps_code_blocks_and_labels_buttons_with_keys() -> None:
    blocks = render_message(card()).blocks
    text = check(blocks)
    assert "```\\nfor i in range(3):\\n    print(i &lt; 2 and i &gt; 0)\\n```" in text
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["A", "B", "C", "D", "Answer in words"]
    values = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [ids.parse(v) for v in values][1] == ids.Token(42, ids.Intent.CHOOSE, "B")


def test_ten_kilobyte_prompt_is_split_not_rejected() -> None:
    big_code = "```\n" + "\n".join(f"x{i} = {i} < {i + 1}" for i in range(400)) + "\n```"
    prompt = "Intro line.\n" + big_code + "\n" + "\n\n".join([CODE] * 60) + "\n" + "word " * 800
    assert len(prompt) > 10_000
    blocks = render_message(card(prompt=prompt)).blocks
    check(blocks)
    prompt_sections = [b["text"]["text"] for b in blocks if b["type"] == "section"][1:-1]
    assert len(prompt_sections) >= 4
    for chunk in prompt_sections:
        assert chunk.count("```") % 2 == 0  # every chunk closes what it opens
    assert "word word" in prompt_sections[-1]


def test_enormous_prompt_is_truncated_within_fifty_blocks() -> None:
    prompt = ("x" * 2900 + "\n") * 80
    blocks = render_message(card(prompt=prompt)).blocks
    check(blocks)
    assert len(blocks) == 50
    assert "truncated" in json.dumps(blocks)
    assert blocks[-1]["type"] == "context"  # the answer controls and status survive the cut


def test_twenty_six_long_options_single_and_multi() -> None:
    long = "a long option text that goes well past seventy-five characters <b> & more " * 3
    choices = tuple(ChoiceView(k, f"{k}: {long}") for k in KEYS)
    single = render_message(card(choices=choices)).blocks
    check(single)
    buttons = [e for b in single if b["type"] == "actions" for e in b["elements"]]
    assert [e["text"]["text"] for e in buttons][:26] == list(KEYS)
    assert all(len(b["elements"]) <= 25 for b in single if b["type"] == "actions")
    multi = render_message(card(choices=choices, actions=(CardAction.SELECT_MANY,))).blocks
    check(multi)
    select = next(e for b in multi if b["type"] == "actions" for e in b["elements"] if e["type"] != "button")
    assert select["type"] == "multi_static_select" and len(select["options"]) == 26
    assert all(len(o["text"]["text"]) <= 75 for o in select["options"])
    few = render_message(card(actions=(CardAction.SELECT_MANY,))).blocks
    boxes = next(e for b in few if b["type"] == "actions" for e in b["elements"] if e["type"] != "button")
    assert boxes["type"] == "checkboxes" and [o["value"] for o in boxes["options"]] == list("ABCD")


def test_option_longer_than_a_section_is_shortened() -> None:
    choices = (ChoiceView("A", "y" * 5000), ChoiceView("B", "short"))
    check(render_message(card(choices=choices)).blocks)


def test_leaderboard_has_room_for_an_image() -> None:
    board = Leaderboard("week", False, (LeaderboardRow(1, "ann", 10, 1, 1.0),))
    blocks = leaderboard_blocks(board, image_url="https://example.com/board.png")
    check(blocks)
    assert blocks[-1]["type"] == "image"


def test_answer_modal_is_valid() -> None:
    view = answer_modal(42, "C123")
    assert validate_view(view) == []
    assert view["callback_id"] == ids.words(42)
    assert json.loads(view["private_metadata"]) == {"c": "C123"}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),
        ("@channel", "@\u2060channel"),
        ("@Everyone", "@\u2060Everyone"),
        ("x\u202ey\x1b[2J", "x y [2J"),
    ],
)
def test_escaping_table_for_user_text(raw: str, shown: str) -> None:
    assert user_text(raw) == shown
    assert quoted(raw) == f"“{shown}”"


def test_bank_markdown_converted_and_escaped() -> None:
    text = bank_text("# Title\n**bold** and `a<b>` [docs](https://x.example/?a=1&b=2) <!here>\n" + CODE)
    assert text.startswith(
        "*Title*\n*bold* and `a&lt;b&gt;` <https://x.example/?a=1&amp;b=2|docs> &lt;!here&gt;"
    )
    assert "```\nfor i" in text  # language hint dropped
    assert bank_text("[x](javascript:alert(1))") == "[x](javascript:alert(1))"  # not a link


def test_split_respects_limits_entities_and_code_fences() -> None:
    text = escape("<&>" * 2000) + "\n```\n" + "\n".join(f"line <{i}>" for i in range(600)) + "\n```"
    chunks = split(text, 3000)
    assert all(len(c) <= 3000 for c in chunks)
    for chunk in chunks:
        assert chunk.count("```") % 2 == 0
        assert not chunk.endswith("&") and not chunk.endswith("&am") and not chunk.endswith("&l")
    assert "".join(chunks).replace("```", "").replace("\n", "") == text.replace("```", "").replace("\n", "")


def test_tokens_round_trip_and_reject_forgeries() -> None:
    assert ids.parse(ids.choose(7, "C")) == ids.Token(7, ids.Intent.CHOOSE, "C")
    assert ids.parse(ids.rate(7, "got_it")).arg == "got_it"
    assert ids.parse(ids.send(7)).intent is ids.Intent.SEND
    for bad in ("qz1:7:a", "qz1:07:A", "qz2:7:A", "qz1:7:rate-great", "qz1:7:", "qz1::A", None, 7, "x" * 300):
        with pytest.raises(ids.BadToken):
            ids.parse(bad)
    with pytest.raises(ids.BadToken):
        ids.choose(7, "AA")


async def test_card_updates_coalesce_and_never_go_back() -> None:
    sent: list[tuple[int, bool]] = []
    gate = asyncio.Event()

    async def send(ref: MessageRef, message: Message) -> None:
        assert isinstance(message, QuestionCard)
        sent.append((message.answered_count, message.closed))
        await gate.wait()

    updates = CardUpdates(send, interval=0)
    ref = MessageRef(Where("slack", "T", "C"), "1.0")
    first = asyncio.create_task(updates.submit(ref, card(answered_count=1)))
    await asyncio.sleep(0)
    for n in (2, 3, 5, 4):  # arrive while the first update is in flight; 4 arrives late
        await updates.submit(ref, card(answered_count=n))
    closed = card(answered_count=5, closed=True, actions=(), reveal=None)
    await updates.submit(ref, closed)
    gate.set()
    await first
    await updates.submit(ref, card(answered_count=6))  # an open card never replaces the closed one
    assert sent == [(1, False), (5, True)]
