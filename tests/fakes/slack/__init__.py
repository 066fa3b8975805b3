"""A fake Slack on loopback for end-to-end tests of the real slack-bolt app (see README.md here).

- ``FakeSlack``: the Web API (+ upload URLs, response_urls, Socket Mode websocket) on 127.0.0.1.
- ``SlackRequestSender``: signed slash commands, block_actions, view_submission, Events API over HTTP.
- ``PayloadFactory``: those payloads as dicts (also for Socket Mode envelopes).
- ``validate_blocks`` / ``validate_view``: Block Kit limits, pure.
"""

from .blockkit import validate_blocks, validate_view
from .payloads import PayloadFactory, find_element, new_trigger_id
from .ratelimit import RateLimiter, RateLimits
from .sender import SentRequest, SlackRequestSender
from .signing import SignedRequest, Signing, sign, signature
from .socket_mode import Ack, FakeSocketMode
from .threaded import BackgroundLoop
from .web_api import FakeSlack
from .workspace import Call, Ephemeral, FileDownload, ResponseUrlPost, SharedFile, UploadedFile

__all__ = [
    "Ack",
    "BackgroundLoop",
    "Call",
    "Ephemeral",
    "FakeSlack",
    "FakeSocketMode",
    "FileDownload",
    "PayloadFactory",
    "RateLimiter",
    "RateLimits",
    "ResponseUrlPost",
    "SentRequest",
    "SharedFile",
    "SignedRequest",
    "Signing",
    "SlackRequestSender",
    "UploadedFile",
    "find_element",
    "new_trigger_id",
    "sign",
    "signature",
    "validate_blocks",
    "validate_view",
]
