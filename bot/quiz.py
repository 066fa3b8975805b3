"""Asking and answering: the quiz engine's core service (synchronous; the caller owns the transaction).

Asking: ``/quiz docker`` matches the topic forgivingly (``bot.topics``) and picks a question the asker
(a private question) or the channel (``/quiz docker here``) has not had yet; once every question of the
pool was had, the least recently asked comes first. A learner's ``/quiz`` goes to them alone (an ephemeral
card); ``here`` posts it to the channel for everyone, open for ``channel_close_after`` (24 h) unless a
scheduler sets ``closes_at``.

Answering: one answer per user per post, the first counts. The ``uq_answer_post_user`` constraint is the final
guard: a concurrent duplicate makes the insert raise ``IntegrityError``; the dispatcher rolls back and retries
the unit of work, which then finds the first answer and replies "you already answered". Ambiguous input is
never recorded. Open questions record a ``self_assess`` answer worth 0 until the learner rates it once.
Every method returns ``Reply`` values (neutral messages and where they go), never ORM rows.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    Text,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql import Executable

from bot.answer_targets import ANSWER_TARGET, UnitTargets, target_params
from bot.clock import Clock
from bot.commands import clean_name
from bot.events import Actor, Where
from bot.feedback import build_card, build_feedback, correct_answer_text, truncate
from bot.grading import SELF_RATINGS, grade, grade_self_rating
from bot.grading.verdict import Grade, Verdict
from bot.messages import Message, QuestionCard, TopicEntry, TopicList, error, info, warning
from bot.ports import MessageRef, Reply, ToChannel, ToDirect, ToUser, UpdatePosted
from bot.scoring import points_for
from bot.storage.banks import visible_in
from bot.storage.models import CHANNEL, PRIVATE, AnswerRow, Post, QuestionRow, User
from bot.streaks import (
    WORKSPACE_SCOPE,
    DayPredicate,
    StreakState,
    current_streak,
    local_day,
    record_answer_day,
    schedule_predicate,
)
from bot.topics import TopicMatcher
from questions.model import Kind, Question

MAX_RESPONSE_CHARS = 500
MAX_DISPLAY_NAME = 200
QUESTION_CACHE_SIZE = 1024


@dataclass(frozen=True)
class QuizOptions:
    """The settings the quiz service needs (taken from ``bot.config.Settings`` by ``bot.app``)."""

    timezone: str = "UTC"
    review_base_url: str | None = None
    topic_aliases: Mapping[str, str] = field(default_factory=dict)
    channel_close_after: timedelta = timedelta(hours=24)


def utc(value: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands back naive UTC values)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class InsertIgnoring:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING ...`` into one table, built once for both dialects
    (building a statement costs more than running it on SQLite)."""

    postgresql: Executable
    sqlite: Executable

    @classmethod
    def into(
        cls, model: type[Any], *returning: ColumnElement[Any] | QueryableAttribute[Any]
    ) -> InsertIgnoring:
        """The statements for ``model``'s table, returning ``returning`` of each inserted row (``1``)."""
        columns = returning or (cast(ColumnElement[Any], literal_column("1")),)
        return cls(
            postgresql=pg_insert(model).on_conflict_do_nothing().returning(*columns),
            sqlite=sqlite_insert(model).on_conflict_do_nothing().returning(*columns),
        )

    def run(self, session: Session, values: Mapping[str, Any]) -> int:
        """Insert ``values``; returns the number of rows inserted (0 on a conflict)."""
        return len(self.inserted(session, [values]))

    def inserted(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> list[Row[Any]]:
        """Insert ``rows`` in one statement; what it returned for those inserted (none for conflicts)."""
        # Counted through RETURNING: psycopg reports no rowcount (-1) for INSERT ... ON CONFLICT DO NOTHING.
        connection = session.connection()
        stmt = self.postgresql if connection.dialect.name == "postgresql" else self.sqlite
        params = [dict(row) for row in rows]
        return list(connection.execute(stmt, params[0] if len(params) == 1 else params).all())


def insert_ignoring_conflict(session: Session, model: type[Any], values: Mapping[str, Any]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; returns the number of rows inserted."""
    return InsertIgnoring.into(model).run(session, values)


def ensure_user(session: Session, actor: Actor, now: datetime) -> User:
    """The stored user behind an actor, created on first sight (safely under concurrency)."""
    identity = (
        User.platform == actor.platform,
        User.workspace_id == actor.workspace_id,
        User.user_id == actor.user_id,
    )
    user = session.scalars(select(User).where(*identity)).first()
    name = clean_name(actor.display_name, MAX_DISPLAY_NAME) if actor.display_name else None
    if user is None:
        insert_ignoring_conflict(session, User, _new_user(actor, name, now))
        user = session.scalars(select(User).where(*identity)).one()
    elif name and user.display_name != name:
        user.display_name = name
    return user


def _new_user(actor: Actor, name: str | None, now: datetime) -> dict[str, object]:
    """The row of a user seen for the first time."""
    return {
        "platform": actor.platform,
        "workspace_id": actor.workspace_id,
        "user_id": actor.user_id,
        "display_name": name,
        "dm_feedback": True,
        "created_at": utc(now),
    }


def load_question(session: Session, question_id: str) -> Question | None:
    """A stored question (active or not)."""
    row = session.get(QuestionRow, question_id)
    return None if row is None else Question.model_validate(row.data)


class QuestionCache:
    """Parsed questions, a bounded LRU keyed by question id and the exact stored JSON text.

    Keying by the text itself means a question edited by a re-import is parsed afresh whatever its
    ``updated_at`` says; validation is skipped only for byte-identical data. Safe to share between the
    dispatcher's worker threads; ``Question`` objects are immutable.
    """

    def __init__(self, size: int = QUESTION_CACHE_SIZE) -> None:
        if size < 1:
            raise ValueError("a question cache holds at least one question")
        self._size = size
        self._items: OrderedDict[tuple[str, str], Question] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, question_id: str, data_json: str) -> Question:
        """The question stored as ``data_json`` (parsed and validated on a miss)."""
        key = (question_id, data_json)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        question = Question.model_validate(json.loads(data_json))
        with self._lock:
            self._items[key] = question
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return question


@dataclass(frozen=True, slots=True)
class PostFacts:
    """What answering and cards need to know about a post (times aware UTC)."""

    id: int
    question_id: str
    platform: str
    workspace_id: str
    channel_id: str
    audience: str
    target_user_pk: int | None
    message_ref: str | None
    closes_at: datetime | None
    closed_at: datetime | None
    timezone: str

    @classmethod
    def of(cls, post: Post) -> PostFacts:
        """The facts of a loaded post."""
        return cls(
            id=post.id,
            question_id=post.question_id,
            platform=post.platform,
            workspace_id=post.workspace_id,
            channel_id=post.channel_id,
            audience=post.audience,
            target_user_pk=post.target_user_pk,
            message_ref=post.message_ref,
            closes_at=utc(post.closes_at) if post.closes_at else None,
            closed_at=utc(post.closed_at) if post.closed_at else None,
            timezone=post.timezone or "UTC",
        )


@dataclass(frozen=True, slots=True)
class _Target:
    """Everything an answer is checked against, read before anything is written."""

    user_pk: int
    dm_feedback: bool
    post: PostFacts | None
    question_json: str | None
    answered_before: bool
    earlier_response: str | None
    answered_count: int | None  # answers already on the post (channel posts with a card to update)
    streaks: Mapping[str, StreakState] = field(default_factory=dict)  # stored, by scope (unlocked read)


class _LazyPredicate:
    """A day predicate loaded on first use: most answers (same or next day) never ask it."""

    def __init__(self, load: Callable[[], DayPredicate]) -> None:
        self._load = load
        self._loaded: DayPredicate | None = None

    def __call__(self, day: date) -> bool:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded(day)


# The answer path's statements, built once (see ``QuizService.answer``).
_QUESTIONS = cast(Table, QuestionRow.__table__)
_ANSWERS = cast(Table, AnswerRow.__table__)
_QUESTION_JSON = select(sql_cast(_QUESTIONS.c.data, Text)).where(_QUESTIONS.c.id == bindparam("question_id"))
_EARLIER_ANSWER = select(_ANSWERS.c.id, _ANSWERS.c.response).where(
    _ANSWERS.c.post_id == bindparam("post_id"), _ANSWERS.c.user_pk == bindparam("user_pk")
)
_ANSWER_COUNT = select(func.count()).where(_ANSWERS.c.post_id == bindparam("post_id"))
_ANSWER_COUNTS = (
    select(_ANSWERS.c.post_id, func.count())
    .where(_ANSWERS.c.post_id.in_(bindparam("post_ids", expanding=True)))
    .group_by(_ANSWERS.c.post_id)
)
_INSERT_ANSWER = insert(_ANSWERS)


class QuizService:
    """Asks questions, records answers and self-ratings, and closes posts."""

    def __init__(self, clock: Clock, options: QuizOptions | None = None, rng: random.Random | None = None):
        self._clock = clock
        self._options = options or QuizOptions()
        self._rng = rng or random.Random()
        self._questions = QuestionCache()

    def _question(self, session: Session, question_id: str) -> Question | None:
        """A stored question (active or not), parsed once per stored version (no autoflush)."""
        data = session.connection().execute(_QUESTION_JSON, {"question_id": question_id}).scalar()
        return None if data is None else self._questions.get(question_id, data)

    # --- topics ---------------------------------------------------------------------------------------------

    def topic_counts(self, session: Session, where: Where) -> dict[str, int]:
        """Active questions per topic, of the banks ``where``'s workspace sees (``visible_in``)."""
        rows = session.execute(
            select(QuestionRow.topic, func.count())
            .where(
                QuestionRow.active.is_(True),
                QuestionRow.topic.is_not(None),
                visible_in(where.platform, where.workspace_id),
            )
            .group_by(QuestionRow.topic)
        ).all()
        return {topic: count for topic, count in rows if topic}

    def topic_list(self, session: Session, where: Where, query: str | None = None) -> TopicList:
        """The topic list message (``query``: the unknown topic that led here)."""
        counts = self.topic_counts(session, where)
        entries = tuple(TopicEntry(name, counts[name]) for name in sorted(counts, key=str.casefold))
        return TopicList(entries, truncate(query, 100) if query else None)

    def match_topic(self, session: Session, where: Where, query: str) -> str | None:
        """The existing topic (of those ``where``'s workspace sees) meant by ``query``."""
        return TopicMatcher(self.topic_counts(session, where), self._options.topic_aliases).match(query)

    # --- asking ---------------------------------------------------------------------------------------------

    def ask(
        self, session: Session, *, actor: Actor, where: Where, topic: str | None, here: bool
    ) -> list[Reply]:
        """Pick a question (on ``topic``) and serve it privately, or post it to the channel when ``here``."""
        now = utc(self._clock.now())
        matched: str | None = None
        if topic:
            matched = self.match_topic(session, where, topic)
            if matched is None:
                return [ToUser(where, actor.user_id, self.topic_list(session, where, topic))]
        user = ensure_user(session, actor, now)
        question_id = self.pick_question(
            session, topic=matched, where=where, user_pk=None if here else user.id
        )
        if question_id is None:
            return [ToUser(where, actor.user_id, warning("There are no questions yet: import a bank first."))]
        if here:
            return [
                self.post_to_channel(
                    session,
                    question_id=question_id,
                    where=where,
                    closes_at=now + self._options.channel_close_after,
                )
            ]
        self._skip_unanswered_private(session, user.id, now)
        post = Post(
            question_id=question_id,
            platform=where.platform,
            workspace_id=where.workspace_id,
            channel_id=where.channel_id,
            audience=PRIVATE,
            target_user_pk=user.id,
            posted_at=now,
            timezone=self._options.timezone,
        )
        session.add(post)
        session.flush()
        return [ToUser(where, actor.user_id, self.card(session, post))]

    def post_to_channel(
        self,
        session: Session,
        *,
        question_id: str,
        where: Where,
        closes_at: datetime | None,
        timezone: str | None = None,
        occurrence_id: int | None = None,
    ) -> ToChannel:
        """Create a channel post of a question (also for the scheduler) and the reply that posts its card."""
        post = Post(
            question_id=question_id,
            platform=where.platform,
            workspace_id=where.workspace_id,
            channel_id=where.channel_id,
            audience=CHANNEL,
            posted_at=utc(self._clock.now()),
            closes_at=utc(closes_at) if closes_at else None,
            occurrence_id=occurrence_id,
            timezone=timezone or self._options.timezone,
        )
        session.add(post)
        session.flush()
        return ToChannel(where, self.card(session, post), post_id=post.id)

    def pick_question(
        self, session: Session, *, topic: str | None, where: Where, user_pk: int | None
    ) -> str | None:
        """A question id: unseen by the user (``user_pk``) or the channel (``user_pk`` None) first, then the
        least recently asked. ``topic`` None picks from every active question ``where``'s workspace sees."""
        query = select(QuestionRow.id).where(
            QuestionRow.active.is_(True), visible_in(where.platform, where.workspace_id)
        )
        if topic is not None:
            query = query.where(QuestionRow.topic == topic)
        pool = sorted(session.scalars(query))
        if not pool:
            return None
        seen = self._last_seen(session, where=where, user_pk=user_pk)
        fresh = [qid for qid in pool if qid not in seen]
        if fresh:
            return self._rng.choice(fresh)
        oldest = min(seen[qid] for qid in pool)
        return self._rng.choice([qid for qid in pool if seen[qid] == oldest])

    def _last_seen(self, session: Session, *, where: Where, user_pk: int | None) -> dict[str, datetime]:
        seen: dict[str, datetime] = {}

        def note(rows: Sequence[Any]) -> None:
            for qid, when in rows:
                when = utc(when)
                if qid not in seen or when > seen[qid]:
                    seen[qid] = when

        if user_pk is None:
            note(
                session.execute(
                    select(Post.question_id, func.max(Post.posted_at))
                    .where(
                        Post.platform == where.platform,
                        Post.workspace_id == where.workspace_id,
                        Post.channel_id == where.channel_id,
                        Post.audience == CHANNEL,
                    )
                    .group_by(Post.question_id)
                ).all()
            )
            return seen
        note(
            session.execute(
                select(Post.question_id, func.max(Post.posted_at))
                .where(Post.target_user_pk == user_pk)
                .group_by(Post.question_id)
            ).all()
        )
        note(
            session.execute(
                select(AnswerRow.question_id, func.max(AnswerRow.answered_at))
                .where(AnswerRow.user_pk == user_pk)
                .group_by(AnswerRow.question_id)
            ).all()
        )
        return seen

    def _skip_unanswered_private(self, session: Session, user_pk: int, now: datetime) -> None:
        """A new private question closes the user's earlier unanswered ones (they were skipped)."""
        answered = exists().where(AnswerRow.post_id == Post.id, AnswerRow.user_pk == user_pk)
        session.execute(
            update(Post)
            .where(
                Post.target_user_pk == user_pk, Post.audience == PRIVATE, Post.closed_at.is_(None), ~answered
            )
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )

    # --- cards ----------------------------------------------------------------------------------------------

    def card(self, session: Session, post: Post) -> QuestionCard:
        """The card of a post as it stands now (with the reveal once closed)."""
        session.flush()
        return self._card(session, PostFacts.of(post))

    def _card(
        self,
        session: Session,
        post: PostFacts,
        question: Question | None = None,
        answered_count: int | None = None,
    ) -> QuestionCard:
        """``card`` from facts; an open card only needs the number of answers (``answered_count`` when
        the caller knows it), a closed one reads them all for the reveal."""
        question = question or self._question(session, post.question_id)
        if question is None:
            raise LookupError(f"post {post.id} refers to missing question {post.question_id}")
        closed = post.closed_at is not None
        distribution: Counter[str] = Counter()
        correct_count = 0
        if closed:
            rows = session.execute(
                select(AnswerRow.choice_keys, AnswerRow.score).where(AnswerRow.post_id == post.id)
            ).all()
            for keys, _score in rows:
                distribution.update(dict.fromkeys(keys or "", 1))
            answered_count = len(rows)
            correct_count = sum(1 for _, score in rows if score >= 1.0)
        elif answered_count is None:
            answered_count = session.connection().execute(_ANSWER_COUNT, {"post_id": post.id}).scalar_one()
        return build_card(
            question,
            post_id=post.id,
            audience=post.audience,
            answered_count=answered_count,
            closes_at=post.closes_at,
            closed=closed,
            distribution=distribution,
            correct_count=correct_count,
        )

    @staticmethod
    def answer_counts(session: Session, post_ids: Collection[int]) -> dict[int, int]:
        """How many answers each post has (committed ones, when read in a fresh transaction); one query."""
        if not post_ids:
            return {}
        rows = session.connection().execute(_ANSWER_COUNTS, {"post_ids": sorted(set(post_ids))})
        counts = {int(post_id): int(count) for post_id, count in rows}
        return {post_id: counts.get(post_id, 0) for post_id in post_ids}

    @staticmethod
    def message_ref(post: Post | PostFacts) -> MessageRef | None:
        """Where a channel post's card is, if the platform gave a ref."""
        if not post.message_ref:
            return None
        return MessageRef(Where(post.platform, post.workspace_id, post.channel_id), post.message_ref)

    @staticmethod
    def record_message_ref(session: Session, post_id: int, ref: MessageRef) -> None:
        """Remember where a posted card is, so it can be updated."""
        post = session.get(Post, post_id)
        if post is not None:
            post.message_ref = ref.message_id[:200]

    # --- answering ------------------------------------------------------------------------------------------

    def resolve_post(self, session: Session, *, user: User, where: Where, post_id: int | None) -> Post | None:
        """The post an answer is for: the given one (in the actor's workspace), else the user's open
        private question, else the latest question posted in the channel."""
        if post_id is not None:
            post = session.get(Post, post_id)
            if post is None or (post.platform, post.workspace_id) != (where.platform, where.workspace_id):
                return None
            return post
        answered = exists().where(AnswerRow.post_id == Post.id, AnswerRow.user_pk == user.id)
        private = session.scalars(
            select(Post)
            .where(
                Post.target_user_pk == user.id, Post.audience == PRIVATE, Post.closed_at.is_(None), ~answered
            )
            .order_by(Post.posted_at.desc(), Post.id.desc())
            .limit(1)
        ).first()
        if private is not None:
            return private
        return session.scalars(
            select(Post)
            .where(
                Post.platform == where.platform,
                Post.workspace_id == where.workspace_id,
                Post.channel_id == where.channel_id,
                Post.audience == CHANNEL,
            )
            .order_by(Post.posted_at.desc(), Post.id.desc())
            .limit(1)
        ).first()

    @staticmethod
    def prefetch_targets(session: Session, clicks: Sequence[tuple[Actor, int]]) -> None:
        """On PostgreSQL, read what the coming answers to these (actor, post id) clicks are checked against
        in one query for all of them (a batch of two or more clicks in one unit of work); ``answer`` then uses
        it. SQLite reads each answer's target as it comes (``bot.answer_targets``)."""
        UnitTargets.prefetch(session, clicks)

    def answer(
        self,
        session: Session,
        *,
        actor: Actor,
        where: Where,
        post_id: int | None,
        keys: Sequence[str] | None = None,
        text: str | None = None,
    ) -> list[Reply]:
        """Grade and record one answer (a click's ``keys`` or typed ``text``) and say how it went.

        The hot path (a click names its post): one query reads the post, its question's stored JSON, the
        user and any earlier answer (``bot.answer_targets``; on PostgreSQL one query for a whole batch of
        clicks: ``prefetch_targets``); then the answer is inserted and the streaks updated (one locked read,
        a write only when a streak moves). Questions are parsed once per stored version (``QuestionCache``).
        """
        now = utc(self._clock.now())
        session.flush()  # the statements below read through the connection, past the unit of work

        def tell(message: Message) -> list[Reply]:
            return [ToUser(where, actor.user_id, message)]

        if post_id is not None:
            target = self._target_of_post(session, actor, post_id, now)
        else:
            target = self._target_of_open_question(session, actor, where, now)
        post = target.post
        if post is None:
            if post_id is None:
                return tell(info("There is no open question for you: type /quiz to get one."))
            return tell(error("That question does not exist (any more)."))
        if post_id is not None and (post.platform, post.workspace_id) != (where.platform, where.workspace_id):
            return tell(error("That question does not exist (any more)."))
        if post.audience == PRIVATE and post.target_user_pk != target.user_pk:
            return tell(warning("That question was asked to someone else: type /quiz to get your own."))
        if target.question_json is None:
            return tell(error("That question is no longer available."))
        question = self._questions.get(post.question_id, target.question_json)
        if self._is_closed(post, now):
            return tell(self._closed_notice(post, question))
        if target.answered_before:
            return tell(
                warning(
                    "You already answered this question (the first answer counts):",
                    echo=target.earlier_response,
                )
            )
        if keys is not None:
            wanted = tuple(dict.fromkeys(k.strip().upper() for k in keys if k.strip()))
            known = {c.key for c in question.choices}
            if not wanted or any(k not in known for k in wanted):
                return tell(warning("That option is not one of this question's choices."))
            result = grade(question, keys=wanted)
            response = ",".join(wanted)
        else:
            response = text or ""
            result = grade(question, text=response)
        if result.verdict is Verdict.AMBIGUOUS:
            hint = (
                result.hint or "I could not tell which answer you meant: click a button or type the letter."
            )
            return tell(warning(hint, echo=truncate(response, 200) if response else None))
        return self._record(
            session,
            actor=actor,
            where=where,
            target=target,
            post=post,
            question=question,
            result=result,
            response=response,
            now=now,
        )

    def _target_of_post(self, session: Session, actor: Actor, post_id: int, now: datetime) -> _Target:
        """The answer's target when the event names the post: one query in the common case. A user seen
        for the first time is stored and the target read again; one whose display name changed goes through
        ``ensure_user``."""
        connection = session.connection()
        params = target_params(actor, post_id)
        prefetched = UnitTargets.take(session, actor, post_id)
        row: Row[Any] | None
        stored: Mapping[str, StreakState]
        if prefetched is not None:
            row, added, stored = prefetched.row, prefetched.added, prefetched.streaks
        else:
            row, added, stored = connection.execute(ANSWER_TARGET, params).first(), 0, {}
        name = clean_name(actor.display_name, MAX_DISPLAY_NAME) if actor.display_name else None
        if row is not None and row.user_pk is None:  # the user's first answer: store them, read again
            insert_ignoring_conflict(session, User, _new_user(actor, name, now))
            row, added, stored = connection.execute(ANSWER_TARGET, params).first(), 0, {}
        if row is None or (name and row.display_name != name):
            user = ensure_user(session, actor, now)
            if row is None:  # no such post
                return _Target(user.id, user.dm_feedback, None, None, False, None, None)
            dm_feedback = user.dm_feedback
        else:
            dm_feedback = bool(row.dm_feedback)
        post = PostFacts(
            id=row.id,
            question_id=row.question_id,
            platform=row.platform,
            workspace_id=row.workspace_id,
            channel_id=row.channel_id,
            audience=row.audience,
            target_user_pk=row.target_user_pk,
            message_ref=row.message_ref,
            closes_at=utc(row.closes_at) if row.closes_at else None,
            closed_at=utc(row.closed_at) if row.closed_at else None,
            timezone=row.timezone or "UTC",
        )
        return _Target(
            user_pk=row.user_pk,
            dm_feedback=dm_feedback,
            post=post,
            question_json=row.question_json,
            answered_before=row.earlier_id is not None,
            earlier_response=row.earlier_response,
            answered_count=None if row.answered_count is None else row.answered_count + added,
            streaks={
                WORKSPACE_SCOPE: StreakState(
                    row.workspace_current or 0, row.workspace_best or 0, row.workspace_last
                ),
                post.channel_id: StreakState(
                    row.channel_current or 0, row.channel_best or 0, row.channel_last
                ),
            }
            | {scope: stored[scope] for scope in (WORKSPACE_SCOPE, post.channel_id) if scope in stored},
        )

    def _target_of_open_question(
        self, session: Session, actor: Actor, where: Where, now: datetime
    ) -> _Target:
        """The answer's target when a typed answer names no post (``resolve_post`` finds it)."""
        user = ensure_user(session, actor, now)
        found = self.resolve_post(session, user=user, where=where, post_id=None)
        if found is None:
            return _Target(user.id, user.dm_feedback, None, None, False, None, None)
        connection = session.connection()
        question_json = connection.execute(_QUESTION_JSON, {"question_id": found.question_id}).scalar()
        earlier = connection.execute(_EARLIER_ANSWER, {"post_id": found.id, "user_pk": user.id}).first()
        return _Target(
            user_pk=user.id,
            dm_feedback=user.dm_feedback,
            post=PostFacts.of(found),
            question_json=question_json,
            answered_before=earlier is not None,
            earlier_response=earlier.response if earlier is not None else None,
            answered_count=None,
        )

    def _record(
        self,
        session: Session,
        *,
        actor: Actor,
        where: Where,
        target: _Target,
        post: PostFacts,
        question: Question,
        result: Grade,
        response: str,
        now: datetime,
    ) -> list[Reply]:
        points = points_for(result, question.difficulty)
        day = local_day(now, post.timezone)
        matched_keys = "".join(result.matched) if question.kind in (Kind.SINGLE, Kind.MULTI) else None
        # IntegrityError here = a concurrent first answer won; the dispatcher retries the unit of work.
        session.connection().execute(
            _INSERT_ANSWER,
            {
                "post_id": post.id,
                "user_pk": target.user_pk,
                "question_id": question.id,
                "platform": post.platform,
                "workspace_id": post.workspace_id,
                "channel_id": post.channel_id,
                "answered_at": now,
                "local_date": day,
                "response": response.replace("\x00", "")[:MAX_RESPONSE_CHARS],  # PostgreSQL text holds no NUL
                "choice_keys": (matched_keys or None) and matched_keys[:30],
                "verdict": result.verdict.value,
                "score": result.score,
                "points": points,
                "self_rating": None,
            },
        )

        def active_days() -> DayPredicate:
            return schedule_predicate(
                session, platform=post.platform, workspace_id=post.workspace_id, channel_id=post.channel_id
            )

        streaks = record_answer_day(
            session,
            user_pk=target.user_pk,
            scopes=[post.channel_id, WORKSPACE_SCOPE],
            day=day,
            is_active_day=_LazyPredicate(active_days),
            seen=target.streaks,
        )
        UnitTargets.recorded(session, actor, post.id, streaks)
        is_open = result.verdict is Verdict.SELF_ASSESS
        feedback = build_feedback(
            question,
            result,
            post_id=post.id,
            points=points,
            your_answer=response,
            streak=streaks[WORKSPACE_SCOPE].current,
            review_base_url=self._options.review_base_url,
            brief=not target.dm_feedback and not is_open,
            rating_actions=SELF_RATINGS if is_open else (),
        )
        replies: list[Reply] = [self._private(actor, where, target.dm_feedback, feedback)]
        ref = self.message_ref(post)
        if post.audience == CHANNEL and ref is not None:
            # Answers already there (read with the target) plus this one; a fresh count otherwise.
            count = None if target.answered_count is None else target.answered_count + 1
            replies.append(UpdatePosted(ref, self._card(session, post, question, count)))
        return replies

    @staticmethod
    def _private(actor: Actor, where: Where, dm_feedback: bool, message: Message) -> Reply:
        return ToDirect(actor, where, message) if dm_feedback else ToUser(where, actor.user_id, message)

    @staticmethod
    def _is_closed(post: PostFacts, now: datetime) -> bool:
        return post.closed_at is not None or (post.closes_at is not None and post.closes_at <= now)

    @staticmethod
    def _closed_notice(post: PostFacts, question: Question) -> Message:
        when = min(t for t in (post.closed_at, post.closes_at) if t is not None)  # due time if earlier
        local = when.astimezone(ZoneInfo(post.timezone))
        answer = ", ".join(question.correct_keys) or correct_answer_text(question)
        text = f"This question closed at {local:%Y-%m-%d %H:%M} {post.timezone}"
        if answer:
            text += f"; the answer was {answer}"
        return info(text + ".")

    # --- self-rating ----------------------------------------------------------------------------------------

    def self_rate(
        self, session: Session, *, actor: Actor, where: Where, post_id: int, rating: str
    ) -> list[Reply]:
        """Record an open answer's self-rating, once."""
        now = utc(self._clock.now())
        user = ensure_user(session, actor, now)

        def tell(message: Message) -> list[Reply]:
            return [ToUser(where, actor.user_id, message)]

        if rating not in SELF_RATINGS:
            return tell(
                error(f"Rate yourself with one of: {', '.join(SELF_RATINGS)}.", echo=truncate(rating, 50))
            )
        row = session.scalars(
            select(AnswerRow).where(AnswerRow.post_id == post_id, AnswerRow.user_pk == user.id)
        ).first()
        if row is None:
            return tell(info("Answer the question first, then rate yourself."))
        if row.self_rating is not None or row.verdict != Verdict.SELF_ASSESS.value:
            return tell(warning("You already rated this answer:", echo=row.self_rating or row.verdict))
        question = self._question(session, row.question_id)
        if question is None:
            return tell(error("That question is no longer available."))
        result = grade_self_rating(rating)
        points = points_for(result, question.difficulty)
        changed = session.execute(
            update(AnswerRow)
            .where(AnswerRow.id == row.id, AnswerRow.self_rating.is_(None))
            .values(verdict=result.verdict.value, score=result.score, points=points, self_rating=rating)
            .execution_options(synchronize_session=False)
        )
        if not getattr(changed, "rowcount", 0):
            return tell(warning("You already rated this answer."))
        post = session.get(Post, post_id)
        is_active = schedule_predicate(
            session, platform=row.platform, workspace_id=row.workspace_id, channel_id=row.channel_id
        )
        streak = current_streak(
            session,
            user_pk=user.id,
            scope=WORKSPACE_SCOPE,
            today=local_day(now, post.timezone if post else "UTC"),
            is_active_day=is_active,
        )
        feedback = build_feedback(
            question,
            result,
            post_id=post_id,
            points=points,
            your_answer=row.response,
            streak=streak.current,
            review_base_url=self._options.review_base_url,
            brief=not user.dm_feedback,
            self_rating=rating,
        )
        return [self._private(actor, where, user.dm_feedback, feedback)]

    # --- closing --------------------------------------------------------------------------------------------

    def close_post(self, session: Session, post_id: int, now: datetime | None = None) -> list[Reply]:
        """Close a post (now) and update its card with the answer and the distribution (once)."""
        now = utc(now or self._clock.now())
        closed = session.execute(
            update(Post)
            .where(Post.id == post_id, Post.closed_at.is_(None))
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if not getattr(closed, "rowcount", 0):
            return []
        post = session.get(Post, post_id, populate_existing=True)
        if post is None:
            return []
        ref = self.message_ref(post)
        if post.audience != CHANNEL or ref is None:
            return []
        return [UpdatePosted(ref, self.card(session, post))]

    def close_due_posts(self, session: Session, now: datetime | None = None) -> list[Reply]:
        """Close every post whose ``closes_at`` has passed (the scheduler calls this)."""
        moment = utc(now or self._clock.now())
        due = session.scalars(
            select(Post.id)
            .where(Post.closed_at.is_(None), Post.closes_at.is_not(None), Post.closes_at <= moment)
            .order_by(Post.id)
        ).all()
        replies: list[Reply] = []
        for post_id in due:
            replies.extend(self.close_post(session, post_id, moment))
        return replies
