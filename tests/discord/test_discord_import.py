"""``/quiz import`` on Discord, end to end: an instructor attaches Markdown quiz files to the slash command,
the real discord.py client downloads them from the fake CDN (``Attachment.read``), the core imports them,
and the summary comes back as the command's ephemeral follow-up. Others are refused without the bot
fetching anything; too-large files are never downloaded; ``check`` stores nothing.
"""

from __future__ import annotations

from typing import Any

from discordkit import DiscordEnv, message_text
from fakes.discord import FakeAttachment, FakeUser, PendingInteraction, StoredMessage
from fakes.discord.cdn import DROP
from sqlalchemy import func, select

from bot.bank_imports import store_report
from bot.storage.models import Bank, QuestionRow
from questions.importers import import_uploads
from questions.importers.reading import MAX_BYTES

ADMINISTRATOR = 1 << 3

QUIZ = """---
bank: ops-drill
title: Ops drill
topic: Operations
---

## Shells

### Q1. Which command prints the working directory?

**Answer:** `pwd`

### Q2. Which of these are init systems?

A) systemd
B) grep
C) runit

**Answer:** A, C
"""

WITH_A_BROKEN_ITEM = (
    QUIZ
    + """
### Q3. What does RAM stand for?

**Answer:** B
"""
)
BROKEN_LINE = WITH_A_BROKEN_ITEM.splitlines().index("### Q3. What does RAM stand for?") + 1


def banks(env: DiscordEnv) -> dict[str, tuple[str, str | None, int]]:
    """Stored banks other than the test questions': name -> (title, owner, active questions)."""
    with env.quiz.sessions() as s:
        rows = s.execute(
            select(Bank.name, Bank.title, Bank.owner, func.count(QuestionRow.id))
            .outerjoin(QuestionRow, (QuestionRow.bank == Bank.name) & QuestionRow.active.is_(True))
            .where(Bank.name != "discord")
            .group_by(Bank.name, Bank.title, Bank.owner)
        ).all()
    return {name: (title, owner, count) for name, title, owner, count in rows}


def teacher(env: DiscordEnv, name: str = "teacher") -> FakeUser:
    """A member with the configured instructor role."""
    return env.fake.add_user(name, roles=[env.instructor_role])


async def run_import(
    env: DiscordEnv, files: list[FakeAttachment], *, user: FakeUser | None, check: bool | None = None
) -> PendingInteraction:
    """``/quiz import file:... [file2:...] [file3:...] [check:...]``."""
    options: dict[str, Any] = dict(zip(("file", "file2", "file3"), files, strict=False))
    if check is not None:
        options["check"] = check
    return await env.command("import", options, user=user)


def only_summary(env: DiscordEnv, pending: PendingInteraction) -> StoredMessage:
    """The one ephemeral follow-up that replaced "thinking..."."""
    [message] = env.fake.followups(pending)
    assert message.ephemeral and not message.loading
    return message


async def test_an_instructor_imports_a_quiz_file(env: DiscordEnv) -> None:
    fake = env.fake
    registered = next(o for o in fake.commands()[0]["options"] if o["name"] == "import")
    assert registered["description"].startswith("Instructors:")
    assert [(o["name"], o["type"], o.get("required", False)) for o in registered["options"]] == [
        ("file", 11, True),
        ("file2", 11, False),
        ("file3", 11, False),
        ("check", 5, False),
    ]
    quiz = fake.add_attachment("ops.md", QUIZ.encode())
    imported = await run_import(env, [quiz], user=teacher(env))

    assert [c.type for c in fake.callbacks(imported)] == [5]  # deferred, "thinking..."
    assert fake.callbacks(imported)[0].data == {"flags": 64}  # ephemeral
    assert [(d.host, d.status) for d in fake.downloads(quiz)] == [("cdn", 200)]
    text = message_text(only_summary(env, imported))
    assert text.startswith("Imported:"), text
    assert "Bank 'ops-drill' (Ops drill): 2 questions (1 short, 1 multi): stored, 2 added" in text
    assert banks(env) == {"ops-drill": ("Ops drill", f"discord:{fake.guild.id}", 2)}


async def test_a_skipped_item_is_reported_with_its_line(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    admin_role = fake.add_role("Admins", permissions=ADMINISTRATOR)
    admin = fake.add_user("admin", roles=[admin_role])  # Administrator: an instructor without the role
    quiz = fake.add_attachment("drill.md", WITH_A_BROKEN_ITEM.encode())
    imported = await run_import(env, [quiz], user=admin)
    text = message_text(only_summary(env, imported))
    assert text.startswith("⚠️ Imported, with problems:"), text
    assert "2 questions" in text and "Skipped 1:" in text
    assert f"drill.md:{BROKEN_LINE}: Q3: the answer is option B, but the question lists no options" in text
    assert banks(env)["ops-drill"][2] == 2


async def test_someone_who_is_not_an_instructor_is_refused_and_nothing_is_fetched(
    sqlite_env: DiscordEnv,
) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    quiz = fake.add_attachment("ops.md", QUIZ.encode())
    refused = await run_import(env, [quiz], user=fake.user)
    assert message_text(only_summary(env, refused)) == "❌ Only instructors can use /quiz import."
    assert fake.downloads() == []  # nobody else makes the bot download anything
    assert banks(env) == {}


async def test_a_configured_instructor_id_may_import(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    env.settings = env.settings.model_copy(update={"instructors": [str(fake.user.id)]})
    await env.restart()
    quiz = fake.add_attachment("ops.md", QUIZ.encode())
    imported = await run_import(env, [quiz], user=fake.user)  # no role, no permission: the setting
    assert "stored, 2 added" in message_text(only_summary(env, imported))
    assert "ops-drill" in banks(env)


async def test_hostile_names_and_titles_ping_nobody(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    role_ping = f"<@&{env.instructor_role.id}>"
    user_ping = f"<@{fake.user.id}>"
    hostile = f"@everyone @here {role_ping} {user_ping} **loud** __under__"
    text = QUIZ.replace("title: Ops drill", f"title: '{hostile}'")
    quiz = fake.add_attachment(f"@everyone {user_ping} **x**.md", text.encode())
    broken = fake.add_attachment(f"@here {role_ping}.md", b"\x00\x01binary")
    imported = await run_import(env, [quiz, broken], user=teacher(env))

    assert banks(env)["ops-drill"][0] == hostile  # stored as written; only its display is defused
    summary = only_summary(env, imported)
    shown = message_text(summary)
    assert "@\u200beveryone" in shown and "@\u200bhere" in shown, shown
    assert f"<@\u200b{fake.user.id}>" in shown and f"<@\u200b&{env.instructor_role.id}>" in shown
    assert "\\*\\*loud\\*\\*" in shown and "\\_\\_under\\_\\_" in shown  # Markdown escaped
    for raw in ("@everyone", "@here", role_ping, user_ping, "**loud**"):
        assert raw not in shown, raw
    assert summary.allowed_mentions == {"parse": []}
    hooks = [r for r in fake.requests("/webhooks/*") if r.method in ("POST", "PATCH")]
    assert hooks and all((r.json or {}).get("allowed_mentions") == {"parse": []} for r in hooks)


async def test_a_file_over_two_megabytes_is_refused_without_downloading_it(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    big = fake.add_attachment("huge.md", QUIZ.encode() + b"\n" + b"x" * MAX_BYTES)
    small = fake.add_attachment("ops.md", QUIZ.encode())
    imported = await run_import(env, [big, small], user=teacher(env))
    assert fake.downloads(big) == []  # the size Discord reported was enough
    assert [d.status for d in fake.downloads(small)] == [200]
    text = message_text(only_summary(env, imported))
    assert "Could not read huge.md: is too large (2.0 MB; the limit is 2 MB)" in text, text
    assert "stored, 2 added" in text  # the other file still counts
    assert banks(env)["ops-drill"][2] == 2


async def test_a_failed_download_is_reported(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    quiz = fake.add_attachment("ops.md", QUIZ.encode())
    fake.fail_download(quiz, 404)
    imported = await run_import(env, [quiz], user=teacher(env))
    assert [d.status for d in fake.downloads(quiz)] == [404]
    text = message_text(only_summary(env, imported))
    assert "Could not read ops.md: could not be downloaded from Discord (HTTP 404)" in text, text
    assert banks(env) == {}


async def test_a_dropped_connection_is_reported_and_the_other_file_imported(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    lost = fake.add_attachment("lost.md", QUIZ.encode())
    good = fake.add_attachment("ops.md", QUIZ.encode())
    fake.fail_download(lost, DROP, times=5)  # aiohttp tries a dropped keep-alive connection again
    imported = await run_import(env, [lost, good], user=teacher(env))
    text = message_text(only_summary(env, imported))
    assert "Could not read lost.md: could not be downloaded from Discord (a network error)" in text, text
    assert banks(env)["ops-drill"][2] == 2


async def test_check_only_reports_and_stores_nothing(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    quiz = fake.add_attachment("ops.md", QUIZ.encode())
    checked = await run_import(env, [quiz], user=teacher(env), check=True)
    text = message_text(only_summary(env, checked))
    assert "2 questions (1 short, 1 multi): checked only, nothing stored" in text, text
    assert banks(env) == {}


async def test_autocomplete_offers_the_host_banks_and_this_servers_own_only(sqlite_env: DiscordEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    other = import_uploads([("theirs.md", QUIZ.replace("bank: ops-drill", "bank: theirs").encode())])
    with env.quiz.sessions() as s:  # another server's bank, imported there
        store_report(s, other, source="theirs.md", now=env.clock.now(), owner="discord:424242")
        s.commit()
    await run_import(env, [fake.add_attachment("ops.md", QUIZ.encode())], user=teacher(env))
    banks_offered = await fake.dispatch_autocomplete("quiz", "bank", "", subcommand="schedule").callback(
        timeout=5
    )
    assert banks_offered.data is not None
    assert [c["value"] for c in banks_offered.data["choices"]] == ["discord", "ops-drill"]
