"""The fake gateway (websocket): HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME, dispatches.

Wire format per Discord's Gateway docs (``?v=10&encoding=json``). With ``compress=zlib-stream`` (what
discord.py asks for unless ``zstandard`` is installed) every frame is a binary message from one shared
zlib stream, each ending in a Z_SYNC_FLUSH (``00 00 ff ff``); without it, text frames. Any other
``compress`` value (``zstd-stream``) gets plain text frames, which discord.py also reads.

A *session* (``session_id``, sequence numbers, the events sent in it) outlives its websocket: after a
drop the client may RESUME and gets the events it missed, then RESUMED. A client that closes with
1000/1001 ends its session, as on Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .world import PRIVILEGED_INTENTS, World

HELLO, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 10, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = 6, 7, 8, 9, 11, 0
REPLAY_BUFFER = 5000
INTENT_GUILD_MEMBERS = 1 << 1


class Connection:
    """One websocket: compresses and writes frames in order from a queue."""

    def __init__(self, ws: web.WebSocketResponse, *, query: dict[str, str], path: str) -> None:
        self.ws = ws
        self.path = path
        self.query = query  # v, encoding, compress as the client asked
        zlib_stream = query.get("compress") == "zlib-stream"
        self.id = uuid.uuid4().hex[:8]
        self._compressor = zlib.compressobj() if zlib_stream else None
        self._queue: asyncio.Queue[tuple[dict[str, Any], asyncio.Future[None], Callable[[], None] | None]] = (
            asyncio.Queue()
        )
        self._writer = asyncio.create_task(self._write_loop(), name=f"fake-discord-writer-{self.id}")
        self.session: Session | None = None
        self.heartbeats = 0
        self.client_close_code: int | None = None  # set when the client closed the socket
        self.server_close_code: int | None = None  # set when the fake closed it

    @property
    def closed(self) -> bool:
        """The socket is closed or closing."""
        return self.ws.closed

    def enqueue(
        self,
        frame: dict[str, Any],
        on_sent: Callable[[], None] | None = None,
        future: asyncio.Future[None] | None = None,
    ) -> asyncio.Future[None]:
        """Queue ``frame``; the future resolves once it is written (or fails if the socket went away)."""
        future = future or asyncio.get_running_loop().create_future()
        self._queue.put_nowait((frame, future, on_sent))
        return future

    async def _write_loop(self) -> None:
        while True:
            frame, future, on_sent = await self._queue.get()
            try:
                await self._send(frame)
            except Exception as exc:
                if not future.done():
                    future.set_exception(ConnectionError(f"gateway socket closed: {exc!r}"))
                continue
            if on_sent is not None:
                on_sent()
            if not future.done():
                future.set_result(None)

    async def _send(self, frame: dict[str, Any]) -> None:
        if self.ws.closed:
            raise ConnectionError("closed")
        text = json.dumps(frame)
        if self._compressor is None:
            await self.ws.send_str(text)
        else:
            data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)

    async def close(self, code: int, message: str = "") -> None:
        """Close the socket with ``code`` (4000: client should reconnect and resume)."""
        if self.server_close_code is None:
            self.server_close_code = code
        await self.ws.close(code=code, message=message.encode())

    def stop_writer(self) -> None:
        """Cancel the writer task and fail queued frames."""
        self._writer.cancel()
        while not self._queue.empty():
            _, future, _ = self._queue.get_nowait()
            if not future.done():
                future.set_exception(ConnectionError("gateway socket closed"))


@dataclass
class Session:
    """A gateway session: ``session_id``, sequence, sent events (for RESUME), the current connection."""

    session_id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    # events dispatched while no socket was attached: seq -> (future, on_sent), sent on RESUME
    unsent: dict[int, tuple[asyncio.Future[None], Callable[[], None] | None]] = field(default_factory=dict)
    connection: Connection | None = None
    ready: bool = False
    ended: bool = False
    resumes: int = 0

    @property
    def live(self) -> bool:
        """Connected and not ended."""
        return not self.ended and self.connection is not None and not self.connection.closed


class Gateway:
    """Accepts websocket clients, runs their sessions, and dispatches events to the current session."""

    def __init__(
        self,
        world: World,
        *,
        token: str,
        application_id: int,
        application_flags: int,
        heartbeat_interval_ms: int,
        allowed_privileged_intents: int,
        resume_url: Callable[[], str],
    ) -> None:
        self.world = world
        self.token = token
        self.application_id = application_id
        self.application_flags = application_flags
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = allowed_privileged_intents
        self._resume_url = resume_url
        self.sessions: list[Session] = []
        self.connections: list[Connection] = []
        self.received: list[dict[str, Any]] = []  # every frame clients sent (op, d)
        self.close_codes: list[int] = []  # codes the fake closed sockets with
        self._changed = asyncio.Event()

    # --- websocket handler ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the gateway URL (and the resume URL)."""
        ws = web.WebSocketResponse(autoclose=True, max_msg_size=0)
        await ws.prepare(request)
        query = request.query
        conn = Connection(ws, query=dict(query), path=request.path)
        self.connections.append(conn)
        try:
            if query.get("v") != "10":
                await self._close(conn, 4012, "Invalid API version")
                return ws
            if query.get("encoding", "json") != "json":
                await self._close(conn, 4002, "Decode error: only json encoding is supported by the fake")
                return ws
            conn.enqueue(
                {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
            )
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    await self._on_frame(conn, msg.data)
                elif msg.type is aiohttp.WSMsgType.BINARY:
                    await self._close(conn, 4002, "Decode error")
                elif msg.type is aiohttp.WSMsgType.ERROR:
                    break
            if conn.server_close_code is None:
                conn.client_close_code = ws.close_code
        finally:
            conn.stop_writer()
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if conn.client_close_code in (1000, 1001):
                    session.ended = True
            self._changed.set()
        return ws

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        self.close_codes.append(code)
        await conn.close(code, reason)

    async def _on_frame(self, conn: Connection, text: str) -> None:
        try:
            frame = json.loads(text)
            op = frame["op"]
        except (ValueError, KeyError, TypeError):
            await self._close(conn, 4002, "Decode error")
            return
        data = frame.get("d")
        self.received.append({"op": op, "d": data, "connection": conn.id})
        if op == HEARTBEAT:
            conn.heartbeats += 1
            conn.enqueue({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await self._close(conn, 4003, "Not authenticated.")
        elif op == REQUEST_GUILD_MEMBERS:
            self._members_chunk(conn.session, data or {})
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            pass
        else:
            await self._close(conn, 4001, "Unknown opcode.")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await self._close(conn, 4005, "Already authenticated.")
            return
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await self._close(conn, 4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await self._close(conn, 4014, "Disallowed intent(s).")
            return
        session = Session(session_id=uuid.uuid4().hex, intents=intents, shard=data.get("shard"))
        session.connection = conn
        conn.session = session
        self.sessions.append(session)
        ready = {
            "v": 10,
            "user": self.world.bot.payload(),
            "guilds": [{"id": str(g), "unavailable": True} for g in self.world.guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self._resume_url(),
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "auth": {},
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        self.dispatch("READY", ready, session=session)
        all_members = bool(intents & INTENT_GUILD_MEMBERS)
        futures = [
            self.dispatch(
                "GUILD_CREATE", self.world.guild_create_payload(g, all_members=all_members), session=session
            )
            for g in self.world.guilds.values()
        ]
        for future in futures:
            with contextlib.suppress(ConnectionError):
                await future
        session.ready = True
        self._changed.set()

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        session = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        if session is None or session.ended or session.live:
            conn.enqueue({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        session.connection = conn
        session.resumes += 1
        conn.session = session
        seq = int(data.get("seq") or 0)
        for frame in session.events:
            if frame["s"] > seq:
                future, on_sent = session.unsent.pop(frame["s"], (None, None))
                conn.enqueue(frame, on_sent, future)
        self.dispatch("RESUMED", {}, session=session)
        self._changed.set()

    def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild = self.world.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        members = [self.world.member_payload(guild, uid) for uid in guild.members]
        wanted = data.get("user_ids")
        if wanted:
            ids = {str(u) for u in (wanted if isinstance(wanted, list) else [wanted])}
            members = [m for m in members if m["user"]["id"] in ids]
        chunk = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "presences": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self.dispatch("GUILD_MEMBERS_CHUNK", chunk, session=session)

    # --- dispatching ------------------------------------------------------------------------------------

    def current_session(self) -> Session | None:
        """The session that gets events: the newest live one, else the newest resumable one."""
        for session in reversed(self.sessions):
            if session.live and session.ready:
                return session
        for session in reversed(self.sessions):
            if not session.ended and session.ready:
                return session
        return None

    def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        session: Session | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> asyncio.Future[None]:
        """Send an op-0 dispatch in ``session`` (default: the current one). A session without a socket
        keeps the event for RESUME; the returned future then resolves when it is replayed."""
        session = session or self.current_session()
        if session is None:
            raise RuntimeError("no gateway session: has the bot connected and identified?")
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.events.append(frame)
        del session.events[:-REPLAY_BUFFER]
        if session.connection is not None and not session.connection.closed:
            return session.connection.enqueue(frame, on_sent)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        session.unsent[session.seq] = (future, on_sent)
        return future

    # --- run control ---------------------------------------------------------------------------------------

    async def wait_for_session(self, *, after: int = 0, timeout: float = 10.0) -> Session:
        """The first session identified after the first ``after`` ones, once READY and its
        GUILD_CREATEs went out."""
        deadline = time.monotonic() + timeout
        while True:
            ready = [s for s in self.sessions[after:] if s.ready]
            if ready:
                return ready[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no client identified on the fake gateway")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_resume(self, session: Session, *, resumes: int = 1, timeout: float = 10.0) -> None:
        """Until ``session`` was resumed ``resumes`` times in all."""
        deadline = time.monotonic() + timeout
        while session.resumes < resumes or not session.live:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the client did not resume its gateway session")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every live socket with ``code`` (4000 keeps sessions resumable; 4004/4010-4014 are fatal)."""
        for conn in list(self.connections):
            if not conn.closed:
                await self._close(conn, code, "fake gateway dropped the connection")

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT on every live socket (the client reconnects and resumes)."""
        for conn in self.connections:
            if not conn.closed:
                conn.enqueue({"op": RECONNECT, "d": None, "s": None, "t": None})

    def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION on every live socket; non-resumable ends the sessions."""
        for conn in self.connections:
            if not conn.closed:
                if not resumable and conn.session is not None:
                    conn.session.ended = True
                conn.enqueue({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def close(self) -> None:
        """Close every socket (going away)."""
        for conn in list(self.connections):
            if not conn.closed:
                await conn.close(1001, "fake shutting down")
            conn.stop_writer()
