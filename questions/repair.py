"""Text repair: undo mojibake (UTF-8 read as Windows-1252, e.g. ``â€"`` for an em dash) with ftfy.

Only encoding damage is repaired: quotes, HTML entities, character widths and line breaks are left as the
author wrote them, so Markdown (and its line numbers) is unchanged apart from the repaired characters.
ftfy only sees the lines that could need it (non-ASCII or control characters): plain ASCII lines, the
bulk of most quizzes, cannot hold mojibake and are left alone, which keeps large files fast.
"""

from __future__ import annotations

import re

import ftfy

_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization="NFC",
)


# Anything ftfy could change: non-ASCII text and control characters (tabs are fine).
_SUSPECT = re.compile(r"[^\t\x20-\x7e]")


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n`` (the line count Markdown sees is unchanged)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def repair_text(text: str) -> str:
    """``text`` with mojibake repaired and newlines normalised; line numbers are preserved."""
    lines = normalise_newlines(text).split("\n")
    suspects = [index for index, line in enumerate(lines) if _SUSPECT.search(line)]
    if not suspects:
        return "\n".join(lines)
    original = "\n".join(lines[index] for index in suspects)
    fixed = ftfy.fix_text(original, config=_CONFIG).split("\n")
    # ftfy never adds or removes newlines with this configuration; keep the original if it ever did.
    if len(fixed) == len(suspects):
        for index, line in zip(suspects, fixed, strict=True):
            lines[index] = line
    return "\n".join(lines)
