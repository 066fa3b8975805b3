"""``/quiz import`` from a chat (``BankUploaded``, ``bot.bank_imports``): instructors only; what was stored
and skipped is said; a chat workspace creates and replaces its own banks, never the host's or another
workspace's; ``check`` stores nothing; unreadable uploads are named. The command line stores through the
same ``store_report`` and, as the host, may replace any bank."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, text

from bot.bank_imports import SHOWN_SKIPPED, owner_of, store_report
from bot.dispatcher import Dispatcher
from bot.events import Actor, BankUploaded, CommandInvoked, Upload, Where
from bot.instructor import InstructorHandler
from bot.messages import Notice, NoticeLevel, QuestionCard, TopicList
from bot.storage import migrate
from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import Bank, Post, QuestionRow
from questions.importers import import_uploads

from .quizkit import PLATFORM, START, Env, Sent

GIT_QUIZ = b"""---
bank: git-basics
title: Git basics
topic: Git
---

### Q1. Which command records staged changes?

- A) git add
- B) git commit
- C) git push

**Answer:** B

### Q2. Which command shows the history?

- A) git log
- B) git stash

### Q3. Which command creates a branch?

**Accepted:** `git branch NAME` | `git switch -c NAME`
"""


def upload(env: Env, actor: Actor, *files: tuple[str, bytes | None], dry_run: bool = False) -> Notice:
    """Send the files as one upload; the one notice the uploader got back."""
    uploads = tuple(
        Upload(name, data, None if data is not None else "could not be downloaded") for name, data in files
    )
    sent = env.handle(BankUploaded(actor, env.where, uploads, dry_run))
    assert len(sent) == 1 and sent[0].user_id == actor.user_id and sent[0].kind == "private"
    assert isinstance(sent[0].message, Notice)
    return sent[0].message


def stored_banks(env: Env) -> dict[str, tuple[str | None, int]]:
    """Bank name -> (owner, active questions)."""
    with env.sessions() as s:
        banks = {b.name: b.owner for b in s.scalars(select(Bank))}
        rows = s.scalars(select(QuestionRow).where(QuestionRow.active.is_(True))).all()
        return {name: (owner, sum(r.bank == name for r in rows)) for name, owner in banks.items()}


def host_bank(env: Env) -> str:
    """A bank the env stored as the host stores banks (through ``sync_bank``, no owner)."""
    with env.sessions() as s:
        name = s.scalars(select(QuestionRow.bank).where(QuestionRow.active.is_(True)).limit(1)).first()
    assert name is not None
    return name


def teacher(env: Env, workspace: str | None = None) -> Actor:
    actor = env.actor("teacher")
    return actor if workspace is None else Actor(PLATFORM, workspace, "teacher", "teacher")


def test_an_instructor_imports_a_file_and_is_told_what_was_taken_and_skipped(env: Env) -> None:
    said = upload(env, teacher(env), ("git.md", GIT_QUIZ))
    assert said.level is NoticeLevel.WARNING  # one item skipped
    lines = said.text.split("\n")
    assert lines[0] == "Imported, with problems:"
    assert lines[1] == (
        "Bank 'git-basics' (Git basics): 2 questions (1 single, 1 short): stored, 2 added, 0 updated, "
        "0 deactivated, 0 unchanged"
    )
    assert "Skipped 1:" in lines
    assert any(line.startswith("  git.md:15: Q2: no answer") for line in lines)
    assert stored_banks(env)["git-basics"] == (owner_of(teacher(env)), 2)

    again = upload(env, teacher(env), ("git.md", GIT_QUIZ))  # the same workspace replaces its own bank
    assert "stored, 0 added, 0 updated, 0 deactivated, 2 unchanged" in again.text


def test_learners_cannot_import(env: Env) -> None:
    said = upload(env, env.actor("U1"), ("git.md", GIT_QUIZ))
    assert said.level is NoticeLevel.ERROR and said.text == "Only instructors can use /quiz import."
    assert "git-basics" not in stored_banks(env)


def test_check_only_stores_nothing(env: Env) -> None:
    said = upload(env, teacher(env), ("git.md", GIT_QUIZ), dry_run=True)
    assert said.text.split("\n")[0] == "Checked:"
    assert "2 questions (1 single, 1 short): checked only, nothing stored" in said.text
    assert "git-basics" not in stored_banks(env)


def test_a_chat_cannot_replace_the_hosts_banks_or_another_workspaces(env: Env) -> None:
    hosts = host_bank(env)  # the env's own bank, stored as the host stores banks
    assert stored_banks(env)[hosts][0] is None
    hijack = GIT_QUIZ.replace(b"bank: git-basics", b"bank: " + hosts.encode())
    said = upload(env, teacher(env), ("mine.md", hijack))
    assert said.level is NoticeLevel.ERROR and said.text.startswith("Nothing imported.")
    assert "not stored, it is managed on the bot's host" in said.text
    before = stored_banks(env)[hosts]
    assert before[1] > 0 and before[0] is None

    upload(env, teacher(env), ("git.md", GIT_QUIZ))  # this workspace's bank
    other = Actor(PLATFORM, "T-OTHER", "boss", "boss", is_admin=True)
    said = upload(env, other, ("git.md", GIT_QUIZ.replace(b"Git basics", b"Mine now")))
    assert "not stored, it is managed by another workspace" in said.text
    with env.sessions() as s:
        bank = s.get(Bank, "git-basics")
        assert bank is not None and bank.title == "Git basics" and bank.owner == owner_of(teacher(env))


def test_question_ids_of_another_owners_bank_are_not_taken_over(env: Env) -> None:
    with env.sessions() as s:
        taken = s.scalars(select(QuestionRow.id).where(QuestionRow.bank == host_bank(env))).first()
    assert taken is not None
    quiz = GIT_QUIZ.replace(
        b"### Q1. Which command records staged changes?\n",
        b"### Q1. Which command records staged changes?\n<!-- id: " + taken.encode() + b" -->\n",
    )
    said = upload(env, teacher(env), ("git.md", quiz))
    assert f"some of its question ids belong to bank '{host_bank(env)}'" in said.text
    assert "git-basics" not in stored_banks(env)
    with env.sessions() as s:
        row = s.get(QuestionRow, taken)
        assert row is not None and row.bank == host_bank(env)


def test_unreadable_uploads_are_named_and_the_readable_ones_imported(env: Env) -> None:
    said = upload(
        env,
        teacher(env),
        ("git.md", GIT_QUIZ),
        ("lost.md", None),
        ("latin1.md", "### Q1. Caf\u00e9?\n".encode("latin-1")),
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00"),
    )
    assert "Could not read lost.md: could not be downloaded" in said.text
    assert "Could not read latin1.md: is not UTF-8 text" in said.text
    assert "Could not read image.md: is a binary file, not Markdown text" in said.text
    assert stored_banks(env)["git-basics"][1] == 2


def test_nothing_found_is_an_error_and_long_lists_are_cut(env: Env) -> None:
    said = upload(env, teacher(env), ("notes.md", b"# Meeting notes\n\nNothing to see.\n"))
    assert said.level is NoticeLevel.ERROR and said.text.startswith("Nothing imported: no questions found.")

    many = b"---\nbank: many\n---\n" + b"".join(
        b"### Q%d. Question %d without an answer?\n\n- A) yes\n- B) no\n\n" % (i, i) for i in range(40)
    )
    said = upload(
        env, teacher(env), ("many.md", many + b"### Q99. Last?\n\n- A) x\n- B) y\n\n**Answer:** A\n")
    )
    lines = said.text.split("\n")
    assert "Skipped 40:" in lines
    assert sum(line.startswith("  many.md:") for line in lines) == SHOWN_SKIPPED
    assert f"  ... and {40 - SHOWN_SKIPPED} more" in lines


def test_the_host_replaces_any_bank_and_takes_it_back(env: Env) -> None:
    upload(env, teacher(env), ("git.md", GIT_QUIZ))
    report = import_uploads([("git.md", GIT_QUIZ.replace(b"Git basics", b"Git, the host's"))])
    with env.sessions() as s:
        outcome = store_report(s, report, source="git.md", now=env.clock.now())
        s.commit()
    assert outcome.stored["git-basics"].unchanged == 2 and not outcome.refused
    assert stored_banks(env)["git-basics"] == (None, 2)


def test_a_workspaces_banks_are_asked_only_there(env: Env) -> None:
    """Another workspace of the same deployment neither sees nor gets asked a bank this one imported."""
    upload(env, teacher(env), ("git.md", GIT_QUIZ))
    other_where = Where(PLATFORM, "T-OTHER", "C9")

    dispatcher = Dispatcher(
        env.services, env.port, env.sessions, instructor_handler=InstructorHandler(env.services)
    )

    def say(where: Where, user: str, text: str) -> list[Sent]:
        actor = Actor(PLATFORM, where.workspace_id, user, user, is_admin=user == "boss")
        asyncio.run(dispatcher.handle(CommandInvoked(actor, where, text, env.delivery())))
        return env.port.take()

    def topics(where: Where) -> list[str]:
        [sent] = say(where, "U1", "topics")
        assert isinstance(sent.message, TopicList)
        return [t.name for t in sent.message.topics]

    assert "Git" in topics(env.where)
    assert "Git" not in topics(other_where) and topics(other_where)  # the host's topics are still there
    [unknown] = say(other_where, "U1", "git")
    assert isinstance(unknown.message, TopicList) and unknown.message.query == "git"
    with env.sessions() as s:
        git_ids = set(s.scalars(select(QuestionRow.id).where(QuestionRow.bank == "git-basics")))
    asked = set()
    for _ in range(12):  # any topic: never one of the other workspace's questions
        [card] = say(other_where, "U1", "")
        assert isinstance(card.message, QuestionCard)
        with env.sessions() as s:
            post = s.get(Post, card.message.post_id)
            assert post is not None
            asked.add(post.question_id)
        env.clock.advance(timedelta(minutes=1))
    assert asked and not asked & git_ids
    [refused] = say(other_where, "boss", "schedule daily 09:00 bank git-basics")
    assert (
        isinstance(refused.message, Notice) and "There is no bank called `git-basics`" in refused.message.text
    )
    [refused] = say(
        other_where, "boss", 'sprint create "Exam" topics=git until=2026-02-01 per-day=1 at=09:00'
    )
    assert isinstance(refused.message, Notice) and "There is no topic called `git`" in refused.message.text

    [asked_here] = say(env.where, "U1", "git")  # the importing workspace is asked it
    assert isinstance(asked_here.message, QuestionCard)
    with env.sessions() as s:
        post = s.get(Post, asked_here.message.post_id)
        assert post is not None and post.question_id in git_ids


def test_overlong_titles_topics_and_sections_are_stored_cut_not_refused(env: Env) -> None:
    """PostgreSQL refuses text longer than a column: an instructor's long title must not fail the import."""
    quiz = GIT_QUIZ.replace(b"title: Git basics", b"title: " + b"T" * 400).replace(
        b"topic: Git", b"topic: " + b"G" * 150
    )
    quiz = quiz.replace(b"### Q1.", b"## " + b"S" * 400 + b"\n\n### Q1.")
    said = upload(env, teacher(env), ("git.md", quiz))
    assert "stored, 2 added" in said.text
    with env.sessions() as s:
        bank = s.get(Bank, "git-basics")
        assert bank is not None and bank.title == "T" * 300
        rows = s.scalars(select(QuestionRow).where(QuestionRow.bank == "git-basics")).all()
        assert {r.topic for r in rows} == {"G" * 100}
        assert any(r.section == "S" * 300 for r in rows)


def test_migration_0003_gives_existing_banks_no_owner_and_comes_back_out(db_url: str) -> None:
    """A database from before chat imports: its banks become the host's (seen by all, changed only there)."""
    migrate.upgrade(db_url, "0002")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO banks (name, title, imported_at) VALUES ('old', 'Old bank', :at)"),
                {"at": START},
            )
        assert migrate.upgrade(db_url).after == migrate.head_revision()
        with make_session_factory(engine)() as s:
            bank = s.get(Bank, "old")
            assert bank is not None and bank.owner is None and bank.title == "Old bank"
        assert migrate.downgrade(db_url, "0002").after == "0002"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM banks")).scalars().all() == ["Old bank"]
    finally:
        engine.dispose()
