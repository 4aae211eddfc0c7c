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

Matching without converting the whole text (``normalise_folded``, ``fold_forms``): OpenCC cuts a
text into pieces, each a key of its tables or one character, and replaces each piece by the key's
value.  A character that no key longer than one character holds is a piece of its own, so nearly
every character converts as it does standing alone (``t2s_keys.ALONE``); only the
``CONTEXT_CHARACTERS`` (覆 of 反覆, 乾 of 乾隆) may convert otherwise inside a longer key.
``normalise_folded`` converts just the runs of phrase characters around those, with OpenCC, and
writes their result into the text; matching then looks for every ``fold_forms`` spelling of a
term: each character of the term replaced by any character that converts to it standing alone.
A match there is a match in the converted text, at the same offsets.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from typing import NamedTuple

__all__ = ["Normalised", "fold_forms", "needs_conversion", "normalise", "normalise_folded", "quote", "to_simplified"]

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
    # True when ``text`` and ``aligned`` are folded (``normalise_folded``): a term is found in
    # them under any of its ``fold_forms`` spellings.
    folded: bool = False


def _lower(original: str) -> str:
    lowered = original.lower()
    if len(lowered) != len(original):  # a few characters lower-case to two (İ): keep them
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in original)
    return lowered


def normalise(original: str) -> Normalised:
    """The text as terms are matched in, and the aligned copy ``quote`` needs."""
    lowered = _lower(original)
    if lowered.isascii():  # English: nothing to convert, no gap inside a Chinese word
        return Normalised(_single_spaces(lowered), lowered)
    aligned = _convert(lowered)
    return Normalised(_CJK_SPACE.sub("", _single_spaces(aligned)), aligned)


class _Folding(NamedTuple):
    alone: dict[str, str]  # changed character -> its conversion standing alone
    sources: dict[str, tuple[str, ...]]  # character -> the characters that become it alone
    context: re.Pattern[str]  # finds a character that may convert otherwise inside a phrase
    phrase: frozenset[str]  # the characters of the tables' longer keys


@functools.cache
def _folding() -> _Folding:
    from gazette.domain.t2s_keys import ALONE, CHANGED_CHARACTERS, CONTEXT_CHARACTERS, PHRASE_CHARACTERS

    alone = dict(zip(CHANGED_CHARACTERS, ALONE, strict=True))
    sources: dict[str, list[str]] = {}
    for char, out in alone.items():
        sources.setdefault(out, []).append(char)
    context = re.compile("[" + "".join(re.escape(char) for char in sorted(set(CONTEXT_CHARACTERS))) + "]")
    sourced = {char: tuple(chars) for char, chars in sources.items()}
    return _Folding(alone, sourced, context, frozenset(PHRASE_CHARACTERS))


def _sources(char: str) -> tuple[str, ...]:
    """The characters that convert to ``char`` standing alone (``char`` itself unless t2s
    changes it)."""
    folding = _folding()
    own = (char,) if folding.alone.get(char, char) == char else ()
    return own + folding.sources.get(char, ())


def fold_forms(form: str) -> list[str]:
    """Every spelling that converts to ``form`` character by character standing alone."""
    return ["".join(chars) for chars in itertools.product(*(_sources(char) for char in form))]


def _resolve_context(lowered: str) -> str | None:
    """``lowered`` with each context character that converts otherwise than alone replaced by a
    character converting to the same standing alone; None when there is none (then the whole
    text must be converted)."""
    folding = _folding()
    positions = [found.start() for found in folding.context.finditer(lowered)]
    if not positions:
        return lowered
    phrase, size = folding.phrase, len(lowered)
    runs: list[tuple[int, int]] = []
    for position in positions:
        if runs and position < runs[-1][1]:
            continue
        start = position
        while start and lowered[start - 1] in phrase:
            start -= 1
        end = position + 1
        while end < size and lowered[end] in phrase:
            end += 1
        runs.append((start, end))
    # A run is bounded by characters no longer key holds: OpenCC cuts there, so the run converts
    # the same alone.  One call converts them all, a line break (no key holds it) between each.
    converted = _converter().convert("\n".join(lowered[start:end] for start, end in runs)).split("\n")
    if len(converted) != len(runs):  # pragma: no cover - t2s keeps line breaks
        return None
    pieces: list[str] = []
    done = 0
    index = 0
    alone = folding.alone
    for (start, end), out in zip(runs, converted, strict=True):
        if len(out) != end - start:
            return None
        while index < len(positions) and positions[index] < end:
            position = positions[index]
            index += 1
            char = out[position - start]
            if char == alone.get(lowered[position], lowered[position]):
                continue
            if alone.get(char, char) != char:
                return None
            pieces.append(lowered[done:position])
            pieces.append(char)
            done = position + 1
    if not pieces:
        return lowered
    pieces.append(lowered[done:])
    return "".join(pieces)


def normalise_folded(original: str) -> Normalised | None:
    """Like ``normalise`` but without converting the whole text: the result is folded (a term is
    found under its ``fold_forms`` spellings, at the offsets ``normalise`` would give).  None
    when the text needs the whole conversion (a phrase converts a character to one that is not
    its own conversion alone, e.g. 乾 of 乾隆)."""
    lowered = _lower(original)
    if lowered.isascii():
        return Normalised(_single_spaces(lowered), lowered)
    aligned = _resolve_context(lowered)
    if aligned is None:
        return None
    return Normalised(_CJK_SPACE.sub("", _single_spaces(aligned)), aligned, True)


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


@functools.lru_cache(maxsize=8192)
def _folded_patterns(form: str) -> tuple[dict[str, re.Pattern[str]], re.Pattern[str]]:
    # For a folded text: ``_pattern`` opening with each source of the form's first character,
    # the others any of their sources; and the form itself that way.
    def one(char: str) -> str:
        chars = _sources(char)
        if not chars:
            return "(?!)"
        return re.escape(chars[0]) if len(chars) == 1 else "[" + "".join(re.escape(c) for c in chars) + "]"

    chars = [char for char in form if not char.isspace()]
    rest = "".join(r"\s*" + one(char) for char in chars[1:])
    opening = {source: re.compile(re.escape(source) + rest) for source in _sources(chars[0])} if chars else {}
    return opening, re.compile("".join(one(char) for char in form))


def _folded_search(aligned: str, opening: dict[str, re.Pattern[str]], lead: str, start: int) -> re.Match[str] | None:
    """The first match at or after ``start`` of any of the ``opening`` patterns.  A pattern that
    opens with one character is searched fast; the match's own first character (``lead``) is
    searched first, then each other source only up to the best place found."""
    best = opening[lead].search(aligned, start) if lead in opening else None
    bound = best.start() if best is not None else len(aligned)
    for source, pattern in opening.items():
        if source == lead:
            continue
        place = aligned.find(source, start, bound)
        while place >= 0:
            match = pattern.match(aligned, place)
            if match is not None:
                best, bound = match, place
                break
            place = aligned.find(source, place + 1, bound)
    return best


def quote(original: str, normalised: Normalised, form: str, start: int) -> str:
    """The original characters where ``form`` (a match at ``start`` in ``normalised.text``)
    is printed, with extraction gaps inside Chinese words closed (招標投\\n標 -> 招標投標).

    Normalising only removes characters, so the match lies at or after ``start`` in the
    original; the first occurrence from there is quoted."""
    aligned = normalised.aligned
    if normalised.folded:
        opening, exact = _folded_patterns(form)
        if exact.match(aligned, start):  # nothing was removed before the match
            return original[start : start + len(form)]
        lead = normalised.text[start]  # how the match's first character is written
        match = _folded_search(aligned, opening, lead, start) or _folded_search(aligned, opening, lead, 0)
    else:
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
