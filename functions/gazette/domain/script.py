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

The converter is built on first use (OpenCC reads its dictionaries once per process).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

__all__ = ["Normalised", "normalise", "quote", "to_simplified"]

_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
# The same gap once whitespace runs are single spaces; a literal first makes the scan fast.
_CJK_SPACE = re.compile(r" (?<=[^\x00-\x7f] )(?=[^\x00-\x7f])")


@functools.cache
def _converter():
    import opencc  # imported here: only matching needs it

    return opencc.OpenCC("t2s")


def _convert(text: str) -> str:
    """OpenCC t2s with one output character per input character.

    OpenCC converts phrase by phrase; its t2s tables keep the length of nearly every phrase.
    Should a conversion change the length, each line is converted on its own and a line whose
    length still changes is converted character by character, so offsets stay aligned."""
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
        return Normalised(_SPACES.sub(" ", lowered), lowered)
    aligned = _convert(lowered)
    return Normalised(_CJK_SPACE.sub("", _SPACES.sub(" ", aligned)), aligned)


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
