"""Text for Discord: user text escaped (mentions and Markdown), bank Markdown kept, long text split with care.

Two kinds of text reach a message. User text (display names, team names, typed answers, unknown topics:
the ``echo``/``name``/``your_answer`` fields of ``bot.messages``) is shown inert: control characters
removed, ``discord.utils.escape_mentions`` (a zero-width space breaks ``@everyone``, ``@here``, ``<@id>`` and
``<@&role>``) and ``discord.utils.escape_markdown``. Bank text (prompts, choices, explanations) is Markdown
written by instructors: it keeps its formatting and code blocks, and only its mentions are broken. Every
message also goes out with ``AllowedMentions.none()`` (``port``), so nothing pings even if text slipped
through.

``split_markdown`` cuts long Markdown into pieces of at most ``limit`` characters at line boundaries, and
when a cut falls inside a fenced code block it closes the fence at the end of one piece and reopens it
(with its language) at the start of the next, so every piece renders on its own.
"""

from __future__ import annotations

import re

import discord

from bot.render_text import clean_block, clean_inline

ELLIPSIS = "…"
_FENCE = re.compile(r"^( {0,3})(`{3,24}|~{3,24})(.*)$")
MAX_OPENER = 40  # indent (3) + marker (24) + language (13)
RESERVE = MAX_OPENER + 26  # room to close one fence and reopen it in the next piece
_CHANNEL_REF = re.compile(r"(?<![\w<#])\\?#([0-9]{17,20})(?![0-9])")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def user_text(text: str, limit: int = 200) -> str:
    """User text for inline display: one line, shortened, mentions and Markdown escaped."""
    cleaned = truncate(clean_inline(text).strip(), limit)
    return discord.utils.escape_markdown(discord.utils.escape_mentions(cleaned))


def channel_links(text: str) -> str:
    """``#<channel id>`` in bot text (schedule descriptions, failure notices) as a Discord channel link
    ``<#id>``, which shows the channel's name and pings nobody. Only snowflakes (17 to 20 digits) are
    read as channel ids; an escaped ``\\#`` at a line start is consumed with them."""
    return _CHANNEL_REF.sub(r"<#\1>", text)


def quote(text: str, limit: int = 200) -> str:
    """User text shown quoted: “escaped text”."""
    return f"“{user_text(text, limit)}”"


def bank_inline(text: str, limit: int = 300) -> str:
    """One line of bank text (a choice, a review title): Markdown kept, mentions broken, shortened."""
    return discord.utils.escape_mentions(truncate(" ".join(clean_inline(text).split()), limit))


def bank_block(text: str) -> str:
    """Multi-line bank Markdown (a prompt, an explanation): code blocks kept, mentions broken."""
    return discord.utils.escape_mentions(clean_block(text).strip())


def _pieces(line: str, size: int) -> list[str]:
    return [line[i : i + size] for i in range(0, len(line), size)] or [""]


def split_markdown(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends where possible; a cut inside a
    fenced code block closes the fence and reopens it in the next piece."""
    if limit <= RESERVE * 2:
        raise ValueError(f"limit must exceed {RESERVE * 2}")
    if len(text) <= limit:
        return [text]
    budget = limit - RESERVE
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    opener: str | None = None  # the reopening line of the open code block
    closer = ""

    def flush() -> None:
        nonlocal lines, size
        body = "\n".join(lines)
        if opener is not None:
            body += "\n" + closer
        chunks.append(body)
        lines = [opener] if opener is not None else []
        size = len(opener) if opener is not None else 0

    for raw in text.split("\n"):
        fence = _FENCE.match(raw)
        for index, piece in enumerate(_pieces(raw, budget - MAX_OPENER - 1)):
            added = len(piece) + (1 if lines else 0)
            if lines and size + added > budget:
                flush()
                added = len(piece) + (1 if lines else 0)
            lines.append(piece)
            size += added
            if index == 0 and fence is not None:
                indent, marker, info = fence.groups()
                if opener is None:
                    opener = indent + marker + info.strip()[:13]
                    closer = marker
                elif marker.startswith(closer) and not info.strip():
                    opener, closer = None, ""
    if lines:
        chunks.append("\n".join(lines))
    return [c for c in chunks if c.strip()] or [text[:limit]]


def shorten_markdown(text: str, limit: int, marker: str = "\n" + ELLIPSIS + " (shortened)") -> str:
    """``text`` cut to at most ``limit`` characters at a line end (code fences closed), with ``marker``."""
    if len(text) <= limit:
        return text
    return split_markdown(text, limit - len(marker))[0] + marker
