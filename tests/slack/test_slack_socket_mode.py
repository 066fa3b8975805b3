"""Socket Mode: the same app over the fake's websocket (apps.connections.open, envelopes, acks)."""

from __future__ import annotations

import random
from pathlib import Path

from fakes.slack import FakeSlack, PayloadFactory
from slackkit import SINGLE, START, settings_for, store_questions
from sqlalchemy import select

from adapters.slack import ids
from adapters.slack.app import build_slack_app
from bot.app import build_app
from bot.clock import FakeClock
from bot.storage.models import AnswerRow, Post


async def test_socket_mode_command_click_and_reconnect(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        settings = settings_for(fake, f"sqlite:///{tmp_path / 'socket.db'}", mode="socket")
        quiz = build_app(settings, clock=FakeClock(START), rng=random.Random(1))
        store_questions(quiz)
        bot = build_slack_app(settings, quiz, update_interval=0)
        handler = await bot.start_socket_mode(fake.app_token)
        socket = fake.socket_mode
        payloads = PayloadFactory(fake)
        try:
            await socket.wait_for_connections(1)
            envelope = await socket.send_envelope(
                "slash_commands", payloads.slash_command("/quiz", "docker", user_id="U1")
            )
            ack = await socket.wait_for_ack(envelope)
            assert ack.envelope_id == envelope
            await bot.drain()
            card = fake.ephemerals("U1")[-1]
            assert SINGLE.prompt.splitlines()[0] in card.text
            with quiz.sessions() as s:
                post_id = s.scalars(select(Post.id)).one()
            click = payloads.block_actions(
                card.to_slack(), ids.choose(post_id, "B"), user_id="U1", ephemeral=True
            )
            envelope = await socket.send_envelope("interactive", click)
            await socket.wait_for_ack(envelope)
            await bot.drain()
            with quiz.sessions() as s:
                assert [(a.post_id, a.verdict) for a in s.query(AnswerRow).all()] == [(post_id, "correct")]
            assert "Correct" in fake.dms("U1")[-1]["text"]

            # Slack asks the app to reconnect: it does, and keeps working
            await socket.request_disconnect()
            await socket.wait_for_connections(2, timeout=10)
            envelope = await socket.send_envelope(
                "slash_commands", payloads.slash_command("/quiz", "me", user_id="U1")
            )
            await socket.wait_for_ack(envelope)
            await bot.drain()
            assert "points this week" in fake.ephemerals("U1")[-1].text
        finally:
            await handler.close_async()
            await bot.close()
            quiz.close()
