"""Pure tests of the Slack rendering: every core message as Block Kit, checked by slack_sdk's block models
and by the fake's validator (which enforces the limits slack_sdk does not); escaping, splitting, tokens."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes.slack import FakeSlack, validate_blocks, validate_view
from slack_sdk.models.blocks import Block

from adapters.slack import ids
from adapters.slack import port as slack_port
from adapters.slack.mrkdwn import bank_text, escape, quoted, split, user_text
from adapters.slack.port import SlackPort, make_client
from adapters.slack.render import answer_modal, leaderboard_blocks, render_message
from bot.card_updates import CardUpdates
from bot.events import Actor, Where
from bot.messages import (
    CardAction,
    ChoiceView,
    Feedback,
    Help,
    HelpEntry,
    Leaderboard,
    LeaderboardRow,
    LearnerReadiness,
    Message,
    NamedCount,
    OpenReview,
    QuestionCard,
    ReadinessReport,
    Reveal,
    ReviewLink,
    SprintProgress,
    Stats,
    TeamEntry,
    TeamList,
    TopicEntry,
    TopicList,
    TopicReadiness,
    WeeklyDigest,
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


def digest(**kw: Any) -> WeeklyDigest:
    data: dict[str, Any] = dict(
        players=Leaderboard(
            "last_week",
            False,
            (
                LeaderboardRow(1, HOSTILE, 30, 3, 1.0, streak=4),
                LeaderboardRow(2, "@everyone", 20, 3, 0.67),
                LeaderboardRow(3, "bob", 10, 2, 0.5),
            ),
        ),
        teams=Leaderboard(
            "last_week",
            True,
            (LeaderboardRow(1, "<!channel> crew", 50, 6, 0.8, members=2, avg_per_member=25.0),),
        ),
        streaks=(NamedCount("@here", 5), NamedCount("bob", 1)),
        improved=(NamedCount("<@U0ADMIN>", 20),),
        chart_png=b"\x89PNG\r\n\x1a\nnot really a chart",
    )
    data.update(kw)
    return WeeklyDigest(**data)


def readiness(**kw: Any) -> ReadinessReport:
    data: dict[str, Any] = dict(
        name=HOSTILE,
        starts_on="2026-01-05",
        until="2026-01-07",
        posted=6,
        learners=(
            LearnerReadiness(
                "@everyone",
                6,
                0,
                0.0,
                weakest=("Docker <b>", "Kubernetes"),
                review=(
                    ReviewLink("Read about <k1>", "https://docs.example/k1?a=1&b=2"),
                    ReviewLink("No link, just a title", None),
                    ReviewLink(None, "https://docs.example/untitled"),
                    ReviewLink("Forged", "javascript:alert(1)"),
                ),
            ),
            LearnerReadiness("ann", 6, 6, 1.0),
        ),
        topics=(
            TopicReadiness(
                "Docker", 6, 3, 0.5, 2, review=(ReviewLink("Docker docs", "https://docs.docker.com/"),)
            ),
            TopicReadiness("<!here>", 6, 3, 0.5, 2),
        ),
    )
    data.update(kw)
    return ReadinessReport(**data)


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
    digest(),
    digest(players=Leaderboard("last_week", False, ()), teams=Leaderboard("last_week", True, ())),
    SprintProgress(HOSTILE, 2, 3, 2, 6, 4, 0.5),
    SprintProgress("@everyone", 1, 21, 0, 63, 0, None),
    readiness(),
    readiness(learners=(), topics=()),
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


def sections_text(blocks: list[dict[str, Any]]) -> list[str]:
    """The mrkdwn of every section and context block, in order."""
    out = []
    for block in blocks:
        if block["type"] == "section":
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out += [e["text"] for e in block["elements"]]
    return out


def test_weekly_digest_shows_players_teams_streaks_and_improved_escaped() -> None:
    rendered = render_message(digest())
    text = check(rendered.blocks)
    assert rendered.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Last week on the quiz"},
    }
    shown = "\n".join(sections_text(rendered.blocks))
    assert "*1.* “&lt;!channel&gt; &lt;!here&gt; &lt;@U0ADMIN&gt; @\u2060everyone &amp;" in shown
    assert "30 pts · 3 answered · 100% right · streak 4" in shown
    assert "*2.* “@\u2060everyone”  20 pts" in shown
    headers = [b["text"]["text"] for b in rendered.blocks if b["type"] == "header"]
    assert headers == ["Last week on the quiz", "Team leaderboard, last week"]
    assert "“&lt;!channel&gt; crew”  50 pts · 6 answered · 80% right · 2 members · 25.0 per member" in shown
    assert "*Longest streaks:* “@\u2060here” 5 days, “bob” 1 day" in shown
    assert "*Most improved:* “&lt;@U0ADMIN&gt;” +20 pts" in shown
    assert "PNG" not in text  # the chart is uploaded as a file by the port, not inlined
    assert "Last week on the quiz" in rendered.text and "&lt;!channel&gt;" in rendered.text


def test_weekly_digest_without_answers() -> None:
    empty = digest(
        players=Leaderboard("last_week", False, ()),
        teams=Leaderboard("last_week", True, ()),
        streaks=(),
        improved=(),
        chart_png=None,
    )
    blocks = render_message(empty).blocks
    check(blocks)
    assert sections_text(blocks) == ["No answers yet."]


def test_weekly_digest_with_hundreds_of_teams_stays_within_fifty_blocks() -> None:
    long_name = "team " + "x" * 300
    teams = tuple(
        LeaderboardRow(i, f"{long_name} {i}", 1000 - i, 5, 0.5, members=3, avg_per_member=1.0)
        for i in range(1, 400)
    )
    big = digest(teams=Leaderboard("last_week", True, teams))
    blocks = render_message(big).blocks
    check(blocks)
    assert len(blocks) <= 50
    assert all(len(t) <= 3000 for t in sections_text(blocks))


def test_sprint_progress_line() -> None:
    blocks = render_message(SprintProgress("Midterm", 2, 3, 2, 6, 4, 0.5)).blocks
    check(blocks)
    assert sections_text(blocks) == [":dart: “Midterm”: day 2 of 3, 2/6 questions, cohort accuracy 50%"]
    fresh = render_message(SprintProgress("Final", 1, 21, 0, 63, 0, None))
    assert sections_text(fresh.blocks) == [":dart: “Final”: day 1 of 21, 0/63 questions, no answers yet"]
    assert fresh.text == "“Final”: day 1 of 21 — 0/63 questions, no answers yet"


def test_readiness_report_with_review_links() -> None:
    rendered = render_message(readiness())
    text = check(rendered.blocks)
    shown = "\n".join(sections_text(rendered.blocks))
    assert "Readiness report" in rendered.blocks[0]["text"]["text"]
    assert "“&lt;!channel&gt; &lt;!here&gt;" in shown  # the sprint's name, as text
    assert "2026-01-05 to 2026-01-07, 6 questions posted" in shown
    assert "• “@\u2060everyone”: 6 answered, 0% right; weakest: Docker &lt;b&gt;, Kubernetes" in shown
    assert "review: <https://docs.example/k1?a=1&amp;b=2|Read about &lt;k1&gt;>" in shown
    assert "review: No link, just a title" in shown
    assert "review: <https://docs.example/untitled|https://docs.example/untitled>" in shown
    assert "javascript:alert(1)" in shown and "<javascript:" not in text  # shown, never a live link
    assert "• “ann”: 6 answered, 100% right" in shown
    assert "• Docker: 6 answers by 2 learners, 50% right" in shown
    assert "review: <https://docs.docker.com/|Docker docs>" in shown
    assert "• &lt;!here&gt;: 6 answers by 2 learners" in shown
    nobody = "\n".join(sections_text(render_message(readiness(learners=(), topics=())).blocks))
    assert "Nobody answered yet." in nobody


def test_long_readiness_report_stays_within_block_kit_limits() -> None:
    url = "https://docs.example/" + "p" * 1500 + "?q=" + "&x" * 200
    links = tuple(ReviewLink("A very long review title " * 20, url) for _ in range(3))
    learners = tuple(
        LearnerReadiness(f"learner {i} " + "n" * 100, 30, i % 30, (i % 30) / 30, ("Docker", "K8s"), links)
        for i in range(300)
    )
    topics = tuple(TopicReadiness("topic " + "t" * 4000, 10, 5, 0.5, 3, links) for _ in range(20))
    rendered = render_message(readiness(name="n" * 500, learners=learners, topics=topics))
    check(rendered.blocks)
    assert len(rendered.blocks) <= 50
    assert "truncated" in json.dumps(rendered.blocks)
    for chunk in sections_text(rendered.blocks):
        assert len(chunk) <= 3000
        assert chunk.count("<") == chunk.count(">")  # no link cut in half
    assert len(rendered.text) <= 3000


async def test_slack_port_updates_a_busy_card_at_most_once_per_interval() -> None:
    interval = 0.3
    async with FakeSlack() as fake:
        port = SlackPort(make_client(fake.bot_token, fake.api_url), update_interval=interval)
        try:
            ref = await port.post(Where("slack", fake.team_id, "C1"), card(answered_count=0))
            started = time.monotonic()
            for n in range(1, 21):  # twenty answers in quick succession
                await port.update(ref, card(answered_count=n))
                await asyncio.sleep(0.01)
            await port.update(ref, card(answered_count=20, closed=True, actions=(), reveal=None))
            await port.update(ref, card(answered_count=19))  # late and older: never shown
            await port.drain()
            elapsed = time.monotonic() - started
        finally:
            await port.close()
        updates = [c for c in fake.calls("chat.update") if c.ok]
        assert 2 <= len(updates) <= 2 + int(elapsed / interval)  # not one per answer
        gaps = [b.at - a.at for a, b in itertools.pairwise(updates)]
        assert all(gap >= interval - 0.05 for gap in gaps), gaps
        final = fake.message("C1", ref.message_id)
        assert "Closed" in final["text"] and "20 answered" not in final["text"]


async def test_slack_port_opens_a_new_users_dm_once_for_a_burst_of_feedback() -> None:
    async with FakeSlack() as fake:
        fake.add_user("UNEW", "new")
        fake.add_user("UHID", "hidden", dm_blocked=True)
        port = SlackPort(make_client(fake.bot_token, fake.api_url))
        try:
            new, hidden = (Actor("slack", fake.team_id, user) for user in ("UNEW", "UHID"))
            sent = await asyncio.gather(
                *(port.dm(actor, info(f"feedback {i}")) for i in range(12) for actor in (new, hidden))
            )
            later = await port.dm(new, info("one more"))
            again = await port.dm(hidden, info("later"))
        finally:
            await port.close()
        opened = [c.args.get("users") for c in fake.calls("conversations.open")]
        assert sorted(opened) == ["UHID", "UNEW"]  # one call each, however many answers were in flight
        assert again is None  # not asked again soon after Slack refused (each answer's call would count)
        refs = [ref for ref in [*sent[::2], later] if ref is not None]
        assert len(refs) == 13 and len({ref.where.channel_id for ref in refs}) == 1
        assert sent[1::2] == [None] * 12  # cannot be DMed: every waiter hears so (ephemeral fallback)
        assert len(fake.dms("UNEW")) == 13


async def test_slack_port_asks_again_about_a_user_it_could_not_dm_after_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(slack_port, "NO_DM_RECHECK_SECONDS", 0.05)
    async with FakeSlack() as fake:
        fake.add_user("UHID", "hidden", dm_blocked=True)
        port = SlackPort(make_client(fake.bot_token, fake.api_url))
        hidden = Actor("slack", fake.team_id, "UHID")
        try:
            assert await port.dm(hidden, info("one")) is None
            assert await port.dm(hidden, info("two")) is None  # remembered
            await asyncio.sleep(0.06)
            assert await port.dm(hidden, info("three")) is None  # asked again
        finally:
            await port.close()
        assert len(fake.calls("conversations.open")) == 2


def test_a_long_notice_is_split_over_sections_not_cut() -> None:
    """An import's summary can be long (skipped items and warnings, each with file and line)."""
    lines = [
        f"  quiz.md:{i}: Q{i}: no answer: options A–D but no answer is given {HOSTILE}" for i in range(60)
    ]
    text = "Imported, with problems:\n" + "\n".join(lines) + "\nthe last line"
    assert len(text) > 3_000
    blocks = render_message(warning(text)).blocks
    shown = check(blocks)
    assert len(blocks) >= 2 and "the last line" in blocks[-1]["text"]["text"]
    assert "<!channel>" not in shown and "@everyone" not in shown
