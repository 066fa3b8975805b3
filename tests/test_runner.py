"""``quizmaster run`` end to end: ``adapters.runner.serve`` with Slack (HTTP mode) and Discord at once against
the fake platforms on loopback, the real scheduler, the Prometheus endpoint and the heartbeat file, on SQLite
and PostgreSQL. Nothing of ours is replaced: requests are signed Slack requests and Discord interactions, the
scheduled post is fired by the scheduler's own timer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from fakes.discord import FakeDiscord, discord_py_pointed_at
from fakes.slack import FakeSlack, PayloadFactory, SlackRequestSender
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from adapters.runner import METRICS_PATH, Running, serve
from bot.app import QuizApp, build_app
from bot.clock import FakeClock
from bot.config import DiscordSettings, Settings, SlackSettings
from bot.health import check_health
from bot.storage.models import Occurrence, Post

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET = "runner-signing-secret"
CHANNEL = "C0RUNNER01"
INSTRUCTOR = "UTEACH0001"
BEFORE_NINE = datetime(2026, 1, 5, 8, 59, tzinfo=UTC)  # a Monday
AFTER_NINE = datetime(2026, 1, 5, 9, 0, 30, tzinfo=UTC)
BEAT = 0.05  # heartbeat interval in these tests, seconds
DEFERRED_COMMAND = 5  # Discord's "thinking..." interaction callback


def free_port() -> int:
    """A TCP port nobody listens on right now (Slack's HTTP mode is told to bind it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy (and return that)."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.01)
    return found


def settings_for(
    db_url: str, heartbeat: Path, slack: FakeSlack | None, discord: FakeDiscord | None
) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        instructors=[INSTRUCTOR],
        metrics_port=0,
        metrics_host="127.0.0.1",
        heartbeat_file=heartbeat,
        heartbeat_interval=BEAT,
        slack=SlackSettings(
            bot_token=slack.bot_token,
            signing_secret=SECRET,
            mode="http",
            http_port=free_port(),
            api_base_url=slack.api_url,
        )
        if slack is not None
        else SlackSettings(),
        discord=DiscordSettings(
            token=discord.token, application_id=str(discord.application_id), guild_id=str(discord.guild.id)
        )
        if discord is not None
        else DiscordSettings(),
    )


@contextlib.asynccontextmanager
async def serving(settings: Settings, app: QuizApp) -> AsyncIterator[tuple[asyncio.Task[None], Running]]:
    """``serve`` as a task, once it reported everything up; cancelled (and awaited) on exit."""
    started: asyncio.Future[Running] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, app, on_started=started.set_result))
    done, _ = await asyncio.wait({task, started}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # serve ended before it was up: raise why
    assert started in done, "serve did not come up within 20 s"
    try:
        yield task, started.result()
    finally:
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text format -> {(sample name, labels): value}."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(
    session: aiohttp.ClientSession, port: int
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with session.get(f"http://127.0.0.1:{port}{METRICS_PATH}") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        return samples(await response.text())


def our_pending_tasks() -> list[asyncio.Task[Any]]:
    """Unfinished tasks running code of this project (bot/, adapters/) or the bot's gateway connection."""
    ours = (str(REPO_ROOT / "bot"), str(REPO_ROOT / "adapters"))
    found = []
    for task in asyncio.all_tasks():
        if task is asyncio.current_task() or task.done():
            continue
        code = getattr(task.get_coro(), "cr_code", None)
        if task.get_name() in ("discord-gateway", "heartbeat") or (
            code and code.co_filename.startswith(ours)
        ):
            found.append(task)
    return found


@pytest.mark.slow
async def test_serve_runs_slack_discord_scheduler_metrics_and_heartbeat(db_url: str, tmp_path: Path) -> None:
    async with FakeSlack() as slack_fake, FakeDiscord() as discord_fake:
        with discord_py_pointed_at(discord_fake):
            slack_fake.add_user(INSTRUCTOR, "teacher")
            heartbeat = tmp_path / "run" / "quizmaster.heartbeat"
            settings = settings_for(db_url, heartbeat, slack_fake, discord_fake)
            clock = FakeClock(BEFORE_NINE)
            app = build_app(settings, clock=clock, rng=random.Random(5))
            app.prepare()  # migrations and the bundled banks, as run_chat_adapters does
            try:
                await serve_and_check(settings, app, clock, slack_fake, discord_fake)
            finally:
                app.close()


async def serve_and_check(
    settings: Settings, app: QuizApp, clock: FakeClock, slack_fake: FakeSlack, discord_fake: FakeDiscord
) -> None:
    """Serve both platforms, drive them, check the scheduler, metrics and heartbeat, then cancel."""
    heartbeat = settings.heartbeat_file
    assert heartbeat is not None
    url = f"http://127.0.0.1:{settings.slack.http_port}/slack/events"
    async with (
        serving(settings, app) as (task, running),
        SlackRequestSender(url, SECRET, PayloadFactory(slack_fake)) as sender,
        aiohttp.ClientSession() as http,
    ):
        timer = running.scheduler.timer
        assert timer is not None and timer.running
        assert running.slack is not None and running.discord is not None
        assert running.metrics_port

        # Discord: READY on the fake gateway, /quiz synced to the configured guild, commands answered.
        assert running.discord.client.is_ready()
        assert discord_fake.gateway.sessions and discord_fake.gateway.sessions[-1].ready
        assert [c["name"] for c in discord_fake.commands()] == ["quiz"]
        assert discord_fake.commands(global_=True) == []
        asked = await discord_fake.dispatch_command("quiz", {}, subcommand="topics").callback(timeout=5)
        assert asked.type == DEFERRED_COMMAND
        followup = await discord_fake.wait_for("POST /webhooks/*")
        assert "Docker" in followup.json["content"]

        # Slack: an instructor schedules a daily question; the shared instructor handler takes it.
        sent = await sender.slash_command(
            "/quiz",
            "schedule daily 09:00 docker",
            user_id=INSTRUCTOR,
            user_name="teacher",
            channel_id=CHANNEL,
        )
        assert sent.status == 200
        [reply] = await until(lambda: slack_fake.ephemerals(INSTRUCTOR), what="the schedule reply")
        assert "Scheduled" in reply.text and "09:00" in reply.text, reply.text
        assert "not available" not in reply.text and "Only instructors" not in reply.text

        # The command's commit rebuilt the running scheduler's timer: a cron job at 09:00 UTC.
        def cron_jobs() -> list[Any]:
            return [j for j in timer.get_jobs() if j.id != "tick"]

        [job] = await until(cron_jobs, what="the 09:00 timer job")
        assert "hour='9'" in str(job.trigger) and "minute='0'" in str(job.trigger)
        assert slack_fake.messages(CHANNEL) == []  # nothing due at 08:59

        # 09:00:30 on the bot's clock; the timer fires that job now (instead of at 09:00 wall time).
        clock.set(AFTER_NINE)
        job.modify(next_run_time=datetime.now(UTC))
        posted = await slack_fake.wait_for(
            "chat.postMessage", lambda c: c.args.get("channel") == CHANNEL, timeout=10
        )
        assert posted.ok and posted.args.get("blocks")
        [card] = slack_fake.messages(CHANNEL)

        def occurrence_posted() -> bool:
            with app.sessions() as s:
                return s.scalars(select(Occurrence.status)).all() == ["posted"]

        await until(occurrence_posted, what="the occurrence marked posted")
        with app.sessions() as s:
            post = s.scalars(select(Post)).one()
            assert post.occurrence_id is not None and post.channel_id == CHANNEL
            assert post.message_ref == card["ts"]
            assert post.closes_at is not None

        # Metrics: both platforms' events and the scheduled post, over HTTP.
        found = await scrape(http, running.metrics_port)
        for _ in range(100):  # the run counts the post just after the occurrence row says posted
            if value(found, "quizmaster_scheduled_posts_total", platform="slack", status="posted"):
                break
            await asyncio.sleep(0.01)
            found = await scrape(http, running.metrics_port)
        assert value(found, "quizmaster_events_total", platform="slack", event="command") == 1
        assert value(found, "quizmaster_events_total", platform="discord", event="command") == 1
        assert value(found, "quizmaster_event_seconds_count", platform="slack") == 1
        assert value(found, "quizmaster_scheduled_posts_total", platform="slack", status="posted") == 1
        assert value(found, "quizmaster_delivery_failures_total", platform="slack") == 0

        # Heartbeat: written, and written again while the loop runs; `quizmaster health` agrees.
        assert heartbeat.is_file()
        os.utime(heartbeat, (0, 0))
        await until(lambda: heartbeat.stat().st_mtime > time.time() - 5, what="a fresh heartbeat")
        assert check_health(settings, heartbeat_file=settings.heartbeat_file, max_age=5) == []

        # Cancel: everything stops, nothing of ours is left running.
        assert {"heartbeat", "discord-gateway"} <= {t.get_name() for t in our_pending_tasks()}
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert our_pending_tasks() == []
        assert not timer.running
        assert running.discord.client.is_closed()
        with pytest.raises(aiohttp.ClientConnectionError):
            await sender.slash_command("/quiz", "help", user_id=INSTRUCTOR, channel_id=CHANNEL)
        with pytest.raises(aiohttp.ClientConnectionError):
            await scrape(http, running.metrics_port)
        os.utime(heartbeat, (0, 0))
        await asyncio.sleep(BEAT * 4)
        assert heartbeat.stat().st_mtime == 0  # nobody touches it any more


async def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "beat", None, None)
    app = build_app(settings, clock=FakeClock(BEFORE_NINE))
    try:
        with pytest.raises(
            RuntimeError, match="no chat adapter is enabled: set SLACK_BOT_TOKEN or DISCORD_TOKEN"
        ):
            await serve(settings, app)
        assert not (tmp_path / "beat").exists()
    finally:
        app.close()


async def test_a_metrics_port_in_use_fails_before_anything_connects(tmp_path: Path) -> None:
    async with FakeSlack() as slack_fake:
        settings = settings_for(f"sqlite:///{tmp_path / 'busy.db'}", tmp_path / "beat", slack_fake, None)
        app = build_app(settings, clock=FakeClock(BEFORE_NINE))
        try:
            app.prepare()
            with socket.socket() as taken:
                taken.bind(("127.0.0.1", 0))
                taken.listen()
                busy = settings.model_copy(update={"metrics_port": taken.getsockname()[1]})
                with pytest.raises(OSError):
                    await serve(busy, app)
        finally:
            app.close()
        assert slack_fake.calls() == []  # the Slack adapter never started
        assert not (tmp_path / "beat").exists()
