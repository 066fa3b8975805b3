"""Self-tests of the fake Slack: driven by the real slack_sdk clients and a real slack-bolt app.

If these pass, a failure in an adapter test that uses the fake is the adapter's, not the fake's.
"""

from __future__ import annotations

import asyncio
import json
import struct
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from fakes.slack import (
    FakeSlack,
    PayloadFactory,
    RateLimiter,
    RateLimits,
    Signing,
    SlackRequestSender,
    sign,
    signature,
    validate_blocks,
    validate_view,
)
from fakes.slack.blockkit import message_text_too_long
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

SECRET = "fake-signing-secret"

# ---------------------------------------------------------------------------------------------------
# Block Kit validator (pure)
# ---------------------------------------------------------------------------------------------------


def _section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def _button(action_id: str = "a", text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, **extra}


def _options(n: int, text: str = "opt") -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": f"{text}"}, "value": f"v{i}"} for i in range(n)]


def _actions(*elements: dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def _text_input(**extra: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "in",
        "label": {"type": "plain_text", "text": "Answer"},
        "element": {"type": "plain_text_input", "action_id": "answer", **extra},
    }


def _card() -> list[dict[str, Any]]:
    """A question card built with slack_sdk's own block models."""
    blocks = [
        HeaderBlock(text=PlainTextObject(text="Question 1")),
        SectionBlock(text=MarkdownTextObject(text="*What is 6 × 7?*"), block_id="q"),
        DividerBlock(),
        ActionsBlock(
            block_id="choices",
            elements=[
                ButtonElement(text="42", action_id="choice_A", value="A"),
                ButtonElement(text="41", action_id="choice_B", value="B", style="danger"),
                StaticSelectElement(
                    action_id="pick",
                    placeholder="Pick one",
                    options=[Option(text="Forty-two", value="A"), Option(text="Forty-one", value="B")],
                ),
                CheckboxesElement(
                    action_id="multi", options=[Option(text="x", value="x"), Option(text="y", value="y")]
                ),
            ],
        ),
        ContextBlock(elements=[MarkdownTextObject(text="streak: 3")]),
    ]
    return [b.to_dict() for b in blocks]


def test_validator_accepts_blocks_built_with_slack_sdk() -> None:
    assert validate_blocks(_card()) == []
    modal_input = InputBlock(
        label="Your answer", element=PlainTextInputElement(action_id="answer", max_length=3000), block_id="in"
    )
    assert validate_blocks([modal_input.to_dict()], "modal") == []


@pytest.mark.parametrize(
    "blocks",
    [
        [_section() for _ in range(50)],
        [_section("x" * 3000)],
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}],
        [_actions(_button(text="b" * 75, value="v" * 2000, action_id="a" * 255), block_id="b" * 255)],
        [_actions(*[_button(action_id=f"a{i}") for i in range(25)])],
        [_actions({"type": "static_select", "action_id": "s", "options": _options(100, "o" * 75)})],
        [_actions({"type": "checkboxes", "action_id": "c", "options": _options(10)})],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10}],
        [_text_input(max_length=3000)],
    ],
    ids=[
        "50-blocks",
        "section-3000",
        "header-150",
        "button-limits",
        "25-elements",
        "100-options",
        "10-checkboxes",
        "context-10",
        "input-3000",
    ],
)
def test_validator_accepts_every_limit_exactly(blocks: list[dict[str, Any]]) -> None:
    assert validate_blocks(blocks) == []


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([_section() for _ in range(51)], "/blocks]"),
        ([_section("x" * 3001)], "/blocks/0/text/text]"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text]"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}], "/blocks/0/text/type]"),
        ([_actions(_button(text="b" * 76))], "/blocks/0/elements/0/text/text]"),
        ([_actions(_button(value="v" * 2001))], "/blocks/0/elements/0/value]"),
        ([_actions(_button(action_id="a" * 256))], "/blocks/0/elements/0/action_id]"),
        ([_actions(_button(), block_id="b" * 256)], "/blocks/0/block_id]"),
        ([_actions(_button("same"), _button("same"))], "/blocks/0]"),
        ([_actions(*[_button(action_id=f"a{i}") for i in range(26)])], "/blocks/0/elements]"),
        (
            [_actions({"type": "static_select", "action_id": "s", "options": _options(101)})],
            "/elements/0/options]",
        ),
        (
            [_actions({"type": "checkboxes", "action_id": "c", "options": _options(11)})],
            "/elements/0/options]",
        ),
        (
            [_actions({"type": "static_select", "action_id": "s", "options": _options(2, "o" * 76)})],
            "/text/text]",
        ),
        ([_text_input(max_length=3001)], "/blocks/0/element/max_length]"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "/blocks/0/elements]"),
        (
            [_section(block_id="x"), _section(block_id="x")],
            "/blocks/1/block_id]",
        ),
        ([{"type": "section", "text": {"type": "mrkdwn"}}], "/blocks/0/text/text]"),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": "a", "emoji": True}}],
            "/blocks/0/text/emoji]",
        ),
        ([{"type": "section", "text": {"type": "markdown", "text": "a"}}], "/blocks/0/text/type]"),
        ([{"type": "section"}], "/blocks/0]"),
        ([{"type": "carousel"}], "/blocks/0/type]"),
        ([_actions(_button(style="green"))], "/blocks/0/elements/0/style]"),
        ([_actions({"type": "plain_text_input", "action_id": "t"})], "/blocks/0/elements/0/type]"),
        ("not a list", "/blocks]"),
    ],
)
def test_validator_rejects_each_limit_violation(blocks: Any, pointer: str) -> None:
    errors = validate_blocks(blocks)
    assert errors, "Slack would refuse these blocks"
    assert any(e.endswith(pointer) for e in errors), errors


def test_modal_allows_100_blocks_but_a_message_50() -> None:
    blocks = [_section() for _ in range(100)]
    assert validate_blocks(blocks, "modal") == []
    assert validate_blocks(blocks, "message") != []
    assert validate_blocks([*blocks, _section()], "modal") != []


def _modal(**extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Import a quiz"}, "blocks": [], **extra}


def test_view_validation() -> None:
    assert validate_view(_modal(callback_id="import", private_metadata="m" * 3000)) == []
    assert validate_view(_modal(title={"type": "plain_text", "text": "t" * 24})) == []
    assert any(
        "/view/title/text]" in e
        for e in validate_view(_modal(title={"type": "plain_text", "text": "t" * 25}))
    )
    assert any("/view/private_metadata]" in e for e in validate_view(_modal(private_metadata="m" * 3001)))
    assert any("/view/callback_id]" in e for e in validate_view(_modal(callback_id="c" * 256)))
    assert any("/view/submit]" in e for e in validate_view(_modal(blocks=[_text_input()])))
    assert validate_view(_modal(blocks=[_text_input()], submit={"type": "plain_text", "text": "Save"})) == []
    assert any("/view/type]" in e for e in validate_view(_modal(type="home")))
    assert validate_view("nope") != []


def test_message_text_limit() -> None:
    assert not message_text_too_long("x" * 40_000)
    assert message_text_too_long("x" * 40_001)


# ---------------------------------------------------------------------------------------------------
# Rate limiter (pure, with a hand-moved clock)
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_one_per_second_per_channel() -> None:
    clock = _Clock()
    limiter = RateLimiter(RateLimits(), clock)
    assert limiter.acquire("C1") is None
    wait = limiter.acquire("C1")
    assert wait == pytest.approx(1.0)
    assert limiter.acquire("C2") is None, "channels are limited separately"
    clock.now += 0.5
    assert limiter.acquire("C1") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.acquire("C1") is None


def test_rate_limiter_tolerates_a_burst() -> None:
    clock = _Clock()
    limiter = RateLimiter(RateLimits(channel_burst=3), clock)
    assert [limiter.acquire("C1") for _ in range(3)] == [None, None, None]
    assert limiter.acquire("C1") is not None


def test_rate_limiter_workspace_budget_is_a_rolling_minute() -> None:
    clock = _Clock()
    limiter = RateLimiter(RateLimits(workspace_per_minute=5), clock)
    for i in range(5):
        assert limiter.acquire(f"C{i}") is None
        clock.now += 1
    assert limiter.acquire("C9") == pytest.approx(55.0)
    clock.now += 55
    assert limiter.acquire("C9") is None


def test_rate_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        RateLimits(channel_per_second=0)
    with pytest.raises(ValueError):
        RateLimits(workspace_per_minute=0)


# ---------------------------------------------------------------------------------------------------
# Web API through the real slack_sdk clients
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as running:
        yield running


def _client(fake: FakeSlack, **options: Any) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.api_url, **options)


async def _error(call: Awaitable[Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


async def test_auth_and_unknown_method(fake: FakeSlack) -> None:
    client = _client(fake)
    me = await client.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == (fake.team_id, fake.bot_user_id, "B0FAKEBOT1")
    assert (await _error(AsyncWebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test())).response[
        "error"
    ] == "invalid_auth"
    assert (await _error(AsyncWebClient(base_url=fake.api_url).auth_test())).response["error"] == "not_authed"
    assert (await _error(client.api_call("quiz.start"))).response["error"] == "unknown_method"
    assert (await _error(client.apps_connections_open(app_token=fake.bot_token))).response[
        "error"
    ] == "not_allowed_token_type"
    assert [c.method for c in fake.calls()][:2] == ["auth.test", "auth.test"]


async def test_base_url_with_or_without_trailing_slash(fake: FakeSlack) -> None:
    """slack_sdk 3.47 appends the missing "/" itself; both forms reach the fake."""
    for base in (fake.api_url, fake.api_url.rstrip("/")):
        assert (await AsyncWebClient(token=fake.bot_token, base_url=base).auth_test())["ok"]


async def test_token_as_a_form_field(fake: FakeSlack) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.api_url}auth.test", data={"token": fake.bot_token}) as response,
    ):
        assert (await response.json())["ok"] is True


async def test_post_update_delete_keeps_message_state(fake: FakeSlack) -> None:
    client = _client(fake)
    posted = await client.chat_postMessage(channel="C0QUIZ0001", text="Question 1", blocks=_card())
    assert posted["channel"] == "C0QUIZ0001" and posted["message"]["blocks"][1]["block_id"] == "q"
    ts = posted["ts"]
    second = await client.chat_postMessage(channel="C0QUIZ0001", text="Question 2")
    assert float(second["ts"]) > float(ts)
    await client.chat_update(channel="C0QUIZ0001", ts=ts, text="closed", blocks=[_section("Answer: A")])
    card = fake.message("C0QUIZ0001", ts)
    assert card["text"] == "closed" and card["blocks"][0]["text"]["text"] == "Answer: A"
    assert len(fake.message_versions("C0QUIZ0001", ts)) == 2
    await client.chat_delete(channel="C0QUIZ0001", ts=second["ts"])  # sent form-encoded
    assert [m["ts"] for m in fake.messages("C0QUIZ0001")] == [ts]
    missing = await _error(client.chat_update(channel="C0QUIZ0001", ts=second["ts"], text="x"))
    assert missing.response["error"] == "message_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_post_message_is_refused_like_slack(fake: FakeSlack) -> None:
    client = _client(fake)
    fake.strict_channels = True
    fake.add_channel("C0OPEN0001", "open")
    fake.add_channel("C0OLD00001", "old", archived=True)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"channel": "C0OPEN0001"}, "no_text"),
        ({"channel": "C0NOWHERE1", "text": "hi"}, "channel_not_found"),
        ({"channel": "C0OLD00001", "text": "hi"}, "is_archived"),
        ({"channel": "C0OPEN0001", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C0OPEN0001", "text": "hi", "blocks": [_section("x" * 3001)]}, "invalid_blocks"),
    ]
    for kwargs, code in cases:
        assert (await _error(client.chat_postMessage(**kwargs))).response["error"] == code, kwargs
    invalid = await _error(
        client.chat_postMessage(channel="C0OPEN0001", text="t", blocks=[_section("x" * 3001)])
    )
    assert any("/blocks/0/text/text" in e for e in invalid.response["errors"])
    assert fake.messages("C0OPEN0001") == []
    assert len(fake.calls("chat.postMessage", ok=False)) == 6


async def test_ephemerals_and_dms(fake: FakeSlack) -> None:
    client = _client(fake)
    fake.add_channel("C0TEAM0001", "team", members=["U0ALICE001"])
    fake.add_user("U0ALICE001", "alice")
    fake.add_user("U0BOT00001", "otherbot", is_bot=True)
    fake.add_user("U0GONE0001", "gone", deleted=True)
    fake.add_user("U0SHY00001", "shy", dm_blocked=True)
    await client.chat_postEphemeral(channel="C0TEAM0001", user="U0ALICE001", text="only you")
    assert [e.text for e in fake.ephemerals("U0ALICE001")] == ["only you"]
    outsider = await _error(client.chat_postEphemeral(channel="C0TEAM0001", user="U0OUTSIDE1", text="x"))
    assert outsider.response["error"] == "user_not_in_channel"
    opened = await client.conversations_open(users="U0ALICE001")
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    again = await client.conversations_open(users=["U0ALICE001"])
    assert again["channel"]["id"] == dm and again["already_open"] is True
    await client.chat_postMessage(channel=dm, text="your streak")
    await client.chat_postMessage(channel="U0ALICE001", text="posting to a user id lands in the DM")
    assert [m["text"] for m in fake.dms("U0ALICE001")] == [
        "your streak",
        "posting to a user id lands in the DM",
    ]
    for user, code in (
        ("U0BOT00001", "cannot_dm_bot"),
        ("U0GONE0001", "user_disabled"),
        ("U0SHY00001", "user_not_visible"),
    ):
        assert (await _error(client.conversations_open(users=user))).response["error"] == code
    no_users = await _error(client.api_call("conversations.open", params={}))
    assert no_users.response["error"] == "users_list_not_supplied"
    fake.strict_users = True
    assert (await _error(client.conversations_open(users="U0NOBODY01"))).response["error"] == "user_not_found"


async def test_users_and_usergroups(fake: FakeSlack) -> None:
    client = _client(fake)
    fake.strict_users = True
    fake.add_user("U0TEACH001", "teacher", is_admin=True)
    fake.add_user("U0OWNER001", "owner", is_owner=True, is_admin=True)
    fake.add_usergroup("S0INSTRUCT", ["U0TEACH001", "U0OWNER001"])
    info = await client.users_info(user="U0TEACH001")  # GET with a query string
    assert info["user"]["is_admin"] is True and info["user"]["is_owner"] is False
    assert (await client.users_info(user="U0OWNER001"))["user"]["is_owner"] is True
    assert (await _error(client.users_info(user="U0NOBODY01"))).response["error"] == "user_not_found"
    assert (await client.usergroups_users_list(usergroup="S0INSTRUCT"))["users"] == [
        "U0TEACH001",
        "U0OWNER001",
    ]
    assert (await _error(client.usergroups_users_list(usergroup="S0NONE0001"))).response[
        "error"
    ] == "no_such_subteam"


async def test_modals_need_fresh_triggers_and_valid_views(fake: FakeSlack) -> None:
    client = _client(fake)
    payloads = PayloadFactory(fake)
    trigger = payloads.slash_command("/quiz", "import")["trigger_id"]
    opened = await client.views_open(trigger_id=trigger, view=_modal(callback_id="import", blocks=[]))
    view = opened["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "import" and view["hash"]
    assert (await _error(client.views_open(trigger_id=trigger, view=_modal()))).response[
        "error"
    ] == "exchanged_trigger_id"
    stale = f"{int((time.time() - 10) * 1000)}.1.abc"
    assert (await _error(client.views_open(trigger_id=stale, view=_modal()))).response[
        "error"
    ] == "expired_trigger_id"
    assert (await _error(client.views_open(trigger_id="nonsense", view=_modal()))).response[
        "error"
    ] == "invalid_trigger_id"
    long_title = _modal(title={"type": "plain_text", "text": "A title that is far too long"})
    refused = await _error(
        client.views_open(trigger_id=payloads.slash_command("/quiz")["trigger_id"], view=long_title)
    )
    assert refused.response["error"] == "invalid_arguments"
    assert "/view/title/text" in refused.response["response_metadata"]["messages"][0]
    updated = await client.views_update(
        view_id=view["id"], hash=view["hash"], view=_modal(title={"type": "plain_text", "text": "Step 2"})
    )
    assert updated["view"]["title"]["text"] == "Step 2"
    conflict = await _error(client.views_update(view_id=view["id"], hash=view["hash"], view=_modal()))
    assert conflict.response["error"] == "hash_conflict"
    assert (await _error(client.views_update(view_id="V0NONE", view=_modal()))).response[
        "error"
    ] == "not_found"
    pushed = await client.views_push(trigger_id=payloads.slash_command("/quiz")["trigger_id"], view=_modal())
    assert pushed["view"]["root_view_id"] == view["id"] and pushed["view"]["previous_view_id"] == view["id"]


def _file_modal(**element: Any) -> dict[str, Any]:
    """A modal with one input block holding a file_input (``element`` overrides its fields)."""
    file_input = {"type": "file_input", "action_id": "files", "filetypes": ["md"], "max_files": 2, **element}
    block = {"type": "input", "block_id": "up", "label": {"type": "plain_text", "text": "Files"}}
    return _modal(submit={"type": "plain_text", "text": "Import"}, blocks=[{**block, "element": file_input}])


def test_file_input_is_validated_like_slack() -> None:
    assert validate_view(_file_modal()) == []
    assert validate_view(_file_modal(max_files=10)) == []
    built = InputBlock(
        block_id="up",
        label="Files",
        element=FileInputElement(action_id="files", filetypes=["md"], max_files=3),
    ).to_dict()
    assert validate_view(_modal(submit={"type": "plain_text", "text": "Go"}, blocks=[built])) == []
    for bad, pointer in (
        ({"max_files": 11}, "/max_files]"),
        ({"max_files": 0}, "/max_files]"),
        ({"max_files": True}, "/max_files]"),
        ({"filetypes": "md"}, "/filetypes]"),
        ({"filetypes": [""]}, "/filetypes]"),
        ({"placeholder": {"type": "plain_text", "text": "x"}}, "/placeholder]"),
    ):
        problems = validate_view(_file_modal(**bad))
        assert problems and problems[0].endswith(pointer), (bad, problems)
    in_actions = [{"type": "actions", "elements": [{"type": "file_input", "action_id": "f"}]}]
    assert any("not allowed here" in p for p in validate_blocks(in_actions, "modal"))


async def test_members_files_are_served_to_the_bot_token_only(fake: FakeSlack) -> None:
    quiz = fake.add_file("quiz.md", b"# Quiz\n", user="U1")
    assert quiz["size"] == 7 and quiz["name"] == "quiz.md" and quiz["user"] == "U1"
    assert quiz["url_private_download"].startswith(fake.url + "files-pri/")
    assert quiz["url_private_download"].endswith("/download/quiz.md")
    assert fake.file_object(quiz["id"]) == quiz
    assert fake.add_file("big.md", b"x", size=5_000_000)["size"] == 5_000_000
    async with aiohttp.ClientSession() as http:
        bearer = {"Authorization": f"Bearer {fake.bot_token}"}
        for url in (quiz["url_private_download"], quiz["url_private"]):
            async with http.get(url, headers=bearer) as got:
                assert got.status == 200 and await got.read() == b"# Quiz\n"
                assert got.content_type == "text/plain"
        for headers in ({}, {"Authorization": "Bearer xoxb-wrong"}):  # Slack: 200 and its sign-in page
            async with http.get(quiz["url_private_download"], headers=headers) as got:
                assert got.status == 200 and got.content_type == "text/html"
                assert "Sign in" in await got.text()
        fake.files_read = False  # an app without files:read gets the sign-in page too
        async with http.get(quiz["url_private_download"], headers=bearer) as got:
            assert got.content_type == "text/html"
        fake.files_read = True
        fake.delete_file(quiz["id"])
        async with http.get(quiz["url_private_download"], headers=bearer) as got:
            assert got.status == 404
    served = [(d.token, d.status, d.served) for d in fake.downloads(quiz["id"])]
    assert served == [
        (fake.bot_token, 200, True),
        (fake.bot_token, 200, True),
        (None, 200, False),
        ("xoxb-wrong", 200, False),
        (fake.bot_token, 200, False),
    ]
    assert [d.status for d in fake.downloads()][-1] == 404  # the deleted file's request


async def test_view_submission_carries_file_input_state(fake: FakeSlack) -> None:
    payloads = PayloadFactory(fake)
    trigger = payloads.slash_command("/quiz")["trigger_id"]
    view = (await _client(fake).views_open(trigger_id=trigger, view=_file_modal()))["view"]
    quiz = fake.add_file("quiz.md", b"# Quiz\n")
    submitted = payloads.view_submission(view, {"files": [quiz]}, user_id="U1")
    state = submitted["view"]["state"]["values"]["up"]["files"]
    assert state == {"type": "file_input", "files": [quiz]}
    by_id = payloads.view_submission(view, {"files": quiz["id"]})  # a file id works with a fake
    assert by_id["view"]["state"]["values"]["up"]["files"]["files"] == [quiz]
    empty = payloads.view_submission(view)
    assert empty["view"]["state"]["values"]["up"]["files"] == {"type": "file_input", "files": []}
    with pytest.raises(ValueError, match="at most 2 files"):
        payloads.view_submission(view, {"files": [quiz, quiz, quiz]})
    with pytest.raises(ValueError, match="does not accept"):
        payloads.view_submission(view, {"files": [fake.add_file("photo.png", b"png")]})


def _png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def test_file_upload_v2_records_the_bytes(fake: FakeSlack) -> None:
    client = _client(fake)
    png = _png()
    done = await client.files_upload_v2(
        channel="C0QUIZ0001", file=png, filename="leaderboard.png", title="Week 2"
    )
    assert done["file"]["title"] == "Week 2"
    [uploaded] = fake.files()
    assert uploaded.content == png and uploaded.completed and uploaded.channel == "C0QUIZ0001"
    assert uploaded.length == len(png)
    assert fake.messages("C0QUIZ0001")[0]["files"][0]["id"] == uploaded.id
    again = await _error(client.files_completeUploadExternal(files=[{"id": uploaded.id}]))
    assert again.response["error"] == "file_not_found"
    never_uploaded = await client.files_getUploadURLExternal(filename="x.png", length=10)
    missing = await _error(client.files_completeUploadExternal(files=[{"id": never_uploaded["file_id"]}]))
    assert missing.response["error"] == "file_not_found"


async def test_injected_429_is_retried_by_the_retry_handler(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    plain = await _error(_client(fake).chat_postMessage(channel="C1", text="x"))
    assert plain.response.status_code == 429 and plain.response.headers["Retry-After"] == "1"
    assert plain.response["error"] == "ratelimited"
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    retrying = _client(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])
    assert (await retrying.chat_postMessage(channel="C1", text="x"))["ok"]
    assert time.monotonic() - started >= 1.0, "the client honoured Retry-After"
    assert fake.served_429_count == 2 and fake.ratelimited_count == 0
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 429, 200]


async def test_injected_errors(fake: FakeSlack) -> None:
    client = _client(fake)
    fake.fail_next("users.info", status=200, error="fatal_error")
    assert (await _error(client.users_info(user="U1"))).response["error"] == "fatal_error"
    fake.fail_next("*", status=503)
    assert (await _error(client.auth_test())).response.status_code == 503
    assert (await client.auth_test())["ok"]


async def test_rate_limit_mode_answers_429_with_retry_after(fake: FakeSlack) -> None:
    fake.set_rate_limits(RateLimits(channel_per_second=1.0, channel_burst=1, workspace_per_minute=3))
    client = _client(fake)
    await client.chat_postMessage(channel="C1", text="1")
    limited = await _error(client.chat_postMessage(channel="C1", text="2"))
    assert limited.response.status_code == 429 and limited.response["error"] == "ratelimited"
    assert int(limited.response.headers["Retry-After"]) >= 1
    await client.chat_postMessage(channel="C2", text="1")
    await client.chat_postMessage(channel="C3", text="1")
    budget = await _error(client.chat_postMessage(channel="C4", text="1"))
    assert budget.response.status_code == 429 and int(budget.response.headers["Retry-After"]) > 50
    assert fake.ratelimited_count == 2 and len(fake.messages("C1")) == 1


async def test_wait_for(fake: FakeSlack) -> None:
    client = _client(fake)

    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel="C1", text="late")

    task = asyncio.create_task(later())
    call = await fake.wait_for("chat.postMessage", lambda c: c.args.get("text") == "late", timeout=2)
    assert call.ok and call.token == fake.bot_token
    await task
    with pytest.raises(TimeoutError):
        await fake.wait_for("chat.update", timeout=0.05)


def test_sync_web_client_against_a_fake_in_a_background_thread() -> None:
    with FakeSlack() as fake:
        client = WebClient(
            token=fake.bot_token,
            base_url=fake.api_url,
            retry_handlers=[
                RateLimitErrorRetryHandler(max_retry_count=2),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )
        fake.fail_next("chat.postMessage", status=500)
        fake.fail_next("chat.postMessage", status=429, retry_after=1)
        assert client.chat_postMessage(channel="C1", text="hello", blocks=_card())["ok"]
        assert [c.status for c in fake.calls("chat.postMessage")] == [500, 429, 200]
        assert fake.wait_for_sync("chat.postMessage", lambda c: c.ok, timeout=1).args["text"] == "hello"
        assert fake.messages("C1")[0]["blocks"] == _card()


# ---------------------------------------------------------------------------------------------------
# A real Bolt app in HTTP mode, driven by the signed-request sender
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Seen:
    commands: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _bolt_app(fake: FakeSlack, seen: _Seen) -> AsyncApp:
    client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)
    app = AsyncApp(token=fake.bot_token, signing_secret=SECRET, client=client, process_before_response=True)

    @app.command("/quiz")
    async def quiz(ack: Callable[..., Awaitable[None]], body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.commands.append(body)
        if body["text"] == "import":
            await client.views_open(
                trigger_id=body["trigger_id"],
                view=_modal(
                    callback_id="import", blocks=[_text_input()], submit={"type": "plain_text", "text": "Go"}
                ),
            )
        else:
            await client.chat_postMessage(channel=body["channel_id"], text="Question 1", blocks=_card())

    @app.action("choice_A")
    async def choice(
        ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        seen.actions.append(body)
        await client.chat_update(
            channel=body["channel"]["id"],
            ts=body["message"]["ts"],
            text="answered",
            blocks=[_section("Correct!")],
        )
        await respond(text="You chose A", replace_original=False)

    @app.view("import")
    async def submitted(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        seen.submissions.append(body)

    @app.event("message")
    async def message(body: dict[str, Any]) -> None:
        seen.events.append(body)

    return app


@pytest.fixture
async def bolt_http(fake: FakeSlack) -> AsyncIterator[tuple[SlackRequestSender, _Seen]]:
    seen = _Seen()
    runner = web.AppRunner(_bolt_app(fake, seen).web_app(path="/slack/events"), shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with SlackRequestSender(
        f"http://127.0.0.1:{port}/slack/events", SECRET, PayloadFactory(fake)
    ) as sender:
        yield sender, seen
    await runner.cleanup()


async def test_bolt_receives_a_signed_slash_command_and_a_click(
    fake: FakeSlack, bolt_http: tuple[SlackRequestSender, _Seen]
) -> None:
    sender, seen = bolt_http
    sent = await sender.slash_command("/quiz", "next", user_id="U0ALICE001", channel_id="C0QUIZ0001")
    assert sent.status == 200
    assert seen.commands[0]["user_id"] == "U0ALICE001" and seen.commands[0]["command"] == "/quiz"
    [card] = fake.messages("C0QUIZ0001")
    clicked = await sender.click(card, "choice_A", user_id="U0ALICE001")
    assert clicked.status == 200
    action = seen.actions[0]["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "choice_A",
        "choices",
        "A",
        "button",
    )
    assert fake.message("C0QUIZ0001", card["ts"])["blocks"][0]["text"]["text"] == "Correct!"
    [posted] = fake.response_posts()
    assert posted.body["text"] == "You chose A" and posted.status == 200
    assert [e.text for e in fake.ephemerals("U0ALICE001")] == ["You chose A"]
    with pytest.raises(LookupError):
        await sender.click(card, "no_such_button")


async def test_bolt_refuses_unsigned_stale_and_forged_requests(
    bolt_http: tuple[SlackRequestSender, _Seen],
) -> None:
    sender, seen = bolt_http
    for signing in (Signing.UNSIGNED, Signing.STALE, Signing.WRONG_SECRET):
        assert (await sender.slash_command("/quiz", "next", signing=signing)).status == 401, signing
    assert seen.commands == []
    good = await sender.slash_command("/quiz", "next")
    replay = await sender.resend(good)
    assert (good.status, replay.status) == (200, 200)
    assert replay.request.body == good.request.body, "the replay is byte-identical"
    assert len(seen.commands) == 2, "Bolt itself does not dedupe replays within 5 minutes"


async def test_bolt_modal_round_trip_and_events(
    fake: FakeSlack, bolt_http: tuple[SlackRequestSender, _Seen]
) -> None:
    sender, seen = bolt_http
    await sender.slash_command("/quiz", "import")
    [view] = fake.views()
    assert (await sender.submit(view, {"answer": "42"}, user_id="U0ALICE001")).status == 200
    values = seen.submissions[0]["view"]["state"]["values"]
    assert values == {"in": {"answer": {"type": "plain_text_input", "value": "42"}}}
    with pytest.raises(LookupError):
        await sender.submit(view, {"not_an_input": "x"})
    event = sender.payloads.message_event("hello", channel_type="im")
    assert (
        await sender.event(event, event_id="Ev0001", retry_num=1, retry_reason="http_timeout")
    ).status == 200
    await asyncio.sleep(0.05)
    assert seen.events and seen.events[0]["event_id"] == "Ev0001"


def test_signature_matches_slack_sdk_verifier() -> None:
    request = sign(b"token=x&text=hi", "application/x-www-form-urlencoded", SECRET, now=1_700_000_000)
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(1_700_000_000))
    assert verifier.is_valid_request(request.body, request.headers)
    assert request.headers["X-Slack-Signature"] == signature(SECRET, "1700000000", request.body)
    stale = sign(request.body, "x", SECRET, signing=Signing.STALE, now=1_700_000_000)
    assert not verifier.is_valid_request(stale.body, stale.headers)


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def test_payloads_pick_options_from_the_card() -> None:
    card = {"ts": "1.000001", "channel": "C1", "blocks": _card()}
    payloads = PayloadFactory()
    chosen = payloads.block_actions(card, "pick", "B")["actions"][0]
    assert chosen["selected_option"]["value"] == "B" and chosen["type"] == "static_select"
    ticked = payloads.block_actions(card, "multi", ["x", "y"])["actions"][0]
    assert [o["value"] for o in ticked["selected_options"]] == ["x", "y"]
    with pytest.raises(ValueError):
        payloads.block_actions(card, "pick", "Z")
    too_long = {"type": "modal", "blocks": [_text_input(max_length=5)]}
    with pytest.raises(ValueError):
        payloads.view_submission(too_long, {"answer": "123456"})


# ---------------------------------------------------------------------------------------------------
# Socket Mode
# ---------------------------------------------------------------------------------------------------


async def test_socket_mode_round_trip_with_bolt(fake: FakeSlack) -> None:
    seen = _Seen()
    handler = AsyncSocketModeHandler(_bolt_app(fake, seen), fake.app_token)
    await handler.connect_async()
    try:
        await fake.socket_mode.wait_for_connections(1)
        payloads = PayloadFactory(fake)
        envelope_id = await fake.socket_mode.send_envelope(
            "slash_commands", payloads.slash_command("/quiz", "next")
        )
        ack = await fake.socket_mode.wait_for_ack(envelope_id, timeout=5)
        assert ack.envelope_id == envelope_id
        assert seen.commands[0]["command"] == "/quiz"
        card = (await fake.wait_for("chat.postMessage", timeout=5)).response["message"] | {
            "channel": "C0QUIZ0001"
        }
        click = await fake.socket_mode.send_envelope("interactive", payloads.block_actions(card, "choice_A"))
        await fake.socket_mode.wait_for_ack(click)
        assert seen.actions[0]["actions"][0]["value"] == "A"

        await fake.socket_mode.request_disconnect("refresh_requested")
        await fake.socket_mode.wait_for_connections(2, timeout=10)
        event = payloads.event_callback(payloads.message_event("after refresh"))
        acked = await fake.socket_mode.send_envelope("events_api", event, retry_attempt=0)
        await fake.socket_mode.wait_for_ack(acked)
        assert len(fake.calls("apps.connections.open")) == 2
        assert all(c.token == fake.app_token for c in fake.calls("apps.connections.open"))

        await fake.socket_mode.drop_connections()
        await fake.socket_mode.wait_for_connections(3, timeout=10)
        after_drop = await fake.socket_mode.send_envelope(
            "slash_commands", payloads.slash_command("/quiz", "x")
        )
        await fake.socket_mode.wait_for_ack(after_drop)
    finally:
        await handler.close_async()


async def test_socket_mode_refuses_unknown_tickets(fake: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(f"{fake.socket_mode.base_url}/link/?ticket=forged")
        url = (await _client(fake).apps_connections_open(app_token=fake.app_token))["url"]
        async with session.ws_connect(url) as ws:
            hello = await ws.receive_json(timeout=2)
            assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == fake.app_id
            envelope_id = await fake.socket_mode.send_envelope("events_api", {"type": "event_callback"})
            envelope = await ws.receive_json(timeout=2)
            assert envelope["envelope_id"] == envelope_id and envelope["retry_attempt"] == 0
            await ws.send_str(json.dumps({"envelope_id": envelope_id}))
            assert (await fake.socket_mode.wait_for_ack(envelope_id)).payload is None
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)  # tickets are single-use
