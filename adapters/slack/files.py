"""The files picked in the ``/quiz import`` modal, downloaded in the bot's process as core ``Upload``s.

Each file is fetched from its ``url_private_download`` with ``Authorization: Bearer <bot token>`` (Slack's
way; the app needs the ``files:read`` scope), on the Web API client's pooled aiohttp session
(``PooledWebClient.http_session``) with its SSL and proxy settings. What cannot be fetched becomes an
``Upload`` with no data and a ``problem`` the instructor is shown:
- a file larger than ``MAX_BYTES`` by Slack's own ``size`` is not downloaded at all; a download that turns
  out larger (a wrong size) is cut off past the limit;
- Slack answers a request it will not serve (no ``files:read`` scope, a revoked token) with its sign-in page,
  status 200, ``text/html``: said as such rather than imported as a quiz;
- another status, a network error or a timeout (a 429 or a 5xx is tried again first, up to ``ATTEMPTS``
  times, as the Web API client retries its calls).
The bot token goes only to Slack: a URL whose origin is neither Slack's file host nor the configured API
base URL's (the fake Slack of the tests serves files there) is not requested.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from yarl import URL

from adapters.slack.jobs import SlackFile
from adapters.slack.port import PooledWebClient
from bot.events import Upload
from questions.importers.reading import MAX_BYTES, too_large

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 30.0
ATTEMPTS = 3  # a 429 (after its Retry-After, at most MAX_RETRY_WAIT) or a 5xx is tried again
MAX_RETRY_WAIT = 10.0
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024
SLACK_FILE_DOMAINS = ("slack.com", "slack-gov.com")
SIGN_IN_PAGE = (
    "could not be downloaded: Slack sent its sign-in page instead of the file (the app needs the "
    "files:read scope: add it and reinstall the app)"
)
NOT_SLACK = "was not downloaded: its address is not Slack's"


def retry_wait(response: aiohttp.ClientResponse, attempt: int) -> float | None:
    """Seconds to wait before trying again after ``response`` (the ``attempt``-th), or None: use it."""
    if attempt >= ATTEMPTS:
        return None
    if response.status == 429:
        try:
            return min(MAX_RETRY_WAIT, max(0.0, float(response.headers.get("Retry-After", "1"))))
        except ValueError:
            return 1.0
    if response.status in (500, 502, 503, 504):
        return 0.5 * 2 ** (attempt - 1)
    return None


class FileFetcher:
    """Downloads picked files with the bot token of ``client`` (its session, SSL and proxy settings)."""

    def __init__(
        self, client: AsyncWebClient, *, max_bytes: int = MAX_BYTES, timeout: float = DOWNLOAD_TIMEOUT
    ) -> None:
        self._web = client
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._api_origin = URL(client.base_url).origin()

    async def fetch_all(self, files: Sequence[SlackFile]) -> tuple[Upload, ...]:
        """Each file as an ``Upload`` (bytes, or why not), in order, fetched side by side."""
        if not files:
            return ()
        async with self._session() as session:
            return tuple(await asyncio.gather(*(self.fetch(session, file) for file in files)))

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[aiohttp.ClientSession]:
        """The client's pooled session; a session of the call's own for a client that pools none."""
        web = self._web
        if isinstance(web, PooledWebClient):
            yield web.http_session()
        elif web.session is not None and not web.session.closed:
            yield web.session
        else:
            async with aiohttp.ClientSession() as session:
                yield session

    def trusted(self, url: str) -> bool:
        """Whether ``url`` is Slack's (a Slack host over https) or on the configured API base URL's origin."""
        try:
            parsed = URL(url)
            if parsed.origin() == self._api_origin:
                return True
        except ValueError:
            return False
        host = (parsed.host or "").casefold()
        return parsed.scheme == "https" and any(
            host == domain or host.endswith("." + domain) for domain in SLACK_FILE_DOMAINS
        )

    async def fetch(self, session: aiohttp.ClientSession, file: SlackFile) -> Upload:
        """One file as an ``Upload``: its bytes, or (``data`` None) why it could not be had."""
        if file.size is not None and file.size > self._max_bytes:
            return Upload(file.name, None, too_large(file.size, self._max_bytes))
        if not self.trusted(file.url):
            log.warning("did not download file %s from a URL that is not Slack's", file.id)
            return Upload(file.name, None, NOT_SLACK)
        try:
            for attempt in range(1, ATTEMPTS + 1):
                async with session.get(
                    file.url,
                    headers={"Authorization": f"Bearer {self._web.token}"},
                    timeout=aiohttp.ClientTimeout(total=self._timeout),
                    max_redirects=MAX_REDIRECTS,
                    ssl=self._web.ssl if self._web.ssl is not None else True,
                    proxy=self._web.proxy,
                ) as response:
                    wait = retry_wait(response, attempt)
                    if wait is None:
                        return await self._read(file, response)
                log.info("file %s: Slack answered %s; trying again in %.1f s", file.id, response.status, wait)
                await asyncio.sleep(wait)
            raise AssertionError("unreachable: the last attempt never waits")
        except TimeoutError:
            return Upload(file.name, None, "could not be downloaded (Slack did not answer in time)")
        except aiohttp.TooManyRedirects:
            log.warning("could not download file %s: too many redirects", file.id)
            return Upload(file.name, None, "could not be downloaded (too many redirects)")
        except (aiohttp.ClientError, OSError) as exc:
            # Never %r an aiohttp error: its request info holds the headers, the bot token among them.
            log.warning("could not download file %s: %s", file.id, type(exc).__name__)
            return Upload(file.name, None, "could not be downloaded (a network error)")

    async def _read(self, file: SlackFile, response: aiohttp.ClientResponse) -> Upload:
        if response.status != 200:
            return Upload(file.name, None, f"could not be downloaded (Slack answered HTTP {response.status})")
        if response.content_type == "text/html" and not file.mimetype.startswith("text/html"):
            log.warning("Slack sent a web page for file %s: is the files:read scope missing?", file.id)
            return Upload(file.name, None, SIGN_IN_PAGE)
        length = response.content_length
        if length is not None and length > self._max_bytes:
            return Upload(file.name, None, too_large(length, self._max_bytes))
        data = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            data += chunk
            if len(data) > self._max_bytes:  # Slack's size was wrong: stop reading
                return Upload(file.name, None, too_large(len(data), self._max_bytes))
        return Upload(file.name, bytes(data))
