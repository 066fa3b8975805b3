"""The HTTP front: Slack's HTTP mode served from its own process, so acks never queue behind answer work.

The bot's process records answers, sends DMs and updates cards; all of that costs CPU on its event loop,
and in one process a burst of clicks makes each ack wait for it (``bench/bench_slack.py``). With the front
(``QUIZMASTER_SLACK__HTTP_FRONT=process``, the default in HTTP mode) a child process runs the same Bolt app
and listeners (``adapters.slack.listeners``: verify, ack, translate) and writes each job to a pipe; the
bot's process reads the pipe and does the jobs (``SlackWork.submit``). The child opens no database and
calls no Web API except Bolt's own ``auth.test``; on a second core the two processes run side by side.

Pipe protocol (both directions are frames: a 4-byte big-endian length, then a pickle; both ends are this
module, one parent and its own child): the parent sends a ``FrontConfig`` first; the child answers
``Ready(port)`` once it listens, then a ``Job`` per acked request; the parent may send ``Flush(n)``, which
the child answers with ``Flushed(n)`` after every job acked before it. When its stdin closes the child stops
listening, finishes the requests in flight, writes their jobs and exits; the parent reads to the end of the
pipe, so no acked request is lost on shutdown.
The parent unpickles the child's frames with an allow-list (``Ready``, ``Flushed``, the jobs and the core
events and picked files they carry), so even a compromised front cannot make the bot's process build anything
else; a frame that cannot be read is logged and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import pickle
import signal
import struct
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, get_args

from adapters.slack.http import serve_http
from adapters.slack.jobs import Job, JobSink, SlackFile
from adapters.slack.listeners import EVENTS_PATH, bolt_app
from adapters.slack.port import make_client
from bot.config import SlackSettings
from bot.events import Actor, Event, Where
from bot.heap import settle_startup_heap

log = logging.getLogger(__name__)

HEADER = struct.Struct(">I")
START_TIMEOUT = 60.0
RESTART_DELAY = 1.0
PROJECT_ROOT = str(Path(__file__).resolve().parents[2])  # where ``-m adapters.slack.front`` is found


@dataclass(frozen=True)
class FrontConfig:
    """What the child needs: the Slack settings, where to listen, how to log."""

    slack: SlackSettings
    host: str
    port: int
    log_level: str = "INFO"


@dataclass(frozen=True)
class Ready:
    """The child listens on ``port``."""

    port: int


@dataclass(frozen=True)
class Flush:
    """Parent to child: answer ``Flushed(n)`` after the jobs acked so far."""

    n: int


@dataclass(frozen=True)
class Flushed:
    """Child to parent: every job acked before ``Flush(n)`` is already in the pipe."""

    n: int


_CHILD_CLASSES: dict[tuple[str, str], type] = {
    (cls.__module__, cls.__qualname__): cls
    for cls in (Ready, Flushed, Actor, Where, SlackFile, *get_args(Job), *get_args(Event))
}


@dataclass(frozen=True)
class BadFrame:
    """A frame that could not be read back (logged and skipped: the framing itself is intact)."""

    error: str


class _ChildFrames(pickle.Unpickler):
    """Unpickles only what a front sends (``Ready``, ``Flushed``, jobs and the core events they carry), so
    the process that faces the internet cannot make the bot's process build anything else."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _CHILD_CLASSES[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not something the Slack front sends") from None


def frame(item: object) -> bytes:
    """One frame: length header, then the pickle."""
    data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


async def read_frame(reader: asyncio.StreamReader, *, from_child: bool = False) -> object | None:
    """The next frame's object (``BadFrame`` when it cannot be read back); None at the end of the pipe.
    ``from_child``: only the classes a front sends are accepted."""
    try:
        header = await reader.readexactly(HEADER.size)
        (size,) = HEADER.unpack(header)
        data = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        return None
    try:
        if from_child:
            return _ChildFrames(io.BytesIO(data)).load()
        return pickle.loads(data)  # the parent's own frames (configuration, flushes)
    except Exception as exc:  # any unpickling failure: skip the frame, keep the pipe
        return BadFrame(repr(exc))


class HttpFront:
    """The parent's handle on the front process: starts it, hands its jobs to ``sink``, restarts it if it
    dies, stops it."""

    def __init__(self, config: FrontConfig, sink: JobSink) -> None:
        self._config = config
        self._sink = sink
        self.port = config.port
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._flushes: dict[int, asyncio.Future[None]] = {}
        self._next_flush = 0
        self._supervisor: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls, slack: SlackSettings, sink: JobSink, host: str, port: int, log_level: str = "INFO"
    ) -> HttpFront:
        """Start the front listening on ``host:port`` (0: any free port); returns once it listens."""
        front = cls(FrontConfig(slack, host, port, log_level), sink)
        process = await front._spawn()
        front._supervisor = asyncio.get_running_loop().create_task(front._supervise(process))
        return front

    @property
    def pid(self) -> int | None:
        """The front process's id (None before it started)."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether a front process is up (False while one is being started again)."""
        return self._process is not None and self._process.returncode is None

    async def _spawn(self) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [PROJECT_ROOT, os.environ.get("PYTHONPATH")])),
            },
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(frame(replace(self._config, port=self.port)))
            await process.stdin.drain()
            ready = await asyncio.wait_for(read_frame(process.stdout, from_child=True), START_TIMEOUT)
        except BaseException:  # a broken pipe, a timeout, or we were cancelled: leave no process behind
            await _reap(process)
            raise
        if not isinstance(ready, Ready):
            code = await _reap(process)
            raise RuntimeError(f"the Slack HTTP front did not start (exit code {code})")
        self.port = ready.port  # a restart listens on the same port
        self._process = process
        return process

    async def _supervise(self, process: asyncio.subprocess.Process) -> None:
        while True:
            await self._pump(process)
            code = await process.wait()
            self._fail_flushes()
            if self._stopping:
                return
            log.error("the Slack HTTP front exited (code %s); starting it again", code)
            while True:
                await asyncio.sleep(RESTART_DELAY)
                if self._stopping:
                    return
                try:
                    process = await self._spawn()
                    break
                except (OSError, RuntimeError):
                    log.exception("could not restart the Slack HTTP front")
            if self._stopping and process.stdin is not None:  # stop() came while it was starting
                process.stdin.close()

    async def _pump(self, process: asyncio.subprocess.Process) -> None:
        """Hand the process's jobs to the sink until its pipe ends."""
        assert process.stdout is not None
        while (item := await read_frame(process.stdout, from_child=True)) is not None:
            if isinstance(item, BadFrame):
                log.error("skipped a frame from the Slack HTTP front that could not be read: %s", item.error)
                continue
            if isinstance(item, Flushed):
                future = self._flushes.pop(item.n, None)
                if future is not None and not future.done():
                    future.set_result(None)
                continue
            if not isinstance(item, Job):
                log.warning("ignored an unexpected %s from the Slack HTTP front", type(item).__name__)
                continue
            try:
                self._sink(item)
            except Exception:
                log.exception("could not start a job from the Slack HTTP front")

    def _fail_flushes(self) -> None:
        for future in self._flushes.values():
            if not future.done():
                future.set_exception(RuntimeError("the Slack HTTP front exited"))
        self._flushes.clear()

    async def flush(self) -> None:
        """Return once every request acked so far has been handed to the sink."""
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return
        self._next_flush += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._flushes[self._next_flush] = future
        try:
            process.stdin.write(frame(Flush(self._next_flush)))
            await process.stdin.drain()
        except BaseException:
            self._flushes.pop(self._next_flush, None)
            raise
        await future

    async def stop(self) -> None:
        """Stop listening, hand every acked request's job to the sink, and wait for the process to end."""
        self._stopping = True
        process = self._process
        if process is not None and process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()
        if self._supervisor is not None:
            await self._supervisor


async def _reap(process: asyncio.subprocess.Process) -> int:
    """Kill ``process`` (if it still runs) and wait for it; its exit code."""
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    return await process.wait()


# --- the child -------------------------------------------------------------------------------------------


async def _child(config: FrontConfig, stdin: asyncio.StreamReader, out: asyncio.WriteTransport) -> None:
    def sink(job: Job) -> None:
        out.write(frame(job))

    slack = config.slack
    if not slack.bot_token:  # build_slack_app refuses this before a front is ever started
        raise SystemExit("the Slack HTTP front needs the bot token")
    app = bolt_app(make_client(slack.bot_token, slack.api_base_url), slack, sink)
    runner, port = await serve_http(app.web_app(path=EVENTS_PATH), config.host, config.port)
    settle_startup_heap()
    out.write(frame(Ready(port)))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # the parent decides when the front stops
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, lambda: None)
    try:
        while (item := await read_frame(stdin)) is not None:
            if isinstance(item, Flush):
                out.write(frame(Flushed(item.n)))
    finally:
        await runner.cleanup()  # stop listening; requests in flight finish (and write their jobs)
        while out.get_write_buffer_size():
            await asyncio.sleep(0.01)
        out.close()


async def child_main() -> None:
    """The front process: read the configuration, serve, write jobs until stdin closes."""
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin.buffer)
    config = await read_frame(stdin)
    if not isinstance(config, FrontConfig):
        raise SystemExit("the Slack HTTP front expects its configuration on stdin")
    logging.basicConfig(level=config.log_level, stream=sys.stderr, format="%(levelname)s front %(message)s")
    pipe = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not corrupt the pipe
    out, _ = await loop.connect_write_pipe(asyncio.Protocol, pipe)
    await _child(config, stdin, out)


if __name__ == "__main__":
    from adapters.slack import front  # this file imported under its own name, so pickled classes match

    asyncio.run(front.child_main())
