"""Bank persistence: ids survive re-imports, edits keep answer history, removals deactivate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.banks import (
    SyncResult,
    active_topics,
    ensure_banks_loaded,
    list_banks,
    load_bank,
    load_question,
    sync_bank,
)
from bot.storage.models import AnswerRow, Post, QuestionRow, User
from questions.model import (
    Choice,
    ChoiceAnswer,
    Kind,
    OpenAnswer,
    Question,
    ShortAnswer,
    Source,
    stable_question_id,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
BANK = "docker-basics"


def _q(
    prompt: str,
    line: int,
    label: str | None,
    *,
    kind: Kind = Kind.SINGLE,
    topic: str | None = "Docker",
    bank: str | None = BANK,
) -> Question:
    qid = stable_question_id(BANK, prompt)
    source = Source(file="docker.md", line=line, label=label)
    if kind is Kind.SHORT:
        return Question(
            id=qid,
            kind=kind,
            prompt=prompt,
            answer=ShortAnswer(accepted=("80",)),
            topic=topic,
            source=source,
            bank=bank,
        )
    if kind is Kind.OPEN:
        return Question(
            id=qid,
            kind=kind,
            prompt=prompt,
            answer=OpenAnswer(model_answer="Because."),
            topic=topic,
            source=source,
            bank=bank,
        )
    return Question(
        id=qid,
        kind=kind,
        prompt=prompt,
        choices=(Choice(key="A", text="docker ps"), Choice(key="B", text="docker run")),
        answer=ChoiceAnswer(keys=("B",)),
        topic=topic,
        source=source,
        bank=bank,
    )


def _bank_v1() -> list[Question]:
    return [
        _q("Which command starts a new container from an image?", 10, "Question 1"),
        _q("Which port does HTTP use by default?", 20, "Question 2", kind=Kind.SHORT, topic="Networking"),
        _q("Explain why images are built in layers.", 30, "Question 3", kind=Kind.OPEN),
    ]


def _sync(
    session: Session, questions: list[Question], now: datetime = T0, *, deactivate_missing: bool = True
) -> SyncResult:
    result = sync_bank(
        session,
        name=BANK,
        title="Docker basics",
        questions=questions,
        source="docker.md",
        now=now,
        deactivate_missing=deactivate_missing,
    )
    session.commit()
    return result


def _answer(session: Session, question_id: str) -> int:
    """Record a post of the question and one answer to it; returns the answer's id."""
    user = User(platform="console", workspace_id="w", user_id="u1", created_at=T0)
    session.add(user)
    session.flush()
    post = Post(
        question_id=question_id,
        platform="console",
        workspace_id="w",
        channel_id="c",
        audience="channel",
        posted_at=T0,
    )
    session.add(post)
    session.flush()
    answer = AnswerRow(
        post_id=post.id,
        user_pk=user.id,
        question_id=question_id,
        platform="console",
        workspace_id="w",
        channel_id="c",
        answered_at=T0,
        local_date=date(2026, 3, 2),
        verdict="correct",
        score=1.0,
        points=10,
    )
    session.add(answer)
    session.commit()
    return answer.id


def test_first_sync_adds_every_question_in_source_order(session: Session) -> None:
    questions = _bank_v1()

    result = _sync(session, list(reversed(questions)))

    assert result == SyncResult(added=3, updated=0, deactivated=0, unchanged=0)
    title, loaded = load_bank(session, BANK)
    assert title == "Docker basics"
    assert loaded == questions  # source order, full round trip through JSON
    row = session.get(QuestionRow, questions[1].id)
    assert row is not None
    assert (row.kind, row.topic, row.active, row.data) == (
        "short",
        "Networking",
        True,
        questions[1].model_dump(mode="json"),
    )


def test_unchanged_reimport_keeps_ids_and_touches_nothing(session: Session) -> None:
    _sync(session, _bank_v1())

    result = _sync(session, _bank_v1(), now=T1)

    assert result == SyncResult(added=0, updated=0, deactivated=0, unchanged=3)
    rows = session.scalars(select(QuestionRow).order_by(QuestionRow.id)).all()
    assert sorted(q.id for q in _bank_v1()) == [r.id for r in rows]
    assert all(r.updated_at.replace(tzinfo=UTC) == T0 for r in rows)  # SQLite returns naive UTC


def test_edited_prompt_keeps_its_id_and_answer_history(session: Session) -> None:
    v1 = _bank_v1()
    _sync(session, v1)
    old_id = v1[0].id
    answer_id = _answer(session, old_id)
    edited = _q("Which command starts a new container from an image? (pick one)", 10, "Question 1")
    assert edited.id != old_id  # the importer would give the edited prompt a new id

    result = _sync(session, [edited, *v1[1:]], now=T1)

    assert result == SyncResult(added=0, updated=1, deactivated=0, unchanged=2)
    assert session.get(QuestionRow, edited.id) is None
    stored = load_question(session, old_id)
    assert stored is not None and stored.prompt == edited.prompt and stored.id == old_id
    answer = session.get(AnswerRow, answer_id)
    assert answer is not None and answer.question_id == old_id
    post = session.get(Post, answer.post_id)
    assert post is not None and post.question_id == old_id
    # Importing the same edited file again is now a no-op.
    assert _sync(session, [edited, *v1[1:]], now=T1).unchanged == 3


def test_rewritten_prompt_gets_a_new_id(session: Session) -> None:
    v1 = _bank_v1()
    _sync(session, v1)
    rewritten = _q("What does a Dockerfile's FROM line name?", 10, "Question 1")

    result = _sync(session, [rewritten, *v1[1:]], now=T1)

    assert result == SyncResult(added=1, updated=0, deactivated=1, unchanged=2)
    old = session.get(QuestionRow, v1[0].id)
    assert old is not None and not old.active


def test_similar_prompt_under_another_label_gets_a_new_id(session: Session) -> None:
    v1 = _bank_v1()
    _sync(session, v1)
    relabelled = _q("Which command starts a new container from an image? (pick one)", 10, "Question 9")

    result = _sync(session, [relabelled, *v1[1:]], now=T1)

    assert (result.added, result.deactivated) == (1, 1)


def test_removed_question_becomes_inactive_and_keeps_its_answers(session: Session) -> None:
    v1 = _bank_v1()
    _sync(session, v1)
    answer_id = _answer(session, v1[2].id)

    result = _sync(session, v1[:2], now=T1)

    assert result == SyncResult(added=0, updated=0, deactivated=1, unchanged=2)
    _, loaded = load_bank(session, BANK)
    assert [q.id for q in loaded] == [v1[0].id, v1[1].id]
    assert load_question(session, v1[2].id) == v1[2]  # old posts can still show it
    answer = session.get(AnswerRow, answer_id)
    assert answer is not None and answer.question_id == v1[2].id
    # It comes back (same id, same history) when the question returns to the file.
    again = _sync(session, v1, now=T1 + timedelta(days=1))
    assert again == SyncResult(added=0, updated=1, deactivated=0, unchanged=2)
    assert [q.id for q in load_bank(session, BANK)[1]] == [q.id for q in v1]


def test_deactivate_missing_false_keeps_absent_questions(session: Session) -> None:
    v1 = _bank_v1()
    _sync(session, v1)

    result = _sync(session, v1[:1], now=T1, deactivate_missing=False)

    assert result == SyncResult(added=0, updated=0, deactivated=0, unchanged=1)
    assert len(load_bank(session, BANK)[1]) == 3


def test_changed_answer_counts_as_updated(session: Session) -> None:
    v1 = _bank_v1()
    _sync(session, v1)
    fixed = v1[0].model_copy(update={"answer": ChoiceAnswer(keys=("A",))})

    result = _sync(session, [fixed, *v1[1:]], now=T1)

    assert result == SyncResult(added=0, updated=1, deactivated=0, unchanged=2)
    assert load_question(session, fixed.id) == fixed
    row = session.get(QuestionRow, fixed.id)
    assert row is not None and row.updated_at.replace(tzinfo=UTC) == T1


def test_bank_name_and_topic_are_the_stores(session: Session) -> None:
    untopical = _q("What is a volume?", 5, "Question 4", topic=None, bank=None)

    sync_bank(
        session,
        name=BANK,
        title="Docker basics",
        questions=[untopical],
        source=None,
        now=T0,
        topic="Containers",
    )

    stored = load_question(session, untopical.id)
    assert stored is not None and (stored.bank, stored.topic) == (BANK, "Containers")
    row = session.get(QuestionRow, untopical.id)
    assert row is not None and row.topic == "Containers"


def test_list_banks_and_active_topics(session: Session) -> None:
    v1 = _bank_v1()
    _sync(session, v1)
    other = _q("What does kubectl apply do?", 1, "Q1", topic="Kubernetes", bank="k8s")
    sync_bank(session, name="k8s", title="Kubernetes", questions=[other], source="k8s.md", now=T0)
    session.commit()
    assert active_topics(session) == ["Docker", "Kubernetes", "Networking"]

    _sync(session, v1[:1], now=T1)  # drops the Networking question

    banks = list_banks(session)
    summary = [(b.name, b.title, b.active) for b in banks]
    assert summary == [(BANK, "Docker basics", 1), ("k8s", "Kubernetes", 1)]
    assert dict(banks[0].by_kind) == {"single": 1}
    assert banks[0].topics == ("Docker",)
    assert active_topics(session) == ["Docker", "Kubernetes"]


def test_bad_input_is_refused(session: Session) -> None:
    q = _bank_v1()[0]
    with pytest.raises(ValueError, match="duplicate question ids"):
        sync_bank(session, name=BANK, title="T", questions=[q, q], source=None, now=T0)
    session.rollback()
    with pytest.raises(ValueError, match="needs a name"):
        sync_bank(session, name="", title="T", questions=[q], source=None, now=T0)
    session.rollback()
    with pytest.raises(KeyError):
        load_bank(session, "no-such-bank")
    assert load_question(session, "q-missing") is None
    assert session.scalar(select(func.count()).select_from(QuestionRow)) == 0


BANK_FILE = """---
bank: toy
title: Toy bank
topic: Toys
---

### Q1. Which toy rolls down a hill fastest?

- A) A cube
- B) A ball

**Answer:** B

### Q2. How many sides does a standard die have?

**Answer:** 6

### Q3. Which toy needs wind to fly?

- A) A kite
- B) A yo-yo

**Answer:** A
"""


def _load(session: Session, banks_dir: Path, now: datetime = T0) -> dict[str, SyncResult]:
    results = ensure_banks_loaded(session, banks_dir, now)
    session.commit()
    return results


def test_ensure_banks_loaded_imports_then_skips_unchanged_files(session: Session, tmp_path: Path) -> None:
    (tmp_path / "toy.md").write_text(BANK_FILE, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a bank", encoding="utf-8")

    first = _load(session, tmp_path)

    assert first == {"toy": SyncResult(added=3, updated=0, deactivated=0, unchanged=0)}
    title, questions = load_bank(session, "toy")
    assert title == "Toy bank"
    assert [q.source.label for q in questions] == ["Q1", "Q2", "Q3"]
    assert active_topics(session) == ["Toys"]
    assert _load(session, tmp_path, T1) == {}  # same bytes: skipped


def test_ensure_banks_loaded_resyncs_an_edited_file_in_place(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "toy.md"
    path.write_text(BANK_FILE, encoding="utf-8")
    _load(session, tmp_path)
    ids = [q.id for q in load_bank(session, "toy")[1]]
    answer_id = _answer(session, ids[0])
    edited = BANK_FILE.replace("rolls down a hill fastest?", "rolls down a steep hill fastest?")
    edited = edited[: edited.index("### Q3.")]  # Q3 removed
    path.write_text(edited, encoding="utf-8")

    result = _load(session, tmp_path, T1)

    assert result == {"toy": SyncResult(added=0, updated=1, deactivated=1, unchanged=1)}
    questions = load_bank(session, "toy")[1]
    assert [q.id for q in questions] == ids[:2]
    assert "steep hill" in questions[0].prompt
    answer = session.get(AnswerRow, answer_id)
    assert answer is not None and answer.question_id == ids[0]


def test_ensure_banks_loaded_never_empties_a_bank_from_a_broken_file(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "toy.md"
    path.write_text(BANK_FILE, encoding="utf-8")
    _load(session, tmp_path)
    path.write_bytes(b"\xff\xfe not UTF-8 \x80")

    result = _load(session, tmp_path, T1)

    assert all(r.deactivated == 0 for r in result.values())
    assert len(load_bank(session, "toy")[1]) == 3
    assert _load(session, tmp_path / "missing") == {}
