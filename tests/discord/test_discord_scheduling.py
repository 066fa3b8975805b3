"""Scheduling through Discord end to end: instructors schedule with the real ``/quiz`` application command,
and a ``Scheduler`` wired as ``adapters.runner`` wires it (the bot's dispatcher as the Discord delivery, on a
fake clock) posts, closes and reports through the real discord.py client to the fake Discord on loopback.

Daily questions (posted once, clicked, closed and revealed the next morning), the Monday leaderboard with its
PNG chart attached, an exam-prep sprint (progress line, questions, readiness report DMed to its instructor),
channels Discord refuses (Missing Access, Unknown Channel) not holding up the others and reported to the
schedule's owner, and hostile names in the digest pinging nobody.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from discordkit import MULTI, SINGLE, DiscordEnv, discord_env, message_text
from fakes.discord import FakeUser, PendingInteraction, StoredMessage
from sqlalchemy import func, select

from adapters.runner import serve
from bot.scheduler import RetryPolicy
from bot.storage.models import Occurrence, Post, Schedule

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_PINGS = {"parse": []}


def at(day: datetime, hh: int, mm: int = 0, *, days: int = 0) -> datetime:
    return day + timedelta(days=days, hours=hh, minutes=mm)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[DiscordEnv]:
    """The whole stack with the instructor handler (``QuizApp.instructor_handler``), on both databases."""
    async with discord_env(db_url, instructors=True) as built:
        built.clock.set(at(MONDAY, 8, 30))
        yield built


def reply_text(env: DiscordEnv, pending: PendingInteraction) -> str:
    """The one ephemeral follow-up a command got, as text."""
    [message] = env.fake.followups(pending)
    assert message.ephemeral and not message.loading
    return message_text(message)


def schedules(env: DiscordEnv) -> list[tuple[str, str, str | None, str]]:
    with env.quiz.sessions() as s:
        rows = s.execute(
            select(Schedule.kind, Schedule.time_of_day, Schedule.topic, Schedule.created_by).order_by(
                Schedule.id
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def cards(env: DiscordEnv, channel: object = None) -> list[StoredMessage]:
    return [m for m in env.posts(channel) if m.embeds and m.embeds[0].get("title", "").startswith("Question")]


def post_id_of(card: StoredMessage) -> int:
    return int(card.custom_ids()[0].split(":")[1])


async def schedule(env: DiscordEnv, args: str, who: FakeUser, **options: str) -> str:
    pending = await env.command("schedule", {"args": args, **options}, user=who)
    return reply_text(env, pending)


# --- who may schedule ----------------------------------------------------------------------------------------


async def test_instructors_schedule_daily_questions_and_plain_members_are_refused(env: DiscordEnv) -> None:
    fake = env.fake
    member = fake.add_user("member")
    manager = fake.add_user("manager", roles=[env.manager_role])  # Manage Server
    teacher = fake.add_user("teacher", roles=[env.instructor_role])  # the configured instructor role

    refused = await schedule(env, "daily 09:00 docker", member)
    assert "Only instructors can use /quiz schedule" in refused
    assert schedules(env) == []

    confirmed = await schedule(env, "daily 09:00 docker", manager)
    assert "Scheduled" in confirmed and "09:00" in confirmed and "Docker" in confirmed, confirmed
    assert "First post: Mon 2026-01-05 09:00" in confirmed and f"in <#{fake.channel.id}>." in confirmed, (
        confirmed
    )
    also = await schedule(env, "daily 17:00", teacher, topic="Storage")
    assert "Scheduled" in also and "17:00" in also, also
    assert schedules(env) == [
        ("question", "09:00", "Docker", str(manager.id)),
        ("question", "17:00", "Storage", str(teacher.id)),
    ]
    listed = await schedule(env, "list", member)  # even listing is for instructors
    assert "Only instructors" in listed
    channel = f"<#{fake.channel.id}>"  # a channel link, not the raw id
    assert (await schedule(env, "list", teacher)).splitlines() == [
        "Schedules:",
        f"\\#1 question on Docker, every day at 09:00 UTC in {channel}",
        f"\\#2 question on Storage, every day at 17:00 UTC in {channel}",
    ]
    assert env.posts() == []  # nothing went to the channel yet


# --- daily questions: posted once, clicked, closed the next morning ---------------------------------------------


async def test_a_daily_question_is_posted_once_clicked_and_revealed_the_next_morning(env: DiscordEnv) -> None:
    fake = env.fake
    manager = fake.add_user("manager", roles=[env.manager_role])
    bob, cat = fake.add_user("bob"), fake.add_user("cat")
    await schedule(env, "daily 09:00 docker", manager)
    scheduler = env.scheduler()

    early = await env.run_due(scheduler, at(MONDAY, 8, 59))
    assert (early.due, early.posted) == (0, 0) and cards(env) == []
    first = await env.run_due(scheduler, at(MONDAY, 9))
    assert (first.posted, first.failed) == (1, 0)
    [card] = cards(env)
    again = await env.run_due(scheduler, at(MONDAY, 9, 1))  # a second run (a timer tick): nothing new
    assert (again.due, again.posted, again.skipped) == (1, 0, 1)
    assert cards(env) == [card] and len(fake.requests("POST /channels/*/messages")) == 1

    post_id = post_id_of(card)
    assert card.custom_ids() == [f"qz1:{post_id}:{k}" for k in "ABCD"] + [f"qz1:{post_id}:words"]
    assert card.embeds[0]["title"] == f"Question #{post_id} · Docker · easy"
    assert "1 answered" not in card.embeds[-1]["footer"]["text"] and card.embeds[-1].get("timestamp")
    assert card.allowed_mentions == NO_PINGS
    with env.quiz.sessions() as s:
        post = s.get(Post, post_id)
        assert post is not None and post.message_ref == str(card.id) and post.occurrence_id is not None

    await env.click(card, f"qz1:{post_id}:B", user=bob)
    await env.click(card, f"qz1:{post_id}:A", user=cat)
    await env.click(card, f"qz1:{post_id}:B", user=manager)
    assert [a[1:3] for a in env.answers(post_id)] == [("correct", "B"), ("correct", "B"), ("incorrect", "A")]
    assert "3 answered" in fake.message(card.id).embeds[-1]["footer"]["text"]

    tuesday = await env.run_due(scheduler, at(MONDAY, 9, days=1))
    assert (tuesday.posted, tuesday.closed) == (1, 1)
    closed = fake.message(card.id)
    assert closed.components == []  # nothing left to click
    text = message_text(closed)
    assert "Closed · 3 answered, 2 correct" in text
    assert "**Answer:** B) WORKDIR" in text, text
    assert "**A.** RUN cd — 1" in text and "**B.** WORKDIR — 2 ✅" in text and "**C.** CHDIR — 0" in text
    assert "WORKDIR sets the directory for later instructions." in text  # the explanation
    assert closed.allowed_mentions == NO_PINGS
    [_, tuesdays] = cards(env)  # Tuesday's question is a new message, open
    assert tuesdays.id != card.id and tuesdays.components
    with env.quiz.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Occurrence)) == 2


# --- the Monday leaderboard -------------------------------------------------------------------------------------


async def last_week(env: DiscordEnv, players: list[tuple[FakeUser, str, str]]) -> None:
    """A week before the env's Monday: each (user, team, key) joins the team and answers a channel card."""
    env.clock.set(at(MONDAY, 10, days=-7))
    post_id, message_id = await env.post_card(SINGLE.id)
    for user, team, key in players:
        await env.command("team join", {"name": team}, user=user)
        await env.click(message_id, f"qz1:{post_id}:{key}", user=user)
    assert len(env.answers(post_id)) == len(players)
    env.clock.set(at(MONDAY, 8, 30))


def digests(env: DiscordEnv) -> list[StoredMessage]:
    return [m for m in env.posts() if m.content.startswith("**Last week on the quiz**")]


async def test_the_weekly_leaderboard_is_posted_with_its_chart_attached(env: DiscordEnv) -> None:
    fake = env.fake
    teacher = fake.add_user("teacher", roles=[env.instructor_role])
    bob, cat = fake.add_user("bob"), fake.add_user("cat")
    await last_week(env, [(bob, "Whales", "B"), (cat, "Sharks", "A")])
    confirmed = await schedule(env, "leaderboard mon 09:00", teacher)
    assert "Scheduled" in confirmed and "First post: Mon 2026-01-05 09:00" in confirmed, confirmed
    scheduler = env.scheduler()
    fake.fail_next("POST /channels/*/messages", 429, retry_after=0.1)  # discord.py waits and sends it again

    report = await env.run_due(scheduler, at(MONDAY, 9))
    assert (report.posted, report.failed) == (1, 0)
    [digest] = digests(env)
    lines = digest.content.splitlines()
    assert "**Player leaderboard, last week**" in lines and "**Team leaderboard, last week**" in lines
    assert any(line.startswith("` 1.` “bob” — **10** pts") for line in lines), digest.content
    assert any(line.startswith("` 1.` “Whales” — **10** pts") for line in lines), digest.content
    assert "· 1 member · 10.0 per member" in digest.content  # not "1 members"
    [chart] = digest.attachments
    assert chart.filename == "weekly.png" and chart.data.startswith(PNG_SIGNATURE) and len(chart.data) > 1000
    limited, sent = [r for r in fake.requests("POST /channels/*/messages") if r.files]
    assert (limited.status, sent.status) == (429, 200)
    assert [f.data for f in sent.files] == [chart.data]  # the retry carried the whole file again
    assert sent.path == f"/channels/{fake.channel.id}/messages"
    assert sent.json["allowed_mentions"] == NO_PINGS  # multipart: payload_json carries it
    assert [a["filename"] for a in sent.json["attachments"]] == ["weekly.png"]

    again = await env.run_due(scheduler, at(MONDAY, 9, 5))
    assert again.posted == 0 and len(digests(env)) == 1


# --- an exam-prep sprint ----------------------------------------------------------------------------------------


async def answer(env: DiscordEnv, card: StoredMessage, user: FakeUser, *, right: bool) -> str:
    """Click the right (or a wrong) answer on a sprint card; returns the question's id."""
    post_id = post_id_of(card)
    with env.quiz.sessions() as s:
        question_id = s.scalars(select(Post.question_id).where(Post.id == post_id)).one()
    if question_id == MULTI.id:  # multi-select: the select menu
        await env.click(card, f"qz1:{post_id}:pick", values=["A", "B", "C"] if right else ["D"], user=user)
    else:
        await env.click(card, f"qz1:{post_id}:{'B' if right else 'A'}", user=user)
    return question_id


async def test_a_sprint_posts_progress_and_questions_then_dms_the_readiness_report(env: DiscordEnv) -> None:
    fake = env.fake
    teacher = fake.add_user("teacher", roles=[env.instructor_role])
    bob, cat = fake.add_user("bob"), fake.add_user("cat")
    args = 'create "Exam prep" topics=docker,storage until=2026-01-06 per-day=1 at=09:00'
    confirmed = reply_text(env, await env.command("sprint", {"args": args}, user=teacher))
    assert "Sprint created" in confirmed and "2026-01-05 to 2026-01-06 (2 days)" in confirmed, confirmed
    scheduler = env.scheduler()

    monday = await env.run_due(scheduler, at(MONDAY, 9))
    assert (monday.posted, monday.failed) == (1, 0)
    progress, card = env.posts()
    assert progress.content == "“Exam prep”: day 1 of 2 — 0/2 questions, no answers yet", progress.content
    assert progress.allowed_mentions == NO_PINGS and card.custom_ids()[-1] == f"qz1:{post_id_of(card)}:words"
    first = await answer(env, card, bob, right=True)
    await answer(env, card, cat, right=False)

    tuesday = await env.run_due(scheduler, at(MONDAY, 9, days=1))
    assert (tuesday.posted, tuesday.closed) == (1, 1)
    assert fake.message(card.id).components == []  # Monday's question closed and revealed
    progress_2, card_2 = env.posts()[2:]
    assert progress_2.content == "“Exam prep”: day 2 of 2 — 1/2 questions, cohort accuracy 50%", (
        progress_2.content
    )
    second = await answer(env, card_2, bob, right=True)
    assert {first, second} == {SINGLE.id, MULTI.id}  # one question per topic, no repeat

    assert fake.dms(teacher) == []
    evening = await env.run_due(scheduler, at(MONDAY, 22, 30, days=1))  # the last day's report slot
    assert evening.posted == 1
    [report] = fake.dms(teacher)
    text = message_text(report)
    assert report.embeds[0]["title"] == "Readiness report: Exam prep"
    assert "2026-01-05 to 2026-01-06, 2 questions posted" in text, text
    assert "“bob”: 2 answered, 100% right" in text and "“cat”: 1 answered, 0% right" in text, text
    second_topic = "Docker" if second == SINGLE.id else "Storage"
    assert f"{second_topic}: 1 answer by 1 learner, 100% right" in text, text  # not "1 answers by 1 learners"
    assert report.allowed_mentions == NO_PINGS
    assert len(env.posts()) == 4  # the report went to the instructor only
    later = await env.run_due(scheduler, at(MONDAY, 23, days=1))
    assert later.posted == 0 and len(fake.dms(teacher)) == 1


async def test_a_readiness_report_for_an_instructor_with_closed_dms_is_recorded_as_failed(
    env: DiscordEnv,
) -> None:
    """Discord has no way to whisper in a channel without an interaction: with the instructor's DMs closed the
    report cannot be delivered, and the occurrence says so (failed, with the reason) instead of "posted"."""
    fake = env.fake
    teacher = fake.add_user("teacher", roles=[env.instructor_role], dms_closed=True)
    args = 'create "Cram" topics=docker until=2026-01-05 at=09:00'
    assert "Sprint created" in reply_text(env, await env.command("sprint", {"args": args}, user=teacher))
    scheduler = env.scheduler(retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01))
    assert (await env.run_due(scheduler, at(MONDAY, 9))).posted == 1

    evening = await env.run_due(scheduler, at(MONDAY, 22, 30))
    assert (evening.posted, evening.failed) == (0, 1)
    assert fake.dms(teacher) == [] and len(env.posts()) == 2  # progress line and question: nothing leaked
    refused = [r for r in fake.requests("POST /channels/*/messages") if r.status == 403]
    assert refused and all(r.response["code"] == 50007 for r in refused)
    with env.quiz.sessions() as s:
        status, error = s.execute(
            select(Occurrence.status, Occurrence.error).order_by(Occurrence.id.desc()).limit(1)
        ).one()
    assert status == "failed" and "Unreachable" in (error or "") and "DMs closed" in (error or ""), error


# --- channels Discord refuses -----------------------------------------------------------------------------------


async def test_refused_channels_do_not_hold_up_others_and_the_owner_is_told_by_dm(env: DiscordEnv) -> None:
    fake = env.fake
    teacher = fake.add_user("teacher", roles=[env.instructor_role])
    locked, gone = fake.add_channel("locked"), fake.add_channel("gone")
    for channel in (locked, gone, fake.channel):
        pending = await env.command("schedule", {"args": "daily 09:00"}, user=teacher, channel=channel)
        assert "Scheduled" in reply_text(env, pending)
    fake.revoke_access(locked)  # the bot lost View Channel there: 403, Missing Access (50001)
    fake.delete_channel(gone)  # 404, Unknown Channel (10003)
    attempts = 3
    scheduler = env.scheduler(retry=RetryPolicy(attempts=attempts, base_delay=0.2, max_delay=0.2))

    report = await env.run_due(scheduler, at(MONDAY, 9))
    assert (report.posted, report.failed) == (1, 2)
    [card] = cards(env)  # the healthy channel got its question, once
    tries = fake.requests("POST /channels/*/messages")
    posted = [r for r in tries if r.path == f"/channels/{fake.channel.id}/messages"]
    refused = {
        channel.id: [
            (r.status, r.response["code"]) for r in tries if r.path == f"/channels/{channel.id}/messages"
        ]
        for channel in (locked, gone)
    }
    assert [r.status for r in posted] == [200] and int(posted[0].response["id"]) == card.id
    assert refused == {locked.id: [(403, 50001)] * attempts, gone.id: [(404, 10003)] * attempts}
    last_refusal = max(r.at for r in tries if r.status != 200 and "/channels/" in r.path)
    assert posted[0].at < last_refusal  # posted while the refused channels were still backing off

    notices = sorted(message_text(m) for m in fake.dms(teacher))
    assert len(notices) == 2, notices
    for channel, code in ((locked, "50001"), (gone, "10003")):
        [notice] = [n for n in notices if f"<#{channel.id}>" in n]
        assert "could not send the scheduled post for 2026-01-05" in notice, notice
        assert f"after {attempts} attempts" in notice and code in notice, notice
    assert all(m.allowed_mentions == NO_PINGS for m in fake.dms(teacher))
    with env.quiz.sessions() as s:
        states = sorted(s.scalars(select(Occurrence.status)))
    assert states == ["failed", "failed", "posted"]

    again = await env.run_due(scheduler, at(MONDAY, 9, 5))  # failed occurrences were reported: not retried
    assert again.posted == again.failed == 0 and len(fake.requests("POST /channels/*/messages")) == len(tries)


# --- hostile names in the digest --------------------------------------------------------------------------------


async def test_hostile_names_echoed_in_the_digest_ping_nobody(env: DiscordEnv) -> None:
    fake = env.fake
    role = env.instructor_role
    teacher = fake.add_user("teacher", roles=[role])
    mallory, eve = fake.add_user("mallory"), fake.add_user("eve")
    mallory.global_name = "@everyone"
    eve.global_name = f"<@&{role.id}> @here"
    await last_week(env, [(mallory, f"<@{teacher.id}> crew", "B"), (eve, "@here team", "A")])
    await schedule(env, "leaderboard mon 09:00", teacher)

    assert (await env.run_due(env.scheduler(), at(MONDAY, 9))).posted == 1
    [digest] = digests(env)
    text = digest.content
    assert "“@\u200beveryone”" in text and f"“<@\u200b&{role.id}> @\u200bhere”" in text, text
    assert f"“<@\u200b{teacher.id}> crew”" in text and "“@\u200bhere team”" in text, text
    for raw in ("@everyone", "@here", f"<@&{role.id}>", f"<@{teacher.id}>"):
        assert raw not in text, raw
    [sent] = [r for r in fake.requests("POST /channels/*/messages") if r.files]
    assert sent.json["allowed_mentions"] == NO_PINGS and digest.allowed_mentions == NO_PINGS
    assert sent.json["content"] == text
    assert digest.attachments[0].data.startswith(PNG_SIGNATURE)  # the names are only drawn in the chart


async def occurrence_states(env: DiscordEnv, *, until: list[str], timeout: float = 5.0) -> list[str]:
    """The occurrences' states, once they are ``until`` (or when ``timeout`` runs out)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with env.quiz.sessions() as s:
            states = sorted(s.scalars(select(Occurrence.status)))
        if states == until or asyncio.get_running_loop().time() > deadline:
            return states
        await asyncio.sleep(0.02)


# --- the runner: the scheduler beside the Discord client ---------------------------------------------------------


async def test_the_runner_posts_what_is_due_when_it_starts(tmp_path: Path) -> None:
    """``adapters.runner.serve`` with only Discord enabled: the scheduler starts after the client connected and
    posts the occurrence that came while the bot was down (the missed-occurrence rule), through Discord."""
    async with discord_env(f"sqlite:///{tmp_path / 'runner.db'}", instructors=True) as env:
        fake = env.fake
        manager = fake.add_user("manager", roles=[env.manager_role])
        env.clock.set(at(MONDAY, 8, 30))
        await schedule(env, "daily 09:00 docker", manager)
        await env.bot.close()  # the bot goes down; it is 09:02 when it comes back
        env.clock.set(at(MONDAY, 9, 2))
        sessions = len(fake.gateway.sessions)
        served = asyncio.create_task(serve(env.settings, env.quiz))
        try:
            posted = await fake.wait_for(
                f"POST /channels/{fake.channel.id}/messages", lambda r: r.status == 200, timeout=10
            )
            assert len(fake.gateway.sessions) == sessions + 1  # posted by the runner's own client
            [card] = cards(env)
            assert card.id == int(posted.response["id"])
            assert card.embeds[0]["title"] == f"Question #{post_id_of(card)} · Docker · easy"
            assert await occurrence_states(env, until=["posted"]) == ["posted"]
        finally:
            served.cancel()
            with pytest.raises(asyncio.CancelledError):
                await served
