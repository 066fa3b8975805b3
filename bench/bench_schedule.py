"""Scheduled fan-out: N channels with a daily question at the same minute, posted through the real Slack port
against the fake Slack Web API (one message per second per channel, a workspace budget of B messages per
rolling minute answered with 429 + Retry-After).

    python -m bench.bench_schedule [--channels 1000] [--budget 600] [--concurrency 100] [--database-url URL]

Measures the time from the minute's ``run_due`` until every channel has its question (each exactly once,
checked on the fake's side), against the floor the limits allow: with one message per channel the
per-channel pace never binds, and the workspace budget admits B messages per minute, so the last of N
messages cannot go out before ``60 * (ceil(N / B) - 1)`` seconds. Also the bot process's peak RSS (the fake
runs in a child process so it is not counted). Targets: within 1.1x of the floor, under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parent.parent
WORKSPACE = "T0FAKE0001"


def _fake_slack(conn: Connection, budget: int, channel_per_second: float) -> None:
    """Child process: the fake Slack with rate limits; answers "counts" with per-channel postMessage counts."""
    sys.path.insert(0, str(REPO / "tests"))
    from fakes.slack import FakeSlack, RateLimits

    with FakeSlack() as fake:
        fake.set_rate_limits(
            RateLimits(channel_per_second=channel_per_second, channel_burst=1, workspace_per_minute=budget)
        )
        conn.send((fake.api_url, fake.bot_token))
        while True:
            request = conn.recv()
            if request == "counts":
                ok = Counter(str(c.args.get("channel")) for c in fake.calls("chat.postMessage", ok=True))
                conn.send((dict(ok), fake.served_429_count))
            else:
                conn.send(None)
                return


def floor_seconds(channels: int, budget: int) -> float:
    """The earliest the last of ``channels`` single messages can be accepted under the workspace budget."""
    return 60.0 * (math.ceil(channels / budget) - 1)


async def _run(args: argparse.Namespace, api_url: str, token: str) -> tuple[float, int, int, int]:
    from adapters.slack.port import SlackPort, make_client
    from bot.app import build_app
    from bot.clock import FakeClock
    from bot.config import Settings
    from bot.dispatcher import run_unit
    from bot.scheduler import RetryPolicy, Scheduler, dispatcher_delivery
    from bot.storage.models import Schedule

    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    clock = FakeClock(start)
    settings = Settings(database_url=args.database_url)
    app = build_app(settings, clock=clock)
    app.prepare()

    def add(session: Session) -> None:
        session.add_all(
            Schedule(
                kind="question",
                platform="slack",
                workspace_id=WORKSPACE,
                channel_id=f"C{i:05d}",
                time_of_day="09:00",
                weekdays="0123456",
                timezone="UTC",
                per_day=1,
                paused=False,
                created_by="U0TEACHER",
                created_at=start,
            )
            for i in range(args.channels)
        )

    run_unit(app.sessions, add)
    port = SlackPort(make_client(token, api_url, max_retries=0), update_interval=0)
    dispatcher = app.dispatcher(port)
    scheduler = Scheduler(
        app.sessions,
        clock,
        app.services,
        {"slack": dispatcher_delivery(dispatcher)},
        instance_id="bench",
        retry=RetryPolicy(attempts=12, base_delay=0.5, max_delay=30.0),
        concurrency=args.concurrency,
        charts=False,
    )
    clock.set(start + timedelta(hours=1))
    began = time.perf_counter()
    report = await scheduler.run_due()
    elapsed = time.perf_counter() - began
    await port.close()
    app.close()
    return elapsed, report.posted, report.failed, report.skipped


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=600, help="workspace messages per minute (fake Slack)")
    parser.add_argument("--per-channel", type=float, default=1.0, help="messages per second per channel")
    parser.add_argument("--concurrency", type=int, default=100, help="posts in flight at once")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    args.database_url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    fake = ctx.Process(target=_fake_slack, args=(child, args.budget, args.per_channel), daemon=True)
    fake.start()
    api_url, token = parent.recv()
    try:
        elapsed, posted, failed, skipped = asyncio.run(_run(args, api_url, token))
        parent.send("counts")
        counts, served_429 = parent.recv()
    finally:
        parent.send("stop")
        parent.recv()
        fake.join(timeout=10)
        tmp.cleanup()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    once = sum(1 for i in range(args.channels) if counts.get(f"C{i:05d}") == 1)
    floor = floor_seconds(args.channels, args.budget)
    ratio = f"{elapsed / floor:.3f}x" if floor > 0 else "n/a (no wait needed)"
    rows = [
        ("channels scheduled at 09:00", str(args.channels)),
        ("limits", f"{args.per_channel:g}/s per channel, {args.budget}/min per workspace"),
        ("posted (scheduler)", f"{posted} posted, {failed} failed, {skipped} skipped"),
        ("channels with exactly one message (fake)", f"{once} of {args.channels}"),
        ("extra messages", str(sum(counts.values()) - once)),
        ("429 answers served", str(served_429)),
        ("time until all posted", f"{elapsed:.2f} s"),
        ("floor allowed by the limits", f"{floor:.2f} s"),
        ("ratio to the floor (target <= 1.1x)", ratio),
        ("peak RSS of the bot process (target < 300 MB)", f"{peak_mb:.0f} MB"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if once != args.channels or failed:
        raise SystemExit("not every channel got exactly one message")


if __name__ == "__main__":
    main()
