"""Self-tests of the fake Discord: its pure validator, its REST and gateway wire behaviour (raw aiohttp
clients), and the real discord.py client driven end to end against it.

If these pass, a failure in a Discord adapter test that uses the fake is the adapter's, not the fake's.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.fakes.discord import (
    FakeDiscord,
    FieldError,
    discord_py_pointed_at,
    form_error_body,
    validate_autocomplete,
    validate_commands,
    validate_message,
    validate_modal,
)

# ---------------------------------------------------------------------------------------------------
# pure validator
# ---------------------------------------------------------------------------------------------------


def _button(custom_id: str = "b1", label: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label, **extra}


def _row(*children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(children)}


def _select(custom_id: str = "s1", n: int = 3, **extra: Any) -> dict[str, Any]:
    options = [{"label": f"Option {i}", "value": f"v{i}"} for i in range(n)]
    return {"type": 3, "custom_id": custom_id, "options": options, **extra}


def _paths(errors: list[FieldError]) -> set[str]:
    return {e.dotted for e in errors}


def test_a_full_but_legal_message_passes() -> None:
    rows = [_row(*[_button(f"r{r}b{b}", "x" * 80) for b in range(5)]) for r in range(4)]
    rows.append(_row(_select("pick", 25, max_values=25, min_values=0)))
    body = {
        "content": "q" * 2000,
        "embeds": [{"title": "t" * 256, "description": "d" * 4096, "footer": {"text": "f" * 100}}],
        "components": rows,
        "allowed_mentions": {"parse": []},
    }
    assert validate_message(body) == []


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embeds": [{"title": "t"}] * 11}, "embeds"),
        ({"embeds": [{"title": "t" * 257}]}, "embeds.0.title"),
        ({"embeds": [{"description": "d" * 4097}]}, "embeds.0.description"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "embeds.0.fields.0.value"),
        ({"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]}, "embeds.0.fields.0.name"),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "embeds.0.footer.text"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, "embeds.0.author.name"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "embeds"),
        ({"components": [_row(_button(f"b{i}")) for i in range(6)]}, "components"),
        ({"components": [_row(*[_button(f"b{i}") for i in range(6)])]}, "components.0.components"),
        ({"components": [_row(_select(), _button())]}, "components.0.components"),
        ({"components": [_row(_button(label="x" * 81))]}, "components.0.components.0.label"),
        ({"components": [_row(_button(custom_id="c" * 101))]}, "components.0.components.0.custom_id"),
        ({"components": [_row(_button(custom_id=""))]}, "components.0.components.0.custom_id"),
        (
            {"components": [_row(_button("same")), _row(_button("same"))]},
            "components.1.components.0.custom_id",
        ),
        ({"components": [_row({"type": 2, "style": 5, "label": "Docs"})]}, "components.0.components.0.url"),
        (
            {
                "components": [
                    _row({"type": 2, "style": 5, "label": "D", "url": "https://x.test", "custom_id": "c"})
                ]
            },
            "components.0.components.0.custom_id",
        ),
        ({"components": [_row(_button(label="", emoji=None))]}, "components.0.components.0.label"),
        ({"components": [_row(_select(n=26))]}, "components.0.components.0.options"),
        ({"components": [_row(_select(n=0))]}, "components.0.components.0.options"),
        ({"components": [_row(_select(n=3, max_values=4))]}, "components.0.components.0.max_values"),
        ({"components": [_row(_select(n=3, max_values=26))]}, "components.0.components.0.max_values"),
        (
            {"components": [_row(_select(n=3, min_values=3, max_values=2))]},
            "components.0.components.0.min_values",
        ),
        (
            {
                "components": [
                    _row({"type": 3, "custom_id": "s", "options": [{"label": "l" * 101, "value": "v"}]})
                ]
            },
            "components.0.components.0.options.0.label",
        ),
        (
            {
                "components": [
                    _row({"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "v"}] * 2})
                ]
            },
            "components.0.components.0.options.1.value",
        ),
        (
            {"components": [_row(_select(options=[{"label": "l", "value": "v", "description": "d" * 101}]))]},
            "components.0.components.0.options.0.description",
        ),
        (
            {"components": [{"type": 2, "style": 1, "custom_id": "x", "label": "not in a row"}]},
            "components.0.type",
        ),
        ({"allowed_mentions": {"parse": ["users"], "users": ["1"]}}, "allowed_mentions.users"),
        ({"allowed_mentions": {"parse": ["all"]}}, "allowed_mentions.parse.0"),
    ],
)
def test_message_limits_are_rejected_at_the_offending_path(body: dict[str, Any], path: str) -> None:
    assert path in _paths(validate_message(body))


def _modal(*components: dict[str, Any], title: str = "Answer") -> dict[str, Any]:
    return {"custom_id": "m1", "title": title, "components": list(components)}


def _text_input(custom_id: str = "t1", label: str | None = "Your answer", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"type": 4, "custom_id": custom_id, "style": 1, **extra}
    if label is not None:
        data["label"] = label
    return data


def test_modal_limits() -> None:
    assert validate_modal(_modal(_row(_text_input()), title="t" * 45)) == []
    labelled = {"type": 18, "label": "Why?", "component": _text_input("t2", label=None, max_length=4000)}
    assert validate_modal(_modal(_row(_text_input()), labelled, {"type": 10, "content": "Read this"})) == []
    assert "title" in _paths(validate_modal(_modal(_row(_text_input()), title="t" * 46)))
    assert "components" in _paths(validate_modal(_modal(*[_row(_text_input(f"t{i}")) for i in range(6)])))
    assert "components.0.components" in _paths(
        validate_modal(_modal(_row(_text_input("a"), _text_input("b"))))
    )
    assert "components.0.components.0.label" in _paths(
        validate_modal(_modal(_row(_text_input(label="l" * 46))))
    )
    assert "components.0.components.0.max_length" in _paths(
        validate_modal(_modal(_row(_text_input(max_length=4001))))
    )
    assert "components.0.components.0.type" in _paths(validate_modal(_modal(_row(_button()))))
    assert "components.1.components.0.custom_id" in _paths(
        validate_modal(_modal(_row(_text_input("same")), _row(_text_input("same"))))
    )
    assert "custom_id" in _paths(validate_modal({"title": "x", "components": [_row(_text_input())]}))


def test_autocomplete_and_command_limits() -> None:
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(25)]
    assert validate_autocomplete({"choices": choices}) == []
    assert "choices" in _paths(validate_autocomplete({"choices": [*choices, {"name": "x", "value": "y"}]}))
    assert "choices.0.name" in _paths(validate_autocomplete({"choices": [{"name": "n" * 101, "value": "v"}]}))

    good = {
        "name": "quiz",
        "description": "Quiz commands",
        "options": [
            {"type": 1, "name": "next", "description": "Next question", "options": []},
            {
                "type": 2,
                "name": "deck",
                "description": "Decks",
                "options": [
                    {
                        "type": 1,
                        "name": "use",
                        "description": "Use a deck",
                        "options": [
                            {
                                "type": 3,
                                "name": "name",
                                "description": "Deck",
                                "required": True,
                                "autocomplete": True,
                            },
                            {"type": 4, "name": "count", "description": "How many", "min_value": 1},
                        ],
                    }
                ],
            },
        ],
    }
    assert validate_commands([good]) == []
    assert "0.name" in _paths(validate_commands([{**good, "name": "Quiz"}]))
    assert "0.description" in _paths(validate_commands([{**good, "description": "d" * 101}]))
    assert "1.name" in _paths(validate_commands([good, good]))
    late_required = {
        "name": "ask",
        "description": "Ask",
        "options": [
            {"type": 3, "name": "a", "description": "a"},
            {"type": 3, "name": "b", "description": "b", "required": True},
        ],
    }
    assert "0.options.1.required" in _paths(validate_commands([late_required]))
    many_choices = {
        "name": "pick",
        "description": "Pick",
        "options": [
            {"type": 3, "name": "c", "description": "c", "choices": [*choices, {"name": "z", "value": "z"}]}
        ],
    }
    assert "0.options.0.choices" in _paths(validate_commands([many_choices]))
    assert "" in _paths(validate_commands([{"name": f"c{i}", "description": "d"} for i in range(101)]))


def test_form_error_body_nests_like_discord() -> None:
    errors = [
        FieldError(
            ("data", "components", 0, "label"), "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length."
        )
    ]
    body = form_error_body(errors)
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    leaf = body["errors"]["data"]["components"]["0"]["label"]["_errors"]
    assert leaf == [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 80 or fewer in length."}]


# ---------------------------------------------------------------------------------------------------
# raw wire: REST with aiohttp, gateway with a hand-written websocket client
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(callback_deadline=3.0) as server:
        yield server


@pytest.fixture
async def http(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{fake.port}/", headers=headers) as session:
        yield session


class RawGateway:
    """A minimal gateway client speaking the documented protocol (zlib-stream transport compression)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._inflate = zlib.decompressobj()
        self._buffer = bytearray()

    @classmethod
    async def connect(cls, session: aiohttp.ClientSession, fake: FakeDiscord, **query: str) -> RawGateway:
        params = {"v": "10", "encoding": "json", "compress": "zlib-stream", **query}
        return cls(await session.ws_connect(fake.gateway_url, params=params))

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            msg = await self.ws.receive(timeout=timeout)
            if msg.type is aiohttp.WSMsgType.BINARY:
                self._buffer.extend(msg.data)
                if bytes(self._buffer[-4:]) != b"\x00\x00\xff\xff":
                    continue
                text = self._inflate.decompress(bytes(self._buffer)).decode()
                self._buffer.clear()
                return json.loads(text)
            if msg.type is aiohttp.WSMsgType.TEXT:
                return json.loads(msg.data)
            raise ConnectionError(f"socket closed: {msg.type} {self.ws.close_code}")

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": d}))

    async def recv_dispatch(self, event: str) -> dict[str, Any]:
        while True:
            frame = await self.recv()
            if frame.get("t") == event:
                return frame

    async def identify(self, fake: FakeDiscord, token: str | None = None, intents: int = 1) -> dict[str, Any]:
        hello = await self.recv()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await self.send(2, {"token": token or fake.token, "intents": intents, "properties": {}})
        return await self.recv()


async def _raw_session(session: aiohttp.ClientSession, fake: FakeDiscord) -> RawGateway:
    gw = await RawGateway.connect(session, fake)
    ready = await gw.identify(fake)
    assert ready["t"] == "READY"
    await gw.recv_dispatch("GUILD_CREATE")
    await fake.wait_for_session()
    return gw


async def _register_quiz(http: aiohttp.ClientSession, fake: FakeDiscord) -> None:
    body = [
        {
            "name": "quiz",
            "description": "Quiz",
            "options": [
                {"type": 1, "name": "next", "description": "Next question"},
                {
                    "type": 1,
                    "name": "answer",
                    "description": "Answer",
                    "options": [
                        {
                            "type": 3,
                            "name": "text",
                            "description": "Answer",
                            "required": True,
                            "autocomplete": True,
                        }
                    ],
                },
            ],
        }
    ]
    async with http.put(
        f"api/v10/applications/{fake.application_id}/guilds/{fake.guild.id}/commands", json=body
    ) as r:
        assert r.status == 200, await r.text()


async def test_gateway_handshake_sequence_heartbeat_and_bad_tokens(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        gw = await RawGateway.connect(session, fake)
        ready = await gw.identify(fake)
        assert ready["op"] == 0 and ready["s"] == 1
        d = ready["d"]
        assert d["user"]["id"] == str(fake.bot.id) and d["guilds"] == [
            {"id": str(fake.guild.id), "unavailable": True}
        ]
        assert d["application"]["id"] == str(fake.application_id) and d["resume_gateway_url"].startswith(
            "ws://127.0.0.1"
        )
        guild_create = await gw.recv()
        assert guild_create["t"] == "GUILD_CREATE" and guild_create["s"] == 2
        assert [c["name"] for c in guild_create["d"]["channels"]] == ["quiz"]
        # without the GUILD_MEMBERS intent only the bot's own member is sent
        assert [m["user"]["id"] for m in guild_create["d"]["members"]] == [str(fake.bot.id)]
        await gw.send(1, 2)
        assert (await gw.recv())["op"] == 11
        await gw.send(2, {"token": fake.token, "intents": 1, "properties": {}})  # identify twice
        with pytest.raises(ConnectionError):
            await gw.recv()
        assert gw.ws.close_code == 4005

        bad = await RawGateway.connect(session, fake)
        with pytest.raises(ConnectionError):
            await bad.identify(fake, token="wrong")
        assert bad.ws.close_code == 4004
        privileged = await RawGateway.connect(session, fake)
        with pytest.raises(ConnectionError):
            await privileged.identify(fake, intents=1 | (1 << 15))  # MESSAGE_CONTENT not enabled for the app
        assert privileged.ws.close_code == 4014
        old_version = await RawGateway.connect(session, fake, v="6")
        with pytest.raises(ConnectionError):
            await old_version.recv()
        assert old_version.ws.close_code == 4012


async def test_resume_replays_missed_events_and_a_clean_close_ends_the_session(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        gw = await _raw_session(session, fake)
        ours = fake.gateway.sessions[-1]
        await fake.drop_connections(4000)
        assert gw.ws.closed or (await gw.ws.receive()).type is aiohttp.WSMsgType.CLOSE
        assert not ours.live and not ours.ended
        resumed = await RawGateway.connect(session, fake)
        assert (await resumed.recv())["op"] == 10
        await resumed.send(6, {"token": fake.token, "session_id": ours.session_id, "seq": 1})
        replayed = await resumed.recv()
        assert (replayed["t"], replayed["s"]) == ("GUILD_CREATE", 2)
        assert ((await resumed.recv())["t"], ours.seq) == ("RESUMED", 3)
        assert ours.live and ours.resumes == 1

        await resumed.ws.close(code=1000)  # a clean close ends the session...
        await asyncio.sleep(0.05)
        assert ours.ended
        again = await RawGateway.connect(session, fake)
        assert (await again.recv())["op"] == 10
        await again.send(6, {"token": fake.token, "session_id": ours.session_id, "seq": 3})
        assert await again.recv() == {"op": 9, "d": False, "s": None, "t": None}  # ...so RESUME is refused


async def test_rest_auth_content_type_and_unknown_routes(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    async with http.get("api/v10/users/@me") as r:
        assert r.status == 200 and r.headers["Content-Type"] == "application/json"
        assert (await r.json())["id"] == str(fake.bot.id)
    async with http.get("api/v10/users/@me", headers={"Authorization": "Bot nope"}) as r:
        assert r.status == 401
    async with http.get("api/v10/no/such/route") as r:
        assert r.status == 404
    async with http.delete("api/v10/users/@me") as r:
        assert r.status == 405
    async with http.post(f"api/v10/channels/{fake.channel.id}/messages", json={}) as r:
        assert r.status == 400 and (await r.json())["code"] == 50006
    async with http.post(f"api/v10/channels/{fake.channel.id}/messages", json={"content": "x" * 2001}) as r:
        body = await r.json()
        assert r.status == 400 and body["code"] == 50035 and "content" in body["errors"]
    async with http.post("api/v10/channels/1/messages", json={"content": "hi"}) as r:
        assert r.status == 404 and (await r.json())["code"] == 10003
    async with http.put(
        f"api/v10/applications/{fake.application_id}/commands",
        json=[{"name": "Bad Name", "description": "x"}],
    ) as r:
        assert r.status == 400 and "name" in (await r.json())["errors"]["0"]
    assert [r.status for r in fake.requests()] == [200, 401, 404, 405, 400, 400, 404, 400]


async def test_dms_open_and_closed(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    closed = fake.add_user("bob", dms_closed=True)
    for user, status in ((fake.user, 200), (closed, 403)):
        async with http.post("api/v10/users/@me/channels", json={"recipient_id": str(user.id)}) as r:
            channel = await r.json()
            assert channel["type"] == 1
        async with http.post(f"api/v10/channels/{channel['id']}/messages", json={"content": "psst"}) as r:
            assert r.status == status
            if status == 403:
                assert await r.json() == {"message": "Cannot send messages to this user", "code": 50007}
    assert [m.content for m in fake.dms(fake.user)] == ["psst"]
    assert fake.dms(closed) == []


async def test_multipart_files_and_edits_are_recorded(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps({"content": "chart", "components": [_row(_button("a"))]}))
    form.add_field("files[0]", b"PNGDATA", filename="chart.png", content_type="application/octet-stream")
    async with http.post(f"api/v10/channels/{fake.channel.id}/messages", data=form) as r:
        message = await r.json()
        assert r.status == 200 and message["attachments"][0]["filename"] == "chart.png"
    stored = fake.message(int(message["id"]))
    assert stored.attachments[0].data == b"PNGDATA"
    async with http.patch(
        f"api/v10/channels/{fake.channel.id}/messages/{message['id']}", json={"components": []}
    ) as r:
        assert r.status == 200
    assert stored.components == [] and stored.content == "chart" and len(stored.versions) == 2


async def test_injected_429_and_500_carry_discords_headers(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fake.fail_next("POST /channels/*/messages", 429, retry_after=0.25)
    fake.fail_next("GET /users/@me", 429, retry_after=1.5, global_=True)
    fake.fail_next("GET /gateway/bot", 500)
    async with http.post(f"api/v10/channels/{fake.channel.id}/messages", json={"content": "x"}) as r:
        assert r.status == 429 and r.headers["Content-Type"] == "application/json"
        assert r.headers["Via"] and r.headers["Retry-After"] == "1"
        assert (
            r.headers["X-RateLimit-Remaining"] == "0" and float(r.headers["X-RateLimit-Reset-After"]) == 0.25
        )
        assert r.headers["X-RateLimit-Bucket"] and r.headers["X-RateLimit-Scope"] == "user"
        assert await r.json() == {
            "message": "You are being rate limited.",
            "retry_after": 0.25,
            "global": False,
        }
    async with http.get("api/v10/users/@me") as r:
        assert (
            r.status == 429 and r.headers["X-RateLimit-Global"] == "true" and r.headers["Retry-After"] == "2"
        )
        assert (await r.json())["global"] is True
    async with http.get("api/v10/gateway/bot") as r:
        assert r.status == 500
    async with http.post(f"api/v10/channels/{fake.channel.id}/messages", json={"content": "x"}) as r:
        assert r.status == 200  # one failure each, then normal service
    assert fake.state.failures.pending == 0
    assert len(fake.messages()) == 1


async def test_callback_rules_with_a_raw_client(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    await _register_quiz(http, fake)
    async with aiohttp.ClientSession() as ws_session:
        gw = await _raw_session(ws_session, fake)
        pending = fake.dispatch_command("quiz", subcommand="next")
        frame = await gw.recv_dispatch("INTERACTION_CREATE")
        d = frame["d"]
        assert d["id"] == str(pending.id) and d["token"] == pending.token and d["type"] == 2
        assert d["data"]["options"] == [{"type": 1, "name": "next", "options": []}]
        assert d["member"]["user"]["id"] == str(fake.user.id) and d["channel"]["id"] == str(fake.channel.id)
        url = f"api/v10/interactions/{pending.id}/{pending.token}/callback"
        async with http.post(
            url, params={"with_response": "1"}, json={"type": 4, "data": {"content": "Q1"}}
        ) as r:
            body = await r.json()
        assert r.status == 200 and body["interaction"]["id"] == str(pending.id)
        assert body["resource"]["type"] == 4 and body["resource"]["message"]["content"] == "Q1"
        assert (await pending).type == 4
        async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as r:
            assert r.status == 400 and (await r.json())["code"] == 40060
        async with http.post(
            url.replace(pending.token, "forged"), json={"type": 4, "data": {"content": "x"}}
        ) as r:
            assert r.status == 404 and (await r.json())["code"] == 10062
        assert [c.status for c in fake.callbacks(pending)] == [200, 400]

        # autocomplete may only be answered with choices; the focused option arrives as typed text
        typing = fake.dispatch_autocomplete("quiz", "text", "Par", subcommand="answer")
        frame = await gw.recv_dispatch("INTERACTION_CREATE")
        assert frame["d"]["data"]["options"][0]["options"] == [
            {"type": 3, "name": "text", "value": "Par", "focused": True}
        ]
        url = f"api/v10/interactions/{typing.id}/{typing.token}/callback"
        async with http.post(url, json={"type": 4, "data": {"content": "no"}}) as r:
            assert r.status == 400
        async with http.post(
            url, json={"type": 8, "data": {"choices": [{"name": "Paris", "value": "paris"}]}}
        ) as r:
            assert r.status == 204
        assert fake.callbacks(typing)[-1].data == {"choices": [{"name": "Paris", "value": "paris"}]}

        # a follow-up needs an acknowledged interaction; after a deferral the first one fills the placeholder
        deferred = fake.dispatch_command("quiz", subcommand="next")
        await gw.recv_dispatch("INTERACTION_CREATE")
        hook = f"api/v10/webhooks/{fake.application_id}/{deferred.token}"
        async with http.post(hook, json={"content": "too early"}) as r:
            assert r.status == 404 and (await r.json())["code"] == 10015
        async with http.post(
            f"api/v10/interactions/{deferred.id}/{deferred.token}/callback", json={"type": 5}
        ) as r:
            assert r.status == 204
        placeholder = fake.original_response(deferred)
        assert placeholder is not None and placeholder.loading
        async with http.post(hook, params={"wait": "true"}, json={"content": "Q2"}) as r:
            first = await r.json()
        async with http.post(hook, json={"content": "Q3"}) as r:
            assert r.status == 204
        assert first["id"] == str(placeholder.id) and not placeholder.loading and placeholder.content == "Q2"
        assert [m.content for m in fake.followups(deferred)] == ["Q2", "Q3"]
        async with http.patch(f"{hook}/messages/@original", json={"content": "Q2 (edited)"}) as r:
            assert r.status == 200
        assert placeholder.content == "Q2 (edited)"


async def test_a_callback_after_the_deadline_is_an_unknown_interaction() -> None:
    async with FakeDiscord(callback_deadline=0.05) as fake, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.put(
            f"{fake.rest_base}/applications/{fake.application_id}/commands",
            json=[{"name": "quiz", "description": "Quiz"}],
            headers=headers,
        ) as r:
            assert r.status == 200
        gw = await _raw_session(session, fake)
        late = fake.dispatch_command("quiz")
        await gw.recv_dispatch("INTERACTION_CREATE")
        await asyncio.sleep(0.1)
        url = f"{fake.rest_base}/interactions/{late.id}/{late.token}/callback"
        async with session.post(url, json={"type": 5}) as r:
            assert r.status == 404 and (await r.json())["code"] == 10062
        with pytest.raises(TimeoutError):
            await late.callback(timeout=0.05)
        assert [c.status for c in fake.callbacks(late)] == [404]


async def test_dispatch_helpers_refuse_what_no_client_could_send(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await _register_quiz(http, fake)
    with pytest.raises(ValueError, match="not registered"):
        fake.dispatch_command("leaderboard")
    with pytest.raises(ValueError, match="unknown option"):
        fake.dispatch_command("quiz", {"nope": 1}, subcommand="next")
    with pytest.raises(ValueError, match="required option"):
        fake.dispatch_command("quiz", subcommand="answer")
    with pytest.raises(ValueError, match="needs a subcommand"):
        fake.dispatch_command("quiz")
    body = {
        "content": "Q",
        "components": [_row(_button("go"), _button("off", disabled=True)), _row(_select("pick", 3))],
    }
    async with http.post(f"api/v10/channels/{fake.channel.id}/messages", json=body) as r:
        message_id = int((await r.json())["id"])
    with pytest.raises(ValueError, match="no component"):
        fake.dispatch_click(message_id, "missing")
    with pytest.raises(ValueError, match="disabled"):
        fake.dispatch_click(message_id, "off")
    with pytest.raises(ValueError, match="no option"):
        fake.dispatch_click(message_id, "pick", values=["zzz"])
    with pytest.raises(ValueError, match=r"takes 1\.\.1 values"):
        fake.dispatch_click(message_id, "pick", values=["v0", "v1"])
    with pytest.raises(RuntimeError, match="no gateway session"):
        fake.dispatch_click(message_id, "go")  # nobody is connected


# ---------------------------------------------------------------------------------------------------
# the real discord.py client
# ---------------------------------------------------------------------------------------------------

QUESTION_BUTTON = "qz1:post:A"


class AnswerView(discord.ui.View):
    """A persistent view (timeout None, fixed custom ids): clicks survive a restart."""

    def __init__(self, log: list[str]) -> None:
        super().__init__(timeout=None)
        self.log = log

    @discord.ui.button(label="Paris", custom_id=QUESTION_BUTTON, style=discord.ButtonStyle.primary)
    async def answer(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        self.log.append(f"clicked by {interaction.user.id}")
        await interaction.response.defer(thinking=True, ephemeral=True)
        await interaction.followup.send("Correct!", ephemeral=True)


class QuizModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[QuizModal] = discord.ui.TextInput(label="Answer", custom_id="answer_text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"You said {self.answer.value}", ephemeral=True)


Starter = Callable[[discord.Client], Awaitable[None]]


@pytest.fixture
async def pointed(fake: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    old = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    with discord_py_pointed_at(fake):
        assert fake.rest_base == Route.BASE
        yield fake
    assert old == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)  # restored


@pytest.fixture
async def start_client(pointed: FakeDiscord) -> AsyncIterator[Starter]:
    """Log a client in, connect it, and wait for on_ready; every started client is closed afterwards."""
    started: list[tuple[discord.Client, asyncio.Task[None]]] = []

    async def start(client: discord.Client) -> None:
        await client.login(pointed.token)
        task = asyncio.create_task(client.connect(reconnect=True))
        started.append((client, task))
        await asyncio.wait_for(client.wait_until_ready(), 10)

    yield start
    for client, task in started:
        await client.close()
        await asyncio.wait_for(task, 10)


def _client() -> discord.Client:
    intents = discord.Intents.none()
    intents.guilds = True
    return discord.Client(
        intents=intents, guild_ready_timeout=0.05, allowed_mentions=discord.AllowedMentions.none()
    )


def _quiz_tree(
    client: discord.Client, guild_id: int, log: list[str]
) -> app_commands.CommandTree[discord.Client]:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    quiz = app_commands.Group(name="quiz", description="Quiz commands")

    @quiz.command(name="next", description="Post the next question")
    async def next_question(interaction: discord.Interaction, topic: str) -> None:
        log.append(f"next {topic}")
        await interaction.response.send_message(f"Capital of France? ({topic})", view=AnswerView(log))

    @next_question.autocomplete("topic")
    async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t, value=t) for t in ("geography", "history") if t.startswith(current)
        ]

    @quiz.command(name="answer", description="Answer in a form")
    async def answer(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(QuizModal())

    tree.add_command(quiz, guild=discord.Object(guild_id))
    return tree


@pytest.mark.slow
async def test_discord_py_connects_syncs_and_answers_commands_clicks_and_modals(
    pointed: FakeDiscord, start_client: Starter
) -> None:
    fake = pointed
    log: list[str] = []
    client = _client()
    tree = _quiz_tree(client, fake.guild.id, log)
    client.add_view(AnswerView(log))
    await start_client(client)

    guild = client.get_guild(fake.guild.id)
    assert guild is not None and [c.name for c in guild.text_channels] == ["quiz"]
    assert fake.gateway.connections[0].query["compress"] == "zlib-stream"
    assert fake.gateway.connections[0].heartbeats >= 1

    synced = await tree.sync(guild=discord.Object(fake.guild.id))
    assert [c.name for c in synced] == ["quiz"]
    registered = fake.commands()
    assert [o["name"] for o in registered[0]["options"]] == ["next", "answer"]

    # autocomplete, then the command itself
    suggestions = await fake.dispatch_autocomplete("quiz", "topic", "geo", subcommand="next")
    assert suggestions.type == 8 and suggestions.data == {
        "choices": [{"name": "geography", "value": "geography"}]
    }
    answered = await fake.dispatch_command("quiz", {"topic": "geography"}, subcommand="next")
    assert answered.type == 4 and answered.accepted and answered.latency < 3
    card = fake.messages()[-1]
    assert card.content == "Capital of France? (geography)"
    assert card.custom_ids() == [QUESTION_BUTTON]
    assert card.allowed_mentions == {"parse": []}  # AllowedMentions.none() reached the wire

    # a click: defer (ephemeral, thinking) then follow up
    click = fake.dispatch_click(card, QUESTION_BUTTON)
    deferred = await click
    assert deferred.type == 5 and deferred.data == {"flags": 64}
    await fake.wait_for(f"POST /webhooks/{fake.application_id}/*")
    [reply] = fake.followups(click)
    assert reply.content == "Correct!" and reply.ephemeral and not reply.loading
    assert log == ["next geography", f"clicked by {fake.user.id}"]

    # a modal: open it, submit it, get the answer
    opened = fake.dispatch_command("quiz", subcommand="answer")
    modal_callback = await opened
    assert modal_callback.type == 9 and modal_callback.data is not None
    assert modal_callback.data["title"] == "Your answer"
    submitted = await fake.dispatch_modal_submit(opened, {"answer_text": "Paris"})
    assert submitted.type == 4 and submitted.data is not None
    assert submitted.data["content"] == "You said Paris" and submitted.data["flags"] == 64


@pytest.mark.slow
async def test_discord_py_retries_a_429_once_and_the_message_lands_once(
    pointed: FakeDiscord, start_client: Starter
) -> None:
    fake = pointed
    client = _client()
    await start_client(client)
    channel = client.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("POST /channels/*/messages", 429, retry_after=0.2)
    sent = await channel.send("Question of the day")
    attempts = fake.requests(f"POST /channels/{fake.channel.id}/messages")
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.19  # discord.py waited retry_after
    assert [m.content for m in fake.messages()] == ["Question of the day"]
    assert fake.messages()[0].id == sent.id


@pytest.mark.slow
async def test_discord_py_sees_validation_errors_and_closed_dms(
    pointed: FakeDiscord, start_client: Starter
) -> None:
    fake = pointed
    client = _client()
    await start_client(client)
    channel = client.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="x" * 81, custom_id="too_long"))
    with pytest.raises(discord.HTTPException) as info:
        await channel.send("Q", view=view)
    assert info.value.status == 400 and info.value.code == 50035
    assert "components.0.components.0.label" in info.value.text
    assert fake.messages() == []

    closed = fake.add_user("bob", dms_closed=True)
    user = await client.fetch_user(closed.id)
    with pytest.raises(discord.Forbidden) as forbidden:
        await user.send("psst")
    assert forbidden.value.code == 50007


@pytest.mark.slow
async def test_a_restarted_bot_handles_a_click_on_a_question_posted_before_the_restart(
    pointed: FakeDiscord, start_client: Starter
) -> None:
    fake = pointed
    first_log: list[str] = []
    first = _client()
    await start_client(first)
    channel = first.get_channel(fake.channel.id)
    assert isinstance(channel, discord.TextChannel)
    posted = await channel.send("Capital of France?", view=AnswerView(first_log))
    sessions_before = len(fake.gateway.sessions)
    await first.close()

    second_log: list[str] = []
    second = _client()
    second.add_view(AnswerView(second_log))  # re-registered at startup, as the adapter must
    await start_client(second)
    session = await fake.wait_for_session(after=sessions_before)
    old_session = fake.gateway.sessions[0]
    assert session is not old_session and not old_session.live
    assert fake.gateway.current_session() is session  # the click goes to the new process

    callback = await fake.dispatch_click(posted.id, QUESTION_BUTTON)
    assert callback.type == 5
    assert first_log == [] and second_log == [f"clicked by {fake.user.id}"]


@pytest.mark.slow
async def test_a_dropped_gateway_resumes_and_replays_the_missed_interaction(
    pointed: FakeDiscord, start_client: Starter
) -> None:
    fake = pointed
    log: list[str] = []
    client = _client()
    tree = _quiz_tree(client, fake.guild.id, log)
    await start_client(client)
    await tree.sync(guild=discord.Object(fake.guild.id))
    session = fake.gateway.sessions[-1]

    await fake.drop_connections(4000)
    pending = fake.dispatch_command("quiz", {"topic": "history"}, subcommand="next")
    callback = await pending.callback(timeout=10)
    await fake.gateway.wait_for_resume(session)
    assert callback.type == 4 and log == ["next history"]
    assert len(fake.gateway.sessions) == 1 and session.resumes == 1
    assert fake.gateway.connections[-1].path == "/gateway-resume"


# ---------------------------------------------------------------------------------------------------
# attachment options and the CDN
# ---------------------------------------------------------------------------------------------------


async def _register_upload(http: aiohttp.ClientSession, fake: FakeDiscord) -> None:
    body = [
        {
            "name": "upload",
            "description": "Upload a file",
            "options": [
                {"type": 11, "name": "file", "description": "The file", "required": True},
                {"type": 11, "name": "extra", "description": "Another file"},
            ],
        }
    ]
    async with http.put(
        f"api/v10/applications/{fake.application_id}/guilds/{fake.guild.id}/commands", json=body
    ) as r:
        assert r.status == 200, await r.text()


async def test_an_attachment_option_resolves_to_a_signed_cdn_file(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await _register_upload(http, fake)
    notes = fake.add_attachment("notes.md", b"# Notes\n")
    async with aiohttp.ClientSession() as session:
        gw = await _raw_session(session, fake)
        fake.dispatch_command("upload", {"file": notes})
        data = (await gw.recv_dispatch("INTERACTION_CREATE"))["d"]["data"]
        assert data["options"] == [{"type": 11, "name": "file", "value": str(notes.id)}]
        sent = data["resolved"]["attachments"][str(notes.id)]
        assert {k: sent[k] for k in ("id", "filename", "size", "content_type", "ephemeral")} == {
            "id": str(notes.id),
            "filename": "notes.md",
            "size": 8,
            "content_type": "text/markdown; charset=utf-8",
            "ephemeral": True,
        }
        assert sent["url"].startswith(f"http://127.0.0.1:{fake.port}/cdn/ephemeral-attachments/")
        assert "?ex=" in sent["url"] and "&hm=" in sent["url"]
        assert fake.downloads() == []  # nothing fetched until someone asks

        async with session.get(sent["url"]) as r:  # no token needed, as on the CDN
            assert r.status == 200 and await r.read() == b"# Notes\n"
        async with session.get(sent["proxy_url"]) as r:
            assert r.status == 200 and await r.read() == b"# Notes\n"
        unsigned = sent["url"].split("?")[0]
        tampered = sent["url"].replace("&hm=", "&hm=0")
        for url in (unsigned, tampered):
            async with session.get(url) as r:
                assert r.status == 404 and await r.text() == "This content is no longer available."
        fake.fail_download(notes, 500)
        async with session.get(sent["url"]) as r:
            assert r.status == 500
        assert [(d.host, d.status) for d in fake.downloads(notes)] == [
            ("cdn", 200),
            ("media", 200),
            ("cdn", 404),
            ("cdn", 404),
            ("cdn", 500),
        ]


async def test_attachment_options_refuse_what_no_client_could_send(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    await _register_upload(http, fake)
    with pytest.raises(ValueError, match="no uploaded attachment"):
        fake.dispatch_command("upload", {"file": 12345})
    with pytest.raises(ValueError, match="takes an uploaded attachment"):
        fake.dispatch_command("upload", {"file": "notes.md"})
    with pytest.raises(ValueError, match="required option"):
        fake.dispatch_command("upload", {"extra": fake.add_attachment("a.md", b"a")})
    with pytest.raises(ValueError, match="refuses files over"):
        fake.add_attachment("huge.bin", b"\0" * (10 * 1024 * 1024 + 1))


@pytest.mark.slow
async def test_discord_py_reads_an_attachment_from_the_fake_cdn(
    pointed: FakeDiscord, start_client: Starter
) -> None:
    fake = pointed
    client = _client()
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    read: list[tuple[str, int, bytes]] = []

    @tree.command(name="upload", description="Upload a file", guild=discord.Object(fake.guild.id))
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        read.append((file.filename, file.size, await file.read()))
        await interaction.followup.send(f"got {file.filename}", ephemeral=True)

    await start_client(client)
    await tree.sync(guild=discord.Object(fake.guild.id))
    assert fake.commands()[0]["options"][0]["type"] == 11
    notes = fake.add_attachment("my notes.md", "# Notizen ✓\n".encode())
    pending = fake.dispatch_command("upload", {"file": notes})
    await pending.callback(timeout=5)
    await fake.wait_for(f"POST /webhooks/{fake.application_id}/*")
    assert read == [("my notes.md", notes.size, "# Notizen ✓\n".encode())]
    assert [(d.host, d.status) for d in fake.downloads(notes)] == [("cdn", 200)]
    assert [m.content for m in fake.followups(pending)] == ["got my notes.md"]
