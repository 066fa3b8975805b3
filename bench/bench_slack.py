"""Slack HTTP mode under load: signed ``block_actions`` answer clicks from many simulated users.

``python -m bench.bench_slack [--quick] [--sqlite-only] [--front process|inline]``

Processes, as in production where Slack is elsewhere: the bot (the real Bolt app in HTTP mode wired to the
core by ``adapters.slack.app.build_slack_app``, on SQLite (a temporary file) or PostgreSQL (a fresh schema of
the ``test`` database)), with its HTTP front process (``adapters.slack.front``, the default) or serving HTTP
itself (``--front inline``); the fake Slack Web API (``tests/fakes/slack``), which the bot calls for every
answer's feedback DM and the coalesced card updates; and the clients, which send pre-signed clicks over
keep-alive connections with 1, 10 and 100 concurrent clients and time each ack. About 5% of the requests are
replays of an earlier click (same bytes), as a double delivery would be. All of them share this machine's
cores (and PostgreSQL's server too).

Reported per backend and concurrency:
- answers/s: answers recorded in the database per second of wall time, from the first click sent until the
  last answer committed (a poller counts the answers every 20 ms);
- with replies/s: the same until every answer's replies (feedback DM, card updates) were also sent;
- p50/p99 ack latency (the HTTP response to each click, as the client saw it);
- the ceiling measured in the same run: a no-op Bolt app (``process_before_response=True``, a listener that
  only acks) answering the same signed requests, served from a process of its own (its start-up heap
  settled, as the front's is);
- the feedback DMs the fake Slack received, and the database check after each run: every (post, user) click
  recorded exactly once, nothing lost or doubled;
- CPU milliseconds per answer of each process (the bot, its front, the fake, the clients) and per request of
  the no-op run, which show where the machine's two cores went.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.slack import ids
from adapters.slack.app import build_slack_app
from bench.bench_answers import _postgres_schema
from bench.common import print_table
from bot.app import QuizApp, build_app
from bot.clock import FakeClock
from bot.config import Settings, SlackSettings
from bot.dispatcher import run_unit
from bot.events import Where
from bot.heap import settle_startup_heap
from bot.ports import ToChannel
from bot.quiz import QuizService
from bot.storage.models import AnswerRow, Bank, Base, QuestionRow, User
from questions.model import Choice, ChoiceAnswer, Kind, Question, Source

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fakes.slack import FakeSlack, PayloadFactory, SlackRequestSender

SECRET = "bench-signing-secret"
CHANNEL = "C0BENCH001"
USERS = 100
REPLAY_SHARE = 0.05
TARGET_RATE, TARGET_P99_MS, TARGET_RATIO = 500.0, 100.0, 0.5
POLL_SECONDS = 0.02

Request = tuple[bytes, dict[str, str]]


@dataclass(frozen=True)
class ClientRun:
    """What the client process measured."""

    started: float
    finished: float
    latencies_ms: list[float]
    bad_statuses: int
    cpu_seconds: float  # the client process's own CPU time over the run


@dataclass(frozen=True)
class Row:
    backend: str
    concurrency: int
    answers: int
    rate: float
    replied_rate: float
    p50: float
    p99: float
    noop_rate: float
    noop_p99: float
    feedback: int
    lost: int
    doubled: int
    cpu_ms: dict[str, float]  # CPU milliseconds per answer, by process
    noop_cpu_ms: dict[str, float]  # CPU milliseconds per request of the no-op run, by process


def _process_cpu(pid: int | None) -> float:
    """Another process's CPU seconds so far (Linux ``/proc``; 0 when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the client process -----------------------------------------------------------------------------------


def _raw_request(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One HTTP/1.1 POST, serialised once before the clock starts."""
    parts = urlsplit(url)
    head = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "content-length"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (``Content-Length`` framed, as aiohttp answers Bolt's); its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _send_all(url: str, requests: list[Request], concurrency: int) -> ClientRun:
    """``concurrency`` keep-alive connections, each sending its next pre-serialised request as soon as the
    previous one was answered. A plain asyncio stream per connection, not an HTTP client library: the load
    generator should cost as little CPU as it can, since it shares the machine with what it measures."""
    latencies: list[float] = []
    bad = 0
    raw = [_raw_request(url, body, headers) for body, headers in requests]
    cursor = iter(raw)
    parts = urlsplit(url)

    async def worker() -> None:
        nonlocal bad
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            for request in cursor:
                t0 = time.perf_counter()
                writer.write(request)
                if await _read_response(reader) != 200:
                    bad += 1
                latencies.append((time.perf_counter() - t0) * 1000)
        finally:
            writer.close()

    started, cpu = time.time(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    finished = time.time()
    return ClientRun(started, finished, latencies, bad, time.process_time() - cpu)


def _client_main(url: str, requests: list[Request], concurrency: int, out: Any) -> None:
    out.put(asyncio.run(_send_all(url, requests, concurrency)))


async def _run_clients(url: str, requests: list[Request], concurrency: int) -> ClientRun:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_client_main, args=(url, requests, concurrency, queue))
    process.start()
    result: ClientRun = await asyncio.to_thread(queue.get)
    await asyncio.to_thread(process.join)
    return result


# --- the fake Slack process ---------------------------------------------------------------------------------


def _fake_main(conn: Any) -> None:
    asyncio.run(_serve_fake(conn))


async def _serve_fake(conn: Any) -> None:
    """Serve the fake Web API; answer the bench's questions on ``conn`` until told to stop."""
    async with FakeSlack() as fake:
        conn.send((fake.api_url, fake.bot_token))
        loop = asyncio.get_running_loop()
        while True:
            ask, arg = await loop.run_in_executor(None, conn.recv)
            if ask == "messages":
                conn.send(fake.messages(arg))
            elif ask == "cpu":
                conn.send(time.process_time())
            elif ask == "dms":  # feedback DMs delivered: chat.postMessage calls into DM channels that worked
                conn.send(
                    sum(1 for c in fake.calls("chat.postMessage") if c.ok and c.response["channel"][0] == "D")
                )
            else:
                conn.send(None)
                return


class FakeSlackProcess:
    """The fake Slack in a child process (spawned), so its work is not the bot process's."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_fake_main, args=(child,), daemon=True)
        self._process.start()
        self.api_url, self.bot_token = self._conn.recv()

    def _ask(self, ask: str, arg: Any = None) -> Any:
        self._conn.send((ask, arg))
        return self._conn.recv()

    def messages(self, channel: str) -> list[dict[str, Any]]:
        return list(self._ask("messages", channel))

    def cpu_seconds(self) -> float:
        """The fake's CPU time so far."""
        return float(self._ask("cpu"))

    def feedback_dms(self) -> int:
        return int(self._ask("dms"))

    def stop(self) -> None:
        self._ask("stop")
        self._process.join(10)


# --- the server side --------------------------------------------------------------------------------------


def _questions() -> list[Question]:
    return [
        Question(
            id=f"qsb{i}",
            kind=Kind.SINGLE,
            prompt=f"Benchmark question {i}: which option is right?\n\n```\ncode <{i}>\n```",
            choices=tuple(Choice(key=k, text=f"option {k}") for k in "ABCD"),
            answer=ChoiceAnswer(keys=("B",)),
            topic="Bench",
            source=Source(file="bench.md", line=i),
            bank="bench",
        )
        for i in range(20)
    ]


def _seed(quiz: QuizApp) -> None:
    Base.metadata.create_all(quiz.engine)
    with quiz.sessions() as s:
        s.add(Bank(name="bench", title="Bench", imported_at=quiz.services.clock.now()))
        s.flush()
        for q in _questions():
            s.add(
                QuestionRow(
                    id=q.id,
                    bank="bench",
                    kind=q.kind.value,
                    topic=q.topic,
                    data=q.model_dump(mode="json"),
                    active=True,
                    updated_at=quiz.services.clock.now(),
                )
            )
        s.commit()


def _latency(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _noop_main(api_url: str, bot_token: str, conn: Any) -> None:
    asyncio.run(_serve_noop(api_url, bot_token, conn))


async def _serve_noop(api_url: str, bot_token: str, conn: Any) -> None:
    """A Bolt app whose listener only acks, in a process of its own with its start-up heap settled, as the
    front's is: the ceiling of what Bolt itself serves here. Reports its port and CPU time on ``conn``."""
    app = AsyncApp(
        client=AsyncWebClient(token=bot_token, base_url=api_url),
        signing_secret=SECRET,
        process_before_response=True,
    )

    async def noop(ack: AsyncAck) -> None:
        await ack()

    app.action(re.compile(".*"))(noop)
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    settle_startup_heap()
    conn.send(next(int(a[1]) for a in runner.addresses if isinstance(a, tuple)))
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, conn.recv) == "cpu":
        conn.send(time.process_time())
    await runner.cleanup()


async def _noop_ceiling(
    fake: FakeSlackProcess, requests: list[Request], concurrency: int
) -> tuple[ClientRun, float]:
    """The no-op app's run on the same requests, and its process's CPU seconds over it."""
    ctx = mp.get_context("spawn")
    conn, child = ctx.Pipe()
    process = ctx.Process(target=_noop_main, args=(fake.api_url, fake.bot_token, child), daemon=True)
    process.start()
    child.close()  # the child's end lives in the child now: its exit ends our recv instead of hanging it

    async def ask(message: str | None = None) -> Any:
        if message is not None:
            conn.send(message)
        return await asyncio.to_thread(conn.recv)  # EOFError if the process died

    try:
        port = await ask()
        cpu = await ask("cpu")
        run = await _run_clients(f"http://127.0.0.1:{port}/slack/events", requests, concurrency)
        return run, await ask("cpu") - cpu
    finally:
        with contextlib.suppress(OSError):  # already gone: the error that got us here is the one to see
            conn.send("stop")
        await asyncio.to_thread(process.join, 10)
        conn.close()


async def _count_until(quiz: QuizApp, expected: int, stop: asyncio.Event) -> float | None:
    """Poll the answers table; the wall time when it first held ``expected`` answers (None if never)."""
    while True:
        count = await asyncio.to_thread(_count_answers, quiz)
        if count >= expected:
            return time.time()
        if stop.is_set():
            return None
        await asyncio.sleep(POLL_SECONDS)


def _count_answers(quiz: QuizApp) -> int:
    with quiz.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(AnswerRow)) or 0)


async def _bench_one(backend: str, url: str, concurrency: int, answers: int, front: str = "process") -> Row:
    fake = FakeSlackProcess()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        slack=SlackSettings(
            bot_token=fake.bot_token, signing_secret=SECRET, mode="http", api_base_url=fake.api_url
        ),
    )
    quiz = build_app(settings, clock=FakeClock(), rng=random.Random(0))
    try:
        _seed(quiz)
        bot = build_slack_app(settings, quiz)
        if front == "process":
            port = (await bot.start_front("127.0.0.1", 0)).port
        else:
            runner, port = await bot.start_http("127.0.0.1", 0)
        try:
            requests, expected = await _prepare(bot, quiz, fake, answers)
            dms_before = fake.feedback_dms()
            front_pid = bot.front.pid if bot.front is not None else None
            cpu_before = (time.process_time(), _process_cpu(front_pid), fake.cpu_seconds())
            stop = asyncio.Event()
            poller = asyncio.create_task(_count_until(quiz, len(expected), stop))
            run = await _run_clients(f"http://127.0.0.1:{port}/slack/events", requests, concurrency)
            await bot.drain()
            replied = time.time()
            cpu_after = (time.process_time(), _process_cpu(front_pid), fake.cpu_seconds())
            stop.set()
            recorded_at = await poller
        finally:
            if front == "process":
                await bot.stop_front()
            else:
                await runner.cleanup()
            await bot.close()
        recorded, doubled = _check(quiz, expected)
        feedback = fake.feedback_dms() - dms_before
        noop, noop_cpu = await _noop_ceiling(fake, requests, concurrency)
        noop_rate = len(requests) / (noop.finished - noop.started)
        per_answer = 1000 / max(recorded, 1)
        bot_cpu, front_cpu, fake_cpu = (
            after - before for after, before in zip(cpu_after, cpu_before, strict=True)
        )
        return Row(
            backend=backend,
            concurrency=concurrency,
            answers=recorded,
            rate=recorded / ((recorded_at or replied) - run.started),
            replied_rate=recorded / (replied - run.started),
            p50=_latency(run.latencies_ms, 0.5),
            p99=_latency(run.latencies_ms, 0.99),
            noop_rate=noop_rate * (1 - REPLAY_SHARE),  # the same share of requests are new answers
            noop_p99=_latency(noop.latencies_ms, 0.99),
            feedback=feedback,
            lost=len(expected) - recorded,
            doubled=doubled,
            cpu_ms={
                "bot": bot_cpu * per_answer,
                "front": front_cpu * per_answer,
                "fake Slack": fake_cpu * per_answer,
                "clients": run.cpu_seconds * per_answer,
            },
            noop_cpu_ms={
                "no-op Bolt": noop_cpu * 1000 / len(requests),
                "clients": noop.cpu_seconds * 1000 / len(requests),
            },
        )
    finally:
        quiz.close()
        fake.stop()


async def _prepare(
    bot: Any, quiz: QuizApp, fake: FakeSlackProcess, answers: int
) -> tuple[list[Request], set[tuple[int, str]]]:
    """Post the cards (as the scheduler does) and sign one click per (post, user), plus some replays."""
    payloads = PayloadFactory()  # the fake's default workspace
    where = Where("slack", payloads.team_id, CHANNEL)
    service = quiz.services.quiz
    posts = -(-answers // USERS)
    sender = SlackRequestSender("http://unused/", SECRET, payloads)
    requests: list[Request] = []
    expected: set[tuple[int, str]] = set()
    for i in range(posts):
        reply = run_unit(quiz.sessions, _poster(service, f"qsb{i % 20}", where))
        await bot.dispatcher.deliver([reply])
        assert reply.post_id is not None
        post_id = reply.post_id
        card = fake.messages(CHANNEL)[-1]
        for u in range(min(USERS, answers - i * USERS)):
            user = f"U{u:05d}"
            key = "B" if u % 3 else "A"
            payload = payloads.block_actions(
                card, ids.choose(post_id, key), user_id=user, user_name=f"user{u}"
            )
            signed = sender.interaction_request(payload)
            requests.append((signed.body, signed.headers))
            expected.add((post_id, user))
    rng = random.Random(1)
    rng.shuffle(requests)
    replays = rng.sample(requests, int(len(requests) * REPLAY_SHARE))
    for replay in replays:
        requests.insert(rng.randrange(len(requests)), replay)
    return requests, expected


def _poster(service: QuizService, question_id: str, where: Where) -> Callable[[Session], ToChannel]:
    return lambda s: service.post_to_channel(s, question_id=question_id, where=where, closes_at=None)


def _check(quiz: QuizApp, expected: set[tuple[int, str]]) -> tuple[int, int]:
    """(answers recorded for the expected clicks, answers beyond one per (post, user))."""
    with quiz.sessions() as s:
        rows = s.execute(
            select(AnswerRow.post_id, User.user_id, func.count())
            .join(User, User.id == AnswerRow.user_pk)
            .group_by(AnswerRow.post_id, User.user_id)
        ).all()
    recorded = sum(1 for post_id, user, _ in rows if (post_id, user) in expected)
    doubled = sum(n - 1 for _, _, n in rows if n > 1) + sum(1 for p, u, _ in rows if (p, u) not in expected)
    return recorded, doubled


async def _bench_backend(backend: str, url: str, plan: list[tuple[int, int]], front: str) -> list[Row]:
    rows = []
    for concurrency, answers in plan:
        rows.append(await _bench_one(backend, url, concurrency, answers, front))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer answers (a smoke run)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--front",
        choices=["process", "inline"],
        default="process",
        help="serve HTTP mode from the front process (the default) or from the bot's own process",
    )
    args = parser.parse_args(argv)
    scale = 1 if args.quick else 4
    plan = [(1, 150 * scale), (10, 500 * scale), (100, 500 * scale)]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for concurrency, answers in plan:
            url = f"sqlite:///{Path(tmp) / f'bench_{concurrency}.db'}"
            rows += asyncio.run(_bench_backend("SQLite", url, [(concurrency, answers)], args.front))
    if not args.sqlite_only:
        for concurrency, answers in plan:
            with _postgres_schema() as pg_url:
                if pg_url is None:
                    break
                rows += asyncio.run(
                    _bench_backend("PostgreSQL", pg_url, [(concurrency, answers)], args.front)
                )
    print_table(
        f"Slack HTTP mode (front: {args.front}): signed block_actions answer clicks (ack first, record after); "
        "answers/s = recorded in the database per second until the last was recorded",
        [
            "backend",
            "clients",
            "answers",
            "answers/s",
            "w/ replies/s",
            "p50 ms",
            "p99 ms",
            "no-op/s",
            "no-op p99",
            "ratio",
            "DMs",
            "lost",
            "doubled",
        ],
        [
            (
                r.backend,
                r.concurrency,
                r.answers,
                r.rate,
                r.replied_rate,
                r.p50,
                r.p99,
                r.noop_rate,
                r.noop_p99,
                r.rate / r.noop_rate,
                r.feedback,
                r.lost,
                r.doubled,
            )
            for r in rows
        ],
    )
    print()
    print_table(
        "CPU milliseconds per answer, by process (the no-op run: per request)",
        [
            "backend",
            "clients",
            *rows[0].cpu_ms,
            "total",
            *(f"no-op: {k}" for k in rows[0].noop_cpu_ms),
            "total",
        ],
        [
            (
                r.backend,
                r.concurrency,
                *r.cpu_ms.values(),
                sum(r.cpu_ms.values()),
                *r.noop_cpu_ms.values(),
                sum(r.noop_cpu_ms.values()),
            )
            for r in rows
        ],
    )
    print()
    for r in rows:
        verdicts = [
            f"{'ok' if r.rate >= TARGET_RATE else 'BELOW'} {TARGET_RATE:.0f}/s",
            f"{'ok' if r.p99 < TARGET_P99_MS else 'OVER'} p99<{TARGET_P99_MS:.0f}ms",
            f"{'ok' if r.rate >= TARGET_RATIO * r.noop_rate else 'BELOW'} half the ceiling",
            "ok exactly once"
            if r.lost == 0 and r.doubled == 0
            else f"FAIL lost {r.lost} doubled {r.doubled}",
        ]
        print(f"{r.backend:<10} c={r.concurrency:<3} " + ", ".join(verdicts))


if __name__ == "__main__":
    main()
