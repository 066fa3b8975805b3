"""Instructor commands: what the dispatcher hands over after its permission check (``is_instructor``).

``/quiz schedule ...`` / ``/quiz unschedule ID`` (``bot.schedules``), ``/quiz sprint ...`` (``bot.sprints``),
``/quiz close`` (close the channel's latest open question now), ``/quiz post [TOPIC]`` (post a question to
the channel now), ``/quiz reset leaderboard [channel] [confirm]`` (a new leaderboard season,
``bot.seasons``; without ``confirm`` it only says what it would do) and ``/quiz team link NAME GROUP`` /
``/quiz team unlink NAME`` (a team that follows a platform group, ``bot.team_groups``). ``/quiz import``
without a file says how to attach one (the adapters turn an attached file into ``BankUploaded``). Every
change commits with the event's unit of work; ``on_change`` (the scheduler's ``rebuild_soon``) runs after
that commit so the timer is rebuilt from what was stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot import commands as cmd
from bot.events import Actor, Where
from bot.messages import Message, Notice, error, info, warning
from bot.occurrences import ScheduleSpec, next_fire, slot_times
from bot.ports import Reply, ToUser
from bot.quiz import utc
from bot.schedules import (
    CreateSchedule,
    ScheduleAction,
    ScheduleError,
    create_schedule,
    delete_schedule,
    describe,
    describe_days,
    list_schedules,
    parse_schedule,
    parse_unschedule,
    resolve_target,
    set_paused,
)
from bot.seasons import ResetError, ResetRequest, parse_reset, reset_words, start_season
from bot.services import Services
from bot.sprints import (
    CreateSprint,
    cancel_sprint,
    create_sprint,
    find_sprint,
    parse_sprint,
    readiness_report,
)
from bot.storage.models import Post, Sprint
from bot.streaks import zone
from bot.team_groups import GROUP_FORMS, BadGroup, parse_group, split_link

IMPORT_HINT = (
    "Attach the Markdown quiz to `/quiz import` (Discord: its file option; Slack: the form it opens), "
    "or run `quizmaster questions import FILE` on the bot's host."
)


class InstructorHandler:
    """Runs instructor commands in the dispatcher's unit of work (``bot.dispatcher.InstructorHandler``)."""

    def __init__(
        self,
        services: Services,
        *,
        default_timezone: str = "UTC",
        review_base_url: str | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._services = services
        self._default_tz = default_timezone
        self._review_base_url = review_base_url
        self.on_change = on_change

    def __call__(
        self, session: Session, command: cmd.InstructorCommand, actor: Actor, where: Where
    ) -> list[Reply]:
        def tell(message: Message) -> list[Reply]:
            return [ToUser(where, actor.user_id, message)]

        try:
            if command.verb == "schedule":
                return tell(self._schedule(session, parse_schedule(command.args), actor, where))
            if command.verb == "unschedule":
                return tell(self._schedule(session, parse_unschedule(command.args), actor, where))
            if command.verb == "sprint":
                return self._sprint(session, command.args, actor, where)
            if command.verb == "close":
                return self._close(session, actor, where)
            if command.verb == "post":
                topic = cmd.clean_name(command.args, cmd.MAX_TOPIC_CHARS) or None
                return self._services.quiz.ask(session, actor=actor, where=where, topic=topic, here=True)
            if command.verb == "reset":
                return tell(self._reset(session, parse_reset(command.args), actor, where))
            if command.verb == "import":
                return tell(warning(IMPORT_HINT))
            if command.verb == "team":
                return tell(self._team(session, command.args, actor))
        except ScheduleError as exc:
            return tell(error(str(exc)))
        except ResetError as exc:
            return tell(error(str(exc), echo=exc.echo))
        return tell(warning(f"/quiz {command.verb} is done with the command line: `quizmaster --help`."))

    def _topic_in(self, where: Where) -> Callable[[Session, str], str | None]:
        """The topic matcher of the banks ``where``'s workspace sees."""
        quiz = self._services.quiz
        return lambda session, typed: quiz.match_topic(session, where, typed)

    def _changed(self, session: Session) -> None:
        callback = self.on_change
        if callback is not None:
            event.listen(session, "after_commit", lambda _s: callback(), once=True)

    # --- schedules ------------------------------------------------------------------------------------------

    def _schedule(
        self, session: Session, request: CreateSchedule | ScheduleAction, actor: Actor, where: Where
    ) -> Notice:
        now = utc(self._services.clock.now())
        scope = {"platform": where.platform, "workspace_id": where.workspace_id}
        if isinstance(request, CreateSchedule):
            topic, bank = resolve_target(session, request, where, self._topic_in(where))
            row = create_schedule(
                session,
                request,
                where=where,
                owner=actor.user_id,
                now=now,
                default_timezone=self._default_tz,
                topic=topic,
                bank=bank,
            )
            self._changed(session)
            first = next_fire(ScheduleSpec.of(row), now - timedelta(microseconds=1))
            when = f" First post: {first.astimezone(zone(row.timezone)):%a %Y-%m-%d %H:%M}." if first else ""
            return info(f"Scheduled {describe(row)}.{when}")
        if request.action == "list":
            rows = list_schedules(session, **scope)
            if not rows:
                return info("No schedules yet: `/quiz schedule daily 09:00` posts a question every morning.")
            return info("Schedules:\n" + "\n".join(describe(row) for row in rows))
        assert request.schedule_id is not None
        if request.action in ("pause", "resume"):
            row = set_paused(session, request.schedule_id, request.action == "pause", **scope)
            self._changed(session)
            return info(f"{'Paused' if row.paused else 'Resumed'} {describe(row)}.")
        row = delete_schedule(session, request.schedule_id, **scope)
        self._changed(session)
        return info(
            f"Deleted schedule #{request.schedule_id} ({describe_days(row.weekdays)} at {row.time_of_day})."
        )

    # --- sprints --------------------------------------------------------------------------------------------

    def _sprint(self, session: Session, args: str, actor: Actor, where: Where) -> list[Reply]:
        request = parse_sprint(args)
        now = utc(self._services.clock.now())

        def tell(message: Message) -> list[Reply]:
            return [ToUser(where, actor.user_id, message)]

        if isinstance(request, CreateSprint):
            sprint, schedule = create_sprint(
                session,
                request,
                where=where,
                owner=actor.user_id,
                now=now,
                default_timezone=self._default_tz,
                match_topic=self._topic_in(where),
            )
            self._changed(session)
            times = ", ".join(f"{t:%H:%M}" for t in slot_times(ScheduleSpec.of(schedule, sprint)).values())
            days = (sprint.until - sprint.starts_on).days + 1
            return tell(
                info(
                    f"Sprint created: {sprint.per_day} question{'s' if sprint.per_day != 1 else ''} a day at "
                    f"{times} {schedule.timezone} on {', '.join(sprint.topics)}, {sprint.starts_on} to "
                    f"{sprint.until} ({days} days). The readiness report comes to you on the last day.",
                    echo=sprint.name,
                )
            )
        if request.action == "list":
            sprints = session.scalars(
                select(Sprint)
                .where(Sprint.platform == where.platform, Sprint.workspace_id == where.workspace_id)
                .order_by(Sprint.until)
            ).all()
            if not sprints:
                return tell(info("No sprints yet."))
            lines = [
                f"{s.name}: {', '.join(s.topics)}, {s.per_day} a day until {s.until} in #{s.channel_id}"
                for s in sprints
            ]
            return tell(info("Sprints:\n" + "\n".join(lines)))
        assert request.name is not None
        found = find_sprint(session, where.platform, where.workspace_id, request.name)
        if found is None:
            raise ScheduleError("There is no sprint by that name: `/quiz sprint list` lists them.")
        if request.action == "report":
            return tell(readiness_report(session, found, review_base_url=self._review_base_url))
        cancel_sprint(session, found)
        self._changed(session)
        return tell(info("Sprint cancelled:", echo=found.name))

    # --- seasons --------------------------------------------------------------------------------------------

    def _reset(self, session: Session, request: ResetRequest, actor: Actor, where: Where) -> Notice:
        """Without ``confirm``: what a reset would do; with it, a new season (``bot.seasons``)."""
        words = reset_words("this channel" if request.channel else None)
        if not request.confirm:
            again = "/quiz reset leaderboard " + ("channel confirm" if request.channel else "confirm")
            return warning(
                f"This would start a new leaderboard season: {words.boards} would count only answers from "
                f"now on, and {words.streaks} would restart (best streaks are kept).{words.untouched} "
                "No answer is deleted: the answer history and the `/quiz me` totals stay. Nothing has "
                f"changed yet; to go ahead: `{again}`."
            )
        started = start_season(
            session,
            platform=where.platform,
            workspace_id=where.workspace_id,
            channel_id=where.channel_id if request.channel else None,
            started_by=actor.user_id,
            now=utc(self._services.clock.now()),
        )
        when = started.started_at.astimezone(zone(self._default_tz))
        return info(
            f"New leaderboard season started {when:%Y-%m-%d %H:%M} {self._default_tz}: {words.boards} now "
            f"count only answers from this moment on, and {words.streaks} restarted (best streaks are "
            f"kept).{words.untouched} History is kept: no answer was deleted and the `/quiz me` totals are "
            "unchanged."
        )

    # --- teams that follow platform groups ------------------------------------------------------------------

    def _team(self, session: Session, args: str, actor: Actor) -> Notice:
        """``link NAME GROUP`` or ``unlink NAME``."""
        action, *rest = args.split(" ")
        players = self._services.players
        if action.casefold() == "unlink":
            return players.unlink_team(session, actor, " ".join(rest))
        if action.casefold() != "link":
            return error("Use `/quiz team link NAME GROUP` or `/quiz team unlink NAME`.")
        name, group_text = split_link(rest)
        if not name or not group_text:
            return error(f"Use `/quiz team link NAME GROUP`: GROUP is {GROUP_FORMS}.")
        try:
            group = parse_group(group_text)
        except BadGroup as exc:
            return error(str(exc), echo=group_text)
        return players.link_team(session, actor, name, group)

    # --- posts ----------------------------------------------------------------------------------------------

    def _close(self, session: Session, actor: Actor, where: Where) -> list[Reply]:
        """Close the channel's latest open question now: its card shows the answer; the instructor is told."""
        post_id = session.scalars(
            select(Post.id)
            .where(
                Post.platform == where.platform,
                Post.workspace_id == where.workspace_id,
                Post.channel_id == where.channel_id,
                Post.audience == "channel",
                Post.closed_at.is_(None),
            )
            .order_by(Post.posted_at.desc(), Post.id.desc())
            .limit(1)
        ).first()
        if post_id is None:
            return [ToUser(where, actor.user_id, info("No question is open in this channel."))]
        closed = self._services.quiz.close_post(session, post_id)
        told = info(f"Closed question #{post_id}: its card now shows the answer.")
        return [*closed, ToUser(where, actor.user_id, told)]
