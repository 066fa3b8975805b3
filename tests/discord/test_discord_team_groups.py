"""Teams that follow a Discord role, through the real discord.py client against the fake Discord: an
instructor links a team to a role with ``/quiz team link``, members (the role comes in the interaction's
``member.roles``) answer a card, and the team leaderboard shows the team with them."""

from __future__ import annotations

from discordkit import SINGLE, DiscordEnv, message_text
from fakes.discord import PendingInteraction
from sqlalchemy import select

from bot.storage.models import Team, TeamMember, User


def reply_text(env: DiscordEnv, pending: PendingInteraction) -> str:
    [message] = env.fake.followups(pending)
    assert message.ephemeral
    return message_text(message)


def teams_of(env: DiscordEnv) -> dict[str, str]:
    """User id -> team name."""
    with env.quiz.sessions() as s:
        rows = s.execute(
            select(User.user_id, Team.name)
            .join(TeamMember, TeamMember.user_pk == User.id)
            .join(Team, Team.id == TeamMember.team_id)
        ).all()
    return {uid: name for uid, name in rows}


async def test_a_team_linked_to_a_role_fills_itself_and_ranks(env: DiscordEnv) -> None:
    fake = env.fake
    env.with_instructor_handler = True
    await env.restart()
    backend = fake.add_role("Backend Team")  # the running client learns it from GUILD_ROLE_CREATE
    teacher = fake.add_user("teacher", roles=[env.instructor_role])
    bob, cat = fake.add_user("bob", roles=[backend]), fake.add_user("cat", roles=[backend])
    dan = fake.add_user("dan")

    refused = await env.command("team link", {"name": "Backend", "role": backend}, user=bob)
    assert "Only instructors can use /quiz team link." in reply_text(env, refused)
    linked = await env.command("team link", {"name": "Backend", "role": backend}, user=teacher)
    assert (
        "Team “Backend” now follows the group @backend team: members join it as they use the quiz."
        in reply_text(env, linked)
    )
    with env.quiz.sessions() as s:
        assert s.scalars(select(Team.external_ref).where(Team.name == "Backend")).one() == str(backend.id)

    await env.command("team join", {"name": "Solo"}, user=dan)
    post_id, message_id = await env.post_card(SINGLE.id)
    await env.click(message_id, f"qz1:{post_id}:B", user=bob)
    await env.click(message_id, f"qz1:{post_id}:A", user=cat)
    await env.click(message_id, f"qz1:{post_id}:B", user=dan)
    assert [v for _, v, _, _ in env.answers(post_id)] == ["correct", "incorrect", "correct"]
    assert teams_of(env) == {str(bob.id): "Backend", str(cat.id): "Backend", str(dan.id): "Solo"}

    join = await env.command("team join", {"name": "Solo"}, user=cat)
    assert "Your team follows your group @backend team" in reply_text(env, join)
    board = reply_text(env, await env.command("leaderboard", {"teams": True}, user=dan))
    assert "Backend" in board and "2 members" in board and "Solo" in board

    unlinked = await env.command("team unlink", {"name": "Backend"}, user=teacher)
    assert "no longer follows the group" in reply_text(env, unlinked)
    await env.command("team join", {"name": "Solo"}, user=cat)  # an ordinary team again: free to move
    assert teams_of(env)[str(cat.id)] == "Solo"
