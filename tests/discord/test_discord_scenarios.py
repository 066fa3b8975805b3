"""End-to-end scenarios: the real discord.py client and the core against the fake Discord on loopback.

The same scenarios as the Slack adapter's (a channel gets a card, people click, type, get DMs, ask for the
leaderboard; instructors and others try to schedule; a hostile user's text pings nobody; DMs closed; double
clicks and replays; a 429), plus a restart between posting a question and clicking it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import discord
import pytest
from discord.http import Route
from discordkit import (
    MULTI,
    SHORT,
    SINGLE,
    START,
    DiscordEnv,
    discord_env,
    message_text,
    settings_for,
    store_questions,
)
from fakes.discord import FakeDiscord, PendingInteraction, StoredMessage, discord_py_pointed_at

from adapters.discord.client import run_discord
from bot.app import build_app
from bot.clock import FakeClock

DEFERRED_COMMAND = 5  # "thinking...", ephemeral
DEFERRED_UPDATE = 6
MODAL = 9


def ack_types(env: DiscordEnv, pending: PendingInteraction) -> list[tuple[int, int]]:
    return [(c.type, c.status) for c in env.fake.callbacks(pending)]


def assert_acked_in_time(env: DiscordEnv, *pendings: PendingInteraction) -> None:
    for pending in pendings:
        first = env.fake.callbacks(pending)[0]
        assert first.accepted and first.latency < 3.0, (first.status, first.latency)


def only_followup(env: DiscordEnv, pending: PendingInteraction) -> StoredMessage:
    [message] = env.fake.followups(pending)
    assert message.ephemeral and not message.loading
    return message


# --- a channel of users gets a card, clicks, types, gets DMs, asks for the leaderboard ----------------------


async def test_a_channel_card_answered_by_clicks_and_words(env: DiscordEnv) -> None:
    fake = env.fake
    bob, cat = fake.add_user("bob"), fake.add_user("cat")
    asked = await env.command("ask", {"topic": "dock", "here": True})
    assert ack_types(env, asked) == [(DEFERRED_COMMAND, 200)]
    placeholder = fake.original_response(asked)
    assert (
        placeholder is not None and placeholder.deleted
    )  # "thinking..." removed: the card went to the channel
    card = fake.messages()[-1]
    assert not card.ephemeral and card.embeds[0]["title"].startswith("Question #")
    assert "```dockerfile\nFROM python:3.11" in card.embeds[0]["description"]  # code block kept
    post_id = int(card.custom_ids()[0].split(":")[1])
    assert card.custom_ids() == [f"qz1:{post_id}:{k}" for k in "ABCD"] + [f"qz1:{post_id}:words"]

    right = await env.click(card, f"qz1:{post_id}:B")
    wrong = await env.click(card, f"qz1:{post_id}:A", user=bob)
    assert ack_types(env, right) == [(DEFERRED_UPDATE, 200)]
    opened = fake.dispatch_click(card, f"qz1:{post_id}:words", user=cat)
    modal = await opened.callback(timeout=5)
    assert (
        modal.type == MODAL and modal.data is not None and modal.data["custom_id"] == f"qz1:{post_id}:words"
    )
    typed = fake.dispatch_modal_submit(opened, {"answer": "workdir"})
    await typed.callback(timeout=5)
    await env.settle()
    assert_acked_in_time(env, asked, right, wrong, opened, typed)

    assert env.answers(post_id) == sorted(
        [
            (str(fake.user.id), "correct", "B", None),
            (str(bob.id), "incorrect", "A", None),
            (str(cat.id), "correct", "workdir", None),
        ]
    )
    # feedback by DM (the default), detailed; the card counts the answers
    [ann_dm] = fake.dms(fake.user)
    assert ann_dm.embeds[0]["title"].startswith("Correct!")
    [bob_dm] = fake.dms(bob)
    assert "Why A is wrong" in message_text(bob_dm) and "Correct answer:** B) WORKDIR" in message_text(bob_dm)
    assert "3 answered" in fake.message(card.id).embeds[-1]["footer"]["text"]
    assert not fake.followups(right)  # nothing ephemeral: the DM carried it

    board = await env.command("leaderboard")
    text = message_text(only_followup(env, board))
    assert "Player leaderboard, this week" in text and "“ann”" in text and "“cat”" in text


async def test_a_multi_select_answer_and_the_card_at_close(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    post_id, message_id = await env.post_card(MULTI.id)
    card = fake.message(message_id)
    select = card.component(f"qz1:{post_id}:pick")
    assert select is not None and (select["min_values"], select["max_values"]) == (1, 4)
    await env.click(card, f"qz1:{post_id}:pick", values=["A", "B", "C"])
    await env.click(card, f"qz1:{post_id}:pick", values=["D"], user=fake.add_user("bob"))
    assert [a[1] for a in env.answers(post_id)] == ["correct", "incorrect"]

    await env.bot.dispatcher.close_post(post_id)
    closed = fake.message(message_id)
    assert closed.components == []  # nothing left to click
    text = message_text(closed)
    assert (
        "Closed · 2 answered, 1 correct" in text
        and "**A.** volumes — 1 ✅" in text
        and "**D.** registry mounts — 1" in text
    )
    assert all(v.get("allowed_mentions") == {"parse": []} for v in closed.versions[1:])


async def test_a_private_question_answered_in_words_then_self_rated_in_the_dm(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    asked = await env.command("ask", {"topic": "probes"})
    card = only_followup(env, asked)  # the ephemeral card replaced "thinking..."
    assert "Only you can see this question" in message_text(card)
    post_id = env.latest_post(fake.user)
    assert card.custom_ids() == [f"qz1:{post_id}:words"]
    opened = fake.dispatch_click(card, f"qz1:{post_id}:words")
    assert (await opened.callback(timeout=5)).type == MODAL
    await fake.dispatch_modal_submit(opened, {"answer": "it gates traffic"}).callback(timeout=5)
    await env.settle()
    [dm] = fake.dms(fake.user)
    assert "Model answer" in message_text(dm)
    assert dm.custom_ids() == [f"qz1:{post_id}:rate-{r}" for r in ("got_it", "partly", "missed")]

    rated = await env.click(dm, f"qz1:{post_id}:rate-got_it")  # a click in the DM: no guild in the payload
    assert "guild_id" not in fake.interaction(rated.id).payload
    assert env.answers(post_id) == [(str(fake.user.id), "correct", "it gates traffic", "got_it")]
    assert "Rated: got it" in message_text(fake.dms(fake.user)[-1])


async def test_topics_and_banks_autocomplete(sqlite_env: DiscordEnv) -> None:
    fake = sqlite_env.fake
    topics = await fake.dispatch_autocomplete("quiz", "topic", "o", subcommand="ask").callback(timeout=5)
    assert topics.type == 8 and topics.data is not None
    assert [c["value"] for c in topics.data["choices"]] == ["Docker", "Probes", "Storage"]  # prefix first
    banks = await fake.dispatch_autocomplete("quiz", "bank", "DIS", subcommand="schedule").callback(timeout=5)
    assert banks.data == {"choices": [{"name": "discord", "value": "discord"}]}
    registered = fake.commands()[0]
    assert registered["name"] == "quiz"
    names = [o["name"] for o in registered["options"]]
    assert {"ask", "topics", "me", "leaderboard", "team", "dm", "help", "schedule", "close"} <= set(names)


# --- instructors ------------------------------------------------------------------------------------------


async def test_only_instructors_may_schedule(tmp_path: Any) -> None:
    async with discord_env(f"sqlite:///{tmp_path / 'i.db'}", instructors=True) as env:
        fake = env.fake
        teacher = fake.add_user("teacher", roles=[env.instructor_role])
        manager = fake.add_user("manager", roles=[env.manager_role])
        refused = await env.command("schedule", {"args": "daily 09:00"})
        assert "Only instructors can use /quiz schedule" in message_text(only_followup(env, refused))
        for who in (teacher, manager):
            allowed = await env.command("schedule", {"args": "daily 09:00", "topic": "Docker"}, user=who)
            text = message_text(only_followup(env, allowed))
            assert "Only instructors" not in text and "not available" not in text, text
        listed = await env.command("schedule", {"args": "list"}, user=teacher)
        assert "09:00" in message_text(only_followup(env, listed))


# --- safety ------------------------------------------------------------------------------------------------


async def test_a_hostile_users_text_pings_nobody(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    mallory = fake.add_user("mallory")
    mallory.global_name = "@everyone"
    hostile = f"@everyone @here <@&{env.instructor_role.id}> <@{fake.user.id}>"
    joined = await env.command("team join", {"name": hostile[:60]}, user=mallory)
    notice = only_followup(env, joined)
    assert notice.content.startswith("You joined team “@\u200beveryone @\u200bhere <@\u200b&")
    post_id, message_id = await env.post_card(SHORT.id)
    opened = fake.dispatch_click(message_id, f"qz1:{post_id}:words", user=mallory)
    await opened.callback(timeout=5)
    submitted = fake.dispatch_modal_submit(opened, {"answer": hostile})  # echoed back: "type text"
    await submitted.callback(timeout=5)
    again = fake.dispatch_click(message_id, f"qz1:{post_id}:words", user=mallory)
    await again.callback(timeout=5)
    await fake.dispatch_modal_submit(again, {"answer": f"kubectl get {hostile}"}).callback(timeout=5)
    await env.settle()
    shown = message_text(only_followup(env, submitted))
    assert "@\u200beveryone @\u200bhere" in shown and f"<@\u200b{fake.user.id}>" in shown
    [dm] = fake.dms(mallory)  # graded: "Your answer" quoted in the feedback
    shown = message_text(dm)
    assert (
        "Your answer" in shown
        and "@\u200beveryone @\u200bhere" in shown
        and f"<@\u200b{fake.user.id}>" in shown
    )
    board = await env.command("leaderboard")
    assert "“@\u200beveryone”" in message_text(only_followup(env, board))
    teams = await env.command("team list")
    assert "<@&" not in message_text(only_followup(env, teams))

    sent = [r for r in fake.requests() if r.method in ("POST", "PATCH") and _is_message_route(r.path)]
    assert {r.method for r in sent} == {"POST", "PATCH"} and len(sent) >= 6
    assert len([r for r in sent if r.path.startswith("/webhooks/")]) >= 4  # the ephemeral follow-ups
    for request in sent:  # every message the bot sent or edited pings nobody
        assert (request.json or {}).get("allowed_mentions") == {"parse": []}, request.route
    for message in [*fake.messages(), *fake.dms(mallory), *fake.dms(fake.user)]:
        text = message_text(message)
        assert "@everyone" not in text and "@here" not in text and f"<@&{env.instructor_role.id}>" not in text


def _is_message_route(path: str) -> bool:
    return path.endswith("/messages") or "/messages/" in path or path.startswith("/webhooks/")


async def test_a_forged_or_foreign_component_is_refused_politely(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    post_id, _ = await env.post_card(SINGLE.id)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=fake.channel.id)
    buttons = [
        {"type": 2, "style": 1, "label": label, "custom_id": custom_id}
        for label, custom_id in (("bad", "qz1:abc:A"), ("gone", "qz1:999999:A"), ("Z", f"qz1:{post_id}:Z"))
    ]
    forged = await env.bot.client.http.request(
        route, json={"content": "forged", "components": [{"type": 1, "components": buttons}]}
    )
    refused = await env.click(int(forged["id"]), "qz1:abc:A")
    [callback] = fake.callbacks(refused)
    assert callback.type == 4 and callback.data is not None and callback.data["flags"] == 64
    assert "not one of this quiz's buttons" in callback.data["content"]
    assert callback.data["allowed_mentions"] == {"parse": []}
    missing = await env.click(int(forged["id"]), "qz1:999999:A")
    assert "does not exist" in message_text(only_followup(env, missing))
    no_such_key = await env.click(int(forged["id"]), f"qz1:{post_id}:Z")
    assert "not one of this question's choices" in message_text(only_followup(env, no_such_key))
    assert env.answers() == []


async def test_clicks_are_acknowledged_in_time_while_the_database_is_busy(tmp_path: Any) -> None:
    """The ack comes before any database work: with the database write-locked for longer than the deadline,
    the click is still acknowledged in time, and the answer is recorded once the lock is released."""
    async with discord_env(f"sqlite:///{tmp_path / 'busy.db'}", callback_deadline=1.0) as env:
        fake = env.fake
        post_id, message_id = await env.post_card(SINGLE.id)
        blocker = sqlite3.connect(tmp_path / "busy.db")
        blocker.execute("BEGIN IMMEDIATE")
        try:
            click = fake.dispatch_click(message_id, f"qz1:{post_id}:B")
            acked = await click.callback(timeout=1.0)
            assert acked.type == DEFERRED_UPDATE and acked.latency < 1.0
            await asyncio.sleep(1.2)  # past the deadline: anything not deferred would have failed by now
            assert env.answers(post_id) == []
        finally:
            blocker.rollback()
            blocker.close()
        await env.settle()
        assert env.answers(post_id) == [(str(fake.user.id), "correct", "B", None)]
        assert [c.status for c in fake.callbacks(click)] == [200]
        assert len(fake.dms(fake.user)) == 1


# --- DMs closed, double clicks, replays, 429s ---------------------------------------------------------------


async def test_closed_dms_fall_back_to_an_ephemeral_followup(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    shy = fake.add_user("shy", dms_closed=True)
    post_id, message_id = await env.post_card(SINGLE.id)
    clicked = await env.click(message_id, f"qz1:{post_id}:C", user=shy)
    assert fake.dms(shy) == []
    refused_dm = [r for r in fake.requests("POST /channels/*/messages") if r.status == 403]
    assert len(refused_dm) == 1 and refused_dm[0].response["code"] == 50007
    reply = only_followup(env, clicked)
    assert reply.embeds[0]["title"].startswith("Not quite.")
    assert env.answers(post_id) == [(str(shy.id), "incorrect", "C", None)]

    off = await env.command("dm", {"setting": "off"})
    assert "short private reply" in message_text(only_followup(env, off))
    post_2, message_2 = await env.post_card(MULTI.id)
    brief = await env.click(message_2, f"qz1:{post_2}:pick", values=["A", "B", "C"])
    assert only_followup(env, brief).content.startswith("**Correct! +")
    assert len(fake.dms(fake.user)) == 0


async def test_double_clicks_and_replayed_interactions_record_one_answer(env: DiscordEnv) -> None:
    fake = env.fake
    post_id, message_id = await env.post_card(SINGLE.id)
    first = fake.dispatch_click(message_id, f"qz1:{post_id}:B")
    second = fake.dispatch_click(message_id, f"qz1:{post_id}:A")  # a quick second click, another choice
    await first.callback(timeout=5)
    await second.callback(timeout=5)
    await env.settle()
    for pending in (first, second):  # the gateway delivers both again (a replay after a resume, say)
        await fake.gateway.dispatch("INTERACTION_CREATE", fake.interaction(pending.id).payload)
    await env.settle()
    for pending in (first, second):
        statuses = [(c.status, (c.error or {}).get("code")) for c in fake.callbacks(pending)]
        assert statuses == [(200, None), (400, 40060)]  # the replay's ack was refused: already acknowledged
    [(user_id, verdict, response, _)] = env.answers(post_id)  # one answer: whichever click came first
    assert user_id == str(fake.user.id) and (verdict, response) in {("correct", "B"), ("incorrect", "A")}
    winner, loser = (first, second) if response == "B" else (second, first)
    assert fake.followups(winner) == []  # its feedback went by DM
    assert "already answered" in message_text(only_followup(env, loser))  # once: the replay added nothing
    assert len(fake.dms(fake.user)) == 1  # feedback once
    assert "1 answered" in fake.message(message_id).embeds[-1]["footer"]["text"]


async def test_a_429_is_retried_by_discord_py_and_the_card_lands_once(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.fail_next("POST /channels/*/messages", 429, retry_after=0.3)
    asked = await env.command("ask", {"topic": "Docker", "here": True})
    await fake.wait_for("POST /channels/*/messages", lambda r: r.status == 200)
    await env.settle()
    posts = fake.requests("POST /channels/*/messages")
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.25  # discord.py waited retry_after
    cards = [m for m in fake.messages() if m.embeds]
    assert len(cards) == 1
    assert_acked_in_time(env, asked)


# --- a restart between posting and clicking ---------------------------------------------------------------


async def test_buttons_keep_working_after_a_restart(env: DiscordEnv) -> None:
    fake = env.fake
    post_id, message_id = await env.post_card(SINGLE.id)
    sessions_before = len(fake.gateway.sessions)
    old_client = env.bot.client
    await env.restart()
    assert env.bot.client is not old_client and old_client.is_closed()
    assert len(fake.gateway.sessions) == sessions_before + 1
    clicked = await env.click(message_id, f"qz1:{post_id}:B")
    opened = fake.dispatch_click(message_id, f"qz1:{post_id}:words", user=fake.add_user("bob"))
    assert (await opened.callback(timeout=5)).type == MODAL
    await env.restart()  # and again between opening the form and submitting it
    await fake.dispatch_modal_submit(opened, {"answer": "CHDIR"}).callback(timeout=5)
    await env.settle()
    assert_acked_in_time(env, clicked, opened)
    assert [a[1:3] for a in env.answers(post_id)] == [("correct", "B"), ("incorrect", "CHDIR")]
    assert "2 answered" in fake.message(message_id).embeds[-1]["footer"]["text"]  # edited by the new process


async def test_the_client_asks_only_for_the_guilds_intent(sqlite_env: DiscordEnv) -> None:
    intents = sqlite_env.bot.client.intents
    assert intents.value == discord.Intents(guilds=True).value
    assert not intents.message_content and not intents.members
    identify = sqlite_env.fake.gateway.sessions[-1]
    assert identify.intents == intents.value


async def test_run_discord_serves_until_cancelled(tmp_path: Any) -> None:
    """What ``adapters.runner`` calls: connects, syncs /quiz to the configured guild, answers, stops on cancel."""
    async with FakeDiscord() as fake:
        with discord_py_pointed_at(fake):
            settings = settings_for(fake, f"sqlite:///{tmp_path / 'run.db'}")
            quiz = build_app(settings, clock=FakeClock(START))
            store_questions(quiz)
            task = asyncio.create_task(run_discord(settings, quiz))
            await fake.wait_for_session(timeout=10)
            await fake.wait_for("PUT /applications/*/guilds/*/commands")
            asked = await fake.dispatch_command("quiz", {}, subcommand="topics").callback(timeout=5)
            assert asked.type == DEFERRED_COMMAND
            followup = await fake.wait_for("POST /webhooks/*")
            assert "Docker" in followup.json["content"]
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert fake.commands(global_=True) == []  # synced to the guild only (development setting)
            quiz.close()
