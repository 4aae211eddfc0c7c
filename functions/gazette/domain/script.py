"""Text normalisation before term matching, and quoting the original text back.

Traditional, Taiwan and Hong Kong characters, and mixtures of them with Simplified ones inside
one word (招標投标), are converted to Simplified with OpenCC's ``t2s`` tables (the ``opencc``
package), so a term written once matches every script.  The text is lower-cased first.  Then
whitespace between two non-ASCII characters (PDF line breaks inside Chinese words) is dropped
and any other run of whitespace becomes one space.

``normalise`` returns the text terms are matched in and an ``aligned`` copy: converted and
lower-cased but with its whitespace untouched, so that it has exactly the original's offsets.
``quote`` finds a matched term in the aligned copy and returns the original characters there,
so evidence quotes what the document prints (招標, Procurement), not the normalised form.

The converter is built on first use (OpenCC reads its dictionaries once per process).  Text
that holds no key of OpenCC's t2s tables that would change it (``gazette.domain.t2s_keys``,
generated from the installed tables) is not converted at all: one regular-expression scan decides.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import NamedTuple

__all__ = ["Normalised", "needs_conversion", "normalise", "quote", "to_simplified"]

_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
# The same gap once whitespace runs are single spaces; a literal first makes the scan fast.
_CJK_SPACE = re.compile(r" (?<=[^\x00-\x7f] )(?=[^\x00-\x7f])")


@functools.cache
def _converter():
    import opencc  # imported here: only matching needs it

    return opencc.OpenCC("t2s")


@functools.cache
def _t2s_checks() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Three scans, built on first use: ``first`` finds a character t2s changes, any character
    outside the Basic Multilingual Plane, or a character of the changing phrases (one character
    stands for each phrase: the one the most phrases hold, the last in code-point order on a
    tie); ``changed`` finds only the first two; ``phrases`` finds a changing phrase."""
    from gazette.domain.t2s_keys import CHANGED_CHARACTERS, CHANGED_PHRASES

    stand_ins: set[str] = set()
    uncovered = list(CHANGED_PHRASES)
    while uncovered:
        counts = Counter(char for phrase in uncovered for char in set(phrase))
        chosen = min(counts, key=lambda char: (-counts[char], -ord(char)))
        stand_ins.add(chosen)
        uncovered = [phrase for phrase in uncovered if chosen not in phrase]
    # Python's regular expressions test a class of Basic Multilingual Plane characters with one
    # table look-up; any character beyond it sends the text to the converter.
    plane = "".join(re.escape(char) for char in CHANGED_CHARACTERS if char <= "\uffff")
    beyond = "\U00010000-\U0010ffff"
    first = re.compile(f"[{plane}{''.join(re.escape(char) for char in sorted(stand_ins))}{beyond}]")
    changed = re.compile(f"[{plane}{beyond}]")
    phrases = re.compile("|".join(re.escape(phrase) for phrase in sorted(CHANGED_PHRASES, key=lambda p: (-len(p), p))))
    return first, changed, phrases


def needs_conversion(text: str) -> bool:
    """Whether t2s could change ``text``: False guarantees ``to_simplified(text) == text``."""
    first, changed, phrases = _t2s_checks()
    found = first.search(text)
    if found is None:
        return False
    return changed.search(text, found.start()) is not None or phrases.search(text) is not None


def _convert(text: str) -> str:
    """OpenCC t2s with one output character per input character.

    OpenCC converts phrase by phrase; its t2s tables keep the length of nearly every phrase.
    Should a conversion change the length, each line is converted on its own and a line whose
    length still changes is converted character by character, so offsets stay aligned."""
    if not needs_conversion(text):
        return text
    convert = _converter().convert
    converted = convert(text)
    if len(converted) == len(text):
        return converted
    lines = []
    for line in text.split("\n"):
        out = convert(line)
        if len(out) != len(line):
            out = "".join(c if len(c) == 1 else o for o, c in ((o, convert(o)) for o in line))
        lines.append(out)
    return "\n".join(lines)


def to_simplified(text: str) -> str:
    """``text`` with Traditional (and Taiwan / Hong Kong) characters in Simplified."""
    return _convert(text) if text else text


class Normalised(NamedTuple):
    text: str  # what terms are matched in
    aligned: str  # converted and lower-cased, whitespace untouched: the original's offsets


def normalise(original: str) -> Normalised:
    """The text as terms are matched in, and the aligned copy ``quote`` needs."""
    lowered = original.lower()
    if len(lowered) != len(original):  # a few characters lower-case to two (İ): keep them
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in original)
    if lowered.isascii():  # English: nothing to convert, no gap inside a Chinese word
        return Normalised(_single_spaces(lowered), lowered)
    aligned = _convert(lowered)
    return Normalised(_CJK_SPACE.sub("", _single_spaces(aligned)), aligned)


def _single_spaces(text: str) -> str:
    """``text`` with every run of whitespace made one space (``re.sub(r"\\s+", " ", text)``:
    ``str.split`` knows the same whitespace and is several times faster)."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + inner + (" " if text[-1].isspace() else "")


@functools.lru_cache(maxsize=8192)
def _pattern(form: str) -> re.Pattern[str]:
    # The normalised form with any whitespace allowed between its characters (where a run was
    # dropped or collapsed).
    return re.compile(r"\s*".join(re.escape(char) for char in form if not char.isspace()))


def quote(original: str, normalised: Normalised, form: str, start: int) -> str:
    """The original characters where ``form`` (a match at ``start`` in ``normalised.text``)
    is printed, with extraction gaps inside Chinese words closed (招標投\\n標 -> 招標投標).

    Normalising only removes characters, so the match lies at or after ``start`` in the
    original; the first occurrence from there is quoted."""
    aligned = normalised.aligned
    if aligned.startswith(form, start):  # nothing was removed before the match
        return original[start : start + len(form)]
    pattern = _pattern(form)
    match = pattern.search(aligned, start) or pattern.search(aligned)
    if match is None:  # pragma: no cover - the form was matched in the same text
        return form
    printed = original[match.start() : match.end()]
    if match.end() - match.start() == len(form):
        return printed
    return _SPACES.sub(" ", _CJK_GAP.sub("", printed))
