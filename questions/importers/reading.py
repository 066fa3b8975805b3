"""Reading bank files: bytes to text, refusing what is not a UTF-8 text file of a sensible size."""

from __future__ import annotations

from pathlib import Path

MAX_BYTES = 2 * 1024 * 1024  # a quiz bank is text; 2 MB is hundreds of questions
_CONTROL = {b for b in range(32) if b not in (9, 10, 12, 13)}


def too_large(size: int, limit: int = MAX_BYTES) -> str:
    """Why a file of ``size`` bytes (over ``limit``) is refused."""
    return f"is too large ({size / 1024 / 1024:.1f} MB; the limit is {limit // 1024 // 1024} MB)"


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for UTF-8 text (a BOM is dropped), else (None, why not)."""
    if len(data) > MAX_BYTES:
        return None, too_large(len(data))
    if b"\x00" in data[:8192]:
        return None, "is a binary file, not Markdown text"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f"invalid byte 0x{data[exc.start]:02x} at offset {exc.start}"
        return None, f"is not UTF-8 text ({where}); save it as UTF-8"
    sample = data[:8192]
    if sample and sum(b in _CONTROL for b in sample) > len(sample) // 20:
        return None, "is a binary file, not Markdown text"
    return text, None


def read_bytes(path: Path) -> tuple[bytes | None, str | None]:
    """(bytes, None), or (None, a message saying why the file cannot be read: missing, a directory, too
    large, not permitted)."""
    try:
        if path.is_dir():
            return None, "is a directory, not a file"
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, too_large(size)
        return path.read_bytes(), None
    except FileNotFoundError:
        return None, "does not exist"
    except PermissionError:
        return None, "cannot be read (permission denied)"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc.__class__.__name__})"


def read_source(path: Path) -> tuple[str | None, str | None]:
    """(text, None) or (None, a message saying why the file cannot be read)."""
    data, problem = read_bytes(path)
    if data is None:
        return None, problem
    return decode(data)
