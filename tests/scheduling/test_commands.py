"""Schedule and sprint commands through the real dispatcher: CRUD, permission, clear errors (SQLite + PG)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Notice, NoticeLevel, QuestionCard
from bot.storage.models import Schedule, Sprint

from .kit import World, question, store


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with session_factory() as session:
        store(session, [question("qd1", "Docker"), question("qk1", "Kubernetes", bank="k8sbank")])
    return World(session_factory)


def notice(sent: list) -> Notice:
    assert len(sent) == 1, sent
    assert isinstance(sent[0].message, Notice)
    return sent[0].message


def count_schedules(world: World) -> int:
    with world.sessions() as s:
        return s.scalar(select(func.count()).select_from(Schedule)) or 0


def test_instructor_creates_lists_pauses_resumes_and_deletes_a_schedule(world: World) -> None:
    made = notice(world.command("/quiz schedule daily 09:00 docker weekdays tz Europe/Berlin"))
    assert made.level is NoticeLevel.INFO
    assert "#1 question on Docker, weekdays at 09:00 Europe/Berlin" in made.text
    assert "First post: Mon 2026-01-05 09:00" in made.text  # 08:00 UTC now = 09:00 Berlin: still today
    with world.sessions() as s:
        row = s.scalars(select(Schedule)).one()
        assert (row.kind, row.topic, row.weekdays, row.timezone, row.created_by) == (
            "question",
            "Docker",
            "01234",
            "Europe/Berlin",
            "teacher",
        )
    notice(world.command("/quiz schedule leaderboard mon 09:00"))
    listing = notice(world.command("/quiz schedule list")).text
    assert "#1 question on Docker" in listing and "#2 weekly leaderboard, Mondays at 09:00 UTC" in listing
    assert "(paused)" in notice(world.command("/quiz schedule pause 1")).text
    with world.sessions() as s:
        assert s.get(Schedule, 1).paused is True
    assert "Resumed" in notice(world.command("/quiz schedule resume 1")).text
    assert "Deleted schedule #2" in notice(world.command("/quiz unschedule 2")).text
    assert count_schedules(world) == 1


def test_a_bank_can_be_the_target(world: World) -> None:
    assert "from bank k8sbank" in notice(world.command("/quiz schedule daily 10:00 bank k8sbank")).text
    assert "question on Kubernetes" in notice(world.command("/quiz schedule daily 10:00 kubernetes")).text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("/quiz schedule daily 09:00 tz Mars/Base", "Unknown time zone"),
        ("/quiz schedule daily 27:00", "not a time of day"),
        ("/quiz schedule daily 09:00 astrology", "no topic or bank called `astrology`"),
        ("/quiz schedule pause 99", "no schedule #99"),
        ('/quiz sprint create "Mid" topics=docker until=2025-12-01', "in the past"),
        ('/quiz sprint create "Mid" topics=cooking until=2026-02-01', "no topic called `cooking`"),
        ('/quiz sprint create "Mid" topics=docker until=2026-02-01 team=Nobody', "no team called"),
        ("/quiz sprint report Nope", "no sprint by that name"),
    ],
)
def test_bad_arguments_get_a_clear_error_and_change_nothing(world: World, text: str, problem: str) -> None:
    reply = notice(world.command(text))
    assert reply.level is NoticeLevel.ERROR
    assert problem in reply.text
    assert count_schedules(world) == 0


def test_learners_cannot_create_change_or_delete_schedules_or_sprints(world: World) -> None:
    notice(world.command("/quiz schedule daily 09:00"))
    for text in (
        "/quiz schedule daily 10:00",
        "/quiz schedule pause 1",
        "/quiz schedule delete 1",
        "/quiz unschedule 1",
        '/quiz sprint create "X" topics=docker until=2026-02-01',
    ):
        reply = notice(world.command(text, user="learner"))
        assert reply.level is NoticeLevel.ERROR and "Only instructors" in reply.text
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Schedule)) == 1
        assert s.get(Schedule, 1).paused is False
        assert s.scalar(select(func.count()).select_from(Sprint)) == 0


def test_platform_admins_are_instructors(world: World) -> None:
    assert (
        notice(world.command("/quiz schedule daily 09:00", user="boss", admin=True)).level is NoticeLevel.INFO
    )


def test_schedules_of_another_workspace_cannot_be_touched(
    world: World, session_factory: sessionmaker[Session]
) -> None:
    notice(world.command("/quiz schedule daily 09:00"))
    with session_factory() as s:
        s.get(Schedule, 1).workspace_id = "OTHER"
        s.commit()
    assert "no schedule #1" in notice(world.command("/quiz schedule delete 1")).text
    assert count_schedules(world) == 1


def test_sprint_create_list_and_cancel(world: World) -> None:
    made = notice(
        world.command(
            '/quiz sprint create "Midterm" topics=docker,kubernetes until=2026-01-20 per-day=3 at=09:00'
        )
    )
    assert made.echo == "Midterm"
    assert (
        "3 questions a day at 09:00, 11:00, 13:00 UTC on Docker, Kubernetes, 2026-01-05 to 2026-01-20"
        in made.text
    )
    with world.sessions() as s:
        sprint = s.scalars(select(Sprint)).one()
        schedule = s.scalars(select(Schedule)).one()
        assert (schedule.kind, schedule.per_day, schedule.sprint_id) == ("sprint", 3, sprint.id)
    dup = notice(world.command('/quiz sprint create "midterm" topics=docker until=2026-01-20'))
    assert dup.level is NoticeLevel.ERROR and "already a sprint" in dup.text
    assert (
        "Midterm: Docker, Kubernetes, 3 a day until 2026-01-20"
        in notice(world.command("/quiz sprint list")).text
    )
    assert notice(world.command("/quiz sprint cancel Midterm")).text.startswith("Sprint cancelled")
    assert count_schedules(world) == 0


def test_changes_rebuild_the_timer_after_commit(world: World) -> None:
    calls: list[int] = []

    def on_change() -> None:
        with world.sessions() as s:  # runs after the commit: the new row is visible
            calls.append(s.scalar(select(func.count()).select_from(Schedule)) or 0)

    world.handler.on_change = on_change
    notice(world.command("/quiz schedule daily 09:00"))
    notice(world.command("/quiz schedule list"))  # no change, no rebuild
    notice(world.command("/quiz schedule daily 09:00 tz Nowhere/Land"))  # refused: no rebuild
    assert calls == [1]


def test_timer_is_rebuilt_from_the_database(world: World) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    notice(world.command("/quiz schedule daily 09:00 tz Europe/Berlin"))
    notice(world.command("/quiz schedule daily 09:00 docker tz Europe/Berlin"))  # same trigger: one job
    notice(world.command("/quiz schedule leaderboard mon 08:00"))

    async def go() -> list[str]:
        timer = AsyncIOScheduler()
        world.scheduler._timer = timer
        await world.scheduler.rebuild()
        timer.start(paused=True)
        jobs = [f"{job.trigger} {getattr(job.trigger, 'timezone', '')}" for job in timer.get_jobs()]
        timer.shutdown(wait=False)
        return jobs

    jobs = asyncio.run(go())
    assert len(jobs) == 3, jobs  # two cron triggers + the minute tick
    assert any("Europe/Berlin" in j and "hour='9'" in j for j in jobs), jobs
    assert any("day_of_week='mon'" in j and "hour='8'" in j for j in jobs)


def test_instructor_posts_a_question_now_and_closes_it(world: World) -> None:
    posted = world.command("/quiz post docker")
    cards = [s.message for s in posted if isinstance(s.message, QuestionCard)]
    assert len(cards) == 1 and not cards[0].closed
    closed = world.command("/quiz close")
    revealed = [s.message for s in closed if isinstance(s.message, QuestionCard)]
    assert len(revealed) == 1 and revealed[0].closed and revealed[0].post_id == cards[0].post_id
    told = [s.message for s in closed if isinstance(s.message, Notice)]
    assert len(told) == 1 and f"Closed question #{cards[0].post_id}" in told[0].text
    again = notice(world.command("/quiz close"))
    assert again.text == "No question is open in this channel."
    refused = notice(world.command("/quiz close", user="U1"))
    assert refused.level is NoticeLevel.ERROR and "Only instructors" in refused.text
