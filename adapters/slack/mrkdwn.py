"""Text for Slack's ``mrkdwn``: escaping, bank Markdown converted, and long text split to fit a block.

Slack parses ``<...>`` in mrkdwn as links and mentions (``<!channel>``, ``<!here>``, ``<@U123>``), and ``&``
starts an entity, so every piece of text we did not construct ourselves is escaped (``&`` ``<`` ``>``).
User text (display names, typed answers, team names) is also cleaned of control characters and has its
bare ``@channel`` / ``@here`` / ``@everyone`` broken with a word joiner, so nothing a user typed can ever
ping anyone, whatever ``link_names`` does. Bank text (prompts, options, explanations) is instructors'
Markdown: it is escaped too, and only the links we build from its ``[text](https://...)`` are live.
"""

from __future__ import annotations

import functools
import re

from bot.render_text import clean_block, clean_inline

BANK_TEXT_CACHE = 4096  # bank texts (prompts, options, explanations) whose mrkdwn is kept

CODE_FENCE = "```"
_FENCE_LINE = re.compile(r"^\s*(```|~~~)")
_MASS_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]\n]{1,300})\]\((https?://[^\s()<>|]{1,2000})\)")
_INLINE_CODE = re.compile(r"(`[^`\n]+`)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BOLD_UNDERSCORE = re.compile(r"__(?=\S)(.+?)(?<=\S)__")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_WORD_JOINER = "\u2060"
TRUNCATED = "… (truncated)"


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack's entities (the three characters mrkdwn gives meaning to)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inert(text: str) -> str:
    """Text (any number of lines, spacing kept) escaped with its mass mentions defused."""
    return _MASS_MENTION.sub(lambda m: "@" + _WORD_JOINER + m.group(1), escape(text))


def user_text(text: str, limit: int | None = None) -> str:
    """User-provided text for one line of mrkdwn: cleaned, shortened, escaped, mass mentions defused."""
    text = clean_inline(text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return inert(text)


def quoted(text: str, limit: int = 200) -> str:
    """User text shown inline in quotes."""
    return f"“{user_text(text, limit)}”"


def link(url: str, label: str) -> str:
    """A link we construct: only http(s) URLs, label escaped; otherwise the label and URL as plain text."""
    if re.fullmatch(r"https?://[^\s<>|]{1,2000}", url):
        return f"<{escape(url)}|{escape(clean_inline(label)).replace('|', '¦')}>"
    return escape(clean_inline(f"{label} {url}".strip()))


def _inline(text: str) -> str:
    """One line of bank Markdown outside code: escaped, links built, ``**bold**`` -> ``*bold*``."""
    parts = []
    for i, piece in enumerate(_INLINE_CODE.split(text)):
        if i % 2:  # inline code: escaped, otherwise kept verbatim
            parts.append(escape(piece))
            continue
        out, last = [], 0
        for match in _LINK.finditer(piece):
            out.append(_emphasis(escape(piece[last : match.start()])))
            out.append(link(match.group(2), match.group(1)))
            last = match.end()
        out.append(_emphasis(escape(piece[last:])))
        parts.append("".join(out))
    return "".join(parts)


def _emphasis(text: str) -> str:
    return _BOLD_UNDERSCORE.sub(r"_\1_", _BOLD.sub(r"*\1*", text))


@functools.lru_cache(maxsize=BANK_TEXT_CACHE)
def bank_text(markdown: str) -> str:
    """Instructors' Markdown as mrkdwn: code fences kept (language hints dropped, contents verbatim but
    escaped), headings bold, links live, everything else escaped. Cached: the same prompt, options and
    explanation are rendered for every answerer's card update and feedback."""
    lines = []
    in_code = False
    for line in clean_block(markdown).split("\n"):
        if _FENCE_LINE.match(line):
            lines.append(CODE_FENCE)
            in_code = not in_code
            continue
        if in_code:
            lines.append(escape(line))
            continue
        heading = _HEADING.match(line)
        lines.append(f"*{_inline(heading.group(1))}*" if heading else _inline(line))
    if in_code:
        lines.append(CODE_FENCE)
    return "\n".join(lines).strip("\n")


@functools.lru_cache(maxsize=BANK_TEXT_CACHE)
def bank_line(markdown: str) -> str:
    """A one-line piece of bank text (an option, a topic)."""
    return _inline(clean_inline(markdown).strip())


def _safe_cut(text: str, limit: int) -> int:
    """Where to cut ``text`` to at most ``limit`` characters without splitting an entity like ``&amp;``."""
    cut = limit
    amp = text.rfind("&", max(0, cut - 6), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return max(cut, 1)


def split(text: str, limit: int) -> list[str]:
    """Mrkdwn split into chunks of at most ``limit`` characters, at line ends where possible; a code block
    cut in two is closed at the end of one chunk and reopened at the start of the next."""
    if limit < 2 * len(CODE_FENCE) + 10:
        raise ValueError("limit too small to split mrkdwn")
    if len(text) <= limit:
        return [text] if text else []
    room = limit - len(CODE_FENCE) - 1  # space kept to close a code block
    chunks: list[str] = []
    current = ""
    in_code = False  # inside a code block at the end of ``current``
    for line in text.split("\n"):
        while True:
            candidate = f"{current}\n{line}" if current else line
            if len(candidate) <= room:
                current = candidate
                break
            if current and current not in (CODE_FENCE,):
                chunks.append(current + ("\n" + CODE_FENCE if in_code else ""))
                current = CODE_FENCE if in_code else ""
                continue
            # one line longer than a chunk: hard cut
            prefix = f"{current}\n" if current else ""
            cut = _safe_cut(line, room - len(prefix))
            chunks.append(prefix + line[:cut] + ("\n" + CODE_FENCE if in_code else ""))
            current = CODE_FENCE if in_code else ""
            line = line[cut:]
            if not line:
                break
        if line.strip() == CODE_FENCE:
            in_code = not in_code
    if current and current != CODE_FENCE:
        chunks.append(current)
    return chunks


def shorten(text: str, limit: int) -> str:
    """Mrkdwn cut to ``limit`` characters with a visible mark (entity- and code-block-safe)."""
    if len(text) <= limit:
        return text
    room = limit - len(TRUNCATED) - len(CODE_FENCE) - 2
    cut = text[: _safe_cut(text, room)]
    if cut.count(CODE_FENCE) % 2:
        cut += "\n" + CODE_FENCE
    return cut + "\n" + TRUNCATED


def plain(text: str, limit: int) -> str:
    """Text for a ``plain_text`` object (not parsed by Slack): one line, at most ``limit`` characters."""
    text = clean_inline(text).strip() or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"
