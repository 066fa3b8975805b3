"""Whole scenarios through the real Bolt app in HTTP mode: signed requests from the fake Slack's sender, the
app's Web API calls answered (and validated) by the fake, answers checked in the database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes.slack import validate_blocks
from slackkit import CHANNEL, INSTRUCTOR, MULTI, OPEN, SHORT, SINGLE, SlackEnv

from adapters.slack import ids


def texts(blocks: list[dict[str, Any]]) -> str:
    """All mrkdwn/plain text in blocks, joined (what a reader sees, still escaped)."""
    return json.dumps(blocks, ensure_ascii=False)


def all_text(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + texts(message.get("blocks", []))


@pytest.mark.slow
async def test_channel_daily_card_clicks_words_dms_and_leaderboard(env: SlackEnv) -> None:
    fake = env.fake
    for uid, name in [("U1", "ann"), ("U2", "bob"), ("U3", "cy"), ("U4", "dee"), ("U5", "eve")]:
        fake.add_user(uid, name)
    post_id, ts = await env.post_card(SINGLE.id)
    card = env.card(ts)
    assert validate_blocks(card["blocks"]) == []
    assert "```" in all_text(card)  # the code block of the prompt survives
    buttons = [e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["A", "B", "C", "D", "Answer in words"]

    ok = await env.click(card, ids.choose(post_id, "B"), "U1")
    assert ok.status == 200
    await env.click(env.card(ts), ids.choose(post_id, "A"), "U2")
    # U3 types the answer in the modal
    await env.click(env.card(ts), ids.words(post_id), "U3")
    view = fake.views()[-1]
    assert view["callback_id"] == ids.words(post_id)
    submitted = await env.sender.submit(view, {"answer": "workdir"}, user_id="U3", user_name="cy")
    assert submitted.status == 200
    await env.settle()
    # U4 double-clicks
    first = env.sender.click(env.card(ts), ids.choose(post_id, "C"), user_id="U4", user_name="dee")
    second = env.sender.click(env.card(ts), ids.choose(post_id, "D"), user_id="U4", user_name="dee")
    assert (await first).status == 200 and (await second).status == 200
    await env.settle()

    answers = env.answers(post_id)
    assert [(u, v) for u, v, _, _ in answers] == [
        ("U1", "correct"),
        ("U2", "incorrect"),
        ("U3", "correct"),
        ("U4", "incorrect"),
    ]
    assert fake.dms("U1") and "Correct" in all_text(fake.dms("U1")[-1])
    assert "cd does not persist" in all_text(fake.dms("U2")[-1])  # why A is wrong
    assert len(fake.dms("U4")) == 1  # one feedback; the second click got "already answered"
    assert any("already answered" in e.text for e in fake.ephemerals("U4"))
    assert "4 answered" in all_text(env.card(ts))

    await env.command("leaderboard", "U5")
    board = fake.ephemerals("U5")[-1]
    assert "ann" in board.text and "cy" in board.text
    assert validate_blocks(board.blocks) == []

    await env.bot.dispatcher.close_post(post_id)
    closed = env.card(ts)
    assert "Closed" in all_text(closed) and "4 answered, 2 correct" in all_text(closed)
    assert "2 chose this" in all_text(closed)  # B: U1 and U3
    assert not [b for b in closed["blocks"] if b["type"] == "actions"]
    assert validate_blocks(closed["blocks"]) == []


async def test_private_question_multi_select_and_submit(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    await env.command("storage", "U1")
    card = fake.ephemerals("U1")[-1]
    post_id = env.latest_post("U1")
    assert validate_blocks(card.blocks) == []
    surface = card.to_slack()
    block_id = next(b["block_id"] for b in card.blocks if b["type"] == "actions")
    pick = ids.pick(post_id)
    option_values = ["A", "B", "C"]
    element = next(
        e for b in card.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == pick
    )
    chosen = [o for o in element["options"] if o["value"] in option_values]
    # ticking boxes is not an answer
    await env.click(surface, pick, "U1", value=option_values, ephemeral=True)
    assert env.answers() == []
    state = {"values": {block_id: {pick: {"type": "checkboxes", "selected_options": chosen}}}}
    await env.click(surface, ids.send(post_id), "U1", ephemeral=True, state=state)
    assert env.answers() == [("U1", "correct", "A,B,C", None)]


async def test_open_question_model_answer_then_self_rating(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    await env.command("probes", "U1")
    post_id = env.latest_post("U1")
    card = fake.ephemerals("U1")[-1]
    buttons = [e["action_id"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [ids.words(post_id)]
    await env.click(card.to_slack(), ids.words(post_id), "U1", ephemeral=True)
    await env.sender.submit(fake.views()[-1], {"answer": "It gates traffic to the pod."}, user_id="U1")
    await env.settle()
    feedback = fake.dms("U1")[-1]
    assert "Model answer" in all_text(feedback)
    assert "traffic only when ready" in all_text(feedback)
    await env.click(feedback, ids.rate(post_id, "partly"), "U1")
    assert env.answers() == [("U1", "partial", "It gates traffic to the pod.", "partly")]
    assert "Rated" in all_text(fake.dms("U1")[-1])


async def test_short_answer_in_words_and_empty_submission_refused(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    await env.command("kubernetes", "U1")
    post_id = env.latest_post("U1")
    await env.click(fake.ephemerals("U1")[-1].to_slack(), ids.words(post_id), "U1", ephemeral=True)
    view = fake.views()[-1]
    empty = await env.sender.submit(view, {"answer": "   "}, user_id="U1")
    assert empty.status == 200 and empty.json()["response_action"] == "errors"
    await env.sender.submit(view, {"answer": "kubectl get pods"}, user_id="U1")
    await env.settle()
    assert env.answers() == [("U1", "correct", "kubectl get pods", None)]


async def test_dm_off_feedback_is_ephemeral(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    post_id, ts = await env.post_card(SINGLE.id)
    await env.command("dm off", "U1")
    await env.click(env.card(ts), ids.choose(post_id, "A"), "U1")
    assert fake.dms("U1") == []
    brief = fake.ephemerals("U1", CHANNEL)[-1]
    assert "Not quite" in brief.text and "WORKDIR" in brief.text


async def test_user_who_cannot_be_dmed_gets_ephemeral(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.add_user("U9", "hidden", dm_blocked=True)
    post_id, ts = await env.post_card(SINGLE.id)
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U9")
    assert env.answers(post_id) == [("U9", "correct", "B", None)]
    assert any("Correct" in e.text for e in fake.ephemerals("U9", CHANNEL))


async def test_hostile_answer_is_echoed_escaped(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.add_user("UEVIL", "<!channel>")
    post_id, ts = await env.post_card(SHORT.id)
    await env.click(env.card(ts), ids.words(post_id), "UEVIL", user_name="<!here>")
    hostile = "<!channel> <!here> <@U1> @everyone & <https://evil.example|click>"
    await env.sender.submit(fake.views()[-1], {"answer": hostile}, user_id="UEVIL", user_name="<!channel>")
    await env.settle()
    await env.command("leaderboard", "U1")
    sent = [c for c in fake.calls() if c.method.startswith("chat.") and c.ok]
    assert sent
    for call in sent:
        payload = json.dumps(call.args, ensure_ascii=False)
        for ping in ("<!channel>", "<!here>", "<@U1>", "<https://evil"):
            assert ping not in payload, (call.method, payload)
        assert "link_names" not in call.args or str(call.args["link_names"]).lower() in ("false", "0")
    feedback = fake.dms("UEVIL")[-1]
    assert "&lt;!channel&gt;" in all_text(feedback)  # shown, as text
    assert "@\u2060everyone" in all_text(feedback)


async def test_instructor_command_refused_to_others(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.add_user("U1", "student")
    fake.add_user("UADMIN", "boss", is_admin=True)
    fake.add_user("UOWNER", "founder", is_owner=True)
    fake.add_user(INSTRUCTOR, "teacher")
    await env.command("schedule daily 09:00", "U1")
    assert "Only instructors" in fake.ephemerals("U1")[-1].text
    for user in ("UADMIN", "UOWNER", INSTRUCTOR):
        await env.command("schedule daily 09:00", user)
        reply = fake.ephemerals(user)[-1].text
        assert "Only instructors" not in reply, user
        assert reply.startswith("Scheduled #")
    assert {c.args.get("user") for c in fake.calls("users.info")} >= {"U1", "UADMIN", "UOWNER"}


async def test_help_and_topics_render_valid_blocks(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    for text in ("help", "topics", "me", "team join <!channel> crew", "team list", "nonsense-topic"):
        await env.command(text, "U1")
    for eph in fake.ephemerals("U1"):
        assert validate_blocks(eph.blocks) == [], eph.text
        assert "<!channel>" not in eph.text + json.dumps(eph.blocks)
    assert any("&lt;!channel&gt; crew" in e.text for e in fake.ephemerals("U1"))


async def test_multi_question_posted_for_everyone_in_channel(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    await env.command("storage here", "U1")
    posted = fake.messages(CHANNEL)
    assert len(posted) == 1 and MULTI.prompt.split("?")[0] in posted[0]["text"]
    await env.command("probes", "U2")
    assert OPEN.prompt in fake.ephemerals("U2")[-1].text
