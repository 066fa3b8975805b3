"""Text repair: undo mojibake (UTF-8 read as Windows-1252, e.g. ``â€"`` for an em dash) with ftfy.

Only encoding damage is repaired: quotes, HTML entities, character widths and line breaks are left as the
author wrote them, so Markdown (and its line numbers) is unchanged apart from the repaired characters.
"""

from __future__ import annotations

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


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n`` (the line count Markdown sees is unchanged)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def repair_text(text: str) -> str:
    """``text`` with mojibake repaired and newlines normalised; line numbers are preserved."""
    text = normalise_newlines(text)
    fixed = ftfy.fix_text(text, config=_CONFIG)
    # ftfy never adds or removes newlines with this configuration; keep the original if it ever did.
    return fixed if fixed.count("\n") == text.count("\n") else text
