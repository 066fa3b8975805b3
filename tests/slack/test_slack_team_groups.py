"""Teams that follow a Slack user group, through the real Bolt app in HTTP mode: the instructor links a team
to a user group of the fake workspace with a signed ``/quiz team link``, members answer a card, and the
team leaderboard shows the team with them; the groups come from ``usergroups.list`` (cached), and a failing
``usergroups.list`` never stops an answer."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slackkit import INSTRUCTOR, SINGLE, SlackEnv
from sqlalchemy import select

from adapters.slack import ids
from bot.storage.models import Team, TeamMember, User

MEMBERS = [("U1", "ann"), ("U2", "bob"), ("U3", "cy")]


def setup_workspace(env: SlackEnv) -> None:
    fake = env.fake
    fake.add_user(INSTRUCTOR, "teacher")
    for uid, name in MEMBERS:
        fake.add_user(uid, name)
    fake.add_usergroup("S0BACKEND", ["U1", "U2"], handle="backend", name="Backend engineers")
    fake.add_usergroup("S0OLD", ["U3"], handle="old", disabled=True)


def teams_of(env: SlackEnv) -> dict[str, str]:
    """User id -> team name."""
    with env.quiz.sessions() as s:
        rows = s.execute(
            select(User.user_id, Team.name)
            .join(TeamMember, TeamMember.user_pk == User.id)
            .join(Team, Team.id == TeamMember.team_id)
        ).all()
    return {uid: name for uid, name in rows}


async def test_the_fake_answers_usergroups_list_as_slack_documents_it(env: SlackEnv) -> None:
    setup_workspace(env)
    client = AsyncWebClient(token=env.fake.bot_token, base_url=env.fake.api_url)
    plain = await client.usergroups_list()
    assert [(g["id"], g["handle"], g["name"]) for g in plain["usergroups"]] == [
        ("S0BACKEND", "backend", "Backend engineers")
    ]
    assert "users" not in plain["usergroups"][0]
    full = await client.usergroups_list(include_users=True, include_disabled=True, include_count=True)
    assert [(g["id"], g["users"], g["user_count"]) for g in full["usergroups"]] == [
        ("S0BACKEND", ["U1", "U2"], 2),
        ("S0OLD", ["U3"], 1),
    ]
    assert full["usergroups"][1]["date_delete"] > 0


async def test_a_team_linked_to_a_user_group_fills_itself_and_ranks(env: SlackEnv) -> None:
    fake = env.fake
    setup_workspace(env)
    await env.command("team join Solo", "U3")  # a self-joined team stays as it is
    await env.command("team link Backend @backend", "U1")
    assert "Only instructors can use /quiz team link." in fake.ephemerals("U1")[-1].text

    await env.command("team link Backend @backend", INSTRUCTOR)
    reply = fake.ephemerals(INSTRUCTOR)[-1].text
    assert "Team “Backend” now follows the group @backend: members join it as they use the quiz." in reply

    post_id, ts = await env.post_card(SINGLE.id)
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")
    await env.click(env.card(ts), ids.choose(post_id, "A"), "U2")
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U3")
    assert [(u, v) for u, v, _, _ in env.answers(post_id)] == [
        ("U1", "correct"),
        ("U2", "incorrect"),
        ("U3", "correct"),
    ]
    assert teams_of(env) == {"U1": "Backend", "U2": "Backend", "U3": "Solo"}

    await env.command("team join Solo", "U1")
    assert "Your team follows your group @backend" in fake.ephemerals("U1")[-1].text
    await env.command("leaderboard teams", "U3")
    board = fake.ephemerals("U3")[-1].text
    assert "Backend" in board and "2 members" in board and "Solo" in board
    lists = fake.calls("usergroups.list")
    assert len(lists) == 1 and lists[0].ok  # one call served every event (cached per workspace)
    assert lists[0].args.get("include_users") in ("1", "true", True)


async def test_a_failing_usergroups_list_does_not_stop_answers(
    sqlite_env: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    setup_workspace(env)
    fake.fail_next("usergroups.list", status=200, error="missing_scope")
    caplog.set_level(logging.WARNING, logger="adapters.slack.people")
    await env.command("team link Backend <!subteam^S0BACKEND|@backend>", INSTRUCTOR)
    assert "now follows the group @backend" in fake.ephemerals(INSTRUCTOR)[-1].text

    post_id, ts = await env.post_card(SINGLE.id)
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U2")
    assert [(u, v) for u, v, _, _ in env.answers(post_id)] == [("U1", "correct"), ("U2", "correct")]
    assert "Correct" in str(fake.dms("U1")[-1]) and "Correct" in str(fake.dms("U2")[-1])
    assert teams_of(env) == {}  # groups unknown: nobody is moved
    failures = [r for r in caplog.records if "usergroups.list failed" in r.getMessage()]
    assert len(failures) == 1 and "missing_scope" in failures[0].getMessage()  # logged once
    assert (
        len(fake.calls("usergroups.list")) == 1
    )  # the failure is remembered for a while, not retried per event


async def test_a_rate_limited_usergroups_list_is_retried_by_the_client(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    setup_workspace(env)
    fake.fail_next("usergroups.list", status=429, retry_after=0)
    await env.command("team link Backend S0BACKEND", INSTRUCTOR)
    assert "now follows the group S0BACKEND" in fake.ephemerals(INSTRUCTOR)[-1].text
    post_id, ts = await env.post_card(SINGLE.id)
    await env.click(env.card(ts), ids.choose(post_id, "B"), "U1")
    assert env.answers(post_id)[0][:2] == ("U1", "correct")
    assert teams_of(env) == {"U1": "Backend"}
    assert [c.status for c in fake.calls("usergroups.list")] == [429, 200]
