"""Scheduling through Slack end to end: instructors' signed ``/quiz schedule`` and ``/quiz sprint`` slash
commands to the real Bolt app (HTTP mode), then the scheduler (delivering through the SlackBot's dispatcher,
on a fake clock) posting to the fake Slack: daily cards exactly once and closed the next day, the weekly
digest with its chart uploaded as a file, a sprint's questions and progress and the readiness report by DM,
and a failing channel that neither blocks the others nor goes unreported (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fakes.slack import validate_blocks
from slackkit import CHANNEL, INSTRUCTOR, SHORT, SINGLE, SlackEnv
from sqlalchemy import select

from adapters.slack import ids
from bot.scheduler import RetryPolicy
from bot.storage.models import Occurrence, Schedule, Sprint

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in January 2026 (the 5th is a Monday), UTC."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def all_text(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + json.dumps(message.get("blocks", []), ensure_ascii=False)


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        e["action_id"] for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]
    ]


def post_id_of(card: dict[str, Any]) -> int:
    return ids.parse(buttons(card)[0]).post_id


def schedules(env: SlackEnv) -> list[tuple[str, str, str, str | None, str]]:
    """(kind, channel, time, topic, owner) of the stored schedules."""
    with env.quiz.sessions() as s:
        rows = s.scalars(select(Schedule).order_by(Schedule.id)).all()
        return [(r.kind, r.channel_id, r.time_of_day, r.topic, r.created_by) for r in rows]


def posts_to(env: SlackEnv, channel: str) -> list[Any]:
    """chat.postMessage calls the app made to ``channel``, refused ones included."""
    return [c for c in env.fake.calls("chat.postMessage") if c.args.get("channel") == channel]


async def test_daily_schedule_by_slash_command_posts_once_and_closes_next_day(env: SlackEnv) -> None:
    fake = env.fake
    fake.add_user(INSTRUCTOR, "teacher")
    for uid, name in [("U1", "ann"), ("U2", "bob"), ("U3", "<!channel>")]:
        fake.add_user(uid, name)
    scheduler = env.scheduler()
    env.clock.set(at(5, 8, 30))

    refused = await env.command("schedule daily 09:00 docker", "U1")
    assert refused.status == 200
    assert "Only instructors can use /quiz schedule" in fake.ephemerals("U1")[-1].text
    assert schedules(env) == []

    await env.command("schedule daily 09:00 docker", INSTRUCTOR)
    confirmation = fake.ephemerals(INSTRUCTOR, CHANNEL)[-1]
    assert confirmation.text.startswith("Scheduled #1 question on Docker, every day at 09:00 UTC")
    assert "First post: Mon 2026-01-05 09:00" in confirmation.text
    assert validate_blocks(confirmation.blocks) == []
    assert schedules(env) == [("question", CHANNEL, "09:00", "Docker", INSTRUCTOR)]

    assert (await env.run_at(scheduler, at(5, 8, 59))).posted == 0
    assert fake.messages(CHANNEL) == []
    report = await env.run_at(scheduler, at(5, 9, 0))
    assert (report.posted, report.failed) == (1, 0)
    [card] = fake.messages(CHANNEL)
    assert validate_blocks(card["blocks"]) == []
    assert SINGLE.prompt.split("?")[0] in card["text"]
    assert "closes 2026-01-06 09:00 UTC" in all_text(card)
    post_id = post_id_of(card)
    assert buttons(card) == [*(ids.choose(post_id, k) for k in "ABCD"), ids.words(post_id)]

    calls = len(fake.calls("chat.postMessage"))
    again = await env.run_at(scheduler, at(5, 9, 1))
    assert (again.posted, again.skipped) == (0, 1)
    assert len(fake.messages(CHANNEL)) == 1 and len(fake.calls("chat.postMessage")) == calls

    for user, key in [("U1", "B"), ("U2", "A"), ("U3", "B")]:
        assert (await env.click(env.card(card["ts"]), ids.choose(post_id, key), user)).status == 200
    assert [(u, v) for u, v, _, _ in env.answers(post_id)] == [
        ("U1", "correct"),
        ("U2", "incorrect"),
        ("U3", "correct"),
    ]
    assert "3 answered" in all_text(env.card(card["ts"]))

    next_day = await env.run_at(scheduler, at(6, 9, 0))
    assert (next_day.posted, next_day.closed) == (1, 1)
    first, second = fake.messages(CHANNEL)
    assert first["ts"] == card["ts"] and post_id_of(second) != post_id
    closed = env.card(card["ts"])
    assert validate_blocks(closed["blocks"]) == []
    shown = all_text(closed)
    assert "Closed" in shown and "3 answered, 2 correct" in shown
    assert "*B)* WORKDIR  · 2 chose this :white_check_mark:" in shown
    assert "*A)* RUN cd  · 1 chose this" in shown
    assert buttons(closed) == []  # no more answering
    updates = [c for c in fake.calls("chat.update") if c.args.get("ts") == card["ts"] and c.ok]
    assert "Closed" in str(updates[-1].args.get("text"))
    for call in fake.calls():
        if call.method.startswith("chat."):
            payload = json.dumps(call.args, ensure_ascii=False)
            assert not any(ping in payload for ping in PINGS), payload  # U3's name never pings


async def test_weekly_leaderboard_posts_the_digest_and_uploads_the_chart(env: SlackEnv) -> None:
    fake = env.fake
    fake.add_user(INSTRUCTOR, "teacher")
    players = [("U1", "ann"), ("U2", "<!channel>"), ("U3", "@everyone")]
    for uid, name in players:
        fake.add_user(uid, name)
    scheduler = env.scheduler()
    env.clock.set(at(6, 10, 0))  # a Tuesday: the first digest is next Monday's

    await env.command("schedule leaderboard mon 09:00", "U1")
    assert schedules(env) == []
    await env.command("schedule leaderboard mon 09:00", INSTRUCTOR)
    assert "weekly leaderboard, Mondays at 09:00 UTC" in fake.ephemerals(INSTRUCTOR)[-1].text
    assert "First post: Mon 2026-01-12 09:00" in fake.ephemerals(INSTRUCTOR)[-1].text

    await env.command("team join <!here> crew", "U1")
    await env.command("team join <!here> crew", "U2")
    await env.command("team join ops", "U3")
    post_id, ts = await env.post_card(SINGLE.id)
    for uid, key in [("U1", "B"), ("U2", "B"), ("U3", "A")]:
        await env.click(env.card(ts), ids.choose(post_id, key), uid)
    assert len(env.answers(post_id)) == 3

    assert (await env.run_at(scheduler, at(7, 9, 0))).posted == 0  # Wednesday: nothing
    before = len(fake.messages(CHANNEL))
    report = await env.run_at(scheduler, at(12, 9, 0))
    assert (report.posted, report.failed) == (1, 0)
    new = fake.messages(CHANNEL)[before:]
    digest = next(m for m in new if m.get("blocks"))
    assert validate_blocks(digest["blocks"]) == []
    assert digest["blocks"][0]["text"]["text"] == "Last week on the quiz"
    shown = all_text(digest)
    assert "“ann”" in shown and "“&lt;!channel&gt;”" in shown and "“@\u2060everyone”" in shown
    assert "Team leaderboard, last week" in shown and "“&lt;!here&gt; crew”" in shown
    assert not any(ping in shown for ping in PINGS) and "@everyone" not in shown

    [chart] = fake.files()
    assert chart.completed and chart.channel == CHANNEL
    assert chart.filename == "team-standings.png" and chart.title == "Team standings, last week"
    assert chart.content is not None and chart.content.startswith(PNG_SIGNATURE)
    assert chart.length == len(chart.content)
    shared = [m for m in new if m.get("files")]
    assert [f["id"] for m in shared for f in m["files"]] == [chart.id]
    upload = fake.calls("files.completeUploadExternal")[-1]
    digest_post = next(c for c in fake.calls("chat.postMessage") if c.ok and c.response["ts"] == digest["ts"])
    assert digest_post.at <= upload.at  # the digest first, its chart beside it

    assert (await env.run_at(scheduler, at(12, 9, 30))).posted == 0  # once a week
    assert len(fake.files()) == 1


async def test_sprint_by_slash_command_posts_questions_progress_and_dms_the_report(env: SlackEnv) -> None:
    fake = env.fake
    fake.add_user(INSTRUCTOR, "teacher")
    fake.add_user("U1", "ann")
    fake.add_user("U2", "<!channel>")
    scheduler = env.scheduler()
    env.clock.set(at(5, 8, 0))

    create = 'sprint create "Midterm" topics=docker,kubernetes until=2026-01-06 per-day=1 at=09:00'
    await env.command(create, "U1")
    assert "Only instructors can use /quiz sprint" in fake.ephemerals("U1")[-1].text
    await env.command(create, INSTRUCTOR)
    confirmation = fake.ephemerals(INSTRUCTOR)[-1].text
    assert confirmation.startswith("Sprint created: 1 question a day at 09:00 UTC on Docker, Kubernetes")
    assert "2026-01-05 to 2026-01-06 (2 days)" in confirmation
    with env.quiz.sessions() as s:
        assert [(sp.name, sp.owner_user_id) for sp in s.scalars(select(Sprint))] == [("Midterm", INSTRUCTOR)]

    asked: list[str] = []
    for day in (5, 6):
        before = len(fake.messages(CHANNEL))
        report = await env.run_at(scheduler, at(day, 9, 0))
        assert (report.posted, report.failed) == (1, 0)
        progress, card = fake.messages(CHANNEL)[before:]
        assert validate_blocks(progress["blocks"]) == [] and validate_blocks(card["blocks"]) == []
        assert f":dart: “Midterm”: day {day - 4} of 2, {day - 5}/2 questions" in all_text(progress)
        post_id = post_id_of(card)
        if ids.choose(post_id, "B") in buttons(card):  # the Docker question: ann right, U2 wrong
            asked.append(SINGLE.id)
            await env.click(card, ids.choose(post_id, "B"), "U1")
            await env.click(env.card(card["ts"]), ids.choose(post_id, "C"), "U2")
        else:  # the Kubernetes one, typed in the modal: ann right, U2 wrong
            asked.append(SHORT.id)
            assert SHORT.prompt in card["text"]
            for user, answer in [("U1", "kubectl get pods"), ("U2", "docker ps")]:
                await env.click(env.card(card["ts"]), ids.words(post_id), user)
                await env.sender.submit(
                    fake.views()[-1], {"answer": answer}, user_id=user, user_name=env.name(user)
                )
                await env.settle()
        assert [(u, v) for u, v, _, _ in env.answers(post_id)] == [("U1", "correct"), ("U2", "incorrect")]
    assert sorted(asked) == sorted([SINGLE.id, SHORT.id])  # no repeat within the sprint

    dms_before = len(fake.dms(INSTRUCTOR))
    assert (await env.run_at(scheduler, at(6, 22, 29))).posted == 0
    report = await env.run_at(scheduler, at(6, 22, 30))
    assert report.posted == 1
    [readiness] = fake.dms(INSTRUCTOR)[dms_before:]
    assert validate_blocks(readiness["blocks"]) == []
    shown = all_text(readiness)
    assert readiness["blocks"][0]["text"]["text"] == "Readiness report"
    assert "“Midterm”: 2026-01-05 to 2026-01-06, 2 questions posted" in shown
    assert "• “&lt;!channel&gt;”: 2 answered, 0% right" in shown
    assert "• “ann”: 2 answered, 100% right" in shown
    assert "<https://docs.docker.com/reference/dockerfile/|Dockerfile reference>" in shown  # U2 missed it
    assert "• Docker: 2 answers by 2 learners, 50% right" in shown
    assert not any(ping in shown for ping in PINGS)
    assert fake.dm_channel(INSTRUCTOR) == readiness["channel"]

    assert (await env.run_at(scheduler, at(6, 23, 0))).posted == 0  # exactly once
    assert (await env.run_at(scheduler, at(7, 9, 0))).posted == 0  # the sprint is over
    assert len(fake.dms(INSTRUCTOR)) == dms_before + 1


async def test_a_vanished_channel_does_not_block_others_and_the_owner_is_told(env: SlackEnv) -> None:
    fake = env.fake
    fake.add_user(INSTRUCTOR, "teacher")
    gone = "C0GONE0001"
    scheduler = env.scheduler(retry=RetryPolicy(attempts=3, base_delay=0.2, max_delay=0.4))
    env.clock.set(at(5, 8, 0))
    await env.command("schedule daily 09:00", INSTRUCTOR, channel=gone)
    await env.command("schedule daily 09:00", INSTRUCTOR)
    assert [s[1] for s in schedules(env)] == [gone, CHANNEL]
    with fake.ws.changing():  # the channel was deleted (or the app removed from it) since
        del fake.ws.channels[gone]
    fake.strict_channels = True

    report = await env.run_at(scheduler, at(5, 9, 0))
    assert (report.posted, report.failed) == (1, 1)
    [card] = fake.messages(CHANNEL)
    assert validate_blocks(card["blocks"]) == []
    refused = posts_to(env, gone)
    assert len(refused) == 3 and all(c.response["error"] == "channel_not_found" for c in refused)
    healthy = posts_to(env, CHANNEL)
    assert len(healthy) == 1 and healthy[0].ok
    assert healthy[0].at < refused[1].at  # posted while the other channel was backing off

    [notice] = fake.dms(INSTRUCTOR)
    assert notice["text"].startswith(
        f"Error: Schedule #1 could not send the scheduled post for 2026-01-05 in #{gone} after 3 attempts."
    )
    assert "channel_not_found" in notice["text"]
    assert validate_blocks(notice["blocks"]) == []
    with env.quiz.sessions() as s:
        states = dict(s.execute(select(Occurrence.schedule_id, Occurrence.status)).all())
    assert states == {1: "failed", 2: "posted"}

    later = await env.run_at(scheduler, at(5, 9, 30))  # a failed occurrence is reported once, not retried
    assert later.posted == 0 and len(posts_to(env, gone)) == 3 and len(fake.dms(INSTRUCTOR)) == 1


async def test_a_refused_chart_upload_neither_repeats_nor_fails_the_digest(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.add_user(INSTRUCTOR, "teacher")
    scheduler = env.scheduler(retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02))
    env.clock.set(at(6, 10, 0))
    await env.command("schedule leaderboard mon 09:00", INSTRUCTOR)
    await env.command("team join crew", "U1")
    post_id, ts = await env.post_card(SINGLE.id)
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")
    fake.fail_next("files.getUploadURLExternal", status=200, error="missing_scope")  # no files:write yet

    report = await env.run_at(scheduler, at(12, 9, 0))
    assert (report.posted, report.failed) == (1, 0)
    digests = [m for m in fake.messages(CHANNEL) if m["text"].startswith("Last week on the quiz")]
    assert len(digests) == 1  # posted once: the failed upload is not a failed post
    assert [c.response.get("error") for c in fake.calls("files.getUploadURLExternal")] == ["missing_scope"]
    assert not any(f.completed for f in fake.files())
    assert fake.dms(INSTRUCTOR) == []  # nothing to report: the digest went out
