"""HTTP mode served from the front process (``adapters.slack.front``, the default for HTTP mode): the same
signed requests from the fake Slack's sender, acked by Bolt in the child process, recorded by the bot's
process; shutdown hands over every acked click; a front that dies is started again."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.slack import Signing
from slackkit import SINGLE, SlackEnv, slack_env

from adapters.slack import ids
from adapters.slack.front import BadFrame, Ready, frame, read_frame
from adapters.slack.jobs import Dispatch, RunCommand
from bot.events import Actor, ChoiceSelected, Where

pytestmark = pytest.mark.slow


@pytest.fixture
async def front_env(db_url: str) -> AsyncIterator[SlackEnv]:
    async with slack_env(db_url, front=True) as built:
        yield built


@pytest.fixture
async def sqlite_front_env(tmp_path: Path) -> AsyncIterator[SlackEnv]:
    async with slack_env(f"sqlite:///{tmp_path / 'front.db'}", front=True) as built:
        yield built


def front_pid(env: SlackEnv) -> int:
    front = env.bot.front
    assert front is not None and front.pid is not None
    return front.pid


async def test_clicks_words_double_clicks_and_commands_through_the_front(front_env: SlackEnv) -> None:
    env, fake = front_env, front_env.fake
    assert front_pid(env) != os.getpid()
    for uid, name in [("U1", "ann"), ("U2", "bob"), ("U3", "cy"), ("U4", "dee")]:
        fake.add_user(uid, name)
    post_id, ts = await env.post_card(SINGLE.id)
    assert (await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")).status == 200
    await env.click(env.card(ts), ids.choose(post_id, "A"), "U2")
    await env.click(env.card(ts), ids.words(post_id), "U3")  # "Answer in words" opens the modal
    view = fake.views()[-1]
    assert view["callback_id"] == ids.words(post_id)
    assert (await env.sender.submit(view, {"answer": "workdir"}, user_id="U3", user_name="cy")).status == 200
    first = env.sender.click(env.card(ts), ids.choose(post_id, "C"), user_id="U4", user_name="dee")
    second = env.sender.click(env.card(ts), ids.choose(post_id, "D"), user_id="U4", user_name="dee")
    assert [(await first).status, (await second).status] == [200, 200]
    await env.settle()

    assert [(u, v) for u, v, _, _ in env.answers(post_id)] == [
        ("U1", "correct"),
        ("U2", "incorrect"),
        ("U3", "correct"),
        ("U4", "incorrect"),
    ]
    assert len(fake.dms("U1")) == 1 and len(fake.dms("U4")) == 1
    assert any("already answered" in e.text for e in fake.ephemerals("U4"))
    assert "4 answered" in str(env.card(ts))

    await env.command("leaderboard", "U1")
    assert "ann" in fake.ephemerals("U1")[-1].text


async def test_the_front_refuses_bad_signatures_and_drops_replays(sqlite_front_env: SlackEnv) -> None:
    env = sqlite_front_env
    post_id, ts = await env.post_card(SINGLE.id)
    for signing in (Signing.UNSIGNED, Signing.WRONG_SECRET, Signing.STALE):
        refused = await env.sender.click(
            env.card(ts), ids.choose(post_id, "A"), user_id="U1", signing=signing
        )
        assert refused.status == 401
    first = await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")
    again = await env.sender.resend(first)
    await env.settle()
    assert (first.status, again.status) == (200, 200)
    assert env.answers(post_id) == [("U1", "correct", "B", None)]
    assert len(env.fake.dms("U1")) == 1


async def test_stopping_the_front_hands_over_every_acked_click(front_env: SlackEnv) -> None:
    env = front_env
    post_id, ts = await env.post_card(SINGLE.id)
    card = env.card(ts)
    users = [f"U{n:03d}" for n in range(60)]
    sent = await asyncio.gather(
        *(env.sender.click(card, ids.choose(post_id, "A"), user_id=u, user_name=u.lower()) for u in users)
    )
    assert {s.status for s in sent} == {200}
    await env.bot.stop_front()  # no settle first: the jobs may still be in the pipe
    await env.bot.drain()
    assert sorted(u for u, _, _, _ in env.answers(post_id)) == users


async def test_a_front_that_dies_is_started_again_on_the_same_port(sqlite_front_env: SlackEnv) -> None:
    env = sqlite_front_env
    front = env.bot.front
    assert front is not None
    port, old_pid = front.port, front_pid(env)
    os.kill(old_pid, signal.SIGKILL)
    for _ in range(200):  # the supervisor notices the pipe closing and starts a new front
        await asyncio.sleep(0.05)
        if front.pid != old_pid and front.running:
            break
    assert front.pid != old_pid and front.port == port
    post_id, ts = await env.post_card(SINGLE.id)
    assert (await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")).status == 200
    assert env.answers(post_id) == [("U1", "correct", "B", None)]


async def test_stopping_while_the_front_restarts_leaves_no_process_behind(sqlite_front_env: SlackEnv) -> None:
    env = sqlite_front_env
    front = env.bot.front
    assert front is not None
    os.kill(front_pid(env), signal.SIGKILL)
    await asyncio.sleep(0.2)  # the supervisor has seen it die and waits to start a new one
    await asyncio.wait_for(env.bot.stop_front(), 15)
    assert not front.running
    pid = front.pid
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # whichever process it last had is gone


@pytest.mark.parametrize("hostile", [datetime(2026, 1, 1, tzinfo=UTC), Path("/etc/passwd"), {"not": Signing}])
async def test_the_bot_reads_back_only_what_a_front_sends(hostile: object) -> None:
    """Frames from the internet-facing child are unpickled with an allow-list: anything else is skipped
    (logged), and the frames after it still arrive."""
    actor = Actor("slack", "T1", "U1", "ann", False, ("S1", "@team"))
    job = Dispatch(ChoiceSelected(actor, Where("slack", "T1", "C1"), 7, ("B",), "act-1"))
    reader = asyncio.StreamReader()
    for item in (hostile, job, RunCommand({"text": "top"}), Ready(3000)):
        reader.feed_data(frame(item))
    reader.feed_eof()
    got = [await read_frame(reader, from_child=True) for _ in range(5)]
    assert isinstance(got[0], BadFrame) and "is not something the Slack front sends" in got[0].error
    assert got[1:] == [job, RunCommand({"text": "top"}), Ready(3000), None]
