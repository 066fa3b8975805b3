"""SQLAlchemy 2 models: the database is the source of truth for banks, posts, answers and schedules.

Unique constraints carry the product's "exactly once" promises:
- one answer per user per post (``uq_answer_post_user``): retries, double clicks and replicas record one;
- one post per schedule occurrence (``uq_occurrence_schedule_date``): restarts and replicas post once;
- one processed platform event per id (``processed_events``): Slack retries and Discord replays dedupe.

Platform identities are plain strings scoped by ``platform`` ("slack", "discord", "console") and
``workspace_id`` (Slack team id, Discord guild id, "console"). Times are stored in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CHANNEL = "channel"  # Post.audience: a card posted in a channel for everyone
PRIVATE = "private"  # Post.audience: a question asked to one user
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Bank(Base):
    """A named question bank, imported from one or more Markdown files."""

    __tablename__ = "banks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(Text)
    # Who may replace the bank from a chat: None = the bot's host (the command line, the bundled banks);
    # "platform:workspace id" = instructors of that workspace (``bot.bank_imports``).
    owner: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuestionRow(Base):
    """A stored question. ``data`` is the full ``questions.model.Question`` as JSON; the columns beside it
    are copies for querying. Questions removed from a re-imported bank become inactive, never deleted,
    so answer history keeps pointing at them."""

    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    bank: Mapped[str] = mapped_column(ForeignKey("banks.name", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    topic: Mapped[str | None] = mapped_column(String(100), index=True)
    section: Mapped[str | None] = mapped_column(String(300))
    difficulty: Mapped[str | None] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A person on one platform workspace."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id", name="uq_users_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    dm_feedback: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Team(Base):
    """A named group of users in a workspace; may map to a Slack user group or a Discord role."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "name", name="uq_teams_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    external_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TeamMember(Base):
    """A user's team in their workspace (at most one)."""

    __tablename__ = "team_members"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Post(Base):
    """A question asked once: in a channel for everyone, or privately to one user."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_scope", "platform", "workspace_id", "channel_id", "posted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(10))  # CHANNEL | PRIVATE
    target_user_pk: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message_ref: Mapped[str | None] = mapped_column(String(200))
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrences.id"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class AnswerRow(Base):
    """One user's answer to one post; the first one counts (unique per post and user)."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("post_id", "user_pk", name="uq_answer_post_user"),
        # Covering indexes for the leaderboards (see bench/): scope + time, then what is summed.
        Index("ix_answers_ws_time", "platform", "workspace_id", "answered_at", "user_pk", "points", "score"),
        Index(
            "ix_answers_channel_time",
            "platform",
            "workspace_id",
            "channel_id",
            "answered_at",
            "user_pk",
            "points",
            "score",
        ),
        Index("ix_answers_user_question", "user_pk", "question_id"),
        # All-time boards group by user over the whole workspace: this one avoids sorting every row.
        Index("ix_answers_ws_user", "platform", "workspace_id", "user_pk", "points", "score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    local_date: Mapped[date] = mapped_column(Date)
    response: Mapped[str | None] = mapped_column(Text)  # what the user typed or chose (truncated)
    choice_keys: Mapped[str | None] = mapped_column(String(30))
    verdict: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer)
    self_rating: Mapped[str | None] = mapped_column(String(10))  # open questions: got_it|partly|missed


class Streak(Base):
    """Consecutive answering days of a user within a scope (a channel, or "*" for the workspace)."""

    __tablename__ = "streaks"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    current: Mapped[int] = mapped_column(Integer, default=0)
    best: Mapped[int] = mapped_column(Integer, default=0)
    last_date: Mapped[date | None] = mapped_column(Date)


class Season(Base):
    """A leaderboard season, started by an instructor's reset (``bot.seasons``); rows are only ever added.

    From ``started_at`` on, the boards of the scope count only answers at or after it; no answer is deleted.
    ``channel_id`` None: the whole workspace (every board and streak); otherwise that channel's boards.
    """

    __tablename__ = "seasons"
    __table_args__ = (Index("ix_seasons_scope", "platform", "workspace_id", "channel_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_by: Mapped[str] = mapped_column(String(64))


class Schedule(Base):
    """A recurring job in a channel: a daily question, a weekly leaderboard, or a sprint's questions."""

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_scope", "platform", "workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # "question" | "leaderboard" | "sprint"
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    time_of_day: Mapped[str] = mapped_column(String(5))  # "HH:MM" in ``timezone``
    weekdays: Mapped[str] = mapped_column(String(20), default="0123456")  # Monday=0
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    topic: Mapped[str | None] = mapped_column(String(100))
    bank: Mapped[str | None] = mapped_column(String(100))
    per_day: Mapped[int] = mapped_column(Integer, default=1)
    close_after_minutes: Mapped[int | None] = mapped_column(Integer)
    sprint_id: Mapped[int | None] = mapped_column(ForeignKey("sprints.id", ondelete="CASCADE"))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Occurrence(Base):
    """One firing of a schedule on one local date, claimed before anything is posted."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("schedule_id", "occurrence_date", "slot", name="uq_occurrence_schedule_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    occurrence_date: Mapped[date] = mapped_column(Date)
    slot: Mapped[int] = mapped_column(Integer, default=0)  # sprints post several questions a day
    status: Mapped[str] = mapped_column(String(10))  # "claimed" | "posted" | "failed"
    claimed_by: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Sprint(Base):
    """An instructor's exam-prep sprint: N questions a day on chosen topics until the exam date."""

    __tablename__ = "sprints"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "name", name="uq_sprints_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    topics: Mapped[list[Any]] = mapped_column(JSON)
    starts_on: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    per_day: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    owner_user_id: Mapped[str] = mapped_column(String(64))
    report_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcessedEvent(Base):
    """Platform deliveries already handled (Slack event ids, retried interaction ids)."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
