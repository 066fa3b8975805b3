"""The models create cleanly on both databases and enforce one answer per user per post."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.storage.models import AnswerRow, Bank, Post, QuestionRow, User


def test_one_answer_per_user_per_post(session) -> None:
    now = datetime.now(UTC)
    session.add(Bank(name="b", title="B", imported_at=now))
    session.add(QuestionRow(id="q1", bank="b", kind="single", data={}, updated_at=now))
    user = User(platform="console", workspace_id="w", user_id="u", created_at=now)
    session.add(user)
    session.flush()
    post = Post(
        question_id="q1",
        platform="console",
        workspace_id="w",
        channel_id="c",
        audience="channel",
        posted_at=now,
    )
    session.add(post)
    session.flush()
    row = dict(
        post_id=post.id,
        user_pk=user.id,
        question_id="q1",
        platform="console",
        workspace_id="w",
        channel_id="c",
        answered_at=now,
        local_date=date.today(),
        verdict="correct",
        score=1.0,
        points=10,
    )
    session.add(AnswerRow(**row))
    session.commit()
    session.add(AnswerRow(**row))
    with pytest.raises(IntegrityError):
        session.commit()
