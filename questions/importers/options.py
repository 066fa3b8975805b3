"""Option parsing: ``A)``, ``a)``, ``A.``, ``(a)``, ``- [ ]``/``- [x]`` lines, and answers naming options.

Options are recognised line by line (a paragraph line or a list item's first line), in runs that start at
A and go on without gaps; their keys are always normalised to A, B, C, ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from questions.importers.markdown import Segment
from questions.model import CHOICE_KEYS

_LETTER = re.compile(
    r"^(?P<o>\*\*|__)?(?:\((?P<p>[A-Za-z])\)|(?P<l>[A-Za-z])[).])(?P=o)?(?:\s+(?P<text>\S.*)|\s*$)"
)
_TASK = re.compile(r"^\[(?P<mark>[ xX✓✔])\]\s+(?P<text>\S.*)$")
_CORRECT_MARK = re.compile(
    r"\s*(?:\((?:correct|right|answer)\)|\*\*\((?:correct|right|answer)\)\*\*|[✓✔✅]|←\s*correct)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Marker:
    """An option marker found on a line."""

    letter: str | None  # "a", "B"; None for a task-list box
    text: str
    checked: bool = False


def option_marker(segment: Segment) -> Marker | None:
    """The option marker at the start of a line segment, if any."""
    raw = segment.raw
    if segment.item_first and not segment.ordered:
        task = _TASK.match(raw)
        if task:
            return Marker(None, task["text"].strip(), checked=task["mark"] != " ")
    match = _LETTER.match(raw)
    if not match:
        return None
    letter = match["p"] or match["l"]
    text = (match["text"] or "").strip()
    if not text:
        return None
    return Marker(letter, text)


@dataclass
class OptionDraft:
    """An option being collected (continuation lines may still be appended)."""

    key: str
    text: str
    line: int
    correct: bool = False
    segments: list[Segment] = field(default_factory=list)


def _expected(previous: Marker | None, marker: Marker, count: int) -> bool:
    if marker.letter is None:
        return previous is None or previous.letter is None
    if previous is None:
        return marker.letter in "aA"
    if previous.letter is None:
        return False
    same_case = marker.letter.isupper() == previous.letter.isupper()
    return same_case and ord(marker.letter.upper()) - ord("A") == count


def collect_options(segments: list[Segment]) -> tuple[list[OptionDraft], list[Segment], list[Segment]]:
    """Split prompt segments into (options, segments before them, segments after them).

    The first run of at least two consecutive options counts; a non-option line in the same paragraph or
    list item as an option continues it. Without such a run, there are no options.
    """
    index = 0
    while index < len(segments):
        run, end = _run_from(segments, index)
        if len(run) >= 2:
            return run, segments[:index], segments[end:]
        index += 1
    return [], segments, []


def _run_from(segments: list[Segment], start: int) -> tuple[list[OptionDraft], int]:
    options: list[OptionDraft] = []
    previous: Marker | None = None
    index = start
    while index < len(segments) and len(options) < len(CHOICE_KEYS):
        segment = segments[index]
        marker = option_marker(segment) if segment.kind == "line" else None
        if marker is not None and _expected(previous, marker, len(options)):
            text, correct = marker.text, marker.checked
            stripped = _CORRECT_MARK.sub("", text)
            if stripped != text and stripped:
                text, correct = stripped, True
            options.append(OptionDraft(CHOICE_KEYS[len(options)], text, segment.line, correct, [segment]))
            previous = marker
        elif options and marker is None and segment.kind == "line" and _continues(options[-1], segment):
            options[-1].text += "\n" + segment.raw
            options[-1].segments.append(segment)
        else:
            break
        index += 1
    return options, index


def _continues(option: OptionDraft, segment: Segment) -> bool:
    last = option.segments[-1]
    if segment.item >= 0 and segment.item == last.item and not segment.item_first:
        return True
    return segment.item < 0 and last.item < 0 and segment.para == last.para


# ------------------------------------------------------------------------------------------ answers

_KEY_TOKEN = r"\(?(?P<k>[A-Za-z])\)?"
_FIRST_KEY = re.compile(
    r"^\s*(?:(?:the\s+)?(?:correct\s+)?(?:options?|choices?|answers?)\s*[:\-]?\s*)?" + _KEY_TOKEN
)
_NEXT_KEY = re.compile(r"^\s*(?:,|;|/|&|\band\b|\+)\s*(?:and\s+)?" + _KEY_TOKEN)


@dataclass(frozen=True, slots=True)
class ChoiceKeys:
    """Option keys an answer names, and the text after them (an explanation or the option's text)."""

    keys: tuple[str, ...]
    rest: str
    restates: bool  # the rest is ``) text`` / ``. text``: the option restated, not an explanation


def _key_end_ok(text: str, end: int, letter: str) -> bool:
    """A letter is a key when followed by an end, punctuation, or (for B-Z) a space; ``A model`` is prose."""
    after = text[end:]
    if not after or after[0] in ").,:;/&-–—":
        return True
    if not after[0].isspace() or letter.islower():
        return False
    following = after.strip()
    if not following:
        return True
    if letter in "AI":
        word = following.split()[0].casefold()
        return (
            word in {"is", "and", "&", "-", "–", "—", "(correct)", "+"}
            or following[0].isupper()
            or following[0] in "(-–—"
        )
    return True


def parse_choice_keys(text: str) -> ChoiceKeys | None:
    """The option keys at the start of an answer: ``B``, ``a) Blue-Green``, ``A, B, C, E``, ``Option C``."""
    plain = text.replace("**", "").replace("__", "").strip().strip("*_`").strip()
    match = _FIRST_KEY.match(plain)
    if not match or not _key_end_ok(plain, match.end("k"), match["k"]):
        return None
    restates = bool(re.match(r"^[).]\s*\S", plain[match.end("k") :]))
    keys = [match["k"].upper()]
    position = match.end()
    while True:
        nxt = _NEXT_KEY.match(plain[position:])
        if not nxt or not _key_end_ok(plain, position + nxt.end("k"), nxt["k"]):
            break
        keys.append(nxt["k"].upper())
        position += nxt.end()
    rest = re.sub(r"^\s*[).:;,\-–—]*\s*", "", plain[position:]).strip()
    return ChoiceKeys(tuple(dict.fromkeys(keys)), rest, restates and len(keys) == 1)


def same_text(a: str, b: str) -> bool:
    """Two option texts that say the same (case, spacing, markup and trailing dots ignored)."""

    def norm(s: str) -> str:
        s = re.sub(r"[*_`]", "", s).casefold()
        return re.sub(r"\s+", " ", s).strip(" .")

    return norm(a) == norm(b)
