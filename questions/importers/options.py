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
    r"^(?P<o>\*\*|__)?(?:\((?P<p>[A-Za-z])\)|(?P<l>[A-Za-z])(?P<s>[).])|(?P<d>[A-Za-z])\s+[-–—](?=\s))(?P=o)?"
    r"(?:\s+(?P<text>\S.*)|\s*$)"
)
# A further option on the same line: ``A) 1000   B) 1024`` / ``(a) 4 (b) 8``; the style must repeat.
_INLINE = {
    "p": r"(?<=\s)\({letter}\)\s+",
    ")": r"(?<=\s){letter}\)\s+",
    ".": r"(?<=\s\s){letter}\.\s+",  # ``A. x  B. y``: dots need two spaces (``e.g. b. ...`` is prose)
}
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
    found = option_markers(segment)
    return found[0] if found else None


def option_markers(segment: Segment) -> list[Marker]:
    """The options a line starts with: usually one, several when written on one line (``A) x  B) y``)."""
    raw = segment.raw
    if segment.item_first and not segment.ordered:
        task = _TASK.match(raw)
        if task:
            return [Marker(None, task["text"].strip(), checked=task["mark"] != " ")]
    match = _LETTER.match(raw)
    if not match:
        return []
    letter = match["p"] or match["l"] or match["d"]
    text = (match["text"] or "").strip()
    if not text:
        return []
    style = "p" if match["p"] else match["s"] if match["l"] else None
    return _split_inline(letter, text, style)


def _split_inline(letter: str, text: str, style: str | None) -> list[Marker]:
    """``text`` of option ``letter`` split where the following letters appear in the same style."""
    markers: list[Marker] = []
    pattern = _INLINE.get(style or "")
    while pattern is not None:
        following = chr(ord(letter) + 1)
        if not following.isalpha():
            break
        found = re.search(pattern.format(letter=re.escape(following)), text)
        if found is None or text[: found.start()].count("`") % 2 or not text[: found.start()].strip():
            break
        markers.append(Marker(letter, text[: found.start()].strip()))
        letter, text = following, text[found.end() :].strip()
    markers.append(Marker(letter, text))
    return markers if all(m.text for m in markers) else [markers[0]]


@dataclass
class OptionDraft:
    """An option being collected (continuation lines may still be appended)."""

    key: str
    text: str
    line: int
    correct: bool = False
    segments: list[Segment] = field(default_factory=list)
    number: int | None = None  # an option written as a numbered list item: its number


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
        markers = option_markers(segment) if segment.kind == "line" else []
        if markers and _expected(previous, markers[0], len(options)):
            for marker in markers[: len(CHOICE_KEYS) - len(options)]:
                text, correct = marker.text, marker.checked
                stripped = _CORRECT_MARK.sub("", text)
                if stripped != text and stripped:
                    text, correct = stripped, True
                options.append(OptionDraft(CHOICE_KEYS[len(options)], text, segment.line, correct, [segment]))
                previous = marker
        elif options and not markers and segment.kind == "line" and _continues(options[-1], segment):
            options[-1].text += "\n" + segment.raw
            options[-1].segments.append(segment)
        else:
            break
        index += 1
    return options, index


def list_options(segments: list[Segment]) -> tuple[list[OptionDraft], list[Segment]]:
    """Options written as a plain list at the end of the prompt (``- True`` / ``- False``, ``1. ...``).

    Returns (options, the segments before the list), or ([], segments) when the prompt does not end in
    a list of at least two items. Whether they really are options depends on the answer (the caller's
    decision): a plain list may as well be part of the prompt.
    """
    start = len(segments)
    while start > 0 and segments[start - 1].kind == "line" and segments[start - 1].item >= 0:
        start -= 1
    trailing = segments[start:]
    if not trailing:
        return [], segments
    depth = min(s.depth for s in trailing)
    while trailing and not (trailing[0].depth == depth and trailing[0].item_first):
        trailing = trailing[1:]  # the tail of an item that began before the list: not an option
        start += 1
    heads = [s for s in trailing if s.depth == depth and s.item_first]
    if len(heads) < 2 or len(heads) > len(CHOICE_KEYS) or len({(s.items[:-1], s.ordered) for s in heads}) > 1:
        return [], segments
    options: list[OptionDraft] = []
    for segment in trailing:
        if segment.depth == depth and segment.item_first:
            text = segment.raw
            options.append(
                OptionDraft(CHOICE_KEYS[len(options)], text, segment.line, False, [segment], segment.number)
            )
        else:
            options[-1].text += "\n" + segment.raw
            options[-1].segments.append(segment)
    return options, segments[:start]


def _continues(option: OptionDraft, segment: Segment) -> bool:
    last = option.segments[-1]
    if segment.item >= 0 and segment.item == last.item and not segment.item_first:
        return True
    return segment.item < 0 and last.item < 0 and segment.para == last.para


# ------------------------------------------------------------------------------------------ answers

_KEY_TOKEN = r"\(?(?P<k>[A-Za-z])\)?"
_FIRST_KEY = re.compile(
    r"^\s*(?:(?i:the\s+)?(?i:(?:correct|right)\s+)?(?i:options?|choices?|answers?)(?i:\s+is)?\s*[:\-]?\s*)?"
    + _KEY_TOKEN
)
_NEXT_KEY = re.compile(r"^\s*(?:,|;|/|&|\band\b|\+)\s*(?:and\s+)?" + _KEY_TOKEN)


_NUMBERS = re.compile(r"^\d{1,2}(?:\s*(?:,|;|/|&|\band\b)\s*\d{1,2})*\.?$")


@dataclass(frozen=True, slots=True)
class ChoiceKeys:
    """Option keys an answer names, and the text after them (an explanation or the option's text)."""

    keys: tuple[str, ...]
    rest: str
    restates: bool  # the rest is ``) text`` / ``. text``: the option restated (maybe with an explanation)


def _key_end_ok(text: str, end: int, letter: str) -> bool:
    """A letter is a key when followed by an end, punctuation, or (for B-Z) a space; ``A model`` is prose."""
    after = text[end:]
    if not after or after[0] in ").,:;/&-–—":
        return True
    if not after[0].isspace():
        return False
    following = after.strip()
    if not following or following[0] in "-–—:(":
        return True  # ``c — because ...`` / ``b (the second one)``
    if letter.islower():
        return False
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
    parenthesised = match.start("k") > 0 and plain[match.start("k") - 1] == "("
    restates = not parenthesised and bool(re.match(r"^[).]\s*\S", plain[match.end("k") :]))
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


def after_option_text(rest: str, option_text: str) -> str | None:
    """What follows a restated option (``Blue-Green — because ...`` gives ``because ...``); None when
    ``rest`` does not start with the option's text (markup, case and spacing ignored)."""
    words = re.sub(r"[*_`]", "", option_text).strip().rstrip(".").split()
    body = re.sub(r"[*_`]", "", rest).strip()
    if not words:
        return None
    found = re.match(r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", body, re.IGNORECASE)
    if found is None:
        return None
    return re.sub(r"^[\s).:;,\-–—]+", "", body[found.end() :]).strip()


def listed_numbers(text: str) -> list[int]:
    """``2`` / ``1, 3`` / ``1 and 3``: the item numbers an answer names ([] when it is not only numbers)."""
    if not _NUMBERS.match(text.strip()):
        return []
    return [int(n) for n in re.findall(r"\d+", text)]
