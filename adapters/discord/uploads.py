"""Files attached to ``/quiz import``: each ``discord.Attachment`` becomes a core ``Upload``.

An attachment larger than ``questions.importers.reading.MAX_BYTES`` (the size Discord reports) is not
downloaded; the others are fetched from Discord's CDN (``Attachment.read``: a signed URL, no token), at
most ``DOWNLOAD_TIMEOUT`` seconds each, all at once. A file that cannot be fetched (too large, an HTTP
error, a time-out) becomes an ``Upload`` without data, saying why; the core reports it with the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiohttp
import discord

from bot.events import Upload
from questions.importers.reading import MAX_BYTES, too_large

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 30.0


async def fetch_upload(attachment: discord.Attachment, *, timeout: float = DOWNLOAD_TIMEOUT) -> Upload:
    """The attachment's bytes, or why there are none."""
    name = attachment.filename
    if attachment.size > MAX_BYTES:
        return Upload(name, None, problem=too_large(attachment.size))
    try:
        data = await asyncio.wait_for(attachment.read(), timeout)
    except TimeoutError:
        return Upload(name, None, problem=f"could not be downloaded from Discord in {timeout:.0f} s")
    except discord.HTTPException as exc:
        log.info("could not download attachment %s: %s", attachment.id, exc)
        return Upload(name, None, problem=f"could not be downloaded from Discord (HTTP {exc.status})")
    except (aiohttp.ClientError, OSError) as exc:  # a reset connection, DNS: discord.py lets them by
        log.info("could not download attachment %s: %s", attachment.id, type(exc).__name__)
        return Upload(name, None, problem="could not be downloaded from Discord (a network error)")
    if len(data) > MAX_BYTES:  # larger than Discord said
        return Upload(name, None, problem=too_large(len(data)))
    return Upload(name, data)


async def fetch_uploads(
    attachments: Sequence[discord.Attachment], *, timeout: float = DOWNLOAD_TIMEOUT
) -> tuple[Upload, ...]:
    """Every attachment's ``Upload``, in order (downloaded concurrently)."""
    return tuple(await asyncio.gather(*(fetch_upload(a, timeout=timeout) for a in attachments)))
