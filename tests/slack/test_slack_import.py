"""``/quiz import`` in Slack: the command opens a modal with a file input (views.open, checked by the fake
and by slack_sdk's models); its submission is acked at once, the picked files are downloaded with the bot
token from the fake's own file server, and the core's summary reaches the instructor privately. Over HTTP
(in this process and through the front process) and Socket Mode."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from fakes.slack import FakeSlack, PayloadFactory, validate_view
from fakes.slack.web_api import FILE_DOWNLOAD
from slack_sdk.models.blocks import Block
from slackkit import CHANNEL, INSTRUCTOR, START, SlackEnv, settings_for, slack_env, store_questions
from sqlalchemy import select

from adapters.slack import ids
from adapters.slack.app import build_slack_app
from adapters.slack.files import FileFetcher
from adapters.slack.jobs import SlackFile
from adapters.slack.port import make_client
from adapters.slack.render import IMPORT_ACTION, IMPORT_BLOCK
from bot.app import build_app
from bot.clock import FakeClock
from bot.storage.models import Bank, QuestionRow

HTTP_QUIZ = b"""---
bank: http-codes
title: HTTP status codes
topic: HTTP
---

### Q1. Which status code means "Not Found"?

- A) 200
- B) 404
- C) 500

**Answer:** B

### Q2. Which header names the body's media type?

**Accepted:** `Content-Type` | `content-type`
"""

BROKEN_QUIZ = b"""---
bank: dns-bits
title: DNS bits
topic: DNS
---

### Q1. Which record maps a name to an IPv4 address?

- A) A
- B) MX

**Answer:** A

### Q2. Which port does DNS use by default?

- A) 53
- B) 80
"""


def banks(env: SlackEnv) -> dict[str, tuple[str, str | None, int]]:
    """Bank name -> (title, owner, active questions), from the database."""
    with env.quiz.sessions() as s:
        rows = s.scalars(select(QuestionRow).where(QuestionRow.active.is_(True))).all()
        return {
            b.name: (b.title, b.owner, sum(r.bank == b.name for r in rows)) for b in s.scalars(select(Bank))
        }


def file_of(item: dict[str, Any]) -> SlackFile:
    """A Slack file object as the adapter reads it from a submitted file input."""
    return SlackFile(item["id"], item["name"], item["size"], item["mimetype"], item["url_private_download"])


def private_replies(env: SlackEnv, user: str) -> list[str]:
    """Everything ``user`` was told privately (ephemerals, then DMs), as text and blocks."""
    said = [e.text + json.dumps(e.blocks, ensure_ascii=False) for e in env.fake.ephemerals(user)]
    said += [m["text"] + json.dumps(m["blocks"], ensure_ascii=False) for m in env.fake.dms(user)]
    return said


async def open_import(env: SlackEnv, user: str, text: str = "import") -> dict[str, Any]:
    """``/quiz <text>`` as ``user``; the modal it opened (asserted valid as Slack and slack_sdk see it)."""
    before = len(env.fake.calls("views.open"))
    sent = await env.command(text, user)
    assert sent.status == 200 and sent.body == ""  # acked at once, nothing said in the channel
    opened = env.fake.calls("views.open")[before:]
    assert len(opened) == 1 and opened[0].ok, opened
    view = opened[0].response["view"]
    assert validate_view(view) == []
    for block in view["blocks"]:
        assert Block.parse(block) is not None
    return view


async def submit_files(env: SlackEnv, view: dict[str, Any], user: str, *files: dict[str, Any]) -> None:
    sent = await env.sender.submit(view, {IMPORT_ACTION: list(files)}, user_id=user, user_name=env.name(user))
    assert sent.status == 200 and sent.body == ""  # acked: the modal closes
    await env.settle()


async def test_instructor_imports_a_quiz_file(env: SlackEnv) -> None:
    fake = env.fake
    fake.add_user(INSTRUCTOR, "teacher")
    view = await open_import(env, INSTRUCTOR)
    assert view["callback_id"] == ids.IMPORT_FORM
    assert json.loads(view["private_metadata"]) == {"c": CHANNEL, "d": 0}
    [block] = [b for b in view["blocks"] if b["type"] == "input"]
    assert block["block_id"] == IMPORT_BLOCK
    element = block["element"]
    assert element["type"] == "file_input" and element["action_id"] == IMPORT_ACTION
    assert element["filetypes"] == ["md", "markdown", "txt"] and element["max_files"] == 10

    quiz = fake.add_file("http.md", HTTP_QUIZ, user=INSTRUCTOR)
    await submit_files(env, view, INSTRUCTOR, quiz)

    [download] = fake.downloads(quiz["id"])
    assert download.token == fake.bot_token and download.served
    assert download.path.endswith("/download/http.md")  # url_private_download
    assert banks(env)["http-codes"] == ("HTTP status codes", f"slack:{fake.team_id}", 2)
    [summary] = private_replies(env, INSTRUCTOR)
    assert "http-codes" in summary and "2 questions (1 single, 1 short)" in summary
    assert "stored, 2 added" in summary
    assert not fake.ephemerals("U0PLAYER01") and not fake.messages(CHANNEL)  # only the instructor was told


async def test_a_skipped_item_is_named_with_its_line(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    view = await open_import(env, INSTRUCTOR)
    quiz = fake.add_file("dns.md", BROKEN_QUIZ, user=INSTRUCTOR)
    await submit_files(env, view, INSTRUCTOR, quiz)
    [summary] = private_replies(env, INSTRUCTOR)
    assert "dns.md:14: Q2: no answer" in summary
    assert banks(env)["dns-bits"][2] == 1


async def test_workspace_admins_may_import_and_learners_may_not(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.add_user("U1", "student")
    fake.add_user("UADMIN", "boss", is_admin=True)
    sent = await env.command("import", "U1")
    await env.settle()
    assert sent.status == 200 and fake.calls("views.open") == []  # no form to fill in for nothing
    [refusal] = private_replies(env, "U1")
    assert "Only instructors can use /quiz import." in refusal

    view = await open_import(env, "UADMIN")  # a workspace admin (users.info) is an instructor
    stale = view  # a learner submitting a form (one opened before they lost the role, say) is refused too
    await submit_files(env, stale, "U1", fake.add_file("http.md", HTTP_QUIZ, user="U1"))
    assert "Only instructors can use /quiz import." in private_replies(env, "U1")[-1]
    assert "http-codes" not in banks(env)
    assert fake.downloads() == []  # a learner's files are not fetched at all

    view = await open_import(env, "UADMIN")
    await submit_files(env, view, "UADMIN", fake.add_file("http.md", HTTP_QUIZ, user="UADMIN"))
    assert banks(env)["http-codes"][2] == 2
    assert "users.info" in {c.method for c in fake.calls()}


async def test_check_only_stores_nothing(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    view = await open_import(env, INSTRUCTOR, "import check")
    assert json.loads(view["private_metadata"])["d"] == 1
    assert view["submit"]["text"] == "Check"
    await submit_files(env, view, INSTRUCTOR, fake.add_file("http.md", HTTP_QUIZ, user=INSTRUCTOR))
    [summary] = private_replies(env, INSTRUCTOR)
    assert summary.startswith("Checked") and "checked only, nothing stored" in summary
    assert "http-codes" not in banks(env)


async def test_hostile_file_name_and_title_are_escaped(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    hostile = BROKEN_QUIZ.replace(b"title: DNS bits", b"title: <!channel> @everyone bits")
    name = "<!channel> @everyone.md"
    view = await open_import(env, INSTRUCTOR)
    await submit_files(env, view, INSTRUCTOR, fake.add_file(name, hostile, user=INSTRUCTOR))
    assert banks(env)["dns-bits"][0] == "<!channel> @everyone bits"  # stored as written
    sent = [c for c in fake.calls() if c.method.startswith("chat.") and c.ok]
    assert sent
    for call in sent:
        payload = json.dumps(call.args, ensure_ascii=False)
        assert "<!channel>" not in payload and "@everyone" not in payload, payload
    [summary] = private_replies(env, INSTRUCTOR)
    assert "(&lt;!channel&gt; @\u2060everyone bits)" in summary  # the title, shown as text
    assert "&lt;!channel&gt; @\u2060everyone.md:14: Q2: no answer" in summary  # the file name


async def test_an_oversized_file_is_refused_without_downloading_it(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    view = await open_import(env, INSTRUCTOR)
    big = fake.add_file("big.md", HTTP_QUIZ, user=INSTRUCTOR, size=3 * 1024 * 1024)  # Slack says 3 MB
    await submit_files(env, view, INSTRUCTOR, big)
    assert fake.downloads() == []
    [summary] = private_replies(env, INSTRUCTOR)
    assert "big.md: is too large (3.0 MB; the limit is 2 MB)" in summary
    assert "http-codes" not in banks(env)


async def test_a_file_larger_than_slack_said_is_not_read_past_the_limit() -> None:
    async with FakeSlack() as fake:
        client = make_client(fake.bot_token, fake.api_url)
        fetcher = FileFetcher(client, max_bytes=1000)
        try:
            lying = fake.add_file("huge.md", b"x" * 5000, size=10)  # Slack's size is wrong
            fits = fake.add_file("small.md", b"y" * 1000)
            # Served without a length: only counting while reading can catch it.
            streamed = fake.add_file("stream.md", b"z" * 200_000, size=10, chunked=True)
            fits_streamed = fake.add_file("fits.md", b"w" * 1000, chunked=True)
            [cut, whole, cut_streamed, whole_streamed] = await fetcher.fetch_all(
                [file_of(lying), file_of(fits), file_of(streamed), file_of(fits_streamed)]
            )
        finally:
            await client.aclose()  # type: ignore[attr-defined]
    assert cut.data is None and cut.problem is not None and cut.problem.startswith("is too large")
    assert whole.data == b"y" * 1000 and whole.problem is None
    assert cut_streamed.data is None and cut_streamed.problem is not None
    assert cut_streamed.problem.startswith("is too large")
    assert whole_streamed.data == b"w" * 1000 and whole_streamed.problem is None


async def test_a_redirect_loop_is_reported_and_the_token_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """aiohttp's redirect error carries the request's headers (the bot token): it must not reach the log."""

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    app = web.Application()
    app.router.add_get("/files/loop", loop)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    client = make_client("xoxb-very-secret-token", f"http://127.0.0.1:{port}/api/")
    fetcher = FileFetcher(client)
    try:
        with caplog.at_level(logging.DEBUG):
            [upload] = await fetcher.fetch_all(
                [SlackFile("F1", "loop.md", 10, "text/markdown", f"http://127.0.0.1:{port}/files/loop")]
            )
    finally:
        await client.aclose()  # type: ignore[attr-defined]
        await runner.cleanup()
    assert upload.data is None and upload.problem == "could not be downloaded (too many redirects)"
    assert caplog.records and not any("very-secret" in r.getMessage() for r in caplog.records)


async def test_slack_busy_or_failing_is_tried_again_then_reported(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.fail_next(FILE_DOWNLOAD, status=503)
    fake.fail_next(FILE_DOWNLOAD, status=429, retry_after=0)
    view = await open_import(env, INSTRUCTOR)
    quiz = fake.add_file("http.md", HTTP_QUIZ, user=INSTRUCTOR)
    await submit_files(env, view, INSTRUCTOR, quiz)
    assert [d.status for d in fake.downloads(quiz["id"])] == [503, 429, 200]
    assert banks(env)["http-codes"][2] == 2

    fake.fail_next(FILE_DOWNLOAD, status=500, times=5)  # still failing after the last attempt
    view = await open_import(env, INSTRUCTOR)
    broken = fake.add_file("again.md", HTTP_QUIZ, user=INSTRUCTOR)
    await submit_files(env, view, INSTRUCTOR, broken)
    assert [d.status for d in fake.downloads(broken["id"])] == [500, 500, 500]
    assert (
        "Could not read again.md: could not be downloaded (Slack answered HTTP 500)"
        in private_replies(env, INSTRUCTOR)[-1]
    )


async def test_a_sign_in_page_instead_of_the_file_is_reported(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    fake.files_read = False  # the app was installed without files:read
    view = await open_import(env, INSTRUCTOR)
    await submit_files(env, view, INSTRUCTOR, fake.add_file("http.md", HTTP_QUIZ, user=INSTRUCTOR))
    [download] = fake.downloads()
    assert download.status == 200 and not download.served
    [summary] = private_replies(env, INSTRUCTOR)
    assert "http.md: could not be downloaded: Slack sent its sign-in page" in summary
    assert "files:read" in summary
    assert "http-codes" not in banks(env)


async def test_a_deleted_file_and_a_good_one_together(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    view = await open_import(env, INSTRUCTOR)
    gone = fake.add_file("gone.md", BROKEN_QUIZ, user=INSTRUCTOR)
    fake.delete_file(gone["id"])
    await submit_files(env, view, INSTRUCTOR, gone, fake.add_file("http.md", HTTP_QUIZ, user=INSTRUCTOR))
    [summary] = private_replies(env, INSTRUCTOR)
    assert "gone.md: could not be downloaded (Slack answered HTTP 404)" in summary
    assert banks(env)["http-codes"][2] == 2 and "dns-bits" not in banks(env)


async def test_the_token_goes_only_to_slack(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    async with FakeSlack(bot_token="xoxb-elsewhere") as elsewhere:
        foreign = elsewhere.add_file("http.md", HTTP_QUIZ)  # a URL on another origin than the API's
        view = await open_import(env, INSTRUCTOR)
        await submit_files(env, view, INSTRUCTOR, foreign)
        assert elsewhere.downloads() == [] and fake.downloads() == []
    [summary] = private_replies(env, INSTRUCTOR)
    assert "http.md: was not downloaded: its address is not Slack's" in summary


async def test_submitting_no_file_keeps_the_modal_open(sqlite_env: SlackEnv) -> None:
    env = sqlite_env
    view = await open_import(env, INSTRUCTOR)
    sent = await env.sender.submit(view, {}, user_id=INSTRUCTOR)
    assert sent.status == 200
    assert sent.json() == {
        "response_action": "errors",
        "errors": {IMPORT_BLOCK: "Pick at least one Markdown quiz file."},
    }
    await env.settle()
    assert private_replies(env, INSTRUCTOR) == []


async def test_import_with_other_words_gets_the_cores_hint(sqlite_env: SlackEnv) -> None:
    env, fake = sqlite_env, sqlite_env.fake
    await env.command("import everything", INSTRUCTOR)
    assert fake.calls("views.open") == []
    assert "Slack: the form it opens" in fake.ephemerals(INSTRUCTOR)[-1].text


async def test_import_through_the_front_process(tmp_path: Path) -> None:
    async with slack_env(f"sqlite:///{tmp_path / 'front.db'}", front=True) as env:
        view = await open_import(env, INSTRUCTOR)
        await submit_files(env, view, INSTRUCTOR, env.fake.add_file("http.md", HTTP_QUIZ, user=INSTRUCTOR))
        assert banks(env)["http-codes"][2] == 2
        assert "stored, 2 added" in private_replies(env, INSTRUCTOR)[-1]


async def test_import_over_socket_mode(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        settings = settings_for(fake, f"sqlite:///{tmp_path / 'socket.db'}", mode="socket")
        quiz = build_app(settings, clock=FakeClock(START), rng=random.Random(1))
        store_questions(quiz)
        bot = build_slack_app(settings, quiz, update_interval=0)
        handler = await bot.start_socket_mode(fake.app_token)
        socket, payloads = fake.socket_mode, PayloadFactory(fake)
        try:
            await socket.wait_for_connections(1)
            command = payloads.slash_command("/quiz", "import", user_id=INSTRUCTOR, channel_id=CHANNEL)
            await socket.wait_for_ack(await socket.send_envelope("slash_commands", command))
            await bot.drain()
            [opened] = fake.calls("views.open", ok=True)
            view = opened.response["view"]
            quiz_file = fake.add_file("http.md", HTTP_QUIZ, user=INSTRUCTOR)
            submission = payloads.view_submission(view, {IMPORT_ACTION: quiz_file["id"]}, user_id=INSTRUCTOR)
            ack = await socket.wait_for_ack(await socket.send_envelope("interactive", submission))
            assert not ack.payload  # acked plainly: the modal closes
            await bot.drain()
            with quiz.sessions() as s:
                bank = s.get(Bank, "http-codes")
                assert bank is not None and bank.owner == f"slack:{fake.team_id}"
            assert "stored, 2 added" in fake.ephemerals(INSTRUCTOR)[-1].text
            assert [d.token for d in fake.downloads()] == [fake.bot_token]
        finally:
            await handler.close_async()
            await bot.close()
            quiz.close()
