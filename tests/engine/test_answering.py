"""Answering: the first answer counts, duplicates record once, closed questions refuse, ambiguity is not
recorded, feedback goes privately (DM, or a short private reply when DMs are off or closed)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from bot.dispatcher import Dispatcher
from bot.events import ChoiceSelected, TextAnswered
from bot.messages import Feedback, Notice, NoticeLevel, QuestionCard
from bot.storage.models import AnswerRow, ProcessedEvent, Streak

from .quizkit import CHANNEL, Env, Sent


def channel_post(env: Env, topic: str = "docker", want: str = "qdock1") -> QuestionCard:
    """Post questions of ``topic`` to the channel until the one with id ``want`` is posted."""
    for _ in range(6):
        env.clock.advance(timedelta(seconds=1))
        card = env.command(f"{topic} here", user="poster")[0].message
        assert isinstance(card, QuestionCard)
        if card.question_id == want:
            return card
    raise AssertionError(f"{want} never posted")


def answers(env: Env) -> list[AnswerRow]:
    with env.sessions() as s:
        return list(s.scalars(select(AnswerRow).order_by(AnswerRow.id)))


def feedback_of(sent: list[Sent]) -> tuple[Sent, Feedback]:
    found = [x for x in sent if isinstance(x.message, Feedback)]
    assert len(found) == 1, sent
    return found[0], found[0].message  # type: ignore[return-value]


def notice_of(sent: list[Sent]) -> Notice:
    assert len(sent) == 1 and sent[0].kind == "private", sent
    assert isinstance(sent[0].message, Notice)
    return sent[0].message


def test_a_click_records_grades_scores_and_feeds_back_by_dm(env: Env) -> None:
    card = channel_post(env)
    sent = env.click(card.post_id, "B", user="U1")
    call, fb = feedback_of(sent)
    assert call.kind == "dm" and call.user_id == "U1"
    assert fb.verdict == "correct" and fb.points == 10 and fb.score == 1.0 and not fb.brief
    assert fb.correct_answer == "B) WORKDIR" and fb.streak == 1
    [row] = answers(env)
    assert (row.verdict, row.points, row.choice_keys, row.response, row.channel_id) == (
        "correct",
        10,
        "B",
        "B",
        CHANNEL,
    )
    assert row.local_date.isoformat() == "2026-01-05"
    # The channel card is updated with the count, never with anyone's answer.
    [update] = [x for x in sent if x.kind == "update"]
    assert isinstance(update.message, QuestionCard)
    assert update.message.answered_count == 1 and update.message.reveal is None and not update.message.closed


def test_the_first_answer_counts(env: Env) -> None:
    card = channel_post(env)
    env.click(card.post_id, "A")
    notice = notice_of(env.click(card.post_id, "B"))
    assert notice.level is NoticeLevel.WARNING and "already answered" in notice.text
    assert notice.echo == "A"
    notice = notice_of(env.type_answer("workdir"))
    assert notice.echo == "A"
    [row] = answers(env)
    assert row.verdict == "incorrect" and row.choice_keys == "A"


def test_the_same_delivery_twice_records_one_answer_and_replies_once(env: Env) -> None:
    card = channel_post(env)
    first = env.click(card.post_id, "B", delivery="evt-1")
    again = env.click(card.post_id, "B", delivery="evt-1")
    assert first and again == []
    assert len(answers(env)) == 1
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) >= 2  # the command and the click


def test_concurrent_double_click_from_two_threads_records_one_answer(env: Env) -> None:
    card = channel_post(env)
    actor = env.actor("U7")
    barrier = threading.Barrier(4)
    results: list[object] = []

    def click(i: int) -> None:
        barrier.wait()
        # Distinct delivery ids: two replicas each receiving one of two clicks.
        results.append(
            env.dispatcher.process(ChoiceSelected(actor, env.where, card.post_id, ("B",), f"dbl-{i}"))
        )

    threads = [threading.Thread(target=click, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 4
    rows = answers(env)
    assert len(rows) == 1 and rows[0].points == 10
    feedbacks = [r for replies in results for r in replies if isinstance(r.message, Feedback)]  # type: ignore[attr-defined]
    notices = [r for replies in results for r in replies if isinstance(r.message, Notice)]  # type: ignore[attr-defined]
    assert len(feedbacks) == 1 and len(notices) == 3
    with env.sessions() as s:
        streak = s.get(Streak, (rows[0].user_pk, "*"))
        assert streak is not None and streak.current == 1


def test_the_same_delivery_from_two_threads_is_handled_once(env: Env) -> None:
    card = channel_post(env)
    actor = env.actor("U8")
    barrier = threading.Barrier(3)
    results: list[list[object]] = []

    def deliver() -> None:
        barrier.wait()
        results.append(
            list(env.dispatcher.process(ChoiceSelected(actor, env.where, card.post_id, ("C",), "same")))
        )

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(len(r) for r in results)[:2] == [0, 0]
    assert len(answers(env)) == 1


def test_answers_after_the_question_closed_are_refused_politely(env: Env) -> None:
    card = channel_post(env)
    env.clock.advance(timedelta(hours=24, seconds=1))
    notice = notice_of(env.click(card.post_id, "B"))
    assert notice.level is NoticeLevel.INFO
    assert "closed at 2026-01-06 09:00" in notice.text and "the answer was B" in notice.text
    assert answers(env) == []


def test_close_due_posts_reveals_the_answer_and_distribution(env: Env) -> None:
    import asyncio

    card = channel_post(env)
    env.click(card.post_id, "B", user="U1")
    env.click(card.post_id, "A", user="U2")
    env.click(card.post_id, "B", user="U3")
    env.clock.advance(timedelta(hours=30))
    closed = asyncio.run(env.dispatcher.close_due())
    updates = env.port.take()
    assert closed == len(updates) >= 1  # channel_post may have posted the other question first
    [closed_card] = [u.message for u in updates if getattr(u.message, "post_id", None) == card.post_id]
    assert isinstance(closed_card, QuestionCard) and closed_card.closed and closed_card.actions == ()
    assert closed_card.reveal is not None
    assert closed_card.reveal.correct_keys == ("B",)
    assert closed_card.reveal.distribution == (("A", 1), ("B", 2), ("C", 0), ("D", 0))
    assert (closed_card.reveal.answered, closed_card.reveal.correct) == (3, 2)
    assert asyncio.run(env.dispatcher.close_due()) == 0  # once
    notice = notice_of(env.click(card.post_id, "B", user="U4"))
    assert "closed" in notice.text


def test_ambiguous_input_is_not_recorded_and_gets_the_hint(env: Env) -> None:
    card = channel_post(env)
    notice = notice_of(env.type_answer("a or b"))
    assert notice.level is NoticeLevel.WARNING and notice.text
    assert notice.echo == "a or b"
    assert answers(env) == []
    _, fb = feedback_of(env.type_answer("workdir"))
    assert fb.verdict == "correct" and fb.post_id == card.post_id


def test_an_unknown_key_is_refused_without_recording(env: Env) -> None:
    card = channel_post(env)
    assert "not one of" in notice_of(env.click(card.post_id, "Z")).text
    assert "not one of" in notice_of(env.click(card.post_id)).text
    assert answers(env) == []


def test_dm_off_gives_a_short_private_reply(env: Env) -> None:
    env.command("dm off")
    card = channel_post(env)
    call, fb = feedback_of(env.click(card.post_id, "A"))
    assert call.kind == "private" and call.user_id == "U1" and fb.brief
    env.command("dm on", user="U2")
    call, fb = feedback_of(env.click(card.post_id, "A", user="U2"))
    assert call.kind == "dm" and not fb.brief


def test_closed_dms_fall_back_to_a_private_reply_with_the_full_feedback(env: Env) -> None:
    env.port.dm_closed.add("U1")
    card = channel_post(env)
    call, fb = feedback_of(env.click(card.post_id, "A"))
    assert call.kind == "private" and not fb.brief


def test_a_typed_answer_goes_to_the_private_question_first(env: Env) -> None:
    channel_post(env)
    env.clock.advance(timedelta(seconds=1))
    private = env.command("k8s")[0].message
    assert isinstance(private, QuestionCard)
    _, fb = feedback_of(env.type_answer("kubectl get pods"))
    assert fb.post_id == private.post_id
    # Next, with no open private question, the channel's latest question.
    _, fb2 = feedback_of(env.type_answer("workdir"))
    assert fb2.post_id != private.post_id


def test_no_open_question(env: Env) -> None:
    notice = notice_of(env.type_answer("b"))
    assert "no open question" in notice.text.lower()


def test_someone_elses_private_question_cannot_be_answered(env: Env) -> None:
    card = env.command("docker", user="U1")[0].message
    assert isinstance(card, QuestionCard)
    notice = notice_of(env.click(card.post_id, "B", user="U2"))
    assert "someone else" in notice.text
    assert answers(env) == []


def test_a_post_of_another_workspace_is_not_found(env: Env) -> None:
    card = channel_post(env)
    other = env.actor("U1")
    from dataclasses import replace

    foreign = replace(other, workspace_id="W2")
    where = replace(env.where, workspace_id="W2")
    sent = env.handle(ChoiceSelected(foreign, where, card.post_id, ("B",), "x1"))
    assert isinstance(sent[0].message, Notice) and sent[0].message.level is NoticeLevel.ERROR
    sent = env.handle(TextAnswered(foreign, where, 999_999, "b", "x2"))
    assert isinstance(sent[0].message, Notice)
    assert answers(env) == []


def test_points_follow_difficulty_and_streak_grows_day_by_day(env: Env) -> None:
    streaks = []
    for day in range(3):
        env.clock.advance(timedelta(days=1) if day else timedelta(0))
        card = env.command("docker", user="U1")[0].message
        assert isinstance(card, QuestionCard)
        _, fb = feedback_of(
            env.click(card.post_id, *(("B",) if card.question_id == "qdock1" else ("A", "B", "C")))
        )
        streaks.append(fb.streak)
        assert fb.points == (10 if card.question_id == "qdock1" else 12)
    assert streaks == [1, 2, 3]


def test_a_failing_port_does_not_lose_the_answer(env: Env) -> None:
    import asyncio

    class Broken:
        async def post(self, where, message):  # type: ignore[no-untyped-def]
            raise RuntimeError("platform down")

        post_private = dm = update = post

    card = channel_post(env)
    broken = Dispatcher(env.services, Broken(), env.sessions)  # type: ignore[arg-type]
    asyncio.run(broken.handle(ChoiceSelected(env.actor("U1"), env.where, card.post_id, ("B",), "brk")))
    assert len(answers(env)) == 1
